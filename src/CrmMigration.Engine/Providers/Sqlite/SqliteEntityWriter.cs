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
    /// Writes one SQLite table in batches, one transaction per <see cref="ICrmEntityWriter.WriteBatch"/>.
    /// <list type="bullet">
    /// <item>A missing table is created (when <see cref="CrmWriteOptions.CreateIfMissing"/>) through the provider's
    /// schema scripter from <see cref="CrmWriteOptions.Schema"/>, or with column types inferred from the first batch.</item>
    /// <item>A record bringing a field the table lacks stops the batch (TargetFieldsMissing) unless
    /// <see cref="CrmWriteOptions.AddColumns"/> asks for the column (ALTER TABLE ADD COLUMN, typed from the batch's
    /// values, inside the batch's transaction); <see cref="ICrmEntityWriter.PlanBatch"/> never alters.</item>
    /// <item>Rejected reason codes: DuplicateKey, ConstraintViolation (NOT NULL, CHECK, UNIQUE,
    /// FOREIGN KEY; message from SQLite), ValueConversion (a value not convertible to the column's
    /// type), MissingKey (upsert without a key value).</item>
    /// </list>
    /// A refused row never sinks the batch: SQLite undoes only the failing statement.
    /// </summary>
    internal sealed partial class SqliteEntityWriter : Relational.RelationalEntityWriter<SqliteTableInfo, SqliteEntityWriter.ShapePlan>
    {
        private readonly SqliteProvider _provider;
        private SqliteConnection? _conn;
        private bool _writeReady;
        private SqliteRawStatement? _begin, _commit, _rollback;
        private bool _inTransaction;
        private WalCheckpointer? _checkpointer;

        /// <summary>Whether a writer's log is copied into its file on another thread (<see cref="WalCheckpointer"/>); CRMMIGRATION_WAL_ASIDE=0 lets the writer checkpoint itself, to compare.</summary>
        internal static bool CheckpointsAside { get; set; } = Environment.GetEnvironmentVariable("CRMMIGRATION_WAL_ASIDE") != "0";

        public SqliteEntityWriter(SqliteProvider provider, string entity, CrmWriteOptions options)
            : base(provider, provider.Connection, entity, options, "Sqlite")
        {
            _provider = provider;
        }

        /// <inheritdoc/>
        protected override string TargetName => "'" + _provider.Connection.DisplayName + "'";

        // ---------------------------------------------------------------- connection and table

        private SqliteConnection? Connection(bool write)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (_conn is null)
            {
                if (!write && !File.Exists(_provider.FullPath)) return null;
                _conn = SqliteSql.Open(_provider.FullPath, write: true);
            }
            if (write) _provider.Wrote = true;
            if (write && !_writeReady)
            {
                bool wal;
                using (var cmd = _conn.CreateCommand())
                {
                    cmd.CommandText = "PRAGMA journal_mode=WAL";
                    wal = string.Equals(cmd.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase);
                }
                SqliteSql.Execute(_conn, "PRAGMA synchronous=NORMAL");
                SqliteSql.Execute(_conn, "PRAGMA busy_timeout=2000"); // wait a little for another writer; then the import retries the batch
                SqliteSql.Execute(_conn, "PRAGMA temp_store=MEMORY");
                SqliteSql.Execute(_conn, "PRAGMA cache_size=-8192"); // 8 MB: rows arrive in batches, mostly appended, and the OS caches the file; 64 MB only raised the peak (issue 15)
                SqliteSql.Execute(_conn, _provider.ForeignKeysEnforced && Options.EnforceForeignKeys != false ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
                if (wal && CheckpointsAside)
                {
                    // A second connection that cannot be opened leaves the checkpoints to this one, as SQLite makes them by default.
                    try
                    {
                        _checkpointer = new WalCheckpointer(_provider.FullPath);
                        SqliteSql.Execute(_conn, "PRAGMA wal_autocheckpoint=0");
                    }
                    catch (Exception ex) when (ex is SqliteException or CrmException or IOException or UnauthorizedAccessException)
                    {
                        _checkpointer?.Dispose();
                        _checkpointer = null;
                    }
                }
                var db = _conn.Handle!;
                _begin = new SqliteRawStatement(db, "BEGIN IMMEDIATE");
                _commit = new SqliteRawStatement(db, "COMMIT");
                _rollback = new SqliteRawStatement(db, "ROLLBACK");
                _writeReady = true;
            }
            return _conn;
        }

        /// <inheritdoc/>
        protected override SqliteTableInfo? ReadTable(bool write)
        {
            var conn = Connection(write);
            return conn is null ? null : SqliteCatalog.Load(conn, Entity);
        }

        /// <inheritdoc/>
        protected override void Created(CrmEntitySchema design)
        {
            // Foreign keys declared from the source's schema: its records load as they are (checked after the data).
            if (design.Relations.Count > 0 && !_inTransaction) SqliteSql.Execute(_conn!, "PRAGMA foreign_keys=OFF");
        }

        /// <inheritdoc/>
        protected override SqliteTableInfo StandIn(CrmEntitySchema design)
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

        /// <inheritdoc/>
        protected override bool IsKeyEnforced(SqliteTableInfo table, int[] key, bool designed) => key.Length > 0 && SameSet(key, table.PrimaryKey);

        private static bool SameSet(int[] a, int[] b)
        {
            if (a.Length != b.Length) return false;
            foreach (int x in a) if (Array.IndexOf(b, x) < 0) return false;
            return true;
        }

        /// <inheritdoc/>
        protected override string AddColumnSql(string table, CrmFieldSchema field)
        {
            var (type, _) = Schema.SqlTypes.ToSqlite(field, false, SqliteSql.Quote, t => t);
            return "ALTER TABLE " + SqliteSql.Quote(table) + " ADD COLUMN " + SqliteSql.Quote(field.Name) + " " + type;
        }

        /// <inheritdoc/>
        protected override SqliteTableInfo ReloadTable(SqliteTableInfo table) => SqliteCatalog.Load(_conn!, table.Name)!;

        /// <inheritdoc/>
        protected override bool IsWritable(SqliteTableInfo table, int column) => !table.Columns[column].Generated;

        /// <inheritdoc/>
        protected override void RunDdl(string sql)
        {
            using var stmt = new SqliteRawStatement(_conn!.Handle!, sql);
            stmt.Run();
        }

        // ---------------------------------------------------------------- per-shape plans

        /// <summary>A shape's columns, buffers and prepared statements.</summary>
        internal sealed class ShapePlan : Relational.WriterShape
        {
            public ShapePlan(CrmFieldShape shape, int[] fields, int[] cols, int[] key)
                : base(shape, fields, cols, key)
            {
                Portable = new object?[cols.Length];
                Storage = new object?[cols.Length];
                Int64s = new long[cols.Length];
                Direct = new bool[cols.Length];
            }

            /// <summary>Per slot: a text cell may be bound from the batch's UTF-8 as it is (a text or untyped column).</summary>
            public readonly bool[] Direct;
            /// <summary>Per slot: the integer of a slot whose storage is <see cref="DirectInt64"/>.</summary>
            public readonly long[] Int64s;

            /// <summary>The table's other columns, read after the slots when before-images are kept.</summary>
            public int[] ExtraCols = Array.Empty<int>();
            /// <summary>A NOT NULL column without default the shape lacks.</summary>
            public string? MissingRequired;
            public readonly object?[] Portable;
            public readonly object?[] Storage;
            public SqliteRawStatement? Insert, Select, Update;

            /// <summary>The INSERT of <see cref="ManyRows"/> rows at once, and the rows converted for it: per row its index in the batch's
            /// list, its batch row, and its slots' storage and integers (<see cref="Storage"/> and <see cref="Int64s"/> as they were).</summary>
            public SqliteRawStatement? InsertMany;
            public int ManyRows;
            public int[] ManyAt = Array.Empty<int>(), ManyRow = Array.Empty<int>();
            public object?[] ManyStorage = Array.Empty<object?>();
            public long[] ManyInt64s = Array.Empty<long>();

            public override void Dispose()
            {
                Insert?.Dispose();
                Select?.Dispose();
                Update?.Dispose();
                InsertMany?.Dispose();
                Insert = Select = Update = InsertMany = null;
            }
        }

        /// <inheritdoc/>
        protected override ShapePlan NewPlan(CrmFieldShape shape, int[] fields, int[] cols)
        {
            var table = Table!;
            var plan = new ShapePlan(shape, fields, cols, Key);
            var extra = new List<int>();
            if (Options.OnBeforeCommit is not null) for (int c = 0; c < table.Columns.Count; c++) if (Array.IndexOf(cols, c) < 0) extra.Add(c);
            plan.ExtraCols = extra.ToArray();
            for (int s = 0; s < cols.Length; s++)
            {
                var col = table.Columns[cols[s]];
                plan.Direct[s] = col.Untyped || col.Type == CrmFieldType.String;
            }
            for (int c = 0; c < table.Columns.Count; c++)
            {
                var col = table.Columns[c];
                bool rowidAlias = table.RowidAlias == c;
                // A key field whose column is the table's rowid (a one-column INTEGER PRIMARY KEY SQLite keeps as the rowid).
                if (rowidAlias && Array.IndexOf(cols, c) is int slot and >= 0 && Array.IndexOf(plan.KeySlots, slot) >= 0) plan.NumberedKeySlots = new[] { slot };
                if (col.NotNull && !col.HasDefault && !col.Generated && !rowidAlias && Array.IndexOf(cols, c) < 0 && plan.MissingRequired is null) plan.MissingRequired = col.Name;
            }
            return plan;
        }

        private SqliteRawStatement InsertStatement(ShapePlan plan) => plan.Insert ??= new SqliteRawStatement(_conn!.Handle!, InsertSql(plan, 1));

        /// <summary>INSERT INTO the shape's columns the values of <paramref name="rows"/> rows (parameters ?1.. in row, then slot order).</summary>
        private string InsertSql(ShapePlan plan, int rows)
        {
            var table = Table!;
            var sql = new StringBuilder("INSERT INTO ").AppendQuoted(table.Name);
            if (plan.Cols.Length == 0) return sql.Append(" DEFAULT VALUES").ToString();
            sql.Append(" (");
            for (int s = 0; s < plan.Cols.Length; s++) { if (s > 0) sql.Append(", "); sql.AppendQuoted(table.Columns[plan.Cols[s]].Name); }
            sql.Append(") VALUES ");
            int p = 1;
            for (int r = 0; r < rows; r++)
            {
                sql.Append(r > 0 ? ", (" : "(");
                for (int s = 0; s < plan.Cols.Length; s++) { if (s > 0) sql.Append(", "); sql.Append('?').Append((p++).ToString(CultureInfo.InvariantCulture)); }
                sql.Append(')');
            }
            return sql.ToString();
        }

        /// <summary>SELECT the shape's columns (slot order) WHERE key = ?1 AND ...</summary>
        private SqliteRawStatement SelectStatement(ShapePlan plan)
        {
            if (plan.Select is not null) return plan.Select;
            var table = Table!;
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
            var table = Table!;
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
            for (int k = 0; k < Key.Length; k++)
            {
                if (k > 0) sql.Append(" AND ");
                sql.AppendQuoted(Table!.Columns[Key[k]].Name).Append(" = ?").Append((firstParameter + k).ToString(CultureInfo.InvariantCulture));
            }
        }

        // ---------------------------------------------------------------- writing

        /// <inheritdoc/>
        protected override void WriteRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert)
        {
            Connection(write: true);
            LoadTable(batch, write: true); // a table designed by PlanBatch is created now
            Begin();
            try
            {
                CheckColumns(batch, write: true);
                RequireUpsertKey();
                StartBatch(batch.Count, upsert);
                _rows = null;
                for (int r = 0; r < batch.Count; r++)
                {
                    var record = batch[r];
                    var plan = PlanFor(record.Shape);
                    outcomes.Add(upsert ? Upsert(record, plan) : Insert(record, plan));
                    if (r == batch.Count / 2) Util.FaultPoints.Hit("mid-batch", BatchNumber);
                }
                EndBatch();
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        /// <inheritdoc/>
        protected override bool WritesRows => true;

        /// <inheritdoc/>
        protected override void WriteRowsCore(Batches.RowBatch rows, int[] which, int count, RowOutcomes outcomes, bool upsert)
        {
            Connection(write: true);
            Begin();
            try
            {
                RequireUpsertKey();
                StartBatch(count, upsert);
                _rows = rows;
                var plan = PlanFor(rows.Shape);
                // Text bound from the batch's UTF-8 only where nothing else reads the slot: an image without a key holds every column.
                bool direct = !upsert && (_images is null || Key.Length > 0);
                // Plain inserts (nothing to look up first) go many rows to a statement; a statement the target refuses is undone
                // by SQLite and its rows are inserted again one by one, so each refused row gets its own outcome as before.
                int many = upsert || (!KeyEnforced && Key.Length > 0) || plan.MissingRequired is not null || plan.Cols.Length == 0 || !AllOrNothing()
                    ? 1 : Math.Min(ManyRowsMax, MaxParameters / plan.Cols.Length);
                if (many > 1) PrepareMany(plan, many);
                int held = 0;
                for (int i = 0; i < count; i++)
                {
                    int row = which[i];
                    _row = row;
                    if (!ConvertRow(rows, row, plan, portable: upsert, direct, out string? problem)) Set(outcomes, i, Refuse("ValueConversion", problem), plan);
                    else if (!upsert && InventsKey(plan)) Set(outcomes, i, Refuse("MissingKey", null), plan);
                    else if (many == 1) Set(outcomes, i, upsert ? UpsertCore(plan) : InsertCore(plan), plan);
                    else
                    {
                        Hold(plan, held++, i);
                        if (held == many)
                        {
                            InsertHeld(plan, held, outcomes);
                            held = 0;
                        }
                    }
                    if (i == count / 2) Util.FaultPoints.Hit("mid-batch", BatchNumber);
                }
                if (held > 0) InsertHeld(plan, held, outcomes);
                _rows = null;
                EndBatch();
            }
            catch
            {
                _rows = null;
                Rollback();
                throw;
            }
        }

        /// <summary>Rows one INSERT takes at most, and the parameters it may have (SQLite's limit was 999 before 3.32).</summary>
        private const int ManyRowsMax = 8, MaxParameters = 999;

        /// <summary>The row's outcome: its code, or for a refused row the outcome with its reason, keyed by the row's key.</summary>
        private void Set(RowOutcomes outcomes, int i, CrmOutcome code, ShapePlan plan)
        {
            if (code == CrmOutcome.Rejected) outcomes.Set(i, Refusal(_rows!.KeyText(_row) ?? CanonicalKey(plan), _rows.OriginAt(_row)));
            else outcomes.Set(i, code);
        }

        private SqliteTableInfo? _checkedTable;
        private bool _allOrNothing;

        /// <summary>
        /// Whether a refused INSERT leaves nothing of itself behind (SQLite's default ABORT): false when the table declares its
        /// own conflict handling (ON CONFLICT FAIL keeps a statement's earlier rows, ROLLBACK ends the transaction) or has
        /// triggers (RAISE(FAIL) does the same), so such tables are written a row to a statement.
        /// </summary>
        private bool AllOrNothing()
        {
            if (ReferenceEquals(_checkedTable, Table)) return _allOrNothing;
            using (var cmd = _conn!.CreateCommand())
            {
                cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE (type = 'table' AND name = $t AND upper(sql) LIKE '%CONFLICT%') OR (type = 'trigger' AND tbl_name = $t)";
                cmd.Parameters.AddWithValue("$t", Table!.Name);
                _allOrNothing = System.Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) == 0;
            }
            _checkedTable = Table;
            return _allOrNothing;
        }

        private void PrepareMany(ShapePlan plan, int many)
        {
            if (plan.ManyRows == many && plan.InsertMany is not null) return;
            plan.InsertMany?.Dispose();
            plan.InsertMany = new SqliteRawStatement(_conn!.Handle!, InsertSql(plan, many));
            plan.ManyRows = many;
            plan.ManyAt = new int[many];
            plan.ManyRow = new int[many];
            plan.ManyStorage = new object?[many * plan.Cols.Length];
            plan.ManyInt64s = new long[many * plan.Cols.Length];
        }

        /// <summary>Keeps the converted row (the plan's buffers, the batch row, its index <paramref name="i"/>) as held row <paramref name="k"/>.</summary>
        private void Hold(ShapePlan plan, int k, int i)
        {
            int n = plan.Cols.Length;
            Array.Copy(plan.Storage, 0, plan.ManyStorage, k * n, n);
            Array.Copy(plan.Int64s, 0, plan.ManyInt64s, k * n, n);
            plan.ManyAt[k] = i;
            plan.ManyRow[k] = _row;
        }

        /// <summary>Makes held row <paramref name="k"/> the row being written again (the plan's buffers and <see cref="_row"/>).</summary>
        private void Restore(ShapePlan plan, int k)
        {
            int n = plan.Cols.Length;
            Array.Copy(plan.ManyStorage, k * n, plan.Storage, 0, n);
            Array.Copy(plan.ManyInt64s, k * n, plan.Int64s, 0, n);
            _row = plan.ManyRow[k];
        }

        /// <summary>
        /// Inserts the <paramref name="held"/> rows held: all in one statement when they fill it (each then had its image kept, in
        /// order), else, or when the target refused the statement, one by one as <see cref="InsertCore"/> inserts a row.
        /// </summary>
        private void InsertHeld(ShapePlan plan, int held, RowOutcomes outcomes)
        {
            if (held == plan.ManyRows)
            {
                var insert = plan.InsertMany!;
                int n = plan.Cols.Length, p = 1;
                for (int k = 0; k < held; k++)
                {
                    _row = plan.ManyRow[k];
                    for (int s = 0; s < n; s++) BindValue(insert, p++, plan, s, plan.ManyStorage[k * n + s], plan.ManyInt64s[k * n + s]);
                }
                int rc = insert.Step();
                insert.Reset();
                if (rc == SqliteSql.SqliteDone)
                {
                    for (int k = 0; k < held; k++)
                    {
                        Restore(plan, k);
                        outcomes.Set(plan.ManyAt[k], CrmOutcome.Inserted);
                        Absent(plan);
                    }
                    return;
                }
                if ((rc & 0xFF) != SqliteSql.SqliteConstraint) throw insert.Failure(rc);
            }
            for (int k = 0; k < held; k++)
            {
                Restore(plan, k);
                Set(outcomes, plan.ManyAt[k], InsertCore(plan), plan);
            }
        }

        private void StartBatch(int rows, bool upsert)
        {
            _imaged.Clear();
            _upsertBatch = upsert;
            _images = Options.OnBeforeCommit is null ? null : KeptImages();
        }

        private void EndBatch()
        {
            // The way back is kept (by the ledger) before the batch is durable.
            if (_images is { Count: > 0 }) Options.OnBeforeCommit!(_images);
            _images?.Clear();
            _images = null;
            Commit();
        }

        // ---------------------------------------------------------------- one row, record or batch row alike

        /// <summary>The batch whose row is being written (null while writing records), and the row.</summary>
        private Batches.RowBatch? _rows;
        private int _row;
        /// <summary>Why the last core step refused the row: a reason code and the engine's message (or null).</summary>
        private string? _failReason, _failMessage;

        /// <summary>A slot's storage stands for the row's text cell, bound from its UTF-8 (no string made).</summary>
        private static readonly object DirectText = new object();
        /// <summary>A slot's storage stands for <see cref="ShapePlan.Int64s"/> at the slot (no box made).</summary>
        private static readonly object DirectInt64 = new object();

        private CrmOutcome Refuse(string reason, string? message)
        {
            _failReason = reason;
            _failMessage = message;
            return CrmOutcome.Rejected;
        }

        /// <summary>The outcome of the row the last core step refused, keyed by <paramref name="key"/>.</summary>
        private CrmRecordOutcome Refusal(string? key, CrmOrigin? origin) => _failReason switch
        {
            "DuplicateKey" => DuplicateKey(key, origin, _failMessage),
            "MissingKey" => MissingKey(key, origin),
            _ => Rejected(key, origin, _failReason!, _failMessage!),
        };

        private CrmRecordOutcome Finish(CrmRecord record, ShapePlan plan, CrmOutcome code) =>
            code == CrmOutcome.Rejected ? Refusal(KeyText(record, plan), record.Origin) : Outcome(record, plan, code, false);

        private CrmRecordOutcome Insert(CrmRecord record, ShapePlan plan)
        {
            if (!Convert(record, plan, portable: false, out string? problem)) return Rejected(record, plan, "ValueConversion", problem!);
            return Finish(record, plan, InsertCore(plan));
        }

        private CrmOutcome InsertCore(ShapePlan plan)
        {
            if (InventsKey(plan)) return Refuse("MissingKey", null);
            if (!KeyEnforced && Key.Length > 0 && HasKey(plan) && Exists(plan)) return Refuse("DuplicateKey", null);
            var insert = InsertStatement(plan);
            for (int s = 0; s < plan.Storage.Length; s++) BindSlot(insert, s + 1, plan, s);
            var code = Execute(insert, plan, CrmOutcome.Inserted);
            if (code == CrmOutcome.Inserted) Absent(plan);
            return code;
        }

        /// <summary>Binds a slot's storage value (or the row's cell a direct slot stands for).</summary>
        private void BindSlot(SqliteRawStatement statement, int index, ShapePlan plan, int slot) =>
            BindValue(statement, index, plan, slot, plan.Storage[slot], plan.Int64s[slot]);

        /// <summary>Binds a slot's storage value of the current row (<see cref="_row"/>, whose cell a direct slot stands for).</summary>
        private void BindValue(SqliteRawStatement statement, int index, ShapePlan plan, int slot, object? storage, long int64)
        {
            if (ReferenceEquals(storage, DirectText)) statement.BindUtf8(index, _rows!.Columns[plan.Fields[slot]].TextAt(_row));
            else if (ReferenceEquals(storage, DirectInt64)) statement.BindInt64(index, int64);
            else statement.Bind(index, storage);
        }

        /// <summary>Makes every direct slot's storage value a value of its own (an image keeps them).</summary>
        private void Materialize(ShapePlan plan)
        {
            for (int s = 0; s < plan.Storage.Length; s++) plan.Storage[s] = SlotValue(plan, s);
        }

        // ---------------------------------------------------------------- before-images

        private RowImageBatch? _images;
        private readonly HashSet<string> _imaged = new(StringComparer.Ordinal);
        private bool _upsertBatch;

        /// <summary>After an insert: the row was absent before (undo deletes it by key, or by content without one).</summary>
        private void Absent(ShapePlan plan)
        {
            if (_images is null) return;
            if (HasKey(plan))
            {
                // Only an upsert batch can touch a key twice (an insert of a key already there is refused, so it keeps no image).
                if (_upsertBatch && !_imaged.Add(CanonicalKey(plan)!)) return;
                // Packed from the slots (the key's text and its columns' values), as RowImageCodec writes AbsentImage's image.
                if (plan.KeySlots.Length == 1 && ReferenceEquals(plan.Storage[plan.KeySlots[0]], DirectText)
                    && PackAbsentText(_images, _rows!.Columns[plan.Fields[plan.KeySlots[0]]].TextAt(_row))) return;
                var w = _images.PackRow(existed: false, hasKey: true);
                w.Write(CanonicalKey(plan)!);
                foreach (int s in plan.KeySlots)
                {
                    if (ReferenceEquals(plan.Storage[s], DirectText)) ValueCodec.WriteUtf8String(w, _rows!.Columns[plan.Fields[s]].TextAt(_row));
                    else ValueCodec.Write(w, SlotValue(plan, s));
                }
                _images.EndRow();
                return;
            }
            Materialize(plan); // without a key the image holds every column's value
            _images.Pack(AbsentImage(null, plan, plan.Storage));
        }

        /// <summary>Before an update: the stored row as the select read it (the plan's columns, then the others), in storage form.</summary>
        private void Existing(SqliteRawStatement select, ShapePlan plan)
        {
            if (_images is null) return;
            string? key = CanonicalKey(plan);
            if (key is null || !_imaged.Add(key)) return;
            var values = new object?[Table!.Columns.Count];
            for (int s = 0; s < plan.Cols.Length; s++) values[plan.Cols[s]] = select.Column(s);
            for (int e = 0; e < plan.ExtraCols.Length; e++) values[plan.ExtraCols[e]] = select.Column(plan.Cols.Length + e);
            _images.Pack(new RowImage(key, true, values));
        }

        private CrmRecordOutcome Upsert(CrmRecord record, ShapePlan plan)
        {
            if (!Convert(record, plan, portable: true, out string? problem)) return Rejected(record, plan, "ValueConversion", problem!);
            return Finish(record, plan, UpsertCore(plan));
        }

        private CrmOutcome UpsertCore(ShapePlan plan)
        {
            if (!HasKey(plan)) return Refuse("MissingKey", null);
            var select = SelectStatement(plan);
            for (int k = 0; k < plan.KeySlots.Length; k++) BindSlot(select, k + 1, plan, plan.KeySlots[k]);
            int rc = select.Step();
            if (rc == SqliteSql.SqliteRow)
            {
                bool changed = Differs(select, plan);
                if (changed) Existing(select, plan);
                select.Reset();
                if (!changed) return CrmOutcome.Skipped;
                var update = UpdateStatement(plan);
                int p = 1;
                foreach (int s in plan.UpdateSlots) BindSlot(update, p++, plan, s);
                foreach (int s in plan.KeySlots) BindSlot(update, p++, plan, s);
                return Execute(update, plan, CrmOutcome.Updated);
            }
            select.Reset();
            if (rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            var insert = InsertStatement(plan);
            for (int s = 0; s < plan.Storage.Length; s++) BindSlot(insert, s + 1, plan, s);
            var code = Execute(insert, plan, CrmOutcome.Inserted);
            if (code == CrmOutcome.Inserted) Absent(plan);
            return code;
        }

        private CrmOutcome Execute(SqliteRawStatement statement, ShapePlan plan, CrmOutcome success)
        {
            int rc = statement.Step();
            if (rc == SqliteSql.SqliteDone)
            {
                statement.Reset();
                return success;
            }
            int extended = statement.ExtendedErrorCode;
            string message = statement.ErrorMessage;
            statement.Reset();
            if ((rc & 0xFF) != SqliteSql.SqliteConstraint) throw statement.Failure(rc);
            bool duplicate = extended == SqliteSql.SqliteConstraintPrimaryKey || extended == SqliteSql.SqliteConstraintRowId
                || (extended == SqliteSql.SqliteConstraintUnique && Key.Length > 0 && HasKey(plan) && Exists(plan));
            return Refuse(duplicate ? "DuplicateKey" : "ConstraintViolation", message);
        }

        /// <summary>
        /// Converts a batch row's cells into the plan's buffers, as <see cref="Convert"/> converts the record made from the row;
        /// with <paramref name="direct"/>, a valid UTF-8 text cell of a direct slot and a plain integer's text for an integer
        /// column are kept as they are (bound without a string or a box). False with a message when a value cannot be converted.
        /// </summary>
        private bool ConvertRow(Batches.RowBatch rows, int row, ShapePlan plan, bool portable, bool direct, out string? problem)
        {
            var columns = Table!.Columns;
            var cells = rows.Columns;
            int slot = 0;
            try
            {
                for (; slot < plan.Fields.Length; slot++)
                {
                    var column = columns[plan.Cols[slot]];
                    var cell = cells[plan.Fields[slot]];
                    if (direct && cell.KindAt(row) == Batches.CellKind.Text)
                    {
                        var utf8 = cell.TextAt(row);
                        if (plan.Direct[slot] && cell.IsUtf8At(row))
                        {
                            plan.Storage[slot] = DirectText;
                            continue;
                        }
                        // A DATE column's text already in its stored form is stored as it is (SqliteSql.ToStorage): bound as it is.
                        if (column.Type == CrmFieldType.Date && !column.Untyped && IsIsoDate(utf8))
                        {
                            plan.Storage[slot] = DirectText;
                            continue;
                        }
                        if (column.Type == CrmFieldType.Integer && !column.Untyped && Relational.RowCells.PlainInteger(utf8, out long n))
                        {
                            plan.Int64s[slot] = n;
                            plan.Storage[slot] = Array.IndexOf(plan.KeySlots, slot) < 0 ? DirectInt64 : n;
                            continue;
                        }
                    }
                    Store(plan, slot, cell.GetValue(row), column, portable);
                }
            }
            catch (Exception ex) when (IsConversionError(ex))
            {
                problem = SlotProblem(plan, slot, ex);
                return false;
            }
            problem = null;
            return true;
        }

        /// <summary>What a value that cannot be converted for a plan's slot says: its column, declared type and why.</summary>
        private string SlotProblem(ShapePlan plan, int slot, Exception ex)
        {
            var column = Table!.Columns[plan.Cols[slot]];
            return ConversionMessage(column.Name, column.DeclaredType, ex);
        }

        /// <summary>Whether ASCII text is a date <see cref="CrmValues.TryParseIsoDate"/> takes (what ToStorage keeps as it is in a DATE column).</summary>
        private static bool IsIsoDate(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length == 0 || utf8.Length > 32) return false;
            Span<char> chars = stackalloc char[utf8.Length];
            for (int i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] >= 0x80) return false;
                chars[i] = (char)utf8[i];
            }
            return CrmValues.TryParseIsoDate(chars, out _);
        }

        /// <summary>One value into the plan's buffers: its storage form, and its portable form when images or keys need it.</summary>
        private static void Store(ShapePlan plan, int slot, object? value, SqliteColumn column, bool portable)
        {
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

        /// <summary>Converts the mapped values into the plan's buffers; false with a message when one cannot be.</summary>
        private bool Convert(CrmRecord record, ShapePlan plan, bool portable, out string? problem)
        {
            var columns = Table!.Columns;
            int slot = 0;
            try
            {
                for (; slot < plan.Fields.Length; slot++)
                {
                    var column = columns[plan.Cols[slot]];
                    Store(plan, slot, record.GetValue(plan.Fields[slot]), column, portable);
                }
            }
            catch (Exception ex) when (IsConversionError(ex))
            {
                problem = SlotProblem(plan, slot, ex);
                return false;
            }
            problem = null;
            return true;
        }

        /// <summary>
        /// The row's key is the table's rowid and has no value: SQLite would not refuse the NULL but number the row itself (the next
        /// rowid, whatever NOT NULL says), giving the record a key its source never had and taking one a later record may hold. It is
        /// refused as MissingKey instead, as PostgreSQL and MariaDB refuse it by their NOT NULL.
        /// </summary>
        private static bool InventsKey(ShapePlan plan) => plan.LacksNumberedKey(plan.Storage);

        private static bool HasKey(ShapePlan plan)
        {
            if (plan.KeySlots.Length == 0) return false;
            foreach (int s in plan.KeySlots) if (s < 0 || plan.Storage[s] is null) return false;
            return true;
        }

        private bool Exists(ShapePlan plan)
        {
            var select = SelectStatement(plan);
            for (int k = 0; k < plan.KeySlots.Length; k++) BindSlot(select, k + 1, plan, plan.KeySlots[k]);
            int rc = select.Step();
            select.Reset();
            if (rc != SqliteSql.SqliteRow && rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            return rc == SqliteSql.SqliteRow;
        }

        /// <summary>Compares the row under <paramref name="select"/> with the plan's portable values.</summary>
        private bool Differs(SqliteRawStatement select, ShapePlan plan)
        {
            var columns = Table!.Columns;
            for (int s = 0; s < plan.Cols.Length; s++)
            {
                object? existing = SqliteSql.FromStorage(select.Column(s), columns[plan.Cols[s]], out _);
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

        private string? CanonicalKey(ShapePlan plan)
        {
            if (!HasKey(plan)) return null;
            if (plan.KeySlots.Length == 1) return CrmValues.ToText(SlotValue(plan, plan.KeySlots[0]));
            var parts = new string[plan.KeySlots.Length];
            for (int k = 0; k < parts.Length; k++) parts[k] = CrmValues.ToText(SlotValue(plan, plan.KeySlots[k])) ?? "";
            return new CrmKey(parts).ToString();
        }

        /// <summary>A slot's storage value, made a value of its own where the slot stands for the row's cell.</summary>
        private object? SlotValue(ShapePlan plan, int slot)
        {
            object? storage = plan.Storage[slot];
            if (ReferenceEquals(storage, DirectText)) return _rows!.Columns[plan.Fields[slot]].GetValue(_row);
            if (ReferenceEquals(storage, DirectInt64)) return plan.Int64s[slot];
            return storage;
        }

        private CrmRecordOutcome Outcome(CrmRecord record, ShapePlan plan, CrmOutcome outcome, bool whatIf)
        {
            var o = Outcome(record, KeyText(record, plan), outcome);
            o.WhatIf = whatIf;
            return o;
        }

        private CrmRecordOutcome Rejected(CrmRecord record, ShapePlan plan, string reason, string message) => Rejected(record, KeyText(record, plan), reason, message);

        // ---------------------------------------------------------------- planning

        /// <inheritdoc/>
        protected override void PlanRecords(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes, bool upsert)
        {
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
            var columns = Table!.Columns;
            for (int s = 0; s < plan.Cols.Length; s++)
            {
                var col = columns[plan.Cols[s]];
                if (col.NotNull && plan.Storage[s] is null && Table.RowidAlias != plan.Cols[s])
                {
                    return Rejected(record, plan, "ConstraintViolation", $"NOT NULL constraint failed: {TableName}.{col.Name}");
                }
            }
            if (plan.MissingRequired is not null)
            {
                return Rejected(record, plan, "ConstraintViolation", $"NOT NULL constraint failed: {TableName}.{plan.MissingRequired}");
            }
            string? key = Key.Length > 0 ? CanonicalKey(plan) : null;
            if ((upsert || InventsKey(plan)) && key is null) return MissingKey(record, KeyText(record, plan));
            if (key is null) return Outcome(record, plan, CrmOutcome.Inserted, true);

            if (Planned!.TryGetValue(key, out var planned))
            {
                if (!upsert) return DuplicateKey(record, KeyText(record, plan));
                if (!DiffersFrom(plan, plan.Portable, planned)) return Outcome(record, plan, CrmOutcome.Skipped, true);
                Remember(plan, plan.Portable, planned);
                return Outcome(record, plan, CrmOutcome.Updated, true);
            }
            if (TableExists)
            {
                var select = SelectStatement(plan);
                for (int k = 0; k < plan.KeySlots.Length; k++) select.Bind(k + 1, plan.Storage[plan.KeySlots[k]]);
                int rc = select.Step();
                if (rc == SqliteSql.SqliteRow)
                {
                    if (!upsert)
                    {
                        select.Reset();
                        return DuplicateKey(record, KeyText(record, plan));
                    }
                    bool changed = Differs(select, plan);
                    select.Reset();
                    if (!changed) return Outcome(record, plan, CrmOutcome.Skipped, true);
                    var values = NewPlanned();
                    Remember(plan, plan.Portable, values);
                    Planned[key] = values;
                    return Outcome(record, plan, CrmOutcome.Updated, true);
                }
                select.Reset();
                if (rc != SqliteSql.SqliteDone) throw select.Failure(rc);
            }
            var inserted = NewPlanned();
            Remember(plan, plan.Portable, inserted);
            Planned[key] = inserted;
            return Outcome(record, plan, CrmOutcome.Inserted, true);
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
            _checkpointer?.Committed();
        }

        private void Rollback()
        {
            if (!_inTransaction) return;
            _inTransaction = false;
            try { _rollback!.Run(); }
            catch (CrmException) { /* SQLite may already have rolled back (e.g. after an I/O error). */ }
            // DDL of the batch is undone too: read the table again next time.
            ForgetTable();
        }

        /// <inheritdoc/>
        public override void Complete()
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            Commit();
        }

        /// <inheritdoc/>
        protected override void Release()
        {
            Rollback();
            ForgetTable(); // the shapes' statements are finalized before the connection closes
            _begin?.Dispose();
            _commit?.Dispose();
            _rollback?.Dispose();
            _checkpointer?.Dispose();
            _checkpointer = null;
            _conn?.Dispose();
            _conn = null;
        }
    }
}
