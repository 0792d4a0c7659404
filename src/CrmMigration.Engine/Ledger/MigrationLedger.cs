using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.IO;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>One record's entry for the ledger.</summary>
    public readonly struct LedgerEntry
    {
        public LedgerEntry(string sourceEntity, string sourceKey, string? targetKey, CrmRecordOutcome outcome, long? contentHash, long? sourceHash = null)
        {
            SourceHash = sourceHash;
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
        /// <summary>The fingerprint of the source record the entry came from (incremental runs compare it).</summary>
        public long? SourceHash { get; }
    }

    /// <summary>What a run is about (no secrets anywhere).</summary>
    public sealed class LedgerRunInfo
    {
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        public string? MappingHash { get; set; }
        public string ModuleVersion { get; set; } = "";
        public string Parameters { get; set; } = "";
        /// <summary>Import (a full run), Delta (carries what changed since <see cref="PreviousRunId"/>) or Undo.</summary>
        public string Kind { get; set; } = "Import";
        /// <summary>The run a delta run continues from.</summary>
        public string? PreviousRunId { get; set; }
        /// <summary>The run an undo run undoes.</summary>
        public string? Undoes { get; set; }
        /// <summary>How many partitions a partitioned run has.</summary>
        public int? Partitions { get; set; }
        /// <summary>The partition (1-based, of <see cref="Partitions"/>) this worker copies, or null for a whole run.</summary>
        public int? Part { get; set; }
    }

    /// <summary>
    /// The migration ledger: runs, the outcome of every record, the old→new key crosswalk, content fingerprints of what each
    /// target holds, before-images of what a run changed, per-entity counters and checkpoints. It lives in an SQLite file
    /// (<see cref="SqliteLedgerStore"/>) or in a PostgreSQL schema shared by several workers (<see cref="PostgresLedgerStore"/>):
    /// the logic here is written once, in SQL both run. Each batch is recorded in one transaction after the target committed it;
    /// a crash between the two leaves records the target has but the ledger lacks, which a resumed run re-sends as upserts
    /// (and finds unchanged), so nothing is lost or doubled.
    /// </summary>
    public sealed partial class MigrationLedger : IDisposable
    {
        private const int SchemaVersion = 5;
        private readonly ILedgerStore _store;
        private readonly string _path;
        private readonly Dictionary<string, long> _runNumbers = new(StringComparer.Ordinal);
        private DbCommand? _putBatch, _addCounters, _putCheckpoint;

        /// <summary>Opens (creating) the ledger in an SQLite file.</summary>
        public MigrationLedger(string path) : this(new SqliteLedgerStore(path))
        {
        }

        /// <summary>Opens (creating its tables when they are missing) the ledger in a store; the ledger owns the store.</summary>
        public MigrationLedger(ILedgerStore store)
        {
            _store = store;
            _path = store.Location;
            try
            {
                CreateSchema();
            }
            catch (Exception ex) when (ex is DbException)
            {
                store.Dispose();
                throw new CrmException(new CrmDataError("LedgerOpenFailed", CrmErrorKind.ConnectionError, $"Cannot open the migration ledger: {ex.Message}") { File = _path }, ex);
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }

        /// <summary>Opens the ledger a -StatePath names: an SQLite file, or a PostgreSQL connection (object or connection string).</summary>
        public static MigrationLedger Open(LedgerLocation location) => new MigrationLedger(location.OpenStore());

        /// <summary>The ledger as printed: the file's full path, or postgresql://host:port/database?schema=... (no user, no password).</summary>
        public string Path => _path;

        /// <summary>Where the ledger's tables are.</summary>
        public ILedgerStore Store => _store;

        private DbConnection Db => _store.Connection;

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
            _store.CreateTables();
            using (var tx = _store.Begin(exclusive: true))
            {
                string? found;
                using (var check = Command("SELECT value FROM ledger_info WHERE key = 'schema_version'", tx)) found = check.ExecuteScalar() as string;
                if (found is null)
                {
                    using var put = Command("INSERT INTO ledger_info(key, value) VALUES ('schema_version', @v) ON CONFLICT(key) DO NOTHING", tx);
                    Add(put, "@v", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                    put.ExecuteNonQuery();
                }
                else if (int.TryParse(found, NumberStyles.None, CultureInfo.InvariantCulture, out int version) && version is >= 4 and < SchemaVersion)
                {
                    // An earlier ledger gains the columns of this version; everything it holds stays readable.
                    foreach (var sql in _store.Upgrade(version))
                    {
                        using var up = Command(sql, tx);
                        up.ExecuteNonQuery();
                    }
                    using var put = Command("UPDATE ledger_info SET value = @v WHERE key = 'schema_version'", tx);
                    Add(put, "@v", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                    put.ExecuteNonQuery();
                }
                else if (!string.Equals(found, SchemaVersion.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    tx.Rollback();
                    throw new CrmException(new CrmDataError("LedgerSchemaUnsupported", CrmErrorKind.InvalidArgument,
                        $"The migration ledger was written by another version of CrmMigration (schema {found}, this version reads {SchemaVersion}). Use another -StatePath.") { File = _path });
                }
                tx.Commit();
            }
        }

        // ------------------------------------------------------------------ commands

        private DbCommand Command(string sql, DbTransaction? tx = null, DbConnection? connection = null)
        {
            var cmd = (connection ?? Db).CreateCommand();
            cmd.CommandText = sql;
            cmd.Transaction = tx;
            return cmd;
        }

        /// <summary>Adds a parameter typed for both engines (PostgreSQL needs the type of a null).</summary>
        private static DbParameter Add(DbCommand cmd, string name, object? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            switch (value)
            {
                case null: p.Value = DBNull.Value; p.DbType = DbType.String; break;
                case string s: p.Value = s; p.DbType = DbType.String; break;
                case long l: p.Value = l; p.DbType = DbType.Int64; break;
                case int i: p.Value = (long)i; p.DbType = DbType.Int64; break;
                case byte[] b: p.Value = b; p.DbType = DbType.Binary; break;
                default: p.Value = value; break;
            }
            cmd.Parameters.Add(p);
            return p;
        }

        /// <summary>Adds an integer parameter that may be null.</summary>
        private static DbParameter AddLong(DbCommand cmd, string name, long? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.DbType = DbType.Int64;
            p.Value = value is long v ? v : DBNull.Value;
            cmd.Parameters.Add(p);
            return p;
        }

        private static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

        private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

        /// <summary>
        /// A blob column read into <paramref name="buffer"/> (reused, grown when a blob is larger) and its length: a pass over
        /// every batch of a run allocates no array per batch. Each 10,000-record batch's blob is a large-object-heap array, and
        /// at 10M records the end-of-run check made them faster than the collector returned them (100-160 MB of peak). Read as a
        /// stream: SQLite's reader gives one (incremental blob I/O) when the query names the table's rowid (GetBytes would copy
        /// the blob into a new array first).
        /// </summary>
        private static int ReadBlob(DbDataReader r, int i, ref byte[] buffer)
        {
            using var stream = r.GetStream(i);
            if (stream.CanSeek && stream.Length > buffer.Length) buffer = new byte[stream.Length];
            int total = 0;
            while (true)
            {
                if (total == buffer.Length) Array.Resize(ref buffer, Math.Max(1 << 16, buffer.Length * 2));
                int n = stream.Read(buffer, total, buffer.Length - total);
                if (n <= 0) return total;
                total += n;
            }
        }

        /// <summary>
        /// True when blobs go into their rows by SQLite's incremental blob I/O, straight from the encode buffer: the row is inserted
        /// with a zero blob of the length (<see cref="BlobValue"/>), then written where it lies. Microsoft.Data.Sqlite binds only a
        /// whole array, which was a large-object-heap copy per blob (two per batch: outcomes and before-images). A PostgreSQL
        /// ledger binds the encode buffer's span itself (<see cref="PutBlob"/>).
        /// </summary>
        private bool StreamsBlobs => _store is SqliteLedgerStore;

        /// <summary>The value of a blob column in an INSERT: its bytes (@d), or a zero blob of its length to write afterwards.</summary>
        private string BlobValue => StreamsBlobs ? "zeroblob(@d)" : "@d";

        /// <summary>What an INSERT of a blob returns: the row's seq (its rowid), to write the blob into.</summary>
        private string BlobReturning => StreamsBlobs ? " RETURNING seq" : "";

        private void AddBlob(DbCommand cmd)
        {
            if (StreamsBlobs) Add(cmd, "@d", 0L);
            else Add(cmd, "@d", Array.Empty<byte>());
        }

        /// <summary>Runs an INSERT of <paramref name="table"/> made with <see cref="BlobValue"/> and <see cref="BlobReturning"/>, the blob <paramref name="blob"/>.</summary>
        private void PutBlob(DbCommand cmd, DbParameter data, string table, ArraySegment<byte> blob)
        {
            if (!StreamsBlobs)
            {
                // Npgsql writes a bytea from a span of an array as it is: no copy of the encode buffer.
                data.Value = blob;
                cmd.ExecuteNonQuery();
                return;
            }
            data.Value = (long)blob.Count;
            long seq = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (blob.Count == 0) return;
            using var stream = new Microsoft.Data.Sqlite.SqliteBlob((Microsoft.Data.Sqlite.SqliteConnection)_store.Connection, table, "data", seq);
            stream.Write(blob.AsSpan());
        }

        private static object? Scalar(DbCommand cmd)
        {
            object? v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }

        // ------------------------------------------------------------------ runs

        /// <summary>Starts a new run, or resumes one: an id that exists resumes it; <paramref name="resumeLatest"/> picks the newest unfinished run for the same target.</summary>
        public (string RunId, bool Resumed) StartOrResume(LedgerRunInfo info, string? runId, bool resumeLatest)
        {
            if (info.Part is int part && info.Partitions is int parts)
            {
                if (runId is null)
                {
                    throw new CrmException("PartitionNeedsRunId", CrmErrorKind.InvalidArgument,
                        "Every worker of a partitioned run gives the same -RunId (any text, e.g. 'accounts-2026-05'): the first one starts the run, the others join it.");
                }
                return StartPartition(info, runId, part, parts);
            }
            if (runId is null && resumeLatest)
            {
                using var find = Command("SELECT run_id FROM runs WHERE target = @t AND status NOT IN ('Completed', 'Undone') AND COALESCE(kind, 'Import') <> 'Undo' ORDER BY run_no DESC LIMIT 1");
                Add(find, "@t", info.Target);
                runId = Scalar(find) as string;
                if (runId is null)
                {
                    throw new CrmException("LedgerNothingToResume", CrmErrorKind.NotFound, $"The ledger {_path} has no unfinished run for {info.Target} to resume.");
                }
            }
            if (runId is not null && RunNumber(runId, required: false) is long)
            {
                RequireResumable(runId);
                using (var partsOf = Command("SELECT parts FROM runs WHERE run_id = @r"))
                {
                    Add(partsOf, "@r", runId);
                    if (Scalar(partsOf) is not null)
                    {
                        throw new CrmException("PartitionNeeded", CrmErrorKind.InvalidArgument,
                            $"Run {runId} is a partitioned run: continue it with -Partition k/n (Get-CrmMigrationRun -RunId {runId} shows how many partitions are done).");
                    }
                }
                AcquireLease(info.Target, runId);
                using var upd = Command("UPDATE runs SET status = 'Running', attempts = attempts + 1, finished_at = NULL WHERE run_id = @r");
                Add(upd, "@r", runId);
                upd.ExecuteNonQuery();
                return (runId, true);
            }
            runId ??= NewRunId();
            AcquireLease(info.Target, runId);
            InsertRun(runId, info, null);
            return (runId, false);
        }

        /// <summary>A new run id: the UTC time and 8 random hex digits.</summary>
        public static string NewRunId() => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

        private void InsertRun(string runId, LedgerRunInfo info, DbTransaction? tx)
        {
            using var ins = Command(@"INSERT INTO runs(run_id, status, started_at, user_name, host, source, target, mapping_hash, module_version, parameters, attempts, kind, previous_run, undoes, parts)
VALUES (@r, 'Running', @at, @u, @h, @s, @t, @m, @v, @p, 1, @k, @prev, @undoes, @parts)", tx);
            Add(ins, "@r", runId);
            Add(ins, "@at", Now());
            Add(ins, "@u", Environment.UserName);
            Add(ins, "@h", Environment.MachineName);
            Add(ins, "@s", info.Source);
            Add(ins, "@t", info.Target);
            Add(ins, "@m", info.MappingHash);
            Add(ins, "@v", info.ModuleVersion);
            Add(ins, "@p", info.Parameters);
            Add(ins, "@k", info.Kind);
            Add(ins, "@prev", info.PreviousRunId);
            Add(ins, "@undoes", info.Undoes);
            AddLong(ins, "@parts", info.Partitions);
            ins.ExecuteNonQuery();
        }

        /// <summary>A run that was undone, or an undo run, is not continued by an import.</summary>
        private void RequireResumable(string runId)
        {
            using var cmd = Command("SELECT status, kind FROM runs WHERE run_id = @r");
            Add(cmd, "@r", runId);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return;
            if (string.Equals(r.GetString(0), "Undone", StringComparison.Ordinal))
            {
                throw new CrmException("RunUndone", CrmErrorKind.InvalidArgument, $"Run {runId} was undone; start a new run (another -RunId, or none).");
            }
            if (string.Equals(Text(r, 1), "Undo", StringComparison.Ordinal))
            {
                throw new CrmException("RunIsUndo", CrmErrorKind.InvalidArgument, $"Run {runId} is an undo run; continue it with Undo-CrmMigration, not an import.");
            }
        }

        private long? RunNumber(string runId, bool required = true)
        {
            if (_runNumbers.TryGetValue(runId, out long n)) return n;
            using var cmd = Command("SELECT run_no FROM runs WHERE run_id = @r");
            Add(cmd, "@r", runId);
            if (Scalar(cmd) is { } found)
            {
                long no = Convert.ToInt64(found, CultureInfo.InvariantCulture);
                _runNumbers[runId] = no;
                return no;
            }
            if (required) throw new CrmException("RunNotFound", CrmErrorKind.NotFound, $"The ledger {_path} has no run '{runId}'.");
            return null;
        }

        /// <summary>Adds "; <paramref name="text"/>" to the run's recorded parameters (how the run read its sources: the encoding of each file), once.</summary>
        public void AppendRunParameters(string runId, string text)
        {
            using var tx = _store.Begin(exclusive: false);
            string? current;
            using (var get = Command("SELECT parameters FROM runs WHERE run_id = @r", tx))
            {
                Add(get, "@r", runId);
                current = Scalar(get) as string;
            }
            string updated = string.IsNullOrEmpty(current) ? text : current.Contains(text, StringComparison.Ordinal) ? current : current + "; " + text;
            if (!string.Equals(updated, current, StringComparison.Ordinal))
            {
                using var put = Command("UPDATE runs SET parameters = @p WHERE run_id = @r", tx);
                Add(put, "@p", updated);
                Add(put, "@r", runId);
                put.ExecuteNonQuery();
            }
            tx.Commit();
        }

        /// <summary>Sets the source and mapping hash once the first record shows them.</summary>
        public void DescribeRun(string runId, string? source, string? mappingHash)
        {
            using var cmd = Command("UPDATE runs SET source = COALESCE(NULLIF(source, ''), @s), mapping_hash = COALESCE(mapping_hash, @m) WHERE run_id = @r");
            Add(cmd, "@s", source ?? "");
            Add(cmd, "@m", mappingHash);
            Add(cmd, "@r", runId);
            cmd.ExecuteNonQuery();
        }

        // ------------------------------------------------------------------ what the target holds

        /// <summary>Batches of live runs of a target entity after its last reset, oldest first (runs that were undone do not count).</summary>
        private DbCommand TargetBatches(string target, string entity)
        {
            var cmd = Command(@"SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no
WHERE r.target = @t AND b.entity = @e AND r.status <> 'Undone' AND COALESCE(r.kind, 'Import') <> 'Undo' AND b.seq > COALESCE((SELECT after_seq FROM content_reset WHERE target = @t AND entity = @e), 0) ORDER BY b.seq");
            Add(cmd, "@t", target);
            Add(cmd, "@e", entity);
            return cmd;
        }

        /// <summary>
        /// The fingerprint index of a target entity: target key hash → content fingerprint of what the ledger
        /// last recorded as landed there (later batches win; a deletion removes the key), built from the recorded
        /// batches after the last reset (<see cref="Indexes"/> without a run). The caller disposes it.
        /// </summary>
        public HashIndex ContentIndex(string target, string entity, int? maxInMemory = null)
        {
            using var indexes = Indexes(target, entity, null, null, maxInMemory);
            return indexes.Take().Content!;
        }

        /// <summary>The target keys of the records the ledger recorded as landed in a target entity (after the last reset, not deleted since), each once.</summary>
        public List<string> ContentKeys(string target, string entity)
        {
            var keys = new Dictionary<string, bool>(StringComparer.Ordinal);
            using var cmd = TargetBatches(target, entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var d in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    if (d.TargetKey is null) continue;
                    if (d.ContentHash is not null && d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) keys[d.TargetKey] = true;
                    else if (d.Outcome == CrmOutcome.Deleted) keys.Remove(d.TargetKey);
                }
            }
            return new List<string>(keys.Keys);
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
                using var cmd = Command("");
                var sql = new System.Text.StringBuilder("SELECT source_key, target_key FROM crosswalk WHERE target_entity = @e AND source_key IN (");
                for (int i = start; i < end; i++)
                {
                    string name = "@k" + (i - start).ToString(CultureInfo.InvariantCulture);
                    if (i > start) sql.Append(", ");
                    sql.Append(name);
                    Add(cmd, name, all[i]);
                }
                sql.Append(") ORDER BY run_no");
                cmd.CommandText = sql.ToString();
                Add(cmd, "@e", targetEntity);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) result[reader.GetString(0)] = reader.GetString(1);
            }
            return result;
        }

        /// <summary>Forgets the fingerprints of a target entity (the target no longer holds what the ledger recorded).</summary>
        public void ForgetContent(string target, string entity)
        {
            using var cmd = Command(@"INSERT INTO content_reset(target, entity, after_seq) VALUES (@t, @e, (SELECT COALESCE(MAX(seq), 0) FROM batches))
ON CONFLICT(target, entity) DO UPDATE SET after_seq = excluded.after_seq");
            Add(cmd, "@t", target);
            Add(cmd, "@e", entity);
            cmd.ExecuteNonQuery();
        }

        // ------------------------------------------------------------------ recording

        /// <summary>
        /// Records a batch in one transaction: its outcomes with the fingerprints of landed records (one
        /// compact row for the whole batch), the crosswalk where a key changed, the counters and the
        /// checkpoint. Nothing is written per record into an index: the indexes are built from the batches
        /// when a later import needs them, so recording stays cheap however large the target grows.
        /// </summary>
        public void RecordBatch(string runId, string entity, int batch, IReadOnlyList<LedgerEntry> entries, int? part = null)
        {
            if (entries.Count == 0) return;
            Prepare();
            long run = RunNumber(runId)!.Value;
            long inserted = 0, updated = 0, skipped = 0, rejected = 0, merged = 0, filtered = 0, deleted = 0;
            string at = Now();
            var blob = BatchCodec.EncodeInPlace(entries);
            List<LedgerEntry>? moved = null;
            for (int i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                var o = e.Outcome;
                switch (o.Outcome)
                {
                    case CrmOutcome.Inserted: inserted++; break;
                    case CrmOutcome.Updated: updated++; break;
                    case CrmOutcome.Skipped: skipped++; break;
                    case CrmOutcome.Merged: merged++; break;
                    case CrmOutcome.Filtered: filtered++; break;
                    case CrmOutcome.Deleted: deleted++; break;
                    default: rejected++; break;
                }
                // Landed records whose key changed, and merged records (→ their survivor): children are re-pointed through it.
                bool landed = o.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped or CrmOutcome.Merged;
                if (landed && e.TargetKey is not null && !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal)) (moved ??= new List<LedgerEntry>()).Add(e);
            }
            StoreBatch(run, entity, batch, entries.Count, at, blob, new[] { inserted, updated, skipped, rejected, merged, filtered, deleted }, moved,
                entries[entries.Count - 1].SourceKey, part);
        }

        /// <summary>
        /// Records an encoded batch in one transaction: the blob, the crosswalk rows of <paramref name="moved"/>, the counters
        /// (<paramref name="counts"/>: inserted, updated, skipped, rejected, merged, filtered, deleted) and the checkpoint.
        /// </summary>
        private void StoreBatch(long run, string entity, int batch, int records, string at, ArraySegment<byte> blob, long[] counts, List<LedgerEntry>? moved, string lastSourceKey, int? part)
        {
            using var tx = _store.Begin(exclusive: false);
            try
            {
                var b = _putBatch!;
                b.Transaction = tx;
                b.Parameters[0].Value = run; b.Parameters[1].Value = entity; b.Parameters[2].Value = (long)batch; b.Parameters[3].Value = (long)records;
                b.Parameters[4].Value = at; b.Parameters[6].Value = part is int p ? (long)p : DBNull.Value;
                PutBlob(b, b.Parameters[5], "batches", blob);
                if (moved is not null) PutCrosswalk(run, entity, moved, tx);
                var k = _addCounters!;
                k.Transaction = tx;
                k.Parameters[0].Value = run;
                k.Parameters[1].Value = entity;
                k.Parameters[2].Value = (long)records;
                for (int i = 0; i < counts.Length; i++) k.Parameters[3 + i].Value = counts[i];
                k.ExecuteNonQuery();
                var cp = _putCheckpoint!;
                cp.Transaction = tx;
                cp.Parameters[0].Value = run; cp.Parameters[1].Value = entity; cp.Parameters[2].Value = (long)batch; cp.Parameters[3].Value = (long)records;
                cp.Parameters[4].Value = lastSourceKey; cp.Parameters[5].Value = at;
                cp.ExecuteNonQuery();
                RenewLease(tx);
                tx.Commit();
            }
            catch
            {
                try { tx.Rollback(); } catch (Exception ex) when (ex is DbException or InvalidOperationException) { }
                throw;
            }
        }

        /// <summary>Crosswalk rows of a batch, many per statement; a source key the batch holds twice (a repeat) keeps its last target key.</summary>
        private void PutCrosswalk(long run, string entity, List<LedgerEntry> moved, DbTransaction? tx)
        {
            var last = new Dictionary<(string, string), int>();
            for (int i = 0; i < moved.Count; i++) last[(moved[i].SourceEntity, moved[i].SourceKey)] = i;
            if (last.Count < moved.Count)
            {
                var distinct = new List<LedgerEntry>(last.Count);
                for (int i = 0; i < moved.Count; i++) if (last[(moved[i].SourceEntity, moved[i].SourceKey)] == i) distinct.Add(moved[i]);
                moved = distinct;
            }
            const int chunk = 200;
            for (int start = 0; start < moved.Count; start += chunk)
            {
                int end = Math.Min(moved.Count, start + chunk);
                using var x = Command("", tx);
                var sql = new System.Text.StringBuilder("INSERT INTO crosswalk(source_entity, source_key, target_entity, target_key, run_no) VALUES ");
                for (int i = start; i < end; i++)
                {
                    string n = (i - start).ToString(CultureInfo.InvariantCulture);
                    if (i > start) sql.Append(", ");
                    sql.Append("(@se").Append(n).Append(", @sk").Append(n).Append(", @te, @tk").Append(n).Append(", @run)");
                    Add(x, "@se" + n, moved[i].SourceEntity);
                    Add(x, "@sk" + n, moved[i].SourceKey);
                    Add(x, "@tk" + n, moved[i].TargetKey);
                }
                sql.Append(" ON CONFLICT(source_entity, source_key, target_entity) DO UPDATE SET target_key = excluded.target_key, run_no = excluded.run_no");
                Add(x, "@te", entity);
                Add(x, "@run", run);
                x.CommandText = sql.ToString();
                x.ExecuteNonQuery();
            }
        }

        private void Prepare()
        {
            if (_putBatch is not null) return;
            _putBatch = Command("INSERT INTO batches(run_no, entity, batch, records, recorded_at, data, part) VALUES (@r, @e, @b, @n, @at, " + BlobValue + ", @p)" + BlobReturning);
            Add(_putBatch, "@r", 0L); Add(_putBatch, "@e", ""); Add(_putBatch, "@b", 0L); Add(_putBatch, "@n", 0L); Add(_putBatch, "@at", ""); AddBlob(_putBatch); AddLong(_putBatch, "@p", null);
            _addCounters = Command(@"INSERT INTO counters(run_no, entity, read, inserted, updated, skipped, rejected, merged, filtered, deleted) VALUES (@r, @e, @c1, @c2, @c3, @c4, @c5, @c6, @c7, @c8)
ON CONFLICT(run_no, entity) DO UPDATE SET read = counters.read + excluded.read, inserted = counters.inserted + excluded.inserted, updated = counters.updated + excluded.updated,
  skipped = counters.skipped + excluded.skipped, rejected = counters.rejected + excluded.rejected, merged = counters.merged + excluded.merged, filtered = counters.filtered + excluded.filtered,
  deleted = counters.deleted + excluded.deleted");
            Add(_addCounters, "@r", 0L); Add(_addCounters, "@e", "");
            for (int i = 1; i <= 8; i++) Add(_addCounters, "@c" + i.ToString(CultureInfo.InvariantCulture), 0L);
            _putCheckpoint = Command(@"INSERT INTO checkpoints(run_no, entity, batch, records, last_source_key, at) VALUES (@r, @e, @b, @n, @k, @at)
ON CONFLICT(run_no, entity) DO UPDATE SET batch = excluded.batch, records = checkpoints.records + excluded.records, last_source_key = excluded.last_source_key, at = excluded.at");
            Add(_putCheckpoint, "@r", 0L); Add(_putCheckpoint, "@e", ""); Add(_putCheckpoint, "@b", 0L); Add(_putCheckpoint, "@n", 0L); Add(_putCheckpoint, "@k", ""); Add(_putCheckpoint, "@at", "");
        }

        /// <summary>Keeps after-data schema statements (foreign keys, indexes) of a run, so a resumed run still makes them.</summary>
        public void SavePendingSchema(string runId, IEnumerable<Schema.SchemaStatement> statements)
        {
            long run = RunNumber(runId)!.Value;
            using var tx = _store.Begin(exclusive: false);
            foreach (var st in statements)
            {
                using var cmd = Command("INSERT INTO schema_pending(run_no, entity, what, sql) SELECT @r, @e, @w, @s WHERE NOT EXISTS (SELECT 1 FROM schema_pending WHERE run_no = @r AND sql = @s)", tx);
                Add(cmd, "@r", run);
                Add(cmd, "@e", st.Entity);
                Add(cmd, "@w", st.What);
                Add(cmd, "@s", st.Sql);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }

        /// <summary>The after-data schema statements a run kept and has not run yet.</summary>
        public List<Schema.SchemaStatement> PendingSchema(string runId)
        {
            var list = new List<Schema.SchemaStatement>();
            using var cmd = Command("SELECT entity, what, sql FROM schema_pending WHERE run_no = @r ORDER BY seq");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(new Schema.SchemaStatement(reader.GetString(0), Schema.SchemaStep.AfterData, reader.GetString(1), reader.GetString(2)));
            return list;
        }

        /// <summary>Forgets a run's after-data schema statements (they ran).</summary>
        public void ClearPendingSchema(string runId)
        {
            using var cmd = Command("DELETE FROM schema_pending WHERE run_no = @r");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            cmd.ExecuteNonQuery();
        }

        /// <summary>Marks a run Completed or Failed.</summary>
        public void FinishRun(string runId, bool success)
        {
            using (var cmd = Command("UPDATE runs SET status = @s, finished_at = @at WHERE run_id = @r AND status <> 'Undone'"))
            {
                Add(cmd, "@s", success ? "Completed" : "Failed");
                Add(cmd, "@at", Now());
                Add(cmd, "@r", runId);
                cmd.ExecuteNonQuery();
            }
            ReleaseLease();
        }

        // ------------------------------------------------------------------ books

        /// <summary>The run's per-entity counters as summaries.</summary>
        public List<CrmImportSummary> Counters(string runId, string target)
        {
            var list = new List<CrmImportSummary>();
            using var cmd = Command("SELECT entity, read, inserted, updated, skipped, rejected, merged, filtered, deleted FROM counters WHERE run_no = @r ORDER BY entity");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new CrmImportSummary(reader.GetString(0), target)
                {
                    Read = Long(reader, 1),
                    Inserted = Long(reader, 2),
                    Updated = Long(reader, 3),
                    Skipped = Long(reader, 4),
                    Rejected = Long(reader, 5),
                    Merged = Long(reader, 6),
                    Filtered = Long(reader, 7),
                    Deleted = Long(reader, 8),
                });
            }
            return list;
        }

        private const int OutcomeCount = (int)CrmOutcome.Deleted + 1;

        /// <summary>
        /// Checks a run's books: per entity, read = inserted + updated + skipped + rejected + merged + filtered + deleted,
        /// and the counters agree with the per-record outcomes. Returns one line per discrepancy.
        /// </summary>
        public List<string> Verify(string runId)
        {
            var problems = new List<string>();
            var byOutcome = new Dictionary<string, long[]>(StringComparer.Ordinal);
            // The outcomes straight from the batch blobs (no key strings made: at 1M records that was most of the check), each read
            // into one reused buffer (the seq, the table's rowid, lets SQLite's reader stream it). Counting needs no order: no ORDER
            // BY, which sorted every blob of the run through a temporary B-tree before the first came back.
            using (var cmd = Command("SELECT b.entity, b.data, b.seq FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE b.run_no = @r"))
            {
                Add(cmd, "@r", RunNumber(runId, required: false) ?? -1);
                using var reader = cmd.ExecuteReader();
                byte[] buffer = Array.Empty<byte>();
                while (reader.Read())
                {
                    string entity = reader.GetString(0);
                    if (!byOutcome.TryGetValue(entity, out var counts)) byOutcome[entity] = counts = new long[OutcomeCount];
                    int length = ReadBlob(reader, 1, ref buffer);
                    BatchCodec.CountOutcomes(buffer.AsSpan(0, length), counts);
                }
            }
            foreach (var s in Counters(runId, ""))
            {
                long sum = s.Inserted + s.Updated + s.Skipped + s.Rejected + s.Merged + s.Filtered + s.Deleted;
                if (s.Read != sum) problems.Add($"{s.Entity}: read {s.Read} but inserted + updated + skipped + rejected + merged + filtered + deleted = {sum} (difference {s.Read - sum}).");
                byOutcome.TryGetValue(s.Entity, out var c);
                c ??= new long[OutcomeCount];
                long recorded = 0;
                foreach (long n in c) recorded += n;
                if (recorded != s.Read) problems.Add($"{s.Entity}: the counters say {s.Read} records were read but {recorded} record outcomes are recorded (difference {s.Read - recorded}).");
                Compare(problems, s.Entity, "inserted", s.Inserted, c[(int)CrmOutcome.Inserted]);
                Compare(problems, s.Entity, "updated", s.Updated, c[(int)CrmOutcome.Updated]);
                Compare(problems, s.Entity, "skipped", s.Skipped, c[(int)CrmOutcome.Skipped]);
                Compare(problems, s.Entity, "rejected", s.Rejected, c[(int)CrmOutcome.Rejected]);
                Compare(problems, s.Entity, "deleted", s.Deleted, c[(int)CrmOutcome.Deleted]);
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
            using (var cmd = Command("SELECT run_id, status, started_at, finished_at, user_name, host, source, target, mapping_hash, module_version, parameters, attempts, kind, previous_run, undoes, undone_by, parts FROM runs"
                + (runId is null ? "" : " WHERE run_id = @r") + " ORDER BY run_no DESC"))
            {
                if (runId is not null) Add(cmd, "@r", runId);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    list.Add(new CrmMigrationRun(reader.GetString(0))
                    {
                        Status = reader.GetString(1),
                        StartedAt = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                        FinishedAt = reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                        User = Text(reader, 4) ?? "",
                        Host = Text(reader, 5) ?? "",
                        Source = Text(reader, 6) ?? "",
                        Target = Text(reader, 7) ?? "",
                        MappingHash = Text(reader, 8),
                        ModuleVersion = Text(reader, 9) ?? "",
                        Parameters = Text(reader, 10) ?? "",
                        Attempts = (int)Long(reader, 11),
                        Kind = Text(reader, 12) ?? "Import",
                        PreviousRunId = Text(reader, 13),
                        Undoes = Text(reader, 14),
                        UndoneBy = Text(reader, 15),
                        Partitions = reader.IsDBNull(16) ? null : (int)Long(reader, 16),
                    });
                }
            }
            foreach (var run in list)
            {
                run.StatePath = _path;
                if (run.Partitions is not null) run.PartitionsDone = PartitionsDone(run.RunId);
                run.Entities = Counters(run.RunId, run.Target);
                if (verify) run.Balanced = Verify(run.RunId).Count == 0;
            }
            return list;
        }

        /// <summary>The newest run, of <paramref name="target"/> when given (its display name as the run recorded it); null when there is none.</summary>
        public string? LatestRunId(string? target)
        {
            using var cmd = Command("SELECT run_id FROM runs" + (target is null ? "" : " WHERE target = @t") + " ORDER BY run_no DESC LIMIT 1");
            if (target is not null) Add(cmd, "@t", target);
            return Scalar(cmd) as string;
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
            foreach (var (e, run, at, _, entries) in BatchesWithNumbers(runId, entity)) yield return (e, run, at, entries);
        }

        private IEnumerable<(string Entity, string RunId, DateTimeOffset At, int Batch, IEnumerable<DecodedEntry> Entries)> BatchesWithNumbers(string? runId, string? entity)
        {
            using var cmd = Command("");
            var where = new List<string>();
            if (runId is not null) { where.Add("b.run_no = @r"); Add(cmd, "@r", RunNumber(runId, required: false) ?? -1); }
            if (entity is not null) { where.Add(_store.EqualsNoCase("b.entity", "@e")); Add(cmd, "@e", entity); }
            cmd.CommandText = "SELECT b.entity, r.run_id, b.recorded_at, b.data, b.batch FROM batches b JOIN runs r ON r.run_no = b.run_no"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY b.seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                yield return (reader.GetString(0), reader.GetString(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture), (int)Long(reader, 4), BatchCodec.Decode((byte[])reader.GetValue(3)));
            }
        }

        /// <summary>Batches of live runs of a target entity (entity without case), oldest first: what the validator's explanations read.</summary>
        private DbCommand LiveBatches(string target, string entity)
        {
            var cmd = Command("SELECT b.data FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE r.target = @t AND r.status <> 'Undone' AND COALESCE(r.kind, 'Import') <> 'Undo' AND " + _store.EqualsNoCase("b.entity", "@e") + " ORDER BY b.seq");
            Add(cmd, "@t", target);
            Add(cmd, "@e", entity);
            return cmd;
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
            using var cmd = LiveBatches(target, entity);
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
        /// left nothing in the target: rejected, filtered, merged or deleted, with the reason and, for a merge, the key it went into.
        /// A key that landed in a later run is not listed. Memory grows with those keys only, not with the records that landed.
        /// </summary>
        public Dictionary<string, (CrmOutcome Outcome, string? ReasonCode, string? IntoKey)> NotLanded(string target, string entity)
        {
            var result = new Dictionary<string, (CrmOutcome, string?, string?)>(StringComparer.Ordinal);
            using var cmd = LiveBatches(target, entity);
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
            foreach (var (batchEntity, run, at, batch, entries) in BatchesWithNumbers(runId, entity))
            {
                foreach (var e in entries)
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

        // ------------------------------------------------------------------ merge decisions

        /// <summary>
        /// Remembers people's decisions on pairs of records (Merge-CrmRecord -Decisions): a later run applies them
        /// without being given the file again. A newer decision on the same pair replaces the older one.
        /// </summary>
        public int RecordDecisions(IEnumerable<Dedupe.MergeDecision> decisions, string? source)
        {
            int n = 0;
            using var tx = _store.Begin(exclusive: false);
            using var cmd = Command(@"INSERT INTO merge_decisions(entity, key_a, key_b, same, note, source, user_name, recorded_at) VALUES (@e, @a, @b, @s, @n, @f, @u, @at)
ON CONFLICT" + _store.DecisionsConflict + @" DO UPDATE SET same = excluded.same, note = excluded.note, source = excluded.source, user_name = excluded.user_name, recorded_at = excluded.recorded_at
WHERE merge_decisions.same <> excluded.same OR COALESCE(merge_decisions.note, '') <> COALESCE(excluded.note, '')", tx);
            var pe = Add(cmd, "@e", "");
            var pa = Add(cmd, "@a", "");
            var pb = Add(cmd, "@b", "");
            var ps = Add(cmd, "@s", 0L);
            var pn = Add(cmd, "@n", "");
            Add(cmd, "@f", source);
            Add(cmd, "@u", Environment.UserName);
            Add(cmd, "@at", Now());
            foreach (var d in decisions)
            {
                bool ordered = string.CompareOrdinal(d.KeyA, d.KeyB) <= 0;
                pe.Value = d.Entity;
                pa.Value = ordered ? d.KeyA : d.KeyB;
                pb.Value = ordered ? d.KeyB : d.KeyA;
                ps.Value = d.Same ? 1L : 0L;
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
            using var cmd = Command("SELECT entity, key_a, key_b, same, note FROM merge_decisions" + (entity is null ? "" : " WHERE " + _store.EqualsNoCase("entity", "@e")) + " ORDER BY entity, key_a, key_b");
            if (entity is not null) Add(cmd, "@e", entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new Dedupe.MergeDecision(reader.GetString(0), reader.GetString(1), reader.GetString(2), Long(reader, 3) != 0, Text(reader, 4)));
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
            using var cmd = LiveBatches(target, entity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    // (A repeated row merged into the first row of its own key, OnRepeat = 'Merge', moves no key.)
                    if (e.Outcome == CrmOutcome.Merged && e.TargetKey is not null && !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal)) result[e.SourceKey] = e.TargetKey;
                    else if (e.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped or CrmOutcome.Deleted) result.Remove(e.SourceKey);
                }
            }
            return result;
        }

        private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public void Dispose()
        {
            ReleaseLease();
            foreach (var c in new[] { _putBatch, _addCounters, _putCheckpoint }) c?.Dispose();
            _store.Dispose();
        }
    }
}
