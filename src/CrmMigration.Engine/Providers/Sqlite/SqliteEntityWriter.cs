using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CrmMigration.Engine.Util;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>
    /// Writes one SQLite table in batches, one transaction per <see cref="WriteBatch"/>.
    /// <list type="bullet">
    /// <item>A missing table is created (when <see cref="CrmWriteOptions.CreateIfMissing"/>) through the provider's
    /// schema scripter from <see cref="CrmWriteOptions.Schema"/>, or with column types inferred from the first batch.</item>
    /// <item>A record bringing a field the table lacks stops the batch (TargetFieldsMissing) unless
    /// <see cref="CrmWriteOptions.AddColumns"/> asks for the column (ALTER TABLE ADD COLUMN, typed from the batch's
    /// values, inside the batch's transaction); <see cref="PlanBatch"/> never alters.</item>
    /// <item>Rejected reason codes: DuplicateKey, ConstraintViolation (NOT NULL, CHECK, UNIQUE,
    /// FOREIGN KEY; message from SQLite), ValueConversion (a value not convertible to the column's
    /// type), MissingKey (upsert without a key value).</item>
    /// </list>
    /// A refused row never sinks the batch: SQLite undoes only the failing statement.
    /// </summary>
    internal sealed partial class SqliteEntityWriter : ICrmEntityWriter
    {
        private static readonly object Unknown = new object();

        private readonly SqliteProvider _provider;
        private readonly string _entity;
        private readonly CrmWriteOptions _options;
        private readonly Dictionary<CrmFieldShape, ShapePlan> _plans = new Dictionary<CrmFieldShape, ShapePlan>(ReferenceEqualityComparer.Instance);
        private SqliteConnection? _conn;
        private bool _writeReady;
        private bool _tableLoaded;
        private bool _tableExists;
        private SqliteTableInfo? _table;
        private int[] _key = Array.Empty<int>();
        private bool _keyEnforced;
        private ShapePlan? _last;
        private SqliteRawStatement? _begin, _commit, _rollback;
        private bool _inTransaction;
        private int _batch;
        private Dictionary<string, object?[]>? _planned;
        private bool _disposed;

        public SqliteEntityWriter(SqliteProvider provider, string entity, CrmWriteOptions options)
        {
            _provider = provider;
            _entity = entity;
            _options = options;
        }

        private string TableName => _table?.Name ?? _entity;

        // ---------------------------------------------------------------- connection and table

        private SqliteConnection? Connection(bool write)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_conn is null)
            {
                if (!write && !File.Exists(_provider.FullPath)) return null;
                _conn = SqliteSql.Open(_provider.FullPath, write: true);
            }
            if (write) _provider.Wrote = true;
            if (write && !_writeReady)
            {
                using (var cmd = _conn.CreateCommand())
                {
                    cmd.CommandText = "PRAGMA journal_mode=WAL";
                    cmd.ExecuteScalar();
                }
                SqliteSql.Execute(_conn, "PRAGMA synchronous=NORMAL");
                SqliteSql.Execute(_conn, "PRAGMA busy_timeout=2000"); // wait a little for another writer; then the import retries the batch
                SqliteSql.Execute(_conn, "PRAGMA temp_store=MEMORY");
                SqliteSql.Execute(_conn, "PRAGMA cache_size=-8192"); // 8 MB: rows arrive in batches, mostly appended, and the OS caches the file; 64 MB only raised the peak (issue 15)
                SqliteSql.Execute(_conn, _provider.ForeignKeysEnforced && _options.EnforceForeignKeys != false ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
                var db = _conn.Handle!;
                _begin = new SqliteRawStatement(db, "BEGIN IMMEDIATE");
                _commit = new SqliteRawStatement(db, "COMMIT");
                _rollback = new SqliteRawStatement(db, "ROLLBACK");
                _writeReady = true;
            }
            return _conn;
        }

        /// <summary>
        /// Loads the table (once, and again after DDL); sets the key columns. A missing table is created (when allowed)
        /// through the provider from the schema the import knows, else from the batch; planning (-WhatIf) only
        /// describes what would be created and stands the designed table in for it.
        /// </summary>
        private void LoadTable(IReadOnlyList<CrmRecord> batch, bool write)
        {
            if (_tableLoaded) return;
            var conn = Connection(write);
            var table = conn is null ? null : SqliteCatalog.Load(conn, _entity);
            if (table is not null && table.IsView)
            {
                throw new CrmException("SqliteCannotWriteView", CrmErrorKind.InvalidArgument, $"'{table.Name}' is a view; write to a table instead.") { Error = { Entity = table.Name } };
            }
            _tableExists = table is not null;
            if (table is null)
            {
                if (!_options.CreateIfMissing)
                {
                    throw new CrmException("SqliteEntityNotFound", CrmErrorKind.NotFound,
                        $"The table '{_entity}' does not exist in '{_provider.Connection.DisplayName}' and creating it is not allowed (give -Create).") { Error = { Entity = _entity } };
                }
                var design = _provider.PlannedEntity(_entity) ?? Schema.SchemaDesign.FromRecords(_entity, batch, _options.Schema, _options.KeyFields);
                if (_options.Mode == CrmWriteMode.Upsert && design.Key.Count == 0 && _options.KeyFields is not { Count: > 0 })
                {
                    // Checked before the table is made: a failed write leaves nothing behind.
                    throw new CrmException("SqliteUpsertNeedsKey", CrmErrorKind.InvalidArgument,
                        $"Upsert into '{_entity}' needs key fields: the records name none and no KeyFields were given.") { Error = { Entity = _entity } };
                }
                _provider.CreateEntities(new[] { design }, whatIf: !write, _options.OnSchema);
                if (write)
                {
                    table = SqliteCatalog.Load(_conn!, _entity) ?? throw new CrmException("SqliteCreateFailed", CrmErrorKind.WriteError, $"The table '{_entity}' could not be created.");
                    _tableExists = true;
                    // Foreign keys declared from the source's schema: its records load as they are (checked after the data).
                    if (design.Relations.Count > 0 && !_inTransaction) SqliteSql.Execute(_conn!, "PRAGMA foreign_keys=OFF");
                }
                else
                {
                    // Planning only: the designed table stands in for the one a write would create.
                    SetTable(StandIn(design), new List<string>(design.Key));
                    _tableLoaded = true;
                    return;
                }
            }
            SetTable(table, null);
            _tableLoaded = true;
        }

        /// <summary>The table a design would make, for planning.</summary>
        private static SqliteTableInfo StandIn(CrmEntitySchema design)
        {
            var columns = new List<SqliteColumn>(design.Fields.Count);
            foreach (var f in design.Fields)
            {
                if (f.IsAnnotation) continue;
                int pk = -1;
                for (int k = 0; k < design.Key.Count; k++) if (string.Equals(design.Key[k], f.Name, StringComparison.OrdinalIgnoreCase)) pk = k;
                var (type, _) = Schema.SqlTypes.ToSqlite(f, design.Provider == CrmProviderKind.Sqlite, SqliteSql.Quote, t => t);
                columns.Add(new SqliteColumn(f.Name, type, !f.Nullable || pk >= 0, false, pk + 1, false));
            }
            return new SqliteTableInfo(design.Name, false, columns);
        }

        private void SetTable(SqliteTableInfo table, List<string>? designedKey)
        {
            ClearPlans();
            _table = table;
            IReadOnlyList<string>? keyNames = _options.KeyFields is { Count: > 0 } ? _options.KeyFields : designedKey;
            var key = new List<int>();
            if (keyNames is not null)
            {
                foreach (var name in keyNames)
                {
                    int i = table.IndexOf(name);
                    if (i < 0)
                    {
                        throw new CrmException("SqliteKeyFieldNotFound", CrmErrorKind.InvalidArgument, $"The key field '{name}' is not a column of '{table.Name}'.") { Error = { Entity = table.Name, Field = name } };
                    }
                    key.Add(i);
                }
            }
            else
            {
                key.AddRange(table.PrimaryKey);
            }
            _key = key.ToArray();
            _keyEnforced = _key.Length > 0 && SameSet(_key, table.PrimaryKey);
        }

        private static bool SameSet(int[] a, int[] b)
        {
            if (a.Length != b.Length) return false;
            foreach (int x in a) if (Array.IndexOf(b, x) < 0) return false;
            return true;
        }

        /// <summary>Shapes whose every field (annotations aside) is a column of the current table: checked once per shape.</summary>
        private readonly HashSet<CrmFieldShape> _coveredShapes = new HashSet<CrmFieldShape>(ReferenceEqualityComparer.Instance);

        /// <summary>
        /// Fields the table lacks: TargetFieldsMissing before anything of the batch is written, unless AddColumns asks for
        /// them (ALTER TABLE ADD COLUMN, typed from the batch's values; planning never alters).
        /// </summary>
        private void CheckColumns(IReadOnlyList<CrmRecord> batch, bool write)
        {
            var table = _table!;
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
            if (!_options.AddColumns) throw Schema.SchemaDesign.MissingColumns(table.Name, _provider.Connection.DisplayName, missing);
            if (!write) return;
            var design = Schema.SchemaDesign.FromRecords(table.Name, uncovered, null, Array.Empty<string>());
            foreach (var name in missing)
            {
                var field = design.GetField(name) ?? new CrmFieldSchema(name, CrmFieldType.String);
                field.Nullable = true;
                var (type, _) = Schema.SqlTypes.ToSqlite(field, false, SqliteSql.Quote, t => t);
                string sql = "ALTER TABLE " + SqliteSql.Quote(table.Name) + " ADD COLUMN " + SqliteSql.Quote(name) + " " + type;
                _options.OnSchema?.Invoke(new Schema.SchemaStatement(table.Name, Schema.SchemaStep.BeforeData, "column", sql));
                RunDdl(sql);
            }
            SetTable(SqliteCatalog.Load(_conn!, table.Name)!, null);
        }

        private void RunDdl(string sql)
        {
            using var stmt = new SqliteRawStatement(_conn!.Handle!, sql);
            stmt.Run();
        }

        // ---------------------------------------------------------------- per-shape plans

        private sealed class ShapePlan : IDisposable
        {
            public int[] Fields = Array.Empty<int>();      // record positions written
            public int[] Cols = Array.Empty<int>();        // their column positions
            public int[] KeySlots = Array.Empty<int>();    // slot (in Fields) per key column, -1 absent
            public int[] UpdateSlots = Array.Empty<int>(); // slots that are not key columns
            public int[] ExtraCols = Array.Empty<int>();   // the table's other columns, read after the slots when before-images are kept
            public string? MissingRequired;                // a NOT NULL column without default the shape lacks
            public object?[] Portable = Array.Empty<object?>();
            public object?[] Storage = Array.Empty<object?>();
            public CrmFieldShape? Shape;
            public SqliteRawStatement? Insert, Select, Update;

            public void Dispose()
            {
                Insert?.Dispose();
                Select?.Dispose();
                Update?.Dispose();
                Insert = Select = Update = null;
            }
        }

        private void ClearPlans()
        {
            foreach (var p in _plans.Values) p.Dispose();
            _plans.Clear();
            _coveredShapes.Clear();
            _last = null;
        }

        private ShapePlan PlanFor(CrmFieldShape shape)
        {
            if (_last is not null && ReferenceEquals(_last.Shape, shape)) return _last;
            if (!_plans.TryGetValue(shape, out var plan))
            {
                var table = _table!;
                var fields = new List<int>();
                var cols = new List<int>();
                for (int f = 0; f < shape.Count; f++)
                {
                    int c = table.IndexOf(shape.Names[f]);
                    if (c < 0 || table.Columns[c].Generated || cols.Contains(c) || Schema.SchemaDesign.IsAnnotation(shape, shape.Names[f])) continue;
                    fields.Add(f);
                    cols.Add(c);
                }
                plan = new ShapePlan { Shape = shape, Fields = fields.ToArray(), Cols = cols.ToArray() };
                plan.KeySlots = new int[_key.Length];
                for (int k = 0; k < _key.Length; k++) plan.KeySlots[k] = cols.IndexOf(_key[k]);
                var update = new List<int>();
                for (int s = 0; s < cols.Count; s++) if (Array.IndexOf(_key, cols[s]) < 0) update.Add(s);
                plan.UpdateSlots = update.ToArray();
                var extra = new List<int>();
                if (_options.OnBeforeCommit is not null) for (int c = 0; c < table.Columns.Count; c++) if (!cols.Contains(c)) extra.Add(c);
                plan.ExtraCols = extra.ToArray();
                plan.Portable = new object?[cols.Count];
                plan.Storage = new object?[cols.Count];
                for (int c = 0; c < table.Columns.Count; c++)
                {
                    var col = table.Columns[c];
                    bool rowidAlias = table.PrimaryKey.Length == 1 && table.PrimaryKey[0] == c && string.Equals(col.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase);
                    if (col.NotNull && !col.HasDefault && !col.Generated && !rowidAlias && !cols.Contains(c)) { plan.MissingRequired = col.Name; break; }
                }
                _plans.Add(shape, plan);
            }
            _last = plan;
            return plan;
        }

        private SqliteRawStatement InsertStatement(ShapePlan plan)
        {
            if (plan.Insert is not null) return plan.Insert;
            var table = _table!;
            var sql = new StringBuilder("INSERT INTO ").AppendQuoted(table.Name);
            if (plan.Cols.Length == 0)
            {
                sql.Append(" DEFAULT VALUES");
            }
            else
            {
                sql.Append(" (");
                for (int s = 0; s < plan.Cols.Length; s++) { if (s > 0) sql.Append(", "); sql.AppendQuoted(table.Columns[plan.Cols[s]].Name); }
                sql.Append(") VALUES (");
                for (int s = 0; s < plan.Cols.Length; s++) { if (s > 0) sql.Append(", "); sql.Append('?').Append((s + 1).ToString(CultureInfo.InvariantCulture)); }
                sql.Append(')');
            }
            return plan.Insert = new SqliteRawStatement(_conn!.Handle!, sql.ToString());
        }

        /// <summary>SELECT the shape's columns (slot order) WHERE key = ?1 AND ...</summary>
        private SqliteRawStatement SelectStatement(ShapePlan plan)
        {
            if (plan.Select is not null) return plan.Select;
            var table = _table!;
            var sql = new StringBuilder("SELECT ");
            if (plan.Cols.Length == 0 && plan.ExtraCols.Length == 0) sql.Append('1');
            for (int s = 0; s < plan.Cols.Length; s++) { if (s > 0) sql.Append(", "); sql.AppendQuoted(table.Columns[plan.Cols[s]].Name); }
            foreach (int c in plan.ExtraCols) sql.Append(plan.Cols.Length > 0 || c != plan.ExtraCols[0] ? ", " : "").AppendQuoted(table.Columns[c].Name);
            sql.Append(" FROM ").AppendQuoted(table.Name).Append(" WHERE ");
            AppendKeyCondition(sql, 1);
            sql.Append(" LIMIT 1");
            return plan.Select = new SqliteRawStatement(_conn!.Handle!, sql.ToString());
        }

        /// <summary>UPDATE the shape's non-key columns (?1..) WHERE key = ?(n+1) AND ...</summary>
        private SqliteRawStatement UpdateStatement(ShapePlan plan)
        {
            if (plan.Update is not null) return plan.Update;
            var table = _table!;
            var sql = new StringBuilder("UPDATE ").AppendQuoted(table.Name).Append(" SET ");
            for (int u = 0; u < plan.UpdateSlots.Length; u++)
            {
                if (u > 0) sql.Append(", ");
                sql.AppendQuoted(table.Columns[plan.Cols[plan.UpdateSlots[u]]].Name).Append(" = ?").Append((u + 1).ToString(CultureInfo.InvariantCulture));
            }
            sql.Append(" WHERE ");
            AppendKeyCondition(sql, plan.UpdateSlots.Length + 1);
            return plan.Update = new SqliteRawStatement(_conn!.Handle!, sql.ToString());
        }

        private void AppendKeyCondition(StringBuilder sql, int firstParameter)
        {
            for (int k = 0; k < _key.Length; k++)
            {
                if (k > 0) sql.Append(" AND ");
                sql.AppendQuoted(_table!.Columns[_key[k]].Name).Append(" = ?").Append((firstParameter + k).ToString(CultureInfo.InvariantCulture));
            }
        }

        // ---------------------------------------------------------------- writing

        /// <inheritdoc/>
        public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (batch is null) throw new ArgumentNullException(nameof(batch));
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            _batch++;
            if (batch.Count == 0) return;
            Connection(write: true);
            if (!_tableExists) _tableLoaded = false; // a table designed by PlanBatch is created now
            LoadTable(batch, write: true);
            Begin();
            try
            {
                CheckColumns(batch, write: true);
                if (_options.Mode == CrmWriteMode.Upsert && _key.Length == 0)
                {
                    throw new CrmException("SqliteUpsertNeedsKey", CrmErrorKind.InvalidArgument,
                        $"Upsert into '{TableName}' needs key fields: the table has no primary key and no KeyFields were given.") { Error = { Entity = TableName } };
                }
                bool upsert = _options.Mode == CrmWriteMode.Upsert;
                _images = _options.OnBeforeCommit is null ? null : NewImages();
                for (int r = 0; r < batch.Count; r++)
                {
                    var record = batch[r];
                    var plan = PlanFor(record.Shape);
                    outcomes.Add(upsert ? Upsert(record, plan) : Insert(record, plan));
                    if (r == batch.Count / 2) Util.FaultPoints.Hit("mid-batch", _batch);
                }
                // The way back is kept (by the ledger) before the batch is durable.
                if (_images is { Rows.Count: > 0 }) _options.OnBeforeCommit!(_images);
                _images = null;
                Commit();
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        private CrmRecordOutcome Insert(CrmRecord record, ShapePlan plan)
        {
            if (!Convert(record, plan, portable: false, out string? problem)) return Rejected(record, plan, "ValueConversion", problem!);
            if (!_keyEnforced && _key.Length > 0 && HasKey(plan) && Exists(plan))
            {
                return Rejected(record, plan, "DuplicateKey", $"A record with the key '{KeyText(record, plan)}' already exists in '{TableName}'.");
            }
            var insert = InsertStatement(plan);
            var storage = plan.Storage;
            for (int s = 0; s < storage.Length; s++) insert.Bind(s + 1, storage[s]);
            return Absent(Execute(insert, record, plan, CrmOutcome.Inserted), plan);
        }

        // ---------------------------------------------------------------- before-images

        private RowImageBatch? _images;
        private readonly HashSet<string> _imaged = new(StringComparer.Ordinal);

        private RowImageBatch NewImages()
        {
            var table = _table!;
            var columns = new string[table.Columns.Count];
            for (int c = 0; c < columns.Length; c++) columns[c] = table.Columns[c].Name;
            _imaged.Clear();
            return new RowImageBatch(table.Name, columns, _key);
        }

        /// <summary>After an insert: the row was absent before (undo deletes it by key, or by content without one).</summary>
        private CrmRecordOutcome Absent(CrmRecordOutcome outcome, ShapePlan plan)
        {
            if (_images is null || outcome.Outcome != CrmOutcome.Inserted) return outcome;
            string? key = CanonicalKey(plan);
            if (key is not null && !_imaged.Add(key)) return outcome;
            var values = new object?[_table!.Columns.Count];
            if (key is not null) for (int k = 0; k < _key.Length; k++) values[_key[k]] = plan.Storage[plan.KeySlots[k]];
            else for (int slot = 0; slot < plan.Cols.Length; slot++) values[plan.Cols[slot]] = plan.Storage[slot];
            _images.Rows.Add(new RowImage(key, false, values));
            return outcome;
        }

        /// <summary>Before an update: the stored row as the select read it (the plan's columns, then the others), in storage form.</summary>
        private void Existing(SqliteRawStatement select, ShapePlan plan)
        {
            if (_images is null) return;
            string? key = CanonicalKey(plan);
            if (key is null || !_imaged.Add(key)) return;
            var values = new object?[_table!.Columns.Count];
            for (int s = 0; s < plan.Cols.Length; s++) values[plan.Cols[s]] = select.Column(s);
            for (int e = 0; e < plan.ExtraCols.Length; e++) values[plan.ExtraCols[e]] = select.Column(plan.Cols.Length + e);
            _images.Rows.Add(new RowImage(key, true, values));
        }

        private CrmRecordOutcome Upsert(CrmRecord record, ShapePlan plan)
        {
            if (!Convert(record, plan, portable: true, out string? problem)) return Rejected(record, plan, "ValueConversion", problem!);
            if (!HasKey(plan)) return Rejected(record, plan, "MissingKey", $"The record has no value for the key field(s) of '{TableName}'.");
            var select = SelectStatement(plan);
            for (int k = 0; k < plan.KeySlots.Length; k++) select.Bind(k + 1, plan.Storage[plan.KeySlots[k]]);
            int rc = select.Step();
            if (rc == SqliteSql.SqliteRow)
            {
                bool changed = Differs(select, plan, null);
                if (changed) Existing(select, plan);
                select.Reset();
                if (!changed) return Outcome(record, plan, CrmOutcome.Skipped, false);
                var update = UpdateStatement(plan);
                int p = 1;
                foreach (int s in plan.UpdateSlots) update.Bind(p++, plan.Storage[s]);
                foreach (int s in plan.KeySlots) update.Bind(p++, plan.Storage[s]);
                return Execute(update, record, plan, CrmOutcome.Updated);
            }
            select.Reset();
            if (rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            var insert = InsertStatement(plan);
            for (int s = 0; s < plan.Storage.Length; s++) insert.Bind(s + 1, plan.Storage[s]);
            return Absent(Execute(insert, record, plan, CrmOutcome.Inserted), plan);
        }

        private CrmRecordOutcome Execute(SqliteRawStatement statement, CrmRecord record, ShapePlan plan, CrmOutcome success)
        {
            int rc = statement.Step();
            if (rc == SqliteSql.SqliteDone)
            {
                statement.Reset();
                return Outcome(record, plan, success, false);
            }
            int extended = statement.ExtendedErrorCode;
            string message = statement.ErrorMessage;
            statement.Reset();
            if ((rc & 0xFF) != SqliteSql.SqliteConstraint) throw statement.Failure(rc);
            bool duplicate = extended == SqliteSql.SqliteConstraintPrimaryKey || extended == SqliteSql.SqliteConstraintRowId
                || (extended == SqliteSql.SqliteConstraintUnique && _key.Length > 0 && HasKey(plan) && Exists(plan));
            return duplicate
                ? Rejected(record, plan, "DuplicateKey", $"A record with the key '{KeyText(record, plan)}' already exists in '{TableName}' ({message}).")
                : Rejected(record, plan, "ConstraintViolation", message);
        }

        /// <summary>Converts the mapped values into the plan's buffers; false with a message when one cannot be.</summary>
        private bool Convert(CrmRecord record, ShapePlan plan, bool portable, out string? problem)
        {
            var columns = _table!.Columns;
            int slot = 0;
            try
            {
                for (; slot < plan.Fields.Length; slot++)
                {
                    var column = columns[plan.Cols[slot]];
                    object? value = record.GetValue(plan.Fields[slot]);
                    if (portable)
                    {
                        object? p = SqliteSql.ToPortable(value, column);
                        plan.Portable[slot] = p;
                        plan.Storage[slot] = SqliteSql.ToStorage(p, column);
                    }
                    else
                    {
                        plan.Storage[slot] = SqliteSql.ToStorage(value, column);
                    }
                }
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
            {
                var column = columns[plan.Cols[slot]];
                problem = $"Field '{column.Name}': {ex.Message} (column type {column.DeclaredType}).";
                return false;
            }
            problem = null;
            return true;
        }

        private static bool HasKey(ShapePlan plan)
        {
            if (plan.KeySlots.Length == 0) return false;
            foreach (int s in plan.KeySlots) if (s < 0 || plan.Storage[s] is null) return false;
            return true;
        }

        private bool Exists(ShapePlan plan)
        {
            var select = SelectStatement(plan);
            for (int k = 0; k < plan.KeySlots.Length; k++) select.Bind(k + 1, plan.Storage[plan.KeySlots[k]]);
            int rc = select.Step();
            select.Reset();
            if (rc != SqliteSql.SqliteRow && rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            return rc == SqliteSql.SqliteRow;
        }

        /// <summary>Compares the row under <paramref name="select"/> (or planned values) with the plan's portable values.</summary>
        private bool Differs(SqliteRawStatement? select, ShapePlan plan, object?[]? planned)
        {
            var columns = _table!.Columns;
            for (int s = 0; s < plan.Cols.Length; s++)
            {
                object? existing;
                if (planned is not null)
                {
                    existing = planned[plan.Cols[s]];
                    if (ReferenceEquals(existing, Unknown)) continue;
                }
                else
                {
                    existing = SqliteSql.FromStorage(select!.Column(s), columns[plan.Cols[s]], out _);
                }
                if (!CrmValues.AreEqual(existing, plan.Portable[s])) return true;
            }
            return false;
        }

        /// <summary>The record's key for outcomes: its own key, else the key columns' values.</summary>
        private string? KeyText(CrmRecord record, ShapePlan plan)
        {
            if (record.Key is not null) return record.Key.ToString();
            return CanonicalKey(plan);
        }

        private static string? CanonicalKey(ShapePlan plan)
        {
            if (!HasKey(plan)) return null;
            if (plan.KeySlots.Length == 1) return CrmValues.ToText(plan.Storage[plan.KeySlots[0]]);
            var parts = new string[plan.KeySlots.Length];
            for (int k = 0; k < parts.Length; k++) parts[k] = CrmValues.ToText(plan.Storage[plan.KeySlots[k]]) ?? "";
            return new CrmKey(parts).ToString();
        }

        private CrmRecordOutcome Outcome(CrmRecord record, ShapePlan plan, CrmOutcome outcome, bool whatIf) =>
            new CrmRecordOutcome(TableName, KeyText(record, plan), outcome) { Batch = _batch, Origin = record.Origin, WhatIf = whatIf };

        private CrmRecordOutcome Rejected(CrmRecord record, ShapePlan plan, string reason, string message)
        {
            var o = Outcome(record, plan, CrmOutcome.Rejected, false);
            o.ReasonCode = reason;
            o.Message = message;
            return o;
        }

        // ---------------------------------------------------------------- planning

        /// <inheritdoc/>
        public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (batch is null) throw new ArgumentNullException(nameof(batch));
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            _batch++;
            if (batch.Count == 0) return;
            LoadTable(batch, write: false);
            CheckColumns(batch, write: false);
            bool upsert = _options.Mode == CrmWriteMode.Upsert;
            if (upsert && _key.Length == 0)
            {
                throw new CrmException("SqliteUpsertNeedsKey", CrmErrorKind.InvalidArgument,
                    $"Upsert into '{TableName}' needs key fields: the table has no primary key and no KeyFields were given.") { Error = { Entity = TableName } };
            }
            _planned ??= new Dictionary<string, object?[]>(StringComparer.Ordinal);
            foreach (var record in batch)
            {
                var plan = PlanFor(record.Shape);
                var o = PlanOne(record, plan, upsert);
                o.WhatIf = true;
                outcomes.Add(o);
            }
        }

        private CrmRecordOutcome PlanOne(CrmRecord record, ShapePlan plan, bool upsert)
        {
            if (!Convert(record, plan, portable: true, out string? problem)) return Rejected(record, plan, "ValueConversion", problem!);
            var columns = _table!.Columns;
            for (int s = 0; s < plan.Cols.Length; s++)
            {
                var col = columns[plan.Cols[s]];
                bool rowidAlias = _table.PrimaryKey.Length == 1 && _table.PrimaryKey[0] == plan.Cols[s] && string.Equals(col.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase);
                if (col.NotNull && plan.Storage[s] is null && !rowidAlias)
                {
                    return Rejected(record, plan, "ConstraintViolation", $"NOT NULL constraint failed: {TableName}.{col.Name}");
                }
            }
            if (plan.MissingRequired is not null)
            {
                return Rejected(record, plan, "ConstraintViolation", $"NOT NULL constraint failed: {TableName}.{plan.MissingRequired}");
            }
            string? key = _key.Length > 0 ? CanonicalKey(plan) : null;
            if (upsert && key is null) return Rejected(record, plan, "MissingKey", $"The record has no value for the key field(s) of '{TableName}'.");
            if (key is null) return Outcome(record, plan, CrmOutcome.Inserted, true);

            if (_planned!.TryGetValue(key, out var planned))
            {
                if (!upsert) return Rejected(record, plan, "DuplicateKey", $"A record with the key '{KeyText(record, plan)}' already exists in '{TableName}'.");
                if (!Differs(null, plan, planned)) return Outcome(record, plan, CrmOutcome.Skipped, true);
                Remember(plan, planned);
                return Outcome(record, plan, CrmOutcome.Updated, true);
            }
            if (_tableExists)
            {
                var select = SelectStatement(plan);
                for (int k = 0; k < plan.KeySlots.Length; k++) select.Bind(k + 1, plan.Storage[plan.KeySlots[k]]);
                int rc = select.Step();
                if (rc == SqliteSql.SqliteRow)
                {
                    if (!upsert)
                    {
                        select.Reset();
                        return Rejected(record, plan, "DuplicateKey", $"A record with the key '{KeyText(record, plan)}' already exists in '{TableName}'.");
                    }
                    bool changed = Differs(select, plan, null);
                    select.Reset();
                    if (!changed) return Outcome(record, plan, CrmOutcome.Skipped, true);
                    var values = NewPlanned();
                    Remember(plan, values);
                    _planned[key] = values;
                    return Outcome(record, plan, CrmOutcome.Updated, true);
                }
                select.Reset();
                if (rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            }
            var inserted = NewPlanned();
            Remember(plan, inserted);
            _planned[key] = inserted;
            return Outcome(record, plan, CrmOutcome.Inserted, true);
        }

        private object?[] NewPlanned()
        {
            var values = new object?[_table!.Columns.Count];
            Array.Fill(values, Unknown);
            return values;
        }

        private static void Remember(ShapePlan plan, object?[] values)
        {
            for (int s = 0; s < plan.Cols.Length; s++) values[plan.Cols[s]] = plan.Portable[s];
        }

        // ---------------------------------------------------------------- transactions

        private void Begin()
        {
            if (_inTransaction) return;
            _begin!.Run();
            _inTransaction = true;
        }

        private void Commit()
        {
            if (!_inTransaction) return;
            _commit!.Run();
            _inTransaction = false;
        }

        private void Rollback()
        {
            if (!_inTransaction) return;
            _inTransaction = false;
            try { _rollback!.Run(); }
            catch (CrmException) { /* SQLite may already have rolled back (e.g. after an I/O error). */ }
            // DDL of the batch is undone too: read the table again next time.
            _tableLoaded = false;
            _table = null;
            ClearPlans();
        }

        /// <inheritdoc/>
        public void Complete()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Commit();
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            Rollback();
            ClearPlans();
            _begin?.Dispose();
            _commit?.Dispose();
            _rollback?.Dispose();
            _conn?.Dispose();
            _conn = null;
            _disposed = true;
        }
    }
}
