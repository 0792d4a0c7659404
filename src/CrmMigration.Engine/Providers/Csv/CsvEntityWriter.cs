using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;
using CsvHelper;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>
    /// Writes one entity to a CSV file: into a temp file in the target folder, renamed into place by
    /// <see cref="Complete"/> together with the type sidecar; disposing without Complete deletes the temp
    /// file, so a crashed run leaves the old file (or none) rather than half a file.
    /// </summary>
    /// <remarks>
    /// Columns are fixed by options.Schema when given, else by the first record written; a later record
    /// with a field outside them is Rejected (UnknownField). With <see cref="CrmFormulaEscape.Spreadsheet"/>
    /// (the default: files for people) text is formula-escaped as CsvHelper's Injection=Escape did it (a leading
    /// apostrophe before = + - @ tab CR, the field quoted). Quoting and escaping are this writer's own
    /// (<see cref="WriteText(CsvWriter, string)"/>, byte for byte what CsvHelper's RFC 4180 mode writes; CsvHelper runs in NoEscape mode):
    /// in profiles of Export-CrmData | Import-CrmData of contacts with a phone column, CsvHelper 34's quoting (which its
    /// formula escaping uses) spent over a quarter of the samples moving memory. Text that itself starts with an
    /// apostrophe gets one more, so the
    /// reader, told by the sidecar (crm:formulaEscape "'"), strips exactly one apostrophe and the round trip is
    /// lossless. With <see cref="CrmFormulaEscape.None"/> (files for machines, the SaaS formats) text is written
    /// as it is and the sidecar says "none". Numbers are never escaped. An empty string is written quoted ("")
    /// and null as an empty field.
    /// The import session's batch lane hands it rows (<see cref="ICrmRowWriter"/>): text cells go from their UTF-8 bytes to
    /// the file with the same quoting and escaping, numbers and dates through the same formatting, so a file written from rows
    /// is byte for byte the file written from their records.
    /// </remarks>
    internal sealed class CsvEntityWriter : ICrmEntityWriter, ICrmRowWriter
    {
        private readonly string _path;
        private readonly string _entity;
        private readonly CrmWriteOptions _options;
        private readonly char _separator;
        private readonly string _tempPath;
        private string[]? _columns;
        private CrmFieldShape? _columnShape;
        private CrmFieldType?[]? _observed;
        private CsvWriter? _writer;
        private int _batch;
        private bool _completed;
        private bool _disposed;
        private readonly Func<Stream, Stream>? _wrapStream;
        private readonly bool _escape;
        private bool _headerWritten;

        /// <summary>The characters that make a spreadsheet read text as a formula (CsvHelper's default InjectionCharacters).</summary>
        private static readonly System.Buffers.SearchValues<char> FormulaStarts = System.Buffers.SearchValues.Create("=@+-\t\r");

        /// <summary>What makes a field quoted (as CsvHelper's WhenNeeded decides): the separator, a quote, CR or LF.</summary>
        private readonly System.Buffers.SearchValues<char> _needsQuotes;

        /// <summary>The same characters as UTF-8 bytes (an ASCII separator only: another one keeps rows on the record path).</summary>
        private static readonly System.Buffers.SearchValues<byte> FormulaStartBytes = System.Buffers.SearchValues.Create("=@+-\t\r"u8);
        private readonly System.Buffers.SearchValues<byte>? _needsQuotesUtf8;
        private readonly bool _utf8Output;

        // wrapStream (optional) wraps the file stream: the archive hashes the bytes as they are written.
        // escape: the formula escaping (default: options.FormulaEscape, else Spreadsheet).
        public CsvEntityWriter(string path, string entity, CrmWriteOptions options, char separator, Func<Stream, Stream>? wrapStream = null, CrmFormulaEscape? escape = null)
        {
            _wrapStream = wrapStream;
            _escape = (escape ?? options.FormulaEscape ?? CrmFormulaEscape.Spreadsheet) == CrmFormulaEscape.Spreadsheet;
            _path = path;
            _entity = entity;
            _options = options;
            _separator = separator;
            _needsQuotes = System.Buffers.SearchValues.Create(new[] { separator, '"', '\r', '\n' });
            if (separator < 0x80) _needsQuotesUtf8 = System.Buffers.SearchValues.Create(new[] { (byte)separator, (byte)'"', (byte)'\r', (byte)'\n' });
            var outputEncoding = TextEncodings.FromName(options.Encoding);
            _utf8Output = outputEncoding is null || TextEncodings.IsUtf8(outputEncoding);
            string dir = Path.GetDirectoryName(path) ?? ".";
            if (!Directory.Exists(dir))
            {
                if (!options.CreateIfMissing) throw new CrmException(new CrmDataError("CsvFolderNotFound", CrmErrorKind.NotFound, $"The folder '{dir}' does not exist.") { File = path, Entity = entity });
                Directory.CreateDirectory(dir);
            }
            if (!options.CreateIfMissing && !File.Exists(path))
            {
                throw new CrmException(new CrmDataError("CsvFileNotFound", CrmErrorKind.NotFound, $"The file '{path}' does not exist and CreateIfMissing is off.") { File = path, Entity = entity });
            }
            _tempPath = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            if (options.Schema is not null && options.Schema.Fields.Count > 0)
            {
                var names = new string[options.Schema.Fields.Count];
                for (int i = 0; i < names.Length; i++) names[i] = options.Schema.Fields[i].Name;
                SetColumns(names);
            }
            _writer = Open();
        }

        private CsvWriter Open()
        {
            var encoding = TextEncodings.FromName(_options.Encoding);
            var csvOptions = new CsvWriterOptions
            {
                Separator = _separator,
                // Quoting and formula escaping are this writer's (WriteText): CsvHelper writes the fields as given.
                Mode = CsvMode.NoEscape,
                Injection = CsvInjection.None,
                NewLine = "\r\n",
                ValidateFieldCount = true,
                WriteByteOrderMark = encoding is null || (TextEncodings.IsUtf8(encoding) && encoding.GetPreamble().Length > 0),
            };
            Stream stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            if (_wrapStream is not null) stream = _wrapStream(stream);
            if (encoding is null || TextEncodings.IsUtf8(encoding)) return CsvWriter.Create(stream, csvOptions);
            // Non UTF-8 output: CsvHelper writes UTF-16 text to a TextWriter that encodes it (with its BOM for UTF-16).
            return CsvWriter.Create(new StreamWriter(stream, encoding, 1 << 16), csvOptions with { WriteByteOrderMark = false });
        }

        /// <summary>The schema the first record's shape carried (its source's), for the sidecar.</summary>
        private CrmEntitySchema? _firstSchema;

        private void SetColumns(string[] names)
        {
            _columns = names;
            _columnShape = new CrmFieldShape(names);
            _observed = new CrmFieldType?[names.Length];
            // The sidecar types a column the schema describes by the schema (FileTableMetadata.Describe), so only the others are
            // typed by the values written: a described column is marked text, which the writers never widen (no look per cell).
            var described = _options.Schema ?? _firstSchema;
            if (described is null) return;
            for (int i = 0; i < names.Length; i++) if (described.GetField(names[i]) is not null) _observed[i] = CrmFieldType.String;
        }

        /// <inheritdoc/>
        public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (_writer is null) throw new ObjectDisposedException(nameof(CsvEntityWriter));
            _batch++;
            for (int r = 0; r < batch.Count; r++)
            {
                var record = batch[r];
                if (_columns is null)
                {
                    var names = new string[record.FieldCount];
                    for (int i = 0; i < names.Length; i++) names[i] = record.FieldNames[i];
                    _firstSchema = record.Shape.Schema;
                    SetColumns(names);
                }
                if (!_headerWritten) WriteHeader();
                string? unknown = FindUnknown(record);
                if (unknown is not null)
                {
                    outcomes.Add(Rejected(record, unknown));
                    continue;
                }
                WriteRecord(record);
                outcomes.Add(new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Inserted) { Batch = _batch, Origin = record.Origin });
            }
        }

        private CrmRecordOutcome Rejected(CrmRecord record, string unknown) => new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Rejected)
        {
            Batch = _batch,
            Origin = record.Origin,
            ReasonCode = "UnknownField",
            Message = $"The field '{unknown}' is not a column of the CSV file (columns are fixed by the schema or the first record).",
        };

        // The last record shape seen: where each column is in it (-1: absent) and its first field the columns lack.
        // Records of one source share a shape, so this is worked out once, not per record and field.
        private CrmFieldShape? _mappedShape;
        private int[]? _map;
        private string? _mappedUnknown;

        private void MapShape(CrmFieldShape shape)
        {
            if (ReferenceEquals(shape, _mappedShape)) return;
            var columns = _columnShape!;
            var map = new int[_columns!.Length];
            for (int i = 0; i < map.Length; i++) map[i] = ReferenceEquals(shape, columns) ? i : shape.IndexOf(_columns[i]);
            string? unknown = null;
            if (!ReferenceEquals(shape, columns))
            {
                for (int i = 0; i < shape.Count && unknown is null; i++) if (columns.IndexOf(shape.Names[i]) < 0) unknown = shape.Names[i];
            }
            _map = map;
            _mappedUnknown = unknown;
            _mappedShape = shape;
        }

        private string? FindUnknown(CrmRecord record)
        {
            MapShape(record.Shape);
            return _mappedUnknown;
        }

        private void WriteRecord(CrmRecord record)
        {
            var w = _writer!;
            MapShape(record.Shape);
            var map = _map!;
            for (int i = 0; i < map.Length; i++)
            {
                int j = map[i];
                object? v = j < 0 ? null : record.GetValue(j);
                // A column seen as text stays text whatever comes (CrmValues.Widen): its values need no type.
                if (v is not null && _observed![i] != CrmFieldType.String)
                {
                    var t = CrmValues.TypeOf(v);
                    var seen = _observed![i];
                    _observed[i] = seen is null ? t : CrmValues.Widen(seen.Value, t);
                }
                WriteValue(w, v);
            }
            w.EndRecord();
        }

        private void WriteHeader()
        {
            foreach (string name in _columns!) WriteText(_writer!, name);
            _writer!.EndRecord();
            _headerWritten = true;
        }

        private void WriteValue(CsvWriter w, object? v)
        {
            switch (v)
            {
                case null: w.WriteField((string?)null); break;
                case string s: WriteText(w, s); break;
                case long l: w.WriteField(l); break;
                case int i: w.WriteField((long)i); break;
                case short sh: w.WriteField((long)sh); break;
                case byte b: w.WriteField((long)b); break;
                case decimal m: w.WriteField(m); break;
                case double d: w.WriteField(d); break;
                case float f: w.WriteField((double)f); break;
                case DateTime t: WriteDate(w, t); break;
                default: WriteText(w, CrmValues.ToText(v) ?? ""); break; // an empty byte[] is "", not null
            }
        }

        /// <summary>The writer's own buffer for a formatted value (<see cref="_text"/>) and, after it, an escaped field (<see cref="_field"/>).</summary>
        private char[] _text = new char[64];
        private char[] _field = new char[256];

        private Span<char> Room(int length)
        {
            if (_text.Length < length) _text = new char[length];
            return _text;
        }

        /// <summary>A date as the invariant text <see cref="CrmValues.ToText"/> gives, formatted into the writer's buffer (no string per date).</summary>
        private void WriteDate(CsvWriter w, DateTime t)
        {
            if (t.TryFormat(Room(32), out int n, CrmRecord.DateFormat(t), CultureInfo.InvariantCulture)) WriteText(w, _text.AsSpan(0, n));
            else WriteText(w, CrmValues.ToText(t) ?? "");
        }

        /// <summary>
        /// A text field as CsvHelper's RFC 4180 mode with Injection=Escape wrote it: empty text as "" (not null); with
        /// formula escaping, text starting with = @ + - tab or CR gets an apostrophe before it and is quoted ("'=1+2"),
        /// and text starting with an apostrophe gets one more; text with the separator, a quote, CR or LF is quoted, its
        /// quotes doubled. Headers too. An escaped or quoted field is built in a buffer the writer keeps.
        /// </summary>
        private void WriteText(CsvWriter w, string text)
        {
            if (text.Length == 0) { w.WriteField("\"\""); return; }
            if (!NeedsWork(text, out bool apostrophe, out bool quote)) { w.WriteField(text); return; }
            w.WriteField(Escape(text, apostrophe, quote));
        }

        private void WriteText(CsvWriter w, ReadOnlySpan<char> text)
        {
            if (text.Length == 0) { w.WriteField("\"\""); return; }
            if (!NeedsWork(text, out bool apostrophe, out bool quote)) { w.WriteField(text); return; }
            w.WriteField(Escape(text, apostrophe, quote));
        }

        private bool NeedsWork(ReadOnlySpan<char> text, out bool apostrophe, out bool quote)
        {
            bool formula = _escape && FormulaStarts.Contains(text[0]);
            apostrophe = formula || (_escape && text[0] == '\'');
            quote = formula || text.ContainsAny(_needsQuotes) || (apostrophe && _needsQuotes.Contains('\''));
            return apostrophe || quote;
        }

        private ReadOnlySpan<char> Escape(ReadOnlySpan<char> text, bool apostrophe, bool quote)
        {
            int quotes = 0;
            if (quote) foreach (char c in text) if (c == '"') quotes++;
            int length = text.Length + (apostrophe ? 1 : 0) + (quote ? quotes + 2 : 0);
            if (_field.Length < length) _field = new char[Math.Max(length, _field.Length * 2)];
            var span = _field.AsSpan(0, length);
            int at = 0;
            if (quote) span[at++] = '"';
            if (apostrophe) span[at++] = '\'';
            if (!quote)
            {
                text.CopyTo(span.Slice(at));
                return span;
            }
            foreach (char c in text)
            {
                if (c == '"') span[at++] = '"';
                span[at++] = c;
            }
            span[at] = '"';
            return span;
        }

        /// <inheritdoc/>
        /// <remarks>
        /// Rows can be written when every field of their shape is a column (the columns are the schema's, or the first rows'), the
        /// separator is ASCII and the file is UTF-8 (its bytes are the cells' own); anything else goes the record way, which rejects
        /// an unknown field as UnknownField.
        /// </remarks>
        public bool CanWriteRows(RowBatch rows)
        {
            if (_writer is null || _needsQuotesUtf8 is null || !_utf8Output || rows.HasRecordsToWrite) return false;
            if (_columns is null) return true;
            MapShape(rows.Shape);
            return _mappedUnknown is null;
        }

        /// <inheritdoc/>
        public bool PrepareRows(RowBatch rows) => CanWriteRows(rows);

        /// <inheritdoc/>
        public void WriteRows(RowBatch rows, int[] which, int count, RowOutcomes outcomes)
        {
            if (_writer is null) throw new ObjectDisposedException(nameof(CsvEntityWriter));
            _batch++;
            if (_columns is null)
            {
                var names = new string[rows.Shape.Count];
                for (int i = 0; i < names.Length; i++) names[i] = rows.Shape.Names[i];
                _firstSchema = rows.Shape.Schema;
                SetColumns(names);
            }
            if (!_headerWritten) WriteHeader();
            MapShape(rows.Shape);
            var map = _map!;
            var columns = rows.Columns;
            var w = _writer;
            outcomes.Reset(count);
            for (int k = 0; k < count; k++)
            {
                int r = which[k];
                for (int i = 0; i < map.Length; i++)
                {
                    int j = map[i];
                    if (j < 0) { w.WriteField((string?)null); continue; }
                    var column = columns[j];
                    var kind = column.KindAt(r);
                    if (kind != CellKind.Null && _observed![i] != CrmFieldType.String)
                    {
                        var t = column.TypeAt(r);
                        var seen = _observed[i];
                        _observed[i] = seen is null ? t : CrmValues.Widen(seen.Value, t);
                    }
                    switch (kind)
                    {
                        case CellKind.Null: w.WriteField((string?)null); break;
                        case CellKind.Text:
                            if (column.IsUtf8At(r)) WriteUtf8(w, column.TextAt(r));
                            else WriteValue(w, column.GetValue(r)); // the string the record holds: bad bytes as replacement characters
                            break;
                        case CellKind.Int64: w.WriteField(column.Int64At(r)); break;
                        case CellKind.Double: w.WriteField(column.DoubleAt(r)); break;
                        case CellKind.DateTime: WriteDate(w, column.DateTimeAt(r)); break;
                        default: WriteValue(w, column.GetValue(r)); break;
                    }
                }
                w.EndRecord();
                outcomes.Set(k, CrmOutcome.Inserted);
            }
        }

        private byte[] _utf8Field = new byte[256];

        /// <summary><see cref="WriteText(CsvWriter, string)"/> for text held as UTF-8: the same quoting and formula escaping, on bytes.</summary>
        private void WriteUtf8(CsvWriter w, ReadOnlySpan<byte> text)
        {
            if (text.Length == 0) { w.WriteField("\"\""); return; }
            var needsQuotes = _needsQuotesUtf8!;
            bool formula = _escape && FormulaStartBytes.Contains(text[0]);
            bool apostrophe = formula || (_escape && text[0] == (byte)'\'');
            bool quote = formula || text.ContainsAny(needsQuotes) || (apostrophe && needsQuotes.Contains((byte)'\''));
            if (!apostrophe && !quote) { w.WriteField(text); return; }
            int quotes = quote ? text.Count((byte)'"') : 0;
            int length = text.Length + (apostrophe ? 1 : 0) + (quote ? quotes + 2 : 0);
            if (_utf8Field.Length < length) _utf8Field = new byte[Math.Max(length, _utf8Field.Length * 2)];
            var span = _utf8Field.AsSpan(0, length);
            int at = 0;
            if (quote) span[at++] = (byte)'"';
            if (apostrophe) span[at++] = (byte)'\'';
            if (quotes == 0) text.CopyTo(span.Slice(at));
            else
            {
                foreach (byte c in text)
                {
                    if (c == (byte)'"') span[at++] = (byte)'"';
                    span[at++] = c;
                }
            }
            if (quote) span[length - 1] = (byte)'"';
            w.WriteField(span);
        }

        /// <inheritdoc/>
        public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            int planBatch = _batch + 1;
            var shape = _columnShape;
            for (int r = 0; r < batch.Count; r++)
            {
                var record = batch[r];
                shape ??= record.Shape;
                string? unknown = null;
                if (!ReferenceEquals(record.Shape, shape))
                {
                    for (int i = 0; i < record.FieldCount && unknown is null; i++) if (shape.IndexOf(record.FieldNames[i]) < 0) unknown = record.FieldNames[i];
                }
                var outcome = unknown is null
                    ? new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Inserted)
                    : new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Rejected) { ReasonCode = "UnknownField", Message = $"The field '{unknown}' is not a column of the CSV file." };
                outcome.WhatIf = true;
                outcome.Batch = planBatch;
                outcome.Origin = record.Origin;
                outcomes.Add(outcome);
            }
        }

        /// <summary>The schema the sidecar describes when it came after the writer opened (types inferred while the copy ran).</summary>
        private CrmEntitySchema? _revised;

        /// <summary>
        /// Replaces the schema the sidecar describes (same fields, their types now known): the columns stay those the writer opened
        /// with, and the sidecar is the one a writer opened with this schema would write.
        /// </summary>
        internal void ReviseSchema(CrmEntitySchema schema) => _revised = schema;

        /// <inheritdoc/>
        public void Complete()
        {
            if (_writer is null) throw new ObjectDisposedException(nameof(CsvEntityWriter));
            if (_columns is not null && !_headerWritten) WriteHeader();
            _writer.Dispose();
            _writer = null;
            var meta = new FileTableMetadata(Path.GetFileName(_path)) { FormulaEscape = _escape ? CrmFormulaEscape.Spreadsheet : CrmFormulaEscape.None, EmptyStringQuoted = true, Encoding = TextEncodings.NameOf(TextEncodings.FromName(_options.Encoding) ?? new UTF8Encoding(true)) };
            if (_columns is not null)
            {
                // The schema the records came with (lengths, precision, nullability, comments, keys, references) goes into the sidecar.
                var schema = _revised ?? _options.Schema ?? _firstSchema;
                IReadOnlyList<string>? key = schema?.Key is { Count: > 0 } k ? k : _options.KeyFields;
                meta.Describe(schema, _columns, _observed!, key, _options.AnnotationFields);
            }
            // Sidecar first to a temp file, then both renamed: the window with a new file and an old sidecar is two renames.
            string sidecar = _path + "-metadata.json";
            string sidecarTemp = _tempPath + ".json";
            File.WriteAllText(sidecarTemp, meta.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            File.Move(_tempPath, _path, overwrite: true);
            File.Move(sidecarTemp, sidecar, overwrite: true);
            _completed = true;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _writer?.Dispose();
            _writer = null;
            if (!_completed)
            {
                try { File.Delete(_tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
