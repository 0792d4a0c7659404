using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Xml;
using System.Xml.Linq;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Formats
{
    /// <summary>Name-based (version 5, SHA-1) UUIDs: the same entity and source key always give the same record id.</summary>
    public static class StableGuid
    {
        /// <summary>The fixed namespace of CrmMigration's record ids.</summary>
        public static readonly Guid Namespace = new("6f1d2b3c-8a4e-5c7d-9e0f-1a2b3c4d5e6f");

        /// <summary>The RFC 4122 version 5 UUID of "&lt;entity&gt;:&lt;key&gt;" (entity lower-cased) in <see cref="Namespace"/>.</summary>
        public static Guid Create(string entity, string key) => V5(Namespace, Encoding.UTF8.GetBytes(entity.ToLowerInvariant() + ":" + key));

        /// <summary>The RFC 4122 version 5 UUID of a name in a namespace.</summary>
        public static Guid V5(Guid @namespace, byte[] name)
        {
            byte[] ns = @namespace.ToByteArray();
            SwapByteOrder(ns);
            byte[] data = new byte[ns.Length + name.Length];
            Buffer.BlockCopy(ns, 0, data, 0, ns.Length);
            Buffer.BlockCopy(name, 0, data, ns.Length, name.Length);
#pragma warning disable CA5350 // SHA-1 is what RFC 4122 version 5 specifies; this is an identifier, not a security hash.
            byte[] hash = SHA1.HashData(data);
#pragma warning restore CA5350
            byte[] guid = new byte[16];
            Array.Copy(hash, guid, 16);
            guid[6] = (byte)((guid[6] & 0x0F) | 0x50);
            guid[8] = (byte)((guid[8] & 0x3F) | 0x80);
            SwapByteOrder(guid);
            return new Guid(guid);
        }

        private static void SwapByteOrder(byte[] g)
        {
            (g[0], g[3]) = (g[3], g[0]);
            (g[1], g[2]) = (g[2], g[1]);
            (g[4], g[5]) = (g[5], g[4]);
            (g[6], g[7]) = (g[7], g[6]);
        }
    }

    /// <summary>Dataverse values in a Configuration Migration data file: invariant numbers, ISO dates with seven fractional digits and Z, True/False.</summary>
    internal sealed class DynamicsCodec : ValueCodec
    {
        public static readonly DynamicsCodec Instance = new();

        protected override string TrueText => "True";
        protected override string FalseText => "False";
        protected override string DateFormat => "yyyy-MM-dd'T'00:00:00.0000000'Z'";
        protected override string DateTimeFormat => "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    }

    /// <summary>One entity of data_schema.xml.</summary>
    internal sealed class CmtEntitySchema
    {
        public CmtEntitySchema(string name) => Name = name;
        public string Name { get; }
        public string? DisplayName { get; set; }
        public string? PrimaryIdField { get; set; }
        public string? PrimaryNameField { get; set; }
        /// <summary>(name, type, lookupType) in order.</summary>
        public List<(string Name, string Type, string? LookupType)> Fields { get; } = new();
        public XElement? Element { get; set; }
    }

    /// <summary>
    /// A Dynamics 365 / Dataverse Configuration Migration data file: a zip of [Content_Types].xml, data_schema.xml and
    /// data.xml (or a folder holding the two XML files), what the Configuration Migration tool and `pac data import` load
    /// and export. Records carry stable ids (a version 5 UUID of entity and source key), so loading a newer export updates
    /// the same records; the source key also goes into the profile's key field (new_legacyid), marked updateCompare.
    /// Lookups carry lookupentity and lookupentityname. Writing an entity rewrites the package with the other entities kept
    /// as they were.
    /// </summary>
    internal sealed class DynamicsCmtProvider : SaasProvider
    {
        private const string SchemaFile = "data_schema.xml";
        private const string DataFile = "data.xml";
        private const string ContentTypesFile = "[Content_Types].xml";
        private Dictionary<string, string>? _keysByGuid;
        private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

        public DynamicsCmtProvider(CrmConnection connection) : base(connection, "Dynamics") { }

        private bool IsZip => Connection.Location.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);

        protected override ValueCodec Codec => DynamicsCodec.Instance;

        protected override string SidecarPath => IsZip ? Connection.Location + "-metadata.json" : Path.Combine(Connection.Location, "crm-metadata.json");

        protected override bool PreferVendorId => false;

        /// <summary>Opens one part of the package, or null when it is not there.</summary>
        internal Stream? OpenPart(string part)
        {
            if (IsZip)
            {
                if (!File.Exists(Connection.Location)) return null;
                var zip = ZipFile.OpenRead(Connection.Location);
                var entry = zip.GetEntry(part);
                if (entry is null) { zip.Dispose(); return null; }
                var ms = new MemoryStream();
                using (var s = entry.Open()) s.CopyTo(ms);
                zip.Dispose();
                ms.Position = 0;
                return ms;
            }
            string path = Path.Combine(Connection.Location, part);
            return File.Exists(path) ? File.OpenRead(path) : null;
        }

        internal List<CmtEntitySchema> LoadSchema()
        {
            var list = new List<CmtEntitySchema>();
            using var stream = OpenPart(SchemaFile);
            if (stream is null) return list;
            XDocument doc;
            try
            {
                doc = XDocument.Load(stream);
            }
            catch (XmlException ex)
            {
                throw new CrmException(new CrmDataError("DynamicsSchemaInvalid", CrmErrorKind.InvalidData, "data_schema.xml is not XML: " + ex.Message) { File = Connection.Location }, ex);
            }
            foreach (var e in doc.Root?.Elements("entity") ?? Array.Empty<XElement>())
            {
                var s = new CmtEntitySchema((string?)e.Attribute("name") ?? "")
                {
                    DisplayName = (string?)e.Attribute("displayname"),
                    PrimaryIdField = (string?)e.Attribute("primaryidfield"),
                    PrimaryNameField = (string?)e.Attribute("primarynamefield"),
                    Element = e,
                };
                foreach (var f in e.Element("fields")?.Elements("field") ?? Array.Empty<XElement>())
                {
                    s.Fields.Add(((string?)f.Attribute("name") ?? "", (string?)f.Attribute("type") ?? "string", (string?)f.Attribute("lookupType")));
                }
                list.Add(s);
            }
            return list;
        }

        protected override IReadOnlyList<string> VendorObjects()
        {
            var list = new List<string>();
            foreach (var s in LoadSchema()) list.Add(s.Name);
            foreach (var m in M2mNames()) if (!list.Contains(m)) list.Add(m);
            return list;
        }

        /// <summary>Streams the entity elements of data.xml.</summary>
        internal IEnumerable<XElement> DataEntities()
        {
            using var stream = OpenPart(DataFile);
            if (stream is null) yield break;
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true });
            reader.MoveToContent();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1 && reader.LocalName == "entity")
                {
                    yield return (XElement)XNode.ReadFrom(reader);
                }
                else reader.Read();
            }
        }

        private List<string> M2mNames()
        {
            var names = new List<string>();
            foreach (var e in DataEntities())
            {
                foreach (var m in e.Element("m2mrelationships")?.Elements("m2mrelationship") ?? Array.Empty<XElement>())
                {
                    string? n = (string?)m.Attribute("m2mrelationshipname");
                    if (n is not null && !names.Contains(n)) names.Add(n);
                }
            }
            return names;
        }

        /// <summary>record id → the record's key (its key field, else the id), over every entity.</summary>
        private Dictionary<string, string> KeysByGuid()
        {
            if (_keysByGuid is not null) return _keysByGuid;
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in DataEntities())
            {
                string name = (string?)e.Attribute("name") ?? "";
                string? keyField = Profile.ByObject(name)?.KeyField ?? Profile.KeyField;
                foreach (var r in e.Element("records")?.Elements("record") ?? Array.Empty<XElement>())
                {
                    string? id = (string?)r.Attribute("id");
                    if (id is null) continue;
                    string key = id;
                    if (keyField is not null)
                    {
                        foreach (var f in r.Elements("field"))
                        {
                            if (string.Equals((string?)f.Attribute("name"), keyField, StringComparison.OrdinalIgnoreCase) && ((string?)f.Attribute("value"))?.Length > 0) key = (string)f.Attribute("value")!;
                        }
                    }
                    map.TryAdd(id, key);
                }
            }
            return _keysByGuid = map;
        }

        protected override ObjectRows? OpenObject(string vendorObject, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var schema = LoadSchema().Find(s => string.Equals(s.Name, vendorObject, StringComparison.OrdinalIgnoreCase));
            if (schema is null)
            {
                if (!M2mNames().Contains(vendorObject)) return null;
                return new ObjectRows(vendorObject, new[] { "Id", "Source", "SourceEntity", "Target", "TargetEntity" }, M2mRows(vendorObject));
            }
            var columns = new List<string>();
            foreach (var f in schema.Fields) columns.Add(f.Name);
            var entity = Profile.ByObject(vendorObject);
            if (entity?.IdField is null && !columns.Contains("Id")) columns.Insert(0, "Id");
            return new ObjectRows(vendorObject, columns, Rows(schema, entity?.IdField ?? schema.PrimaryIdField ?? "Id", cancellationToken));
        }

        private IEnumerable<(Func<string, string?>, CrmOrigin)> Rows(CmtEntitySchema schema, string idField, CancellationToken cancellationToken)
        {
            var keys = KeysByGuid();
            string file = Connection.Location + (IsZip ? "!/" : "/") + DataFile;
            foreach (var e in DataEntities())
            {
                if (!string.Equals((string?)e.Attribute("name"), schema.Name, StringComparison.OrdinalIgnoreCase)) continue;
                long n = 0;
                foreach (var r in e.Element("records")?.Elements("record") ?? Array.Empty<XElement>())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    n++;
                    var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                    string? id = (string?)r.Attribute("id");
                    foreach (var f in r.Elements("field"))
                    {
                        string name = (string?)f.Attribute("name") ?? "";
                        string? value = (string?)f.Attribute("value");
                        if (f.Attribute("lookupentity") is not null && value is not null && keys.TryGetValue(value, out var parentKey)) value = parentKey;
                        values[name] = value;
                    }
                    if (id is not null) values.TryAdd(idField, id);
                    if (id is not null) values.TryAdd("Id", id);
                    yield return (name => values.TryGetValue(name, out var v) ? v : null, new CrmOrigin(Connection.DisplayName, schema.Name, id, file, n));
                }
            }
        }

        private IEnumerable<(Func<string, string?>, CrmOrigin)> M2mRows(string relationship)
        {
            var keys = KeysByGuid();
            long n = 0;
            foreach (var e in DataEntities())
            {
                string source = (string?)e.Attribute("name") ?? "";
                foreach (var m in e.Element("m2mrelationships")?.Elements("m2mrelationship") ?? Array.Empty<XElement>())
                {
                    if (!string.Equals((string?)m.Attribute("m2mrelationshipname"), relationship, StringComparison.OrdinalIgnoreCase)) continue;
                    string sourceId = (string?)m.Attribute("sourceid") ?? "";
                    string sourceKey = keys.TryGetValue(sourceId, out var sk) ? sk : sourceId;
                    string targetEntity = (string?)m.Attribute("targetentityname") ?? "";
                    foreach (var t in m.Element("targetids")?.Elements("targetid") ?? Array.Empty<XElement>())
                    {
                        n++;
                        string targetKey = keys.TryGetValue(t.Value, out var tk) ? tk : t.Value;
                        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
                        {
                            ["Id"] = sourceKey + "|" + targetKey, ["Source"] = sourceKey, ["SourceEntity"] = source, ["Target"] = targetKey, ["TargetEntity"] = targetEntity,
                        };
                        yield return (name => values.TryGetValue(name, out var v) ? v : null, new CrmOrigin(Connection.DisplayName, relationship, values["Id"], Connection.Location, n));
                    }
                }
            }
        }

        protected override IObjectSink OpenSink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options) => new CmtSink(this, entity, writer);

        public override IReadOnlyList<CrmFileFinding> CheckFiles() => SaasChecks.Dynamics(this);

        internal static string CmtType(VendorColumn column, FormatProfile profile)
        {
            if (column.Field?.VendorType is string vt) return vt;
            if (column.Role == ColumnRole.Reference) return "entityreference";
            return column.Type switch
            {
                CrmFieldType.Integer => "number",
                CrmFieldType.Decimal => "decimal",
                CrmFieldType.Double => "float",
                CrmFieldType.Boolean => "bool",
                CrmFieldType.Date or CrmFieldType.DateTime or CrmFieldType.DateTimeOffset => "datetime",
                CrmFieldType.Guid => "guid",
                _ => "string",
            };
        }

        /// <summary>Rewrites the package with one entity replaced (schema and data), the others kept, entities in profile order.</summary>
        internal void Replace(FormatEntity entity, XElement schemaEntity, string dataFragmentPath)
        {
            var schemas = LoadSchema();
            int Rank(string name)
            {
                for (int i = 0; i < Profile.Entities.Count; i++) if (string.Equals(Profile.Entities[i].Object, name, StringComparison.OrdinalIgnoreCase)) return i;
                return int.MaxValue;
            }
            var names = new List<(int Rank, int Index, string Name)>();
            for (int i = 0; i < schemas.Count; i++)
            {
                if (!string.Equals(schemas[i].Name, entity.Object, StringComparison.OrdinalIgnoreCase)) names.Add((Rank(schemas[i].Name), i, schemas[i].Name));
            }
            names.Add((Rank(entity.Object), schemas.Count, entity.Object));
            names.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Index.CompareTo(b.Index));
            var schemaRoot = new XElement("entities");
            foreach (var (_, _, name) in names)
            {
                schemaRoot.Add(string.Equals(name, entity.Object, StringComparison.OrdinalIgnoreCase) ? schemaEntity : schemas.Find(s => s.Name == name)!.Element);
            }
            var kept = new Dictionary<string, XElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in DataEntities())
            {
                string n = (string?)e.Attribute("name") ?? "";
                if (!string.Equals(n, entity.Object, StringComparison.OrdinalIgnoreCase)) kept[n] = e;
            }
            string temp = (IsZip ? Connection.Location : Path.Combine(Connection.Location, DataFile)) + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, NewLineChars = "\r\n" };
            void WriteData(Stream stream)
            {
                using var w = XmlWriter.Create(stream, settings);
                w.WriteStartDocument();
                w.WriteStartElement("entities");
                w.WriteAttributeString("xmlns", "xsd", null, "http://www.w3.org/2001/XMLSchema");
                w.WriteAttributeString("xmlns", "xsi", null, "http://www.w3.org/2001/XMLSchema-instance");
                w.WriteAttributeString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                foreach (var (_, _, name) in names)
                {
                    if (string.Equals(name, entity.Object, StringComparison.OrdinalIgnoreCase))
                    {
                        using var fragment = XmlReader.Create(dataFragmentPath, new XmlReaderSettings { IgnoreWhitespace = true });
                        fragment.MoveToContent();
                        w.WriteNode(fragment, true);
                    }
                    else if (kept.TryGetValue(name, out var e)) e.WriteTo(w);
                }
                w.WriteEndElement();
                w.WriteEndDocument();
            }
            void WriteSchema(Stream stream)
            {
                using var w = XmlWriter.Create(stream, settings);
                new XDocument(new XDeclaration("1.0", "utf-8", null), schemaRoot).WriteTo(w);
            }
            if (IsZip)
            {
                // A package path in a folder that does not exist yet: the folder is made, as for every file target.
                string? folder = Path.GetDirectoryName(Path.GetFullPath(Connection.Location));
                if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
                using (var zipStream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite))
                using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Create))
                {
                    using (var s = zip.CreateEntry(ContentTypesFile).Open())
                    {
                        byte[] ct = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/octet-stream\" /></Types>");
                        s.Write(ct, 0, ct.Length);
                    }
                    using (var s = zip.CreateEntry(DataFile).Open()) WriteData(s);
                    using (var s = zip.CreateEntry(SchemaFile).Open()) WriteSchema(s);
                }
                File.Move(temp, Connection.Location, overwrite: true);
            }
            else
            {
                Directory.CreateDirectory(Connection.Location);
                using (var s = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)) WriteData(s);
                string schemaTemp = temp + ".schema";
                using (var s = new FileStream(schemaTemp, FileMode.CreateNew, FileAccess.Write)) WriteSchema(s);
                File.Move(temp, Path.Combine(Connection.Location, DataFile), overwrite: true);
                File.Move(schemaTemp, Path.Combine(Connection.Location, SchemaFile), overwrite: true);
            }
            _keysByGuid = null;
        }

        /// <summary>The primary name of a record written in this session (lookupentityname), or null.</summary>
        internal string? NameOf(string vendorObject, string key) => _names.TryGetValue(vendorObject.ToLowerInvariant() + ":" + key, out var n) ? n : null;

        internal void RememberName(string vendorObject, string key, string name) => _names[vendorObject.ToLowerInvariant() + ":" + key] = name;

        /// <summary>Writes the entity's records as a data.xml entity element into a temporary fragment file.</summary>
        private sealed class CmtSink : IObjectSink
        {
            private readonly DynamicsCmtProvider _provider;
            private readonly FormatEntity _entity;
            private readonly CanonicalWriter _writer;
            private readonly string _fragment;
            private readonly XmlWriter _xml;
            private readonly string _idField;
            private bool _done;

            public CmtSink(DynamicsCmtProvider provider, FormatEntity entity, CanonicalWriter writer)
            {
                _provider = provider;
                _entity = entity;
                _writer = writer;
                _idField = entity.IdField ?? entity.Object + "id";
                _fragment = Path.Combine(Path.GetTempPath(), "crm-cmt-" + Guid.NewGuid().ToString("N") + ".xml");
                _xml = XmlWriter.Create(_fragment, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true });
                _xml.WriteStartElement("entity");
                _xml.WriteAttributeString("name", entity.Object);
                _xml.WriteAttributeString("displayname", entity.DisplayName ?? entity.Canonical);
                _xml.WriteStartElement("records");
            }

            public void Write(CrmRecord record, string?[] values)
            {
                string key = values[0]!;
                string id = StableGuid.Create(_entity.Object, key).ToString("D");
                _xml.WriteStartElement("record");
                _xml.WriteAttributeString("id", id);
                Field(_idField, id);
                for (int i = 0; i < values.Length; i++)
                {
                    string? v = values[i];
                    if (v is null) continue;
                    var col = _writer.Columns[i];
                    if (col.Role == ColumnRole.Reference)
                    {
                        var parent = _provider.Profile.ByCanonical(col.Field!.Reference!);
                        string parentObject = parent?.Object ?? col.Field.Reference!.ToLowerInvariant();
                        _xml.WriteStartElement("field");
                        _xml.WriteAttributeString("name", col.Name);
                        _xml.WriteAttributeString("value", StableGuid.Create(parentObject, v).ToString("D"));
                        _xml.WriteAttributeString("lookupentity", parentObject);
                        string? parentName = _provider.NameOf(parentObject, v);
                        if (parentName is not null) _xml.WriteAttributeString("lookupentityname", parentName);
                        _xml.WriteEndElement();
                        continue;
                    }
                    Field(col.Name, v);
                    if (_entity.NameField is not null && string.Equals(col.Name, _entity.NameField, StringComparison.OrdinalIgnoreCase)) _provider.RememberName(_entity.Object, key, v);
                }
                _xml.WriteEndElement();
            }

            private void Field(string name, string value)
            {
                _xml.WriteStartElement("field");
                _xml.WriteAttributeString("name", name);
                _xml.WriteAttributeString("value", value);
                _xml.WriteEndElement();
            }

            public void Complete(FormatSidecar.ObjectInfo info)
            {
                _xml.WriteEndElement();
                _xml.WriteElementString("m2mrelationships", "");
                _xml.WriteEndElement();
                _xml.Dispose();
                var schema = new XElement("entity",
                    new XAttribute("name", _entity.Object),
                    new XAttribute("displayname", _entity.DisplayName ?? _entity.Canonical),
                    new XAttribute("primaryidfield", _idField),
                    new XAttribute("primarynamefield", _entity.NameField ?? ""),
                    new XAttribute("disableplugins", "false"));
                var fields = new XElement("fields", new XElement("field", new XAttribute("displayname", _entity.DisplayName ?? _entity.Canonical), new XAttribute("name", _idField),
                    new XAttribute("type", "guid"), new XAttribute("primaryKey", "true")));
                foreach (var col in _writer.Columns)
                {
                    var f = new XElement("field", new XAttribute("displayname", col.Canonical), new XAttribute("name", col.Name), new XAttribute("type", col.Role == ColumnRole.Key ? "string" : CmtType(col, _provider.Profile)));
                    if (col.Role == ColumnRole.Reference)
                    {
                        var parent = _provider.Profile.ByCanonical(col.Field!.Reference!);
                        f.Add(new XAttribute("lookupType", parent?.Object ?? col.Field.Reference!.ToLowerInvariant()));
                    }
                    if (col.Role == ColumnRole.Key) f.Add(new XAttribute("updateCompare", "true"));
                    fields.Add(f);
                }
                schema.Add(fields, new XElement("relationships"));
                _provider.Replace(_entity, schema, _fragment);
                info.Files.Add(Path.GetFileName(_provider.Connection.Location));
                _done = true;
                File.Delete(_fragment);
            }

            public void Dispose()
            {
                if (!_done)
                {
                    _xml.Dispose();
                    try { File.Delete(_fragment); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }
    }
}
