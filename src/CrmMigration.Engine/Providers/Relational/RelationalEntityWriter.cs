using System;
using System.Collections.Generic;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Relational
{
    /// <summary>A table as a relational writer needs it: its name, columns by position and primary key.</summary>
    internal interface IRelationalTable
    {
        /// <summary>The table's name as the catalog spells it.</summary>
        string Name { get; }

        /// <summary>True for a view (never written).</summary>
        bool IsView { get; }

        /// <summary>How many columns the table has.</summary>
        int ColumnCount { get; }

        /// <summary>The name of the column at <paramref name="column"/>.</summary>
        string ColumnName(int column);

        /// <summary>The position of a column (names compare case-insensitively), or -1.</summary>
        int IndexOf(string name);

        /// <summary>Column positions of the primary key, in key order (empty without one).</summary>
        int[] PrimaryKey { get; }
    }

    /// <summary>
    /// Where one field shape's values go: the record positions written, their columns, the key's slots and the others.
    /// Writers keep one per shape (records of one source share shapes) and add what their engine needs.
    /// </summary>
    internal class WriterShape : IDisposable
    {
        /// <summary>Maps <paramref name="fields"/> (record positions) to <paramref name="cols"/> (table positions) for a table keyed by <paramref name="key"/>.</summary>
        public WriterShape(CrmFieldShape shape, int[] fields, int[] cols, int[] key)
        {
            Shape = shape;
            Fields = fields;
            Cols = cols;
            KeySlots = new int[key.Length];
            for (int k = 0; k < key.Length; k++) KeySlots[k] = Array.IndexOf(cols, key[k]);
            var update = new List<int>(cols.Length);
            for (int s = 0; s < cols.Length; s++) if (Array.IndexOf(key, cols[s]) < 0) update.Add(s);
            UpdateSlots = update.ToArray();
        }

        /// <summary>The shape the plan is for.</summary>
        public CrmFieldShape Shape { get; }

        /// <summary>Record field positions that have a column.</summary>
        public int[] Fields { get; }

        /// <summary>Table column positions, parallel to <see cref="Fields"/> (a slot is an index into both).</summary>
        public int[] Cols { get; }

        /// <summary>The slot of each key column, -1 where the shape lacks it.</summary>
        public int[] KeySlots { get; }

        /// <summary>Slots that are not key columns (what an update sets).</summary>
        public int[] UpdateSlots { get; }

        /// <summary>
        /// Slots of key columns the target numbers itself when given no value (SQLite's rowid, MariaDB AUTO_INCREMENT, PostgreSQL
        /// identity or serial), as the engine's writer finds them: a row without a value there is refused as MissingKey, not numbered.
        /// </summary>
        public int[] NumberedKeySlots { get; set; } = Array.Empty<int>();

        /// <summary>True when one of <see cref="NumberedKeySlots"/> has no value in <paramref name="values"/> (parallel to the slots).</summary>
        public bool LacksNumberedKey(object?[] values)
        {
            foreach (int slot in NumberedKeySlots) if (values[slot] is null) return true;
            return false;
        }

        /// <summary>Releases what the engine keeps per shape (prepared statements).</summary>
        public virtual void Dispose()
        {
        }
    }

    /// <summary>
    /// What the relational writers (SQLite; PostgreSQL and MySQL/MariaDB) share, written once: finding or creating the
    /// table (-Create, planned under -WhatIf), the key to write by, fields the table lacks (TargetFieldsMissing, or
    /// -AddColumns), per-shape column plans, outcomes and their reason codes and messages, what planning remembers across
    /// batches, and the before-images' frame. The engines add how they read their catalog, run DDL and write rows
    /// (SQLite: prepared statements row by row; the servers: key lookup per batch, then binary COPY, LOAD DATA or
    /// multi-row INSERT with a row-by-row fallback).
    /// </summary>
    /// <typeparam name="TTable">The engine's table description.</typeparam>
    /// <typeparam name="TPlan">The engine's per-shape plan.</typeparam>
    internal abstract class RelationalEntityWriter<TTable, TPlan> : ICrmEntityWriter, ICrmRowWriter
        where TTable : class, IRelationalTable
        where TPlan : WriterShape
    {
        /// <summary>A column value planning does not know (the row exists, but this batch never read or wrote the column).</summary>
        protected static readonly object Unknown = new object();

        private readonly ICrmSchemaTarget _schemaTarget;
        private readonly CrmConnection _connection;
        private readonly string _errorPrefix;
        private readonly Dictionary<CrmFieldShape, TPlan> _plans = new Dictionary<CrmFieldShape, TPlan>(ReferenceEqualityComparer.Instance);
        /// <summary>Shapes whose every field (annotations aside) is a column of the current table: checked once per shape.</summary>
        private readonly HashSet<CrmFieldShape> _coveredShapes = new HashSet<CrmFieldShape>(ReferenceEqualityComparer.Instance);
        private TPlan? _last;

        /// <summary>A writer of <paramref name="entity"/>; error ids start with <paramref name="errorPrefix"/> (Sqlite, Db).</summary>
        protected RelationalEntityWriter(ICrmSchemaTarget schemaTarget, CrmConnection connection, string entity, CrmWriteOptions options, string errorPrefix)
        {
            _schemaTarget = schemaTarget;
            _connection = connection;
            Entity = entity;
            Options = options;
            _errorPrefix = errorPrefix;
        }

        /// <summary>The entity asked for.</summary>
        protected string Entity { get; }

        /// <summary>The options the writer was opened with.</summary>
        protected CrmWriteOptions Options { get; }

        /// <summary>The table (null until loaded, and again after a rollback undid DDL).</summary>
        protected TTable? Table { get; private set; }

        /// <summary>False while <see cref="Table"/> only stands in for a table that planning designed (-WhatIf).</summary>
        protected bool TableExists { get; private set; }

        /// <summary>Column positions of the key records are written by (KeyFields, else the designed or primary key).</summary>
        protected int[] Key { get; private set; } = Array.Empty<int>();

        /// <summary>Whether the target itself refuses a second row with the key (a primary or unique key on exactly those columns).</summary>
        protected bool KeyEnforced { get; private set; }

        /// <summary>The batch number (1-based) of the batch being written or planned.</summary>
        protected int BatchNumber { get; private set; }

        /// <summary>Planning's view of rows it has seen, by key text: values by column position, <see cref="Unknown"/> where not known.</summary>
        protected Dictionary<string, object?[]>? Planned { get; private set; }

        /// <summary>True once disposed.</summary>
        protected bool Disposed { get; private set; }

        /// <summary>The table's name when loaded, else the entity's.</summary>
        protected string TableName => Table?.Name ?? Entity;

        /// <summary>How messages name the target ("'./new.db'" for a file, the server's display name).</summary>
        protected abstract string TargetName { get; }

        // ---------------------------------------------------------------- engine hooks

        /// <summary>The table from the catalog, or null when it does not exist (or, planning, when the target does not either).</summary>
        protected abstract TTable? ReadTable(bool write);

        /// <summary>The table a design would make, for planning (-WhatIf).</summary>
        protected abstract TTable StandIn(CrmEntitySchema design);

        /// <summary>After the writer created the table from <paramref name="design"/>.</summary>
        protected virtual void Created(CrmEntitySchema design)
        {
        }

        /// <summary>Whether the target enforces <paramref name="key"/> (<paramref name="designed"/>: the table is a planned stand-in).</summary>
        protected abstract bool IsKeyEnforced(TTable table, int[] key, bool designed);

        /// <summary>The ALTER TABLE statement that adds <paramref name="field"/> (nullable, no key) to <paramref name="table"/>.</summary>
        protected abstract string AddColumnSql(string table, CrmFieldSchema field);

        /// <summary>Runs a DDL statement (inside the batch's transaction where the engine has one open).</summary>
        protected abstract void RunDdl(string sql);

        /// <summary>The table read again after DDL.</summary>
        protected abstract TTable ReloadTable(TTable table);

        /// <summary>Whether a column takes written values (false for a generated column).</summary>
        protected virtual bool IsWritable(TTable table, int column) => true;

        /// <summary>The engine's plan for a shape whose <paramref name="fields"/> go to <paramref name="cols"/>.</summary>
        protected abstract TPlan NewPlan(CrmFieldShape shape, int[] fields, int[] cols);

        /// <summary>Writes a non-empty batch (the table loaded and checked by the engine inside its transaction).</summary>
        protected abstract void WriteRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert);

        /// <summary>Plans a non-empty batch, the table loaded and checked: one outcome per record, WhatIf set.</summary>
        protected abstract void PlanRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert);

        /// <summary>Releases the engine's connection and statements (a transaction still open is rolled back).</summary>
        protected abstract void Release();

        // ---------------------------------------------------------------- table and key

        /// <summary>
        /// Loads the table (once, and again after DDL or when a planned table is to be written); sets the key. A missing table
        /// is created (when allowed) through the provider from the schema the import knows, else from the batch; planning
        /// (-WhatIf) only describes what would be created and stands the designed table in for it.
        /// </summary>
        protected void LoadTable(IReadOnlyList<CrmRecord> batch, bool write)
        {
            if (Table is not null && (TableExists || !write)) return;
            var table = ReadTable(write);
            if (table is not null && table.IsView)
            {
                throw new CrmException(_errorPrefix + "CannotWriteView", CrmErrorKind.InvalidArgument, $"'{table.Name}' is a view; write to a table instead.") { Error = { Entity = table.Name } };
            }
            List<string>? designedKey = null;
            if (table is null)
            {
                if (!Options.CreateIfMissing)
                {
                    throw new CrmException(_errorPrefix + "EntityNotFound", CrmErrorKind.NotFound,
                        $"The table '{Entity}' does not exist in {TargetName} and creating it is not allowed (give -Create).") { Error = { Entity = Entity } };
                }
                var design = _schemaTarget.PlannedEntity(Entity) ?? Schema.SchemaDesign.FromRecords(Entity, batch, Options.Schema, Options.KeyFields);
                if (Options.Mode == CrmWriteMode.Upsert && design.Key.Count == 0 && Options.KeyFields is not { Count: > 0 })
                {
                    // Checked before the table is made: a failed write leaves nothing behind.
                    throw new CrmException(_errorPrefix + "UpsertNeedsKey", CrmErrorKind.InvalidArgument,
                        $"Upsert into '{Entity}' needs key fields: the records name none and no KeyFields were given.") { Error = { Entity = Entity } };
                }
                _schemaTarget.CreateEntities(new[] { design }, whatIf: !write, Options.OnSchema);
                if (write)
                {
                    table = ReadTable(true) ?? throw new CrmException(_errorPrefix + "CreateFailed", CrmErrorKind.WriteError, $"The table '{Entity}' could not be created.");
                    Created(design);
                }
                else
                {
                    // Planning only: the designed table stands in for the one a write would create.
                    table = StandIn(design);
                    designedKey = new List<string>(design.Key);
                }
            }
            TableExists = designedKey is null;
            SetTable(table, designedKey);
        }

        /// <summary>Forgets the table (a rollback undid the batch's DDL): read it again next time.</summary>
        protected void ForgetTable()
        {
            Table = null;
            ClearPlans();
        }

        private void SetTable(TTable table, List<string>? designedKey)
        {
            ClearPlans();
            Table = table;
            IReadOnlyList<string>? keyNames = Options.KeyFields is { Count: > 0 } ? Options.KeyFields : designedKey;
            var key = new List<int>();
            if (keyNames is not null)
            {
                foreach (var name in keyNames)
                {
                    int i = table.IndexOf(name);
                    if (i < 0)
                    {
                        throw new CrmException(_errorPrefix + "KeyFieldNotFound", CrmErrorKind.InvalidArgument, $"The key field '{name}' is not a column of '{table.Name}'.") { Error = { Entity = table.Name, Field = name } };
                    }
                    key.Add(i);
                }
            }
            else
            {
                key.AddRange(table.PrimaryKey);
            }
            Key = key.ToArray();
            KeyEnforced = IsKeyEnforced(table, Key, designedKey is not null);
        }

        /// <summary>Upsert needs a key: throws UpsertNeedsKey when the table gives none.</summary>
        protected void RequireUpsertKey()
        {
            if (Options.Mode == CrmWriteMode.Upsert && Key.Length == 0)
            {
                throw new CrmException(_errorPrefix + "UpsertNeedsKey", CrmErrorKind.InvalidArgument,
                    $"Upsert into '{TableName}' needs key fields: the table has no primary key and no KeyFields were given.") { Error = { Entity = TableName } };
            }
        }

        /// <summary>
        /// Fields the table lacks: TargetFieldsMissing before anything of the batch is written, unless AddColumns asks for
        /// them (ALTER TABLE ADD COLUMN, typed from the batch's values; planning never alters).
        /// </summary>
        protected void CheckColumns(IReadOnlyList<CrmRecord> batch, bool write)
        {
            var table = Table!;
            List<CrmRecord>? uncovered = null;
            CrmFieldShape? last = null;
            foreach (var record in batch)
            {
                var shape = record.Shape;
                if (ReferenceEquals(shape, last) || _coveredShapes.Contains(shape)) { last = shape; continue; }
                bool all = true;
                for (int f = 0; f < shape.Count && all; f++) all = table.IndexOf(shape.Names[f]) >= 0 || Schema.SchemaDesign.IsAnnotation(shape, shape.Names[f]);
                if (all) { _coveredShapes.Add(shape); last = shape; }
                else (uncovered ??= new List<CrmRecord>()).Add(record);
            }
            if (uncovered is null) return;
            var missing = Schema.SchemaDesign.MissingFields(uncovered, n => table.IndexOf(n) >= 0);
            if (missing.Count == 0) return;
            if (!Options.AddColumns) throw Schema.SchemaDesign.MissingColumns(table.Name, _connection.DisplayName, missing);
            if (!write) return;
            var design = Schema.SchemaDesign.FromRecords(table.Name, uncovered, null, Array.Empty<string>());
            foreach (var name in missing)
            {
                var field = design.GetField(name) ?? new CrmFieldSchema(name, CrmFieldType.String);
                field.Nullable = true;
                field.IsKey = false;
                string sql = AddColumnSql(table.Name, field);
                Options.OnSchema?.Invoke(new Schema.SchemaStatement(table.Name, Schema.SchemaStep.BeforeData, "column", sql));
                RunDdl(sql);
            }
            SetTable(ReloadTable(table), null);
        }

        // ---------------------------------------------------------------- per-shape plans

        /// <summary>The plan for a shape: its fields that are writable columns of the table (annotations and repeats left out).</summary>
        protected TPlan PlanFor(CrmFieldShape shape)
        {
            if (_last is not null && ReferenceEquals(_last.Shape, shape)) return _last;
            if (!_plans.TryGetValue(shape, out var plan))
            {
                var table = Table!;
                var fields = new List<int>(shape.Count);
                var cols = new List<int>(shape.Count);
                for (int f = 0; f < shape.Count; f++)
                {
                    int c = table.IndexOf(shape.Names[f]);
                    if (c < 0 || !IsWritable(table, c) || cols.Contains(c) || Schema.SchemaDesign.IsAnnotation(shape, shape.Names[f])) continue;
                    fields.Add(f);
                    cols.Add(c);
                }
                plan = NewPlan(shape, fields.ToArray(), cols.ToArray());
                _plans.Add(shape, plan);
            }
            _last = plan;
            return plan;
        }

        private void ClearPlans()
        {
            foreach (var p in _plans.Values) p.Dispose();
            _plans.Clear();
            _coveredShapes.Clear();
            _last = null;
        }

        // ---------------------------------------------------------------- outcomes

        /// <summary>An outcome for <paramref name="record"/>, keyed by its own key or else <paramref name="keyText"/> (the key columns' values).</summary>
        protected CrmRecordOutcome Outcome(CrmRecord record, string? keyText, CrmOutcome outcome) => Outcome(record.Key?.ToString() ?? keyText, record.Origin, outcome);

        /// <summary>An outcome keyed by <paramref name="key"/> (a record's or a row's key text) from <paramref name="origin"/>.</summary>
        protected CrmRecordOutcome Outcome(string? key, CrmOrigin? origin, CrmOutcome outcome) =>
            new CrmRecordOutcome(TableName, key, outcome) { Batch = BatchNumber, Origin = origin };

        /// <summary>A Rejected outcome with its reason code and message.</summary>
        protected CrmRecordOutcome Rejected(CrmRecord record, string? keyText, string reason, string message) =>
            Rejected(record.Key?.ToString() ?? keyText, record.Origin, reason, message);

        /// <summary>A Rejected outcome keyed by <paramref name="key"/>, with its reason code and message.</summary>
        protected CrmRecordOutcome Rejected(string? key, CrmOrigin? origin, string reason, string message)
        {
            var o = Outcome(key, origin, CrmOutcome.Rejected);
            o.ReasonCode = reason;
            o.Message = message;
            return o;
        }

        /// <summary>DuplicateKey: the key is stored already (<paramref name="detail"/>: the engine's message, when it refused).</summary>
        protected CrmRecordOutcome DuplicateKey(CrmRecord record, string? keyText, string? detail = null) => DuplicateKey(record.Key?.ToString() ?? keyText, record.Origin, detail);

        /// <summary>DuplicateKey for the record or row keyed by <paramref name="key"/>.</summary>
        protected CrmRecordOutcome DuplicateKey(string? key, CrmOrigin? origin, string? detail = null) =>
            Rejected(key, origin, "DuplicateKey", detail is null
                ? $"A record with the key '{key}' already exists in '{TableName}'."
                : $"A record with the key '{key}' already exists in '{TableName}' ({detail}).");

        /// <summary>MissingKey: an upsert without a value for a key column.</summary>
        protected CrmRecordOutcome MissingKey(CrmRecord record, string? keyText) => MissingKey(record.Key?.ToString() ?? keyText, record.Origin);

        /// <summary>MissingKey for the record or row keyed by <paramref name="key"/>.</summary>
        protected CrmRecordOutcome MissingKey(string? key, CrmOrigin? origin) =>
            Rejected(key, origin, "MissingKey", $"The record has no value for the key field(s) of '{TableName}'.");

        /// <summary>The ValueConversion message for a value a column cannot take.</summary>
        protected static string ConversionMessage(string column, string declaredType, Exception ex) =>
            $"Field '{column}': {ex.Message} (column type {declaredType}).";

        /// <summary>Whether an exception is a value that does not convert to its column's type.</summary>
        protected static bool IsConversionError(Exception ex) => ex is FormatException or InvalidCastException or OverflowException;

        // ---------------------------------------------------------------- planning state and images

        /// <summary>A row planning knows nothing of yet: every column <see cref="Unknown"/>.</summary>
        protected object?[] NewPlanned()
        {
            var values = new object?[Table!.ColumnCount];
            Array.Fill(values, Unknown);
            return values;
        }

        /// <summary>Copies slot values (<paramref name="slots"/>, parallel to the plan's columns) into a row by column position.</summary>
        protected static void Remember(WriterShape plan, object?[] slots, object?[] row)
        {
            for (int s = 0; s < plan.Cols.Length; s++) row[plan.Cols[s]] = slots[s];
        }

        /// <summary>Whether any known column of <paramref name="stored"/> differs from the slot values.</summary>
        protected static bool DiffersFrom(WriterShape plan, object?[] slots, object?[] stored)
        {
            for (int s = 0; s < plan.Cols.Length; s++)
            {
                object? old = stored[plan.Cols[s]];
                if (ReferenceEquals(old, Unknown)) continue;
                if (!CrmValues.AreEqual(old, slots[s])) return true;
            }
            return false;
        }

        /// <summary>An empty batch of images of the table (every column, the key's positions).</summary>
        protected RowImageBatch NewImages()
        {
            var table = Table!;
            var columns = new string[table.ColumnCount];
            for (int c = 0; c < columns.Length; c++) columns[c] = table.ColumnName(c);
            return new RowImageBatch(table.Name, columns, Key);
        }

        private RowImageBatch? _keptImages;
        private TTable? _keptImagesTable;

        /// <summary>
        /// The batch's (empty) images: one batch kept while the table stays the same, its rows packed into a buffer it keeps (the
        /// ledger encodes the images before the commit and keeps nothing of them).
        /// </summary>
        protected RowImageBatch KeptImages()
        {
            if (_keptImages is null || !ReferenceEquals(_keptImagesTable, Table))
            {
                _keptImages = NewImages();
                _keptImagesTable = Table;
            }
            _keptImages.Clear();
            return _keptImages;
        }

        /// <summary>
        /// Packs the image of an inserted row whose one-column text key is <paramref name="utf8"/> (valid UTF-8, stored as it is)
        /// straight from its bytes, as <see cref="Ledger.RowImageCodec"/> writes <see cref="AbsentImage"/>'s image: the key text,
        /// then the key column's value. False (nothing packed) when the key text is not the value itself (a '|' or '\\' in it is
        /// escaped, <see cref="CrmKey"/>): the caller packs it from the string.
        /// </summary>
        protected static bool PackAbsentText(RowImageBatch images, ReadOnlySpan<byte> utf8)
        {
            if (utf8.IndexOfAny((byte)'|', (byte)'\\') >= 0) return false;
            var w = images.PackRow(existed: false, hasKey: true);
            w.Write7BitEncodedInt(utf8.Length);
            w.Write(utf8);
            Util.ValueCodec.WriteUtf8String(w, utf8);
            images.EndRow();
            return true;
        }

        /// <summary>
        /// The image of an inserted row (absent before): with a key, the key columns' values (undo deletes by key); without
        /// one, every column it was written with (undo finds it by content).
        /// </summary>
        protected RowImage AbsentImage(string? key, WriterShape plan, object?[] slots)
        {
            var values = new object?[Table!.ColumnCount];
            if (key is not null) for (int k = 0; k < Key.Length; k++) values[Key[k]] = slots[plan.KeySlots[k]];
            else for (int s = 0; s < plan.Cols.Length; s++) values[plan.Cols[s]] = slots[s];
            return new RowImage(key, false, values);
        }

        // ---------------------------------------------------------------- ICrmEntityWriter

        /// <inheritdoc/>
        public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (batch is null) throw new ArgumentNullException(nameof(batch));
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            BatchNumber++;
            if (batch.Count == 0) return;
            WriteRecords(batch, outcomes, Options.Mode == CrmWriteMode.Upsert);
        }

        /// <inheritdoc/>
        public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (batch is null) throw new ArgumentNullException(nameof(batch));
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            BatchNumber++;
            if (batch.Count == 0) return;
            LoadTable(batch, write: false);
            CheckColumns(batch, write: false);
            RequireUpsertKey();
            Planned ??= new Dictionary<string, object?[]>(StringComparer.Ordinal);
            PlanRecords(batch, outcomes, Options.Mode == CrmWriteMode.Upsert);
        }

        /// <inheritdoc/>
        public bool CanWriteRows(Batches.RowBatch rows) =>
            WritesRows && !Disposed && Table is not null && TableExists && !rows.HasRecordsToWrite && _coveredShapes.Contains(rows.Shape);

        /// <inheritdoc/>
        public bool PrepareRows(Batches.RowBatch rows)
        {
            if (!WritesRows || Disposed || rows.HasRecordsToWrite) return false;
            try
            {
                if (Table is null)
                {
                    // An existing table only (what the record way's LoadTable finds first); one to create is the record way's.
                    var table = ReadTable(true);
                    if (table is null || table.IsView) return false;
                    TableExists = true;
                    SetTable(table, null);
                }
                if (!TableExists) return false;
                var shape = rows.Shape;
                if (!_coveredShapes.Contains(shape))
                {
                    for (int f = 0; f < shape.Count; f++)
                    {
                        if (Table!.IndexOf(shape.Names[f]) < 0 && !Schema.SchemaDesign.IsAnnotation(shape, shape.Names[f])) return false;
                    }
                    _coveredShapes.Add(shape);
                }
                return CanWriteRows(rows);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or CrmException or InvalidOperationException)
            {
                // Whatever failed here fails again on the record way, which reports it as a write of the batch.
                ForgetTable();
                return false;
            }
        }

        /// <inheritdoc/>
        public void WriteRows(Batches.RowBatch rows, int[] which, int count, RowOutcomes outcomes)
        {
            if (rows is null) throw new ArgumentNullException(nameof(rows));
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            BatchNumber++;
            outcomes.Reset(count);
            if (count == 0) return;
            if (!CanWriteRows(rows)) throw new InvalidOperationException($"Rows of '{Entity}' cannot be written as rows now; write them as records.");
            WriteRowsCore(rows, which, count, outcomes, Options.Mode == CrmWriteMode.Upsert);
        }

        /// <summary>Whether the engine writes rows from their columns (<see cref="WriteRowsCore"/>).</summary>
        protected virtual bool WritesRows => false;

        /// <summary>Writes rows <c>which[0..count)</c> of a batch whose table and columns are known (see <see cref="ICrmRowWriter.WriteRows"/>).</summary>
        protected virtual void WriteRowsCore(Batches.RowBatch rows, int[] which, int count, RowOutcomes outcomes, bool upsert) =>
            throw new NotSupportedException();

        /// <inheritdoc/>
        public abstract void Complete();

        /// <inheritdoc/>
        public void Dispose()
        {
            if (Disposed) return;
            Release();
            ClearPlans();
            Disposed = true;
        }
    }
}
