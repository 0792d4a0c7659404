using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Groups records linked by match-strength pairs without chaining unrelated records through weak links.
    /// Links are taken strongest first (people's Match decisions before scores); two groups join only when
    /// (1) the joined group stays within MaxGroupSize, (2) no person said two of their records differ, and
    /// (3) the mean score of every pair across the two groups (pairs not yet scored are scored now) reaches
    /// the group threshold (default: the match threshold). A link refused is a split, explained in the group
    /// the records stayed out of. Within a group a member's pairs to the others are strong on average, so
    /// A~B and B~C do not pull in a C that looks nothing like A.
    /// </summary>
    internal sealed class Clusterer
    {
        private readonly MatchScorer _scorer;
        private readonly EntityDedupeRules _rules;
        private readonly Dictionary<long, double> _scored;
        private readonly HashSet<long> _cannot;
        private readonly int _firstTarget;
        private int[] _parent = Array.Empty<int>();
        private readonly Dictionary<int, List<int>> _members = new();
        private readonly Dictionary<int, List<EntityDeduper.Edge>> _links = new();
        private readonly Dictionary<int, List<string>> _splits = new();

        public Clusterer(MatchScorer scorer, EntityDedupeRules rules, Dictionary<long, double> scored, HashSet<long> cannot, int firstTarget)
        {
            _scorer = scorer;
            _rules = rules;
            _scored = scored;
            _cannot = cannot;
            _firstTarget = firstTarget;
        }

        public long Splits { get; private set; }

        /// <summary>A group: its members (record indexes), the links that joined it, and the links it refused.</summary>
        public sealed class Group
        {
            public Group(List<int> members, List<EntityDeduper.Edge> links, List<string> splits)
            {
                Members = members;
                Links = links;
                Splits = splits;
            }

            public List<int> Members { get; }
            public List<EntityDeduper.Edge> Links { get; }
            public List<string> Splits { get; }
        }

        public List<Group> Cluster(int count, List<EntityDeduper.Edge> strong)
        {
            _parent = new int[count];
            for (int i = 0; i < count; i++) _parent[i] = i;
            double threshold = _rules.GroupThreshold ?? _rules.MatchThreshold;
            strong.Sort((x, y) =>
            {
                bool hx = x.Decision == CrmMatchDecision.HumanMatch, hy = y.Decision == CrmMatchDecision.HumanMatch;
                if (hx != hy) return hx ? -1 : 1;
                int c = y.Score.CompareTo(x.Score);
                if (c != 0) return c;
                c = x.A.CompareTo(y.A);
                return c != 0 ? c : x.B.CompareTo(y.B);
            });
            foreach (var e in strong)
            {
                int ra = Find(e.A), rb = Find(e.B);
                if (ra == rb)
                {
                    Links(ra).Add(e);
                    continue;
                }
                var ma = MembersOf(ra);
                var mb = MembersOf(rb);
                string? why = null;
                if (ma.Count + mb.Count > _rules.MaxGroupSize)
                {
                    why = string.Create(CultureInfo.InvariantCulture, $"the group would have {ma.Count + mb.Count} members, more than MaxGroupSize {_rules.MaxGroupSize}");
                }
                else if (Targets(ma) + Targets(mb) > 1)
                {
                    why = "both sides hold a record already in the target (two target records are never merged)";
                }
                else if (e.Decision != CrmMatchDecision.HumanMatch)
                {
                    double sum = 0;
                    int pairs = 0;
                    foreach (int a in ma)
                    {
                        foreach (int b in mb)
                        {
                            if (_cannot.Contains(EntityDeduper.Pack(a, b))) { why = "a person decided two of their records are different customers"; break; }
                            sum += ScoreOf(a, b);
                            pairs++;
                        }
                        if (why is not null) break;
                    }
                    double mean = pairs > 0 ? sum / pairs : 0;
                    if (why is null && mean < threshold)
                    {
                        why = string.Create(CultureInfo.InvariantCulture, $"their mean score against the group is {mean:0.###}, under the group threshold {threshold:0.###}");
                    }
                }
                else
                {
                    foreach (int a in ma) foreach (int b in mb) if (_cannot.Contains(EntityDeduper.Pack(a, b))) why = "a person decided two of their records are different customers";
                }
                if (why is not null)
                {
                    Splits++;
                    string text = string.Create(CultureInfo.InvariantCulture, $"{Keys(mb)} linked to {Keys(ma)} (score {e.Score:0.###}) but kept apart: {why}.");
                    SplitsOf(ra).Add(text);
                    if (mb.Count > 1 || ma.Count == 1) SplitsOf(rb).Add(text);
                    continue;
                }
                // Union: the larger group's root stays.
                if (ma.Count < mb.Count) (ra, rb, ma, mb) = (rb, ra, mb, ma);
                _parent[rb] = ra;
                ma.AddRange(mb);
                _members.Remove(rb);
                var la = Links(ra);
                la.AddRange(Links(rb));
                la.Add(e);
                _links.Remove(rb);
                if (_splits.Remove(rb, out var moved)) SplitsOf(ra).AddRange(moved);
            }
            var groups = new List<Group>();
            var roots = new List<int>(_members.Keys);
            roots.Sort();
            foreach (int root in roots)
            {
                var members = _members[root];
                if (members.Count < 2) continue;
                members.Sort();
                if (Targets(members) == members.Count) continue;
                groups.Add(new Group(members, Links(root), _splits.TryGetValue(root, out var s) ? s : new List<string>()));
            }
            return groups;
        }

        private int Targets(List<int> members)
        {
            int n = 0;
            foreach (int m in members) if (m >= _firstTarget) n++;
            return n;
        }

        private double ScoreOf(int a, int b)
        {
            long key = EntityDeduper.Pack(a, b);
            if (_scored.TryGetValue(key, out double s)) return s;
            s = _scorer.Score(a, b);
            _scored[key] = s;
            return s;
        }

        private string Keys(List<int> members)
        {
            var parts = new List<string>(Math.Min(members.Count, 5));
            for (int i = 0; i < members.Count && i < 5; i++) parts.Add(_scorer.KeyOf(members[i]));
            return string.Join("+", parts) + (members.Count > 5 ? "+…" : "");
        }

        private int Find(int x)
        {
            while (_parent[x] != x)
            {
                _parent[x] = _parent[_parent[x]];
                x = _parent[x];
            }
            return x;
        }

        private List<int> MembersOf(int root)
        {
            if (!_members.TryGetValue(root, out var list)) _members[root] = list = new List<int> { root };
            return list;
        }

        private List<EntityDeduper.Edge> Links(int root)
        {
            if (!_links.TryGetValue(root, out var list)) _links[root] = list = new List<EntityDeduper.Edge>();
            return list;
        }

        private List<string> SplitsOf(int root)
        {
            if (!_splits.TryGetValue(root, out var list)) _splits[root] = list = new List<string>();
            return list;
        }
    }
}
