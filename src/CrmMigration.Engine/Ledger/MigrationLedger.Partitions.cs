using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// Partitioned runs: several workers share one run id, each copying one slice of the source (partition k of n, by the
    /// hash of the source key). Each partition is leased on its own (holder, heartbeat, takeover, as a whole run's lease),
    /// its state is a row of <c>partitions</c> (Running, Done, Failed) and its batches carry their partition. The run is
    /// Completed only by the worker that finishes the last partition, after every partition is Done and the run's combined
    /// books balance.
    /// </summary>
    public sealed partial class MigrationLedger
    {
        /// <summary>The lease name of a partition of a run on a target.</summary>
        private static string PartitionLease(string target, string runId, int part, int parts) =>
            string.Create(CultureInfo.InvariantCulture, $"{target} run {runId} partition {part}/{parts}");

        /// <summary>
        /// Starts or joins a partitioned run: the first worker creates the run (with its number of partitions), the others
        /// join it; then the partition's lease is taken (PartitionLeaseHeld while a live holder has it; a dead holder's is
        /// taken over) and the partition marked Running. Resumed is true when the partition had an earlier attempt.
        /// </summary>
        private (string RunId, bool Resumed) StartPartition(LedgerRunInfo info, string runId, int part, int parts)
        {
            using (var tx = _store.Begin(exclusive: true))
            {
                string? status = null, kind = null;
                long? known = null;
                using (var cmd = Command("SELECT status, kind, parts FROM runs WHERE run_id = @r", tx))
                {
                    Add(cmd, "@r", runId);
                    using var r = cmd.ExecuteReader();
                    if (r.Read()) { status = r.GetString(0); kind = Text(r, 1); known = r.IsDBNull(2) ? null : Long(r, 2); }
                }
                if (status is null)
                {
                    info.Partitions = parts;
                    InsertRun(runId, info, tx);
                }
                else
                {
                    if (known != parts)
                    {
                        tx.Rollback();
                        string has = known is long k ? k.ToString(CultureInfo.InvariantCulture) + " partitions" : "no partitions";
                        throw new CrmException("PartitionCountMismatch", CrmErrorKind.InvalidArgument,
                            $"Run {runId} has {has}, not {parts.ToString(CultureInfo.InvariantCulture)}: every worker of a run gives the same n in -Partition k/n.");
                    }
                    if (string.Equals(status, "Undone", StringComparison.Ordinal) || string.Equals(kind, "Undo", StringComparison.Ordinal))
                    {
                        tx.Rollback();
                        RequireResumable(runId);
                    }
                }
                tx.Commit();
            }
            long run = RunNumber(runId)!.Value;
            using (var get = Command("SELECT status FROM partitions WHERE run_no = @r AND part = @p"))
            {
                Add(get, "@r", run);
                Add(get, "@p", (long)part);
                if (Scalar(get) is string done && string.Equals(done, "Done", StringComparison.Ordinal))
                {
                    throw new CrmException("PartitionAlreadyDone", CrmErrorKind.InvalidArgument,
                        string.Create(CultureInfo.InvariantCulture, $"Partition {part}/{parts} of run {runId} is done already; nothing is left for this worker. Get-CrmMigrationRun -RunId {runId} shows which partitions are still to do."));
                }
            }
            AcquireLease(PartitionLease(info.Target, runId, part, parts), runId, "PartitionLeaseHeld",
                string.Create(CultureInfo.InvariantCulture, $"Partition {part}/{parts} of run {runId} on {info.Target}"));
            bool resumed;
            using (var tx = _store.Begin(exclusive: true))
            {
                using (var get = Command("SELECT attempts FROM partitions WHERE run_no = @r AND part = @p", tx))
                {
                    Add(get, "@r", run);
                    Add(get, "@p", (long)part);
                    resumed = Scalar(get) is not null;
                }
                using (var put = Command(@"INSERT INTO partitions(run_no, part, parts, status, holder, started_at, attempts) VALUES (@r, @p, @n, 'Running', @h, @at, 1)
ON CONFLICT(run_no, part) DO UPDATE SET status = 'Running', holder = excluded.holder, finished_at = NULL, attempts = partitions.attempts + 1", tx))
                {
                    Add(put, "@r", run);
                    Add(put, "@p", (long)part);
                    Add(put, "@n", (long)parts);
                    Add(put, "@h", _holder);
                    Add(put, "@at", Now());
                    put.ExecuteNonQuery();
                }
                using (var upd = Command("UPDATE runs SET status = 'Running', finished_at = NULL WHERE run_no = @r AND status <> 'Running'", tx))
                {
                    Add(upd, "@r", run);
                    upd.ExecuteNonQuery();
                }
                tx.Commit();
            }
            return (runId, resumed);
        }

        /// <summary>
        /// Marks a partition Done (or Failed) and gives its lease back. The worker whose partition is the last one left (every
        /// other partition is Done) gets true instead: its partition is marked Finishing and it keeps the lease while it
        /// completes the run (after-data schema, books), then calls <see cref="CompletePartitionedRun"/>. A finisher that dies
        /// leaves the partition Finishing, so a worker started again for it finishes the run.
        /// </summary>
        public bool FinishPartition(string runId, int part, bool success)
        {
            long run = RunNumber(runId)!.Value;
            bool last = false;
            using (var tx = _store.Begin(exclusive: true))
            {
                if (success)
                {
                    using var count = Command("SELECT (SELECT COUNT(*) FROM partitions WHERE run_no = @r AND part <> @p AND status = 'Done'), parts FROM runs WHERE run_no = @r", tx);
                    Add(count, "@r", run);
                    Add(count, "@p", (long)part);
                    using var r = count.ExecuteReader();
                    if (r.Read()) last = !r.IsDBNull(1) && Long(r, 0) == Long(r, 1) - 1;
                }
                using (var put = Command("UPDATE partitions SET status = @s, finished_at = @at WHERE run_no = @r AND part = @p", tx))
                {
                    Add(put, "@s", !success ? "Failed" : last ? "Finishing" : "Done");
                    Add(put, "@at", Now());
                    Add(put, "@r", run);
                    Add(put, "@p", (long)part);
                    put.ExecuteNonQuery();
                }
                tx.Commit();
            }
            if (!last) ReleaseLease();
            return last;
        }

        /// <summary>The last worker, once the run's books balance: the run Completed (or Failed) and its own partition Done, in one transaction.</summary>
        public void CompletePartitionedRun(string runId, int part, bool success)
        {
            long run = RunNumber(runId)!.Value;
            using (var tx = _store.Begin(exclusive: true))
            {
                using (var cmd = Command("UPDATE runs SET status = @s, finished_at = @at WHERE run_no = @r AND status <> 'Undone'", tx))
                {
                    Add(cmd, "@s", success ? "Completed" : "Failed");
                    Add(cmd, "@at", Now());
                    Add(cmd, "@r", run);
                    cmd.ExecuteNonQuery();
                }
                using (var put = Command("UPDATE partitions SET status = @s, finished_at = @at WHERE run_no = @r AND part = @p", tx))
                {
                    Add(put, "@s", success ? "Done" : "Failed");
                    Add(put, "@at", Now());
                    Add(put, "@r", run);
                    Add(put, "@p", (long)part);
                    put.ExecuteNonQuery();
                }
                tx.Commit();
            }
            ReleaseLease();
        }

        /// <summary>Marks a partition Waiting (its slice is written but records wait for parents), with how many of them it has landed since; Resolving when <paramref name="landed"/> is negative.</summary>
        public void SetPartitionWaiting(string runId, int part, long landed)
        {
            using var put = Command("UPDATE partitions SET status = @s WHERE run_no = @r AND part = @p");
            Add(put, "@s", landed < 0 ? "Resolving" : "Waiting:" + landed.ToString(CultureInfo.InvariantCulture));
            Add(put, "@r", RunNumber(runId)!.Value);
            Add(put, "@p", (long)part);
            put.ExecuteNonQuery();
        }

        /// <summary>
        /// The state of every other partition of a run: Settled when each has started and is Done, Finishing, or Waiting with a
        /// live lease (its slice written; only records waiting for parents left); State is their statuses, to compare two looks.
        /// </summary>
        public (bool Settled, string State) OtherPartitions(string runId, int part)
        {
            long run = RunNumber(runId)!.Value;
            int parts = 0, seen = 0;
            bool settled = true;
            var state = new System.Text.StringBuilder();
            string target = "";
            using (var get = Command("SELECT parts, target FROM runs WHERE run_no = @r"))
            {
                Add(get, "@r", run);
                using var r = get.ExecuteReader();
                if (r.Read()) { parts = (int)Long(r, 0); target = Text(r, 1) ?? ""; }
            }
            var waiting = new List<int>();
            using (var cmd = Command("SELECT part, status FROM partitions WHERE run_no = @r AND part <> @p ORDER BY part"))
            {
                Add(cmd, "@r", run);
                Add(cmd, "@p", (long)part);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    seen++;
                    int other = (int)Long(r, 0);
                    string status = r.GetString(1);
                    state.Append(other.ToString(CultureInfo.InvariantCulture)).Append('=').Append(status).Append(';');
                    if (status.StartsWith("Waiting:", StringComparison.Ordinal)) waiting.Add(other);
                    else if (status is not ("Done" or "Finishing")) settled = false;
                }
            }
            if (seen < parts - 1) settled = false;
            foreach (int other in waiting)
            {
                if (!settled) break;
                using var beat = Command("SELECT heartbeat_at FROM leases WHERE target = @t");
                Add(beat, "@t", PartitionLease(target, runId, other, parts));
                settled = Scalar(beat) is string at && DateTimeOffset.UtcNow - DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) < LeaseTimeout;
            }
            return (settled, state.ToString());
        }

        /// <summary>How many partitions of a run are Done.</summary>
        public int PartitionsDone(string runId)
        {
            using var cmd = Command("SELECT COUNT(*) FROM partitions WHERE run_no = @r AND status = 'Done'");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            return (int)Convert.ToInt64(Scalar(cmd) ?? 0L, CultureInfo.InvariantCulture);
        }

        /// <summary>The books of one partition of a run, per entity, counted from the outcomes its batches recorded (every attempt).</summary>
        public List<CrmImportSummary> PartitionCounters(string runId, int part, string target)
        {
            var byEntity = new Dictionary<string, CrmImportSummary>(StringComparer.OrdinalIgnoreCase);
            var order = new List<CrmImportSummary>();
            using var cmd = Command("SELECT entity, data FROM batches WHERE run_no = @r AND part = @p ORDER BY seq");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            Add(cmd, "@p", (long)part);
            using var reader = cmd.ExecuteReader();
            var entries = new List<ScannedEntry>();
            while (reader.Read())
            {
                string entity = reader.GetString(0);
                if (!byEntity.TryGetValue(entity, out var s))
                {
                    byEntity[entity] = s = new CrmImportSummary(entity, target);
                    order.Add(s);
                }
                BatchCodec.Scan((byte[])reader.GetValue(1), entries);
                foreach (var e in entries) s.Count(e.Outcome);
            }
            return order;
        }

        /// <summary>
        /// Runs <paramref name="action"/> while this process holds the ledger's exclusive lock: workers of a partitioned run
        /// create the target's tables one at a time, so the first creates them and the others find them.
        /// </summary>
        public void Exclusively(Action action)
        {
            if (_store is PostgresLedgerStore)
            {
                // Its own connection: the advisory lock serialises the workers, while the action still records through the ledger's connection.
                using var db = _store.OpenConnection();
                using var tx = _store.Begin(exclusive: true, db);
                action();
                tx.Commit();
                return;
            }
            // An SQLite ledger is one file on one machine: a lock file beside it does the same.
            string lockPath = _path + ".lock";
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                System.IO.FileStream? held = null;
                try { held = new System.IO.FileStream(lockPath, System.IO.FileMode.OpenOrCreate, System.IO.FileAccess.ReadWrite, System.IO.FileShare.None, 1, System.IO.FileOptions.DeleteOnClose); }
                catch (System.IO.IOException) when (clock.Elapsed < LeaseTimeout) { }
                if (held is not null)
                {
                    using (held) action();
                    return;
                }
                System.Threading.Thread.Sleep(50);
            }
        }
    }
}
