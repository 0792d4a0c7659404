using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// Writes one PostgreSQL or MySQL table in batches, one transaction per batch.
    /// <list type="bullet">
    /// <item>Insert: large multi-row INSERT statements; when one fails on a row's data, the batch goes
    /// again row by row, each in a savepoint, so every record gets its own outcome.</item>
    /// <item>Upsert: the batch's keys are looked up first, so unchanged records are Skipped and never
    /// written; the rest go in one INSERT ... ON CONFLICT DO UPDATE (PostgreSQL) or
    /// INSERT ... ON DUPLICATE KEY UPDATE (MySQL), with the same row-by-row fallback.</item>
    /// <item>Rejected reason codes: DuplicateKey, ConstraintViolation, ValueConversion, MissingKey.</item>
    /// <item>Transient failures (lost connection, deadlock, lock timeout) repeat the whole batch with
    /// bounded exponential backoff.</item>
    /// </list>
    /// </summary>
    internal sealed partial class DbEntityWriter : Relational.RelationalEntityWriter<DbTableInfo, Relational.WriterShape>
    {
        private const int MaxParameters = 60000;
        private const int MaxRowsPerStatement = 1000;

        private readonly DbProvider _provider;
        private readonly DbDialect _dialect;
        private DbConnection? _conn;

        public DbEntityWriter(DbProvider provider, string entity, CrmWriteOptions options)
            : base(provider, provider.Connection, entity, options, "Db")
        {
            _provider = provider;
            _dialect = provider.Dialect;
        }

        /// <inheritdoc/>
        protected override string TargetName => _provider.Connection.DisplayName;

        private sealed class Row
        {
            public Row(CrmRecord record, Relational.WriterShape plan)
            {
                Record = record;
                Plan = plan;
                Values = new object?[plan.Cols.Length];
            }

            public CrmRecord Record { get; }
            public Relational.WriterShape Plan { get; }
            /// <summary>Portable values, parallel to the plan's columns.</summary>
            public object?[] Values { get; }
            public string? Key { get; set; }
            /// <summary>Key not computed yet (inserts into an enforced key need it only when a row fails).</summary>
            public bool KeyPending { get; set; }
            public CrmOutcome Intended { get; set; } = CrmOutcome.Inserted;
            public CrmRecordOutcome? Outcome { get; set; }
        }

        // ---------------------------------------------------------------- connection and table

        private DbConnection Conn()
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (_conn is { State: ConnectionState.Open }) return _conn;
            _conn?.Dispose();
            _conn = _provider.OpenConnection("TargetConnectionFailed", writer: true);
            return _conn;
        }

        /// <inheritdoc/>
        protected override DbTableInfo? ReadTable(bool write) => _dialect.LoadTable(Conn(), _provider.Schema, Entity);

        /// <inheritdoc/>
        protected override DbTableInfo StandIn(CrmEntitySchema design)
        {
            var columns = new List<DbColumn>();
            foreach (var f in design.Fields)
            {
                if (f.IsAnnotation) continue;
                bool isKey = false;
                foreach (var k in design.Key) isKey |= string.Equals(k, f.Name, StringComparison.OrdinalIgnoreCase);
                var field = f.CopyAs(f.Name);
                if (isKey) field.Nullable = false;
                columns.Add(new DbColumn(field, field.Type.ToString()));
            }
            var table = new DbTableInfo(_provider.Schema, Entity, false, columns);
            var pk = new List<int>();
            foreach (var k in design.Key) pk.Add(table.IndexOf(k));
            table.PrimaryKey = pk.ToArray();
            return table;
        }

        /// <inheritdoc/>
        protected override bool IsKeyEnforced(DbTableInfo table, int[] key, bool designed) => designed ? key.Length > 0 : table.IsEnforcedKey(key);

        /// <inheritdoc/>
        protected override string AddColumnSql(string table, CrmFieldSchema field) => _provider.Scripter.AddColumn(table, field);

        /// <inheritdoc/>
        protected override void RunDdl(string sql) => Execute(sql, null);

        /// <inheritdoc/>
        protected override DbTableInfo ReloadTable(DbTableInfo table) => _dialect.LoadTable(Conn(), _provider.Schema, table.Name) ?? table;

        /// <inheritdoc/>
        protected override Relational.WriterShape NewPlan(CrmFieldShape shape, int[] fields, int[] cols)
        {
            var plan = new Relational.WriterShape(shape, fields, cols, Key);
            // Key columns the server numbers when given no value (AUTO_INCREMENT, identity, serial). MariaDB would not refuse a row
            // without one but number it, giving the record a key its source never had and taking one a later record may hold: such a
            // row is refused as MissingKey on every engine, as the SQLite writer refuses a row without its rowid key.
            var numbered = new List<int>();
            foreach (int slot in plan.KeySlots) if (slot >= 0 && Table!.Columns[cols[slot]].Field.AutoIncrement) numbered.Add(slot);
            plan.NumberedKeySlots = numbered.ToArray();
            return plan;
        }

        private void Execute(string sql, DbTransaction? tx)
        {
            using var cmd = Conn().CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        // ---------------------------------------------------------------- preparing rows

        private List<Row> Prepare(IReadOnlyList<CrmRecord> batch, bool upsert, bool needKeys = true)
        {
            var rows = new List<Row>(batch.Count);
            var columns = Table!.Columns;
            foreach (var record in batch)
            {
                var row = new Row(record, PlanFor(record.Shape));
                rows.Add(row);
                int slot = 0;
                try
                {
                    for (; slot < row.Values.Length; slot++)
                    {
                        object? value = _dialect.Portable(record.GetValue(row.Plan.Fields[slot]), columns[row.Plan.Cols[slot]]);
                        // Text that is not valid UTF-16 has no UTF-8 form: refused here, not by the driver in the middle of a batch.
                        if (value is string text) DbDialect.CheckUtf16(text);
                        row.Values[slot] = value;
                    }
                }
                catch (Exception ex) when (IsConversionError(ex))
                {
                    var column = columns[row.Plan.Cols[slot]];
                    row.Outcome = Rejected(row, "ValueConversion", ConversionMessage(column.Name, column.DeclaredType, ex));
                    continue;
                }
                if (!upsert && row.Plan.LacksNumberedKey(row.Values))
                {
                    row.Outcome = MissingKey(row.Record, KeyOf(row));
                    continue;
                }
                if (!needKeys && !upsert && row.Record.Key is not null) { row.KeyPending = true; continue; }
                row.Key = KeyOf(row);
                if (upsert && row.Key is null) row.Outcome = MissingKey(row.Record, row.Key);
            }
            return rows;
        }

        private string? KeyFor(Row row)
        {
            if (row.KeyPending)
            {
                row.Key = KeyOf(row);
                row.KeyPending = false;
            }
            return row.Key;
        }

        private string? KeyOf(Row row) => KeyOfValues(row.Plan, row.Values);

        /// <summary>The key text of a row's portable values (parallel to the plan's columns), or null when a key column has none.</summary>
        private string? KeyOfValues(Relational.WriterShape plan, object?[] values)
        {
            if (Key.Length == 0) return null;
            // The plan knows where each key column sits (a plan made for this key); else it is looked up.
            int[]? slots = plan.KeySlots.Length == Key.Length ? plan.KeySlots : null;
            if (Key.Length == 1)
            {
                int one = slots?[0] ?? Array.IndexOf(plan.Cols, Key[0]);
                if (one < 0 || values[one] is not { } value) return null;
                return CrmKey.TextOf(CrmValues.ToText(value)!);
            }
            var parts = new string[Key.Length];
            for (int k = 0; k < Key.Length; k++)
            {
                int slot = slots?[k] ?? Array.IndexOf(plan.Cols, Key[k]);
                if (slot < 0 || values[slot] is null) return null;
                parts[k] = CrmValues.ToText(values[slot])!;
            }
            return new CrmKey(parts).ToString();
        }

        private CrmRecordOutcome Outcome(Row row, CrmOutcome outcome) => Outcome(row.Record, row.Key, outcome);

        private CrmRecordOutcome Rejected(Row row, string reason, string message) => Rejected(row.Record, row.Key, reason, message);

        /// <summary>The stored rows for the given keys, as portable values by column position.</summary>
        private Dictionary<string, object?[]> FetchExisting(List<string> keys, List<object?[]> keyValues, DbTransaction? tx)
        {
            var result = new Dictionary<string, object?[]>(StringComparer.Ordinal);
            if (keys.Count == 0 || !TableExists) return result;
            var table = Table!;
            int chunk = Math.Max(1, Math.Min(MaxRowsPerStatement, MaxParameters / Key.Length));
            for (int start = 0; start < keys.Count; start += chunk)
            {
                int end = Math.Min(keys.Count, start + chunk);
                using var cmd = Conn().CreateCommand();
                cmd.Transaction = tx;
                var sql = new StringBuilder("SELECT ");
                for (int i = 0; i < table.Columns.Count; i++) { if (i > 0) sql.Append(", "); sql.Append(_dialect.SelectExpression(table.Columns[i])); }
                sql.Append(" FROM ").Append(_provider.QualifiedName(table)).Append(" WHERE ");
                if (Key.Length > 1) sql.Append('(');
                for (int k = 0; k < Key.Length; k++) { if (k > 0) sql.Append(", "); sql.Append(_dialect.Quote(table.Columns[Key[k]].Name)); }
                if (Key.Length > 1) sql.Append(')');
                sql.Append(" IN (");
                int p = 0;
                for (int r = start; r < end; r++)
                {
                    if (r > start) sql.Append(", ");
                    if (Key.Length > 1) sql.Append('(');
                    for (int k = 0; k < Key.Length; k++)
                    {
                        if (k > 0) sql.Append(", ");
                        var column = table.Columns[Key[k]];
                        sql.Append(_dialect.ValueExpression(_dialect.Placeholder(p++), column));
                        AddPositional(cmd, _dialect.ToDb(keyValues[r][k], column));
                    }
                    if (Key.Length > 1) sql.Append(')');
                }
                sql.Append(')');
                cmd.CommandText = sql.ToString();
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var values = new object?[table.Columns.Count];
                    for (int i = 0; i < values.Length; i++) values[i] = _dialect.Read(reader, i, table.Columns[i]);
                    var parts = new string[Key.Length];
                    for (int k = 0; k < Key.Length; k++) parts[k] = CrmValues.ToText(values[Key[k]]) ?? "";
                    result[new CrmKey(parts).ToString()] = values;
                }
            }
            return result;
        }

        private static void AddPositional(DbCommand cmd, object value) => DbDialect.AddParameter(cmd, null, value);

        private static void AddParameter(DbCommand cmd, string name, object value) => DbDialect.AddParameter(cmd, name, value);

        /// <summary>While a batch is written with before-images wanted: the stored rows its keys found, as they were before the batch.</summary>
        private Dictionary<string, object?[]>? _befores;

        /// <summary>Sets Intended (Inserted, Updated or Skipped) for rows without an outcome, from the stored rows and earlier rows of the batch.</summary>
        private void Classify(List<Row> rows, bool upsert, Dictionary<string, object?[]> seen, DbTransaction? tx)
        {
            var keys = new List<string>();
            var keyValues = new List<object?[]>();
            var asked = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (row.Outcome is not null || row.Key is null || seen.ContainsKey(row.Key) || !asked.Add(row.Key)) continue;
                var kv = new object?[Key.Length];
                for (int k = 0; k < Key.Length; k++) kv[k] = row.Values[Array.IndexOf(row.Plan.Cols, Key[k])];
                keys.Add(row.Key);
                keyValues.Add(kv);
            }
            var existing = FetchExisting(keys, keyValues, tx);
            foreach (var row in rows)
            {
                if (row.Outcome is not null || row.Key is null) continue;
                if (!seen.TryGetValue(row.Key, out var stored) && existing.TryGetValue(row.Key, out stored))
                {
                    seen[row.Key] = stored;
                    // The row as the target held it, before this batch's rows change the remembered values.
                    _befores?.TryAdd(row.Key, (object?[])stored.Clone());
                }
                if (stored is null)
                {
                    row.Intended = CrmOutcome.Inserted;
                    var values = NewPlanned();
                    Remember(row.Plan, row.Values, values);
                    seen[row.Key] = values;
                    continue;
                }
                if (!upsert)
                {
                    row.Outcome = DuplicateKey(row.Record, row.Key);
                    continue;
                }
                row.Intended = DiffersFrom(row.Plan, row.Values, stored) ? CrmOutcome.Updated : CrmOutcome.Skipped;
                Remember(row.Plan, row.Values, stored);
            }
        }

        // ---------------------------------------------------------------- writing

        /// <inheritdoc/>
        protected override void WriteRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert)
        {
            var result = Retry.Run(_dialect, () =>
            {
                try
                {
                    LoadTable(batch, write: true);
                    CheckColumns(batch, write: true);
                    RequireUpsertKey();
                    return WriteOnce(batch, upsert);
                }
                catch (Exception ex) when (ex is DbException or InvalidOperationException && !_dialect.IsTransient(ex))
                {
                    throw new CrmException("TargetWriteFailed", CrmErrorKind.WriteError,
                        $"Writing '{TableName}' to {_provider.Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, _provider.Connection.GetCredential())}", ex) { Error = { Entity = TableName } };
                }
            }, _provider.Cancellation, ex => _provider.ConnectionFailed("TargetConnectionFailed", ex));
            outcomes.AddRange(result);
        }

        private List<CrmRecordOutcome> WriteOnce(IReadOnlyList<CrmRecord> batch, bool upsert)
        {
            var conn = Conn();
            using var tx = conn.BeginTransaction();
            _befores = Options.OnBeforeCommit is null ? null : new Dictionary<string, object?[]>(StringComparer.Ordinal);
            var rows = Prepare(batch, upsert, needKeys: upsert || !KeyEnforced);
            if (upsert || !KeyEnforced) Classify(rows, upsert, new Dictionary<string, object?[]>(StringComparer.Ordinal), tx);
            var toWrite = new List<Row>();
            foreach (var row in rows)
            {
                if (row.Outcome is null && row.Intended != CrmOutcome.Skipped) toWrite.Add(row);
            }
            bool useUpsertStatement = upsert && KeyEnforced;
            if (toWrite.Count > 0)
            {
                tx.Save("crm_batch");
                try
                {
                    if (!upsert && _dialect is PgDialect && TryCopy(toWrite, tx)) { }
                    else if (!upsert && _dialect is MySqlDialect && TryBulkLoad(toWrite, tx)) { }
                    else WriteRows(toWrite, tx, useUpsertStatement);
                    tx.Release("crm_batch");
                }
                catch (Exception ex) when (ex is DbException db ? _dialect.IsRowError(db, out _) || (_copied && !_dialect.IsTransient(ex)) : _copied && ex is FormatException or InvalidCastException or OverflowException or ArgumentException or InvalidOperationException && !_dialect.IsTransient(ex))
                {
                    tx.Rollback("crm_batch");
                    foreach (var row in toWrite) WriteOneRow(row, tx, useUpsertStatement);
                }
                finally
                {
                    _copied = false;
                }
            }
            // The way back is kept (by the ledger) before the batch is durable.
            if (Options.OnBeforeCommit is { } keep && toWrite.Count > 0) keep(Images(toWrite));
            _befores = null;
            tx.Commit();
            var result = new List<CrmRecordOutcome>(rows.Count);
            foreach (var row in rows) result.Add(row.Outcome ?? Outcome(row, row.Intended));
            return result;
        }

        private bool _copied;

        /// <summary>Images of the rows the batch wrote: absent before (inserted) or as stored (updated), each key once.</summary>
        private RowImageBatch Images(List<Row> written)
        {
            var images = NewImages();
            var seen = new HashSet<string>(written.Count, StringComparer.Ordinal);
            foreach (var row in written)
            {
                if (row.Outcome is not null || row.Intended is not (CrmOutcome.Inserted or CrmOutcome.Updated)) continue;
                string? key = KeyFor(row);
                if (key is not null && !seen.Add(key)) continue;
                if (key is not null && _befores is not null && _befores.TryGetValue(key, out var before))
                {
                    images.Rows.Add(new RowImage(key, true, before));
                    continue;
                }
                // Without a key (a table without one, or a key the database numbers itself) the row is found again by its content.
                images.Rows.Add(AbsentImage(key, row.Plan, row.Values));
            }
            return images;
        }

        /// <summary>Batches that went through the bulk path (binary COPY or LOAD DATA) rather than INSERT statements.</summary>
        internal int BulkBatches { get; private set; }

        /// <summary>PostgreSQL inserts of one field shape go through binary COPY; false when the batch does not fit that path.</summary>
        private bool TryCopy(List<Row> rows, DbTransaction tx)
        {
            var plan = rows[0].Plan;
            if (rows.Count < 2) return false;
            foreach (var row in rows) if (!ReferenceEquals(row.Plan, plan)) return false;
            var columns = new List<DbColumn>(plan.Cols.Length);
            foreach (int c in plan.Cols) columns.Add(Table!.Columns[c]);
            if (columns.Count == 0 || !PgCopy.CanCopy(columns)) return false;
            var values = new List<object?[]>(rows.Count);
            foreach (var row in rows) values.Add(row.Values);
            _copied = true;
            _bulkBuffer ??= new BulkBuffer();
            try
            {
                PgCopy.Insert((Npgsql.NpgsqlConnection)Conn(), _provider.QualifiedName(Table!), columns, values, _dialect.Quote, _bulkBuffer);
            }
            finally
            {
                if (_bulkBuffer.Bytes.Length > 1 << 24) _bulkBuffer = null;
            }
            BulkBatches++;
            return true;
        }

        /// <summary>The bulk path's batch buffer (COPY rows or LOAD DATA text), kept from batch to batch unless it grew past 16 MB.</summary>
        private BulkBuffer? _bulkBuffer;
        private bool? _localInfile;

        /// <summary>
        /// MySQL/MariaDB inserts of one field shape go through LOAD DATA LOCAL INFILE from memory. False
        /// (nothing written: rolled back to the batch savepoint) when the batch does not fit that path or
        /// the server skipped or changed a row (a duplicate, a value it had to convert), so the caller
        /// writes it with INSERT statements, which report each record.
        /// </summary>
        private bool TryBulkLoad(List<Row> rows, DbTransaction tx)
        {
            var plan = rows[0].Plan;
            if (rows.Count < 2) return false;
            foreach (var row in rows) if (!ReferenceEquals(row.Plan, plan)) return false;
            var columns = new List<DbColumn>(plan.Cols.Length);
            foreach (int c in plan.Cols) columns.Add(Table!.Columns[c]);
            if (columns.Count == 0 || !MySqlBulk.CanLoad(columns)) return false;
            var conn = (MySqlConnector.MySqlConnection)Conn();
            if (!LocalInfile(conn, tx)) return false;
            var values = new List<object?[]>(rows.Count);
            foreach (var row in rows) values.Add(row.Values);
            _bulkBuffer ??= new BulkBuffer();
            try
            {
                MySqlBulk.Format(_bulkBuffer, columns, values);
            }
            catch (FormatException)
            {
                return false;
            }
            int loaded;
            long warnings;
            try
            {
                (loaded, warnings) = MySqlBulk.Load(conn, (MySqlConnector.MySqlTransaction)tx, _provider.QualifiedName(Table!), columns, _bulkBuffer, _dialect.Quote);
            }
            catch (MySqlConnector.MySqlException ex) when (!_dialect.IsTransient(ex))
            {
                // Refused (local_infile off, LOAD DATA not allowed) or a row the server would not take.
                if (ex.ErrorCode is MySqlConnector.MySqlErrorCode.NotAllowedCommand) _localInfile = false;
                tx.Rollback("crm_batch");
                tx.Save("crm_batch");
                return false;
            }
            finally
            {
                if (_bulkBuffer.Bytes.Length > 1 << 24) _bulkBuffer = null;
            }
            if (loaded == rows.Count && warnings == 0)
            {
                BulkBatches++;
                return true;
            }
            tx.Rollback("crm_batch");
            tx.Save("crm_batch");
            return false;
        }

        /// <summary>Whether the server takes LOAD DATA LOCAL (asked once).</summary>
        private bool LocalInfile(MySqlConnector.MySqlConnection conn, DbTransaction tx)
        {
            if (_localInfile is null)
            {
                using var cmd = conn.CreateCommand();
                cmd.Transaction = (MySqlConnector.MySqlTransaction)tx;
                cmd.CommandText = "SELECT @@local_infile";
                object? on = cmd.ExecuteScalar();
                _localInfile = on is not null and not DBNull && (on is string text ? text.Equals("ON", StringComparison.OrdinalIgnoreCase) || text == "1" : Convert.ToInt64(on, CultureInfo.InvariantCulture) != 0);
            }
            return _localInfile == true;
        }

        private void WriteOneRow(Row row, DbTransaction tx, bool useUpsertStatement)
        {
            tx.Save("crm_row");
            try
            {
                WriteRows(new List<Row>(1) { row }, tx, useUpsertStatement);
                tx.Release("crm_row");
            }
            catch (DbException ex) when (_dialect.IsRowError(ex, out bool valueError))
            {
                tx.Rollback("crm_row");
                string message = DbDialect.SafeMessage(ex, _provider.Connection.GetCredential());
                if (_dialect.IsDuplicate(ex) && KeyFor(row) is not null && KeyIsStored(row, tx))
                {
                    row.Outcome = Rejected(row, "DuplicateKey", $"A record with the key '{row.Record.Key?.ToString() ?? row.Key}' already exists in '{TableName}' ({message}).");
                }
                else
                {
                    row.Outcome = Rejected(row, valueError ? "ValueConversion" : "ConstraintViolation", message);
                }
            }
        }

        private bool KeyIsStored(Row row, DbTransaction tx)
        {
            if (!Table!.IsEnforcedKey(Key)) return false;
            var kv = new object?[Key.Length];
            for (int k = 0; k < Key.Length; k++) kv[k] = row.Values[Array.IndexOf(row.Plan.Cols, Key[k])];
            return FetchExisting(new List<string> { row.Key! }, new List<object?[]> { kv }, tx).Count > 0;
        }

        /// <summary>Writes rows with multi-row statements, grouped by field shape and chunked by parameter count.</summary>
        private void WriteRows(List<Row> rows, DbTransaction tx, bool useUpsertStatement)
        {
            if (Options.Mode == CrmWriteMode.Upsert && !KeyEnforced)
            {
                // Key fields the server does not enforce (no primary or unique key on them): the
                // classification already knows which rows exist, so those are UPDATEd by key.
                var inserts = new List<Row>(rows.Count);
                foreach (var row in rows)
                {
                    if (row.Intended == CrmOutcome.Updated) UpdateRow(row, tx);
                    else inserts.Add(row);
                }
                rows = inserts;
            }
            int i = 0;
            while (i < rows.Count)
            {
                var plan = rows[i].Plan;
                int width = Math.Max(1, plan.Cols.Length);
                int max = Math.Max(1, Math.Min(MaxRowsPerStatement, MaxParameters / width));
                int j = i;
                while (j < rows.Count && ReferenceEquals(rows[j].Plan, plan) && j - i < max) j++;
                WriteStatement(rows, i, j, tx, useUpsertStatement);
                i = j;
            }
        }

        private void UpdateRow(Row row, DbTransaction tx)
        {
            var table = Table!;
            using var cmd = Conn().CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder("UPDATE ").Append(_provider.QualifiedName(table)).Append(" SET ");
            int p = 0;
            bool any = false;
            for (int s = 0; s < row.Plan.Cols.Length; s++)
            {
                int c = row.Plan.Cols[s];
                if (Array.IndexOf(Key, c) >= 0) continue;
                var column = table.Columns[c];
                string name = "@u" + (p++).ToString(CultureInfo.InvariantCulture);
                sql.Append(any ? ", " : "").Append(_dialect.Quote(column.Name)).Append(" = ").Append(_dialect.ValueExpression(name, column));
                AddParameter(cmd, name, _dialect.ToDb(row.Values[s], column));
                any = true;
            }
            if (!any) return;
            sql.Append(" WHERE ");
            for (int k = 0; k < Key.Length; k++)
            {
                var column = table.Columns[Key[k]];
                string name = "@u" + (p++).ToString(CultureInfo.InvariantCulture);
                sql.Append(k > 0 ? " AND " : "").Append(_dialect.Quote(column.Name)).Append(" = ").Append(_dialect.ValueExpression(name, column));
                AddParameter(cmd, name, _dialect.ToDb(row.Values[Array.IndexOf(row.Plan.Cols, Key[k])], column));
            }
            cmd.CommandText = sql.ToString();
            cmd.ExecuteNonQuery();
        }

        private void WriteStatement(List<Row> rows, int start, int end, DbTransaction tx, bool useUpsertStatement)
        {
            var table = Table!;
            var plan = rows[start].Plan;
            var columns = new List<DbColumn>(plan.Cols.Length);
            foreach (int c in plan.Cols) columns.Add(table.Columns[c]);
            using var cmd = Conn().CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder("INSERT INTO ").Append(_provider.QualifiedName(table)).Append(" (");
            for (int c = 0; c < columns.Count; c++) { if (c > 0) sql.Append(", "); sql.Append(_dialect.Quote(columns[c].Name)); }
            sql.Append(") VALUES ");
            int p = 0;
            // Unnamed parameters bound by position ($n for Npgsql, ? for MySqlConnector): no names to build
            // and look up, and Npgsql sends the statement as it is instead of rewriting named parameters,
            // which is most of the client's work in a statement with thousands of values.
            for (int r = start; r < end; r++)
            {
                if (r > start) sql.Append(", ");
                sql.Append('(');
                var values = rows[r].Values;
                for (int c = 0; c < columns.Count; c++)
                {
                    if (c > 0) sql.Append(", ");
                    sql.Append(_dialect.ValueExpression(_dialect.Placeholder(p++), columns[c]));
                    AddPositional(cmd, _dialect.ToDb(values[c], columns[c]));
                }
                sql.Append(')');
            }
            if (useUpsertStatement)
            {
                var key = new List<DbColumn>(Key.Length);
                foreach (int k in Key) key.Add(table.Columns[k]);
                _dialect.AppendUpsert(sql, columns, key);
            }
            cmd.CommandText = sql.ToString();
            cmd.ExecuteNonQuery();
        }

        // ---------------------------------------------------------------- planning

        /// <inheritdoc/>
        protected override void PlanRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert)
        {
            var rows = Prepare(batch, upsert);
            foreach (var row in rows)
            {
                if (row.Outcome is not null) continue;
                for (int s = 0; s < row.Values.Length; s++)
                {
                    var col = Table!.Columns[row.Plan.Cols[s]];
                    if (!col.Nullable && row.Values[s] is null)
                    {
                        row.Outcome = Rejected(row, "ConstraintViolation", $"The column '{col.Name}' of '{TableName}' does not allow nulls.");
                        break;
                    }
                }
            }
            try
            {
                Classify(rows, upsert, Planned!, null);
            }
            catch (DbException ex)
            {
                throw new CrmException("TargetReadFailed", CrmErrorKind.ConnectionError,
                    $"Planning '{TableName}' on {_provider.Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, _provider.Connection.GetCredential())}", ex) { Error = { Entity = TableName } };
            }
            foreach (var row in rows)
            {
                var o = row.Outcome ?? Outcome(row, row.Intended);
                o.WhatIf = true;
                outcomes.Add(o);
            }
        }

        /// <inheritdoc/>
        public override void Complete()
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
        }

        /// <inheritdoc/>
        protected override void Release()
        {
            _conn?.Dispose();
            _conn = null;
        }
    }
}
