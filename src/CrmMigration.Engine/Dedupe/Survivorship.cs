using System;
using System.Collections.Generic;
using System.Globalization;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Survivorship: which member of a group survives, and which value each field of the survivor gets.
    /// Every rule prefers a value to an empty one (an empty value never wins while a member has one); ties
    /// go to the member ranked first by the survivor rule. Values that lose are listed in the explanation
    /// and, with KeepLosingIn, kept in another field; nothing is dropped silently.
    /// </summary>
    internal sealed class Survivorship
    {
        private static readonly DateCleaner Dates = new(Array.Empty<string>(), null, null, 2049);
        private readonly EntityDedupeRules _rules;
        private readonly Dictionary<string, FieldSurvivorship> _byField = new(StringComparer.OrdinalIgnoreCase);

        public Survivorship(EntityDedupeRules rules)
        {
            _rules = rules;
            foreach (var s in rules.Survivorship) _byField[s.Field] = s;
        }

        /// <summary>One member: its record, whether it is already in the target, and its place in the input.</summary>
        public readonly record struct Member(CrmRecord Record, bool InTarget, int Index);

        /// <summary>
        /// Orders the members by the survivor rule (the survivor first). A member already in the target always
        /// survives (the target keeps its key); among several rules' ties the member read first wins.
        /// </summary>
        public List<Member> Rank(IReadOnlyList<Member> members, out string reason)
        {
            var ranked = new List<Member>(members);
            var rule = _rules.Survivor;
            int Completeness(Member m) => Filled(m.Record);
            ranked.Sort((a, b) =>
            {
                if (a.InTarget != b.InTarget) return a.InTarget ? -1 : 1;
                int c = 0;
                switch (rule.Rule)
                {
                    case "MostComplete": c = Completeness(b).CompareTo(Completeness(a)); break;
                    case "Oldest": c = CompareTime(a.Record, b.Record, rule.By!, newestFirst: false); break;
                    case "Newest": c = CompareTime(a.Record, b.Record, rule.By!, newestFirst: true); break;
                    case "SourcePriority": c = PriorityOf(a.Record, rule.By, rule.Priority).CompareTo(PriorityOf(b.Record, rule.By, rule.Priority)); break;
                }
                return c != 0 ? c : a.Index.CompareTo(b.Index);
            });
            var s = ranked[0];
            string key = s.Record.Key?.ToString() ?? "(no key)";
            reason = s.InTarget ? $"{key} is already in the target; it keeps its key and takes the merged values."
                : rule.Rule switch
                {
                    "MostComplete" => string.Create(CultureInfo.InvariantCulture, $"{key} has the most filled fields ({Completeness(s)} of {s.Record.FieldCount})."),
                    "Oldest" => $"{key} has the earliest {rule.By} ({CrmRecord.FormatValue(s.Record[rule.By!])}).",
                    "Newest" => $"{key} has the latest {rule.By} ({CrmRecord.FormatValue(s.Record[rule.By!])}).",
                    "SourcePriority" => $"{key} comes from the best source in the priority list ({SourceOf(s.Record, rule.By)}).",
                    _ => $"{key} was read first.",
                };
            return ranked;
        }

        /// <summary>The survivor's values after the merge, with each field's choice.</summary>
        public (CrmRecord Survivor, List<CrmMergeFieldChoice> Choices) Merge(List<Member> ranked)
        {
            var survivor = ranked[0].Record.Clone();
            var choices = new List<CrmMergeFieldChoice>(survivor.FieldCount);
            var keptExtra = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            var fields = new List<string>(survivor.FieldNames);
            foreach (var field in fields)
            {
                if (survivor.Key?.FieldNames is { } kf && Contains(kf, field)) continue; // the key is the survivor's
                var rule = _byField.TryGetValue(field, out var r) ? r : _rules.DefaultSurvivorship;
                var order = Order(ranked, field, rule);
                int winner = -1;
                for (int i = 0; i < order.Count; i++)
                {
                    if (!IsEmpty(order[i].Record[field])) { winner = i; break; }
                }
                object? before = survivor[field];
                object? value = winner >= 0 ? order[winner].Record[field] : before;
                string? from = winner >= 0 ? order[winner].Record.Key?.ToString() : ranked[0].Record.Key?.ToString();
                var losing = new List<object?>();
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Canonical(value) };
                foreach (var m in ranked)
                {
                    object? v = m.Record[field];
                    if (IsEmpty(v)) continue;
                    if (seen.Add(Canonical(v))) losing.Add(v);
                }
                bool changed = !string.Equals(Canonical(before), Canonical(value), StringComparison.Ordinal);
                if (changed) survivor[field] = value;
                string ruleName = winner >= 0 && winner > 0 && rule.Rule == "Survivor" ? "Survivor (empty; next member)" : rule.Rule;
                var choice = new CrmMergeFieldChoice(field, value, ruleName, from) { Changed = changed, LosingValues = losing };
                if (rule.KeepLosingIn is string keep && losing.Count > 0)
                {
                    choice.KeptIn = keep;
                    if (!keptExtra.TryGetValue(keep, out var list)) keptExtra[keep] = list = new List<string>();
                    foreach (var v in losing) list.Add(CrmValues.ToText(v) ?? "");
                }
                choices.Add(choice);
            }
            foreach (var (keep, values) in keptExtra)
            {
                // The field that keeps losing values: what it held, then the new ones, distinct, joined with '; '.
                var parts = new List<string>();
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (CrmValues.ToText(survivor[keep]) is string existing && existing.Trim().Length > 0)
                {
                    foreach (var p in existing.Split(';')) if (p.Trim().Length > 0 && seen.Add(p.Trim())) parts.Add(p.Trim());
                }
                foreach (var v in values) if (v.Trim().Length > 0 && seen.Add(v.Trim())) parts.Add(v.Trim());
                object? before = survivor[keep];
                string joined = string.Join("; ", parts);
                if (!string.Equals(CrmValues.ToText(before) ?? "", joined, StringComparison.Ordinal))
                {
                    survivor[keep] = joined;
                    choices.Add(new CrmMergeFieldChoice(keep, joined, "KeepLosing", null) { Changed = true });
                }
            }
            return (survivor, choices);
        }

        private List<Member> Order(List<Member> ranked, string field, FieldSurvivorship rule)
        {
            if (rule.Rule == "Survivor") return ranked;
            var order = new List<Member>(ranked);
            var rank = new Dictionary<int, int>();
            for (int i = 0; i < ranked.Count; i++) rank[ranked[i].Index] = i;
            Comparison<Member> cmp = rule.Rule switch
            {
                "MostRecent" => (a, b) => CompareTime(a.Record, b.Record, rule.By!, newestFirst: true),
                "Oldest" => (a, b) => CompareTime(a.Record, b.Record, rule.By!, newestFirst: false),
                "MostComplete" => (a, b) => Filled(b.Record).CompareTo(Filled(a.Record)),
                "Longest" => (a, b) => (CrmValues.ToText(b.Record[field])?.Trim().Length ?? 0).CompareTo(CrmValues.ToText(a.Record[field])?.Trim().Length ?? 0),
                "MostFrequent" => MostFrequent(ranked, field),
                "SourcePriority" => (a, b) => PriorityOf(a.Record, rule.By, rule.Priority).CompareTo(PriorityOf(b.Record, rule.By, rule.Priority)),
                _ => (a, b) => 0,
            };
            order.Sort((a, b) =>
            {
                int c = cmp(a, b);
                return c != 0 ? c : rank[a.Index].CompareTo(rank[b.Index]);
            });
            return order;
        }

        private static Comparison<Member> MostFrequent(List<Member> members, string field)
        {
            var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var m in members)
            {
                if (IsEmpty(m.Record[field])) continue;
                string c = Canonical(m.Record[field]);
                counts[c] = counts.TryGetValue(c, out int n) ? n + 1 : 1;
            }
            return (a, b) => Count(b).CompareTo(Count(a));
            int Count(Member m) => IsEmpty(m.Record[field]) ? 0 : counts[Canonical(m.Record[field])];
        }

        private static bool Contains(IReadOnlyList<string> list, string name)
        {
            foreach (var s in list) if (string.Equals(s, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Filled (non-empty) fields of a record.</summary>
        public static int Filled(CrmRecord r)
        {
            int n = 0;
            for (int i = 0; i < r.FieldCount; i++) if (!IsEmpty(r.GetValue(i))) n++;
            return n;
        }

        public static bool IsEmpty(object? v) => v is null || v is string s && s.Trim().Length == 0;

        private static string Canonical(object? v) => IsEmpty(v) ? "" : (CrmValues.ToText(v) ?? "").Trim();

        /// <summary>Later times first (or earlier first); records whose time is unknown go last either way.</summary>
        private static int CompareTime(CrmRecord a, CrmRecord b, string field, bool newestFirst)
        {
            var ta = TimeOf(a[field]);
            var tb = TimeOf(b[field]);
            if (ta is null && tb is null) return 0;
            if (ta is null) return 1;
            if (tb is null) return -1;
            int c = ta.Value.CompareTo(tb.Value);
            return newestFirst ? -c : c;
        }

        private static DateTime? TimeOf(object? v)
        {
            switch (v)
            {
                case null: return null;
                case DateTime d: return d;
                case DateTimeOffset o: return o.UtcDateTime;
                case string s when s.Trim().Length == 0: return null;
            }
            if (Dates.TryParse(v!, out object? parsed, out _))
            {
                return parsed switch { DateTime d => d, DateTimeOffset o => o.UtcDateTime, _ => null };
            }
            return null;
        }

        private static string SourceOf(CrmRecord r, string? by) => by is null ? r.Origin?.System ?? "" : CrmValues.ToText(r[by]) ?? "";

        private static int PriorityOf(CrmRecord r, string? by, IReadOnlyList<string> priority)
        {
            string source = SourceOf(r, by);
            for (int i = 0; i < priority.Count; i++)
            {
                if (System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(priority[i], source, ignoreCase: true)) return i;
            }
            return priority.Count;
        }
    }
}
