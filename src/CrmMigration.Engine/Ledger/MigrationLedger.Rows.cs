using System.Collections.Generic;

namespace CrmMigration.Engine.Ledger
{
    public sealed partial class MigrationLedger
    {
        /// <summary>
        /// Records a batch of rows (the import session's batch lane) as <see cref="RecordBatch"/> records the same entries: the
        /// same blob, counters, crosswalk rows and checkpoint, made from the arrays without an entry object or a key string per row.
        /// </summary>
        internal void RecordRows(string runId, string entity, int batch, LedgerRows rows, int? part = null)
        {
            if (rows.Count == 0) return;
            Prepare();
            long run = RunNumber(runId)!.Value;
            var counts = new long[7]; // inserted, updated, skipped, rejected, merged, filtered, deleted
            List<LedgerEntry>? moved = null;
            for (int i = 0; i < rows.Count; i++)
            {
                var outcome = rows.OutcomeAt(i);
                switch (outcome)
                {
                    case CrmOutcome.Inserted: counts[0]++; break;
                    case CrmOutcome.Updated: counts[1]++; break;
                    case CrmOutcome.Skipped: counts[2]++; break;
                    case CrmOutcome.Merged: counts[4]++; break;
                    case CrmOutcome.Filtered: counts[5]++; break;
                    case CrmOutcome.Deleted: counts[6]++; break;
                    default: counts[3]++; break;
                }
                bool landed = outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped or CrmOutcome.Merged;
                if (landed && rows.HasTargetKey(i) && rows.KeyDiffers(i))
                {
                    string target = rows.TargetKeyText(i)!;
                    (moved ??= new List<LedgerEntry>()).Add(new LedgerEntry(rows.SourceEntity, rows.SourceKeyText(i), target,
                        rows.DetailAt(i) ?? new CrmRecordOutcome(entity, target, outcome), rows.HasHashes ? rows.HashAt(i) : null));
                }
            }
            StoreBatch(run, entity, batch, rows.Count, Now(), BatchCodec.EncodeInPlace(rows), counts, moved, rows.SourceKeyText(rows.Count - 1), part);
        }
    }
}
