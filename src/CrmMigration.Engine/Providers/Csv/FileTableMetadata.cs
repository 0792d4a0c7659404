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
                columns.Add(new JsonObject { ["name"] = c.Name, ["datatype"] = c.Type.ToString() });
            }
            var key = new JsonArray();
            foreach (var k in PrimaryKey) key.Add(k);
            var o = new JsonObject
            {
                ["@context"] = "http://www.w3.org/ns/csvw",
                ["url"] = Url,
                ["tableSchema"] = new JsonObject { ["columns"] = columns, ["primaryKey"] = key },
            };
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
                            m.Columns.Add(new CrmFieldSchema(name, type) { SourceType = typeName });
                        }
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
