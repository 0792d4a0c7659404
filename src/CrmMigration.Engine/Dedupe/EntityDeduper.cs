using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>What a dedupe run needs besides the rules.</summary>
    public sealed class DedupeOptions
    {
        /// <summary>Where records are spooled when there are more than <see cref="InMemoryLimit"/> (default: the temp folder).</summary>
        public string SpoolFolder { get; set; } = System.IO.Path.GetTempPath();
        /// <summary>Records held in memory before they are spooled to disk.</summary>
        public int InMemoryLimit { get; set; } = 10_000;
        /// <summary>People's decisions on pairs (<see cref="MergeDecisions.PairKey"/> → true = the same customer).</summary>
        public IReadOnlyDictionary<string, bool>? Decisions { get; set; }
        /// <summary>Attach the merge's field choices to survivors as Changes, and keep the groups.</summary>
        public bool Explain { get; set; }
        /// <summary>Keep every group (for -PassThru and tests); otherwise only the counts.</summary>
        public bool KeepGroups { get; set; }
        /// <summary>Keep the review pairs with their contributions (for the review file).</summary>
        public bool KeepReviewPairs { get; set; }
        /// <summary>The rules' hash, named (shortened) in each merged record's message, so the ledger says which rules merged it.</summary>
        public string? RulesHash { get; set; }
        public CancellationToken CancellationToken { get; set; }
    }

    /// <summary>
    /// Finds and merges the duplicates of one entity. Records are added (and, with -Target, the records already
    /// in the target); on <see cref="Complete"/> the candidate pairs are blocked, scored and grouped, and every
    /// record goes out once: unchanged when it has no duplicate, merged values on the survivor, and the others
    /// marked Merged (outcome, reason Duplicate, the survivor's key in MergedInto, the score in the message).
    /// Records marked decided upstream (rejected, filtered) and records without a key go on at once.
    /// </summary>
    public sealed class EntityDeduper : IDisposable
    {
        private readonly EntityDedupeRules _rules;
        private readonly DedupeOptions _options;
        private readonly Action<CrmRecord> _emit;
        private readonly MatchScorer _scorer;
        private readonly RecordStore _store;
        private readonly Stopwatch _clock = new();
        private int _firstTarget = int.MaxValue;
        private bool _completed;

        public EntityDeduper(string entity, EntityDedupeRules rules, DedupeOptions options, Action<CrmRecord> emit)
        {
            Entity = entity;
            _rules = rules;
            _options = options;
            _emit = emit;
            _scorer = new MatchScorer(rules);
            _store = new RecordStore(options.SpoolFolder, options.InMemoryLimit);
            Summary = new CrmMergeSummary(entity);
        }

        public string Entity { get; }
        public CrmMergeSummary Summary { get; }
        /// <summary>The groups, when <see cref="DedupeOptions.KeepGroups"/> or Explain.</summary>
        public List<CrmMergeGroup> Groups { get; } = new();
        /// <summary>The grey-zone pairs, when <see cref="DedupeOptions.KeepReviewPairs"/>.</summary>
        public List<(CrmMatchPair Pair, CrmRecord A, CrmRecord B)> ReviewPairs { get; } = new();
        /// <summary>Notes for the user (records without keys, large blocks).</summary>
        public List<string> Warnings { get; } = new();

        /// <summary>Adds an incoming record (it comes out of <see cref="Complete"/>, or at once when it cannot take part).</summary>
        public void Add(CrmRecord record)
        {
            if (_completed) throw new InvalidOperationException("The dedupe is complete.");
            if (_firstTarget != int.MaxValue) throw new InvalidOperationException("Incoming records come before the target's.");
            _clock.Start();
            Summary.Read++;
            if (record.Decided is not null)
            {
                Summary.Decided++;
                _emit(record);
                return;
            }
            if (record.Key is null)
            {
                Summary.Unique++;
                if (!_keylessWarned)
                {
                    _keylessWarned = true;
                    Warnings.Add($"{Entity} records without a key cannot be merged (the ledger's crosswalk needs one); they go on as they are.");
                }
                _emit(record);
                return;
            }
            _scorer.Add(record);
            _store.Add(record);
            _clock.Stop();
        }

        private bool _keylessWarned;

        /// <summary>Adds a record already in the target (-Target): it can absorb incoming duplicates, and is written back only when it does.</summary>
        public void AddExisting(CrmRecord record)
        {
            if (record.Key is null) return;
            if (_firstTarget == int.MaxValue) _firstTarget = _scorer.Count;
            Summary.TargetRecords++;
            _scorer.Add(record);
            _store.Add(record);
        }

        /// <summary>Blocks, scores, groups and merges, and sends every record on.</summary>
        public void Complete()
        {
            if (_completed) return;
            _completed = true;
            _clock.Start();
            var ct = _options.CancellationToken;
            int n = _scorer.Count;
            int incoming = Math.Min(n, _firstTarget);
            Summary.AllPairs = (double)incoming * (incoming - 1) / 2 + (double)incoming * (n - incoming);

            // 1. Candidate pairs.
            var blocker = new Blocker(_scorer);
            long[] candidates = blocker.Candidates(n, _firstTarget, ct);
            Summary.CandidatePairs = candidates.Length;
            if (blocker.WindowedBlocks > 0)
            {
                Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{Entity}: {blocker.WindowedBlocks} block(s) had more than {_rules.MaxBlockSize} records (the largest {blocker.LargestBlock}); their records were compared with their {_rules.Window - 1} nearest neighbours in sorted order, not all against all."));
            }

            // 2. Scores; people's decisions override them.
            var decisions = _options.Decisions;
            Dictionary<string, int>? indexByKey = null;
            var strong = new List<Edge>();
            var cannot = new HashSet<long>();
            var review = new List<Edge>();
            var scored = new Dictionary<long, double>();
            var decided = new HashSet<long>();
            var decidedEdges = new List<Edge>();
            if (decisions is { Count: > 0 })
            {
                indexByKey = new Dictionary<string, int>(n, StringComparer.Ordinal);
                for (int i = 0; i < n; i++) indexByKey.TryAdd(_scorer.KeyOf(i), i);
                foreach (var (pair, same) in decisions)
                {
                    var (ka, kb) = MergeDecisions.Split(pair);
                    if (!indexByKey.TryGetValue(ka, out int a) || !indexByKey.TryGetValue(kb, out int b) || a == b) continue;
                    if (a >= _firstTarget && b >= _firstTarget) continue;
                    long packed = Pack(a, b);
                    decided.Add(packed);
                    Summary.HumanDecisions++;
                    double s = _scorer.Score(a, b);
                    scored[packed] = s;
                    var edge = new Edge(Math.Min(a, b), Math.Max(a, b), s, same ? CrmMatchDecision.HumanMatch : CrmMatchDecision.HumanNoMatch);
                    decidedEdges.Add(edge);
                    if (same) strong.Add(edge);
                    else cannot.Add(packed);
                }
            }
            for (int p = 0; p < candidates.Length; p++)
            {
                if ((p & 0x3FFF) == 0) ct.ThrowIfCancellationRequested();
                long packed = candidates[p];
                if (decided.Contains(packed)) continue;
                int a = (int)(packed >> 32), b = (int)(packed & 0xFFFFFFFF);
                double s = _scorer.Score(a, b);
                if (s >= _rules.MatchThreshold) { strong.Add(new Edge(a, b, s, CrmMatchDecision.Match)); scored[packed] = s; }
                else if (s >= _rules.ReviewThreshold) { review.Add(new Edge(a, b, s, CrmMatchDecision.Review)); scored[packed] = s; }
            }
            candidates = Array.Empty<long>();

            // 3. Groups.
            var clusterer = new Clusterer(_scorer, _rules, scored, cannot, _firstTarget);
            var groups = clusterer.Cluster(n, strong);
            Summary.Splits = clusterer.Splits;
            var groupOf = new int[n];
            Array.Fill(groupOf, -1);
            for (int g = 0; g < groups.Count; g++) foreach (int m in groups[g].Members) groupOf[m] = g;

            // 4. Review pairs: grey-zone pairs whose records did not end up in one group anyway.
            var reviewByRecord = new Dictionary<int, List<int>>();
            var reviewKept = new List<Edge>();
            foreach (var e in review)
            {
                if (groupOf[e.A] >= 0 && groupOf[e.A] == groupOf[e.B]) continue;
                reviewKept.Add(e);
            }
            Summary.ReviewPairs = reviewKept.Count;
            reviewKept.AddRange(decidedEdges); // written back with their decision, so the review file round-trips
            if (_options.KeepReviewPairs)
            {
                for (int i = 0; i < reviewKept.Count; i++)
                {
                    foreach (int r in new[] { reviewKept[i].A, reviewKept[i].B })
                    {
                        if (!reviewByRecord.TryGetValue(r, out var l)) reviewByRecord[r] = l = new List<int>(1);
                        l.Add(i);
                    }
                }
            }

            // Only the members of groups and review pairs are scored from here on: the other records' match values go
            // (at 1M contacts most of the scorer's memory), before the second pass makes its own garbage.
            var keep = new bool[n];
            for (int g = 0; g < groups.Count; g++) foreach (int m in groups[g].Members) keep[m] = true;
            foreach (var e in reviewKept) keep[e.A] = keep[e.B] = true;
            _scorer.Keep(keep);
            keep = Array.Empty<bool>();
            scored.Clear();
            scored.TrimExcess();
            strong.Clear();
            strong.TrimExcess();
            review.Clear();
            review.TrimExcess();

            // 5. Second pass over the records: singles go on, groups merge when their last member has been read.
            var pending = new Dictionary<int, List<Survivorship.Member>>();
            var reviewRecords = new Dictionary<int, CrmRecord>();
            var survivorship = new Survivorship(_rules);
            int index = 0;
            foreach (var record in _store.ReadAll())
            {
                if ((index & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                int i = index++;
                if (reviewByRecord.ContainsKey(i)) reviewRecords[i] = record;
                int g = groupOf[i];
                if (g < 0)
                {
                    if (i < _firstTarget)
                    {
                        Summary.Unique++;
                        _emit(record);
                    }
                    continue;
                }
                if (!pending.TryGetValue(g, out var members)) pending[g] = members = new List<Survivorship.Member>(groups[g].Members.Count);
                members.Add(new Survivorship.Member(record, i >= _firstTarget, i));
                if (members.Count == groups[g].Members.Count)
                {
                    pending.Remove(g);
                    MergeGroup(groups[g], members, survivorship);
                }
            }
            if (pending.Count > 0) throw new InvalidOperationException("A merge group lost members between the passes.");
            if (_options.KeepReviewPairs)
            {
                foreach (var e in reviewKept)
                {
                    var explain = new List<CrmMatchContribution>(_rules.Fields.Count);
                    double s = _scorer.Score(e.A, e.B, explain);
                    ReviewPairs.Add((new CrmMatchPair(Entity, _scorer.KeyOf(e.A), _scorer.KeyOf(e.B), Math.Round(s, 4), e.Decision) { Contributions = explain }, reviewRecords[e.A], reviewRecords[e.B]));
                }
            }
            _clock.Stop();
            Summary.Elapsed = _clock.Elapsed;
            if (!Summary.Balanced)
            {
                throw new CrmException("DedupeAccountingMismatch", CrmErrorKind.WriteError,
                    $"{Entity}: {Summary.Read} records read but {Summary.Unique + Summary.Survivors + Summary.TargetUpdates + Summary.Merged + Summary.Decided} sent on.");
            }
        }

        private void MergeGroup(Clusterer.Group group, List<Survivorship.Member> members, Survivorship survivorship)
        {
            var ranked = survivorship.Rank(members, out string reason);
            var (survivor, choices) = survivorship.Merge(ranked);
            string survivorKey = survivor.Key!.ToString();
            bool inTarget = ranked[0].InTarget;

            // The pairs that hold the group together, explained.
            var pairs = new List<CrmMatchPair>(group.Links.Count);
            double min = 1;
            foreach (var e in group.Links)
            {
                var explain = new List<CrmMatchContribution>(_rules.Fields.Count);
                double s = _scorer.Score(e.A, e.B, explain);
                pairs.Add(new CrmMatchPair(Entity, _scorer.KeyOf(e.A), _scorer.KeyOf(e.B), Math.Round(s, 4), e.Decision) { Contributions = explain });
                if (s < min) min = s;
            }
            var memberKeys = new List<string>(ranked.Count);
            var merged = new List<string>(ranked.Count - 1);
            foreach (var m in ranked) memberKeys.Add(m.Record.Key!.ToString());
            for (int i = 1; i < ranked.Count; i++) merged.Add(memberKeys[i]);
            var info = new CrmMergeGroup(Entity, GroupId(memberKeys), survivorKey)
            {
                SurvivorReason = reason,
                Members = memberKeys,
                Merged = merged,
                SurvivorInTarget = inTarget,
                Pairs = pairs,
                Fields = choices,
                Splits = group.Splits,
                MinScore = Math.Round(min, 4),
            };
            Summary.Groups++;
            if (ranked.Count > Summary.LargestGroup) Summary.LargestGroup = ranked.Count;
            if (_options.KeepGroups || _options.Explain) Groups.Add(info);

            if (_options.Explain)
            {
                foreach (var c in choices)
                {
                    if (!c.Changed && c.LosingValues.Count == 0) continue;
                    object? old = ranked[0].Record[c.Field];
                    string note = c.Rule == "KeepLosing" ? "losing values kept" : $"from {c.FromKey}" + (c.LosingValues.Count > 0 ? $"; other values: {Join(c.LosingValues)}" + (c.KeptIn is null ? "" : $" (kept in {c.KeptIn})") : "");
                    (survivor.Changes ??= new List<CrmChange>()).Add(new CrmChange(c.Field, old, c.Value, "Merge:" + c.Rule, note));
                }
            }
            // A record already in the target is updated by one incoming member (the one with its key, else the best
            // ranked), which carries the update: that record is accounted for as updating it, the others as merged.
            int carrier = -1;
            if (inTarget)
            {
                for (int i = 1; i < ranked.Count && carrier < 0; i++) if (memberKeys[i] == survivorKey) carrier = i;
                if (carrier < 0) carrier = 1;
                survivor.Origin = ranked[carrier].Record.Origin;
                survivor.MappingHash = ranked[carrier].Record.MappingHash;
                Summary.TargetUpdates++;
            }
            else
            {
                Summary.Survivors++;
            }
            _emit(survivor);
            for (int i = 1; i < ranked.Count; i++)
            {
                if (i == carrier) continue;
                var m = ranked[i];
                var copy = m.Record.Clone();
                string key = memberKeys[i];
                copy.Decided = new CrmRecordOutcome(Entity, key, CrmOutcome.Merged)
                {
                    ReasonCode = pairs.Exists(p => p.Decision == CrmMatchDecision.HumanMatch && (p.KeyA == key || p.KeyB == key)) ? "DuplicateByDecision" : "Duplicate",
                    Message = Because(key, survivorKey, pairs, inTarget, _options.RulesHash),
                    MergedInto = survivorKey,
                    Origin = m.Record.Origin,
                };
                Summary.Merged++;
                _emit(copy);
            }
        }

        /// <summary>Why a member was merged: its strongest link in the group and that link's top contributions.</summary>
        private static string Because(string key, string survivor, List<CrmMatchPair> pairs, bool inTarget, string? rulesHash)
        {
            CrmMatchPair? best = null;
            foreach (var p in pairs)
            {
                if (p.KeyA != key && p.KeyB != key) continue;
                if (best is null || p.Score > best.Score) best = p;
            }
            var sb = new StringBuilder();
            sb.Append("Merged into ").Append(survivor).Append(inTarget ? " (already in the target)" : "");
            if (best is not null)
            {
                string other = best.KeyA == key ? best.KeyB : best.KeyA;
                sb.Append(string.Create(CultureInfo.InvariantCulture, $": {best.Decision} with {other}, score {best.Score:0.###}"));
                var parts = new List<string>();
                foreach (var c in best.Contributions)
                {
                    if (c.Similarity is double s) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{c.Field} {s:0.##}"));
                }
                if (parts.Count > 0) sb.Append(" (").Append(string.Join(", ", parts)).Append(')');
            }
            if (rulesHash is not null) sb.Append("; rules ").Append(rulesHash.Length > 12 ? rulesHash.Substring(0, 12) : rulesHash);
            return sb.Append('.').ToString();
        }

        private static string Join(IReadOnlyList<object?> values)
        {
            var parts = new List<string>(values.Count);
            foreach (var v in values) parts.Add("'" + CrmRecord.FormatValue(v) + "'");
            return string.Join(", ", parts);
        }

        private static string GroupId(List<string> keys)
        {
            var sorted = new List<string>(keys);
            sorted.Sort(StringComparer.Ordinal);
            var bytes = Encoding.UTF8.GetBytes(string.Join("\u001F", sorted));
            return "G" + System.IO.Hashing.XxHash3.HashToUInt64(bytes).ToString("x16", CultureInfo.InvariantCulture);
        }

        internal static long Pack(int a, int b) => a < b ? ((long)a << 32) | (uint)b : ((long)b << 32) | (uint)a;

        /// <summary>A link between two records.</summary>
        internal readonly record struct Edge(int A, int B, double Score, CrmMatchDecision Decision);

        public void Dispose() => _store.Dispose();
    }
}
