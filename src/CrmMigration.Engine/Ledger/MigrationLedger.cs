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
    /// (and finds unchanged), so nothing is lost or doubled.
    /// </summary>
    public sealed class MigrationLedger : IDisposable
    {
        private const int SchemaVersion = 1;
        private readonly SqliteConnection _db;
        private readonly string _path;
        private SqliteCommand? _putOutcome, _putContent, _putCrosswalk, _addCounters, _putCheckpoint;

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
CREATE TABLE IF NOT EXISTS runs(run_id TEXT PRIMARY KEY, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  user_name TEXT, host TEXT, source TEXT, target TEXT, mapping_hash TEXT, module_version TEXT, parameters TEXT, attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS outcomes(run_id TEXT NOT NULL, entity TEXT NOT NULL, source_key TEXT NOT NULL, source_entity TEXT, target_key TEXT,
  outcome INTEGER NOT NULL, reason_code TEXT, message TEXT, batch INTEGER, recorded_at TEXT, PRIMARY KEY(run_id, entity, source_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS content(target TEXT NOT NULL, entity TEXT NOT NULL, target_key TEXT NOT NULL, hash BLOB NOT NULL, run_id TEXT,
  PRIMARY KEY(target, entity, target_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS crosswalk(source_entity TEXT NOT NULL, source_key TEXT NOT NULL, target_entity TEXT NOT NULL, target_key TEXT NOT NULL, run_id TEXT,
  PRIMARY KEY(source_entity, source_key, target_entity)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters(run_id TEXT NOT NULL, entity TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_id, entity));
CREATE TABLE IF NOT EXISTS checkpoints(run_id TEXT NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL, last_source_key TEXT, at TEXT,
  PRIMARY KEY(run_id, entity));");
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
                find.CommandText = "SELECT run_id FROM runs WHERE target = $t AND status <> 'Completed' ORDER BY started_at DESC LIMIT 1";
                find.Parameters.AddWithValue("$t", info.Target);
                runId = find.ExecuteScalar() as string;
                if (runId is null)
                {
                    throw new CrmException("LedgerNothingToResume", CrmErrorKind.NotFound, $"The ledger {_path} has no unfinished run for {info.Target} to resume.");
                }
            }
            if (runId is not null)
            {
                using var get = _db.CreateCommand();
                get.CommandText = "SELECT status FROM runs WHERE run_id = $r";
                get.Parameters.AddWithValue("$r", runId);
                if (get.ExecuteScalar() is string)
                {
                    using var upd = _db.CreateCommand();
                    upd.CommandText = "UPDATE runs SET status = 'Running', attempts = attempts + 1, finished_at = NULL WHERE run_id = $r";
                    upd.Parameters.AddWithValue("$r", runId);
                    upd.ExecuteNonQuery();
                    return (runId, true);
                }
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
            foreach (var chunk in Chunks(sourceKeys))
            {
                using var cmd = _db.CreateCommand();
                cmd.CommandText = "SELECT source_key FROM outcomes WHERE run_id = $r AND entity = $e AND source_key IN (" + Placeholders(cmd, chunk) + ")";
                cmd.Parameters.AddWithValue("$r", runId);
                cmd.Parameters.AddWithValue("$e", entity);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) found.Add(reader.GetString(0));
            }
        }

        /// <summary>Fingerprints of what the target holds for these keys, as the ledger last recorded them.</summary>
        public void FindContent(string target, string entity, IReadOnlyList<string> targetKeys, Dictionary<string, byte[]> hashes)
        {
            foreach (var chunk in Chunks(targetKeys))
            {
                using var cmd = _db.CreateCommand();
                cmd.CommandText = "SELECT target_key, hash FROM content WHERE target = $t AND entity = $e AND target_key IN (" + Placeholders(cmd, chunk) + ")";
                cmd.Parameters.AddWithValue("$t", target);
                cmd.Parameters.AddWithValue("$e", entity);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) hashes[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }
        }

        /// <summary>How many records the ledger believes the target entity holds (fingerprints recorded).</summary>
        public long ContentCount(string target, string entity)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM content WHERE target = $t AND entity = $e";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            return (long)cmd.ExecuteScalar()!;
        }

        /// <summary>Forgets the fingerprints of a target entity (the target no longer holds what the ledger recorded).</summary>
        public void ForgetContent(string target, string entity)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM content WHERE target = $t AND entity = $e";
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$e", entity);
            cmd.ExecuteNonQuery();
        }

        /// <summary>Records a batch's outcomes, fingerprints, crosswalk, counters and checkpoint in one transaction.</summary>
        public void RecordBatch(string runId, string target, string entity, int batch, IReadOnlyList<LedgerEntry> entries, bool trackContent)
        {
            if (entries.Count == 0) return;
            using var tx = _db.BeginTransaction();
            PrepareWrites(tx);
            long inserted = 0, updated = 0, skipped = 0, rejected = 0, merged = 0, filtered = 0;
            string at = Now();
            foreach (var e in entries)
            {
                var o = e.Outcome;
                Set(_putOutcome!, runId, entity, e.SourceKey, e.SourceEntity, (object?)e.TargetKey ?? DBNull.Value, (long)o.Outcome,
                    (object?)o.ReasonCode ?? DBNull.Value, (object?)o.Message ?? DBNull.Value, (long)batch, at);
                _putOutcome!.ExecuteNonQuery();
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
                if (landed && e.TargetKey is not null)
                {
                    if (trackContent && e.ContentHash is not null)
                    {
                        Set(_putContent!, target, entity, e.TargetKey, e.ContentHash, runId);
                        _putContent!.ExecuteNonQuery();
                    }
                    Set(_putCrosswalk!, e.SourceEntity, e.SourceKey, entity, e.TargetKey, runId);
                    _putCrosswalk!.ExecuteNonQuery();
                }
            }
            Set(_addCounters!, runId, entity, (long)entries.Count, inserted, updated, skipped, rejected, merged, filtered);
            _addCounters!.ExecuteNonQuery();
            Set(_putCheckpoint!, runId, entity, (long)batch, (long)entries.Count, entries[entries.Count - 1].SourceKey, at);
            _putCheckpoint!.ExecuteNonQuery();
            tx.Commit();
        }

        private void PrepareWrites(SqliteTransaction tx)
        {
            if (_putOutcome is null)
            {
                _putOutcome = Prepare(@"INSERT OR REPLACE INTO outcomes(run_id, entity, source_key, source_entity, target_key, outcome, reason_code, message, batch, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", 10);
                _putContent = Prepare("INSERT OR REPLACE INTO content(target, entity, target_key, hash, run_id) VALUES ($1, $2, $3, $4, $5)", 5);
                _putCrosswalk = Prepare("INSERT OR REPLACE INTO crosswalk(source_entity, source_key, target_entity, target_key, run_id) VALUES ($1, $2, $3, $4, $5)", 5);
                _addCounters = Prepare(@"INSERT INTO counters(run_id, entity, read, inserted, updated, skipped, rejected, merged, filtered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT(run_id, entity) DO UPDATE SET read = read + excluded.read, inserted = inserted + excluded.inserted, updated = updated + excluded.updated,
  skipped = skipped + excluded.skipped, rejected = rejected + excluded.rejected, merged = merged + excluded.merged, filtered = filtered + excluded.filtered", 9);
                _putCheckpoint = Prepare(@"INSERT INTO checkpoints(run_id, entity, batch, records, last_source_key, at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT(run_id, entity) DO UPDATE SET batch = excluded.batch, records = records + excluded.records, last_source_key = excluded.last_source_key, at = excluded.at", 6);
            }
            foreach (var c in new[] { _putOutcome, _putContent, _putCrosswalk, _addCounters, _putCheckpoint }) c!.Transaction = tx;
        }

        private SqliteCommand Prepare(string sql, int parameters)
        {
            var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            for (int i = 1; i <= parameters; i++) cmd.Parameters.Add(new SqliteParameter("$" + i.ToString(CultureInfo.InvariantCulture), null));
            return cmd;
        }

        private static void Set(SqliteCommand cmd, params object?[] values)
        {
            for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
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
            cmd.CommandText = "SELECT entity, read, inserted, updated, skipped, rejected, merged, filtered FROM counters WHERE run_id = $r ORDER BY entity";
            cmd.Parameters.AddWithValue("$r", runId);
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
                cmd.CommandText = "SELECT entity, outcome, count(*) FROM outcomes WHERE run_id = $r GROUP BY entity, outcome";
                cmd.Parameters.AddWithValue("$r", runId);
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
                    + (runId is null ? "" : " WHERE run_id = $r") + " ORDER BY started_at DESC";
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

        /// <summary>Record outcomes matching the filters (each null filter matches everything).</summary>
        public IEnumerable<CrmMigrationRecord> Records(string? runId, string? entity, string? sourceKey, CrmOutcome? outcome, string? reasonCode)
        {
            using var cmd = _db.CreateCommand();
            var where = new List<string>();
            if (runId is not null) { where.Add("run_id = $r"); cmd.Parameters.AddWithValue("$r", runId); }
            if (entity is not null) { where.Add("entity = $e COLLATE NOCASE"); cmd.Parameters.AddWithValue("$e", entity); }
            if (sourceKey is not null) { where.Add("source_key = $k"); cmd.Parameters.AddWithValue("$k", sourceKey); }
            if (outcome is not null) { where.Add("outcome = $o"); cmd.Parameters.AddWithValue("$o", (int)outcome.Value); }
            if (reasonCode is not null) { where.Add("reason_code = $c"); cmd.Parameters.AddWithValue("$c", reasonCode); }
            cmd.CommandText = "SELECT o.run_id, entity, source_key, target_key, outcome, reason_code, message, batch, recorded_at FROM outcomes o"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY recorded_at, batch";
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

        private static IEnumerable<List<string>> Chunks(IReadOnlyList<string> keys)
        {
            const int Size = 500;
            for (int i = 0; i < keys.Count; i += Size)
            {
                var chunk = new List<string>(Math.Min(Size, keys.Count - i));
                for (int j = i; j < keys.Count && j < i + Size; j++) chunk.Add(keys[j]);
                yield return chunk;
            }
        }

        private static string Placeholders(SqliteCommand cmd, List<string> values)
        {
            var names = new string[values.Count];
            for (int i = 0; i < values.Count; i++)
            {
                names[i] = "$p" + i.ToString(CultureInfo.InvariantCulture);
                cmd.Parameters.AddWithValue(names[i], values[i]);
            }
            return string.Join(",", names);
        }

        private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public void Dispose()
        {
            foreach (var c in new[] { _putOutcome, _putContent, _putCrosswalk, _addCounters, _putCheckpoint }) c?.Dispose();
            _db.Dispose();
        }
    }
}
