using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CrmMigration.Engine.Providers.Sqlite;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>One record's entry for the ledger.</summary>
    public readonly struct LedgerEntry
    {
        public LedgerEntry(string sourceEntity, string sourceKey, string? targetKey, CrmRecordOutcome outcome, long? contentHash)
        {
            SourceEntity = sourceEntity;
            SourceKey = sourceKey;
            TargetKey = targetKey;
            Outcome = outcome;
            ContentHash = contentHash;
        }

        public string SourceEntity { get; }
        public string SourceKey { get; }
        public string? TargetKey { get; }
        public CrmRecordOutcome Outcome { get; }
        public long? ContentHash { get; }
    }

    /// <summary>What a run is about (no secrets anywhere).</summary>
    public sealed class LedgerRunInfo
    {
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        public string? MappingHash { get; set; }
        public string ModuleVersion { get; set; } = "";
        public string Parameters { get; set; } = "";
    }

    /// <summary>
    /// The migration ledger: an SQLite file holding runs, the outcome of every record, the old→new key
    /// crosswalk, content fingerprints of what each target holds, per-entity counters and checkpoints.
    /// Each batch is recorded in one transaction after the target committed it; a crash between the
    /// two leaves records the target has but the ledger lacks, which a resumed run re-sends as upserts
    /// (and finds unchanged), so nothing is lost or doubled. The per-record statements run on the
    /// native handle with positional binding: the ledger is on every import's hot path.
    /// </summary>
    public sealed partial class MigrationLedger : IDisposable
    {
        private const int SchemaVersion = 4;
        private readonly SqliteConnection _db;
        private readonly string _path;
        private readonly Dictionary<string, long> _runNumbers = new(StringComparer.Ordinal);
        private SqliteRawStatement? _putBatch, _putCrosswalk, _addCounters, _putCheckpoint, _begin, _commit, _rollback;

        public MigrationLedger(string path)
        {
            _path = System.IO.Path.GetFullPath(path);
            string? dir = System.IO.Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            try
            {
                _db = SqliteSql.Open(_path, write: true);
                SqliteSql.Execute(_db, "PRAGMA journal_mode=WAL");
                SqliteSql.Execute(_db, "PRAGMA synchronous=NORMAL");
                SqliteSql.Execute(_db, "PRAGMA busy_timeout=10000");
                SqliteSql.Execute(_db, "PRAGMA cache_size=-8192"); // 8 MB: one blob row per batch; 64 MB only raised the peak (issue 15)
                CreateSchema();
            }
            catch (SqliteException ex)
            {
                throw new CrmException(new CrmDataError("LedgerOpenFailed", CrmErrorKind.ConnectionError, $"Cannot open the migration ledger: {ex.Message}") { File = _path }, ex);
            }
        }

        /// <summary>The ledger file.</summary>
        public string Path => _path;

        /// <summary>
        /// The default ledger: next to a file target (&lt;file&gt;.crm-ledger.sqlite, or .crm-ledger.sqlite inside a folder
        /// target); for a database server, crm-ledger-&lt;provider&gt;-&lt;server&gt;-&lt;port&gt;-&lt;database&gt;.sqlite in the user's
        /// state folder (<see cref="StateHome"/>), so a job started from any working directory finds it.
        /// </summary>
        public static string DefaultPath(CrmConnection target)
        {
            string location = target.Location;
            if (target.Provider is not (CrmProviderKind.Sqlite or CrmProviderKind.Csv or CrmProviderKind.Excel))
            {
                return System.IO.Path.Combine(StateHome, "ledgers", LegacyDefaultPath(target));
            }
            if (Directory.Exists(location) || target.Provider == CrmProviderKind.Csv && System.IO.Path.GetExtension(location).Length == 0)
            {
                return System.IO.Path.Combine(location, ".crm-ledger.sqlite");
            }
            return location + ".crm-ledger.sqlite";
        }

        /// <summary>Where versions before 0.2 kept a database server's ledger: this relative name, in the working directory.</summary>
        public static string LegacyDefaultPath(CrmConnection target)
        {
            var safe = new System.Text.StringBuilder("crm-ledger-").Append(target.Provider.ToString().ToLowerInvariant()).Append('-');
            foreach (char c in target.Location) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-');
            return safe.Append(".sqlite").ToString();
        }

        /// <summary>
        /// The user's state folder for CrmMigration: $CRMMIGRATION_STATE_HOME when set; on Windows %LOCALAPPDATA%\CrmMigration;
        /// elsewhere $XDG_STATE_HOME/CrmMigration, or ~/.local/state/CrmMigration.
        /// </summary>
        public static string StateHome
        {
            get
            {
                string? own = Environment.GetEnvironmentVariable("CRMMIGRATION_STATE_HOME");
                if (!string.IsNullOrEmpty(own)) return System.IO.Path.GetFullPath(own);
                if (OperatingSystem.IsWindows()) return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "CrmMigration");
                string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
                if (!string.IsNullOrEmpty(xdg) && System.IO.Path.IsPathRooted(xdg)) return System.IO.Path.Combine(xdg, "CrmMigration");
                return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "CrmMigration");
            }
        }

        /// <summary>
        /// The ledger a command uses: <paramref name="statePath"/> when given (resolved), else the default; for a database
        /// server whose default does not exist yet while a ledger of the earlier default exists in the working directory,
        /// that one, with a <paramref name="note"/> saying where to move it.
        /// </summary>
        public static string Locate(CrmConnection target, string? statePath, Func<string, string> resolve, out string? note)
        {
            note = null;
            if (statePath is not null) return resolve(statePath);
            string path = DefaultPath(target);
            if (target.Provider is CrmProviderKind.Sqlite or CrmProviderKind.Csv or CrmProviderKind.Excel) return resolve(path);
            string legacy = resolve(LegacyDefaultPath(target));
            if (!File.Exists(path) && File.Exists(legacy))
            {
                note = $"Using the ledger '{legacy}' in the working directory (where earlier versions kept it). The default is now '{path}', found from any directory: move the file there, or keep giving -StatePath.";
                return legacy;
            }
            return path;
        }

        private void CreateSchema()
        {
            SqliteSql.Execute(_db, @"
CREATE TABLE IF NOT EXISTS ledger_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(run_no INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  user_name TEXT, host TEXT, source TEXT, target TEXT, mapping_hash TEXT, module_version TEXT, parameters TEXT, attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS batches(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL,
  records INTEGER NOT NULL, recorded_at TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS batches_run ON batches(run_no, entity);
CREATE TABLE IF NOT EXISTS content_reset(target TEXT NOT NULL, entity TEXT NOT NULL, after_seq INTEGER NOT NULL, PRIMARY KEY(target, entity));
CREATE TABLE IF NOT EXISTS crosswalk(source_entity TEXT NOT NULL, source_key TEXT NOT NULL, target_entity TEXT NOT NULL, target_key TEXT NOT NULL, run_no INTEGER,
  PRIMARY KEY(source_entity, source_key, target_entity)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS crosswalk_by_target ON crosswalk(target_entity, source_key);
CREATE TABLE IF NOT EXISTS counters(run_no INTEGER NOT NULL, entity TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS checkpoints(run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL, last_source_key TEXT, at TEXT,
  PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS schema_pending(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, what TEXT NOT NULL, sql TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merge_decisions(entity TEXT NOT NULL COLLATE NOCASE, key_a TEXT NOT NULL, key_b TEXT NOT NULL, same INTEGER NOT NULL, note TEXT,
  source TEXT, user_name TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY(entity, key_a, key_b)) WITHOUT ROWID;");
            CreateLeaseSchema();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT OR IGNORE INTO ledger_info(key, value) VALUES ('schema_version', $v)";
            cmd.Parameters.AddWithValue("$v", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
            using var check = _db.CreateCommand();
            check.CommandText = "SELECT value FROM ledger_info WHERE key = 'schema_version'";
            if (!string.Equals(check.ExecuteScalar() as string, SchemaVersion.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                throw new CrmException(new CrmDataError("LedgerSchemaUnsupported", CrmErrorKind.InvalidArgument,
                    $"The migration ledger was written by another version of CrmMigration (schema {check.ExecuteScalar()}, this version reads {SchemaVersion}). Use another -StatePath.") { File = _path });
            }
        }

        /// <summary>Starts a new run, or resumes one: an id that exists resumes it; <paramref name="resumeLatest"/> picks the newest unfinished run for the same target.</summary>
        public (string RunId, bool Resumed) StartOrResume(LedgerRunInfo info, string? runId, bool resumeLatest)
        {
            if (runId is null && resumeLatest)
            {
                using var find = _db.CreateCommand();
                find.CommandText = "SELECT run_id FROM runs WHERE target = $t AND status <> 'Completed' ORDER BY run_no DESC LIMIT 1";
                find.Parameters.AddWithValue("$t", info.Target);
                runId = find.ExecuteScalar() as string;
                if (runId is null)
                {
                    throw new CrmException("LedgerNothingToResume", CrmErrorKind.NotFound, $"The ledger {_path} has no unfinished run for {info.Target} to resume.");
                }
            }
            if (runId is not null && RunNumber(runId, required: false) is long)
            {
                AcquireLease(info.Target, runId);
                using var upd = _db.CreateCommand();
                upd.CommandText = "UPDATE runs SET status = 'Running', attempts = attempts + 1, finished_at = NULL WHERE run_id = $r";
                upd.Parameters.AddWithValue("$r", runId);
                upd.ExecuteNonQuery();
                return (runId, true);
            }
            runId ??= DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            AcquireLease(info.Target, runId);
            using (var ins = _db.CreateCommand())
            {
                ins.CommandText = @"INSERT INTO runs(run_id, status, started_at, user_name, host, source, target, mapping_hash, module_version, parameters, attempts)
VALUES ($r, 'Running', $at, $u, $h, $s, $t, $m, $v, $p, 1)";
                ins.Parameters.AddWithValue("$r", runId);
                ins.Parameters.AddWithValue("$at", Now());
                ins.Parameters.AddWithValue("$u", Environment.UserName);
                ins.Parameters.AddWithValue("$h", Environment.MachineName);
                ins.Parameters.AddWithValue("$s", info.Source);
                ins.Parameters.AddWithValue("$t", info.Target);
                ins.Parameters.AddWithValue("$m", (object?)info.MappingHash ?? DBNull.Value);
                ins.Parameters.AddWithValue("$v", info.ModuleVersion);
                ins.Parameters.AddWithValue("$p", info.Parameters);
                ins.ExecuteNonQuery();
            }
            return (runId, false);
        }

        private long? RunNumber(string runId, bool required = true)
        {
            if (_runNumbers.TryGetValue(runId, out long n)) return n;
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT run_no FROM runs WHERE run_id = $r";
            cmd.Parameters.AddWithValue("$r", runId);
            if (cmd.ExecuteScalar() is long found)
            {
                _runNumbers[runId] = found;
                return found;
            }
            if (required) throw new CrmException("RunNotFound", CrmErrorKind.NotFound, $"The ledger {_path} has no run '{runId}'.");
            return null;
        }

        /// <summary>Adds "; <paramref name="text"/>" to the run's recorded parameters (how the run read its sources: the encoding of each file), once.</summary>
        public void AppendRunParameters(string runId, string text)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "UPDATE runs SET parameters = CASE WHEN COALESCE(parameters, '') = '' THEN $p WHEN instr(parameters, $p) > 0 THEN parameters ELSE parameters || '; ' || $p END WHERE run_id = $r";
            cmd.Parameters.AddWithValue("$p", text);
            cmd.Parameters.AddWithValue("$r", runId);
            cmd.ExecuteNonQuery();
        }

        /// <summary>Sets the source and mapping hash once the first record shows them.</summary>
        public void DescribeRun(string runId, string? source, string? mappingHash)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "UPDATE runs SET source = COALESCE(NULLIF(source, ''), $s), mapping_hash = COALESCE(mapping_hash, $m) WHERE run_id = $r";
            cmd.Parameters.AddWithValue("$s", (object?)source ?? "");
            cmd.Parameters.AddWithValue("$m", (object?)mappingHash ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$r", runId);
            cmd.ExecuteNonQuery();
        }

        /// <summary>
        /// The fingerprint index of a target entity: target key hash → content fingerprint of what the ledger
        /// last recorded as landed there (later batches win), built from the recorded batches after the last
        /// reset. Held in memory by an import that can skip unchanged records: about 40 bytes per record.
        /// </summary>
        public Dictionary<long, long> ContentIndex(string target, string entity)
        {
            var index = new Dictionary<long, long>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = @"SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no
WHERE r.target = $t AND b.entity = $e AND b.seq > COALESCE((SELECT after_seq FROM content_reset WHERE target = $t AND entity = $e), 0) ORDER BY b.seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var d in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    if (d.ContentHash is long h && d.TargetKey is not null && d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped)
                    {
                        index[ContentHash.OfKey(d.TargetKey)] = h;
                    }
                }
            }
            return index;
        }

        /// <summary>The target keys of the records the ledger recorded as landed in a target entity (after the last reset), each once.</summary>
        public List<string> ContentKeys(string target, string entity)
        {
            var keys = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            using var cmd = _db.CreateCommand();
            cmd.CommandText = @"SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no
WHERE r.target = $t AND b.entity = $e AND b.seq > COALESCE((SELECT after_seq FROM content_reset WHERE target = $t AND entity = $e), 0) ORDER BY b.seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var d in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    if (d.ContentHash is not null && d.TargetKey is not null && d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped && seen.Add(d.TargetKey)) keys.Add(d.TargetKey);
                }
            }
            return keys;
        }

        /// <summary>
        /// What a run already accounted for in an entity, for resuming it: landed records (target key hash →
        /// fingerprint) and rejected ones (source key hashes).
        /// </summary>
        public (Dictionary<long, long> Landed, HashSet<long> Rejected) RunIndex(string runId, string entity)
        {
            var landed = new Dictionary<long, long>();
            var rejected = new HashSet<long>();
            foreach (var (_, _, _, entries) in Batches(runId, entity))
            {
                foreach (var d in entries)
                {
                    bool ok = d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped;
                    if (ok && d.TargetKey is not null) landed[ContentHash.OfKey(d.TargetKey)] = d.ContentHash ?? 0;
                    else if (!ok) rejected.Add(ContentHash.OfKey(d.SourceKey));
                }
            }
            return (landed, rejected);
        }

        /// <summary>
        /// The crosswalk for references: the target keys of <paramref name="targetEntity"/> records whose source
        /// keys are given, for those whose key changed on the way (source key text → target key text).
        /// </summary>
        public Dictionary<string, string> TranslateKeys(string targetEntity, IReadOnlyCollection<string> sourceKeys)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (sourceKeys.Count == 0) return result;
            var all = new List<string>(sourceKeys);
            const int chunk = 500;
            for (int start = 0; start < all.Count; start += chunk)
            {
                int end = Math.Min(all.Count, start + chunk);
                using var cmd = _db.CreateCommand();
                var sql = new System.Text.StringBuilder("SELECT source_key, target_key FROM crosswalk WHERE target_entity = $e AND source_key IN (");
                for (int i = start; i < end; i++)
                {
                    string name = "$k" + (i - start).ToString(CultureInfo.InvariantCulture);
                    if (i > start) sql.Append(", ");
                    sql.Append(name);
                    cmd.Parameters.AddWithValue(name, all[i]);
                }
                sql.Append(") ORDER BY run_no");
                cmd.CommandText = sql.ToString();
                cmd.Parameters.AddWithValue("$e", targetEntity);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) result[reader.GetString(0)] = reader.GetString(1);
            }
            return result;
        }

        /// <summary>Forgets the fingerprints of a target entity (the target no longer holds what the ledger recorded).</summary>
        public void ForgetContent(string target, string entity)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = @"INSERT INTO content_reset(target, entity, after_seq) VALUES ($t, $e, (SELECT COALESCE(MAX(seq), 0) FROM batches))
ON CONFLICT(target, entity) DO UPDATE SET after_seq = excluded.after_seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            cmd.ExecuteNonQuery();
        }

        /// <summary>
        /// Records a batch in one transaction: its outcomes with the fingerprints of landed records (one
        /// compact row for the whole batch), the crosswalk where a key changed, the counters and the
        /// checkpoint. Nothing is written per record into an index: the indexes are built from the batches
        /// when a later import needs them, so recording stays cheap however large the target grows.
        /// </summary>
        public void RecordBatch(string runId, string entity, int batch, IReadOnlyList<LedgerEntry> entries)
        {
            if (entries.Count == 0) return;
            Prepare();
            long run = RunNumber(runId)!.Value;
            long inserted = 0, updated = 0, skipped = 0, rejected = 0, merged = 0, filtered = 0;
            string at = Now();
            byte[] blob = BatchCodec.Encode(entries);
            _begin!.Run();
            try
            {
                var b = _putBatch!;
                b.Bind(1, run); b.Bind(2, entity); b.Bind(3, (long)batch); b.Bind(4, (long)entries.Count); b.Bind(5, at); b.Bind(6, blob);
                b.Run();
                foreach (var e in entries)
                {
                    var o = e.Outcome;
                    switch (o.Outcome)
                    {
                        case CrmOutcome.Inserted: inserted++; break;
                        case CrmOutcome.Updated: updated++; break;
                        case CrmOutcome.Skipped: skipped++; break;
                        case CrmOutcome.Merged: merged++; break;
                        case CrmOutcome.Filtered: filtered++; break;
                        default: rejected++; break;
                    }
                    // Landed records whose key changed, and merged records (→ their survivor): children are re-pointed through it.
                    bool landed = o.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped or CrmOutcome.Merged;
                    if (landed && e.TargetKey is not null && !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal))
                    {
                        var x = _putCrosswalk!;
                        x.Bind(1, e.SourceEntity); x.Bind(2, e.SourceKey); x.Bind(3, entity); x.Bind(4, e.TargetKey); x.Bind(5, run);
                        x.Run();
                    }
                }
                var k = _addCounters!;
                object[] counts = { run, entity, (long)entries.Count, inserted, updated, skipped, rejected, merged, filtered };
                for (int i = 0; i < counts.Length; i++) k.Bind(i + 1, counts[i]);
                k.Run();
                var cp = _putCheckpoint!;
                object?[] point = { run, entity, (long)batch, (long)entries.Count, entries[entries.Count - 1].SourceKey, at };
                for (int i = 0; i < point.Length; i++) cp.Bind(i + 1, point[i]);
                cp.Run();
                RenewLease(null);
                _commit!.Run();
            }
            catch
            {
                _rollback!.Run();
                throw;
            }
        }

        private void Prepare()
        {
            if (_putBatch is not null) return;
            var db = _db.Handle!;
            _putBatch = new SqliteRawStatement(db, "INSERT INTO batches(run_no, entity, batch, records, recorded_at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            _putCrosswalk = new SqliteRawStatement(db, "INSERT OR REPLACE INTO crosswalk(source_entity, source_key, target_entity, target_key, run_no) VALUES (?1, ?2, ?3, ?4, ?5)");
            _addCounters = new SqliteRawStatement(db, @"INSERT INTO counters(run_no, entity, read, inserted, updated, skipped, rejected, merged, filtered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT(run_no, entity) DO UPDATE SET read = read + excluded.read, inserted = inserted + excluded.inserted, updated = updated + excluded.updated,
  skipped = skipped + excluded.skipped, rejected = rejected + excluded.rejected, merged = merged + excluded.merged, filtered = filtered + excluded.filtered");
            _putCheckpoint = new SqliteRawStatement(db, @"INSERT INTO checkpoints(run_no, entity, batch, records, last_source_key, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(run_no, entity) DO UPDATE SET batch = excluded.batch, records = records + excluded.records, last_source_key = excluded.last_source_key, at = excluded.at");
            _begin = new SqliteRawStatement(db, "BEGIN IMMEDIATE");
            _commit = new SqliteRawStatement(db, "COMMIT");
            _rollback = new SqliteRawStatement(db, "ROLLBACK");
        }

        /// <summary>Keeps after-data schema statements (foreign keys, indexes) of a run, so a resumed run still makes them.</summary>
        public void SavePendingSchema(string runId, IEnumerable<Schema.SchemaStatement> statements)
        {
            long run = RunNumber(runId)!.Value;
            using var tx = _db.BeginTransaction();
            foreach (var st in statements)
            {
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO schema_pending(run_no, entity, what, sql) SELECT $r, $e, $w, $s WHERE NOT EXISTS (SELECT 1 FROM schema_pending WHERE run_no = $r AND sql = $s)";
                cmd.Parameters.AddWithValue("$r", run);
                cmd.Parameters.AddWithValue("$e", st.Entity);
                cmd.Parameters.AddWithValue("$w", st.What);
                cmd.Parameters.AddWithValue("$s", st.Sql);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }

        /// <summary>The after-data schema statements a run kept and has not run yet.</summary>
        public List<Schema.SchemaStatement> PendingSchema(string runId)
        {
            var list = new List<Schema.SchemaStatement>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT entity, what, sql FROM schema_pending WHERE run_no = $r ORDER BY seq";
            cmd.Parameters.AddWithValue("$r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(new Schema.SchemaStatement(reader.GetString(0), Schema.SchemaStep.AfterData, reader.GetString(1), reader.GetString(2)));
            return list;
        }

        /// <summary>Forgets a run's after-data schema statements (they ran).</summary>
        public void ClearPendingSchema(string runId)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM schema_pending WHERE run_no = $r";
            cmd.Parameters.AddWithValue("$r", RunNumber(runId)!.Value);
            cmd.ExecuteNonQuery();
        }

        /// <summary>Marks a run Completed or Failed.</summary>
        public void FinishRun(string runId, bool success)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "UPDATE runs SET status = $s, finished_at = $at WHERE run_id = $r";
            cmd.Parameters.AddWithValue("$s", success ? "Completed" : "Failed");
            cmd.Parameters.AddWithValue("$at", Now());
            cmd.Parameters.AddWithValue("$r", runId);
            cmd.ExecuteNonQuery();
            ReleaseLease();
        }

        /// <summary>The run's per-entity counters as summaries.</summary>
        public List<CrmImportSummary> Counters(string runId, string target)
        {
            var list = new List<CrmImportSummary>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT entity, read, inserted, updated, skipped, rejected, merged, filtered FROM counters WHERE run_no = $r ORDER BY entity";
            cmd.Parameters.AddWithValue("$r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new CrmImportSummary(reader.GetString(0), target)
                {
                    Read = reader.GetInt64(1),
                    Inserted = reader.GetInt64(2),
                    Updated = reader.GetInt64(3),
                    Skipped = reader.GetInt64(4),
                    Rejected = reader.GetInt64(5),
                    Merged = reader.GetInt64(6),
                    Filtered = reader.GetInt64(7),
                });
            }
            return list;
        }

        /// <summary>
        /// Checks a run's books: per entity, read = inserted + updated + skipped + rejected + merged + filtered,
        /// and the counters agree with the per-record outcomes. Returns one line per discrepancy.
        /// </summary>
        public List<string> Verify(string runId)
        {
            var problems = new List<string>();
            var byOutcome = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var (entity, _, _, entries) in Batches(runId, null))
            {
                if (!byOutcome.TryGetValue(entity, out var counts)) byOutcome[entity] = counts = new long[6];
                foreach (var e in entries) counts[(int)e.Outcome]++;
            }
            foreach (var s in Counters(runId, ""))
            {
                long sum = s.Inserted + s.Updated + s.Skipped + s.Rejected + s.Merged + s.Filtered;
                if (s.Read != sum) problems.Add($"{s.Entity}: read {s.Read} but inserted + updated + skipped + rejected + merged + filtered = {sum} (difference {s.Read - sum}).");
                byOutcome.TryGetValue(s.Entity, out var c);
                c ??= new long[6];
                long recorded = c[0] + c[1] + c[2] + c[3] + c[4] + c[5];
                if (recorded != s.Read) problems.Add($"{s.Entity}: the counters say {s.Read} records were read but {recorded} record outcomes are recorded (difference {s.Read - recorded}).");
                Compare(problems, s.Entity, "inserted", s.Inserted, c[(int)CrmOutcome.Inserted]);
                Compare(problems, s.Entity, "updated", s.Updated, c[(int)CrmOutcome.Updated]);
                Compare(problems, s.Entity, "skipped", s.Skipped, c[(int)CrmOutcome.Skipped]);
                Compare(problems, s.Entity, "rejected", s.Rejected, c[(int)CrmOutcome.Rejected]);
                byOutcome.Remove(s.Entity);
            }
            foreach (var left in byOutcome.Keys) problems.Add($"{left}: record outcomes are recorded but the entity has no counters.");
            return problems;
        }

        private static void Compare(List<string> problems, string entity, string what, long counter, long recorded)
        {
            if (counter != recorded) problems.Add($"{entity}: {what} counter {counter} but {recorded} records recorded as {what} (difference {counter - recorded}).");
        }

        /// <summary>Runs, newest first; <paramref name="verify"/> false leaves Balanced false for a caller that checks the books itself.</summary>
        public List<CrmMigrationRun> Runs(string? runId, bool verify = true)
        {
            var list = new List<CrmMigrationRun>();
            using (var cmd = _db.CreateCommand())
            {
                cmd.CommandText = "SELECT run_id, status, started_at, finished_at, user_name, host, source, target, mapping_hash, module_version, parameters, attempts FROM runs"
                    + (runId is null ? "" : " WHERE run_id = $r") + " ORDER BY run_no DESC";
                if (runId is not null) cmd.Parameters.AddWithValue("$r", runId);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    list.Add(new CrmMigrationRun(reader.GetString(0))
                    {
                        Status = reader.GetString(1),
                        StartedAt = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                        FinishedAt = reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                        User = reader.IsDBNull(4) ? "" : reader.GetString(4),
                        Host = reader.IsDBNull(5) ? "" : reader.GetString(5),
                        Source = reader.IsDBNull(6) ? "" : reader.GetString(6),
                        Target = reader.IsDBNull(7) ? "" : reader.GetString(7),
                        MappingHash = reader.IsDBNull(8) ? null : reader.GetString(8),
                        ModuleVersion = reader.IsDBNull(9) ? "" : reader.GetString(9),
                        Parameters = reader.IsDBNull(10) ? "" : reader.GetString(10),
                        Attempts = reader.GetInt32(11),
                    });
                }
            }
            foreach (var run in list)
            {
                run.Entities = Counters(run.RunId, run.Target);
                if (verify) run.Balanced = Verify(run.RunId).Count == 0;
            }
            return list;
        }

        /// <summary>The newest run, of <paramref name="target"/> when given (its display name as the run recorded it); null when there is none.</summary>
        public string? LatestRunId(string? target)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT run_id FROM runs" + (target is null ? "" : " WHERE target = $t") + " ORDER BY run_no DESC LIMIT 1";
            if (target is not null) cmd.Parameters.AddWithValue("$t", target);
            return cmd.ExecuteScalar() as string;
        }

        /// <summary>Every outcome a run recorded, oldest first, with its (target) entity: what a report counts and samples.</summary>
        public IEnumerable<(string Entity, DecodedEntry Entry)> RunEntries(string runId)
        {
            RunNumber(runId);
            foreach (var (entity, _, _, entries) in Batches(runId, null))
            {
                foreach (var e in entries) yield return (entity, e);
            }
        }

        /// <summary>The recorded batches of a run (or of every run), oldest first, decoded.</summary>
        private IEnumerable<(string Entity, string RunId, DateTimeOffset At, IEnumerable<DecodedEntry> Entries)> Batches(string? runId, string? entity)
        {
            using var cmd = _db.CreateCommand();
            var where = new List<string>();
            if (runId is not null) { where.Add("b.run_no = $r"); cmd.Parameters.AddWithValue("$r", RunNumber(runId, required: false) ?? -1); }
            if (entity is not null) { where.Add("b.entity = $e COLLATE NOCASE"); cmd.Parameters.AddWithValue("$e", entity); }
            cmd.CommandText = "SELECT b.entity, r.run_id, b.recorded_at, b.data, b.batch FROM batches b JOIN runs r ON r.run_no = b.run_no"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY b.seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                yield return (reader.GetString(0), reader.GetString(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture), BatchCodec.Decode((byte[])reader.GetValue(3)));
            }
        }

        /// <summary>
        /// The latest outcome the ledger recorded for each of <paramref name="keys"/> (matched on the target key,
        /// else the source key) in an entity of a target, across all runs: how a validator explains a key the
        /// target lacks (rejected at import, with its reason).
        /// </summary>
        public Dictionary<string, (CrmOutcome Outcome, string? ReasonCode)> LatestOutcomes(string target, string entity, IReadOnlySet<string> keys)
        {
            var result = new Dictionary<string, (CrmOutcome, string?)>(StringComparer.Ordinal);
            if (keys.Count == 0) return result;
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE r.target = $t AND b.entity = $e COLLATE NOCASE ORDER BY b.seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    // A merged record's target key is its survivor's: it is found by its own key only.
                    string? key = e.Outcome != CrmOutcome.Merged && e.TargetKey is not null && keys.Contains(e.TargetKey) ? e.TargetKey : keys.Contains(e.SourceKey) ? e.SourceKey : null;
                    if (key is not null) result[key] = (e.Outcome, e.ReasonCode);
                }
            }
            return result;
        }

        /// <summary>
        /// The keys (source and target keys alike) whose latest outcome for <paramref name="entity"/> of <paramref name="target"/>
        /// left nothing in the target: rejected, filtered or merged, with the reason and, for a merge, the key it went into.
        /// A key that landed in a later run is not listed. Memory grows with those keys only, not with the records that landed.
        /// </summary>
        public Dictionary<string, (CrmOutcome Outcome, string? ReasonCode, string? IntoKey)> NotLanded(string target, string entity)
        {
            var result = new Dictionary<string, (CrmOutcome, string?, string?)>(StringComparer.Ordinal);
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE r.target = $t AND b.entity = $e COLLATE NOCASE ORDER BY b.seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    bool landed = e.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped;
                    if (landed)
                    {
                        result.Remove(e.SourceKey);
                        if (e.TargetKey is not null) result.Remove(e.TargetKey);
                        continue;
                    }
                    var entry = (e.Outcome, e.ReasonCode, e.Outcome == CrmOutcome.Merged ? e.TargetKey : null);
                    result[e.SourceKey] = entry;
                    if (e.TargetKey is not null && e.Outcome != CrmOutcome.Merged) result[e.TargetKey] = entry;
                }
            }
            return result;
        }

        /// <summary>Record outcomes matching the filters (each null filter matches everything), oldest first.</summary>
        public IEnumerable<CrmMigrationRecord> Records(string? runId, string? entity, string? sourceKey, CrmOutcome? outcome, string? reasonCode)
        {
            using var cmd = _db.CreateCommand();
            var where = new List<string>();
            if (runId is not null) { where.Add("b.run_no = $r"); cmd.Parameters.AddWithValue("$r", RunNumber(runId, required: false) ?? -1); }
            if (entity is not null) { where.Add("b.entity = $e COLLATE NOCASE"); cmd.Parameters.AddWithValue("$e", entity); }
            cmd.CommandText = "SELECT b.entity, r.run_id, b.recorded_at, b.data, b.batch FROM batches b JOIN runs r ON r.run_no = b.run_no"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY b.seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                string batchEntity = reader.GetString(0), run = reader.GetString(1);
                var at = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture);
                int batch = reader.GetInt32(4);
                foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(3)))
                {
                    if (sourceKey is not null && !string.Equals(e.SourceKey, sourceKey, StringComparison.Ordinal)) continue;
                    if (outcome is not null && e.Outcome != outcome.Value) continue;
                    if (reasonCode is not null && !string.Equals(e.ReasonCode, reasonCode, StringComparison.Ordinal)) continue;
                    yield return new CrmMigrationRecord(run, batchEntity, e.SourceKey, e.Outcome)
                    {
                        TargetKey = e.TargetKey,
                        ReasonCode = e.ReasonCode,
                        Message = e.Message,
                        Field = e.Field,
                        Value = e.Value,
                        Batch = batch,
                        RecordedAt = at,
                    };
                }
            }
        }

        /// <summary>
        /// Remembers people's decisions on pairs of records (Merge-CrmRecord -Decisions): a later run applies them
        /// without being given the file again. A newer decision on the same pair replaces the older one.
        /// </summary>
        public int RecordDecisions(IEnumerable<Dedupe.MergeDecision> decisions, string? source)
        {
            int n = 0;
            using var tx = _db.BeginTransaction();
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = @"INSERT INTO merge_decisions(entity, key_a, key_b, same, note, source, user_name, recorded_at) VALUES ($e, $a, $b, $s, $n, $f, $u, $at)
ON CONFLICT(entity, key_a, key_b) DO UPDATE SET same = excluded.same, note = excluded.note, source = excluded.source, user_name = excluded.user_name, recorded_at = excluded.recorded_at
WHERE merge_decisions.same <> excluded.same OR COALESCE(merge_decisions.note, '') <> COALESCE(excluded.note, '')";
            var pe = cmd.Parameters.Add("$e", SqliteType.Text);
            var pa = cmd.Parameters.Add("$a", SqliteType.Text);
            var pb = cmd.Parameters.Add("$b", SqliteType.Text);
            var ps = cmd.Parameters.Add("$s", SqliteType.Integer);
            var pn = cmd.Parameters.Add("$n", SqliteType.Text);
            cmd.Parameters.AddWithValue("$f", (object?)source ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$u", Environment.UserName);
            cmd.Parameters.AddWithValue("$at", Now());
            foreach (var d in decisions)
            {
                bool ordered = string.CompareOrdinal(d.KeyA, d.KeyB) <= 0;
                pe.Value = d.Entity;
                pa.Value = ordered ? d.KeyA : d.KeyB;
                pb.Value = ordered ? d.KeyB : d.KeyA;
                ps.Value = d.Same ? 1 : 0;
                pn.Value = (object?)d.Note ?? DBNull.Value;
                n += cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return n;
        }

        /// <summary>Every decision the ledger remembers (of an entity, or all).</summary>
        public List<Dedupe.MergeDecision> Decisions(string? entity = null)
        {
            var list = new List<Dedupe.MergeDecision>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT entity, key_a, key_b, same, note FROM merge_decisions" + (entity is null ? "" : " WHERE entity = $e") + " ORDER BY entity, key_a, key_b";
            if (entity is not null) cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new Dedupe.MergeDecision(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0, reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
            return list;
        }

        /// <summary>
        /// The merges the ledger recorded for an entity of a target, across runs (latest wins): merged source key →
        /// the survivor's key in the target. What a validator needs to explain keys the target lacks because they
        /// were merged, and references that were re-pointed to survivors.
        /// </summary>
        public Dictionary<string, string> MergedKeys(string target, string entity)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE r.target = $t AND b.entity = $e COLLATE NOCASE ORDER BY b.seq";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    // (A repeated row merged into the first row of its own key, OnRepeat = 'Merge', moves no key.)
                    if (e.Outcome == CrmOutcome.Merged && e.TargetKey is not null && !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal)) result[e.SourceKey] = e.TargetKey;
                    else if (e.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) result.Remove(e.SourceKey);
                }
            }
            return result;
        }

        private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public void Dispose()
        {
            ReleaseLease();
            foreach (var c in new[] { _putBatch, _putCrosswalk, _addCounters, _putCheckpoint, _begin, _commit, _rollback }) c?.Dispose();
            // Leave the ledger whole in its own file: no -wal or -shm behind.
            SqliteSql.LeaveWhole(_db);
            _db.Dispose();
        }
    }
}
