using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;

using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Reads dedupe rules from a tree of dictionaries, lists and scalars (what a .psd1 data file, a hashtable
    /// or a .json file becomes), checks every key, comparator, normaliser, threshold and rule before any
    /// record is read, and computes the rules' hash (the same for the .psd1, .json and hashtable forms).
    /// Error ids start with DedupeRules.
    /// </summary>
    public static class DedupeRulesParser
    {
        private static readonly string[] TopKeys = { "Version", "Description", "Entities", "CompanySuffixes", "Nicknames" };
        private static readonly string[] EntityKeys =
        {
            "Fields", "Blocking", "Scoring", "Thresholds", "MissingSimilarity", "Prior", "MaxBlockSize", "Window", "Clustering", "Survivor",
            "Survivorship", "CompanySuffixes", "Nicknames", "Description",
        };
        private static readonly string[] FieldKeys = { "Source", "Combine", "Normalize", "Compare", "Weight", "M", "U", "MaxDifference", "Digits", "MissingSimilarity", "DefaultRegion", "Description" };
        private static readonly string[] BlockKeys = { "Field", "Fields", "Method", "Length", "MinLength", "Description" };
        private static readonly string[] ThresholdKeys = { "Match", "Review" };
        private static readonly string[] ClusterKeys = { "MaxGroupSize", "GroupThreshold" };
        private static readonly string[] SurvivorKeys = { "Rule", "By", "Priority" };
        private static readonly string[] SurvivorshipKeys = { "Rule", "By", "Priority", "KeepLosingIn" };
        private static readonly string[] SurvivorRules = { "MostComplete", "Oldest", "Newest", "SourcePriority", "First" };
        private static readonly string[] FieldRules = { "Survivor", "MostRecent", "Oldest", "MostComplete", "Longest", "MostFrequent", "SourcePriority" };

        /// <summary>Parses a JSON rules file's text.</summary>
        public static DedupeRuleSet ParseJson(string json, string? sourcePath)
        {
            return Parse(DataTree.ParseJson(json, Prefix, "dedupe rules file", sourcePath, decimals: false), sourcePath);
        }

        /// <summary>Parses a rules tree (IDictionary / IList / scalars).</summary>
        public static DedupeRuleSet Parse(object? tree, string? file)
        {
            var top = AsMap(tree, "rules", file);
            CheckKeys(top, TopKeys, "rules", file);
            var version = Get(top, "Version");
            if (version is not null && Number(version, "Version", file) != 1) throw Error("DedupeRulesInvalidValue", "'Version' must be 1.", file);
            object? entitiesNode = Get(top, "Entities") ?? throw Error("DedupeRulesNoEntities", "The rules have no 'Entities' section.", file);
            var globalSuffixes = TextList(Get(top, "CompanySuffixes"));
            var globalNicknames = Nicknames(Get(top, "Nicknames"), "Nicknames", file);
            var entities = new List<EntityDedupeRules>();
            foreach (var (name, node) in Items(entitiesNode, "Entities", file))
            {
                if (name is null) throw Error("DedupeRulesInvalidShape", "'Entities' must be a table of entity name = rules.", file);
                entities.Add(ParseEntity(name, node, globalSuffixes, globalNicknames, file));
            }
            if (entities.Count == 0) throw Error("DedupeRulesNoEntities", "The rules' 'Entities' section is empty.", file);
            return new DedupeRuleSet(entities, ComputeHash(entities), file);
        }

        private static EntityDedupeRules ParseEntity(string name, object? node, IReadOnlyList<string> suffixes, IReadOnlyDictionary<string, string>? nicknames, string? file)
        {
            string path = "Entities." + name;
            var map = AsMap(node, path, file);
            CheckKeys(map, EntityKeys, path, file);
            var rules = new EntityDedupeRules(name);
            var local = TextList(Get(map, "CompanySuffixes"));
            rules.CompanySuffixes = Lowered(local.Count > 0 ? local : suffixes);
            rules.Nicknames = Nicknames(Get(map, "Nicknames"), path + ".Nicknames", file) ?? nicknames ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            rules.Scoring = ParseEnum<ScoringModel>(Get(map, "Scoring"), path + ".Scoring", file) ?? ScoringModel.Weighted;
            if (Get(map, "MissingSimilarity") is { } ms) rules.MissingSimilarity = Fraction(ms, path + ".MissingSimilarity", file);
            if (Get(map, "Prior") is { } prior)
            {
                rules.Prior = Fraction(prior, path + ".Prior", file);
                if (rules.Prior <= 0 || rules.Prior >= 1) throw Error("DedupeRulesInvalidValue", $"'{path}.Prior' must be between 0 and 1 (exclusive).", file);
            }
            if (Get(map, "MaxBlockSize") is { } mbs) rules.MaxBlockSize = WholeNumber(mbs, path + ".MaxBlockSize", 2, 100_000, file);
            if (Get(map, "Window") is { } win) rules.Window = WholeNumber(win, path + ".Window", 2, 1000, file);

            // Fields
            object? fieldsNode = Get(map, "Fields") ?? throw Error("DedupeRulesNoFields", $"'{path}' has no 'Fields': name the fields to compare.", file);
            var fields = new List<MatchField>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (fname, fnode) in Items(fieldsNode, path + ".Fields", file))
            {
                if (fname is null) throw Error("DedupeRulesInvalidShape", $"'{path}.Fields' must be a table of field name = comparison.", file);
                var f = ParseField(fname, fnode, path + ".Fields." + fname, file);
                if (!seen.Add(f.Name)) throw Error("DedupeRulesDuplicateField", $"'{path}.Fields' names '{f.Name}' twice.", file);
                fields.Add(f);
            }
            if (fields.Count == 0) throw Error("DedupeRulesNoFields", $"'{path}.Fields' is empty.", file);
            rules.Fields = fields;

            // Thresholds
            if (Get(map, "Thresholds") is { } th)
            {
                var t = AsMap(th, path + ".Thresholds", file);
                CheckKeys(t, ThresholdKeys, path + ".Thresholds", file);
                if (Get(t, "Match") is { } match) rules.MatchThreshold = Threshold(match, path + ".Thresholds.Match", file);
                if (Get(t, "Review") is { } review) rules.ReviewThreshold = Threshold(review, path + ".Thresholds.Review", file);
            }
            if (rules.ReviewThreshold > rules.MatchThreshold)
            {
                throw Error("DedupeRulesThresholdOutOfRange", $"'{path}.Thresholds': Review ({Show(rules.ReviewThreshold)}) must not be above Match ({Show(rules.MatchThreshold)}); pairs between the two go to review.", file);
            }

            // Blocking
            object? blockNode = Get(map, "Blocking") ?? throw Error("DedupeRulesNoBlocking", $"'{path}' has no 'Blocking': give at least one key (e.g. Blocking = 'Email') so that not every pair is compared.", file);
            var blocks = new List<BlockingRule>();
            IEnumerable items = blockNode is string || blockNode is IDictionary ? new[] { blockNode } : blockNode as IList ?? throw Error("DedupeRulesInvalidShape", $"'{path}.Blocking' must be a field name, a table or a list of them.", file);
            foreach (object? item in items) blocks.Add(ParseBlock(item, path + ".Blocking", seen, file));
            if (blocks.Count == 0) throw Error("DedupeRulesNoBlocking", $"'{path}.Blocking' is empty.", file);
            rules.Blocking = blocks;

            // Clustering
            if (Get(map, "Clustering") is { } cl)
            {
                var c = AsMap(cl, path + ".Clustering", file);
                CheckKeys(c, ClusterKeys, path + ".Clustering", file);
                if (Get(c, "MaxGroupSize") is { } mg) rules.MaxGroupSize = WholeNumber(mg, path + ".Clustering.MaxGroupSize", 2, 1000, file);
                if (Get(c, "GroupThreshold") is { } gt) rules.GroupThreshold = Threshold(gt, path + ".Clustering.GroupThreshold", file);
            }

            // Survivor
            if (Get(map, "Survivor") is { } sv)
            {
                var s = new SurvivorRule();
                if (sv is string rule) s.Rule = OneOf(rule, SurvivorRules, path + ".Survivor", "DedupeRulesUnknownSurvivorRule", file);
                else
                {
                    var m = AsMap(sv, path + ".Survivor", file);
                    CheckKeys(m, SurvivorKeys, path + ".Survivor", file);
                    s.Rule = OneOf(Text(Get(m, "Rule")) ?? "MostComplete", SurvivorRules, path + ".Survivor.Rule", "DedupeRulesUnknownSurvivorRule", file);
                    s.By = Text(Get(m, "By"));
                    s.Priority = TextList(Get(m, "Priority"));
                }
                if (s.Rule is "Oldest" or "Newest" && s.By is null) throw Error("DedupeRulesMissingBy", $"'{path}.Survivor' is {s.Rule}: name the timestamp field with By, e.g. By = 'CreatedAt'.", file);
                if (s.Rule == "SourcePriority" && s.Priority.Count == 0) throw Error("DedupeRulesMissingPriority", $"'{path}.Survivor' is SourcePriority: list the sources best first with Priority.", file);
                rules.Survivor = s;
            }

            // Survivorship per field
            if (Get(map, "Survivorship") is { } sp)
            {
                var list = new List<FieldSurvivorship>();
                foreach (var (field, snode) in Items(sp, path + ".Survivorship", file))
                {
                    if (field is null) throw Error("DedupeRulesInvalidShape", $"'{path}.Survivorship' must be a table of record field = rule.", file);
                    string sPath = path + ".Survivorship." + field;
                    FieldSurvivorship fs;
                    if (snode is string r) fs = new FieldSurvivorship(field, OneOf(r, FieldRules, sPath, "DedupeRulesUnknownSurvivorship", file));
                    else
                    {
                        var m = AsMap(snode, sPath, file);
                        CheckKeys(m, SurvivorshipKeys, sPath, file);
                        fs = new FieldSurvivorship(field, OneOf(Text(Get(m, "Rule")) ?? "Survivor", FieldRules, sPath + ".Rule", "DedupeRulesUnknownSurvivorship", file))
                        {
                            By = Text(Get(m, "By")),
                            Priority = TextList(Get(m, "Priority")),
                            KeepLosingIn = Text(Get(m, "KeepLosingIn")),
                        };
                    }
                    if (fs.Rule is "MostRecent" or "Oldest" && fs.By is null) throw Error("DedupeRulesMissingBy", $"'{sPath}' is {fs.Rule}: name the timestamp field with By, e.g. By = 'CreatedAt'.", file);
                    if (fs.Rule == "SourcePriority" && fs.Priority.Count == 0) throw Error("DedupeRulesMissingPriority", $"'{sPath}' is SourcePriority: list the sources best first with Priority.", file);
                    if (fs.KeepLosingIn is not null && string.Equals(fs.KeepLosingIn, field, StringComparison.OrdinalIgnoreCase)) throw Error("DedupeRulesInvalidValue", $"'{sPath}.KeepLosingIn' names the field itself; name another field (e.g. Email2).", file);
                    if (field == "*")
                    {
                        if (fs.KeepLosingIn is not null) throw Error("DedupeRulesInvalidValue", $"'{sPath}' is the default for all fields; KeepLosingIn needs one field.", file);
                        rules.DefaultSurvivorship = fs;
                    }
                    else list.Add(fs);
                }
                rules.Survivorship = list;
            }
            return rules;
        }

        private static MatchField ParseField(string name, object? node, string path, string? file)
        {
            var f = new MatchField(name);
            if (node is string compare)
            {
                // Short form: Email = 'Email' (the comparator; the record field of the same name).
                f.Source = new[] { name };
                f.Compare = Comparator(compare, path, file);
                f.Normalize = DefaultNormalizers(f.Compare);
                return f;
            }
            var map = AsMap(node, path, file);
            CheckKeys(map, FieldKeys, path, file);
            var source = TextList(Get(map, "Source"));
            f.Source = source.Count > 0 ? source : new[] { name };
            f.Compare = Comparator(Text(Get(map, "Compare")) ?? "Exact", path + ".Compare", file);
            f.Combine = ParseEnum<CombineMode>(Get(map, "Combine"), path + ".Combine", file) ?? (f.Compare is "Phone" or "Email" ? CombineMode.Any : CombineMode.Join);
            if (Get(map, "Normalize") is { } normalize)
            {
                var list = TextList(normalize);
                var canonical = new List<string>(list.Count);
                foreach (var n in list)
                {
                    if (!Normalizers.IsKnown(n)) throw Error("DedupeRulesUnknownNormalizer", $"'{path}.Normalize' names an unknown normaliser '{n}'. Known: {string.Join(", ", Normalizers.Names)}.", file);
                    foreach (var k in Normalizers.Names) if (string.Equals(k, n, StringComparison.OrdinalIgnoreCase)) canonical.Add(k);
                }
                f.Normalize = canonical;
            }
            else f.Normalize = DefaultNormalizers(f.Compare);
            if (Get(map, "Weight") is { } w)
            {
                f.Weight = Number(w, path + ".Weight", file);
                if (f.Weight <= 0 || f.Weight > 1000) throw Error("DedupeRulesInvalidValue", $"'{path}.Weight' must be above 0 and at most 1000.", file);
            }
            if (Get(map, "M") is { } m) f.M = Fraction(m, path + ".M", file);
            if (Get(map, "U") is { } u) f.U = Fraction(u, path + ".U", file);
            if (f.M <= 0 || f.M >= 1 || f.U <= 0 || f.U >= 1) throw Error("DedupeRulesInvalidValue", $"'{path}': M and U are probabilities between 0 and 1 (exclusive).", file);
            if (f.M <= f.U) throw Error("DedupeRulesInvalidValue", $"'{path}': M (agreement among matches, {Show(f.M)}) must be above U (agreement among non-matches, {Show(f.U)}).", file);
            if (Get(map, "MaxDifference") is { } md)
            {
                f.MaxDifference = Number(md, path + ".MaxDifference", file);
                if (f.MaxDifference < 0) throw Error("DedupeRulesInvalidValue", $"'{path}.MaxDifference' must not be negative.", file);
            }
            if (Get(map, "Digits") is { } d) f.Digits = WholeNumber(d, path + ".Digits", 4, 20, file);
            if (Get(map, "MissingSimilarity") is { } ms) f.MissingSimilarity = Fraction(ms, path + ".MissingSimilarity", file);
            f.DefaultRegion = Text(Get(map, "DefaultRegion"))?.ToUpperInvariant();
            if (f.DefaultRegion is not null && !Mapping.PhoneCleaner.IsKnownRegion(f.DefaultRegion))
            {
                throw Error("DedupeRulesUnknownRegion", $"'{path}.DefaultRegion' is '{f.DefaultRegion}', which is not a region phone numbers are known for. Use a two-letter ISO 3166 code such as 'CN', 'US' or 'DE'.", file);
            }
            return f;
        }

        private static IReadOnlyList<string> DefaultNormalizers(string comparator) => comparator switch
        {
            "Phone" => new[] { "Phone" },
            "Email" => new[] { "Email" },
            "Numeric" or "Date" => new[] { "Trim" },
            "TokenSet" => new[] { "Name" },
            _ => new[] { "Text" },
        };

        private static string Comparator(string name, string path, string? file)
        {
            return Comparators.Canonical(name) ?? throw Error("DedupeRulesUnknownComparator", $"'{path}' names an unknown comparator '{name}'. Known: {string.Join(", ", Comparators.Names)}.", file);
        }

        private static BlockingRule ParseBlock(object? item, string path, HashSet<string> fields, string? file)
        {
            IReadOnlyList<string> names;
            BlockingMethod method = BlockingMethod.Exact;
            int length = 0, minLength = 1;
            if (item is string s) names = new[] { s };
            else
            {
                var m = AsMap(item, path, file);
                CheckKeys(m, BlockKeys, path, file);
                names = TextList(Get(m, "Fields") ?? Get(m, "Field"));
                if (names.Count == 0) throw Error("DedupeRulesInvalidShape", $"A key in '{path}' names no Field.", file);
                method = ParseEnum<BlockingMethod>(Get(m, "Method"), path + ".Method", file) ?? BlockingMethod.Exact;
                if (method is BlockingMethod.Prefix or BlockingMethod.Suffix)
                {
                    length = Get(m, "Length") is { } l ? WholeNumber(l, path + ".Length", 1, 100, file)
                        : throw Error("DedupeRulesInvalidValue", $"A {method} key in '{path}' needs Length (how many characters).", file);
                }
                if (Get(m, "MinLength") is { } ml) minLength = WholeNumber(ml, path + ".MinLength", 1, 100, file);
            }
            foreach (var n in names)
            {
                if (!fields.Contains(n)) throw Error("DedupeRulesUnknownField", $"'{path}' blocks on '{n}', which is not one of the entity's Fields. Block on a compared field, so its normalised value is the key.", file);
            }
            return new BlockingRule(names, method, length) { MinLength = method == BlockingMethod.Suffix ? Math.Max(minLength, length) : minLength };
        }

        private static double Threshold(object v, string path, string? file)
        {
            double d = Number(v, path, file);
            if (d < 0 || d > 1 || double.IsNaN(d)) throw Error("DedupeRulesThresholdOutOfRange", $"'{path}' is {Show(d)}; a threshold is a score from 0 to 1.", file);
            return d;
        }

        private static double Fraction(object v, string path, string? file)
        {
            double d = Number(v, path, file);
            if (d < 0 || d > 1 || double.IsNaN(d)) throw Error("DedupeRulesInvalidValue", $"'{path}' is {Show(d)}; expected a number from 0 to 1.", file);
            return d;
        }

        private static int WholeNumber(object v, string path, int min, int max, string? file)
        {
            double d = Number(v, path, file);
            if (d != Math.Floor(d) || d < min || d > max) throw Error("DedupeRulesInvalidValue", $"'{path}' is {Show(d)}; expected a whole number from {min} to {max}.", file);
            return (int)d;
        }

        private static double Number(object v, string path, string? file)
        {
            switch (v)
            {
                case int i: return i;
                case long l: return l;
                case double d: return d;
                case decimal m: return (double)m;
                case float f: return f;
            }
            if (double.TryParse(Text(v), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)) return parsed;
            throw Error("DedupeRulesInvalidValue", $"'{path}' is '{Text(v)}'; expected a number.", file);
        }

        private static string OneOf(string value, string[] allowed, string path, string code, string? file)
        {
            foreach (var a in allowed) if (string.Equals(a, value, StringComparison.OrdinalIgnoreCase)) return a;
            throw Error(code, $"'{path}' is '{value}'; expected one of {string.Join(", ", allowed)}.", file);
        }

        private static IReadOnlyDictionary<string, string>? Nicknames(object? node, string path, string? file)
        {
            if (node is null) return null;
            var dict = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in Items(node, path, file))
            {
                if (k is null || Text(v) is not string full) throw Error("DedupeRulesInvalidShape", $"'{path}' must be a table of nickname = full name.", file);
                dict[Normalizers.Text(k)] = Normalizers.Text(full);
            }
            return dict;
        }

        private static IReadOnlyList<string> Lowered(IReadOnlyList<string> list)
        {
            var result = new List<string>(list.Count);
            foreach (var s in list) result.Add(Normalizers.Punctuation(Normalizers.Text(s)));
            // Longest first, so 'co kg' goes before 'kg'.
            result.Sort((a, b) => b.Length.CompareTo(a.Length));
            return result;
        }

        // ---- tree helpers: the shapes every data file shares (Util.DataTree), with the rules' error ids --------------

        private const string Prefix = "DedupeRules";
        private static IDictionary AsMap(object? node, string path, string? file) => DataTree.AsMap(node, path, Prefix, file);
        private static IEnumerable<(string? Name, object? Node)> Items(object? node, string path, string? file) => DataTree.Items(node, path, Prefix, file);
        private static void CheckKeys(IDictionary map, string[] allowed, string path, string? file) => DataTree.CheckKeys(map, allowed, path, Prefix, file);
        private static object? Get(IDictionary map, string key) => DataTree.Get(map, key);
        private static string? Text(object? v) => DataTree.Text(v, Prefix);
        private static IReadOnlyList<string> TextList(object? v) => DataTree.TextList(v, Prefix);
        private static T? ParseEnum<T>(object? v, string path, string? file) where T : struct, Enum => DataTree.ParseEnum<T>(v, path, Prefix, file);
        private static string Describe(object? node) => DataTree.Describe(node);
        private static CrmException Error(string code, string message, string? file) => DataTree.Error(code, message, file);
        private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items) => DataTree.WriteList(w, name, items);
        private static string Show(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);

        /// <summary>SHA-256 over a canonical JSON rendering of the parsed rules.</summary>
        private static string ComputeHash(IReadOnlyList<EntityDedupeRules> entities)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartArray();
                foreach (var e in entities)
                {
                    w.WriteStartObject();
                    w.WriteString("entity", e.Entity);
                    w.WriteString("scoring", e.Scoring.ToString());
                    w.WriteNumber("match", e.MatchThreshold);
                    w.WriteNumber("review", e.ReviewThreshold);
                    w.WriteNumber("missing", e.MissingSimilarity);
                    w.WriteNumber("prior", e.Prior);
                    w.WriteNumber("maxBlock", e.MaxBlockSize);
                    w.WriteNumber("window", e.Window);
                    w.WriteNumber("maxGroup", e.MaxGroupSize);
                    if (e.GroupThreshold is double gt) w.WriteNumber("groupThreshold", gt);
                    w.WriteStartArray("fields");
                    foreach (var f in e.Fields)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", f.Name);
                        WriteList(w, "source", f.Source);
                        w.WriteString("combine", f.Combine.ToString());
                        WriteList(w, "normalize", f.Normalize);
                        w.WriteString("compare", f.Compare);
                        w.WriteNumber("weight", f.Weight);
                        w.WriteNumber("m", f.M);
                        w.WriteNumber("u", f.U);
                        if (f.MaxDifference is double md) w.WriteNumber("maxDifference", md);
                        w.WriteNumber("digits", f.Digits);
                        if (f.MissingSimilarity is double ms2) w.WriteNumber("missing", ms2);
                        if (f.DefaultRegion is not null) w.WriteString("region", f.DefaultRegion);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("blocking");
                    foreach (var b in e.Blocking) w.WriteStringValue(b + "/" + b.MinLength.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndArray();
                    w.WriteString("survivor", e.Survivor.Rule + "/" + e.Survivor.By + "/" + string.Join(",", e.Survivor.Priority));
                    w.WriteStartArray("survivorship");
                    foreach (var s in e.Survivorship) w.WriteStringValue(s.Field + "=" + s.Rule + "/" + s.By + "/" + string.Join(",", s.Priority) + "/" + s.KeepLosingIn);
                    w.WriteStringValue("*=" + e.DefaultSurvivorship.Rule + "/" + e.DefaultSurvivorship.By + "/" + string.Join(",", e.DefaultSurvivorship.Priority));
                    w.WriteEndArray();
                    WriteList(w, "suffixes", e.CompanySuffixes);
                    var nick = new List<string>();
                    foreach (var kv in e.Nicknames) nick.Add(kv.Key + "=" + kv.Value);
                    nick.Sort(StringComparer.Ordinal);
                    WriteList(w, "nicknames", nick);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            return Convert.ToHexString(SHA256.HashData(ms.ToArray())).ToLowerInvariant();
        }

    }
}
