using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>One target field of a scaffolded mapping; Source is null when no source field matched.</summary>
    public sealed class ScaffoldField
    {
        public ScaffoldField(CrmFieldSchema target, CrmFieldSchema? source)
        {
            Target = target;
            Source = source;
        }

        public CrmFieldSchema Target { get; }
        public CrmFieldSchema? Source { get; }
        /// <summary>The referenced target entity, from the target's foreign keys.</summary>
        public string? Reference { get; set; }
        /// <summary>The Type to write: the target type when the source type differs.</summary>
        public CrmFieldType? Type => Source is not null && Source.Type != Target.Type && Target.Type != CrmFieldType.String ? Target.Type : null;
    }

    /// <summary>One target entity of a scaffolded mapping.</summary>
    public sealed class ScaffoldEntity
    {
        public ScaffoldEntity(CrmEntitySchema target, CrmEntitySchema? source)
        {
            Target = target;
            Source = source;
        }

        public CrmEntitySchema Target { get; }
        public CrmEntitySchema? Source { get; }
        public List<ScaffoldField> Fields { get; } = new();
        /// <summary>Source fields no target field reads.</summary>
        public List<string> UnusedSourceFields { get; } = new();
    }

    /// <summary>A mapping drafted from two schemas, written as .psd1 or .json with TODO comments where a person must decide.</summary>
    public sealed class MappingScaffold
    {
        public List<ScaffoldEntity> Entities { get; } = new();
        /// <summary>Source entities no target entity matched.</summary>
        public List<string> UnusedSourceEntities { get; } = new();
        /// <summary>Where the schemas came from (for the header comment).</summary>
        public string SourceName { get; set; } = "";
        public string TargetName { get; set; } = "";

        /// <summary>Number of target fields with no source (TODOs).</summary>
        public int TodoCount
        {
            get
            {
                int n = 0;
                foreach (var e in Entities)
                {
                    if (e.Source is null) { n++; continue; }
                    foreach (var f in e.Fields) if (f.Source is null) n++;
                }
                return n;
            }
        }

        /// <summary>The mapping as a .psd1 data file.</summary>
        public string ToPsd1()
        {
            var sb = new StringBuilder();
            sb.Append("# Drafted by New-CrmMapping from ").Append(SourceName).Append(" to ").Append(TargetName).Append(".\n");
            sb.Append("# Review every TODO; Test-CrmMapping checks the mapping against both schemas.\n");
            sb.Append("@{\n");
            sb.Append("    Description = ").Append(Quote("Drafted from " + SourceName + " to " + TargetName)).Append('\n');
            sb.Append("    Entities = [ordered]@{\n");
            foreach (var e in Entities)
            {
                if (e.Source is null)
                {
                    sb.Append("        # TODO: no source entity matches the target entity ").Append(Quote(e.Target.Name)).Append("; add it with its Source, or leave it out.\n");
                    continue;
                }
                sb.Append("        ").Append(Key(e.Target.Name)).Append(" = @{\n");
                sb.Append("            Source = ").Append(Quote(e.Source.Name)).Append('\n');
                var key = MappedKey(e, out string? missingKey);
                if (key.Count > 0) sb.Append("            Key = ").Append(QuoteList(key)).Append('\n');
                if (missingKey is not null) sb.Append("            # TODO: the key field ").Append(Quote(missingKey)).Append(" has no source; map it, then add it to Key.\n");
                sb.Append("            Fields = [ordered]@{\n");
                foreach (var f in e.Fields)
                {
                    if (f.Source is null)
                    {
                        sb.Append("                # TODO: no source field matches ").Append(Quote(f.Target.Name)).Append(" (").Append(Describe(f.Target)).Append("); give its Source or delete these lines.\n");
                        sb.Append("                # ").Append(Key(f.Target.Name)).Append(" = @{ Source = '' }\n");
                        continue;
                    }
                    sb.Append("                ").Append(Key(f.Target.Name)).Append(" = @{ Source = ").Append(Quote(f.Source.Name));
                    if (f.Type is CrmFieldType t) sb.Append("; Type = ").Append(Quote(t.ToString()));
                    if (!f.Target.Nullable && !f.Target.IsKey) sb.Append("; Required = $true");
                    if (f.Reference is not null) sb.Append("; Reference = ").Append(Quote(f.Reference));
                    sb.Append(" }");
                    if (f.Type is not null) sb.Append("  # source type ").Append(f.Source.Type.ToString());
                    sb.Append('\n');
                }
                sb.Append("            }\n");
                if (e.UnusedSourceFields.Count > 0) sb.Append("            # Source fields no target field reads: ").Append(string.Join(", ", e.UnusedSourceFields)).Append('\n');
                sb.Append("        }\n");
            }
            sb.Append("    }\n");
            if (UnusedSourceEntities.Count > 0) sb.Append("    # Source entities no target entity matches: ").Append(string.Join(", ", UnusedSourceEntities)).Append('\n');
            sb.Append("}\n");
            return sb.ToString();
        }

        /// <summary>The mapping as JSON (with // comments, which mapping files allow).</summary>
        public string ToJson()
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteCommentValue(" Drafted by New-CrmMapping. Review every TODO; Test-CrmMapping checks the mapping against both schemas. ");
                w.WriteString("Description", "Drafted from " + SourceName + " to " + TargetName);
                w.WriteStartObject("Entities");
                foreach (var e in Entities)
                {
                    if (e.Source is null)
                    {
                        w.WriteCommentValue(" TODO: no source entity matches the target entity '" + Safe(e.Target.Name) + "'. ");
                        continue;
                    }
                    w.WriteStartObject(e.Target.Name);
                    w.WriteString("Source", e.Source.Name);
                    var key = MappedKey(e, out string? missingKey);
                    if (key.Count > 0)
                    {
                        w.WriteStartArray("Key");
                        foreach (var k in key) w.WriteStringValue(k);
                        w.WriteEndArray();
                    }
                    if (missingKey is not null) w.WriteCommentValue(" TODO: the key field '" + Safe(missingKey) + "' has no source. ");
                    w.WriteStartObject("Fields");
                    foreach (var f in e.Fields)
                    {
                        if (f.Source is null)
                        {
                            w.WriteCommentValue(" TODO: no source field matches '" + Safe(f.Target.Name) + "' (" + Describe(f.Target) + "). ");
                            continue;
                        }
                        w.WriteStartObject(f.Target.Name);
                        w.WriteString("Source", f.Source.Name);
                        if (f.Type is CrmFieldType t) w.WriteString("Type", t.ToString());
                        if (!f.Target.Nullable && !f.Target.IsKey) w.WriteBoolean("Required", true);
                        if (f.Reference is not null) w.WriteString("Reference", f.Reference);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                    if (e.UnusedSourceFields.Count > 0) w.WriteCommentValue(" Source fields no target field reads: " + Safe(string.Join(", ", e.UnusedSourceFields)) + " ");
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                if (UnusedSourceEntities.Count > 0) w.WriteCommentValue(" Source entities no target entity matches: " + Safe(string.Join(", ", UnusedSourceEntities)) + " ");
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
        }

        private static List<string> MappedKey(ScaffoldEntity e, out string? missing)
        {
            missing = null;
            var key = new List<string>();
            foreach (string k in e.Target.Key)
            {
                bool mapped = false;
                foreach (var f in e.Fields) if (f.Source is not null && string.Equals(f.Target.Name, k, StringComparison.OrdinalIgnoreCase)) mapped = true;
                if (mapped) key.Add(k); else missing ??= k;
            }
            if (missing is not null) key.Clear();
            return key;
        }

        private static string Describe(CrmFieldSchema f) => f.Type + (f.Nullable ? "" : ", NOT NULL") + (f.IsKey ? ", key" : "");

        private static string Safe(string s) => s.Replace("*/", "* /", StringComparison.Ordinal);

        private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

        private static string QuoteList(IReadOnlyList<string> items)
        {
            if (items.Count == 1) return Quote(items[0]);
            var parts = new string[items.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = Quote(items[i]);
            return "@(" + string.Join(", ", parts) + ")";
        }

        private static string Key(string name)
        {
            if (name.Length == 0) return "''";
            bool simple = char.IsAsciiLetter(name[0]) || name[0] == '_';
            foreach (char c in name) if (!char.IsAsciiLetterOrDigit(c) && c != '_') simple = false;
            return simple ? name : Quote(name);
        }
    }

    /// <summary>Drafts a mapping by matching entities and fields of two schemas by normalised name and type.</summary>
    public static class MappingScaffolder
    {
        // Word-level synonyms: each word of a name is replaced before the words are joined.
        private static readonly Dictionary<string, string> WordSynonyms = new(StringComparer.Ordinal)
        {
            ["mail"] = "email", ["e"] = "", ["tel"] = "phone", ["telephone"] = "phone", ["phonenumber"] = "phone", ["mobile"] = "mobile",
            ["cell"] = "mobile", ["cellphone"] = "mobile", ["fname"] = "firstname", ["lname"] = "lastname", ["surname"] = "lastname",
            ["forename"] = "firstname", ["zip"] = "postalcode", ["zipcode"] = "postalcode", ["postcode"] = "postalcode",
            ["addr"] = "address", ["org"] = "company", ["organisation"] = "company", ["organization"] = "company",
            ["created"] = "createdat", ["modified"] = "updatedat", ["no"] = "number", ["num"] = "number", ["nbr"] = "number",
        };

        // Whole-name synonyms, after the words are joined.
        private static readonly Dictionary<string, string> NameSynonyms = new(StringComparer.Ordinal)
        {
            ["emailaddress"] = "email", ["phonenumber"] = "phone", ["givenname"] = "firstname", ["familyname"] = "lastname",
            ["createdon"] = "createdat", ["createddate"] = "createdat", ["modifiedon"] = "updatedat", ["updatedon"] = "updatedat",
            ["companyname"] = "company", ["accountname"] = "name",
        };

        /// <summary>
        /// A name reduced for matching: split into words at _, -, spaces, dots and camel-case humps, lower-cased,
        /// synonyms applied (mail → email, tel → phone), joined. 'E_Mail', 'eMail' and 'email' all become 'email'.
        /// </summary>
        public static string Normalize(string name)
        {
            var words = new List<string>();
            var current = new StringBuilder();
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '_' || c == '-' || c == ' ' || c == '.')
                {
                    Flush(words, current);
                    continue;
                }
                if (char.IsUpper(c) && current.Length > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    Flush(words, current);
                }
                current.Append(char.ToLowerInvariant(c));
            }
            Flush(words, current);
            var sb = new StringBuilder();
            foreach (string w in words) sb.Append(WordSynonyms.TryGetValue(w, out string? s) ? s : w);
            string joined = sb.ToString();
            if (joined == "mail") joined = "email";
            return NameSynonyms.TryGetValue(joined, out string? whole) ? whole : joined;
        }

        private static void Flush(List<string> words, StringBuilder current)
        {
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
        }

        /// <summary>An entity name reduced for matching: normalised and made singular (contacts → contact, opportunities → opportunity).</summary>
        public static string NormalizeEntity(string name)
        {
            string n = Normalize(name);
            if (n.EndsWith("ies", StringComparison.Ordinal) && n.Length > 4) return n.Substring(0, n.Length - 3) + "y";
            if (n.EndsWith("sses", StringComparison.Ordinal) || n.EndsWith("xes", StringComparison.Ordinal)) return n.Substring(0, n.Length - 2);
            if (n.EndsWith('s') && !n.EndsWith("ss", StringComparison.Ordinal) && n.Length > 3) return n.Substring(0, n.Length - 1);
            return n;
        }

        /// <summary>Matches every target entity with a source entity, and each target field with at most one source field.</summary>
        public static MappingScaffold Build(IReadOnlyList<CrmEntitySchema> source, IReadOnlyList<CrmEntitySchema> target)
        {
            var result = new MappingScaffold();
            var usedSources = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var t in target)
            {
                CrmEntitySchema? match = null;
                string tn = NormalizeEntity(t.Name);
                foreach (var s in source)
                {
                    if (!usedSources.Contains(s.Name) && NormalizeEntity(s.Name) == tn) { match = s; break; }
                }
                var entity = new ScaffoldEntity(t, match);
                result.Entities.Add(entity);
                if (match is null) continue;
                usedSources.Add(match.Name);
                MatchFields(entity, match, t);
            }
            foreach (var s in source) if (!usedSources.Contains(s.Name)) result.UnusedSourceEntities.Add(s.Name);
            return result;
        }

        private static void MatchFields(ScaffoldEntity entity, CrmEntitySchema source, CrmEntitySchema target)
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var sourceNames = new string[source.Fields.Count];
            for (int i = 0; i < sourceNames.Length; i++) sourceNames[i] = Normalize(source.Fields[i].Name);
            foreach (var tf in target.Fields)
            {
                string tn = Normalize(tf.Name);
                CrmFieldSchema? best = null;
                for (int i = 0; i < sourceNames.Length; i++)
                {
                    var sf = source.Fields[i];
                    if (used.Contains(sf.Name) || sourceNames[i] != tn) continue;
                    if (best is null || (sf.Type == tf.Type && best.Type != tf.Type)) best = sf;
                }
                // A target key 'Id' also takes the source's single key field when no field is named alike.
                if (best is null && tf.IsKey && target.Key.Count == 1 && source.Key.Count == 1 && !used.Contains(source.Key[0])) best = source.GetField(source.Key[0]);
                if (best is not null) used.Add(best.Name);
                var field = new ScaffoldField(tf, best);
                foreach (var rel in target.Relations)
                {
                    if (rel.Fields.Count == 1 && string.Equals(rel.Fields[0], tf.Name, StringComparison.OrdinalIgnoreCase)) field.Reference = rel.ReferencedEntity;
                }
                entity.Fields.Add(field);
            }
            foreach (var sf in source.Fields) if (!used.Contains(sf.Name)) entity.UnusedSourceFields.Add(sf.Name);
        }
    }
}
