using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// Delta runs: the newest value of a source entity's modified-at field that a run read (its watermark), the last completed
    /// run a delta continues from, and the source keys the target holds records of (what a delta compares against to find
    /// records deleted in the source).
    /// </summary>
    public sealed partial class MigrationLedger
    {
        /// <summary>The newest completed, not undone, import or delta run of a target (what a delta run continues from); null when there is none.</summary>
        public string? LastCompletedRun(string target)
        {
            using var cmd = Command("SELECT run_id FROM runs WHERE target = @t AND status = 'Completed' AND COALESCE(kind, 'Import') <> 'Undo' ORDER BY run_no DESC LIMIT 1");
            Add(cmd, "@t", target);
            return Scalar(cmd) as string;
        }

        /// <summary>Keeps the newest modified-at value a run read of a source entity (invariant text), replacing an earlier one of the same run.</summary>
        public void SaveWatermark(string runId, string sourceEntity, string field, string value)
        {
            using var cmd = Command(@"INSERT INTO watermarks(run_no, source_entity, field, value) VALUES (@r, @e, @f, @v)
ON CONFLICT(run_no, source_entity) DO UPDATE SET field = excluded.field, value = excluded.value");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            Add(cmd, "@e", sourceEntity);
            Add(cmd, "@f", field);
            Add(cmd, "@v", value);
            cmd.ExecuteNonQuery();
        }

        /// <summary>The watermark of a source entity from the newest completed, not undone run of the target that kept one; null when none did.</summary>
        public (string Field, string Value)? LatestWatermark(string target, string sourceEntity)
        {
            using var cmd = Command(@"SELECT w.field, w.value FROM watermarks w JOIN runs r ON r.run_no = w.run_no
WHERE r.target = @t AND r.status = 'Completed' AND w.source_entity = @e AND w.value IS NOT NULL ORDER BY r.run_no DESC LIMIT 1");
            Add(cmd, "@t", target);
            Add(cmd, "@e", sourceEntity);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return null;
            return (reader.GetString(0), reader.GetString(1));
        }

        /// <summary>
        /// The records of <paramref name="sourceEntity"/> the target entity holds per the ledger (landed in live runs, not
        /// deleted since): source key → target key. A delta run compares the source's keys with these to find deletions.
        /// </summary>
        public Dictionary<string, string> LandedSourceKeys(string target, string targetEntity, string sourceEntity)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            using var cmd = TargetBatches(target, targetEntity);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                foreach (var d in BatchCodec.Decode((byte[])reader.GetValue(0)))
                {
                    if (d.TargetKey is null || !string.Equals(d.SourceEntity, sourceEntity, StringComparison.OrdinalIgnoreCase)) continue;
                    if (d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) result[d.SourceKey] = d.TargetKey;
                    else if (d.Outcome == CrmOutcome.Deleted) result.Remove(d.SourceKey);
                }
            }
            return result;
        }
    }
}
