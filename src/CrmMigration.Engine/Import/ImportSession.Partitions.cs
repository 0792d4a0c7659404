using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace CrmMigration.Engine.Import
{
    public sealed partial class ImportSession
    {
        /// <summary>How often a partition whose records wait for parents in other partitions looks at them again.</summary>
        internal static TimeSpan PartitionPoll { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// A partitioned worker at the end of its slice, with records still waiting for parents: their parents may be in
        /// another partition that is still running, so they are not rejected yet. The partition says it is Waiting (with
        /// how many records it has landed while waiting) and looks its waiting records up again until every other partition
        /// is Done, or Waiting too with nothing landed anywhere between two looks; only then does the end-of-stream
        /// resolution run (MissingParent, cleared references, the second pass). A partition whose worker died and was
        /// not taken over keeps the others waiting (its lease goes stale; start its worker again).
        /// </summary>
        private void AwaitOtherPartitions(List<ImportResult> results)
        {
            if (!Partitioned || _waitingNow == 0) return;
            var ledger = _ledger!;
            int part = _options.Partition!.Value;
            long landedWhileWaiting = 0;
            ledger.SetPartitionWaiting(_runId!, part, landedWhileWaiting);
            while (_waitingNow > 0)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                var before = ledger.OtherPartitions(_runId!, part);
                if (!before.Settled)
                {
                    Thread.Sleep(PartitionPoll);
                    continue;
                }
                long landed = LookAgain(results);
                if (landed > 0)
                {
                    landedWhileWaiting += landed;
                    ledger.SetPartitionWaiting(_runId!, part, landedWhileWaiting);
                    continue;
                }
                var after = ledger.OtherPartitions(_runId!, part);
                if (after.Settled && string.Equals(after.State, before.State, StringComparison.Ordinal)) break;
            }
            // What is left now is resolved for good (rejected, cleared, or written for the second pass): the other partitions
            // wait for this one to be Done before they look again, since the second pass still lands records.
            ledger.SetPartitionWaiting(_runId!, part, -1);
            if (landedWhileWaiting > 0) Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"Partition {_options.PartitionText}: {landedWhileWaiting} record(s) waited for parents in other partitions and were written once those landed."));
        }

        /// <summary>Puts every waiting record into its entity's batch again and writes; returns how many no longer wait.</summary>
        private long LookAgain(List<ImportResult> results)
        {
            long waiting = _waitingNow;
            var seen = new HashSet<WaitingRecord>(ReferenceEqualityComparer.Instance);
            var all = new List<WaitingRecord>();
            foreach (var byKey in _waiting.Values) foreach (var list in byKey.Values) foreach (var w in list) if (seen.Add(w)) all.Add(w);
            _waiting.Clear();
            _waitingNow = 0;
            bool draining = _draining;
            _draining = true; // nothing spills while they are looked at again
            try
            {
                foreach (var w in all)
                {
                    w.State.Batch.Add(w.Record);
                    w.State.Preset.Add(null);
                    if (w.State.Batch.Count >= _options.BatchSize) FlushEntity(w.State, results);
                }
                Flush(results);
            }
            finally { _draining = draining; }
            return waiting - _waitingNow;
        }
    }
}
