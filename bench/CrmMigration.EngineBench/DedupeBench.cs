using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Dedupe;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Sample;

namespace CrmMigration.EngineBench
{
    /// <summary>
    /// Dedupe timings and quality, no PowerShell:
    ///   dedupe-sample &lt;legacy.db&gt; &lt;rules.json&gt; [entity]  the sample's contacts (or accounts) read from SQLite and deduped;
    ///                                                          precision and recall against &lt;legacy.db&gt;.duplicates.csv
    ///   dedupe-febrl &lt;dataset.csv&gt; &lt;rules.json&gt;             a FEBRL data set (rec-N-org / rec-N-dup-k) deduped
    /// Prints one line: records, read and dedupe seconds, candidate pairs, reduction ratio, groups, merged, review pairs,
    /// precision, recall, peak working set and managed heap.
    /// </summary>
    internal static class DedupeBench
    {
        public static string Sample(string db, string rulesPath, string entity)
        {
            var rules = DedupeRulesParser.ParseJson(File.ReadAllText(rulesPath), rulesPath);
            var entityRules = rules.For(entity) ?? throw new ArgumentException("The rules do not name " + entity);
            using var provider = ProviderFactory.Open(new CrmConnection(CrmProviderKind.Sqlite, db));
            var truth = SampleTruth.Pairs(SampleTruth.Read(SampleTruth.PathFor(db)), entity);
            return Run(entity, entityRules, provider.Read(entity, new CrmReadOptions(), _ => { }, CancellationToken.None), truth);
        }

        public static string Febrl(string csv, string rulesPath)
        {
            var rules = DedupeRulesParser.ParseJson(File.ReadAllText(rulesPath), rulesPath);
            var entityRules = rules.For("person") ?? throw new ArgumentException("The rules do not name person");
            // The file's values are separated by ', ': split and trim (it has no quoted fields).
            var lines = File.ReadAllLines(csv);
            var names = Array.ConvertAll(lines[0].Split(','), s => s.Trim());
            var shape = new CrmFieldShape(names);
            var records = new List<CrmRecord>(lines.Length);
            var byEntity = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            for (int i = 1; i < lines.Length; i++)
            {
                var values = Array.ConvertAll(lines[i].Split(','), s => (object?)s.Trim());
                string id = (string)values[0]!;
                records.Add(new CrmRecord("person", shape, values) { Key = new CrmKey(id) { FieldNames = new[] { "rec_id" } } });
                string person = id.Split('-')[1];
                if (!byEntity.TryGetValue(person, out var list)) byEntity[person] = list = new List<string>();
                list.Add(id);
            }
            var truth = new HashSet<string>(StringComparer.Ordinal);
            foreach (var g in byEntity.Values) for (int a = 0; a < g.Count; a++) for (int b = a + 1; b < g.Count; b++) truth.Add(SampleTruth.Pair(g[a], g[b]));
            return Run("person", entityRules, records, truth);
        }

        private static string Run(string entity, EntityDedupeRules rules, IEnumerable<CrmRecord> records, HashSet<string> truth)
        {
            GC.Collect();
            var read = new Stopwatch();
            var total = Stopwatch.StartNew();
            long emitted = 0;
            // Groups from what goes out, as an import sees it (no explanations kept): merged key → survivor.
            var mergedInto = new List<(string Key, string Survivor)>();
            var deduper = new EntityDeduper(entity, rules, new DedupeOptions(), r =>
            {
                emitted++;
                if (r.Decided is { Outcome: CrmOutcome.Merged, MergedInto: string s }) mergedInto.Add((r.Key!.ToString(), s));
            });
            using var e = records.GetEnumerator();
            while (true)
            {
                read.Start();
                bool more = e.MoveNext();
                read.Stop();
                if (!more) break;
                deduper.Add(e.Current);
            }
            var complete = Stopwatch.StartNew();
            deduper.Complete();
            complete.Stop();
            total.Stop();
            var bySurvivor = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (key, survivor) in mergedInto)
            {
                if (!bySurvivor.TryGetValue(survivor, out var g)) bySurvivor[survivor] = g = new List<string> { survivor };
                g.Add(key);
            }
            var groups = new List<IReadOnlyList<string>>(bySurvivor.Values);
            var (precision, recall, tp, found, pairs) = SampleTruth.Score(groups, truth);
            var s = deduper.Summary;
            deduper.Dispose();
            var proc = Process.GetCurrentProcess();
            return string.Create(CultureInfo.InvariantCulture,
                $"records={s.Read} read={read.Elapsed.TotalSeconds:F2} dedupe={(total.Elapsed - read.Elapsed).TotalSeconds:F2} complete={complete.Elapsed.TotalSeconds:F2} total={total.Elapsed.TotalSeconds:F2} " +
                $"candidates={s.CandidatePairs} reduction={s.ReductionRatio:F6} groups={s.Groups} merged={s.Merged} review={s.ReviewPairs} largest={s.LargestGroup} emitted={emitted} " +
                $"truth={pairs} found={found} tp={tp} precision={precision:F4} recall={recall:F4} peak-ws-mb={proc.PeakWorkingSet64 / 1048576} gc-heap-mb={GC.GetGCMemoryInfo().HeapSizeBytes / 1048576}");
        }
    }
}
