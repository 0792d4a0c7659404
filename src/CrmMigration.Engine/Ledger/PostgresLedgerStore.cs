using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Net;
using Npgsql;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A ledger in a schema of a PostgreSQL database (crm_ledger unless the connection's Search Path names one): the same
    /// tables as the SQLite file, shared by workers on several machines. Exclusive steps (leases, partitions, run starts)
    /// serialise on a transaction-level advisory lock of the schema; batches of different workers commit side by side.
    /// </summary>
    public sealed class PostgresLedgerStore : ILedgerStore
    {
        private readonly string _connectionString;
        private readonly NpgsqlConnection _db;
        private readonly string _lockName;

        /// <summary>The schema a ledger uses when the connection names none.</summary>
        public const string DefaultSchema = "crm_ledger";

        /// <summary>Opens the ledger through an Npgsql connection string (Host, Port, Database, optionally Username, Password, Search Path); <paramref name="credential"/> overrides its user and password.</summary>
        public PostgresLedgerStore(string connectionString, NetworkCredential? credential)
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            if (credential is not null)
            {
                b.Username = credential.UserName;
                b.Password = credential.Password;
            }
            string? path = b.SearchPath;
            Schema = string.IsNullOrWhiteSpace(path) ? DefaultSchema : path.Split(',')[0].Trim().Trim('"');
            b.SearchPath = Schema;
            b.ApplicationName ??= "CrmMigration ledger";
            if (b.Timeout == 15) b.Timeout = 30;
            b.CommandTimeout = 0;
            _connectionString = b.ConnectionString;
            Location = "postgresql://" + b.Host + ":" + b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + b.Database + "?schema=" + Schema;
            _lockName = "crm_ledger:" + Schema;
            try
            {
                _db = (NpgsqlConnection)OpenConnection();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException)
            {
                throw new CrmException(new CrmDataError("LedgerOpenFailed", CrmErrorKind.ConnectionError,
                    $"Cannot open the migration ledger {Location}: {Providers.Db.DbDialect.SafeMessage(ex, credential ?? (b.Password is null ? null : new NetworkCredential(b.Username, b.Password)))}"), ex);
            }
        }

        /// <summary>The schema holding the ledger's tables.</summary>
        public string Schema { get; }

        /// <inheritdoc/>
        public string Location { get; }

        /// <inheritdoc/>
        public bool IsFile => false;

        /// <inheritdoc/>
        public DbConnection Connection => _db;

        /// <inheritdoc/>
        public DbConnection OpenConnection()
        {
            var c = new NpgsqlConnection(_connectionString);
            c.Open();
            return c;
        }

        /// <inheritdoc/>
        public void CreateTables()
        {
            using (var tx = _db.BeginTransaction())
            {
                // Workers that start together would race on CREATE TABLE IF NOT EXISTS (it is not atomic in the catalog).
                Lock(tx);
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "CREATE SCHEMA IF NOT EXISTS " + Quote(Schema) + @";
CREATE TABLE IF NOT EXISTS ledger_info(key text PRIMARY KEY, value text);
CREATE TABLE IF NOT EXISTS runs(run_no bigserial PRIMARY KEY, run_id text NOT NULL UNIQUE, status text NOT NULL, started_at text NOT NULL, finished_at text,
  user_name text, host text, source text, target text, mapping_hash text, module_version text, parameters text, attempts bigint NOT NULL DEFAULT 1,
  kind text, previous_run text, undoes text, undone_by text, parts bigint);
CREATE TABLE IF NOT EXISTS batches(seq bigserial PRIMARY KEY, run_no bigint NOT NULL, entity text NOT NULL, batch bigint NOT NULL,
  records bigint NOT NULL, recorded_at text NOT NULL, data bytea NOT NULL, part bigint);
CREATE INDEX IF NOT EXISTS batches_run ON batches(run_no, entity);
CREATE TABLE IF NOT EXISTS content_reset(target text NOT NULL, entity text NOT NULL, after_seq bigint NOT NULL, PRIMARY KEY(target, entity));
CREATE TABLE IF NOT EXISTS crosswalk(source_entity text NOT NULL, source_key text NOT NULL, target_entity text NOT NULL, target_key text NOT NULL, run_no bigint,
  PRIMARY KEY(source_entity, source_key, target_entity));
CREATE INDEX IF NOT EXISTS crosswalk_by_target ON crosswalk(target_entity, source_key);
CREATE TABLE IF NOT EXISTS counters(run_no bigint NOT NULL, entity text NOT NULL, read bigint NOT NULL DEFAULT 0, inserted bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0, skipped bigint NOT NULL DEFAULT 0, rejected bigint NOT NULL DEFAULT 0, merged bigint NOT NULL DEFAULT 0,
  filtered bigint NOT NULL DEFAULT 0, deleted bigint NOT NULL DEFAULT 0, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS checkpoints(run_no bigint NOT NULL, entity text NOT NULL, batch bigint NOT NULL, records bigint NOT NULL, last_source_key text, at text,
  PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS schema_pending(seq bigserial PRIMARY KEY, run_no bigint NOT NULL, entity text NOT NULL, what text NOT NULL, sql text NOT NULL);
CREATE TABLE IF NOT EXISTS merge_decisions(entity text NOT NULL, key_a text NOT NULL, key_b text NOT NULL, same bigint NOT NULL, note text,
  source text, user_name text, recorded_at text NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS merge_decisions_key ON merge_decisions((lower(entity)), key_a, key_b);
CREATE TABLE IF NOT EXISTS leases(target text PRIMARY KEY, run_id text NOT NULL, holder text NOT NULL, host text NOT NULL, pid bigint NOT NULL,
  acquired_at text NOT NULL, heartbeat_at text NOT NULL);
CREATE TABLE IF NOT EXISTS images(seq bigserial PRIMARY KEY, run_no bigint NOT NULL, entity text NOT NULL, batch bigint NOT NULL, part bigint,
  records bigint NOT NULL, recorded_at text NOT NULL, data bytea NOT NULL);
CREATE INDEX IF NOT EXISTS images_run ON images(run_no, entity);
CREATE TABLE IF NOT EXISTS watermarks(run_no bigint NOT NULL, source_entity text NOT NULL, field text NOT NULL, value text, PRIMARY KEY(run_no, source_entity));
CREATE TABLE IF NOT EXISTS partitions(run_no bigint NOT NULL, part bigint NOT NULL, parts bigint NOT NULL, status text NOT NULL, holder text, started_at text, finished_at text,
  attempts bigint NOT NULL DEFAULT 0, PRIMARY KEY(run_no, part));
CREATE TABLE IF NOT EXISTS deferred(seq bigserial PRIMARY KEY, run_no bigint NOT NULL, part bigint NOT NULL, entity text NOT NULL, records bigint NOT NULL, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS created(run_no bigint NOT NULL, entity text NOT NULL, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS steps(run_no bigint NOT NULL, step text NOT NULL, done_at text NOT NULL, PRIMARY KEY(run_no, step));
CREATE TABLE IF NOT EXISTS source_positions(run_no bigint NOT NULL, source_entity text NOT NULL, ordinal bigint NOT NULL, inclusive bigint NOT NULL,
  byte_offset bigint NOT NULL, line bigint NOT NULL, file_length bigint NOT NULL, file_ticks bigint NOT NULL, at text NOT NULL, PRIMARY KEY(run_no, source_entity));
CREATE TABLE IF NOT EXISTS source_keys(run_no bigint NOT NULL, source_entity text NOT NULL, key_parts text NOT NULL, PRIMARY KEY(run_no, source_entity));";
                cmd.ExecuteNonQuery();
                tx.Commit();
            }
        }

        private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private void Lock(DbTransaction tx)
        {
            using var cmd = tx.Connection!.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT pg_advisory_xact_lock(hashtext(@k))";
            var p = cmd.CreateParameter();
            p.ParameterName = "@k";
            p.Value = _lockName;
            cmd.Parameters.Add(p);
            cmd.ExecuteNonQuery();
        }

        /// <inheritdoc/>
        public IReadOnlyList<string> Upgrade(int fromVersion) => Array.Empty<string>(); // the first PostgreSQL ledgers are of version 5

        /// <inheritdoc/>
        public DbTransaction Begin(bool exclusive, DbConnection? connection = null)
        {
            var tx = (connection ?? _db).BeginTransaction();
            if (exclusive) Lock(tx);
            return tx;
        }

        /// <inheritdoc/>
        public string EqualsNoCase(string column, string parameter) => "lower(" + column + ") = lower(" + parameter + ")";

        /// <inheritdoc/>
        public string DecisionsConflict => "((lower(entity)), key_a, key_b)";

        /// <inheritdoc/>
        public bool IsTransient(Exception ex)
        {
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                if (e is PostgresException pg && pg.SqlState is "40001" or "40P01" or "55P03" or "57P01") return true;
                if (e is NpgsqlException n && n.IsTransient) return true;
            }
            return false;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _db.Dispose();
        }
    }
}
