using System;
using System.Collections.Generic;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Schema
{
    /// <summary>
    /// The schema a target entity gets from its source entity's schema and the mapping between them. A field the
    /// mapping copies as it is (one Source, no Value, no transform, ValueMap or Split, no other Type) keeps the
    /// source field's whole description: type, length, precision, nullability and comment. A mapped field with a
    /// ColumnType takes that type; with a Type, that type; a constant takes its value's type; anything else computed
    /// (several sources, transforms, ValueMap) is text unless it says otherwise, and nullable unless Required. Keys,
    /// unique keys and relations whose fields are all copied come along renamed; a field with Reference adds a
    /// relation to that entity's key. Without a mapping the target is the source as it is.
    /// </summary>
    internal static class TargetDesigner
    {
        /// <summary>Designs every target entity of a copy at once (relations need the parents' designs).</summary>
        /// <param name="sources">The source schemas, each with the target entity it goes to.</param>
        /// <param name="mapping">The mapping, or null.</param>
        public static List<CrmEntitySchema> Design(IReadOnlyList<(CrmEntitySchema Source, string Target)> sources, CompiledMapping? mapping) =>
            mapping is null ? Design(sources, null, null) : Design(sources, (source, target) => Pick(mapping.TargetsOf(source), target), mapping.ForSource);

        private static EntityMapping? Pick(IReadOnlyList<EntityMapping> mappings, string target)
        {
            foreach (var m in mappings) if (string.Equals(m.Target, target, StringComparison.OrdinalIgnoreCase)) return m;
            return null;
        }

        /// <summary>
        /// Designs target entities: <paramref name="pairMapping"/> gives the entity mapping of a (source, target) pair,
        /// <paramref name="parentMapping"/> the (first) mapping of a parent source entity; both null when there is no mapping at all.
        /// </summary>
        public static List<CrmEntitySchema> Design(IReadOnlyList<(CrmEntitySchema Source, string Target)> sources,
            Func<string, string, EntityMapping?>? pairMapping, Func<string, EntityMapping?>? parentMapping)
        {
            var targetOfSource = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (s, t) in sources) targetOfSource[s.Name] = t;
            var designs = new List<CrmEntitySchema>();
            var renames = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (source, target) in sources)
            {
                var m = pairMapping?.Invoke(source.Name, target);
                var (design, rename) = DesignOne(source, target, m);
                renames.TryAdd(source.Name, rename);
                designs.Add(design);
            }
            var mapping = pairMapping is null ? null : parentMapping ?? (_ => null);
            // Relations: the source's, renamed through the mapping; then the mapping's References to the parent's key.
            var byTarget = new Dictionary<string, CrmEntitySchema>(StringComparer.OrdinalIgnoreCase);
            foreach (var d in designs) byTarget.TryAdd(d.Name, d);
            for (int i = 0; i < sources.Count; i++)
            {
                var (source, target) = sources[i];
                var design = designs[i];
                var relations = new List<CrmRelation>();
                var rename = renames[source.Name];
                foreach (var r in source.Relations)
                {
                    var parentEntityMapping = mapping?.Invoke(r.ReferencedEntity);
                    if (!targetOfSource.TryGetValue(r.ReferencedEntity, out var parentTarget))
                    {
                        // A parent this design does not cover: through its mapping, or (no mapping) under its own name.
                        if (mapping is not null && parentEntityMapping is null) continue;
                        parentTarget = parentEntityMapping?.Target ?? r.ReferencedEntity;
                    }
                    var fields = RenameAll(r.Fields, rename);
                    var parentRename = renames.TryGetValue(r.ReferencedEntity, out var pr) ? pr : parentEntityMapping is not null ? CopiedFields(parentEntityMapping) : null;
                    var parentFields = parentRename is null ? (mapping is null ? new List<string>(r.ReferencedFields) : null) : RenameAll(r.ReferencedFields, parentRename);
                    if (fields is null || parentFields is null) continue;
                    relations.Add(new CrmRelation(design.Name, fields, parentTarget, parentFields) { OnDelete = r.OnDelete, OnUpdate = r.OnUpdate });
                }
                var m = pairMapping?.Invoke(source.Name, target);
                if (m is not null)
                {
                    foreach (var f in m.Fields)
                    {
                        if (f.Reference is null || relations.Exists(r => r.Fields.Count == 1 && string.Equals(r.Fields[0], f.Target, StringComparison.OrdinalIgnoreCase))) continue;
                        if (!byTarget.TryGetValue(f.Reference, out var parent) || parent.Key.Count != 1) continue;
                        relations.Add(new CrmRelation(design.Name, new[] { f.Target }, parent.Name, new[] { parent.Key[0] }));
                    }
                }
                design.Relations = relations;
            }
            return designs;
        }

        /// <summary>A mapping's copied fields: source name → target name.</summary>
        private static Dictionary<string, string> CopiedFields(EntityMapping m)
        {
            var rename = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in m.Fields) if (IsCopy(f)) rename.TryAdd(f.Source[0], f.Target);
            return rename;
        }

        private static List<string>? RenameAll(IReadOnlyList<string> fields, Dictionary<string, string> rename)
        {
            var list = new List<string>(fields.Count);
            foreach (var f in fields)
            {
                if (!rename.TryGetValue(f, out var to)) return null;
                list.Add(to);
            }
            return list;
        }

        /// <summary>One entity: its fields and keys, and how its source fields are renamed (source → target, for copied fields only).</summary>
        private static (CrmEntitySchema Design, Dictionary<string, string> Rename) DesignOne(CrmEntitySchema source, string target, EntityMapping? m)
        {
            var rename = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var fields = new List<CrmFieldSchema>();
            if (m is null)
            {
                foreach (var f in source.Fields)
                {
                    fields.Add(f.CopyAs(f.Name));
                    rename[f.Name] = f.Name;
                }
                return (new CrmEntitySchema(target, fields)
                {
                    Key = source.Key,
                    UniqueKeys = source.UniqueKeys,
                    Comment = source.Comment,
                    Provider = source.Provider,
                    System = source.System,
                }, rename);
            }
            var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var fm in m.Fields)
            {
                foreach (var s in fm.Source) named.Add(s);
                var field = DesignField(fm, source);
                fields.Add(field);
                if (IsCopy(fm) && source.GetField(fm.Source[0]) is not null && !rename.ContainsKey(fm.Source[0])) rename[fm.Source[0]] = fm.Target;
            }
            if (m.Unmapped == UnmappedFields.Keep)
            {
                foreach (var f in source.Fields)
                {
                    if (named.Contains(f.Name) || fields.Exists(x => string.Equals(x.Name, f.Name, StringComparison.OrdinalIgnoreCase))) continue;
                    fields.Add(f.CopyAs(f.Name));
                    rename[f.Name] = f.Name;
                }
            }
            var key = new List<string>();
            if (m.Key.Count > 0) key.AddRange(m.Key);
            else key.AddRange(RenameAll(source.Key, rename) ?? new List<string>());
            var unique = new List<IReadOnlyList<string>>();
            foreach (var u in source.UniqueKeys) if (RenameAll(u, rename) is { } ru) unique.Add(ru);
            foreach (var f in fields) f.IsKey = key.Exists(k => string.Equals(k, f.Name, StringComparison.OrdinalIgnoreCase));
            return (new CrmEntitySchema(target, fields)
            {
                Key = key,
                UniqueKeys = unique,
                Comment = source.Comment,
                Provider = source.Provider,
                System = source.System,
            }, rename);
        }

        /// <summary>A field the mapping copies as it is.</summary>
        private static bool IsCopy(FieldMapping fm) =>
            !fm.HasConstant && fm.Source.Count == 1 && fm.Transforms.Count == 0 && fm.ValueMap is null && fm.Split is null && !fm.HasDefault;

        private static CrmFieldSchema DesignField(FieldMapping fm, CrmEntitySchema source)
        {
            var from = fm.Source.Count == 1 ? source.GetField(fm.Source[0]) : null;
            CrmFieldSchema field;
            if (fm.ColumnSchema is { } column)
            {
                field = column.CopyAs(fm.Target);
                field.Nullable = from?.Nullable ?? true;
                field.Comment = from?.Comment;
            }
            else if (from is not null && IsCopy(fm) && (fm.Type is null || fm.Type == from.Type))
            {
                field = from.CopyAs(fm.Target);
                field.IsKey = false;
            }
            else
            {
                var type = fm.Type ?? (fm.HasConstant ? CrmValues.TypeOf(fm.Constant) : ValueMapType(fm) ?? (from is not null && IsCopy(fm) ? from.Type : CrmFieldType.String));
                field = new CrmFieldSchema(fm.Target, type) { Comment = from?.Comment };
                if (from is not null && from.Type == type && type is CrmFieldType.Decimal or CrmFieldType.Integer or CrmFieldType.Double or CrmFieldType.DateTime or CrmFieldType.DateTimeOffset)
                {
                    field.Precision = from.Precision;
                    field.Scale = from.Scale;
                    field.Size = from.Size;
                }
                field.Nullable = !(fm.HasConstant && fm.Constant is not null) && !(fm.HasDefault && fm.Default is not null);
            }
            if (fm.MaxLength is int max && field.Type == CrmFieldType.String) field.MaxLength = max;
            if (fm.Required) field.Nullable = false;
            field.AutoIncrement = field.AutoIncrement && IsCopy(fm);
            return field;
        }

        /// <summary>The type every ValueMap target value shares, if they share one.</summary>
        private static CrmFieldType? ValueMapType(FieldMapping fm)
        {
            if (fm.ValueMap is null || fm.ValueMap.Count == 0) return null;
            CrmFieldType? type = null;
            foreach (var v in fm.ValueMap.Values)
            {
                if (v is null) continue;
                var t = CrmValues.TypeOf(v);
                if (type is not null && type != t) return CrmFieldType.String;
                type = t;
            }
            return type;
        }

        /// <summary>
        /// Reads a mapping's ColumnType through the type table: varchar(80), char(2), text, smallint, integer, bigint,
        /// numeric(14,2) / decimal(14,2), real / float4, double precision / float8, boolean, date, timestamp(3),
        /// timestamptz / datetimeoffset, time, uuid, json, jsonb, bytea / blob / varbinary(16). Null when unknown.
        /// </summary>
        public static CrmFieldSchema? ParseColumnType(string text)
        {
            var (name, args, tail) = SqlTypes.ParseTypeText(text);
            string n = (name + (tail.Length > 0 ? " " + tail : "")).Trim().ToLowerInvariant();
            int? a0 = args.Count > 0 ? args[0] : null;
            int? a1 = args.Count > 1 ? args[1] : null;
            var f = new CrmFieldSchema("column", CrmFieldType.String);
            switch (n)
            {
                case "varchar": case "character varying": case "nvarchar": case "varchar2": f.MaxLength = a0; break;
                case "char": case "character": case "nchar": case "bpchar": f.MaxLength = a0 ?? 1; f.FixedLength = true; break;
                case "text": case "longtext": case "clob": case "string": break;
                case "tinyint": f.Type = CrmFieldType.Integer; f.Size = 1; break;
                case "smallint": case "int2": f.Type = CrmFieldType.Integer; f.Size = 2; break;
                case "mediumint": f.Type = CrmFieldType.Integer; f.Size = 3; break;
                case "int": case "integer": case "int4": f.Type = CrmFieldType.Integer; f.Size = 4; break;
                case "bigint": case "int8": case "long": f.Type = CrmFieldType.Integer; f.Size = 8; break;
                case "numeric": case "decimal": case "number": f.Type = CrmFieldType.Decimal; f.Precision = a0; f.Scale = a0 is null ? null : a1 ?? 0; break;
                case "real": case "float4": case "float": case "single": f.Type = CrmFieldType.Double; f.Size = 4; break;
                case "double": case "double precision": case "float8": f.Type = CrmFieldType.Double; f.Size = 8; break;
                case "boolean": case "bool": f.Type = CrmFieldType.Boolean; break;
                case "date": f.Type = CrmFieldType.Date; break;
                case "timestamp": case "datetime": case "timestamp without time zone": f.Type = CrmFieldType.DateTime; f.Precision = a0; break;
                case "timestamptz": case "timestamp with time zone": case "datetimeoffset": f.Type = CrmFieldType.DateTimeOffset; f.Precision = a0; break;
                case "time": f.Format = "time"; f.Precision = a0; break;
                case "uuid": case "guid": case "uniqueidentifier": f.Type = CrmFieldType.Guid; break;
                case "json": f.Format = "json"; break;
                case "jsonb": f.Format = "jsonb"; break;
                case "bytea": case "blob": case "longblob": f.Type = CrmFieldType.Binary; break;
                case "varbinary": f.Type = CrmFieldType.Binary; f.MaxLength = a0; break;
                case "binary": f.Type = CrmFieldType.Binary; f.MaxLength = a0; f.FixedLength = a0 is not null; break;
                default: return null;
            }
            return f;
        }
    }
}
