using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Text.Json;

namespace CrmMigration.Engine.Util
{
    /// <summary>
    /// Reads the data trees of the module's data files (mappings, dedupe rules): tables (IDictionary), lists and
    /// scalars, as a .psd1 read as data, a .json file or a hashtable give them. One place for the shapes and the
    /// errors every such file shares; each caller names its error prefix (Mapping, DedupeRules), so a mistake is
    /// reported as &lt;prefix&gt;InvalidShape, &lt;prefix&gt;UnknownKey, &lt;prefix&gt;InvalidValue or &lt;prefix&gt;InvalidJson with
    /// the path in the tree and the file.
    /// </summary>
    public static class DataTree
    {
        /// <summary>Parses JSON text into the tree (objects as case-insensitive ordered tables, numbers as long, then decimal or double).</summary>
        public static object? ParseJson(string json, string prefix, string what, string? file, bool decimals)
        {
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                return FromJson(doc.RootElement, decimals);
            }
            catch (JsonException ex)
            {
                throw new CrmException(new CrmDataError(prefix + "InvalidJson", CrmErrorKind.InvalidArgument,
                    $"The {what} is not valid JSON: {ex.Message}") { File = file, Line = (ex.LineNumber ?? -1) + 1 }, ex);
            }
        }

        private static object? FromJson(JsonElement e, bool decimals)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (var p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value, decimals);
                    return d;
                case JsonValueKind.Array:
                    var l = new List<object?>();
                    foreach (var item in e.EnumerateArray()) l.Add(FromJson(item, decimals));
                    return l;
                case JsonValueKind.String: return e.GetString();
                case JsonValueKind.Number: return e.TryGetInt64(out long n) ? n : decimals ? e.GetDecimal() : e.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }

        /// <summary>The node as a table, or &lt;prefix&gt;InvalidShape.</summary>
        public static IDictionary AsMap(object? node, string path, string prefix, string? file) =>
            node as IDictionary ?? throw Error(prefix + "InvalidShape", $"'{path}' must be a table (hashtable or JSON object), not {Describe(node)}.", file);

        /// <summary>The entries of a table (with their names) or the items of a list (without), or &lt;prefix&gt;InvalidShape.</summary>
        public static IEnumerable<(string? Name, object? Node)> Items(object? node, string path, string prefix, string? file)
        {
            if (node is IDictionary dict)
            {
                foreach (DictionaryEntry e in dict) yield return (KeyText(e.Key), e.Value);
            }
            else if (node is IList list && node is not string)
            {
                foreach (object? item in list) yield return (null, item);
            }
            else
            {
                throw Error(prefix + "InvalidShape", $"'{path}' must be a table or a list, not {Describe(node)}.", file);
            }
        }

        /// <summary>Refuses a key the table may not have (&lt;prefix&gt;UnknownKey), naming the allowed ones.</summary>
        public static void CheckKeys(IDictionary map, string[] allowed, string path, string prefix, string? file)
        {
            foreach (DictionaryEntry e in map)
            {
                string key = KeyText(e.Key) ?? "";
                bool ok = false;
                foreach (string a in allowed) if (string.Equals(a, key, StringComparison.OrdinalIgnoreCase)) { ok = true; break; }
                if (!ok) throw Error(prefix + "UnknownKey", $"'{path}' has an unknown key '{key}'. Allowed: {string.Join(", ", allowed)}.", file);
            }
        }

        /// <summary>True when the table has the key (case-insensitive).</summary>
        public static bool Has(IDictionary map, string key)
        {
            foreach (DictionaryEntry e in map) if (string.Equals(KeyText(e.Key), key, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>The value of a key (case-insensitive), or null.</summary>
        public static object? Get(IDictionary map, string key)
        {
            foreach (DictionaryEntry e in map) if (string.Equals(KeyText(e.Key), key, StringComparison.OrdinalIgnoreCase)) return e.Value;
            return null;
        }

        /// <summary>A scalar as invariant text; a table or list where a value belongs is &lt;prefix&gt;InvalidShape.</summary>
        public static string? Text(object? v, string prefix) => v switch
        {
            null => null,
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IDictionary or IList => throw Error(prefix + "InvalidShape", $"Expected a value, found {Describe(v)}.", null),
            _ => v.ToString(),
        };

        /// <summary>A scalar or a list of scalars as texts.</summary>
        public static IReadOnlyList<string> TextList(object? v, string prefix)
        {
            if (v is null) return Array.Empty<string>();
            if (v is string s) return new[] { s };
            if (v is IEnumerable e)
            {
                var list = new List<string>();
                foreach (object? o in e) if (o is not null) list.Add(Text(o, prefix)!);
                return list;
            }
            return new[] { Text(v, prefix)! };
        }

        /// <summary>An enum value by name (numbers are refused), or &lt;prefix&gt;InvalidValue naming the allowed ones.</summary>
        public static T? ParseEnum<T>(object? v, string path, string prefix, string? file) where T : struct, Enum
        {
            if (v is null) return null;
            string? text = Text(v, prefix);
            if (Enum.TryParse(text, ignoreCase: true, out T value) && !int.TryParse(text, out _)) return value;
            throw Error(prefix + "InvalidValue", $"'{path}' is '{text}'; expected one of {string.Join(", ", Enum.GetNames(typeof(T)))}.", file);
        }

        /// <summary>true/false (or their usual spellings); absent is false; anything else &lt;prefix&gt;InvalidValue.</summary>
        public static bool ParseBool(object? v, string path, string prefix, string? file)
        {
            if (v is null) return false;
            if (v is bool b) return b;
            if (CrmValues.TryParseBool(Text(v, prefix) ?? "", out bool parsed)) return parsed;
            throw Error(prefix + "InvalidValue", $"'{path}' is '{Text(v, prefix)}'; expected true or false.", file);
        }

        /// <summary>How a node is named in messages.</summary>
        public static string Describe(object? node) => node is null ? "nothing" : node is string s ? $"the text '{s}'" : "a " + node.GetType().Name;

        /// <summary>An InvalidArgument error of a data file.</summary>
        public static CrmException Error(string code, string message, string? file) =>
            new CrmException(new CrmDataError(code, CrmErrorKind.InvalidArgument, message) { File = file });

        /// <summary>Writes a list of texts into a canonical JSON rendering (for a file's hash).</summary>
        public static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
        {
            w.WriteStartArray(name);
            foreach (var i in items) w.WriteStringValue(i);
            w.WriteEndArray();
        }

        private static string? KeyText(object? key) => key switch
        {
            null => null,
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => key.ToString(),
        };
    }
}
