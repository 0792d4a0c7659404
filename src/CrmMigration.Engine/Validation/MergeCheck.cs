using System;
using System.Collections.Generic;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// What a dedupe did to an entity, as the ledger recorded it, so a validator can tell merges from losses:
    /// the merged keys (each mapped to its survivor), and for each survivor the mapped source values of its
    /// group. A survivor whose fields differ from its own source record passes only when every differing value
    /// is one of its group members' values for that field, or (a field that keeps losing values) a value or a
    /// '; '-list of values of the group's records: checked field by field, not assumed. Memory: the group members' values only.
    /// </summary>
    public sealed class MergeCheck
    {
        private readonly Dictionary<string, string> _mergedInto;
        private readonly Dictionary<string, string> _groupOf = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string[]> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _members = new(StringComparer.Ordinal);

        private MergeCheck(Dictionary<string, string> mergedInto)
        {
            _mergedInto = mergedInto;
            foreach (var (merged, survivor) in mergedInto)
            {
                _groupOf[merged] = survivor;
                _groupOf[survivor] = survivor;
                if (!_members.TryGetValue(survivor, out var list)) _members[survivor] = list = new List<string> { survivor };
                list.Add(merged);
            }
        }

        /// <summary>The merges of a target entity the ledger recorded, or null when there are none (or no ledger).</summary>
        public static MergeCheck? Load(MigrationLedger? ledger, string target, string entity)
        {
            if (ledger is null) return null;
            var merged = ledger.MergedKeys(target, entity);
            return merged.Count == 0 ? null : new MergeCheck(merged);
        }

        /// <summary>Merged key → survivor key.</summary>
        public IReadOnlyDictionary<string, string> MergedInto => _mergedInto;

        /// <summary>True when the key was merged into a survivor.</summary>
        public bool IsMerged(string key) => _mergedInto.ContainsKey(key);

        /// <summary>True when the key is a survivor.</summary>
        public bool IsSurvivor(string key) => _members.ContainsKey(key);

        /// <summary>Remembers a mapped source record's compared values (the comparer just loaded it) when it belongs to a merge group.</summary>
        internal void Observe(string key, FieldComparer loaded)
        {
            if (!_groupOf.ContainsKey(key)) return;
            _values[key] = (string[])loaded.Canonicals.Clone();
        }

        /// <summary>
        /// True when every compared field of a survivor's target record holds its own source value, a group member's
        /// value of the same field, or a value or '; '-list of values of the group's records (KeepLosingIn).
        /// </summary>
        internal bool Explains(string key, CrmRecord target, FieldComparer comparer)
        {
            if (!_members.TryGetValue(key, out var members) || !_values.TryGetValue(key, out var own)) return false;
            comparer.Load(target);
            var actual = comparer.Canonicals;
            for (int f = 0; f < actual.Length; f++)
            {
                if (string.Equals(actual[f], own[f], StringComparison.Ordinal)) continue;
                bool found = false;
                foreach (var m in members)
                {
                    if (_values.TryGetValue(m, out var mv) && string.Equals(actual[f], mv[f], StringComparison.Ordinal)) { found = true; break; }
                }
                if (!found && !IsListOfGroupValues(Util.CrmValues.ToText(target[comparer.Fields[f]]), members)) return false;
            }
            return true;
        }

        private bool IsListOfGroupValues(string? text, List<string> members)
        {
            if (string.IsNullOrEmpty(text)) return false;
            foreach (var raw in text.Split(';'))
            {
                string part = raw.Trim();
                if (part.Length == 0) continue;
                string canonical = "s" + part;
                bool found = false;
                foreach (var m in members)
                {
                    if (!_values.TryGetValue(m, out var mv)) continue;
                    foreach (var v in mv) if (string.Equals(v, canonical, StringComparison.OrdinalIgnoreCase)) { found = true; break; }
                    if (found) break;
                }
                if (!found) return false;
            }
            return true;
        }
    }
}
