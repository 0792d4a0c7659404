using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CrmMigration.Engine.Sample
{
    /// <summary>
    /// The truth table of a sample's planted duplicates as a CSV file next to the data (&lt;path&gt;.duplicates.csv:
    /// Entity, Key, DuplicateOf, Variation), and the pairs it implies, for scoring a dedupe (pairwise precision
    /// and recall) in tests and benchmarks.
    /// </summary>
    public static class SampleTruth
    {
        /// <summary>The truth file of a sample database file or folder.</summary>
        public static string PathFor(string samplePath) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(samplePath)) + ".duplicates.csv";

        /// <summary>Writes the truth table (UTF-8, a header, one row per duplicate).</summary>
        public static void Write(string path, IReadOnlyList<SampleDuplicate> duplicates)
        {
            var sb = new StringBuilder("Entity,Key,DuplicateOf,Variation\n");
            foreach (var d in duplicates) sb.Append(d.Entity).Append(',').Append(d.Key).Append(',').Append(d.DuplicateOf).Append(',').Append(d.Variation).Append('\n');
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
        }

        /// <summary>Reads a truth table.</summary>
        public static List<SampleDuplicate> Read(string path)
        {
            var list = new List<SampleDuplicate>();
            bool header = true;
            foreach (var line in File.ReadLines(path))
            {
                if (header) { header = false; continue; }
                if (line.Length == 0) continue;
                var p = line.Split(',');
                list.Add(new SampleDuplicate(p[0], p[1], p[2], p.Length > 3 ? p[3] : ""));
            }
            return list;
        }

        /// <summary>
        /// The true duplicate pairs of an entity (order-free "a|b" keys with a &lt; b): each duplicate with the record it
        /// repeats, and duplicates of the same record with one another.
        /// </summary>
        public static HashSet<string> Pairs(IEnumerable<SampleDuplicate> duplicates, string entity)
        {
            var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var d in duplicates)
            {
                if (!string.Equals(d.Entity, entity, StringComparison.OrdinalIgnoreCase)) continue;
                if (!groups.TryGetValue(d.DuplicateOf, out var g)) groups[d.DuplicateOf] = g = new List<string> { d.DuplicateOf };
                g.Add(d.Key);
            }
            var pairs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var g in groups.Values)
            {
                for (int i = 0; i < g.Count; i++) for (int j = i + 1; j < g.Count; j++) pairs.Add(Pair(g[i], g[j]));
            }
            return pairs;
        }

        /// <summary>The order-free text of a pair.</summary>
        public static string Pair(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a + "|" + b : b + "|" + a;

        /// <summary>Pairwise precision and recall of found groups (each a list of keys) against the true pairs.</summary>
        public static (double Precision, double Recall, long TruePositives, long Found, long Truth) Score(IEnumerable<IReadOnlyList<string>> groups, HashSet<string> truth)
        {
            long found = 0, tp = 0;
            foreach (var g in groups)
            {
                for (int i = 0; i < g.Count; i++)
                {
                    for (int j = i + 1; j < g.Count; j++)
                    {
                        found++;
                        if (truth.Contains(Pair(g[i], g[j]))) tp++;
                    }
                }
            }
            double precision = found == 0 ? 1 : (double)tp / found;
            double recall = truth.Count == 0 ? 1 : (double)tp / truth.Count;
            return (precision, recall, tp, found, truth.Count);
        }
    }
}
