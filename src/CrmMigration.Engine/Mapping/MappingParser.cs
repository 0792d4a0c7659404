using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// Reads a mapping from a tree of dictionaries, lists and scalars (what a .psd1 data file, a
    /// hashtable or a .json file becomes), checks every key, and computes the mapping's hash.
    /// </summary>
    public static class MappingParser
    {
        private static readonly string[] TopKeys = { "Entities", "Version", "Description" };
        private static readonly string[] EntityKeys = { "Source", "Key", "Fields", "Unmapped", "Where", "OnRepeat", "OnConflict", "Name", "Target", "Description", "Modified" };
        private static readonly string[] FieldKeys =
        {
            "Source", "Separator", "Type", "Format", "Culture", "Value", "Default", "Required", "ValueMap", "Transform", "Name", "Target", "Description",
            "Split", "Part", "SplitLimit", "OnUnlisted", "Reference", "OnMissingParent", "MaxLength", "OnTooLong", "Pattern", "Min", "Max", "OnInvalid", "DefaultRegion", "TimeZone", "TwoDigitYearMax", "FixTypos",
            "ColumnType",
        };
        private static readonly string[] WhereKeys = { "Field", "Equals", "NotEquals", "In", "NotIn", "Like", "NotLike", "IsEmpty", "NotEmpty", "Reason", "Description" };

        /// <summary>Parses a JSON mapping file's text.</summary>
        public static MappingDefinition ParseJson(string json, string? sourcePath)
        {
            return Parse(DataTree.ParseJson(json, Prefix, "mapping", sourcePath, decimals: true), sourcePath);
        }

        /// <summary>Parses a mapping tree (IDictionary / IList / scalars).</summary>
        public static MappingDefinition Parse(object? tree, string? sourcePath)
        {
            var top = AsMap(tree, "mapping", sourcePath);
            CheckKeys(top, TopKeys, "mapping", sourcePath);
            object? entitiesNode = Get(top, "Entities") ?? throw Error("MappingNoEntities", "The mapping has no 'Entities' section.", sourcePath);
            var entities = new List<EntityMapping>();
            foreach (var (name, node) in Items(entitiesNode, "Entities", sourcePath))
            {
                entities.Add(ParseEntity(name, node, sourcePath));
            }
            if (entities.Count == 0) throw Error("MappingNoEntities", "The mapping's 'Entities' section is empty.", sourcePath);
            return new MappingDefinition(entities, ComputeHash(entities), sourcePath);
        }

        private static EntityMapping ParseEntity(string? name, object? node, string? file)
        {
            var map = AsMap(node, "Entities." + name, file);
            string path = "Entities." + (name ?? Text(Get(map, "Name") ?? Get(map, "Target")));
            CheckKeys(map, EntityKeys, path, file);
            string target = name ?? Text(Get(map, "Target") ?? Get(map, "Name")) ?? throw Error("MappingEntityName", $"An entity at '{path}' has no Name.", file);
            string source = Text(Get(map, "Source")) ?? target;
            var entity = new EntityMapping(target, source)
            {
                Key = TextList(Get(map, "Key")),
                Unmapped = ParseEnum<UnmappedFields>(Get(map, "Unmapped"), path + ".Unmapped", file) ?? UnmappedFields.Drop,
                OnRepeat = ParseEnum<RepeatAction>(Get(map, "OnRepeat"), path + ".OnRepeat", file) ?? RepeatAction.Write,
                OnConflict = ParseEnum<RepeatConflictAction>(Get(map, "OnConflict"), path + ".OnConflict", file) ?? RepeatConflictAction.First,
                Modified = Text(Get(map, "Modified")),
            };
            if (Has(map, "OnConflict") && entity.OnRepeat != RepeatAction.Merge)
            {
                throw Error("MappingOnConflictWithoutMerge", $"'{path}.OnConflict' says what a merged repeat with different values does; it needs OnRepeat = 'Merge'.", file);
            }
            if (entity.OnRepeat == RepeatAction.Merge && entity.Key.Count == 0)
            {
                throw Error("MappingMergeWithoutKey", $"'{path}.OnRepeat' = 'Merge' merges rows by the target key; give the entity a Key.", file);
            }
            var fields = new List<FieldMapping>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            object? fieldsNode = Get(map, "Fields");
            if (fieldsNode is not null)
            {
                foreach (var (fname, fnode) in Items(fieldsNode, path + ".Fields", file))
                {
                    var field = ParseField(fname, fnode, path + ".Fields", file);
                    if (!seen.Add(field.Target)) throw Error("MappingDuplicateField", $"'{path}.Fields' names the target field '{field.Target}' twice.", file);
                    fields.Add(field);
                }
            }
            entity.Fields = fields;
            object? whereNode = Get(map, "Where");
            if (whereNode is not null) entity.Where = ParseWhere(whereNode, path + ".Where", file);
            foreach (string k in entity.Key)
            {
                if (fields.Count > 0 && !seen.Contains(k) && entity.Unmapped == UnmappedFields.Drop)
                {
                    throw Error("MappingKeyNotMapped", $"'{path}.Key' names '{k}', which is not one of the entity's target fields.", file);
                }
            }
            return entity;
        }

        private static FieldMapping ParseField(string? name, object? node, string parent, string? file)
        {
            if (node is null || node is string || node is IList && node is not IDictionary)
            {
                // Short form: Target = 'source_field' or Target = @('first', 'last').
                if (name is null) throw Error("MappingFieldName", $"A field in '{parent}' has no Name.", file);
                return new FieldMapping(name) { Source = node is null ? new[] { name } : TextList(node) };
            }
            var map = AsMap(node, parent + "." + name, file);
            string target = name ?? Text(Get(map, "Name") ?? Get(map, "Target")) ?? throw Error("MappingFieldName", $"A field in '{parent}' has no Name.", file);
            string path = parent + "." + target;
            CheckKeys(map, FieldKeys, path, file);
            var field = new FieldMapping(target)
            {
                Source = TextList(Get(map, "Source")),
                Separator = Text(Get(map, "Separator")) ?? " ",
                Type = ParseEnum<CrmFieldType>(Get(map, "Type"), path + ".Type", file),
                Formats = TextList(Get(map, "Format")),
                Culture = Text(Get(map, "Culture")),
                Required = ParseBool(Get(map, "Required"), path + ".Required", file),
                Split = Text(Get(map, "Split")),
                Part = ParseInt(Get(map, "Part"), path + ".Part", file) ?? 0,
                SplitLimit = ParseInt(Get(map, "SplitLimit"), path + ".SplitLimit", file) ?? 0,
                Reference = Text(Get(map, "Reference")),
                OnMissingParent = ParseEnum<CrmMissingParentAction>(Get(map, "OnMissingParent"), path + ".OnMissingParent", file) ?? CrmMissingParentAction.Reject,
                MaxLength = ParseInt(Get(map, "MaxLength"), path + ".MaxLength", file),
                OnTooLong = ParseEnum<TooLongAction>(Get(map, "OnTooLong"), path + ".OnTooLong", file) ?? TooLongAction.Reject,
                Pattern = Text(Get(map, "Pattern")),
                Min = Get(map, "Min"),
                Max = Get(map, "Max"),
                OnInvalid = ParseEnum<InvalidAction>(Get(map, "OnInvalid"), path + ".OnInvalid", file) ?? InvalidAction.Reject,
                DefaultRegion = Text(Get(map, "DefaultRegion"))?.ToUpperInvariant(),
                TimeZone = Text(Get(map, "TimeZone")),
                TwoDigitYearMax = ParseInt(Get(map, "TwoDigitYearMax"), path + ".TwoDigitYearMax", file),
                FixTypos = ParseBool(Get(map, "FixTypos"), path + ".FixTypos", file),
            };
            ParseTransforms(field, Get(map, "Transform"), path, file);
            field.ColumnType = Text(Get(map, "ColumnType"));
            if (field.ColumnType is not null)
            {
                field.ColumnSchema = Schema.TargetDesigner.ParseColumnType(field.ColumnType)
                    ?? throw Error("MappingUnknownColumnType", $"'{path}.ColumnType' is '{field.ColumnType}', which the type table does not know. Use one of: varchar(n), char(n), text, smallint, integer, bigint, numeric(p,s), real, double precision, boolean, date, timestamp(p), timestamptz, time, uuid, json, jsonb, bytea, varbinary(n).", file);
            }
            if (Has(map, "Value"))
            {
                field.HasConstant = true;
                field.Constant = Get(map, "Value");
            }
            if (Has(map, "Default"))
            {
                field.HasDefault = true;
                field.Default = Get(map, "Default");
            }
            if (field.Constant is CustomTransform || field.Default is CustomTransform) throw Error("MappingScriptBlockNotSupported", $"'{path}' has code as its Value or Default; code is allowed only as a Transform.", file);
            if (!field.HasConstant && field.Source.Count == 0) field.Source = new[] { target };
            if (field.HasConstant && Has(map, "Source")) throw Error("MappingValueAndSource", $"'{path}' has both Value and Source; a field is either a constant or comes from the source.", file);
            object? vm = Get(map, "ValueMap");
            if (vm is not null)
            {
                var dict = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var (k, v) in Items(vm, path + ".ValueMap", file))
                {
                    if (k is null) throw Error("MappingValueMap", $"'{path}.ValueMap' must be a table of source value = target value.", file);
                    dict[k] = v;
                }
                field.ValueMap = dict;
            }
            if (Has(map, "OnUnlisted"))
            {
                field.OnUnlisted = ParseEnum<UnlistedAction>(Get(map, "OnUnlisted"), path + ".OnUnlisted", file) ?? UnlistedAction.Reject;
                if (field.ValueMap is null) throw Error("MappingOnUnlistedWithoutValueMap", $"'{path}.OnUnlisted' says what a value the ValueMap does not list does, but the field has no ValueMap.", file);
                if (field.OnUnlisted == UnlistedAction.Keep && field.ValueMap.ContainsKey("*"))
                {
                    throw Error("MappingValueMapConflict", $"'{path}' has both a '*' ValueMap entry (every unlisted value becomes that value) and OnUnlisted = 'Keep' (unlisted values stay as they are); keep one.", file);
                }
            }
            if (field.Culture is not null)
            {
                try { _ = CultureInfo.GetCultureInfo(field.Culture); }
                catch (CultureNotFoundException) { throw Error("MappingUnknownCulture", $"'{path}.Culture' names an unknown culture '{field.Culture}'.", file); }
            }
            if (Has(map, "OnMissingParent") && field.Reference is null)
            {
                throw Error("MappingMissingParentWithoutReference", $"'{path}.OnMissingParent' needs Reference (the entity whose key the field holds).", file);
            }
            CheckFieldOptions(field, path, file);
            return field;
        }

        private static void ParseTransforms(FieldMapping field, object? node, string path, string? file)
        {
            if (node is null) return;
            var names = new List<string>();
            var custom = new List<CustomTransform?>();
            bool anyCustom = false;
            IEnumerable items = node is string || node is CustomTransform || node is not IEnumerable ? new[] { node } : (IEnumerable)node;
            foreach (object? item in items)
            {
                if (item is null) continue;
                if (item is CustomTransform ct)
                {
                    names.Add("Script");
                    custom.Add(ct);
                    anyCustom = true;
                    continue;
                }
                string name = Text(item)!;
                if (!Transforms.IsKnown(name)) throw Error("MappingUnknownTransform", $"'{path}.Transform' names an unknown transform '{name}'. Known: {string.Join(", ", Transforms.Names)}.", file);
                names.Add(name);
                custom.Add(null);
            }
            field.Transforms = names;
            if (anyCustom) field.CustomTransforms = custom;
        }

        private static void CheckFieldOptions(FieldMapping field, string path, string? file)
        {
            if (field.Split is not null && field.Split.Length == 0) throw Error("MappingInvalidValue", $"'{path}.Split' is empty; give the separator text, e.g. ' '.", file);
            if (field.SplitLimit < 0) throw Error("MappingInvalidValue", $"'{path}.SplitLimit' must be 0 (no limit) or more.", file);
            if (field.MaxLength is int max && max < 1) throw Error("MappingInvalidValue", $"'{path}.MaxLength' must be 1 or more.", file);
            if (field.Pattern is not null)
            {
                try { _ = new Regex(field.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException ex) { throw Error("MappingInvalidPattern", $"'{path}.Pattern' is not a valid regular expression: {ex.Message}", file); }
            }
            if (field.TimeZone is not null)
            {
                try { _ = TimeZoneInfo.FindSystemTimeZoneById(field.TimeZone); }
                catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                    throw Error("MappingUnknownTimeZone", $"'{path}.TimeZone' names an unknown time zone '{field.TimeZone}'. Use an IANA id such as 'Asia/Shanghai' or 'Europe/Berlin'.", file);
                }
            }
            if (field.DefaultRegion is not null && !PhoneCleaner.IsKnownRegion(field.DefaultRegion))
            {
                throw Error("MappingUnknownRegion", $"'{path}.DefaultRegion' is '{field.DefaultRegion}', which is not a region phone numbers are known for. Use a two-letter ISO 3166 code such as 'CN', 'US' or 'DE'.", file);
            }
            if (field.TwoDigitYearMax is int pivot && (pivot < 99 || pivot > 9999)) throw Error("MappingInvalidValue", $"'{path}.TwoDigitYearMax' must be a four-digit year, e.g. 2029.", file);
            bool parsesDates = field.Type is CrmFieldType.Date or CrmFieldType.DateTime or CrmFieldType.DateTimeOffset;
            foreach (string t in field.Transforms) if (string.Equals(t, "Date", StringComparison.OrdinalIgnoreCase)) parsesDates = true;
            if (parsesDates && field.TwoDigitYearMax is null)
            {
                foreach (string f in field.Formats)
                {
                    if (DateCleaner.HasTwoDigitYear(f))
                    {
                        throw Error("MappingTwoDigitYear", $"'{path}.Format' has the two-digit year format '{f}' but no TwoDigitYearMax. Say which century '24' means, e.g. TwoDigitYearMax = 2029 (00-29 → 2000-2029, 30-99 → 1930-1999).", file);
                    }
                }
            }
            foreach (object? bound in new[] { field.Min, field.Max })
            {
                if (bound is null || bound is long || bound is int || bound is decimal || bound is double) continue;
                string text = Text(bound) ?? "";
                if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out _) &&
                    !DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    throw Error("MappingInvalidValue", $"'{path}' has Min/Max '{text}'; give a number or a date as yyyy-MM-dd.", file);
                }
            }
        }

        private static IReadOnlyList<WhereCondition> ParseWhere(object node, string path, string? file)
        {
            var list = new List<WhereCondition>();
            IEnumerable items = node is IDictionary ? new[] { node } : node as IList ?? throw Error("MappingInvalidShape", $"'{path}' must be a table or a list of tables.", file);
            foreach (object? item in items)
            {
                var map = AsMap(item, path, file);
                CheckKeys(map, WhereKeys, path, file);
                string field = Text(Get(map, "Field")) ?? throw Error("MappingWhereField", $"A condition in '{path}' has no Field.", file);
                WhereOperator? op = null;
                object? operand = null;
                foreach (string name in Enum.GetNames(typeof(WhereOperator)))
                {
                    if (!Has(map, name)) continue;
                    if (op is not null) throw Error("MappingWhereOperator", $"A condition on '{field}' in '{path}' has more than one comparison; write one condition per comparison.", file);
                    op = Enum.Parse<WhereOperator>(name);
                    operand = Get(map, name);
                }
                if (op is null) throw Error("MappingWhereOperator", $"The condition on '{field}' in '{path}' has no comparison. Use one of {string.Join(", ", Enum.GetNames(typeof(WhereOperator)))}.", file);
                IReadOnlyList<string> values;
                if (op is WhereOperator.IsEmpty or WhereOperator.NotEmpty)
                {
                    if (!ParseBool(operand, path + "." + op, file)) throw Error("MappingInvalidValue", $"'{path}.{op}' must be $true.", file);
                    values = Array.Empty<string>();
                }
                else
                {
                    values = TextList(operand);
                    if (values.Count == 0) throw Error("MappingInvalidValue", $"'{path}.{op}' on '{field}' has no value.", file);
                    if (values.Count > 1 && op is not (WhereOperator.In or WhereOperator.NotIn)) throw Error("MappingInvalidValue", $"'{path}.{op}' on '{field}' takes one value; use In or NotIn for a list.", file);
                }
                string reason = Text(Get(map, "Reason")) ?? "Where:" + field + ":" + op;
                list.Add(new WhereCondition(field, op.Value, values, reason));
            }
            return list;
        }

        private static int? ParseInt(object? v, string path, string? file)
        {
            if (v is null) return null;
            if (v is int i) return i;
            if (v is long l && l >= int.MinValue && l <= int.MaxValue) return (int)l;
            if (int.TryParse(Text(v), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed)) return parsed;
            throw Error("MappingInvalidValue", $"'{path}' is '{Text(v)}'; expected a whole number.", file);
        }

        // ---- tree helpers: the shapes every data file shares (Util.DataTree), with the mapping's error ids ----------

        private const string Prefix = "Mapping";
        private static IDictionary AsMap(object? node, string path, string? file) => DataTree.AsMap(node, path, Prefix, file);
        private static IEnumerable<(string? Name, object? Node)> Items(object? node, string path, string? file) => DataTree.Items(node, path, Prefix, file);
        private static void CheckKeys(IDictionary map, string[] allowed, string path, string? file) => DataTree.CheckKeys(map, allowed, path, Prefix, file);
        private static bool Has(IDictionary map, string key) => DataTree.Has(map, key);
        private static object? Get(IDictionary map, string key) => DataTree.Get(map, key);
        private static IReadOnlyList<string> TextList(object? v) => DataTree.TextList(v is CustomTransform ? Text(v) : v, Prefix);
        private static T? ParseEnum<T>(object? v, string path, string? file) where T : struct, Enum => DataTree.ParseEnum<T>(v, path, Prefix, file);
        private static bool ParseBool(object? v, string path, string? file) => DataTree.ParseBool(v, path, Prefix, file);
        private static string Describe(object? node) => DataTree.Describe(node);
        private static CrmException Error(string code, string message, string? file) => DataTree.Error(code, message, file);
        private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items) => DataTree.WriteList(w, name, items);

        private static string? Text(object? v) => v is CustomTransform ct
            ? throw Error("MappingScriptBlockNotSupported", $"Code ({ct}) is allowed only as a Transform of a field in a hashtable mapping.", null)
            : DataTree.Text(v, Prefix);

        /// <summary>SHA-256 over a canonical JSON rendering, so .psd1, .json and hashtable forms of one mapping share a hash.</summary>
        private static string ComputeHash(IReadOnlyList<EntityMapping> entities)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartArray();
                foreach (var en in entities)
                {
                    w.WriteStartObject();
                    w.WriteString("target", en.Target);
                    w.WriteString("source", en.Source);
                    w.WriteString("unmapped", en.Unmapped.ToString());
                    if (en.OnRepeat != RepeatAction.Write) { w.WriteString("onRepeat", en.OnRepeat.ToString()); w.WriteString("onConflict", en.OnConflict.ToString()); }
                    if (en.Modified is not null) w.WriteString("modified", en.Modified);
                    WriteList(w, "key", en.Key);
                    if (en.Where.Count > 0)
                    {
                        w.WriteStartArray("where");
                        foreach (var c in en.Where)
                        {
                            w.WriteStartObject();
                            w.WriteString("field", c.Field);
                            w.WriteString("op", c.Operator.ToString());
                            WriteList(w, "values", c.Values);
                            w.WriteString("reason", c.Reason);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteStartArray("fields");
                    foreach (var f in en.Fields)
                    {
                        w.WriteStartObject();
                        w.WriteString("target", f.Target);
                        WriteList(w, "source", f.Source);
                        w.WriteString("separator", f.Separator);
                        w.WriteString("type", f.Type?.ToString());
                        WriteList(w, "formats", f.Formats);
                        w.WriteString("culture", f.Culture);
                        w.WriteBoolean("required", f.Required);
                        if (f.HasConstant) w.WriteString("value", Util.CrmValues.ToText(f.Constant));
                        if (f.HasDefault) w.WriteString("default", Util.CrmValues.ToText(f.Default));
                        WriteList(w, "transforms", f.Transforms);
                        if (f.CustomTransforms.Count > 0)
                        {
                            w.WriteStartArray("code");
                            foreach (var c in f.CustomTransforms) w.WriteStringValue(c?.Text);
                            w.WriteEndArray();
                        }
                        // Options added in version 2 are written only when set, so older mappings keep their hash.
                        if (f.Split is not null) { w.WriteString("split", f.Split); w.WriteNumber("part", f.Part); w.WriteNumber("splitLimit", f.SplitLimit); }
                        if (f.Reference is not null) w.WriteString("reference", f.Reference);
                        if (f.OnMissingParent != CrmMissingParentAction.Reject) w.WriteString("onMissingParent", f.OnMissingParent.ToString());
                        if (f.MaxLength is int ml) { w.WriteNumber("maxLength", ml); w.WriteString("onTooLong", f.OnTooLong.ToString()); }
                        if (f.Pattern is not null) w.WriteString("pattern", f.Pattern);
                        if (f.Min is not null) w.WriteString("min", Util.CrmValues.ToText(f.Min));
                        if (f.Max is not null) w.WriteString("max", Util.CrmValues.ToText(f.Max));
                        if (f.OnInvalid != InvalidAction.Reject) w.WriteString("onInvalid", f.OnInvalid.ToString());
                        if (f.DefaultRegion is not null) w.WriteString("defaultRegion", f.DefaultRegion);
                        if (f.TimeZone is not null) w.WriteString("timeZone", f.TimeZone);
                        if (f.TwoDigitYearMax is int tdy) w.WriteNumber("twoDigitYearMax", tdy);
                        if (f.FixTypos) w.WriteBoolean("fixTypos", true);
                        if (f.ColumnType is not null) w.WriteString("columnType", f.ColumnType);
                        if (f.OnUnlisted != UnlistedAction.Reject) w.WriteString("onUnlisted", f.OnUnlisted.ToString());
                        if (f.ValueMap is not null)
                        {
                            var keys = new List<string>(f.ValueMap.Keys);
                            keys.Sort(StringComparer.Ordinal);
                            w.WriteStartObject("valueMap");
                            foreach (var k in keys) w.WriteString(k, Util.CrmValues.ToText(f.ValueMap[k]));
                            w.WriteEndObject();
                        }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            return Convert.ToHexString(SHA256.HashData(ms.ToArray())).ToLowerInvariant();
        }

    }
}
