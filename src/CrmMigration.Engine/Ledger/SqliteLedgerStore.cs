using System;
using System.Collections.Generic;
using System.Data.Common;
using System.IO;
using CrmMigration.Engine.Providers.Sqlite;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A ledger in an SQLite file: write-ahead log while open (readers never wait for the writer), synchronous=NORMAL, a busy
    /// timeout for the few processes of one machine that share it; left whole in its own file (no -wal or -shm) when closed.
    /// </summary>
    public sealed class SqliteLedgerStore : ILedgerStore
    {
        private readonly SqliteConnection _db;

        /// <summary>Opens (creating) the ledger file.</summary>
        public SqliteLedgerStore(string path)
        {
            Location = System.IO.Path.GetFullPath(path);
            string? dir = System.IO.Path.GetDirectoryName(Location);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            try
            {
                _db = Open();
            }
            catch (SqliteException ex)
            {
                throw new CrmException(new CrmDataError("LedgerOpenFailed", CrmErrorKind.ConnectionError, $"Cannot open the migration ledger: {ex.Message}") { File = Location }, ex);
            }
        }

        private SqliteConnection Open()
        {
            var db = SqliteSql.Open(Location, write: true);
            SqliteSql.Execute(db, "PRAGMA journal_mode=WAL");
            SqliteSql.Execute(db, "PRAGMA synchronous=NORMAL");
            SqliteSql.Execute(db, "PRAGMA busy_timeout=10000");
            SqliteSql.Execute(db, "PRAGMA cache_size=-8192"); // 8 MB: one blob row per batch; 64 MB only raised the peak (issue 15)
            return db;
        }

        /// <inheritdoc/>
        public string Location { get; }

        /// <inheritdoc/>
        public bool IsFile => true;

        /// <inheritdoc/>
        public DbConnection Connection => _db;

        /// <inheritdoc/>
        public DbConnection OpenConnection()
        {
            var db = SqliteSql.Open(Location, write: true);
            SqliteSql.Execute(db, "PRAGMA busy_timeout=10000");
            return db;
        }

        /// <inheritdoc/>
        public void CreateTables()
        {
            SqliteSql.Execute(_db, @"
CREATE TABLE IF NOT EXISTS ledger_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(run_no INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  user_name TEXT, host TEXT, source TEXT, target TEXT, mapping_hash TEXT, module_version TEXT, parameters TEXT, attempts INTEGER NOT NULL DEFAULT 1,
  kind TEXT, previous_run TEXT, undoes TEXT, undone_by TEXT, parts INTEGER);
CREATE TABLE IF NOT EXISTS batches(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL,
  records INTEGER NOT NULL, recorded_at TEXT NOT NULL, data BLOB NOT NULL, part INTEGER);
CREATE INDEX IF NOT EXISTS batches_run ON batches(run_no, entity);
CREATE TABLE IF NOT EXISTS content_reset(target TEXT NOT NULL, entity TEXT NOT NULL, after_seq INTEGER NOT NULL, PRIMARY KEY(target, entity));
CREATE TABLE IF NOT EXISTS crosswalk(source_entity TEXT NOT NULL, source_key TEXT NOT NULL, target_entity TEXT NOT NULL, target_key TEXT NOT NULL, run_no INTEGER,
  PRIMARY KEY(source_entity, source_key, target_entity)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS crosswalk_by_target ON crosswalk(target_entity, source_key);
CREATE TABLE IF NOT EXISTS counters(run_no INTEGER NOT NULL, entity TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS checkpoints(run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL, last_source_key TEXT, at TEXT,
  PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS schema_pending(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, what TEXT NOT NULL, sql TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merge_decisions(entity TEXT NOT NULL COLLATE NOCASE, key_a TEXT NOT NULL, key_b TEXT NOT NULL, same INTEGER NOT NULL, note TEXT,
  source TEXT, user_name TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY(entity, key_a, key_b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases(target TEXT PRIMARY KEY, run_id TEXT NOT NULL, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
  acquired_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL);
" + SharedTablesSince5);
        }

        /// <summary>The tables schema version 5 added (before-images, watermarks, partitions, deferred records, tables a run created, once-per-run steps).</summary>
        internal const string SharedTablesSince5 = @"
CREATE TABLE IF NOT EXISTS images(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, part INTEGER,
  records INTEGER NOT NULL, recorded_at TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS images_run ON images(run_no, entity);
CREATE TABLE IF NOT EXISTS watermarks(run_no INTEGER NOT NULL, source_entity TEXT NOT NULL, field TEXT NOT NULL, value TEXT, PRIMARY KEY(run_no, source_entity));
CREATE TABLE IF NOT EXISTS partitions(run_no INTEGER NOT NULL, part INTEGER NOT NULL, parts INTEGER NOT NULL, status TEXT NOT NULL, holder TEXT, started_at TEXT, finished_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_no, part));
CREATE TABLE IF NOT EXISTS deferred(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, part INTEGER NOT NULL, entity TEXT NOT NULL, records INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS created(run_no INTEGER NOT NULL, entity TEXT NOT NULL, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS steps(run_no INTEGER NOT NULL, step TEXT NOT NULL, done_at TEXT NOT NULL, PRIMARY KEY(run_no, step));
CREATE TABLE IF NOT EXISTS source_positions(run_no INTEGER NOT NULL, source_entity TEXT NOT NULL, ordinal INTEGER NOT NULL, inclusive INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL, line INTEGER NOT NULL, file_length INTEGER NOT NULL, file_ticks INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY(run_no, source_entity));
CREATE TABLE IF NOT EXISTS source_keys(run_no INTEGER NOT NULL, source_entity TEXT NOT NULL, key_parts TEXT NOT NULL, PRIMARY KEY(run_no, source_entity));";

        /// <inheritdoc/>
        public IReadOnlyList<string> Upgrade(int fromVersion)
        {
            var list = new List<string>();
            if (fromVersion <= 4)
            {
                foreach (var c in new[] { "kind TEXT", "previous_run TEXT", "undoes TEXT", "undone_by TEXT", "parts INTEGER" }) list.Add("ALTER TABLE runs ADD COLUMN " + c);
                list.Add("ALTER TABLE counters ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0");
                list.Add("ALTER TABLE batches ADD COLUMN part INTEGER");
            }
            return list;
        }

        /// <inheritdoc/>
        public DbTransaction Begin(bool exclusive, DbConnection? connection = null)
        {
            // BEGIN IMMEDIATE: the write lock is taken at once, so two writers never deadlock upgrading read locks.
            return ((SqliteConnection)(connection ?? _db)).BeginTransaction(deferred: false);
        }

        /// <inheritdoc/>
        public string EqualsNoCase(string column, string parameter) => column + " = " + parameter + " COLLATE NOCASE";

        /// <inheritdoc/>
        public string DecisionsConflict => "(entity, key_a, key_b)";

        /// <inheritdoc/>
        public bool IsTransient(Exception ex)
        {
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                if (e is SqliteException s && (s.SqliteErrorCode == 5 || s.SqliteErrorCode == 6)) return true; // BUSY, LOCKED
            }
            return false;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            // Leave the ledger whole in its own file: no -wal or -shm behind.
            SqliteSql.LeaveWhole(_db);
            _db.Dispose();
        }
    }
}
