using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// An `sf data tree` plan (the JSON array `sf data export tree --plan` writes and `sf data import tree --plan` loads):
    /// entries with sobject, saveRefs, resolveRefs and files; each file {"records": [...]} with attributes.type and
    /// attributes.referenceId, lookups written "@RefId". Read: every entry's records with references resolved to the
    /// parent's key (its External ID value, else its referenceId). Written: at most 200 records per file, the plan's entries
    /// ordered parents first so each reference resolves to a record saved before it.
    /// </summary>
    internal sealed class SalesforceTreeProvider : SaasProvider
    {
        /// <summary>The sObject Tree API takes at most 200 records per request, so per file.</summary>
        public const int MaxRecordsPerFile = 200;

        private Dictionary<string, (string Object, string Key)>? _refs;

        public SalesforceTreeProvider(CrmConnection connection) : base(connection, "Salesforce") { }

        private string PlanPath => Connection.Location;
        private string Folder => Path.GetDirectoryName(Path.GetFullPath(PlanPath)) ?? ".";

        protected override ValueCodec Codec => SalesforceCodec.Instance;

        protected override string SidecarPath => PlanPath + "-metadata.json";

        protected override bool PreferVendorId => false;

        internal sealed class PlanEntry
        {
            public string SObject { get; set; } = "";
            public bool SaveRefs { get; set; }
            public bool ResolveRefs { get; set; }
            public List<string> Files { get; } = new();
        }

        internal List<PlanEntry> LoadPlan()
        {
            var list = new List<PlanEntry>();
            if (!File.Exists(PlanPath)) return list;
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(File.ReadAllText(PlanPath), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            }
            catch (JsonException ex)
            {
                throw new CrmException(new CrmDataError("SalesforcePlanInvalid", CrmErrorKind.InvalidData, "The plan is not JSON: " + ex.Message) { File = PlanPath }, ex);
            }
            if (root is not JsonArray entries)
            {
                throw new CrmException(new CrmDataError("SalesforcePlanInvalid", CrmErrorKind.InvalidData, "The plan is not a JSON array of {sobject, files} entries.") { File = PlanPath });
            }
            foreach (var e in entries)
            {
                if (e is not JsonObject o) continue;
                var entry = new PlanEntry
                {
                    SObject = (string?)o["sobject"] ?? "",
                    SaveRefs = o["saveRefs"] is JsonValue s && s.GetValueKind() == JsonValueKind.True,
                    ResolveRefs = o["resolveRefs"] is JsonValue r && r.GetValueKind() == JsonValueKind.True,
                };
                if (o["files"] is JsonArray files) foreach (var f in files) if (f is JsonValue fv && fv.GetValueKind() == JsonValueKind.String) entry.Files.Add((string)fv!);
                list.Add(entry);
            }
            return list;
        }

        internal string FilePath(string file) => Path.Combine(Folder, file);

        /// <summary>The records of one file (an empty list when it has none), as JSON objects.</summary>
        internal List<JsonObject> LoadRecords(string file)
        {
            var list = new List<JsonObject>();
            string path = FilePath(file);
            if (!File.Exists(path)) throw new CrmException(new CrmDataError("SalesforcePlanFileNotFound", CrmErrorKind.NotFound, $"The plan names '{file}', which does not exist.") { File = path });
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path));
            }
            catch (JsonException ex)
            {
                throw new CrmException(new CrmDataError("SalesforceTreeFileInvalid", CrmErrorKind.InvalidData, "The file is not JSON: " + ex.Message) { File = path }, ex);
            }
            if (root?["records"] is JsonArray records) foreach (var r in records) if (r is JsonObject o) list.Add(o);
            return list;
        }

        protected override IReadOnlyList<string> VendorObjects()
        {
            var list = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in LoadPlan()) if (e.SObject.Length > 0 && seen.Add(e.SObject)) list.Add(e.SObject);
            return list;
        }

        private string KeyOf(JsonObject record, string type)
        {
            var entity = Profile.ByObject(type);
            string? keyField = entity?.KeyField ?? Profile.KeyField;
            if (keyField is not null && record[keyField] is JsonValue v && v.GetValueKind() == JsonValueKind.String && ((string?)v)?.Length > 0) return (string)v!;
            return (string?)record["attributes"]?["referenceId"] ?? "";
        }

        /// <summary>referenceId → (object, key) over the whole plan.</summary>
        private Dictionary<string, (string Object, string Key)> References()
        {
            if (_refs is not null) return _refs;
            var refs = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in LoadPlan())
            {
                foreach (var file in e.Files)
                {
                    if (!File.Exists(FilePath(file))) continue;
                    foreach (var r in LoadRecords(file))
                    {
                        string? refId = (string?)r["attributes"]?["referenceId"];
                        string type = (string?)r["attributes"]?["type"] ?? e.SObject;
                        if (refId is not null) refs.TryAdd(refId, (type, KeyOf(r, type)));
                    }
                }
            }
            return _refs = refs;
        }

        protected override ObjectRows? OpenObject(string vendorObject, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var files = new List<string>();
            foreach (var e in LoadPlan()) if (string.Equals(e.SObject, vendorObject, StringComparison.OrdinalIgnoreCase)) files.AddRange(e.Files);
            if (files.Count == 0) return null;
            var columns = new List<string> { "Id" };
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Id", "attributes" };
            var all = new List<(JsonObject Record, string File, int Index)>();
            foreach (var file in files)
            {
                var records = LoadRecords(file);
                for (int i = 0; i < records.Count; i++)
                {
                    all.Add((records[i], file, i + 1));
                    foreach (var (name, value) in records[i])
                    {
                        if (value is JsonObject) continue; // nested child records (a tree without a plan) are not fields
                        if (seen.Add(name)) columns.Add(name);
                    }
                }
            }
            var refs = References();
            return new ObjectRows(vendorObject, columns, Rows(all, refs));
        }

        private IEnumerable<(Func<string, string?>, CrmOrigin)> Rows(List<(JsonObject Record, string File, int Index)> all, Dictionary<string, (string Object, string Key)> refs)
        {
            foreach (var (record, file, index) in all)
            {
                var r = record;
                string? Get(string name)
                {
                    if (string.Equals(name, "Id", StringComparison.OrdinalIgnoreCase)) return (string?)r["attributes"]?["referenceId"];
                    var node = r[name];
                    if (node is not JsonValue v) return null;
                    switch (v.GetValueKind())
                    {
                        case JsonValueKind.String:
                            string s = (string)v!;
                            return s.Length > 1 && s[0] == '@' && refs.TryGetValue(s.Substring(1), out var parent) ? parent.Key : s;
                        case JsonValueKind.True: return "true";
                        case JsonValueKind.False: return "false";
                        case JsonValueKind.Number: return v.ToJsonString();
                        default: return null;
                    }
                }
                yield return (Get, new CrmOrigin(Connection.DisplayName, null, (string?)r["attributes"]?["referenceId"], FilePath(file), index));
            }
        }

        /// <summary>A referenceId from an object and a source key: letters and digits kept, anything else as _XX (UTF-8 hex), so distinct keys never share one.</summary>
        internal static string ReferenceId(string vendorObject, string key)
        {
            var sb = new StringBuilder(vendorObject.Length + key.Length + 4);
            foreach (char c in vendorObject) if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            sb.Append("Ref_");
            foreach (byte b in Encoding.UTF8.GetBytes(key))
            {
                if (b < 128 && char.IsAsciiLetterOrDigit((char)b)) sb.Append((char)b);
                else sb.Append('_').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        protected override IObjectSink OpenSink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options)
        {
            Directory.CreateDirectory(Folder);
            return new TreeSink(this, entity, writer);
        }

        public override IReadOnlyList<CrmFileFinding> CheckFiles() => SaasChecks.SalesforceTree(this);

        /// <summary>Puts the object's entry into the plan, entries ordered as the profile orders entities (parents first).</summary>
        internal void SavePlan(string vendorObject, List<string> files, bool resolveRefs)
        {
            var plan = LoadPlan();
            plan.RemoveAll(e => string.Equals(e.SObject, vendorObject, StringComparison.OrdinalIgnoreCase));
            var entry = new PlanEntry { SObject = vendorObject, SaveRefs = true, ResolveRefs = resolveRefs };
            entry.Files.AddRange(files);
            plan.Add(entry);
            int Rank(PlanEntry e)
            {
                for (int i = 0; i < Profile.Entities.Count; i++) if (string.Equals(Profile.Entities[i].Object, e.SObject, StringComparison.OrdinalIgnoreCase)) return i;
                return int.MaxValue;
            }
            var ordered = new List<(int Rank, int Index, PlanEntry Entry)>();
            for (int i = 0; i < plan.Count; i++) ordered.Add((Rank(plan[i]), i, plan[i]));
            ordered.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Index.CompareTo(b.Index));
            var array = new JsonArray();
            foreach (var (_, _, e) in ordered)
            {
                var o = new JsonObject { ["sobject"] = e.SObject, ["saveRefs"] = e.SaveRefs, ["resolveRefs"] = e.ResolveRefs };
                var f = new JsonArray();
                foreach (var name in e.Files) f.Add(name);
                o["files"] = f;
                array.Add(o);
            }
            string temp = PlanPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temp, array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            File.Move(temp, PlanPath, overwrite: true);
            _refs = null;
        }

        /// <summary>Collects an object's records into files of at most 200, written on completion.</summary>
        private sealed class TreeSink : IObjectSink
        {
            private readonly SalesforceTreeProvider _provider;
            private readonly FormatEntity _entity;
            private readonly CanonicalWriter _writer;
            private readonly List<(string Temp, string Final)> _files = new();
            private FileStream? _stream;
            private Utf8JsonWriter? _json;
            private int _inFile;
            private bool _done;

            public TreeSink(SalesforceTreeProvider provider, FormatEntity entity, CanonicalWriter writer)
            {
                _provider = provider;
                _entity = entity;
                _writer = writer;
            }

            private void NextFile()
            {
                EndFile();
                int part = _files.Count + 1;
                string name = part == 1 ? _entity.Object + ".json" : _entity.Object + "-" + part.ToString(CultureInfo.InvariantCulture) + ".json";
                string final = _provider.FilePath(name);
                string temp = final + "." + Guid.NewGuid().ToString("N") + ".tmp";
                _files.Add((temp, final));
                _stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                _json.WriteStartObject();
                _json.WriteStartArray("records");
                _inFile = 0;
            }

            private void EndFile()
            {
                if (_json is null) return;
                _json.WriteEndArray();
                _json.WriteEndObject();
                _json.Flush();
                _json.Dispose();
                _stream!.WriteByte((byte)'\n');
                _stream.Dispose();
                _json = null;
                _stream = null;
            }

            public void Write(CrmRecord record, string?[] values)
            {
                if (_json is null || _inFile >= MaxRecordsPerFile) NextFile();
                var json = _json!;
                json.WriteStartObject();
                json.WriteStartObject("attributes");
                json.WriteString("type", _entity.Object);
                json.WriteString("referenceId", ReferenceId(_entity.Object, values[0]!));
                json.WriteEndObject();
                for (int i = 0; i < values.Length; i++)
                {
                    string? v = values[i];
                    if (v is null) continue;
                    var col = _writer.Columns[i];
                    if (col.Role == ColumnRole.Reference)
                    {
                        var parent = _provider.Profile.ByCanonical(col.Field!.Reference!);
                        json.WriteString(col.Field.Field, "@" + ReferenceId(parent?.Object ?? col.Field.Reference!, v));
                        continue;
                    }
                    var type = col.Field?.HasValues == true ? CrmFieldType.String : col.Type;
                    switch (type)
                    {
                        case CrmFieldType.Boolean: json.WriteBoolean(col.Name, string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)); break;
                        case CrmFieldType.Integer:
                        case CrmFieldType.Decimal:
                        case CrmFieldType.Double:
                            json.WritePropertyName(col.Name);
                            json.WriteRawValue(v, skipInputValidation: false);
                            break;
                        default: json.WriteString(col.Name, v); break;
                    }
                }
                json.WriteEndObject();
                _inFile++;
            }

            public void Complete(FormatSidecar.ObjectInfo info)
            {
                EndFile();
                var names = new List<string>();
                foreach (var (temp, final) in _files)
                {
                    File.Move(temp, final, overwrite: true);
                    names.Add(Path.GetFileName(final));
                }
                info.Files.AddRange(names);
                bool resolves = false;
                foreach (var c in _writer.Columns) if (c.Role == ColumnRole.Reference) resolves = true;
                _provider.SavePlan(_entity.Object, names, resolves);
                _done = true;
            }

            public void Dispose()
            {
                EndFile();
                if (_done) return;
                foreach (var (temp, _) in _files)
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }
    }
}
