using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Providers.Sqlite;

namespace CrmMigration.Engine.Archive
{
    /// <summary>What an archive check found.</summary>
    public sealed class ArchiveVerification
    {
        public List<CrmArchiveCheck> Checks { get; } = new();
        /// <summary>No check failed.</summary>
        public bool Valid { get { foreach (var c in Checks) if (c.Status == CrmArchiveCheckStatus.Fail) return false; return Checks.Count > 0; } }
        /// <summary>SHA-512 of tagmanifest-sha512.txt, when there is one.</summary>
        public string? TagManifestSha512 { get; set; }
        /// <summary>Per entity: (records, content hash) from crm-manifest.json.</summary>
        public Dictionary<string, (long Records, string Hash)> Manifest { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Checks a bag folder or .zip: RFC 8493 completeness and validity, lint warnings, and (when the bag
    /// has crm-manifest.json) record counts and content hashes, optionally after a restore into scratch SQLite.
    /// Manifest paths and zip entries that would leave the bag are refused before anything is opened.
    /// </summary>
    public static class ArchiveValidator
    {
        private static readonly Regex VersionLine = new(@"^BagIt-Version: ([0-9]+)\.([0-9]+)$", RegexOptions.CultureInvariant);
        private static readonly Regex EncodingLine = new(@"^Tag-File-Character-Encoding: (\S+)$", RegexOptions.CultureInvariant);
        private static readonly Regex ManifestName = new(@"^(tag)?manifest-([a-z0-9]+)\.txt$", RegexOptions.CultureInvariant);

        public static ArchiveVerification Verify(string path, bool restore, CancellationToken cancellationToken)
        {
            string full = Path.GetFullPath(path);
            var result = new ArchiveVerification();
            if (File.Exists(full) && full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                string temp = Path.Combine(Path.GetTempPath(), "crm-bag-" + Guid.NewGuid().ToString("N"));
                try
                {
                    string? root = ExtractZip(full, temp, result);
                    if (root is not null) VerifyFolder(root, restore, result, cancellationToken);
                }
                finally
                {
                    try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
            else if (Directory.Exists(full))
            {
                VerifyFolder(full, restore, result, cancellationToken);
            }
            else
            {
                throw new CrmException("ArchiveNotFound", CrmErrorKind.NotFound, $"'{full}' is neither a bag folder nor a .zip file.");
            }
            foreach (var c in result.Checks) c.Archive = full;
            return result;
        }

        private static void Add(ArchiveVerification r, string check, string subject, CrmArchiveCheckStatus status, string details) => r.Checks.Add(new CrmArchiveCheck(check, subject, status, details));

        /// <summary>Checks every entry name first; extracts only when all stay inside. Returns the bag folder.</summary>
        private static string? ExtractZip(string zip, string temp, ArchiveVerification r)
        {
            using var archive = ZipFile.OpenRead(zip);
            bool bad = false;
            foreach (var e in archive.Entries)
            {
                string? why = BagPaths.EscapeReason(e.FullName);
                if (why is not null)
                {
                    Add(r, "ZipEntryPath", e.FullName, CrmArchiveCheckStatus.Fail, $"Refused: the zip entry '{e.FullName}' would be written outside the bag because {why}. Nothing was extracted.");
                    bad = true;
                }
            }
            if (bad) return null;
            Add(r, "ZipEntryPath", Path.GetFileName(zip), CrmArchiveCheckStatus.Pass, $"All {archive.Entries.Count} entries stay inside the bag.");
            string prefix = "";
            bool rootBag = false;
            var firstSegments = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in archive.Entries)
            {
                if (e.FullName == "bagit.txt") rootBag = true;
                int slash = e.FullName.IndexOf('/');
                firstSegments.Add(slash < 0 ? e.FullName : e.FullName.Substring(0, slash));
            }
            if (!rootBag && firstSegments.Count == 1)
            {
                foreach (var s in firstSegments) prefix = s + "/";
            }
            Directory.CreateDirectory(temp);
            foreach (var e in archive.Entries)
            {
                if (!e.FullName.StartsWith(prefix, StringComparison.Ordinal)) continue;
                string rel = e.FullName.Substring(prefix.Length);
                if (rel.Length == 0) continue;
                string target = Path.GetFullPath(Path.Combine(temp, rel));
                if (!target.StartsWith(temp + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue; // belt and braces
                if (rel.EndsWith('/')) { Directory.CreateDirectory(target); continue; }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                e.ExtractToFile(target, overwrite: false);
            }
            return temp;
        }

        private static void VerifyFolder(string bag, bool restore, ArchiveVerification r, CancellationToken ct)
        {
            CheckDeclaration(bag, r);
            var files = ListFiles(bag);
            var payloadFiles = new List<string>();
            var tagFiles = new List<string>();
            foreach (var f in files)
            {
                if (f.StartsWith("data/", StringComparison.Ordinal)) payloadFiles.Add(f);
                else tagFiles.Add(f);
            }
            var payloadManifests = new List<(string File, string Algorithm)>();
            var tagManifests = new List<(string File, string Algorithm)>();
            foreach (var f in tagFiles)
            {
                var m = ManifestName.Match(f);
                if (!m.Success) continue;
                (m.Groups[1].Success ? tagManifests : payloadManifests).Add((f, m.Groups[2].Value));
            }
            if (payloadManifests.Count == 0)
            {
                Add(r, "PayloadManifest", "manifest-*.txt", CrmArchiveCheckStatus.Fail, "The bag has no payload manifest (RFC 8493 §2.1.3 requires at least one).");
            }
            bool strong = false;
            foreach (var (file, algorithm) in payloadManifests)
            {
                ct.ThrowIfCancellationRequested();
                var listed = CheckManifest(bag, file, algorithm, payload: true, r);
                if (listed is null) continue;
                if (algorithm is "sha256" or "sha512" or "sha384" or "sha224") strong = true;
                foreach (var p in payloadFiles)
                {
                    if (!listed.Contains(p)) Add(r, "PayloadListed", p, CrmArchiveCheckStatus.Fail, $"The payload file '{p}' is not listed in {file} (every payload file must be in every payload manifest).");
                }
            }
            if (payloadManifests.Count > 0 && !strong)
            {
                Add(r, "ManifestAlgorithm", "manifest-*.txt", CrmArchiveCheckStatus.Warning, "Only MD5 or SHA-1 manifests: both are broken for collision resistance; add manifest-sha256.txt or manifest-sha512.txt.");
            }
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (file, algorithm) in tagManifests)
            {
                var listed = CheckManifest(bag, file, algorithm, payload: false, r);
                if (listed is not null) covered.UnionWith(listed);
            }
            if (tagManifests.Count == 0)
            {
                Add(r, "TagManifest", "tagmanifest-*.txt", CrmArchiveCheckStatus.Warning, "The bag has no tag manifest: bagit.txt, bag-info.txt and the manifests are not themselves protected by a checksum.");
            }
            else
            {
                foreach (var t in tagFiles)
                {
                    if (ManifestName.Match(t) is { Success: true } mm && mm.Groups[1].Success) continue;
                    if (covered.Contains(t)) continue;
                    bool critical = t == "crm-manifest.json";
                    Add(r, "TagFileCovered", t, critical ? CrmArchiveCheckStatus.Fail : CrmArchiveCheckStatus.Warning,
                        $"The tag file '{t}' is not listed in any tag manifest" + (critical ? "; the CRM counts and hashes in it are unprotected." : "."));
                }
            }
            string tm512 = Path.Combine(bag, "tagmanifest-sha512.txt");
            if (File.Exists(tm512)) r.TagManifestSha512 = HashFile(tm512, "sha512");
            CheckOxum(bag, payloadFiles, r);
            foreach (var p in payloadFiles)
            {
                if (!BagPaths.IsSafeRelativePath(p)) Add(r, "FileName", p, CrmArchiveCheckStatus.Warning, $"'{p}' uses characters outside A-Z a-z 0-9 . _ - (or starts with a dot); some file systems and tools will mangle it.");
            }
            if (files.Contains("fetch.txt")) Add(r, "FetchFile", "fetch.txt", CrmArchiveCheckStatus.Warning, "fetch.txt is present: files it lists are not fetched by Test-CrmArchive; they must already be in the bag.");
            CheckCrm(bag, restore, r, ct);
        }

        private static void CheckDeclaration(string bag, ArchiveVerification r)
        {
            string path = Path.Combine(bag, "bagit.txt");
            if (!File.Exists(path))
            {
                Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Fail, "bagit.txt is missing: this is not a bag.");
                return;
            }
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Fail, "bagit.txt starts with a byte-order mark; RFC 8493 §2.1.1 forbids it.");
                return;
            }
            string text;
            try { text = new UTF8Encoding(false, true).GetString(bytes); }
            catch (DecoderFallbackException) { Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Fail, "bagit.txt is not valid UTF-8."); return; }
            var lines = SplitLines(text);
            if (lines.Count != 2 || !VersionLine.IsMatch(lines[0]) || !EncodingLine.IsMatch(lines[1]))
            {
                Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Fail,
                    "bagit.txt must be exactly two lines, 'BagIt-Version: M.N' and 'Tag-File-Character-Encoding: ENCODING'; found " + lines.Count.ToString(CultureInfo.InvariantCulture) + " line(s).");
                return;
            }
            string enc = EncodingLine.Match(lines[1]).Groups[1].Value;
            if (!string.Equals(enc, "UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Warning, $"Tag files are declared as {enc}; only UTF-8 tag files are read correctly.");
                return;
            }
            Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Pass, lines[0] + "; " + lines[1]);
        }

