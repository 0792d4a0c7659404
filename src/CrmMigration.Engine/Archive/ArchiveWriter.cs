using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Archive
{
    /// <summary>Options of an archive.</summary>
    public sealed class ArchiveOptions
    {
        /// <summary>The bag folder to create (must not exist).</summary>
        public string Destination { get; set; } = "";
        /// <summary>Entities to archive, in order; all when null.</summary>
        public IReadOnlyList<string>? Entities { get; set; }
        /// <summary>Also write Destination + ".zip".</summary>
        public bool Zip { get; set; }
        public string? SourceOrganization { get; set; }
        public string? ExternalIdentifier { get; set; }
        public string? Description { get; set; }
        /// <summary>Called for records the source cannot read (they are counted as read errors).</summary>
        public Action<CrmDataError>? OnError { get; set; }
        /// <summary>Called now and then with (entity, records so far).</summary>
        public Action<string, long>? OnProgress { get; set; }
        /// <summary>Whole-schema archive: the source read table by table (no profile), or null.</summary>
        public ICrmProvider? RawProvider { get; set; }
        /// <summary>Tables written raw from <see cref="RawProvider"/> to data/tables/ (manifest entity "table:&lt;name&gt;").</summary>
        public IReadOnlyList<string> RawTables { get; set; } = Array.Empty<string>();
        /// <summary>Credential columns per table, written as "[redacted]" (the manifest lists them).</summary>
        public IReadOnlyDictionary<string, IReadOnlyCollection<string>>? Redactions { get; set; }
        /// <summary>Every object of the source with its definition: written to data/schema/&lt;engine&gt;.sql and the manifest's inventory.</summary>
        public IReadOnlyList<SourceObject>? Objects { get; set; }
        /// <summary>The engine name for the DDL file.</summary>
        public string? Engine { get; set; }
        /// <summary>Exclusion rules (recorded in the manifest with who and why).</summary>
        public IReadOnlyList<ExcludeRule> Exclusions { get; set; } = Array.Empty<ExcludeRule>();
        /// <summary>The application's uploaded files (SuiteCRM upload/, Odoo filestore): copied to data/attachments/ and hashed.</summary>
        public string? AttachmentPath { get; set; }
        /// <summary>Generic sources: entities that are the source's tables (the inventory marks them archived).</summary>
        public bool EntitiesAreTables { get; set; }
    }

    /// <summary>An explicit rule that leaves objects out of a final archive, recorded with who gave it and why.</summary>
    public sealed class ExcludeRule
    {
        /// <summary>Creates a rule.</summary>
        public ExcludeRule(string pattern, string reason, string @operator, DateTime recordedUtc)
        {
            Pattern = pattern;
            Reason = reason;
            Operator = @operator;
            RecordedUtc = recordedUtc;
        }

        /// <summary>A table (or other object) name, with * and ? wildcards; case-insensitive.</summary>
        public string Pattern { get; }
        /// <summary>Why these objects need no archive.</summary>
        public string Reason { get; }
        /// <summary>Who gave the rule (the operating-system user).</summary>
        public string Operator { get; }
        /// <summary>When.</summary>
        public DateTime RecordedUtc { get; }

        /// <summary>Whether the rule matches a name.</summary>
        public bool Matches(string name) => System.Text.RegularExpressions.Regex.IsMatch(name,
            "^" + System.Text.RegularExpressions.Regex.Escape(Pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>Who, when and why, for the inventory.</summary>
        public string Describe() => $"excluded by rule '{Pattern}' given by {Operator} on {RecordedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}: {Reason}";
    }

    /// <summary>
    /// Writes a BagIt 1.0 bag (RFC 8493) of a system: one CSV per entity (through the CSV provider's writer,
    /// so text is formula-escaped and types survive in the sidecar), data/schema.json, SHA-512 and SHA-256
    /// payload manifests, bag-info.txt, crm-manifest.json and a SHA-512 tag manifest. Payload hashes are
    /// computed on the bytes as they are written; records stream, memory stays flat. The bag is built in a
    /// hidden ".partial" folder next to the destination and renamed into place when complete, so a
    /// destination that exists is always a whole bag.
    /// </summary>
    public static class ArchiveWriter
    {
        public const string Format = "crm-archive/1";
        public const string ContentHashAlgorithm = "crm-content-hash/1: sum mod 2^256 of SHA-256(canonical record); see about_CrmMigration_Decommission";

        /// <summary>The module version (the assemblies are stamped from CrmMigration.psd1).</summary>
        public static string ToolVersion => typeof(ArchiveWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        /// <summary>The partial folder a run builds in (hidden, next to the destination).</summary>
        public static string PartialPrefix(string destination) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination)) ?? ".", "." + Path.GetFileName(Path.GetFullPath(destination)) + ".partial-");

        /// <summary>Deletes partial folders left by runs that were killed.</summary>
        public static void CleanPartials(string destination)
        {
            string prefix = PartialPrefix(destination);
            string dir = Path.GetDirectoryName(prefix)!;
            if (!Directory.Exists(dir)) return;
            foreach (var d in Directory.EnumerateDirectories(dir, Path.GetFileName(prefix) + "*")) Directory.Delete(d, recursive: true);
        }

        public static CrmArchiveInfo Write(ICrmProvider provider, ArchiveOptions options, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            string destination = Path.GetFullPath(options.Destination);
            if (Directory.Exists(destination) || File.Exists(destination))
            {
                throw new CrmException("ArchiveExists", CrmErrorKind.InvalidArgument, $"'{destination}' already exists. An archive is never overwritten: choose a new destination or remove the old one.");
            }
            string? parent = Path.GetDirectoryName(destination);
            if (parent is not null) Directory.CreateDirectory(parent);
            string work = PartialPrefix(destination) + Guid.NewGuid().ToString("N");
            string data = Path.Combine(work, "data");
            Directory.CreateDirectory(data);
            var info = new CrmArchiveInfo(destination) { Source = provider.Connection.DisplayName };
            try
            {
                var entities = options.Entities ?? provider.ListEntities();
                var stems = BagPaths.EntityStems(entities);
                var payload = new List<(string Path, string Sha256, string Sha512, long Length)>();
                var schemas = new List<(CrmEntitySchema Schema, CrmArchiveEntity Entry, long ReadErrors)>();
                var redacted = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
                long errorsRaw = 0;
                foreach (string entity in entities)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var schema = provider.DescribeEntity(entity, includeRowCount: false)
                        ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound, $"There is no entity '{entity}'.") { Entity = entity });
                    string file = stems[entity] + ".csv";
                    var entry = new CrmArchiveEntity(entity, "data/" + file);
                    long errorsHere = 0;
                    long errors = WriteEntity(provider.Read(entity, new CrmReadOptions(), e => { if (e.Severity != CrmErrorSeverity.Error) return; errorsHere++; options.OnError?.Invoke(e); }, cancellationToken), entity, schema, Path.Combine(data, file), entry, payload, options);
                    errors += errorsHere;
                    string sidecar = Path.Combine(data, file + "-metadata.json");
                    if (File.Exists(sidecar))
                    {
                        var h = HashingStream.HashFile(sidecar);
                        payload.Add(("data/" + file + "-metadata.json", h.Sha256, h.Sha512, h.Length));
                    }
                    info.Entities.Add(entry);
                    info.TotalRecords += entry.Records;
                    schemas.Add((schema, entry, errors));
                }
                if (options.RawProvider is not null && options.RawTables.Count > 0)
                {
                    Directory.CreateDirectory(Path.Combine(data, "tables"));
                    var rawStems = new Dictionary<string, string>(BagPaths.EntityStems(options.RawTables), StringComparer.Ordinal);
                    // A restore loads every CSV into one SQLite database by file stem: a table's stem must not equal an entity's.
                    var taken = new HashSet<string>(stems.Values, StringComparer.OrdinalIgnoreCase);
                    foreach (var t in options.RawTables) if (taken.Contains(rawStems[t])) rawStems[t] += "-table";
                    foreach (string table in options.RawTables)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var schema = options.RawProvider.DescribeEntity(table, includeRowCount: false)
                            ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound, $"There is no table '{table}'.") { Entity = table });
                        string file = "tables/" + rawStems[table] + ".csv";
                        var entry = new CrmArchiveEntity(RawEntity(table), "data/" + file);
                        IReadOnlyCollection<string>? redact = null;
                        options.Redactions?.TryGetValue(table, out redact);
                        long errors = WriteEntity(ReadRaw(options.RawProvider, table, redact, e => { errorsRaw++; options.OnError?.Invoke(e); }, cancellationToken), entry.Entity, schema,
                            Path.Combine(data, "tables", rawStems[table] + ".csv"), entry, payload, options);
                        errors += errorsRaw;
                        errorsRaw = 0;
                        string sidecar = Path.Combine(data, "tables", rawStems[table] + ".csv-metadata.json");
                        if (File.Exists(sidecar))
                        {
                            var h = HashingStream.HashFile(sidecar);
                            payload.Add(("data/" + file + "-metadata.json", h.Sha256, h.Sha512, h.Length));
                        }
                        info.Entities.Add(entry);
                        info.TotalRecords += entry.Records;
                        schemas.Add((schema, entry, errors));
                        if (redact is { Count: > 0 }) redacted[entry.Entity] = redact;
                    }
                }
                if (options.Objects is not null)
                {
                    Directory.CreateDirectory(Path.Combine(data, "schema"));
                    string ddlFile = "schema/" + (options.Engine ?? "source") + ".sql";
                    File.WriteAllText(Path.Combine(data, ddlFile), SchemaInventory.DdlScript(provider.Connection, options.Objects), new UTF8Encoding(false));
                    var hd = HashingStream.HashFile(Path.Combine(data, ddlFile));
                    payload.Add(("data/" + ddlFile, hd.Sha256, hd.Sha512, hd.Length));
                    BuildInventory(info, options, "data/" + ddlFile);
                }
                if (options.AttachmentPath is not null) info.AttachmentFiles = CopyAttachments(options.AttachmentPath, data, payload, info, cancellationToken);
                string schemaPath = Path.Combine(data, "schema.json");
                File.WriteAllBytes(schemaPath, SchemaJson(schemas));
                var hs = HashingStream.HashFile(schemaPath);
                payload.Add(("data/schema.json", hs.Sha256, hs.Sha512, hs.Length));
                payload.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));

                long octets = 0;
                foreach (var p in payload) octets += p.Length;
                info.PayloadOctets = octets;
                info.PayloadFiles = payload.Count;
                info.ExternalIdentifier = string.IsNullOrWhiteSpace(options.ExternalIdentifier) ? "urn:uuid:" + Guid.NewGuid().ToString("D") : options.ExternalIdentifier!;

                var utf8 = new UTF8Encoding(false);
                File.WriteAllText(Path.Combine(work, "bagit.txt"), "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", utf8);
                var m256 = new StringBuilder();
                var m512 = new StringBuilder();
                foreach (var p in payload)
                {
                    m256.Append(p.Sha256).Append("  ").Append(BagPaths.Encode(p.Path)).Append('\n');
                    m512.Append(p.Sha512).Append("  ").Append(BagPaths.Encode(p.Path)).Append('\n');
                }
                File.WriteAllText(Path.Combine(work, "manifest-sha256.txt"), m256.ToString(), utf8);
                File.WriteAllText(Path.Combine(work, "manifest-sha512.txt"), m512.ToString(), utf8);

                var bagInfo = new StringBuilder();
                AppendTag(bagInfo, "Source-Organization", string.IsNullOrWhiteSpace(options.SourceOrganization) ? "unspecified" : options.SourceOrganization!);
                AppendTag(bagInfo, "External-Identifier", info.ExternalIdentifier);
                AppendTag(bagInfo, "External-Description", string.IsNullOrWhiteSpace(options.Description) ? "CRM archive of " + provider.Connection.DisplayName : options.Description!);
                AppendTag(bagInfo, "Bagging-Date", DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                AppendTag(bagInfo, "Payload-Oxum", octets.ToString(CultureInfo.InvariantCulture) + "." + payload.Count.ToString(CultureInfo.InvariantCulture));
                AppendTag(bagInfo, "Bag-Size", HumanSize(octets));
                AppendTag(bagInfo, "Bag-Software-Agent", "CrmMigration " + ToolVersion);
                File.WriteAllText(Path.Combine(work, "bag-info.txt"), bagInfo.ToString(), utf8);

                File.WriteAllBytes(Path.Combine(work, "crm-manifest.json"), CrmManifestJson(provider.Connection, schemas, redacted, info, options));

                var tags = new StringBuilder();
                foreach (var tag in new[] { "bag-info.txt", "bagit.txt", "crm-manifest.json", "manifest-sha256.txt", "manifest-sha512.txt" })
                {
                    tags.Append(HashingStream.HashFile(Path.Combine(work, tag)).Sha512).Append("  ").Append(tag).Append('\n');
                }
                File.WriteAllText(Path.Combine(work, "tagmanifest-sha512.txt"), tags.ToString(), utf8);
                info.TagManifestSha512 = HashingStream.HashFile(Path.Combine(work, "tagmanifest-sha512.txt")).Sha512;

                Directory.Move(work, destination);
                if (options.Zip)
                {
                    string zip = destination + ".zip";
                    string zipTemp = zip + ".partial-" + Guid.NewGuid().ToString("N");
                    ZipFile.CreateFromDirectory(destination, zipTemp, CompressionLevel.Optimal, includeBaseDirectory: true);
                    File.Move(zipTemp, zip, overwrite: false);
                    info.ZipPath = zip;
                }
            }
            catch
            {
                try { if (Directory.Exists(work)) Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
            info.Elapsed = clock.Elapsed;
            return info;
        }

        /// <summary>The manifest's entity name for a raw table.</summary>
        public static string RawEntity(string table) => "table:" + table;

        /// <summary>The marker written in place of a credential column's value.</summary>
        public const string RedactedMarker = "[redacted]";

        /// <summary>Reads a table raw (every row), with credential columns replaced by <see cref="RedactedMarker"/>: what the archive holds and what Verify compares.</summary>
        public static IEnumerable<CrmRecord> ReadRaw(ICrmProvider provider, string table, IReadOnlyCollection<string>? redact, Action<CrmDataError> onError, CancellationToken ct)
        {
            int[]? slots = null;
            foreach (var record in provider.Read(table, new CrmReadOptions(), onError, ct))
            {
                if (redact is { Count: > 0 })
                {
                    if (slots is null)
                    {
                        var list = new List<int>();
                        foreach (var c in redact) { int i = record.Shape.IndexOf(c); if (i >= 0) list.Add(i); }
                        slots = list.ToArray();
                    }
                    foreach (int i in slots)
                    {
                        var v = record.GetValue(i);
                        if (v is not null) record.SetValue(i, v is string or byte[] ? RedactedMarker : null);
                    }
                }
                yield return record;
            }
        }

        private static long WriteEntity(IEnumerable<CrmRecord> records, string entity, CrmEntitySchema schema, string path, CrmArchiveEntity entry,
            List<(string, string, string, long)> payload, ArchiveOptions options)
        {
            HashingStream? hashing = null;
            var writeOptions = new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, Schema = schema };
            var hash = new ContentHash();
            long errors = 0;
            var outcomes = new List<CrmRecordOutcome>(1024);
            var batch = new List<CrmRecord>(1024);
            using (var writer = new CsvEntityWriter(path, entity, writeOptions, ',', s => hashing = new HashingStream(s)))
            {
                void Flush()
                {
                    outcomes.Clear();
                    writer.WriteBatch(batch, outcomes);
                    for (int i = 0; i < outcomes.Count; i++)
                    {
                        if (outcomes[i].Outcome != CrmOutcome.Inserted)
                        {
                            throw new CrmException(new CrmDataError("ArchiveRecordNotWritten", CrmErrorKind.WriteError,
                                $"A record of '{entity}' could not be written to the archive: {outcomes[i].Message}") { Entity = entity, Key = outcomes[i].Key });
                        }
                    }
                    batch.Clear();
                }
                foreach (var record in records)
                {
                    hash.Add(record);
                    batch.Add(record);
                    if (batch.Count == 1024)
                    {
                        Flush();
                        options.OnProgress?.Invoke(entity, hash.Count);
                    }
                }
                if (batch.Count > 0) Flush();
                writer.Complete();
            }
            var h = hashing ?? throw new InvalidOperationException("The CSV writer did not open its stream.");
            payload.Add((entry.File, h.Sha256, h.Sha512, h.Written));
            entry.Records = hash.Count;
            entry.ContentHash = hash.Value;
            return errors;
        }

        private static void AppendTag(StringBuilder sb, string name, string value)
        {
            // One line per tag: line breaks in a value are folded to spaces (RFC 8493 allows continuation lines; we avoid them).
            sb.Append(name).Append(": ").Append(value.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
        }

        internal static string HumanSize(long bytes)
        {
            string[] units = { "bytes", "KB", "MB", "GB", "TB" };
            double v = bytes;
            int u = 0;
            while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
            return u == 0 ? bytes.ToString(CultureInfo.InvariantCulture) + " bytes" : v.ToString("0.#", CultureInfo.InvariantCulture) + " " + units[u];
        }

        private static void WriteSchema(Utf8JsonWriter w, CrmEntitySchema schema)
        {
            w.WriteStartArray("fields");
            foreach (var f in schema.Fields)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("type", f.Type.ToString());
                if (f.SourceType is not null) w.WriteString("sourceType", f.SourceType);
                w.WriteBoolean("nullable", f.Nullable);
                w.WriteBoolean("isKey", f.IsKey);
                if (f.MaxLength is int ml) w.WriteNumber("maxLength", ml);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("key");
            foreach (var k in schema.Key) w.WriteStringValue(k);
            w.WriteEndArray();
            w.WriteStartArray("relations");
            foreach (var r in schema.Relations)
            {
                w.WriteStartObject();
                w.WriteStartArray("fields");
                foreach (var f in r.Fields) w.WriteStringValue(f);
                w.WriteEndArray();
                w.WriteString("referencedEntity", r.ReferencedEntity);
                w.WriteStartArray("referencedFields");
                foreach (var f in r.ReferencedFields) w.WriteStringValue(f);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }

        private static byte[] SchemaJson(List<(CrmEntitySchema Schema, CrmArchiveEntity Entry, long ReadErrors)> schemas)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteStartArray("entities");
                foreach (var (schema, entry, _) in schemas)
                {
                    w.WriteStartObject();
                    w.WriteString("entity", entry.Entity);
                    w.WriteString("file", entry.File);
                    WriteSchema(w, schema);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return ms.ToArray();
        }

        private static void BuildInventory(CrmArchiveInfo info, ArchiveOptions options, string ddlFile)
        {
            var archived = new Dictionary<string, CrmArchiveEntity>(StringComparer.Ordinal);
            foreach (var e in info.Entities)
            {
                if (e.Entity.StartsWith("table:", StringComparison.Ordinal)) archived[e.Entity.Substring(6)] = e;
                else if (options.EntitiesAreTables) archived[e.Entity] = e;
            }
            foreach (var o in options.Objects!)
            {
                ExcludeRule? rule = null;
                foreach (var r in options.Exclusions) if (r.Matches(o.Name)) { rule = r; break; }
                CrmInventoryItem item;
                if (o.Kind == "Table")
                {
                    if (archived.TryGetValue(o.Name, out var e))
                        item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Archived) { Records = e.Records, ContentHash = e.ContentHash, Detail = e.File };
                    else if (rule is not null) item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Excluded) { Detail = rule.Describe() };
                    else item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Missing) { Detail = "its rows are not in the archive" };
                }
                else if (rule is not null) item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Excluded) { Detail = rule.Describe() };
                else if (o.Ddl is not null || options.Engine is null) item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Archived) { Detail = "definition in " + ddlFile };
                else item = new CrmInventoryItem(o.Kind, o.Name, CrmInventoryStatus.Missing) { Detail = "definition not readable: " + (o.Error ?? "unknown") };
                info.Inventory.Add(item);
            }
        }

        /// <summary>Copies the application's uploaded files into data/attachments/, hashing each as it is written. Symbolic links are not followed.</summary>
        private static long CopyAttachments(string root, string data, List<(string Path, string Sha256, string Sha512, long Length)> payload, CrmArchiveInfo info, CancellationToken ct)
        {
            string full = Path.GetFullPath(root);
            if (!Directory.Exists(full)) throw new CrmException("AttachmentPathNotFound", CrmErrorKind.NotFound, $"The attachment folder '{full}' does not exist.");
            long n = 0;
            var pending = new Stack<string>();
            pending.Push(full);
            var files = new List<string>();
            while (pending.Count > 0)
            {
                string dir = pending.Pop();
                foreach (var d in Directory.EnumerateDirectories(dir))
                {
                    if (new DirectoryInfo(d).LinkTarget is not null) { info.Inventory.Add(new CrmInventoryItem("Attachment", Path.GetRelativePath(full, d), CrmInventoryStatus.Missing) { Detail = "a symbolic link: not followed" }); continue; }
                    pending.Push(d);
                }
                foreach (var f in Directory.EnumerateFiles(dir))
                {
                    if (new FileInfo(f).LinkTarget is not null) { info.Inventory.Add(new CrmInventoryItem("Attachment", Path.GetRelativePath(full, f), CrmInventoryStatus.Missing) { Detail = "a symbolic link: not followed" }); continue; }
                    files.Add(f);
                }
            }
            files.Sort(StringComparer.Ordinal);
            foreach (var f in files)
            {
                ct.ThrowIfCancellationRequested();
                string rel = Path.GetRelativePath(full, f).Replace(Path.DirectorySeparatorChar, '/');
                string target = Path.Combine(data, "attachments", rel.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                HashingStream? hs = null;
                using (var input = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                using (var output = new HashingStream(new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), s => hs = s))
                {
                    input.CopyTo(output);
                }
                payload.Add(("data/attachments/" + rel, hs!.Sha256, hs.Sha512, hs.Written));
                n++;
            }
            return n;
        }

        private static byte[] CrmManifestJson(CrmConnection source, List<(CrmEntitySchema Schema, CrmArchiveEntity Entry, long ReadErrors)> schemas,
            Dictionary<string, IReadOnlyCollection<string>> redacted, CrmArchiveInfo info, ArchiveOptions options)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("format", Format);
                w.WriteString("contentHashAlgorithm", ContentHashAlgorithm);
                w.WriteString("createdUtc", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteString("tool", "CrmMigration");
                w.WriteString("toolVersion", ToolVersion);
                w.WriteString("operator", Environment.UserName);
                w.WriteString("host", Environment.MachineName);
                w.WriteStartObject("source");
                w.WriteString("provider", source.Provider.ToString());
                w.WriteString("system", source.DisplayName); // DisplayName never carries the credential
                w.WriteEndObject();
                w.WriteStartArray("entities");
                foreach (var (schema, entry, errors) in schemas)
                {
                    w.WriteStartObject();
                    w.WriteString("entity", entry.Entity);
                    w.WriteString("file", entry.File);
                    w.WriteNumber("records", entry.Records);
                    w.WriteString("contentHash", entry.ContentHash);
                    w.WriteNumber("readErrors", errors);
                    if (entry.Entity.StartsWith("table:", StringComparison.Ordinal))
                    {
                        w.WriteString("kind", "table");
                        w.WriteString("table", entry.Entity.Substring(6));
                    }
                    if (redacted.TryGetValue(entry.Entity, out var cols))
                    {
                        w.WriteStartArray("redacted");
                        foreach (var c in cols) w.WriteStringValue(c);
                        w.WriteEndArray();
                    }
                    WriteSchema(w, schema);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (info.Inventory.Count > 0)
                {
                    w.WriteStartArray("inventory");
                    foreach (var i in info.Inventory)
                    {
                        w.WriteStartObject();
                        w.WriteString("kind", i.Kind);
                        w.WriteString("name", i.Name);
                        w.WriteString("status", i.Status.ToString());
                        if (i.Records is long r) w.WriteNumber("records", r);
                        if (i.ContentHash is not null) w.WriteString("contentHash", i.ContentHash);
                        w.WriteString("detail", i.Detail);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                if (options.Exclusions.Count > 0)
                {
                    w.WriteStartArray("exclusions");
                    foreach (var x in options.Exclusions)
                    {
                        w.WriteStartObject();
                        w.WriteString("pattern", x.Pattern);
                        w.WriteString("reason", x.Reason);
                        w.WriteString("operator", x.Operator);
                        w.WriteString("recordedUtc", x.RecordedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                if (options.AttachmentPath is not null)
                {
                    w.WriteStartObject("attachments");
                    w.WriteString("folder", "data/attachments/");
                    w.WriteNumber("files", info.AttachmentFiles);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            return ms.ToArray();
        }
    }
}
