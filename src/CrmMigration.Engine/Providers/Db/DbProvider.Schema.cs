using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using CrmMigration.Engine.Schema;

namespace CrmMigration.Engine.Providers.Db
{
    public sealed partial class DbProvider : ICrmSchemaTarget
    {
        private readonly List<SchemaStatement> _afterData = new();
        private readonly Dictionary<string, CrmEntitySchema> _planned = new(StringComparer.OrdinalIgnoreCase);
        private SchemaScripter? _scripter;

        /// <summary>The DDL writer for this server (MariaDB's version decides whether it has a uuid type).</summary>
        internal SchemaScripter Scripter => _scripter ??= new SchemaScripter(_dialect is PgDialect ? SqlEngine.PostgreSql : SqlEngine.MySql, Schema, Features());

        private SqlEngineFeatures Features()
        {
            if (_dialect is not MySqlDialect) return SqlEngineFeatures.None;
            string version = Catalog(c =>
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT VERSION()";
                return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
            });
            if (!version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase)) return SqlEngineFeatures.None;
            var parts = version.Split('.', '-');
            bool uuid = parts.Length >= 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor) && (major > 10 || major == 10 && minor >= 7);
            return new SqlEngineFeatures { UuidType = uuid };
        }

        /// <inheritdoc/>
        public CrmEntitySchema? PlannedEntity(string entity) => _planned.TryGetValue(entity, out var s) ? s : null;

        /// <inheritdoc/>
        public IReadOnlyList<SchemaStatement> CreateEntities(IReadOnlyList<CrmEntitySchema> entities, bool whatIf, Action<SchemaStatement>? onStatement)
        {
            if (Profiles.CrmProfile.ForConnection(Connection) is not null)
            {
                throw new CrmException("ProfileReadOnly", CrmErrorKind.InvalidArgument,
                    $"The connection {Connection.DisplayName} reads through a CRM profile, which is read-only; open a connection without -Profile to create tables.");
            }
            var missing = new List<CrmEntitySchema>();
            var names = new List<string>();
            foreach (var e in entities)
            {
                if (_planned.ContainsKey(e.Name) || names.Exists(n => string.Equals(n, e.Name, StringComparison.OrdinalIgnoreCase)) || LoadTable(e.Name) is not null) continue;
                missing.Add(e);
                names.Add(e.Name);
            }
            if (missing.Count == 0) return Array.Empty<SchemaStatement>();
            var statements = Scripter.Script(missing, n => _planned.ContainsKey(n) || LoadTable(n) is not null);
            foreach (var s in statements) onStatement?.Invoke(s);
            if (whatIf)
            {
                foreach (var e in missing) _planned[e.Name] = e;
                return statements;
            }
            RunBeforeData(statements, missing);
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

        /// <summary>
        /// Runs the before-data statements. PostgreSQL runs them in one transaction; MySQL commits each DDL statement,
        /// so a failure drops the tables this call created. Either way a failure leaves nothing half-created.
        /// </summary>
        private void RunBeforeData(List<SchemaStatement> statements, List<CrmEntitySchema> entities)
        {
            using var conn = OpenConnection("TargetConnectionFailed", writer: true);
            var created = new List<string>();
            SchemaStatement? current = null;
            DbTransaction? tx = _dialect is PgDialect ? conn.BeginTransaction() : null;
            try
            {
                foreach (var s in statements)
                {
                    if (s.Step != SchemaStep.BeforeData) continue;
                    current = s;
                    using var cmd = conn.CreateCommand();
                    cmd.Transaction = tx;
                    cmd.CommandText = s.Sql;
                    cmd.ExecuteNonQuery();
                    if (s.What == "table") created.Add(s.Entity);
                }
                tx?.Commit();
            }
            catch (DbException ex)
            {
                try { tx?.Rollback(); } catch (DbException) { } catch (InvalidOperationException) { }
                if (tx is null)
                {
                    for (int i = created.Count - 1; i >= 0; i--)
                    {
                        try
                        {
                            using var drop = conn.CreateCommand();
                            drop.CommandText = "DROP TABLE IF EXISTS " + Scripter.Qualified(created[i]);
                            drop.ExecuteNonQuery();
                        }
                        catch (DbException) { }
                    }
                }
                string entity = current?.Entity ?? (entities.Count > 0 ? entities[0].Name : "");
                throw new CrmException(new CrmDataError("DbCreateFailed", CrmErrorKind.WriteError,
                    $"Creating '{entity}' in {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())} Nothing was created. The statement was: {current?.Sql}")
                { Entity = entity }, ex);
            }
            finally
            {
                tx?.Dispose();
            }
        }

        /// <inheritdoc/>
        public IReadOnlyList<CrmDataError> CompleteSchema(Action<SchemaStatement>? onStatement)
        {
            var errors = new List<CrmDataError>();
            if (_afterData.Count == 0) return errors;
            using var conn = OpenConnection("TargetConnectionFailed", writer: true);
            foreach (var s in _afterData)
            {
                onStatement?.Invoke(s);
                try
                {
                    using var cmd = conn.CreateCommand();
                    cmd.CommandText = s.Sql;
                    cmd.ExecuteNonQuery();
                }
                catch (DbException ex)
                {
                    errors.Add(SchemaStepFailed(s, DbDialect.SafeMessage(ex, Connection.GetCredential())));
                }
            }
            _afterData.Clear();
            return errors;
        }

        /// <summary>The error for an after-data statement that failed: the records stay, the constraint or index is missing.</summary>
        internal static CrmDataError SchemaStepFailed(SchemaStatement s, string message)
        {
            string code = s.What switch { "foreign key" => "ForeignKeyNotCreated", "index" => "IndexNotCreated", _ => "SchemaStepFailed" };
            return new CrmDataError(code, CrmErrorKind.WriteError,
                $"The {s.What} of '{s.Entity}' was not created: {message} The records are written; fix the data (Test-CrmMigration shows what differs) and run the statement yourself: {s.Sql}")
            { Entity = s.Entity };
        }
    }
}
