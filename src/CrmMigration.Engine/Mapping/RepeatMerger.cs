using System;
using System.Collections.Generic;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// Merges the repeats of an entity mapping with OnRepeat = 'Merge': the first mapped record of each target key
    /// is written, every later one with the same key is Merged into it (in the books and the ledger), and a repeat
    /// whose values differ is reported with the fields that differ (or Rejected, with OnConflict = 'Reject').
    /// Memory: the first record of each distinct key of such entities (parents, which are few next to their rows).
    /// </summary>
    public sealed class RepeatMerger
    {
        private readonly Dictionary<string, Dictionary<string, CrmRecord>> _first = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Null when <paramref name="output"/> is to be written (not a merged entity, no key, or the first of its key);
        /// otherwise the decided outcome: Merged (RecordRepeatMerged), or Rejected (RecordRepeatConflict) for a
        /// conflicting repeat under OnConflict = 'Reject'. <paramref name="conflict"/> names the differing values.
        /// </summary>
        public CrmRecordOutcome? Check(EntityMapping target, CrmRecord output, out string? conflict)
        {
            conflict = null;
            if (target.OnRepeat != RepeatAction.Merge || output.Key is null) return null;
            if (!_first.TryGetValue(target.Target, out var seen)) _first[target.Target] = seen = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
            string key = output.Key.ToString();
            if (!seen.TryGetValue(key, out var first))
            {
                seen[key] = output;
                return null;
            }
            conflict = Differences(first, output);
            string from = first.Origin?.ToString() ?? "an earlier row";
            if (conflict is not null && target.OnConflict == RepeatConflictAction.Reject)
            {
                return new CrmRecordOutcome(target.Target, key, CrmOutcome.Rejected)
                {
                    ReasonCode = "RecordRepeatConflict",
                    Message = $"{target.Target} key '{key}' repeats the record from {from} with different values ({conflict}); OnConflict = 'Reject' rejects it. Make the rows agree at the source.",
                    Origin = output.Origin,
                };
            }
            return new CrmRecordOutcome(target.Target, key, CrmOutcome.Merged)
            {
                ReasonCode = "RecordRepeatMerged",
                Message = conflict is null
                    ? $"{target.Target} key '{key}' repeats the record from {from}; merged into it."
                    : $"{target.Target} key '{key}' repeats the record from {from} with different values ({conflict}); merged into it, the first row's values kept.",
                Origin = output.Origin,
            };
        }

        private static string? Differences(CrmRecord first, CrmRecord other)
        {
            StringBuilder? sb = null;
            int n = 0;
            for (int i = 0; i < first.FieldCount; i++)
            {
                string name = first.FieldNames[i];
                object? a = first.GetValue(i), b = other[name];
                if (CrmValues.AreEqual(a, b)) continue;
                if (++n > 3) { sb!.Append(", ..."); break; }
                (sb ??= new StringBuilder()).Append(sb.Length > 0 ? ", " : "").Append(name).Append(" '")
                    .Append(CrmValues.Truncate(CrmValues.ToText(b) ?? "null", 40)).Append("' (first: '")
                    .Append(CrmValues.Truncate(CrmValues.ToText(a) ?? "null", 40)).Append("')");
            }
            return sb?.ToString();
        }
    }
}
