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
        public LedgerEntry(string sourceEntity, string sourceKey, string? targetKey, CrmRecordOutcome outcome, byte[]? contentHash)
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
        public byte[]? ContentHash { get; }
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
    public sealed class MigrationLedger : IDisposable
    {
        private const int SchemaVersion = 1;
        private readonly SqliteConnection _db;
        private readonly string _path;
        private readonly Dictionary<string, long> _runNumbers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _targetNumbers = new(StringComparer.Ordinal);
        private SqliteRawStatement? _putOutcome, _putContent, _putCrosswalk, _addCounters, _putCheckpoint, _findOutcome, _findContent, _begin, _commit, _rollback;

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
                CreateSchema();
            }
            catch (SqliteException ex)
            {
                throw new CrmException(new CrmDataError("LedgerOpenFailed", CrmErrorKind.ConnectionError, $"Cannot open the migration ledger: {ex.Message}") { File = _path }, ex);
            }
        }

        /// <summary>The ledger file.</summary>
        public string Path => _path;

        /// <summary>The default ledger next to a target: &lt;file&gt;.crm-ledger.sqlite, or .crm-ledger.sqlite inside a folder target.</summary>
        public static string DefaultPath(CrmConnection target)
        {
            string location = target.Location;
            if (Directory.Exists(location) || target.Provider == CrmProviderKind.Csv && System.IO.Path.GetExtension(location).Length == 0)
            {
                return System.IO.Path.Combine(location, ".crm-ledger.sqlite");
            }
            return location + ".crm-ledger.sqlite";
        }

        private void CreateSchema()
        {
            SqliteSql.Execute(_db, @"
CREATE TABLE IF NOT EXISTS ledger_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(run_no INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  user_name TEXT, host TEXT, source TEXT, target TEXT, mapping_hash TEXT, module_version TEXT, parameters TEXT, attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS targets(target_no INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS outcomes(run_no INTEGER NOT NULL, entity TEXT NOT NULL, source_key TEXT NOT NULL, source_entity TEXT, target_key TEXT,
  outcome INTEGER NOT NULL, reason_code TEXT, message TEXT, batch INTEGER, recorded_at TEXT, PRIMARY KEY(run_no, entity, source_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS content(target_no INTEGER NOT NULL, entity TEXT NOT NULL, target_key TEXT NOT NULL, hash BLOB NOT NULL, run_no INTEGER,
  PRIMARY KEY(target_no, entity, target_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS crosswalk(source_entity TEXT NOT NULL, source_key TEXT NOT NULL, target_entity TEXT NOT NULL, target_key TEXT NOT NULL, run_no INTEGER,
  PRIMARY KEY(source_entity, source_key, target_entity)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters(run_no INTEGER NOT NULL, entity TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_no, entity));
CREATE TABLE IF NOT EXISTS checkpoints(run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL, last_source_key TEXT, at TEXT,
  PRIMARY KEY(run_no, entity));");
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT OR IGNORE INTO ledger_info(key, value) VALUES ('schema_version', $v)";
            cmd.Parameters.AddWithValue("$v", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
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
                using var upd = _db.CreateCommand();
                upd.CommandText = "UPDATE runs SET status = 'Running', attempts = attempts + 1, finished_at = NULL WHERE run_id = $r";
                upd.Parameters.AddWithValue("$r", runId);
                upd.ExecuteNonQuery();
                return (runId, true);
            }
            runId ??= DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
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

        private long TargetNumber(string target)
        {
            if (_targetNumbers.TryGetValue(target, out long n)) return n;
            using (var ins = _db.CreateCommand())
            {
                ins.CommandText = "INSERT OR IGNORE INTO targets(name) VALUES ($t)";
                ins.Parameters.AddWithValue("$t", target);
                ins.ExecuteNonQuery();
            }
            using var get = _db.CreateCommand();
            get.CommandText = "SELECT target_no FROM targets WHERE name = $t";
            get.Parameters.AddWithValue("$t", target);
            n = (long)get.ExecuteScalar()!;
            _targetNumbers[target] = n;
            return n;
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

        /// <summary>Adds to <paramref name="found"/> the source keys this run has already recorded for an entity (a resumed run skips them).</summary>
        public void FindRecorded(string runId, string entity, IReadOnlyList<string> sourceKeys, HashSet<string> found)
        {
            Prepare();
            long run = RunNumber(runId)!.Value;
            var q = _findOutcome!;
            foreach (string key in sourceKeys)
            {
                q.Bind(1, run);
                q.Bind(2, entity);
                q.Bind(3, key);
                if (q.Step() == SqliteSql.SqliteRow) found.Add(key);
                q.Reset();
            }
        }

        /// <summary>Fingerprints of what the target holds for these keys, as the ledger last recorded them.</summary>
        public void FindContent(string target, string entity, IReadOnlyList<string> targetKeys, Dictionary<string, byte[]> hashes)
        {
            Prepare();
            long t = TargetNumber(target);
            var q = _findContent!;
            foreach (string key in targetKeys)
            {
                q.Bind(1, t);
                q.Bind(2, entity);
                q.Bind(3, key);
                if (q.Step() == SqliteSql.SqliteRow && q.Column(0) is byte[] hash) hashes[key] = hash;
                q.Reset();
            }
        }

        /// <summary>How many records the ledger believes the target entity holds (fingerprints recorded).</summary>
        public long ContentCount(string target, string entity)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM content WHERE target_no = $t AND entity = $e";
            cmd.Parameters.AddWithValue("$t", TargetNumber(target));
            cmd.Parameters.AddWithValue("$e", entity);
            return (long)cmd.ExecuteScalar()!;
        }

        /// <summary>Forgets the fingerprints of a target entity (the target no longer holds what the ledger recorded).</summary>
        public void ForgetContent(string target, string entity)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM content WHERE target_no = $t AND entity = $e";
            cmd.Parameters.AddWithValue("$t", TargetNumber(target));
            cmd.Parameters.AddWithValue("$e", entity);
            cmd.ExecuteNonQuery();
        }

        /// <summary>Records a batch's outcomes, fingerprints, crosswalk, counters and checkpoint in one transaction.</summary>
        public void RecordBatch(string runId, string target, string entity, int batch, IReadOnlyList<LedgerEntry> entries, bool trackContent)
        {
            if (entries.Count == 0) return;
            Prepare();
            long run = RunNumber(runId)!.Value;
            long targetNo = TargetNumber(target);
            long inserted = 0, updated = 0, skipped = 0, rejected = 0, merged = 0, filtered = 0;
            string at = Now();
            _begin!.Run();
            try
            {
                foreach (var e in entries)
                {
                    var o = e.Outcome;
                    var put = _putOutcome!;
                    put.Bind(1, run);
                    put.Bind(2, entity);
                    put.Bind(3, e.SourceKey);
                    put.Bind(4, e.SourceEntity);
                    put.Bind(5, e.TargetKey);
                    put.Bind(6, (long)o.Outcome);
                    put.Bind(7, o.ReasonCode);
                    put.Bind(8, o.Message);
                    put.Bind(9, (long)batch);
                    put.Bind(10, at);
                    put.Run();
                    switch (o.Outcome)
                    {
                        case CrmOutcome.Inserted: inserted++; break;
                        case CrmOutcome.Updated: updated++; break;
                        case CrmOutcome.Skipped: skipped++; break;
                        case CrmOutcome.Merged: merged++; break;
                        case CrmOutcome.Filtered: filtered++; break;
                        default: rejected++; break;
                    }
                    bool landed = o.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped;
                    if (!landed || e.TargetKey is null) continue;
                    if (trackContent && e.ContentHash is not null)
                    {
                        var c = _putContent!;
                        c.Bind(1, targetNo);
                        c.Bind(2, entity);
                        c.Bind(3, e.TargetKey);
                        c.Bind(4, e.ContentHash);
                        c.Bind(5, run);
                        c.Run();
                    }
                    var x = _putCrosswalk!;
                    x.Bind(1, e.SourceEntity);
                    x.Bind(2, e.SourceKey);
                    x.Bind(3, entity);
                    x.Bind(4, e.TargetKey);
                    x.Bind(5, run);
                    x.Run();
                }
                var k = _addCounters!;
                object[] counts = { run, entity, (long)entries.Count, inserted, updated, skipped, rejected, merged, filtered };
                for (int i = 0; i < counts.Length; i++) k.Bind(i + 1, counts[i]);
                k.Run();
                var cp = _putCheckpoint!;
                object?[] point = { run, entity, (long)batch, (long)entries.Count, entries[entries.Count - 1].SourceKey, at };
                for (int i = 0; i < point.Length; i++) cp.Bind(i + 1, point[i]);
                cp.Run();
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
            if (_putOutcome is not null) return;
            var db = _db.Handle!;
            _putOutcome = new SqliteRawStatement(db, @"INSERT OR REPLACE INTO outcomes(run_no, entity, source_key, source_entity, target_key, outcome, reason_code, message, batch, recorded_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
            _putContent = new SqliteRawStatement(db, "INSERT OR REPLACE INTO content(target_no, entity, target_key, hash, run_no) VALUES (?1, ?2, ?3, ?4, ?5)");
            _putCrosswalk = new SqliteRawStatement(db, "INSERT OR REPLACE INTO crosswalk(source_entity, source_key, target_entity, target_key, run_no) VALUES (?1, ?2, ?3, ?4, ?5)");
            _addCounters = new SqliteRawStatement(db, @"INSERT INTO counters(run_no, entity, read, inserted, updated, skipped, rejected, merged, filtered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT(run_no, entity) DO UPDATE SET read = read + excluded.read, inserted = inserted + excluded.inserted, updated = updated + excluded.updated,
  skipped = skipped + excluded.skipped, rejected = rejected + excluded.rejected, merged = merged + excluded.merged, filtered = filtered + excluded.filtered");
            _putCheckpoint = new SqliteRawStatement(db, @"INSERT INTO checkpoints(run_no, entity, batch, records, last_source_key, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(run_no, entity) DO UPDATE SET batch = excluded.batch, records = records + excluded.records, last_source_key = excluded.last_source_key, at = excluded.at");
            _findOutcome = new SqliteRawStatement(db, "SELECT 1 FROM outcomes WHERE run_no = ?1 AND entity = ?2 AND source_key = ?3");
            _findContent = new SqliteRawStatement(db, "SELECT hash FROM content WHERE target_no = ?1 AND entity = ?2 AND target_key = ?3");
            _begin = new SqliteRawStatement(db, "BEGIN IMMEDIATE");
            _commit = new SqliteRawStatement(db, "COMMIT");
            _rollback = new SqliteRawStatement(db, "ROLLBACK");
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
            using (var cmd = _db.CreateCommand())
            {
                cmd.CommandText = "SELECT entity, outcome, count(*) FROM outcomes WHERE run_no = $r GROUP BY entity, outcome";
                cmd.Parameters.AddWithValue("$r", RunNumber(runId)!.Value);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    if (!byOutcome.TryGetValue(reader.GetString(0), out var counts)) byOutcome[reader.GetString(0)] = counts = new long[6];
                    counts[reader.GetInt32(1)] += reader.GetInt64(2);
                }
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

        /// <summary>Runs, newest first.</summary>
        public List<CrmMigrationRun> Runs(string? runId)
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
                run.Balanced = Verify(run.RunId).Count == 0;
            }
            return list;
        }

        /// <summary>Record outcomes matching the filters (each null filter matches everything), oldest first.</summary>
        public IEnumerable<CrmMigrationRecord> Records(string? runId, string? entity, string? sourceKey, CrmOutcome? outcome, string? reasonCode)
        {
            using var cmd = _db.CreateCommand();
            var where = new List<string>();
            if (runId is not null) { where.Add("o.run_no = $r"); cmd.Parameters.AddWithValue("$r", RunNumber(runId, required: false) ?? -1); }
            if (entity is not null) { where.Add("o.entity = $e COLLATE NOCASE"); cmd.Parameters.AddWithValue("$e", entity); }
            if (sourceKey is not null) { where.Add("o.source_key = $k"); cmd.Parameters.AddWithValue("$k", sourceKey); }
            if (outcome is not null) { where.Add("o.outcome = $o"); cmd.Parameters.AddWithValue("$o", (int)outcome.Value); }
            if (reasonCode is not null) { where.Add("o.reason_code = $c"); cmd.Parameters.AddWithValue("$c", reasonCode); }
            cmd.CommandText = "SELECT r.run_id, o.entity, o.source_key, o.target_key, o.outcome, o.reason_code, o.message, o.batch, o.recorded_at FROM outcomes o JOIN runs r ON r.run_no = o.run_no"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY o.run_no, o.batch";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                yield return new CrmMigrationRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), (CrmOutcome)reader.GetInt32(4))
                {
                    TargetKey = reader.IsDBNull(3) ? null : reader.GetString(3),
                    ReasonCode = reader.IsDBNull(5) ? null : reader.GetString(5),
                    Message = reader.IsDBNull(6) ? null : reader.GetString(6),
                    Batch = reader.IsDBNull(7) ? 0 : reader.GetInt32(7),
                    RecordedAt = DateTimeOffset.Parse(reader.GetString(8), CultureInfo.InvariantCulture),
                };
            }
        }

        private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public void Dispose()
        {
            foreach (var c in new[] { _putOutcome, _putContent, _putCrosswalk, _addCounters, _putCheckpoint, _findOutcome, _findContent, _begin, _commit, _rollback }) c?.Dispose();
            _db.Dispose();
        }
    }
}
