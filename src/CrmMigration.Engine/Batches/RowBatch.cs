using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Batches
{
    /// <summary>
    /// Rows of one entity, column by column: what moves between the engine's reader, mapping, import session and
    /// writers instead of one <see cref="CrmRecord"/> per row. Every row has the batch's shape, a line (or row
    /// ordinal) and a source position (for resuming); keys are computed from key columns when asked. A row may
    /// instead be a record (the pipeline hands records in, and a record waiting for its parent stays one): then
    /// <see cref="RecordAt"/> is that record and its columns are not used. A record is made from a columnar row only
    /// where PowerShell or a person needs one (an error, a reject file, -PassThru, a scriptblock transform).
    /// </summary>
    internal sealed class RowBatch
    {
        private BatchColumn[] _columns;
        private BatchColumn[] _own;
        private BatchColumn? _ownSourceKeys;
        private long[] _lines;
        private long[] _positions;
        private long[] _offsets;
        private CrmRecord?[]? _records;
        private CrmRecordOutcome?[]? _decided;
        private int _capacity;

        /// <summary>An empty batch of an entity's rows with the given shape (columns made as needed).</summary>
        public RowBatch(string entity, CrmFieldShape shape, int capacity)
        {
            Entity = entity;
            Shape = shape;
            _capacity = Math.Max(1, capacity);
            _own = new BatchColumn[shape.Count];
            for (int i = 0; i < _own.Length; i++) _own[i] = new BatchColumn(_capacity);
            _columns = (BatchColumn[])_own.Clone();
            _lines = new long[_capacity];
            _positions = new long[_capacity];
            _offsets = new long[_capacity];
        }

        /// <summary>The (target) entity of the rows.</summary>
        public string Entity { get; set; }

        /// <summary>The field names of the columns (and the schema and references they carry).</summary>
        public CrmFieldShape Shape { get; private set; }

        /// <summary>Rows in the batch.</summary>
        public int Count { get; private set; }

        /// <summary>Rows the batch holds before it must grow.</summary>
        public int Capacity => _capacity;

        /// <summary>The columns, one per field of <see cref="Shape"/>.</summary>
        public BatchColumn[] Columns => _columns;

        /// <summary>Where the rows came from (no credentials): the source system as printed.</summary>
        public string? System { get; set; }

        /// <summary>The source entity the rows were read from.</summary>
        public string? SourceEntity { get; set; }

        /// <summary>The file the rows were read from, if any.</summary>
        public string? File { get; set; }

        /// <summary>The positions of the key columns (in key order), or null when the rows have no key.</summary>
        public int[]? KeyColumns { get; set; }

        /// <summary>The key field names, for the <see cref="CrmKey"/> of records made from rows.</summary>
        public IReadOnlyList<string>? KeyNames { get; set; }

        /// <summary>
        /// The source key of each row (the key the row had in the source: the ledger's identity of the record), as text;
        /// null when the source keys are the rows' own keys (<see cref="KeyColumns"/>).
        /// </summary>
        public BatchColumn? SourceKeys { get; set; }

        /// <summary>True when the rows had no key in their source (a mapped batch of keyless source rows): they have no source key then.</summary>
        public bool KeylessSource { get; set; }

        /// <summary>The hash of the mapping that made the rows (recorded in the ledger), if any.</summary>
        public string? MappingHash { get; set; }

        /// <summary>A 1-based line (CSV), row (Excel) or row ordinal (database) per row; 0 when unknown.</summary>
        public long LineAt(int row) => _lines[row];

        /// <summary>The source position of a row: its ordinal in the read, counting every row read (see <see cref="SourcePosition"/>).</summary>
        public long PositionAt(int row) => _positions[row];

        /// <summary>The byte offset where a row starts in its file (UTF-8 CSV), or -1.</summary>
        public long OffsetAt(int row) => _offsets[row];

        /// <summary>Where a row stands in its source, to resume at it (inclusive) or after it.</summary>
        public SourcePosition SourcePositionAt(int row, bool inclusive) =>
            new SourcePosition(_positions[row], _offsets[row], _lines[row], KeysAreSeekable ? SourceKeyText(row) : null, inclusive);

        /// <summary>True when the source can seek to a row by its key (a database table read in key order).</summary>
        public bool KeysAreSeekable { get; set; }

        /// <summary>The record that is this row (a record-backed row), or null for a columnar row.</summary>
        public CrmRecord? RecordAt(int row) => _records?[row];

        /// <summary>True when any row is a record.</summary>
        public bool HasRecords { get; private set; }

        /// <summary>The outcome decided for a row before the target (a mapping reject, a filter, a merge), or null to write it.</summary>
        public CrmRecordOutcome? DecidedAt(int row) => _decided?[row];

        /// <summary>True when any row has a decided outcome.</summary>
        public bool HasDecided { get; private set; }

        private List<CrmDataError>? _problems;

        /// <summary>Problems the reader met while it filled this batch (see <see cref="BatchReadOptions.ProblemsInBatch"/>), in order; null when none.</summary>
        public IReadOnlyList<CrmDataError>? Problems => _problems;

        /// <summary>Adds a reader's problem to report with this batch.</summary>
        public void AddProblem(CrmDataError problem) => (_problems ??= new List<CrmDataError>()).Add(problem);

        /// <summary>Adds reader's problems to report with this batch.</summary>
        public void AddProblems(List<CrmDataError> problems)
        {
            if (_problems is null) _problems = problems;
            else _problems.AddRange(problems);
        }

        /// <summary>Empties the batch for reuse with the same shape (columns shared with another batch are given back, never cleared).</summary>
        public void Clear()
        {
            _problems = null;
            for (int i = 0; i < _own.Length; i++)
            {
                _own[i].Clear(Count);
                _columns[i] = _own[i];
            }
            if (_records is not null) Array.Clear(_records, 0, Count);
            if (_decided is not null) Array.Clear(_decided, 0, Count);
            _ownSourceKeys?.Clear(Count);
            SourceKeys = null;
            KeylessSource = false;
            _sourceKeyCount = -1;
            HasRecords = false;
            HasDecided = false;
            Count = 0;
        }

        /// <summary>Empties the batch and describes it as <paramref name="other"/> is (entity, shape, where its rows come from, its keys).</summary>
        public void ResetLike(RowBatch other)
        {
            Reset(other.Entity, other.Shape);
            System = other.System;
            SourceEntity = other.SourceEntity;
            File = other.File;
            KeyColumns = other.KeyColumns;
            KeyNames = other.KeyNames;
            KeylessSource = other.KeylessSource;
            KeysAreSeekable = other.KeysAreSeekable;
            MappingHash = other.MappingHash;
        }

        /// <summary>Empties the batch and gives it another shape (columns are reused where there are enough).</summary>
        public void Reset(string entity, CrmFieldShape shape)
        {
            Clear();
            Entity = entity;
            if (!ReferenceEquals(shape, Shape))
            {
                if (shape.Count != _own.Length)
                {
                    var columns = new BatchColumn[shape.Count];
                    for (int i = 0; i < columns.Length; i++) columns[i] = i < _own.Length ? _own[i] : new BatchColumn(_capacity);
                    _own = columns;
                    _columns = (BatchColumn[])_own.Clone();
                }
                Shape = shape;
            }
        }

        /// <summary>
        /// Uses another batch's column as column <paramref name="index"/> (no copy: a mapping that passes a field on unchanged), until
        /// the batch is cleared; the other batch must stay as it is while this one is in use.
        /// </summary>
        public void ShareColumn(int index, BatchColumn column) => _columns[index] = column;

        /// <summary>Adds a columnar row (its cells are set through <see cref="Columns"/> at the returned index).</summary>
        public int AddRow(long line, long position, long offset = -1)
        {
            int row = Count;
            if (row == _capacity) Grow(row + 1);
            _lines[row] = line;
            _positions[row] = position;
            _offsets[row] = offset;
            Count = row + 1;
            return row;
        }

        /// <summary>Adds a row that is a record (its own shape, key and origin), optionally with an outcome decided before the target.</summary>
        public int AddRecord(CrmRecord record, CrmRecordOutcome? decided, long position = 0)
        {
            int row = AddRow(record.Origin?.Line ?? 0, position);
            (_records ??= new CrmRecord?[_capacity])[row] = record;
            HasRecords = true;
            if (decided is not null) SetDecided(row, decided);
            return row;
        }

        /// <summary>True when a row of the batch is a record to write: a writer of rows takes only cells (record-backed rows decided before the target are never written).</summary>
        public bool HasRecordsToWrite
        {
            get
            {
                if (!HasRecords) return false;
                for (int r = 0; r < Count; r++) if (_records![r] is not null && _decided?[r] is null) return true;
                return false;
            }
        }

        /// <summary>Sets the outcome of a row decided before the target.</summary>
        public void SetDecided(int row, CrmRecordOutcome? outcome)
        {
            (_decided ??= new CrmRecordOutcome?[_capacity])[row] = outcome;
            if (outcome is not null) HasDecided = true;
        }

        /// <summary>Drops the rows after the first <paramref name="count"/>.</summary>
        public void Truncate(int count)
        {
            if (count >= Count) return;
            if (_records is not null) Array.Clear(_records, count, Count - count);
            if (_decided is not null) Array.Clear(_decided, count, Count - count);
            Count = count;
        }

        /// <summary>Keeps only the rows marked in <paramref name="keep"/>, in order (record-backed batches only: columnar cells are not moved).</summary>
        public void Compact(bool[] keep)
        {
            if (!HasRecords) throw new InvalidOperationException("Only a batch of records can be compacted.");
            int kept = 0;
            for (int i = 0; i < Count; i++)
            {
                if (!keep[i]) continue;
                _records![kept] = _records[i];
                if (_decided is not null) _decided[kept] = _decided[i];
                _lines[kept] = _lines[i];
                _positions[kept] = _positions[i];
                _offsets[kept] = _offsets[i];
                kept++;
            }
            Truncate(kept);
        }

        /// <summary>Replaces a record-backed row's record (a reference translated, say).</summary>
        public void ReplaceRecord(int row, CrmRecord record) => _records![row] = record;

        /// <summary>Copies row <paramref name="row"/> of <paramref name="source"/> (same shape) to the end of this batch.</summary>
        public int CopyRow(RowBatch source, int row)
        {
            int to = AddRow(source._lines[row], source._positions[row], source._offsets[row]);
            if (source._records?[row] is { } record)
            {
                (_records ??= new CrmRecord?[_capacity])[to] = record;
                HasRecords = true;
            }
            else
            {
                var from = source._columns;
                for (int c = 0; c < _columns.Length; c++) _columns[c].CopyFrom(from[c], row, to);
            }
            // The copy keeps its source key as text of its own (a batch that gathers rows gathers their identities too).
            var keys = _ownSourceKeys ??= new BatchColumn(_capacity);
            keys.EnsureCapacity(_capacity, to);
            SourceKeys = keys;
            if (source.RecordAt(row) is null && source.SourceKeyColumn() is { } sourceKeys) keys.CopyFrom(sourceKeys, row, to);
            else keys.SetNull(to);
            if (source._decided?[row] is { } d) SetDecided(to, d);
            return to;
        }

        /// <summary>
        /// Copies rows <paramref name="from"/> to <paramref name="to"/> (exclusive) of <paramref name="source"/> (same shape) to the end of
        /// this batch, as <see cref="CopyRow"/> copies each, column by column; a source with records or decided rows is copied row by row.
        /// </summary>
        public void CopyRows(RowBatch source, int from, int to)
        {
            int count = to - from;
            if (count <= 0) return;
            if (source.HasRecords || source.HasDecided)
            {
                for (int r = from; r < to; r++) CopyRow(source, r);
                return;
            }
            int at = Count;
            if (at + count > _capacity) Grow(at + count);
            Array.Copy(source._lines, from, _lines, at, count);
            Array.Copy(source._positions, from, _positions, at, count);
            Array.Copy(source._offsets, from, _offsets, at, count);
            Count = at + count;
            var columns = source._columns;
            for (int c = 0; c < _columns.Length; c++) _columns[c].CopyRange(columns[c], from, count, at);
            var keys = _ownSourceKeys ??= new BatchColumn(_capacity);
            keys.EnsureCapacity(_capacity, at);
            SourceKeys = keys;
            if (source.SourceKeyColumn() is { } sourceKeys) keys.CopyRange(sourceKeys, from, count, at);
            else for (int r = at; r < at + count; r++) keys.SetNull(r);
        }

        private void Grow(int needed)
        {
            int size = Math.Max(needed, _capacity * 2);
            foreach (var c in _own) c.EnsureCapacity(size, Count);
            foreach (var c in _columns) c.EnsureCapacity(size, Count);
            _ownSourceKeys?.EnsureCapacity(size, Count);
            Array.Resize(ref _lines, size);
            Array.Resize(ref _positions, size);
            Array.Resize(ref _offsets, size);
            if (_records is not null) Array.Resize(ref _records, size);
            if (_decided is not null) Array.Resize(ref _decided, size);
            _capacity = size;
        }

        // ---------------------------------------------------------------- keys

        /// <summary>
        /// Appends a row's key as <see cref="CrmKey"/> text (parts joined by '|', '|' and '\' escaped) to <paramref name="buffer"/>;
        /// false (nothing appended) when the row has no key: no key columns, or a key part is null.
        /// </summary>
        public bool AppendKey(int row, ref Utf8Buffer buffer)
        {
            if (_records?[row] is { } record)
            {
                if (record.Key is null) return false;
                buffer.Append(record.Key.ToString());
                return true;
            }
            return AppendColumnsKey(_columns, KeyColumns, row, ref buffer);
        }

        /// <summary>Appends a row's source key (the ledger's identity); false when it has none.</summary>
        public bool AppendSourceKey(int row, ref Utf8Buffer buffer)
        {
            if (_records?[row] is { } record)
            {
                string? key = record.Origin?.SourceKey ?? record.Key?.ToString();
                if (key is null) return false;
                buffer.Append(key);
                return true;
            }
            if (SourceKeys is { } keys) return keys.AppendText(row, ref buffer);
            if (KeylessSource) return false;
            return AppendColumnsKey(_columns, KeyColumns, row, ref buffer);
        }

        private static bool AppendColumnsKey(BatchColumn[] columns, int[]? keyColumns, int row, ref Utf8Buffer buffer)
        {
            if (keyColumns is null || keyColumns.Length == 0) return false;
            int start = buffer.Length;
            if (keyColumns.Length == 1)
            {
                var column = columns[keyColumns[0]];
                if (!column.AppendText(row, ref buffer)) return false;
                var written = buffer.Written.Slice(start);
                if (written.IndexOfAny((byte)'|', (byte)'\\') < 0) return true;
                // Rare: a part holding '|' or '\' is escaped as CrmKey does.
                string text = global::System.Text.Encoding.UTF8.GetString(written);
                buffer.Truncate(start);
                buffer.Append(new CrmKey(text).ToString());
                return true;
            }
            var parts = new string[keyColumns.Length];
            for (int k = 0; k < parts.Length; k++)
            {
                string? text = columns[keyColumns[k]].TextOf(row);
                if (text is null) return false;
                parts[k] = text;
            }
            buffer.Append(new CrmKey(parts).ToString());
            return true;
        }

        private BatchColumn? _sourceKeyColumn;

        /// <summary>
        /// The source keys of the rows as one text column (canonical key text, null cells for rows without one): <see cref="SourceKeys"/>
        /// when set, else built once from the key columns. A mapped batch takes it as its own source keys.
        /// </summary>
        public BatchColumn? SourceKeyColumn()
        {
            if (SourceKeys is not null) return SourceKeys;
            if (KeylessSource || KeyColumns is null || KeyColumns.Length == 0 || HasRecords) return null;
            if (_sourceKeyColumn is { } built && _sourceKeyCount == Count) return built;
            var column = _sourceKeyColumn ??= new BatchColumn(_capacity);
            column.Clear(column.Capacity);
            column.EnsureCapacity(Count, 0);
            var buffer = new Utf8Buffer(64);
            for (int r = 0; r < Count; r++)
            {
                buffer.Clear();
                if (AppendColumnsKey(_columns, KeyColumns, r, ref buffer)) column.SetText(r, buffer.Written);
                else column.SetNull(r);
            }
            _sourceKeyCount = Count;
            return column;
        }

        private int _sourceKeyCount = -1;

        /// <summary>A row's key as text, or null.</summary>
        public string? KeyText(int row)
        {
            if (_records?[row] is { } record) return record.Key?.ToString();
            var buffer = new Utf8Buffer(64);
            return AppendKey(row, ref buffer) ? global::System.Text.Encoding.UTF8.GetString(buffer.Written) : null;
        }

        /// <summary>A row's source key as text, or null.</summary>
        public string? SourceKeyText(int row)
        {
            if (_records?[row] is { } record) return record.Origin?.SourceKey ?? record.Key?.ToString();
            var buffer = new Utf8Buffer(64);
            return AppendSourceKey(row, ref buffer) ? global::System.Text.Encoding.UTF8.GetString(buffer.Written) : null;
        }

        // ---------------------------------------------------------------- fingerprints

        /// <summary>
        /// The content fingerprint of a row, byte for byte what <see cref="Ledger.ContentHash.Of"/> gives the record made from
        /// it (field names, types and invariant text, in order), so rows and records of one content match in the ledger.
        /// </summary>
        public long Fingerprint(int row, ref Utf8Buffer scratch)
        {
            if (_records?[row] is { } record) return Ledger.ContentHash.Of(record);
            scratch.Clear();
            var heads = ShapeHeads();
            for (int i = 0; i < _columns.Length; i++)
            {
                var column = _columns[i];
                scratch.Append(heads[i]); // the name, then 0x1F
                switch (column.KindAt(row))
                {
                    case CellKind.Null:
                        scratch.Append(0xFF);
                        break;
                    case CellKind.Text when column.IsUtf8At(row):
                        scratch.Append((byte)CrmFieldType.String);
                        scratch.Append(column.TextAt(row));
                        break;
                    case CellKind.Text:
                        // Bytes that are not UTF-8 stand for the string decoding them makes (replacement characters): hashed as its bytes.
                        scratch.Append((byte)CrmFieldType.String);
                        scratch.Append(column.TextOf(row)!);
                        break;
                    default:
                        scratch.Append((byte)(int)column.TypeAt(row));
                        column.AppendText(row, ref scratch);
                        break;
                }
                scratch.Append(0x1E);
            }
            return (long)XxHash3.HashToUInt64(scratch.Written);
        }

        private byte[][]? _heads;
        private CrmFieldShape? _headShape;

        /// <summary>Per column the UTF-8 of its name followed by the 0x1F that ends a name in a fingerprint.</summary>
        private byte[][] ShapeHeads()
        {
            if (_heads is not null && ReferenceEquals(_headShape, Shape)) return _heads;
            var heads = new byte[Shape.Count][];
            for (int i = 0; i < heads.Length; i++)
            {
                var name = global::System.Text.Encoding.UTF8.GetBytes(Shape.Names[i]);
                Array.Resize(ref name, name.Length + 1);
                name[^1] = 0x1F;
                heads[i] = name;
            }
            _headShape = Shape;
            return _heads = heads;
        }

        // ---------------------------------------------------------------- records

        /// <summary>The origin of a row as a record shows it.</summary>
        public CrmOrigin OriginAt(int row)
        {
            if (_records?[row] is { Origin: { } o }) return o;
            return new CrmOrigin(System ?? "", SourceEntity, SourceKeyText(row), File, _lines[row]);
        }

        /// <summary>The value of a cell (a record-backed row: its record's field of that name).</summary>
        public object? GetValue(int row, int column)
        {
            if (_records?[row] is { } record) return record[Shape.Names[column]];
            return _columns[column].GetValue(row);
        }

        /// <summary>The record of a row: a record-backed row's own, else a new record with the row's values, key and origin.</summary>
        public CrmRecord ToRecord(int row)
        {
            if (_records?[row] is { } record) return record;
            var values = new object?[_columns.Length];
            for (int i = 0; i < values.Length; i++) values[i] = _columns[i].GetValue(row);
            var made = new CrmRecord(Entity, Shape, values) { MappingHash = MappingHash };
            CrmKey? key = null;
            if (KeyColumns is { Length: > 0 } keyColumns)
            {
                // The key's parts are the key cells' text (a text cell's string is the value's own: nothing is made twice).
                if (keyColumns.Length == 1)
                {
                    string? part = values[keyColumns[0]] as string ?? _columns[keyColumns[0]].TextOf(row);
                    if (part is not null) key = new CrmKey(part) { FieldNames = KeyNames };
                }
                else
                {
                    var parts = new string[keyColumns.Length];
                    bool whole = true;
                    for (int k = 0; k < parts.Length && whole; k++)
                    {
                        string? part = values[keyColumns[k]] as string ?? _columns[keyColumns[k]].TextOf(row);
                        if (part is null) whole = false;
                        else parts[k] = part;
                    }
                    if (whole) key = new CrmKey(parts) { FieldNames = KeyNames };
                }
                made.Key = key;
            }
            made.Origin = new CrmOrigin(System ?? "", SourceEntity, SourceKeyOf(row, key), File, _lines[row]);
            return made;
        }

        /// <summary>A row's source key for its record's origin: the key's own text when the source key is the same, else the source key's text.</summary>
        private string? SourceKeyOf(int row, CrmKey? key)
        {
            var keys = SourceKeys;
            if (keys is null) return KeylessSource ? null : key?.ToString();
            if (keys.IsNull(row)) return null;
            string? text = key?.ToString();
            if (text is not null && keys.KindAt(row) == CellKind.Text)
            {
                var utf8 = keys.TextAt(row);
                // Equal byte counts and equal bytes: the same text without making it again.
                if (utf8.Length == text.Length && IsAscii(utf8) && AsciiEquals(utf8, text)) return text;
            }
            return keys.TextOf(row);
        }

        private static bool IsAscii(ReadOnlySpan<byte> utf8) => global::System.Text.Ascii.IsValid(utf8);

        private static bool AsciiEquals(ReadOnlySpan<byte> utf8, string text)
        {
            for (int i = 0; i < utf8.Length; i++) if (utf8[i] != text[i]) return false;
            return true;
        }

        /// <summary>The line or ordinal of a row as text, for a row without a key: "file:line" or "#ordinal".</summary>
        public string PositionText(int row, long ordinal)
        {
            long line = _lines[row];
            if (_records?[row] is { Origin: { Line: > 0 } o }) return (o.File ?? o.System) + ":" + o.Line.ToString(CultureInfo.InvariantCulture);
            if (_records is null || _records[row] is null)
            {
                if (line > 0) return (File ?? System ?? "") + ":" + line.ToString(CultureInfo.InvariantCulture);
            }
            return "#" + ordinal.ToString(CultureInfo.InvariantCulture);
        }
    }
}
