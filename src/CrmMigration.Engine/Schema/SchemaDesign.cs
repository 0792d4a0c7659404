using System;
using System.Collections.Generic;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Schema
{
    /// <summary>
    /// The schema a target entity is created with when nothing better is known than the records themselves:
    /// the fields a known schema describes keep its description, the others take the widest type of their values
    /// in the records given (a field with no value there becomes text, and a warning says so).
    /// </summary>
    internal static class SchemaDesign
    {
        /// <summary>Designs an entity from a known schema (may be null) and the records of its first batch.</summary>
        public static CrmEntitySchema FromRecords(string entity, IReadOnlyList<CrmRecord> batch, CrmEntitySchema? known, IReadOnlyList<string>? keyFields, List<string>? untyped = null)
        {
            var fields = new List<CrmFieldSchema>();
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            if (known is not null)
            {
                foreach (var f in known.Fields)
                {
                    if (f.IsAnnotation || !index.TryAdd(f.Name, fields.Count)) continue;
                    fields.Add(f.CopyAs(f.Name));
                }
            }
            // Fields a schema describes keep its description; the others are typed by their values.
            var described = new List<bool>();
            for (int i = 0; i < fields.Count; i++) described.Add(true);
            var observed = new List<CrmFieldType?>();
            for (int i = 0; i < fields.Count; i++) observed.Add(null);
            CrmFieldShape? lastShape = null;
            int[] map = Array.Empty<int>();
            foreach (var record in batch)
            {
                if (!ReferenceEquals(record.Shape, lastShape))
                {
                    lastShape = record.Shape;
                    map = new int[lastShape.Count];
                    for (int f = 0; f < map.Length; f++)
                    {
                        string name = lastShape.Names[f];
                        if (IsAnnotation(lastShape, name)) { map[f] = -1; continue; }
                        if (!index.TryGetValue(name, out int at))
                        {
                            at = fields.Count;
                            index.Add(name, at);
                            var fromShape = lastShape.Schema?.GetField(name);
                            fields.Add(fromShape is not null ? fromShape.CopyAs(name) : new CrmFieldSchema(name, CrmFieldType.String));
                            described.Add(fromShape is not null);
                            observed.Add(null);
                        }
                        map[f] = at;
                    }
                }
                for (int f = 0; f < map.Length; f++)
                {
                    int at = map[f];
                    if (at < 0 || described[at]) continue;
                    object? v = record.GetValue(f);
                    if (v is null) continue;
                    var t = CrmValues.TypeOf(v);
                    var o = observed[at];
                    observed[at] = o is null ? t : CrmValues.Widen(o.Value, t);
                }
            }
            for (int i = 0; i < fields.Count; i++)
            {
                if (described[i]) continue;
                fields[i].Type = observed[i] ?? CrmFieldType.String;
                if (observed[i] is null) untyped?.Add(fields[i].Name);
            }

            var key = new List<string>();
            if (known is not null && known.Key.Count > 0) key.AddRange(known.Key);
            else if (known is not null) foreach (var f in known.Fields) if (f.IsKey) key.Add(f.Name);
            if (key.Count == 0 && keyFields is { Count: > 0 }) key.AddRange(keyFields);
            if (key.Count == 0) key.AddRange(InferKeyFields(batch));
            foreach (var k in key)
            {
                if (!index.ContainsKey(k))
                {
                    throw new CrmException(new CrmDataError("TargetKeyFieldNotFound", CrmErrorKind.InvalidArgument,
                        $"The key field '{k}' is not a field of the records or the schema of '{entity}'.") { Entity = entity, Field = k });
                }
            }
            foreach (var f in fields)
            {
                f.IsKey = key.Exists(k => string.Equals(k, f.Name, StringComparison.OrdinalIgnoreCase));
                if (f.IsKey) f.Nullable = false;
            }
            return new CrmEntitySchema(entity, fields)
            {
                Key = key,
                UniqueKeys = known?.UniqueKeys ?? Array.Empty<IReadOnlyList<string>>(),
                Relations = known?.Relations ?? Array.Empty<CrmRelation>(),
                Comment = known?.Comment,
                Provider = known?.Provider,
                System = known?.System,
            };
        }

        /// <summary>Whether a field of a shape is a note CrmMigration added (a reject file's reason and message), not data.</summary>
        public static bool IsAnnotation(CrmFieldShape shape, string name) => shape.Schema?.GetField(name) is { IsAnnotation: true };

        /// <summary>The key fields of the first keyed record: the names its key carries, else the fields whose values equal its key's parts.</summary>
        public static List<string> InferKeyFields(IReadOnlyList<CrmRecord> batch)
        {
            var result = new List<string>();
            foreach (var record in batch)
            {
                if (record.Key is null) continue;
                if (record.Key.FieldNames is { Count: > 0 } named)
                {
                    bool all = true;
                    foreach (var n in named) all &= record.HasField(n);
                    if (all) { result.AddRange(named); return result; }
                }
                foreach (var part in record.Key.Parts)
                {
                    string? found = null;
                    for (int f = 0; f < record.FieldCount && found is null; f++)
                    {
                        if (string.Equals(CrmValues.ToText(record.GetValue(f)), part, StringComparison.Ordinal) && !result.Contains(record.FieldNames[f])) found = record.FieldNames[f];
                    }
                    if (found is null) { result.Clear(); return result; }
                    result.Add(found);
                }
                return result;
            }
            return result;
        }

        /// <summary>
        /// The fields of the records' shapes (annotations left out) that <paramref name="hasColumn"/> does not know,
        /// in first-seen order, each once.
        /// </summary>
        public static List<string> MissingFields(IReadOnlyList<CrmRecord> batch, Func<string, bool> hasColumn)
        {
            var missing = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            CrmFieldShape? last = null;
            foreach (var record in batch)
            {
                if (ReferenceEquals(record.Shape, last)) continue;
                last = record.Shape;
                foreach (var name in last.Names)
                {
                    if (!seen.Add(name) || hasColumn(name) || IsAnnotation(last, name)) continue;
                    missing.Add(name);
                }
            }
            return missing;
        }

        /// <summary>The error for fields a target entity has no column for, before anything is written.</summary>
        public static CrmException MissingColumns(string entity, string target, IReadOnlyList<string> fields) =>
            new CrmException(new CrmDataError("TargetFieldsMissing", CrmErrorKind.InvalidArgument,
                $"{target} has no column for {(fields.Count == 1 ? "the field" : "the fields")} '{string.Join("', '", fields)}'. " +
                "Nothing was written. Map or drop those fields, or give -AddColumns to add them to the table.")
            { Entity = entity });
    }
}
