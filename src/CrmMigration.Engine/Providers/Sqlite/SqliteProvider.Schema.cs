using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Schema;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    public sealed partial class SqliteProvider : ICrmSchemaTarget
    {
        private readonly List<SchemaStatement> _afterData = new();
        private readonly Dictionary<string, CrmEntitySchema> _planned = new(StringComparer.OrdinalIgnoreCase);

        private static readonly SchemaScripter Scripter = new SchemaScripter(SqlEngine.Sqlite, null);

        /// <summary>Set when this provider created or wrote anything: the file is then checkpointed when the provider closes.</summary>
        internal bool Wrote { get; set; }

        private bool Exists(string entity) => File.Exists(FullPath) && SqliteCatalog.Resolve(Meta(), entity) is not null;

        /// <inheritdoc/>
        public CrmEntitySchema? PlannedEntity(string entity) => _planned.TryGetValue(entity, out var s) ? s : null;

        /// <inheritdoc/>
        public IReadOnlyList<SchemaStatement> CreateEntities(IReadOnlyList<CrmEntitySchema> entities, bool whatIf, Action<SchemaStatement>? onStatement)
        {
            var missing = new List<CrmEntitySchema>();
            var names = new List<string>();
            foreach (var e in entities)
            {
                if (_planned.ContainsKey(e.Name) || names.Exists(n => string.Equals(n, e.Name, StringComparison.OrdinalIgnoreCase)) || Exists(e.Name)) continue;
                missing.Add(e);
                names.Add(e.Name);
            }
            if (missing.Count == 0) return Array.Empty<SchemaStatement>();
            var statements = Scripter.Script(missing, n => _planned.ContainsKey(n) || Exists(n));
            foreach (var s in statements) onStatement?.Invoke(s);
            if (whatIf)
            {
                foreach (var e in missing) _planned[e.Name] = e;
                return statements;
            }
            Run(statements, SchemaStep.BeforeData, throwOnError: true);
            QueueAfterData(statements);
            return statements;
        }

        /// <inheritdoc/>
        public IReadOnlyList<SchemaStatement> PendingAfterData => _afterData;

        /// <inheritdoc/>
        public void QueueAfterData(IEnumerable<SchemaStatement> statements)
        {
            foreach (var s in statements)
            {
                if (s.Step != SchemaStep.AfterData) continue;
                if (_afterData.Exists(x => string.Equals(x.Sql, s.Sql, StringComparison.Ordinal))) continue;
                _afterData.Add(s);
            }
        }

        /// <inheritdoc/>
        public IReadOnlyList<CrmDataError> CompleteSchema(Action<SchemaStatement>? onStatement)
        {
            var errors = new List<CrmDataError>();
            if (_afterData.Count == 0) return errors;
            foreach (var s in _afterData) onStatement?.Invoke(s);
            var checks = _afterData.FindAll(s => s.What == SchemaScripter.ForeignKeyCheck);
            errors.AddRange(Run(_afterData.FindAll(s => s.What != SchemaScripter.ForeignKeyCheck), SchemaStep.AfterData, throwOnError: false));
            foreach (var check in checks) errors.AddRange(CheckForeignKeys(check.Entity));
            _afterData.Clear();
            return errors;
        }

        /// <summary>
        /// SQLite declares a table's foreign keys in CREATE TABLE and cannot add them later, so a table created from a source
        /// keeps them and is loaded without enforcing them (the source's data may not meet them, as it may not in
        /// PostgreSQL, where the constraint then is not created); afterwards each foreign key the data breaks is one
        /// ForeignKeyViolated warning with the count of rows and examples (nothing is lost: the rows and the key are both there).
        /// </summary>
        private List<CrmDataError> CheckForeignKeys(string table)
        {
            var errors = new List<CrmDataError>();
            if (!File.Exists(FullPath)) return errors;
            var byParent = new Dictionary<string, (long Count, List<long> Rows)>(StringComparer.Ordinal);
            using (var cmd = Meta().CreateCommand())
            {
                cmd.CommandText = "SELECT \"parent\", rowid FROM pragma_foreign_key_check($t)";
                cmd.Parameters.AddWithValue("$t", table);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string parent = r.GetString(0);
                    byParent.TryGetValue(parent, out var e);
                    e.Rows ??= new List<long>();
                    if (e.Rows.Count < 5 && !r.IsDBNull(1)) e.Rows.Add(r.GetInt64(1));
                    byParent[parent] = (e.Count + 1, e.Rows);
                }
            }
            foreach (var (parent, e) in byParent)
            {
                errors.Add(new CrmDataError("ForeignKeyViolated", CrmErrorKind.WriteError,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{e.Count:N0} row(s) of '{table}' reference '{parent}' records that do not exist (rowid {string.Join(", ", e.Rows)}{(e.Count > e.Rows.Count ? ", ..." : "")}), as they did in the source. The records are written and the foreign key declared; SQLite refuses changes to those rows while foreign keys are on, until the parents exist or the references are cleared."))
                { Entity = table, Severity = CrmErrorSeverity.Warning });
            }
            return errors;
        }

        /// <summary>Runs statements of one step in one transaction: all or nothing before the data; one by one after it.</summary>
        private List<CrmDataError> Run(List<SchemaStatement> statements, SchemaStep step, bool throwOnError)
        {
            var errors = new List<CrmDataError>();
            _meta?.Dispose();
            _meta = null;
            using var conn = SqliteSql.Open(FullPath, write: true);
            SqliteSql.Execute(conn, "PRAGMA busy_timeout=10000");
            // An index made after the data sorts every row: in temporary files, not in memory (at 1M rows about 50 MB of memory otherwise).
            SqliteSql.Execute(conn, "PRAGMA temp_store=FILE");
            Wrote = true;
            using var tx = conn.BeginTransaction();
            foreach (var s in statements)
            {
                if (s.Step != step) continue;
                try
                {
                    using var cmd = conn.CreateCommand();
                    cmd.Transaction = tx;
                    cmd.CommandText = s.Sql;
                    cmd.ExecuteNonQuery();
                }
                catch (SqliteException ex)
                {
                    if (throwOnError)
                    {
                        tx.Rollback();
                        throw new CrmException(new CrmDataError("SqliteCreateFailed", CrmErrorKind.WriteError,
                            $"Creating '{s.Entity}' in '{Connection.DisplayName}' failed: {ex.Message}. Nothing was created. The statement was: {s.Sql}") { Entity = s.Entity }, ex);
                    }
                    errors.Add(Db.DbProvider.SchemaStepFailed(s, ex.Message));
                }
            }
            tx.Commit();
            return errors;
        }

        /// <summary>
        /// Leaves the file whole: the write-ahead log is copied into the database and switched off, so the .db file
        /// alone holds every record and no -wal or -shm file stays behind. Best effort: another process that has the
        /// file open keeps it in WAL mode.
        /// </summary>
        internal void Checkpoint()
        {
            if (!Wrote || !File.Exists(FullPath)) return;
            try
            {
                using var conn = SqliteSql.Open(FullPath, write: true);
                SqliteSql.LeaveWhole(conn);
            }
            catch (SqliteException) { }
            catch (CrmException) { }
        }
    }
}
