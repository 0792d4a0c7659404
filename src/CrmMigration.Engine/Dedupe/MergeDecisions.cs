using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>One person's decision on a pair of records.</summary>
    public readonly record struct MergeDecision(string Entity, string KeyA, string KeyB, bool Same, string? Note);

    /// <summary>
    /// People's decisions on grey-zone pairs: read from a filled-in review file (CSV or XLSX, the Decision
    /// column), remembered in the ledger, and handed to the dedupe as pair key → same customer or not.
    /// </summary>
    public static class MergeDecisions
    {
        /// <summary>Decision words that mean "one customer".</summary>
        public static readonly string[] SameWords = { "Match", "Merge", "Same", "Duplicate", "Yes", "Y", "1", "True", "合并", "是" };
        /// <summary>Decision words that mean "two customers".</summary>
        public static readonly string[] DifferentWords = { "NoMatch", "No Match", "Distinct", "Different", "Keep", "No", "N", "0", "False", "不合并", "否" };

        /// <summary>The order-free key of a pair.</summary>
        public static string PairKey(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a + "\u0001" + b : b + "\u0001" + a;

        /// <summary>The two keys of a pair key.</summary>
        public static (string A, string B) Split(string pairKey)
        {
            int i = pairKey.IndexOf('\u0001', StringComparison.Ordinal);
            return (pairKey.Substring(0, i), pairKey.Substring(i + 1));
        }

        /// <summary>Parses a Decision cell: true (same), false (different), null (not decided yet).</summary>
        public static bool? Parse(string? text)
        {
            if (text is null) return null;
            string t = text.Trim();
            if (t.Length == 0) return null;
            foreach (var w in SameWords) if (string.Equals(w, t, StringComparison.OrdinalIgnoreCase)) return true;
            foreach (var w in DifferentWords) if (string.Equals(w, t, StringComparison.OrdinalIgnoreCase)) return false;
            throw new FormatException($"'{t}' is not a decision. Write Match (the same customer) or NoMatch (different customers), or leave it empty.");
        }

        /// <summary>
        /// Reads the decisions of a review file (.csv or .xlsx written by the dedupe and filled in by a person).
        /// Rows without a decision are skipped; a decision that is no known word is an error (DedupeDecisionInvalid)
        /// with the file and line, so a typo never turns into a merge.
        /// </summary>
        public static List<MergeDecision> ReadFile(string path, out int undecided)
        {
            undecided = 0;
            bool folder = Directory.Exists(path);
            if (!folder && !File.Exists(path)) throw new CrmException(new CrmDataError("DedupeDecisionsNotFound", CrmErrorKind.NotFound, $"The decisions file '{path}' does not exist.") { File = path });
            string ext = Path.GetExtension(path).ToLowerInvariant();
            if (!folder && ext is not (".csv" or ".xlsx")) throw new CrmException(new CrmDataError("DedupeDecisionsFileType", CrmErrorKind.InvalidArgument, "Decisions come from the review file: its folder of CSV files, one .csv, or the .xlsx workbook.") { File = path });
            var kind = ext == ".xlsx" ? CrmProviderKind.Excel : CrmProviderKind.Csv;
            var list = new List<MergeDecision>();
            using var provider = ProviderFactory.Open(new CrmConnection(kind, path));
            foreach (string entity in provider.ListEntities())
            {
                var problems = new List<CrmDataError>();
                foreach (var row in provider.Read(entity, new CrmReadOptions(), e => problems.Add(e), default))
                {
                    string? decision = Util.CrmValues.ToText(row["Decision"]);
                    string? e = Util.CrmValues.ToText(row["Entity"]), a = Util.CrmValues.ToText(row["KeyA"]), b = Util.CrmValues.ToText(row["KeyB"]);
                    if (e is null || a is null || b is null)
                    {
                        throw new CrmException(new CrmDataError("DedupeDecisionsInvalid", CrmErrorKind.InvalidData,
                            "A decisions file needs the review file's columns Entity, KeyA, KeyB and Decision.") { File = row.Origin?.File ?? path, Line = row.Origin?.Line ?? 0 });
                    }
                    bool? same;
                    try { same = Parse(decision); }
                    catch (FormatException ex)
                    {
                        throw new CrmException(new CrmDataError("DedupeDecisionInvalid", CrmErrorKind.InvalidData, ex.Message) { File = row.Origin?.File ?? path, Line = row.Origin?.Line ?? 0, Key = a + " ~ " + b });
                    }
                    if (same is null) { undecided++; continue; }
                    list.Add(new MergeDecision(e, Unescape(a), Unescape(b), same.Value, Util.CrmValues.ToText(row["Note"])));
                }
                foreach (var p in problems) if (p.RecordNumber > 0) throw new CrmException(p);
            }
            return list;
        }

        /// <summary>A key written into a review file with the formula guard (a leading apostrophe) is read back without it.</summary>
        private static string Unescape(string key) => key.Length > 1 && key[0] == '\'' && "=+-@\t\r".IndexOf(key[1]) >= 0 ? key.Substring(1) : key;

        /// <summary>The decisions of one entity as the dedupe takes them.</summary>
        public static Dictionary<string, bool> ForEntity(IEnumerable<MergeDecision> decisions, string entity)
        {
            var map = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var d in decisions)
            {
                if (string.Equals(d.Entity, entity, StringComparison.OrdinalIgnoreCase)) map[PairKey(d.KeyA, d.KeyB)] = d.Same;
            }
            return map;
        }
    }
}
