using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// The review file: the grey-zone pairs for a person to decide, one row per pair with an empty Decision
    /// column, then Note, Entity, Score, KeyA, KeyB, both records side by side (A.field, B.field for every
    /// field) and each comparator's similarity and contribution. A folder gets one CSV per entity (UTF-8
    /// with BOM, formula-escaped, through the CSV provider); an .xlsx path gets one sheet per entity. Pairs
    /// people already decided are written again with their decision, so the file can be fed back as often
    /// as wanted. A review file that holds decisions this run does not know is not overwritten.
    /// </summary>
    public static class ReviewFile
    {
        /// <summary>Writes the pairs; returns how many rows were written.</summary>
        public static int Write(string path, IReadOnlyList<(CrmMatchPair Pair, CrmRecord A, CrmRecord B)> pairs, IReadOnlyList<MergeDecision>? known = null)
        {
            string full = Path.GetFullPath(path);
            bool excel = string.Equals(Path.GetExtension(full), ".xlsx", StringComparison.OrdinalIgnoreCase);
            if (!excel && File.Exists(full))
            {
                throw new CrmException(new CrmDataError("DedupeReviewPathNotFolder", CrmErrorKind.InvalidArgument,
                    $"-ReviewPath '{full}' is a file; give a folder (one CSV per entity, created when missing) or an .xlsx workbook.") { File = full });
            }
            if (known is not null) GuardDecisions(full, excel, known);
            var byEntity = new Dictionary<string, List<(CrmMatchPair Pair, CrmRecord A, CrmRecord B)>>(StringComparer.OrdinalIgnoreCase);
            var order = new List<string>();
            foreach (var p in pairs)
            {
                if (!byEntity.TryGetValue(p.Pair.Entity, out var list))
                {
                    byEntity[p.Pair.Entity] = list = new List<(CrmMatchPair, CrmRecord, CrmRecord)>();
                    order.Add(p.Pair.Entity);
                }
                list.Add(p);
            }
            if (!excel) Directory.CreateDirectory(full);
            using var provider = ProviderFactory.Open(new CrmConnection(excel ? CrmProviderKind.Excel : CrmProviderKind.Csv, full));
            int written = 0;
            if (order.Count == 0 && excel)
            {
                // Nothing to review: the workbook is still written (a sheet with the columns only), so it can be given back.
                var columns = new List<CrmFieldSchema>();
                foreach (var n in new[] { "Decision", "Note", "Entity", "Score", "KeyA", "KeyB" }) columns.Add(new CrmFieldSchema(n, n == "Score" ? CrmFieldType.Double : CrmFieldType.String));
                using var empty = provider.OpenWriter("Review", new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, Schema = new CrmEntitySchema("Review", columns) });
                empty.WriteBatch(Array.Empty<CrmRecord>(), new List<CrmRecordOutcome>());
                empty.Complete();
                return 0;
            }
            foreach (var entity in order)
            {
                var list = byEntity[entity];
                var shape = ShapeOf(list);
                var records = new List<CrmRecord>(list.Count);
                foreach (var (pair, a, b) in list)
                {
                    var values = new object?[shape.Count];
                    values[0] = pair.Decision switch { CrmMatchDecision.HumanMatch => "Match", CrmMatchDecision.HumanNoMatch => "NoMatch", _ => null };
                    values[1] = null;
                    values[2] = pair.Entity;
                    values[3] = pair.Score;
                    values[4] = pair.KeyA;
                    values[5] = pair.KeyB;
                    for (int i = 6; i < shape.Count; i++)
                    {
                        string name = shape.Names[i];
                        if (name.StartsWith("A.", StringComparison.Ordinal)) values[i] = Util.CrmValues.ToText(a[name.Substring(2)]);
                        else if (name.StartsWith("B.", StringComparison.Ordinal)) values[i] = Util.CrmValues.ToText(b[name.Substring(2)]);
                    }
                    foreach (var c in pair.Contributions)
                    {
                        int si = shape.IndexOf("Similarity." + c.Field), ci = shape.IndexOf("Contribution." + c.Field);
                        if (si >= 0) values[si] = c.Similarity is double s ? Math.Round(s, 4) : null;
                        if (ci >= 0) values[ci] = c.Contribution;
                    }
                    records.Add(new CrmRecord(entity, shape, values) { Key = new CrmKey(pair.KeyA, pair.KeyB) { FieldNames = new[] { "KeyA", "KeyB" } } });
                }
                using var writer = provider.OpenWriter(entity, new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, KeyFields = new[] { "KeyA", "KeyB" } });
                var outcomes = new List<CrmRecordOutcome>(records.Count);
                writer.WriteBatch(records, outcomes);
                writer.Complete();
                foreach (var o in outcomes) if (o.Outcome != CrmOutcome.Rejected) written++;
            }
            return written;
        }

        private static CrmFieldShape ShapeOf(List<(CrmMatchPair Pair, CrmRecord A, CrmRecord B)> list)
        {
            var names = new List<string> { "Decision", "Note", "Entity", "Score", "KeyA", "KeyB" };
            var fields = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (_, a, b) in list)
            {
                foreach (var f in a.FieldNames) if (seen.Add(f)) fields.Add(f);
                foreach (var f in b.FieldNames) if (seen.Add(f)) fields.Add(f);
            }
            foreach (var f in fields)
            {
                names.Add("A." + f);
                names.Add("B." + f);
            }
            foreach (var c in list[0].Pair.Contributions)
            {
                names.Add("Similarity." + c.Field);
                names.Add("Contribution." + c.Field);
            }
            return new CrmFieldShape(names);
        }

        /// <summary>Refuses to overwrite a review file with decisions this run has not taken in (they would be lost).</summary>
        private static void GuardDecisions(string full, bool excel, IReadOnlyList<MergeDecision> known)
        {
            var files = new List<string>();
            if (excel) { if (File.Exists(full)) files.Add(full); }
            else if (Directory.Exists(full)) files.AddRange(Directory.GetFiles(full, "*.csv"));
            if (files.Count == 0) return;
            var knownKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in known) knownKeys.Add(d.Entity.ToUpperInvariant() + "\u0002" + MergeDecisions.PairKey(d.KeyA, d.KeyB) + "\u0002" + d.Same);
            foreach (var f in files)
            {
                List<MergeDecision> inFile;
                try { inFile = MergeDecisions.ReadFile(f, out _); }
                catch (CrmException) { continue; } // not a review file we can read: the writer replaces only its own entities
                foreach (var d in inFile)
                {
                    if (knownKeys.Contains(d.Entity.ToUpperInvariant() + "\u0002" + MergeDecisions.PairKey(d.KeyA, d.KeyB) + "\u0002" + d.Same)) continue;
                    throw new CrmException(new CrmDataError("DedupeReviewHasDecisions", CrmErrorKind.InvalidArgument,
                        $"The review file '{f}' holds decisions that were not given with -Decisions (e.g. {d.KeyA} ~ {d.KeyB}: {(d.Same ? "Match" : "NoMatch")}); writing it again would lose them. Pass it with -Decisions, or choose another -ReviewPath.") { File = f });
                }
            }
        }
    }
}
