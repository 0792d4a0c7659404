using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>
    /// The type sidecar written next to a CSV file ("contacts.csv-metadata.json") or an Excel workbook
    /// ("book.xlsx-metadata.json"), in the spirit of W3C CSVW table metadata:
    /// <c>{"url": "contacts.csv", "tableSchema": {"columns": [{"name": "Id", "datatype": "Integer"}], "primaryKey": ["Id"]}}</c>.
    /// Datatypes are <see cref="CrmFieldType"/> names. CrmMigration annotations (CSVW allows prefixed
    /// non-core properties) tell the reader how the writer encoded text so the round trip is lossless:
    /// <c>crm:formulaEscape</c> ("'": a leading apostrophe was added to every text field that started with
    /// = + - @ tab CR or an apostrophe; "none": text was written as it is), <c>crm:emptyStringQuoted</c> (an
    /// empty string is written as "" and an unquoted empty field is null) and, for workbooks,
    /// <c>crm:emptyStringCells</c> (a cell holding an empty string is "", a cell that is not there is null).
    /// </summary>
    internal sealed class FileTableMetadata
    {
        public FileTableMetadata(string url) { Url = url; }

        /// <summary>The file name (CSV) or sheet name (Excel) the table describes.</summary>
        public string Url { get; }
        public List<CrmFieldSchema> Columns { get; } = new List<CrmFieldSchema>();
        public List<string> PrimaryKey { get; } = new List<string>();
        /// <summary>How the writer escaped formulas; null when the sidecar does not say (a file we did not write).</summary>
        public CrmFormulaEscape? FormulaEscape { get; set; }
        public bool EmptyStringQuoted { get; set; }
        public bool EmptyStringCells { get; set; }
        /// <summary>The text encoding the file was written in (CSVW dialect.encoding); null when not said.</summary>
        public string? Encoding { get; set; }
        /// <summary>The table's comment (dc:description).</summary>
        public string? Comment { get; set; }
        public List<IReadOnlyList<string>> UniqueKeys { get; } = new List<IReadOnlyList<string>>();
        /// <summary>Foreign keys (CSVW tableSchema.foreignKeys; the reference's resource is the parent entity's file or sheet).</summary>
        public List<CrmRelation> ForeignKeys { get; } = new List<CrmRelation>();

        /// <summary>
        /// The table as an entity schema: the header's columns in order, each described by the sidecar (or text when it
        /// does not name it), with the key, unique keys, foreign keys and comment.
        /// </summary>
        public CrmEntitySchema Describe(string entity, IReadOnlyList<string> header, string system, CrmProviderKind provider)
        {
            var fields = new List<CrmFieldSchema>(header.Count);
            foreach (var h in header)
            {
                var col = GetColumn(h);
                var f = col is null ? new CrmFieldSchema(h, CrmFieldType.String) : col.CopyAs(h);
                foreach (var k in PrimaryKey) if (string.Equals(h, k, StringComparison.OrdinalIgnoreCase)) { f.IsKey = true; f.Nullable = false; }
                fields.Add(f);
            }
            var relations = new List<CrmRelation>();
            foreach (var r in ForeignKeys) relations.Add(new CrmRelation(entity, r.Fields, r.ReferencedEntity, r.ReferencedFields) { OnDelete = r.OnDelete, OnUpdate = r.OnUpdate });
            return new CrmEntitySchema(entity, fields)
            {
                System = system,
                Key = new List<string>(PrimaryKey),
                UniqueKeys = UniqueKeys.ToArray(),
                Relations = relations,
                Comment = Comment,
                Provider = provider,
            };
        }

        /// <summary>Takes the description of a schema (when known) for the columns, key, unique keys, foreign keys and comment.</summary>
        public void Describe(CrmEntitySchema? schema, IReadOnlyList<string> columns, IReadOnlyList<CrmFieldType?> observed, IReadOnlyList<string>? key, IReadOnlyList<string>? annotations)
        {
            for (int i = 0; i < columns.Count; i++)
            {
                var described = schema?.GetField(columns[i]);
                var f = described is not null ? described.CopyAs(columns[i]) : new CrmFieldSchema(columns[i], observed[i] ?? CrmFieldType.String);
                f.IsKey = false;
                if (annotations is not null) foreach (var a in annotations) if (string.Equals(a, columns[i], StringComparison.OrdinalIgnoreCase)) f.IsAnnotation = true;
                Columns.Add(f);
            }
            bool Has(string name) => Columns.Exists(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (key is not null) foreach (var name in key) if (Has(name)) PrimaryKey.Add(GetColumn(name)!.Name);
            if (schema is null) return;
            Comment = schema.Comment;
            foreach (var u in schema.UniqueKeys)
            {
                bool all = true;
                foreach (var n in u) all &= Has(n);
                if (all) UniqueKeys.Add(u);
            }
            foreach (var r in schema.Relations)
            {
                bool all = r.ReferencedFields.Count == r.Fields.Count;
                foreach (var n in r.Fields) all &= Has(n);
                if (all) ForeignKeys.Add(r);
            }
        }

        public CrmFieldSchema? GetColumn(string name)
        {
            foreach (var c in Columns) if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) return c;
            return null;
        }

        public JsonObject ToJson()
        {
            var columns = new JsonArray();
            foreach (var c in Columns)
            {
                var col = new JsonObject { ["name"] = c.Name, ["datatype"] = c.Type.ToString() };
                // CSVW's own properties where it has them (required, dc:description), prefixed CrmMigration ones for the rest.
                if (!c.Nullable) col["required"] = true;
                if (c.MaxLength is int ml) col["crm:maxLength"] = ml;
                if (c.FixedLength) col["crm:fixedLength"] = true;
                if (c.Size is int size) col["crm:size"] = size;
                if (c.Unsigned) col["crm:unsigned"] = true;
                if (c.Precision is int p) col["crm:precision"] = p;
                if (c.Scale is int sc) col["crm:scale"] = sc;
                if (c.Format is not null) col["crm:format"] = c.Format;
                if (c.AllowedValues is { } values) col["crm:values"] = Strings(values);
                if (c.AutoIncrement) col["crm:autoIncrement"] = true;
                if (c.Comment is not null) col["dc:description"] = c.Comment;
                if (c.IsAnnotation) col["crm:annotation"] = true;
                columns.Add(col);
            }
            var key = new JsonArray();
            foreach (var k in PrimaryKey) key.Add(k);
            var tableSchema = new JsonObject { ["columns"] = columns, ["primaryKey"] = key };
            if (ForeignKeys.Count > 0)
            {
                var fks = new JsonArray();
                foreach (var r in ForeignKeys)
                {
                    var fk = new JsonObject
                    {
                        ["columnReference"] = Strings(r.Fields),
                        ["reference"] = new JsonObject { ["resource"] = r.ReferencedEntity, ["columnReference"] = Strings(r.ReferencedFields) },
                    };
                    if (r.OnDelete is not null) fk["crm:onDelete"] = r.OnDelete;
                    if (r.OnUpdate is not null) fk["crm:onUpdate"] = r.OnUpdate;
                    fks.Add(fk);
                }
                tableSchema["foreignKeys"] = fks;
            }
            if (UniqueKeys.Count > 0)
            {
                var uks = new JsonArray();
                foreach (var u in UniqueKeys) uks.Add(Strings(u));
                tableSchema["crm:uniqueKeys"] = uks;
            }
            var o = new JsonObject
            {
                ["@context"] = "http://www.w3.org/ns/csvw",
                ["url"] = Url,
                ["tableSchema"] = tableSchema,
            };
            if (Comment is not null) o["dc:description"] = Comment;
            if (Encoding is not null) o["dialect"] = new JsonObject { ["encoding"] = Encoding };
            if (FormulaEscape is CrmFormulaEscape escape) o["crm:formulaEscape"] = escape == CrmFormulaEscape.Spreadsheet ? "'" : "none";
            if (EmptyStringQuoted) o["crm:emptyStringQuoted"] = true;
            if (EmptyStringCells) o["crm:emptyStringCells"] = true;
            return o;
        }

        /// <summary>Reads one table description; throws CrmException MetadataSidecarInvalid when malformed.</summary>
        public static FileTableMetadata FromJson(JsonObject o, string file)
        {
            try
            {
                string url = o["url"]?.GetValue<string>() ?? "";
                var m = new FileTableMetadata(url);
                if (o["tableSchema"] is JsonObject schema)
                {
                    if (schema["columns"] is JsonArray cols)
                    {
                        foreach (var node in cols)
                        {
                            if (node is not JsonObject col) continue;
                            string name = col["name"]?.GetValue<string>() ?? throw new FormatException("A column has no name.");
                            string typeName = col["datatype"]?.GetValue<string>() ?? "String";
                            if (!Enum.TryParse(typeName, ignoreCase: true, out CrmFieldType type) || !Enum.IsDefined(type))
                            {
                                throw new FormatException($"The datatype '{typeName}' of column '{name}' is not a CrmFieldType name.");
                            }
                            m.Columns.Add(new CrmFieldSchema(name, type)
                            {
                                SourceType = typeName,
                                Nullable = !(col["required"] is JsonValue req && req.GetValue<bool>()),
                                MaxLength = Int(col["crm:maxLength"]),
                                FixedLength = Bool(col["crm:fixedLength"]),
                                Size = Int(col["crm:size"]),
                                Unsigned = Bool(col["crm:unsigned"]),
                                Precision = Int(col["crm:precision"]),
                                Scale = Int(col["crm:scale"]),
                                Format = col["crm:format"]?.GetValue<string>(),
                                AllowedValues = col["crm:values"] is JsonArray vals ? StringList(vals) : null,
                                AutoIncrement = Bool(col["crm:autoIncrement"]),
                                Comment = col["dc:description"]?.GetValue<string>(),
                                IsAnnotation = Bool(col["crm:annotation"]),
                            });
                        }
                    }
                    if (schema["foreignKeys"] is JsonArray fks)
                    {
                        foreach (var node in fks)
                        {
                            if (node is not JsonObject fk || fk["reference"] is not JsonObject reference) continue;
                            var from = fk["columnReference"] is JsonArray fa ? StringList(fa) : fk["columnReference"] is JsonValue fv ? new List<string> { fv.GetValue<string>() } : new List<string>();
                            var to = reference["columnReference"] is JsonArray ta ? StringList(ta) : reference["columnReference"] is JsonValue tv ? new List<string> { tv.GetValue<string>() } : new List<string>();
                            string resource = reference["resource"]?.GetValue<string>() ?? "";
                            string parent = Path.GetFileNameWithoutExtension(resource.Length > 0 ? resource : "?");
                            m.ForeignKeys.Add(new CrmRelation(url, from, parent, to) { OnDelete = fk["crm:onDelete"]?.GetValue<string>(), OnUpdate = fk["crm:onUpdate"]?.GetValue<string>() });
                        }
                    }
                    if (schema["crm:uniqueKeys"] is JsonArray uks)
                    {
                        foreach (var node in uks) if (node is JsonArray u) m.UniqueKeys.Add(StringList(u));
                    }
                    if (schema["primaryKey"] is JsonArray pk)
                    {
                        foreach (var k in pk) if (k is not null) m.PrimaryKey.Add(k.GetValue<string>());
                    }
                    else if (schema["primaryKey"] is JsonValue single)
                    {
                        m.PrimaryKey.Add(single.GetValue<string>());
                    }
                }
                m.FormulaEscape = o["crm:formulaEscape"] switch
                {
                    null => null,
                    JsonValue e when e.TryGetValue(out string? text) && string.Equals(text, "none", StringComparison.OrdinalIgnoreCase) => CrmFormulaEscape.None,
                    _ => CrmFormulaEscape.Spreadsheet,
                };
                m.Comment = o["dc:description"]?.GetValue<string>();
                m.EmptyStringQuoted = o["crm:emptyStringQuoted"] is JsonValue v && v.GetValue<bool>();
                m.Encoding = o["dialect"]?["encoding"]?.GetValue<string>();
                m.EmptyStringCells = o["crm:emptyStringCells"] is JsonValue cells && cells.GetValue<bool>();
                foreach (var c in m.Columns)
                {
                    foreach (var k in m.PrimaryKey) if (string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase)) c.IsKey = true;
                }
                return m;
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new CrmException(new CrmDataError("MetadataSidecarInvalid", CrmErrorKind.InvalidData,
                    "The metadata sidecar is not valid: " + e.Message + " Fix or delete the file.") { File = file }, e);
            }
        }

        private static JsonArray Strings(IEnumerable<string> values)
        {
            var a = new JsonArray();
            foreach (var v in values) a.Add(v);
            return a;
        }

        private static List<string> StringList(JsonArray a)
        {
            var list = new List<string>(a.Count);
            foreach (var n in a) if (n is not null) list.Add(n.GetValue<string>());
            return list;
        }

        private static int? Int(JsonNode? n) => n is JsonValue v ? v.GetValue<int>() : null;

        private static bool Bool(JsonNode? n) => n is JsonValue v && v.GetValue<bool>();

        /// <summary>Loads a single-table sidecar (CSV); null when the file does not exist.</summary>
        public static FileTableMetadata? LoadTable(string sidecarPath)
        {
            var node = LoadNode(sidecarPath);
            return node is null ? null : FromJson(node, sidecarPath);
        }

        /// <summary>Loads a multi-table sidecar ({"tables": [...]}, Excel); empty when the file does not exist.</summary>
        public static List<FileTableMetadata> LoadTables(string sidecarPath)
        {
            var list = new List<FileTableMetadata>();
            var node = LoadNode(sidecarPath);
            if (node?["tables"] is JsonArray tables)
            {
                foreach (var t in tables) if (t is JsonObject o) list.Add(FromJson(o, sidecarPath));
            }
            return list;
        }

        private static JsonObject? LoadNode(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                    ?? throw new JsonException("The top level is not an object.");
            }
            catch (JsonException e)
            {
                throw new CrmException(new CrmDataError("MetadataSidecarInvalid", CrmErrorKind.InvalidData,
                    "The metadata sidecar is not valid JSON: " + e.Message + " Fix or delete the file.") { File = path }, e);
            }
        }

        /// <summary>Writes JSON to a path through a temp file and a rename.</summary>
        public static void WriteAtomically(string path, JsonNode node)
        {
            string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temp, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, path, overwrite: true);
        }
    }
}