        private static List<string> SplitLines(string text)
        {
            var lines = new List<string>(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n'));
            if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return lines;
        }

        /// <summary>Checks a manifest's entries; returns the paths it lists, or null when it cannot be read.</summary>
        private static HashSet<string>? CheckManifest(string bag, string file, string algorithm, bool payload, ArchiveVerification r)
        {
            if (!IsKnown(algorithm))
            {
                Add(r, "ManifestAlgorithm", file, CrmArchiveCheckStatus.Warning, $"The algorithm '{algorithm}' is not known to this tool; {file} was not checked.");
                return null;
            }
            var listed = new HashSet<string>(StringComparer.Ordinal);
            int entries = 0, bad = 0;
            foreach (var line in SplitLines(File.ReadAllText(Path.Combine(bag, file), Encoding.UTF8)))
            {
                if (line.Trim().Length == 0) continue;
                int sp = line.IndexOfAny(new[] { ' ', '\t' });
                if (sp <= 0)
                {
                    Add(r, "ManifestLine", file, CrmArchiveCheckStatus.Fail, $"The line '{line}' is not '<checksum> <path>'.");
                    bad++;
                    continue;
                }
                string expected = line.Substring(0, sp).ToLowerInvariant();
                string rel = BagPaths.Decode(line.Substring(sp).TrimStart(' ', '\t'));
                entries++;
                string? why = BagPaths.EscapeReason(rel);
                if (why is not null)
                {
                    Add(r, "ManifestPathEscapes", file, CrmArchiveCheckStatus.Fail, $"Refused: the manifest path '{rel}' would leave the bag because {why}. The file it names was not opened.");
                    bad++;
                    continue;
                }
                if (payload && !rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{file} lists '{rel}', which is not under data/.");
                    bad++;
                    continue;
                }
                if (!payload && rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{file} lists the payload file '{rel}'; tag manifests list tag files only.");
                    bad++;
                    continue;
                }
                listed.Add(rel);
                string full = Path.Combine(bag, rel.Replace('/', Path.DirectorySeparatorChar));
                if (!File.Exists(full))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{file} lists '{rel}' but the file is missing.");
                    bad++;
                    continue;
                }
                string actual = HashFile(full, algorithm);
                if (!string.Equals(actual, expected, StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{algorithm} of '{rel}' is {actual}; {file} says {expected}. The file was changed or damaged.");
                    bad++;
                }
            }
            if (bad == 0) Add(r, payload ? "PayloadManifest" : "TagManifest", file, CrmArchiveCheckStatus.Pass, $"{entries} entries, every file present and its {algorithm} matches.");
            return listed;
        }

        private static void CheckOxum(string bag, List<string> payloadFiles, ArchiveVerification r)
        {
            string info = Path.Combine(bag, "bag-info.txt");
            string? oxum = null;
            if (File.Exists(info))
            {
                foreach (var line in SplitLines(File.ReadAllText(info, Encoding.UTF8)))
                {
                    if (line.StartsWith("Payload-Oxum:", StringComparison.OrdinalIgnoreCase)) oxum = line.Substring("Payload-Oxum:".Length).Trim();
                }
            }
            if (oxum is null)
            {
                Add(r, "PayloadOxum", "bag-info.txt", CrmArchiveCheckStatus.Warning, "No Payload-Oxum in bag-info.txt: a quick size-and-count check is not possible.");
                return;
            }
            long octets = 0;
            foreach (var p in payloadFiles) octets += new FileInfo(Path.Combine(bag, p)).Length;
            string actual = octets.ToString(CultureInfo.InvariantCulture) + "." + payloadFiles.Count.ToString(CultureInfo.InvariantCulture);
            Add(r, "PayloadOxum", "bag-info.txt", actual == oxum ? CrmArchiveCheckStatus.Pass : CrmArchiveCheckStatus.Fail,
                actual == oxum ? $"Payload-Oxum {oxum} matches." : $"Payload-Oxum says {oxum}; the payload is {actual} (octets.files).");
        }

        private static void CheckCrm(string bag, bool restore, ArchiveVerification r, CancellationToken ct)
        {
            string path = Path.Combine(bag, "crm-manifest.json");
            if (!File.Exists(path))
            {
                Add(r, "CrmManifest", "crm-manifest.json", CrmArchiveCheckStatus.NotApplicable, "No crm-manifest.json: a bag from another tool. Record counts and content hashes are not checked; the BagIt checks above still apply.");
                if (restore) Add(r, "Restore", "crm-manifest.json", CrmArchiveCheckStatus.NotApplicable, "No crm-manifest.json: nothing to restore and compare against.");
                return;
            }
            var entities = new List<(string Entity, string File, long Records, string Hash)>();
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                foreach (var e in doc.RootElement.GetProperty("entities").EnumerateArray())
                {
                    entities.Add((e.GetProperty("entity").GetString()!, e.GetProperty("file").GetString()!, e.GetProperty("records").GetInt64(), e.GetProperty("contentHash").GetString()!));
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                Add(r, "CrmManifest", "crm-manifest.json", CrmArchiveCheckStatus.Fail, "crm-manifest.json cannot be read: " + ex.Message);
                return;
            }
            Add(r, "CrmManifest", "crm-manifest.json", CrmArchiveCheckStatus.Pass, $"{entities.Count} entities listed.");
            var readable = new List<(string Entity, string Csv, string Stem, long Records, string Hash)>();
            foreach (var (entity, file, records, hash) in entities)
            {
                ct.ThrowIfCancellationRequested();
                r.Manifest[entity] = (records, hash);
                string? why = BagPaths.EscapeReason(file);
                if (why is not null || !file.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "RecordCount", entity, CrmArchiveCheckStatus.Fail, $"Refused: crm-manifest.json names the file '{file}', which is not inside data/ ({why ?? "outside the payload"}).");
                    continue;
                }
                string csv = Path.Combine(bag, file.Replace('/', Path.DirectorySeparatorChar));
                if (!File.Exists(csv))
                {
                    Add(r, "RecordCount", entity, CrmArchiveCheckStatus.Fail, $"The file '{file}' of entity '{entity}' is missing.");
                    continue;
                }
                var (count, actualHash, errors) = HashEntity(new CsvProvider(new CrmConnection(CrmProviderKind.Csv, csv)), Path.GetFileNameWithoutExtension(csv), ct);
                CompareCounts(r, "RecordCount", "ContentHash", entity, records, hash, count, actualHash, errors, "the archive's CSV");
                readable.Add((entity, csv, Path.GetFileNameWithoutExtension(csv), records, hash));
            }
            if (restore) Restore(readable, r, ct);
        }

