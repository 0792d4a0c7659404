using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// What CrmMigration wrote into a SaaS file set, kept beside it (crm-metadata.json in a folder, &lt;file&gt;-metadata.json
    /// beside a plan or zip) and never inside the files the vendor's tool loads: per object its canonical entity, files,
    /// record count and the canonical name and type of each custom column. The checker compares the files with it; a
    /// reader uses it for the types of custom columns. Files the vendor exported have none, and read without it.
    /// </summary>
    internal sealed class FormatSidecar
    {
        /// <summary>One column's canonical name and type.</summary>
        internal sealed record ColumnInfo(string Column, string Name, CrmFieldType Type);

        /// <summary>One object as written.</summary>
        internal sealed class ObjectInfo
        {
            public ObjectInfo(string vendorObject, string entity)
            {
                Object = vendorObject;
                Entity = entity;
            }

            public string Object { get; }
            public string Entity { get; }
            public List<string> Files { get; } = new();
            public long Records { get; set; }
            public List<ColumnInfo> Columns { get; } = new();

            public ColumnInfo? Column(string column)
            {
                foreach (var c in Columns) if (string.Equals(c.Column, column, StringComparison.OrdinalIgnoreCase)) return c;
                return null;
            }
        }

        public FormatSidecar(string format, string profile)
        {
            Format = format;
            Profile = profile;
        }

        public string Format { get; }
        public string Profile { get; }
        public Dictionary<string, ObjectInfo> Objects { get; } = new(StringComparer.OrdinalIgnoreCase);

        public ObjectInfo? Get(string vendorObject) => Objects.TryGetValue(vendorObject, out var o) ? o : null;

        /// <summary>Loads a sidecar, or null when there is none (or it is not ours).</summary>
        public static FormatSidecar? Load(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
                if (root is null || root["crmFormat"] is not JsonValue) return null;
                var sidecar = new FormatSidecar((string?)root["crmFormat"] ?? "", (string?)root["profile"] ?? "");
                if (root["objects"] is JsonObject objects)
                {
                    foreach (var (name, node) in objects)
                    {
                        if (node is not JsonObject o) continue;
                        var info = new ObjectInfo(name, (string?)o["entity"] ?? name) { Records = (long?)o["records"] ?? 0 };
                        if (o["files"] is JsonArray files) foreach (var f in files) if (f is not null) info.Files.Add((string)f!);
                        if (o["columns"] is JsonArray cols)
                        {
                            foreach (var c in cols)
                            {
                                if (c is not JsonObject co) continue;
                                string column = (string?)co["column"] ?? "";
                                info.Columns.Add(new ColumnInfo(column, (string?)co["name"] ?? column,
                                    Enum.TryParse<CrmFieldType>((string?)co["type"], true, out var t) ? t : CrmFieldType.String));
                            }
                        }
                        sidecar.Objects[name] = info;
                    }
                }
                return sidecar;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>Writes the sidecar through a temporary file renamed into place.</summary>
        public void Save(string path)
        {
            var objects = new JsonObject();
            foreach (var o in Objects.Values)
            {
                var files = new JsonArray();
                foreach (var f in o.Files) files.Add(f);
                var cols = new JsonArray();
                foreach (var c in o.Columns) cols.Add(new JsonObject { ["column"] = c.Column, ["name"] = c.Name, ["type"] = c.Type.ToString() });
                objects[o.Object] = new JsonObject { ["entity"] = o.Entity, ["records"] = o.Records, ["files"] = files, ["columns"] = cols };
            }
            var root = new JsonObject { ["crmFormat"] = Format, ["profile"] = Profile, ["objects"] = objects };
            string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, path, overwrite: true);
        }
    }
}
