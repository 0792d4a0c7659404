using System;
using System.Diagnostics;
using System.Globalization;
using System.Data.Common;
using System.Threading;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// One run, one worker: a run holds a lease on its target in the ledger (holder, host, process, heartbeat). A second
    /// process on the same target stops with RunLeaseHeld; a lease whose holder died is taken over: at once when the
    /// holder was a process of this machine that no longer runs, else when its heartbeat is older than the timeout.
    /// The holder's heartbeat is renewed with every recorded batch and by a timer, so a long step (a foreign key on a
    /// large table) keeps it; a holder that finds its lease taken over stops (RunLeaseLost) before recording anything
    /// more, so the books of the run stay exact.
    /// </summary>
    public sealed partial class MigrationLedger
    {
        /// <summary>How long a lease lives without a heartbeat before another process may take it over.</summary>
        public static TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>How often the holder renews its heartbeat.</summary>
        public static TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

        private readonly string _holder = Environment.MachineName + ":" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ":" + Guid.NewGuid().ToString("N").Substring(0, 8);
        private string? _leaseTarget;
        private Timer? _heartbeat;
        private DbConnection? _heartbeatDb;
        private readonly object _heartbeatLock = new();
        private volatile bool _leaseLost;

        /// <summary>What happened to an earlier holder's lease when this process took it over (null when there was none to take).</summary>
        public string? LeaseTakenOver { get; private set; }

        /// <summary>Takes the lease on <paramref name="target"/> for a run, or throws RunLeaseHeld naming the holder.</summary>
        private void AcquireLease(string target, string runId, string heldId = "RunLeaseHeld", string? what = null)
        {
            using (var tx = _store.Begin(exclusive: true))
            {
                string? holder = null, host = null, heldRun = null, beat = null;
                long pid = 0;
                using (var cmd = Command("SELECT holder, host, pid, run_id, heartbeat_at FROM leases WHERE target = @t", tx))
                {
                    Add(cmd, "@t", target);
                    using var r = cmd.ExecuteReader();
                    if (r.Read()) { holder = r.GetString(0); host = r.GetString(1); pid = Long(r, 2); heldRun = r.GetString(3); beat = r.GetString(4); }
                }
                if (holder is not null && !string.Equals(holder, _holder, StringComparison.Ordinal))
                {
                    var last = DateTimeOffset.Parse(beat!, CultureInfo.InvariantCulture);
                    var silent = DateTimeOffset.UtcNow - last;
                    bool dead = string.Equals(host, Environment.MachineName, StringComparison.OrdinalIgnoreCase) && !ProcessRuns(pid);
                    if (!dead && silent < LeaseTimeout)
                    {
                        tx.Rollback();
                        throw new CrmException(new CrmDataError(heldId, CrmErrorKind.Busy,
                            $"{what ?? "Run " + heldRun + " on " + target} is being worked on by process {pid} on {host} (its last heartbeat was {silent.TotalSeconds:F0} s ago). " +
                            $"Wait for it to finish, or stop it; a run whose process died is taken over at once on the same machine, or after {LeaseTimeout.TotalSeconds:F0} s without a heartbeat. The ledger is {_path}.")
                        { File = _path });
                    }
                    LeaseTakenOver = dead
                        ? $"{what ?? "Run " + heldRun + " on " + target} was held by process {pid} on {host}, which no longer runs; this process took the run over."
                        : $"{what ?? "Run " + heldRun + " on " + target} was held by process {pid} on {host}, silent for {silent.TotalSeconds:F0} s (more than {LeaseTimeout.TotalSeconds:F0} s); this process took the run over.";
                }
                using (var put = Command(@"INSERT INTO leases(target, run_id, holder, host, pid, acquired_at, heartbeat_at) VALUES (@t, @r, @h, @m, @p, @now, @now)
ON CONFLICT(target) DO UPDATE SET run_id = excluded.run_id, holder = excluded.holder, host = excluded.host, pid = excluded.pid, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at", tx))
                {
                    Add(put, "@t", target);
                    Add(put, "@r", runId);
                    Add(put, "@h", _holder);
                    Add(put, "@m", Environment.MachineName);
                    Add(put, "@p", (long)Environment.ProcessId);
                    Add(put, "@now", Now());
                    put.ExecuteNonQuery();
                }
                tx.Commit();
            }
            _leaseTarget = target;
            _leaseLost = false;
            _heartbeat = new Timer(_ => Beat(), null, HeartbeatInterval, HeartbeatInterval);
        }

        private static bool ProcessRuns(long pid)
        {
            try
            {
                using var p = Process.GetProcessById((int)pid);
                return !p.HasExited;
            }
            catch (ArgumentException) { return false; }
            catch (InvalidOperationException) { return false; }
        }

        /// <summary>The timer's heartbeat, on its own connection (the ledger's connection belongs to the import's thread).</summary>
        private void Beat()
        {
            lock (_heartbeatLock)
            {
                if (_leaseTarget is null) return;
                try
                {
                    _heartbeatDb ??= _store.OpenConnection();
                    using var cmd = Command("UPDATE leases SET heartbeat_at = @now WHERE target = @t AND holder = @h", null, _heartbeatDb);
                    Add(cmd, "@now", Now());
                    Add(cmd, "@t", _leaseTarget);
                    Add(cmd, "@h", _holder);
                    if (cmd.ExecuteNonQuery() == 0) _leaseLost = true;
                }
                catch (Exception ex) when (ex is DbException or CrmException or InvalidOperationException)
                {
                    // The next beat or batch tries again; a connection that broke is opened afresh.
                    try { _heartbeatDb?.Dispose(); } catch (Exception dispose) when (dispose is DbException or InvalidOperationException) { }
                    _heartbeatDb = null;
                }
            }
        }

        /// <summary>Inside a batch's transaction: renews the heartbeat, or throws RunLeaseLost when another process took the run over.</summary>
        private void RenewLease(DbTransaction? tx)
        {
            if (_leaseTarget is null) return;
            int changed = 0;
            if (!_leaseLost)
            {
                using var cmd = Command("UPDATE leases SET heartbeat_at = @now WHERE target = @t AND holder = @h", tx);
                Add(cmd, "@now", Now());
                Add(cmd, "@t", _leaseTarget);
                Add(cmd, "@h", _holder);
                changed = cmd.ExecuteNonQuery();
            }
            if (changed == 0)
            {
                _leaseLost = true;
                throw new CrmException(new CrmDataError("RunLeaseLost", CrmErrorKind.Busy,
                    $"Another process took over the run on {_leaseTarget} (this one was silent for longer than {LeaseTimeout.TotalSeconds:F0} s); this process stops without recording more. The ledger is {_path}.")
                { File = _path });
            }
        }

        /// <summary>Gives the lease back (the run finished, failed or was stopped).</summary>
        private void ReleaseLease()
        {
            lock (_heartbeatLock)
            {
                _heartbeat?.Dispose();
                _heartbeat = null;
                _heartbeatDb?.Dispose();
                _heartbeatDb = null;
                if (_leaseTarget is null) return;
                try
                {
                    using var cmd = Command("DELETE FROM leases WHERE target = @t AND holder = @h");
                    Add(cmd, "@t", _leaseTarget);
                    Add(cmd, "@h", _holder);
                    cmd.ExecuteNonQuery();
                }
                catch (Exception ex) when (ex is DbException or InvalidOperationException) { }
                _leaseTarget = null;
            }
        }
    }
}
