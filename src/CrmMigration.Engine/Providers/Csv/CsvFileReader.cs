using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;
using CsvHelper;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>
    /// Streams the records of one CSV file. CsvHelper does the parsing (SIMD over UTF-8); this class adds
    /// what a migration needs on top: header fix-ups, typed values from the sidecar, error reports with
    /// file, line and record number for every rejected row, and recovery from broken quoting.
    /// </summary>
    /// <remarks>
    /// Recovery: CsvHelper (AllowLineBreaksInQuotes on, so real multi-line fields read) reports a record
    /// with broken quoting through OnMalformedRecord and skips it. When the quote is never closed, or closes
    /// at the wrong place, that skipped "record" spans many lines, which CsvHelper has no way to give back.
    /// CsvHelper cannot resume mid-record, so we do it ourselves: every line break in a record ends on a
    /// line boundary, so we report the record's first line (where the bad quote opened) and parse the
    /// remaining lines of the raw text again with a nested reader, recursively. Past a small depth the nested
    /// reader turns AllowLineBreaksInQuotes off so that pathological input cannot cost more than one
    /// line-by-line pass. Limit: a skipped region is held in memory as text (at most MaxRecordSize, 256 MiB).
    /// </remarks>
    /// <summary>How strictly a CSV file is read (from the connection).</summary>
    internal sealed class CsvReadSettings
    {
        /// <summary>Refuse the file at its first invalid byte sequence, before any record.</summary>
        public bool StrictEncoding { get; init; }
        /// <summary>Reject rows with fewer fields than the header instead of reading the missing ones as empty.</summary>
        public bool RejectShortRows { get; init; }
    }

    internal sealed class CsvFileReader
    {
        private const int MaxRecoveryDepth = 8;
        private const int MaxRecordBytes = 256 * 1024 * 1024;
        private const int RawLimit = 200;

        private readonly string _path;
        private readonly string _entity;
        private readonly string _system;
        private readonly char _separator;
        private readonly EncodingChoice _encoding;
        private readonly FileTableMetadata? _metadata;
        private readonly Action<CrmDataError> _onError;
        private readonly CsvReadSettings _settings;
        private long _recordNumber;
        private Queue<InvalidSequence>? _invalid;
        private long _shortRows;
        private long _firstShortLine;

        public CsvFileReader(string path, string entity, string system, char separator, EncodingChoice encoding, FileTableMetadata? metadata, Action<CrmDataError> onError, CsvReadSettings? settings = null)
        {
            _path = path;
            _entity = entity;
            _system = system;
            _separator = separator;
            _encoding = encoding;
            _metadata = metadata;
            _onError = onError;
            _report = onError;
            _settings = settings ?? new CsvReadSettings();
        }

        /// <summary>The encoding the file is read with, and why.</summary>
        public EncodingChoice EncodingChoice => _encoding;

        /// <summary>The header after fix-ups, once read.</summary>
        public string[]? Header { get; private set; }

        /// <summary>
        /// The column used as key when there is no sidecar, if any: Id, else &lt;entity&gt;Id, else &lt;entity&gt;_id (as PostgreSQL and
        /// MySQL schemas name their keys: a psql export of track keeps track_id), then the same two with the entity's name in the
        /// singular when it is an English plural (contacts.csv keyed by contact_id, companies.csv by company_id, addresses.csv by
        /// address_id), compared ignoring case.
        /// </summary>
        public static int DefaultKeyIndex(string[] header, string entity)
        {
            int k = IndexOf(header, "Id");
            if (k >= 0) return k;
            foreach (string name in EntityNames(entity))
            {
                if ((k = IndexOf(header, name + "Id")) >= 0 || (k = IndexOf(header, name + "_id")) >= 0) return k;
            }
            return -1;
        }

        private static int IndexOf(string[] header, string name)
        {
            for (int i = 0; i < header.Length; i++) if (string.Equals(header[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        /// <summary>The entity's name, then its singular forms when it ends like an English plural: -ies → -y; -es → without it, then without the s; -s (not -ss) → without it.</summary>
        private static IEnumerable<string> EntityNames(string entity)
        {
            yield return entity;
            if (entity.Length < 3 || !entity.EndsWith('s') && !entity.EndsWith('S')) yield break;
            if (entity.EndsWith("ies", StringComparison.OrdinalIgnoreCase)) yield return entity.Substring(0, entity.Length - 3) + (char.IsUpper(entity[^1]) ? "Y" : "y");
            if (entity.EndsWith("es", StringComparison.OrdinalIgnoreCase)) yield return entity.Substring(0, entity.Length - 2);
            if (!entity.EndsWith("ss", StringComparison.OrdinalIgnoreCase)) yield return entity.Substring(0, entity.Length - 1);
        }

        private CsvReaderOptions Options(bool hasHeader, bool allowLineBreaks, Queue<CsvMalformedRecord> sink) => new CsvReaderOptions
        {
            Separator = _separator,
            HasHeader = hasHeader,
            AllowLineBreaksInQuotes = allowLineBreaks,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            // Field counts are checked here, not by CsvHelper, so nested readers compare with the header too.
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = sink.Enqueue,
            MaxRecordSize = MaxRecordBytes,
            DetectSeparatorHint = false,
            Encoding = null, // the input is always UTF-8: Utf8DecodingStream decodes the file's encoding
        };

        /// <summary>Reads the header only (for DescribeEntity); null when the file is empty.</summary>
        public string[]? ReadHeaderOnly()
        {
            var pending = new Queue<CsvMalformedRecord>();
            using var reader = CsvReader.Create(OpenStream(), Options(true, true, pending));
            return FixHeader(reader.Headers, report: false);
        }

        private Utf8DecodingStream OpenStream() => new Utf8DecodingStream(
            new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), _encoding.Encoding, _encoding.PreambleLength);

        /// <summary>-StrictEncoding: the whole file is decoded before a record is read, and refused at its first invalid byte sequence.</summary>
        private void RequireValidEncoding()
        {
            using var check = OpenStream();
            check.Drain();
            if (check.InvalidCount == 0) return;
            var first = check.Invalid.Peek();
            throw new CrmException(new CrmDataError("CsvEncodingInvalid", CrmErrorKind.InvalidData, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The file has {check.InvalidCount:N0} byte sequence(s) that are not valid {_encoding.Describe()}, the first at byte offset {first.Offset:N0} ({first.Bytes}); -StrictEncoding refuses it before any record is read. Give the file's real encoding with -Encoding, or drop -StrictEncoding to reject only the rows that hold them."))
            { File = _path, Entity = _entity, Line = first.Line });
        }
        /// <summary>Streams the records, applying the filter (the rows of <see cref="ReadBatches"/>, each made a record).</summary>
        public IEnumerable<CrmRecord> Read(RecordFilter filter, CancellationToken cancellationToken)
        {
            foreach (var batch in ReadBatches(filter, new BatchReadOptions { BatchSize = 256 }, cancellationToken))
            {
                for (int r = 0; r < batch.Count; r++) yield return batch.ToRecord(r);
            }
        }

        private Action<CrmDataError> _report;
        private long _firstOrdinal;

        /// <summary>
        /// Streams the rows in batches, applying the filter: text fields stay UTF-8 (copied once from the parser's buffer), typed
        /// fields (from the sidecar) are parsed into unboxed cells. Each row carries its ordinal (every row read counts, unreadable
        /// ones too) and, for a UTF-8 file, the byte offset where it starts, so a resumed read seeks straight to its position;
        /// in another encoding it reads from the start and passes over the rows before it without making them cells.
        /// </summary>
        public IEnumerable<RowBatch> ReadBatches(RecordFilter filter, BatchReadOptions options, CancellationToken cancellationToken)
        {
            var pending = new Queue<CsvMalformedRecord>();
            var resume = options.ResumeAt;
            // Seeking needs the file's bytes as the parser sees them: UTF-8 passes through (past its byte order mark).
            bool seek = resume is { Offset: > 0 } && TextEncodings.IsUtf8(_encoding.Encoding);
            _firstOrdinal = resume?.FirstOrdinal ?? 1;
            RowBatch? batch = null;
            bool prepared = false;
            RowBatch Current()
            {
                if (batch is not null) return batch;
                batch = options.Rent?.Invoke() ?? new RowBatch(_entity, CrmFieldShape.Empty, options.BatchSize);
                // A batch made (or rented) for a problem between rows is prepared with the next row, its problems kept.
                prepared = false;
                return batch;
            }
            _report = options.ProblemsInBatch ? e => Current().AddProblem(e) : _onError;
            CsvReader reader;
            string[]? seekHeader = null;
            long baseOffset = TextEncodings.IsUtf8(_encoding.Encoding) ? _encoding.PreambleLength : -1, lineBase = 0; // byte offsets are the file's only in UTF-8
            try
            {
                if (_settings.StrictEncoding) RequireValidEncoding();
                if (seek)
                {
                    var headerPending = new Queue<CsvMalformedRecord>();
                    using (var headerReader = CsvReader.Create(OpenStream(), Options(true, true, headerPending)))
                    {
                        seekHeader = FixHeader(headerReader.Headers, report: true);
                    }
                    baseOffset = resume!.Offset;
                    lineBase = resume.Line - 1;
                    _recordNumber = resume.Ordinal - 1;
                    var stream = new Utf8DecodingStream(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan),
                        _encoding.Encoding, resume.Offset, resume.Line);
                    _invalid = stream.Invalid;
                    reader = CsvReader.Create(stream, Options(false, true, pending));
                }
                else
                {
                    var stream = OpenStream();
                    _invalid = stream.Invalid;
                    reader = CsvReader.Create(stream, Options(true, true, pending));
                }
            }
            catch (IOException e)
            {
                throw new CrmException(new CrmDataError("CsvFileUnreadable", CrmErrorKind.NotFound, e.Message) { File = _path, Entity = _entity }, e);
            }
            ReportEncoding();
            using (reader)
            {
                string[] header;
                if (seekHeader is not null)
                {
                    header = seekHeader;
                }
                else
                {
                    IReadOnlyList<string> rawHeader;
                    try
                    {
                        rawHeader = reader.Headers;
                    }
                    catch (CsvFormatException e)
                    {
                        throw new CrmException(new CrmDataError("CsvHeaderMalformed", CrmErrorKind.InvalidData, "The header row cannot be read: " + e.Message) { File = _path, Entity = _entity, Line = 1 }, e);
                    }
                    if (rawHeader.Count == 0)
                    {
                        Report("CsvEmptyFile", "The file is empty: it has no header row, so it holds no records.", 1, null, null);
                        if (batch is not null) yield return batch;
                        yield break;
                    }
                    header = FixHeader(rawHeader, report: true)!;
                    HeaderBytes();
                }
                Header = header;
                var types = new CrmFieldType[header.Length];
                var keyIndexes = ResolveKey(header, types);
                bool emptyQuoted = _metadata?.EmptyStringQuoted == true;
                // The sidecar's schema (types, lengths, keys, comments, annotations) travels with the records, and so do the key columns,
                // whose empty cells are no value (an unquoted empty field; '' too, unless the sidecar says a quoted one is): FileKeyRule.
                var shape = new CrmFieldShape(header)
                {
                    Schema = _metadata?.Describe(_entity, header, _system, CrmProviderKind.Csv),
                    FileKeyColumns = keyIndexes,
                    FileKeepsEmptyText = emptyQuoted,
                };
                string[]? keyNames = null;
                if (keyIndexes is not null)
                {
                    keyNames = new string[keyIndexes.Length];
                    for (int k = 0; k < keyIndexes.Length; k++) keyNames[k] = header[keyIndexes[k]];
                }
                bool unescape = _metadata?.FormulaEscape == CrmFormulaEscape.Spreadsheet;
                int n = header.Length;
                bool dropFirst = seek && !resume!.Inclusive;
                var buffer = new Utf8Buffer(256);

                void Prepare(RowBatch b)
                {
                    b.Reset(_entity, shape);
                    b.System = _system;
                    b.SourceEntity = _entity;
                    b.File = _path;
                    b.KeyColumns = keyIndexes;
                    b.KeyNames = keyNames;
                    b.SourceKeys = null;
                    b.KeylessSource = false;
                    prepared = true;
                }
                if (batch is not null)
                {
                    // Problems reported before the first row (the encoding, a renamed header) stay with it.
                    var early = batch.Problems;
                    Prepare(batch);
                    if (early is not null) foreach (var e in early) batch.AddProblem(e);
                }

                foreach (var (row, line, offset) in Rows(reader, lineBase, n, 0, pending, baseOffset))
                {
                    if ((_recordNumber & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                    if (dropFirst)
                    {
                        // The row at the checkpoint was accounted for: the read resumes after it.
                        dropFirst = false;
                        continue;
                    }
                    if (_recordNumber < _firstOrdinal) continue; // a resumed read that could not seek passes over what is done
                    if (batch is null || !prepared)
                    {
                        var between = batch?.Problems;
                        Prepare(Current());
                        if (between is not null) foreach (var e in between) batch!.AddProblem(e);
                    }
                    var b = batch!;
                    int r = b.AddRow(line, _recordNumber, offset);
                    var columns = b.Columns;
                    bool ok = true;
                    int present = row.FieldCount;
                    for (int i = 0; i < n; i++)
                    {
                        var column = columns[i];
                        if (i >= present)
                        {
                            // A short row's missing trailing field reads as an empty, unquoted field would.
                            if (types[i] == CrmFieldType.String && !emptyQuoted) column.SetUtf8(r, default);
                            else column.SetNull(r);
                            continue;
                        }
                        var span = row.GetSpan(i);
                        if (unescape && span.Length > 0 && span[0] == (byte)'\'') span = span.Slice(1);
                        if (types[i] == CrmFieldType.String)
                        {
                            if (span.Length == 0 && emptyQuoted && row.GetRawSpan(i).Length == 0) column.SetNull(r);
                            else column.SetUtf8(r, span); // the stream hands out valid UTF-8 (Utf8DecodingStream)
                            continue;
                        }
                        if (span.Length == 0 && types[i] == CrmFieldType.Binary && emptyQuoted && row.GetRawSpan(i).Length > 0)
                        {
                            column.SetValue(r, Array.Empty<byte>());
                            continue;
                        }
                        try
                        {
                            BatchValues.ParseInto(column, r, span, types[i]);
                        }
                        catch (FormatException e)
                        {
                            var err = Error("CsvTypeConversion", CrmErrorKind.InvalidValue,
                                e.Message + " The record is skipped; fix the value or the datatype in the metadata sidecar.", line, RawOf(row));
                            err.Field = header[i];
                            _report(err);
                            ok = false;
                            break;
                        }
                    }
                    if (!ok || !filter.IsEmpty && !filter.Matches(b, r))
                    {
                        b.Truncate(r);
                        continue;
                    }
                    if (b.Count >= options.BatchSize)
                    {
                        yield return b;
                        if (options.Rent is null) b.Clear();
                        else batch = null;
                    }
                }
                if (_shortRows > 0)
                {
                    _report(new CrmDataError("CsvShortRows", CrmErrorKind.InvalidData, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{_shortRows:N0} row(s) have fewer fields than the header's {n} (the first at line {_firstShortLine:N0}); their missing trailing fields were read as empty, as Import-Csv reads them. Use -RejectShortRows to reject such rows instead."))
                    { File = _path, Entity = _entity, Line = _firstShortLine, Severity = CrmErrorSeverity.Warning });
                }
                if (batch is not null && (batch.Count > 0 || batch.Problems is not null)) yield return batch;
            }
        }

        private void ReportEncoding()
        {
            bool guessed = _encoding.Source == EncodingSource.Guessed;
            _report(new CrmDataError(guessed ? "CsvEncodingGuessed" : "CsvEncoding", CrmErrorKind.InvalidData,
                $"Read as {_encoding.Describe()}: {_encoding.Reason}." + (guessed ? " If the text looks wrong, give the file's encoding with -Encoding (New-CrmConnection -Encoding or Export-CrmData -Encoding)." : ""))
            { File = _path, Entity = _entity, Severity = guessed ? CrmErrorSeverity.Warning : CrmErrorSeverity.Information });
        }

        /// <summary>Invalid byte sequences in the header: reported (the names hold U+FFFD), no row is lost.</summary>
        private void HeaderBytes()
        {
            if (_invalid is null) return;
            while (_invalid.Count > 0 && _invalid.Peek().Line <= 1)
            {
                var bad = _invalid.Dequeue();
                Report("CsvInvalidByteSequence", InvalidMessage(bad, "the header"), bad.Line, null, null);
            }
        }

        private string InvalidMessage(InvalidSequence bad, string what) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Byte offset {bad.Offset:N0} ({bad.Bytes}) in {what} is not valid {_encoding.Name}; ") + (what == "the header"
            ? "the column name holds U+FFFD (\uFFFD) there."
            : "the row is skipped and the rest of the file is read. If many rows report this, the file is in another encoding: give it with -Encoding.");

        private int[]? ResolveKey(string[] header, CrmFieldType[] types)
        {
            if (_metadata is null)
            {
                int k = DefaultKeyIndex(header, _entity);
                return k < 0 ? null : new[] { k };
            }
            for (int i = 0; i < header.Length; i++) types[i] = _metadata.GetColumn(header[i])?.Type ?? CrmFieldType.String;
            if (_metadata.PrimaryKey.Count == 0) return null;
            var idx = new int[_metadata.PrimaryKey.Count];
            for (int k = 0; k < idx.Length; k++)
            {
                idx[k] = Array.FindIndex(header, h => string.Equals(h, _metadata.PrimaryKey[k], StringComparison.OrdinalIgnoreCase));
                if (idx[k] < 0)
                {
                    throw new CrmException(new CrmDataError("CsvMetadataKeyMissing", CrmErrorKind.InvalidData,
                        $"The metadata sidecar names key field '{_metadata.PrimaryKey[k]}', which the header does not have.") { File = _path, Entity = _entity });
                }
            }
            return idx;
        }

        /// <summary>Names every column (see <see cref="HeaderNames"/>); one warning lists the columns renamed.</summary>
        private string[]? FixHeader(IReadOnlyList<string> raw, bool report)
        {
            if (raw.Count == 0) return null;
            var renames = new List<HeaderNames.Rename>();
            var names = HeaderNames.Fix(raw, renames);
            if (report && renames.Count > 0)
            {
                _report(new CrmDataError("CsvHeaderRenamed", CrmErrorKind.InvalidData,
                    HeaderNames.Describe(renames, i => "column " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))
                { File = _path, Entity = _entity, Line = 1, Severity = CrmErrorSeverity.Warning });
            }
            return names;
        }

        /// <summary>The first invalid byte sequence in a row's lines, if any; sequences of earlier lines (rows already reported) are dropped.</summary>
        private InvalidSequence? InvalidIn(long line, ReadOnlySpan<byte> raw)
        {
            var q = _invalid!;
            while (q.Count > 0 && q.Peek().Line < line) q.Dequeue();
            if (q.Count == 0) return null;
            long last = line + LineBreaks(raw);
            if (q.Peek().Line > last) return null;
            var first = q.Dequeue();
            while (q.Count > 0 && q.Peek().Line <= last) q.Dequeue();
            return first;
        }

        private static int LineBreaks(ReadOnlySpan<byte> raw)
        {
            if (raw.IndexOfAny((byte)'\r', (byte)'\n') < 0) return 0;
            int n = 0;
            for (int i = 0; i < raw.Length; i++)
            {
                if (raw[i] == (byte)'\n') n++;
                else if (raw[i] == (byte)'\r' && (i + 1 >= raw.Length || raw[i + 1] != (byte)'\n')) n++;
            }
            return n;
        }

        /// <summary>
        /// The good rows of a reader with their absolute line numbers. Rows CsvHelper skipped as malformed,
        /// ragged rows and rows with a NUL character are reported; multi-line bad regions are re-parsed.
        /// </summary>
        private IEnumerable<(CsvReader Row, long Line, long Offset)> Rows(CsvReader reader, long lineOffset, int expected, int depth, Queue<CsvMalformedRecord> pending, long byteOffset = -1)
        {
            while (true)
            {
                bool more = reader.Read();
                while (pending.Count > 0)
                {
                    var m = pending.Dequeue();
                    var code = m.Reason == CsvMalformedReason.FieldCountMismatch ? "CsvRaggedRow" : "CsvMalformedQuote";
                    foreach (var r in Recover(m.RawRecord, lineOffset + m.LineNumber, code, QuoteMessage(m.Reason), expected, depth)) yield return r;
                }
                if (!more) yield break;
                long line = lineOffset + reader.LineNumber;
                var raw = reader.RawRecord;
                if (_invalid is not null && _invalid.Count > 0 && InvalidIn(line, raw) is InvalidSequence bad)
                {
                    _recordNumber++;
                    Report("CsvInvalidByteSequence", InvalidMessage(bad, "this row"), line, null, Encoding.UTF8.GetString(raw));
                    continue;
                }
                if (raw.IndexOf((byte)0) >= 0)
                {
                    _recordNumber++;
                    Report("CsvInvalidCharacter", "The row contains a NUL character (binary data in a text file); the row is skipped.", line, null, Encoding.UTF8.GetString(raw).Replace('\0', '\uFFFD'));
                    continue;
                }
                if (reader.FieldCount == 1 && expected > 1)
                {
                    _recordNumber++;
                    Report("CsvSingleFieldRow", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"The row has a single field but the header has {expected}: it is not read as a record with empty fields, because such a line is usually a title, a note or a report's footer (\"Grand Totals\", \"Confidential Information\"); the row is skipped."),
                        line, null, Encoding.UTF8.GetString(raw));
                    continue;
                }
                if (reader.FieldCount < expected && reader.FieldCount > 1 && !_settings.RejectShortRows)
                {
                    if (_shortRows++ == 0) _firstShortLine = line;
                    _recordNumber++;
                    yield return (reader, line, byteOffset < 0 ? -1 : byteOffset + reader.ByteOffset);
                    continue;
                }
                if (reader.FieldCount != expected)
                {
                    string rawText = Encoding.UTF8.GetString(raw);
                    string msg = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"The row has {reader.FieldCount} fields but the header has {expected}; the row is skipped.");
                    foreach (var r in Recover(rawText, line, "CsvRaggedRow", msg, expected, depth)) yield return r;
                    continue;
                }
                _recordNumber++;
                yield return (reader, line, byteOffset < 0 ? -1 : byteOffset + reader.ByteOffset);
            }
        }

        /// <summary>
        /// Reports a bad record. When it spans lines, only its first line is reported and the other lines
        /// are parsed again, so one bad quote costs one line, not the rest of the file.
        /// </summary>
        private IEnumerable<(CsvReader Row, long Line, long Offset)> Recover(string raw, long line, string code, string message, int expected, int depth)
        {
            int br = raw.AsSpan().IndexOfAny('\r', '\n');
            if (br < 0 || (br == raw.Length - 1) || (br == raw.Length - 2 && raw[br] == '\r' && raw[br + 1] == '\n'))
            {
                _recordNumber++;
                Report(code, message, line, null, br < 0 ? raw : raw.Substring(0, br));
                yield break;
            }
            _recordNumber++;
            Report("CsvMalformedQuote", "A quoted field opened on this line is not closed properly, so the line is skipped and reading resumes on the next line.", line, null, raw.Substring(0, br));
            int next = br + (raw[br] == '\r' && br + 1 < raw.Length && raw[br + 1] == '\n' ? 2 : 1);
            string rest = raw.Substring(next);
            var pending = new Queue<CsvMalformedRecord>();
            // Deep recursion means quote after quote is broken: fall back to one record per line.
            using var nested = CsvReader.FromText(rest, Options(false, depth + 1 < MaxRecoveryDepth, pending) with { Encoding = null });
            foreach (var r in Rows(nested, line, expected, depth + 1, pending)) yield return r;
        }

        private static string QuoteMessage(CsvMalformedReason reason) => reason switch
        {
            CsvMalformedReason.StrayQuote => "A quote appears inside an unquoted field; the row is skipped.",
            CsvMalformedReason.TextAfterClosingQuote => "Text follows the closing quote of a field; the row is skipped.",
            CsvMalformedReason.UnterminatedQuote => "A quoted field is never closed; the row is skipped.",
            CsvMalformedReason.LineBreakInQuotes => "A quoted field is not closed on its line; the row is skipped.",
            CsvMalformedReason.FieldCountMismatch => "The row's field count differs from the header; the row is skipped.",
            _ => "The row's quoting is broken (" + reason + "); the row is skipped.",
        };

        private static string RawOf(CsvReader row) => Encoding.UTF8.GetString(row.RawRecord);

        private CrmDataError Error(string code, CrmErrorKind kind, string message, long line, string? raw) => new CrmDataError(code, kind, message)
        {
            Entity = _entity,
            File = _path,
            Line = line,
            RecordNumber = _recordNumber,
            Raw = raw is null ? null : CrmValues.Truncate(raw, RawLimit),
        };

        private void Report(string code, string message, long line, string? field, string? raw)
        {
            // A resumed read passes over rows before its position: their problems were reported (and accounted) before.
            if (_recordNumber > 0 && _recordNumber < _firstOrdinal) return;
            var e = Error(code, CrmErrorKind.InvalidData, message, line, raw);
            e.Field = field;
            _report(e);
        }
    }
}