        internal static void CompareCounts(ArchiveVerification r, string countCheck, string hashCheck, string entity, long records, string hash, long count, string actualHash, long errors, string where)
        {
            Add(r, countCheck, entity, count == records && errors == 0 ? CrmArchiveCheckStatus.Pass : CrmArchiveCheckStatus.Fail,
                count == records && errors == 0 ? $"{count} records in {where}, as the manifest says."
                    : $"The manifest says {records} records; {where} has {count}" + (errors > 0 ? $" and {errors} unreadable row(s)." : "."));
            Add(r, hashCheck, entity, actualHash == hash ? CrmArchiveCheckStatus.Pass : CrmArchiveCheckStatus.Fail,
                actualHash == hash ? $"Content hash {hash} recomputed from {where}." : $"The manifest's content hash is {hash}; {where} gives {actualHash}. Records were changed, added or removed.");
        }

        private static void Restore(List<(string Entity, string Csv, string Stem, long Records, string Hash)> entities, ArchiveVerification r, CancellationToken ct)
        {
            string db = Path.Combine(Path.GetTempPath(), "crm-restore-" + Guid.NewGuid().ToString("N") + ".db");
            try
            {
                using (var target = new SqliteProvider(new CrmConnection(CrmProviderKind.Sqlite, db)))
                {
                    foreach (var (entity, csv, stem, _, _) in entities)
                    {
                        var source = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, csv));
                        var schema = source.DescribeEntity(stem, includeRowCount: false)!;
                        using var writer = target.OpenWriter(stem, new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, Schema = schema });
                        var batch = new List<CrmRecord>(2000);
                        var outcomes = new List<CrmRecordOutcome>(2000);
                        long rejected = 0;
                        foreach (var rec in source.Read(stem, new CrmReadOptions(), _ => { }, ct))
                        {
                            batch.Add(rec);
                            if (batch.Count == 2000) { writer.WriteBatch(batch, outcomes); batch.Clear(); }
                        }
                        if (batch.Count > 0) writer.WriteBatch(batch, outcomes);
                        writer.Complete();
                        foreach (var o in outcomes) if (o.Outcome == CrmOutcome.Rejected) rejected++;
                        if (rejected > 0) Add(r, "RestoreLoad", entity, CrmArchiveCheckStatus.Fail, $"{rejected} record(s) were rejected when loading into the scratch database (first: {FirstReason(outcomes)}).");
                    }
                }
                using (var restored = new SqliteProvider(new CrmConnection(CrmProviderKind.Sqlite, db)))
                {
                    foreach (var (entity, _, stem, records, hash) in entities)
                    {
                        // A writer creates its table with the first batch, so an entity with no records has no restored table: it restored as empty.
                        bool missing = restored.DescribeEntity(stem, includeRowCount: false) is null;
                        var (count, actual, errors) = missing ? (0L, new ContentHash().Value, 0L) : HashEntity(restored, stem, ct);
                        CompareCounts(r, "RestoreCount", "RestoreContentHash", entity, records, hash, count, actual, errors, missing ? "the restore (no rows, so no table was created)" : "the restored SQLite table");
                    }
                }
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var f in new[] { db, db + "-wal", db + "-shm", db + "-journal" })
                {
                    try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }

        private static string FirstReason(List<CrmRecordOutcome> outcomes)
        {
            foreach (var o in outcomes) if (o.Outcome == CrmOutcome.Rejected) return o.ReasonCode + ": " + o.Message;
            return "";
        }

        /// <summary>Counts and hashes an entity of any provider.</summary>
        public static (long Count, string Hash, long Errors) HashEntity(ICrmProvider provider, string entity, CancellationToken ct)
        {
            var hash = new ContentHash();
            long errors = 0;
            foreach (var rec in provider.Read(entity, new CrmReadOptions(), e => { if (e.Severity == CrmErrorSeverity.Error) errors++; }, ct)) hash.Add(rec);
            return (hash.Count, hash.Value, errors);
        }

        private static HashSet<string> ListFiles(string bag)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in Directory.EnumerateFiles(bag, "*", SearchOption.AllDirectories))
            {
                set.Add(Path.GetRelativePath(bag, f).Replace(Path.DirectorySeparatorChar, '/'));
            }
            return set;
        }

        private static bool IsKnown(string algorithm) => algorithm is "md5" or "sha1" or "sha256" or "sha384" or "sha512";

        /// <summary>Hashes a file with a BagIt algorithm name; lowercase hex.</summary>
        public static string HashFile(string path, string algorithm)
        {
            var name = algorithm switch
            {
                "md5" => HashAlgorithmName.MD5,
                "sha1" => HashAlgorithmName.SHA1,
                "sha256" => HashAlgorithmName.SHA256,
                "sha384" => HashAlgorithmName.SHA384,
                _ => HashAlgorithmName.SHA512,
            };
            using var h = IncrementalHash.CreateHash(name);
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = f.Read(buffer, 0, buffer.Length)) > 0) h.AppendData(buffer, 0, n);
            return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
        }
    }
}
