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

    /// <summary>Bounds on extracting a .zip before it is checked (a small zip can hold terabytes of zeros).</summary>
    public sealed class ZipLimits
    {
        /// <summary>Most bytes all entries may expand to (default 16 GiB).</summary>
        public long MaxExtractedBytes { get; set; } = 16L << 30;
        /// <summary>Largest ratio of an entry's expanded size to its compressed size, and of the whole zip (default 200).</summary>
        public double MaxCompressionRatio { get; set; } = 200;
        /// <summary>Most entries (default 100,000).</summary>
        public int MaxEntryCount { get; set; } = 100_000;
    }

    /// <summary>
    /// Checks a bag folder or .zip: RFC 8493 completeness and validity, lint warnings, and (when the bag
    /// has crm-manifest.json) record counts and content hashes, optionally after a restore into scratch SQLite.
    /// Nothing is read through a symbolic link: the bag is walked first, links (and devices, pipes, sockets)
    /// anywhere in it are refused, and every file read afterwards is one the walk found regular. Paths in
    /// manifests and fetch.txt are resolved without touching the disk and refused when they leave the bag.
    /// A .zip is checked entry by entry (names, links, duplicates, counts, sizes and ratios) and only then
    /// extracted, with the bytes counted as they come, into a private temporary folder. Anything wrong with
    /// the bag is a Fail check, never an exception.
    /// </summary>
    public static class ArchiveValidator
    {
        private static readonly Regex VersionLine = new(@"^BagIt-Version: ([0-9]+)\.([0-9]+)$", RegexOptions.CultureInvariant);
        private static readonly Regex EncodingLine = new(@"^Tag-File-Character-Encoding: (\S+)$", RegexOptions.CultureInvariant);
        private static readonly Regex ManifestName = new(@"^(tag)?manifest-([a-z0-9]+)\.txt$", RegexOptions.CultureInvariant);

        public static ArchiveVerification Verify(string path, bool restore, CancellationToken cancellationToken) => Verify(path, restore, null, cancellationToken);

        public static ArchiveVerification Verify(string path, bool restore, ZipLimits? limits, CancellationToken cancellationToken)
        {
            string full = Path.GetFullPath(path);
            var result = new ArchiveVerification();
            bool isZip = File.Exists(full) && full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
            if (!isZip && !Directory.Exists(full))
            {
                throw new CrmException("ArchiveNotFound", CrmErrorKind.NotFound, $"'{full}' is neither a bag folder nor a .zip file.");
            }
            try
            {
                if (isZip)
                {
                    string temp = PrivateFolder();
                    try
                    {
                        string? root = ExtractZip(full, temp, limits ?? new ZipLimits(), result, cancellationToken);
                        if (root is not null) VerifyFolder(root, restore, result, cancellationToken);
                    }
                    finally
                    {
                        try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    }
                }
                else
                {
                    VerifyFolder(full, restore, result, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // Whatever the bag holds, the answer is a failed check, never an exception (a gate in a script must get $false).
                Add(result, "ArchiveReadable", Path.GetFileName(full), CrmArchiveCheckStatus.Fail, $"The archive could not be read to the end ({ex.GetType().Name}): {ex.Message}");
            }
            foreach (var c in result.Checks) c.Archive = full;
            return result;
        }

        /// <summary>A new folder under the temporary folder that only this user can enter.</summary>
        private static string PrivateFolder()
        {
            string temp = Path.Combine(Path.GetTempPath(), "crm-bag-" + Guid.NewGuid().ToString("N"));
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(temp);
            else Directory.CreateDirectory(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return temp;
        }

        private static void Add(ArchiveVerification r, string check, string subject, CrmArchiveCheckStatus status, string details) => r.Checks.Add(new CrmArchiveCheck(check, subject, status, details));

        /// <summary>Checks every entry first (name, link, duplicate, limits); extracts only when all pass, counting bytes as they come. Returns the bag folder.</summary>
        private static string? ExtractZip(string zip, string temp, ZipLimits limits, ArchiveVerification r, CancellationToken ct)
        {
            ZipArchive archive;
            try { archive = ZipFile.OpenRead(zip); }
            catch (InvalidDataException ex)
            {
                Add(r, "ZipReadable", Path.GetFileName(zip), CrmArchiveCheckStatus.Fail, "The file is not a readable zip: " + ex.Message);
                return null;
            }
            using (archive)
            {
                bool bad = false;
                var names = new HashSet<string>(StringComparer.Ordinal);
                var folders = new HashSet<string>(StringComparer.Ordinal);
                long declared = 0, compressed = 0;
                foreach (var e in archive.Entries)
                {
                    string? why = BagPaths.EscapeReason(e.FullName);
                    if (why is not null)
                    {
                        Add(r, "ZipEntryPath", e.FullName, CrmArchiveCheckStatus.Fail, $"Refused: the zip entry '{e.FullName}' would be written outside the bag because {why}. Nothing was extracted.");
                        bad = true;
                        continue;
                    }
                    int type = (e.ExternalAttributes >> 16) & 0xF000;
                    if (type == 0xA000)
                    {
                        Add(r, "SymbolicLink", e.FullName, CrmArchiveCheckStatus.Fail, $"Refused: the zip entry '{e.FullName}' is a symbolic link. Nothing was extracted.");
                        bad = true;
                        continue;
                    }
                    if (type != 0 && type != 0x8000 && type != 0x4000)
                    {
                        Add(r, "SpecialFile", e.FullName, CrmArchiveCheckStatus.Fail, $"Refused: the zip entry '{e.FullName}' is neither a file nor a folder (mode {type:X4}). Nothing was extracted.");
                        bad = true;
                        continue;
                    }
                    string name = e.FullName.TrimEnd('/');
                    if (!names.Add(name))
                    {
                        Add(r, "ZipEntryDuplicate", e.FullName, CrmArchiveCheckStatus.Fail, $"The zip holds '{e.FullName}' more than once: which copy is the archive is undecidable. Nothing was extracted.");
                        bad = true;
                    }
                    for (int slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1)) folders.Add(name.Substring(0, slash));
                    declared += e.Length;
                    compressed += e.CompressedLength;
                    if (e.Length > 0 && e.Length > limits.MaxCompressionRatio * Math.Max(1, e.CompressedLength))
                    {
                        Add(r, "ZipLimits", e.FullName, CrmArchiveCheckStatus.Fail,
                            $"Refused: '{e.FullName}' expands {e.CompressedLength.ToString(CultureInfo.InvariantCulture)} bytes to {e.Length.ToString(CultureInfo.InvariantCulture)} (ratio above {limits.MaxCompressionRatio.ToString(CultureInfo.InvariantCulture)}, -MaxCompressionRatio). Nothing was extracted.");
                        bad = true;
                    }
                }
                foreach (var e in archive.Entries)
                {
                    if (!e.FullName.EndsWith('/') && folders.Contains(e.FullName))
                    {
                        Add(r, "ZipEntryDuplicate", e.FullName, CrmArchiveCheckStatus.Fail, $"The zip holds '{e.FullName}' both as a file and as a folder. Nothing was extracted.");
                        bad = true;
                    }
                }
                if (archive.Entries.Count > limits.MaxEntryCount)
                {
                    Add(r, "ZipLimits", Path.GetFileName(zip), CrmArchiveCheckStatus.Fail, $"Refused: the zip holds {archive.Entries.Count.ToString(CultureInfo.InvariantCulture)} entries, more than {limits.MaxEntryCount.ToString(CultureInfo.InvariantCulture)} (-MaxEntryCount). Nothing was extracted.");
                    bad = true;
                }
                if (declared > limits.MaxExtractedBytes)
                {
                    Add(r, "ZipLimits", Path.GetFileName(zip), CrmArchiveCheckStatus.Fail, $"Refused: the zip expands to {declared.ToString(CultureInfo.InvariantCulture)} bytes, more than {limits.MaxExtractedBytes.ToString(CultureInfo.InvariantCulture)} (-MaxExtractedSize). Nothing was extracted.");
                    bad = true;
                }
                else if (declared > 0 && declared > limits.MaxCompressionRatio * Math.Max(1, compressed))
                {
                    Add(r, "ZipLimits", Path.GetFileName(zip), CrmArchiveCheckStatus.Fail, $"Refused: the zip expands {compressed.ToString(CultureInfo.InvariantCulture)} bytes to {declared.ToString(CultureInfo.InvariantCulture)} (ratio above {limits.MaxCompressionRatio.ToString(CultureInfo.InvariantCulture)}, -MaxCompressionRatio). Nothing was extracted.");
                    bad = true;
                }
                if (bad) return null;
                Add(r, "ZipEntryPath", Path.GetFileName(zip), CrmArchiveCheckStatus.Pass, $"All {archive.Entries.Count} entries stay inside the bag; none is a link or a duplicate; {declared.ToString(CultureInfo.InvariantCulture)} bytes to extract.");
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
                    foreach (var seg in firstSegments) prefix = seg + "/";
                }
                long written = 0;
                var buffer = new byte[1 << 16];
                foreach (var e in archive.Entries)
                {
                    ct.ThrowIfCancellationRequested();
                    if (!e.FullName.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    string rel = e.FullName.Substring(prefix.Length);
                    if (rel.Length == 0) continue;
                    string target = Path.GetFullPath(Path.Combine(temp, rel));
                    if (!target.StartsWith(temp + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue; // belt and braces
                    if (rel.EndsWith('/')) { Directory.CreateDirectory(target); continue; }
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    // Sizes in the zip's directory can lie: count what actually comes out.
                    using var input = e.Open();
                    using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                    long entryBytes = 0;
                    int n;
                    while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        entryBytes += n;
                        written += n;
                        if (entryBytes > e.Length || written > limits.MaxExtractedBytes)
                        {
                            Add(r, "ZipLimits", e.FullName, CrmArchiveCheckStatus.Fail,
                                $"Refused: '{e.FullName}' expands beyond the {e.Length.ToString(CultureInfo.InvariantCulture)} bytes the zip declares for it (or past -MaxExtractedSize). Extraction stopped.");
                            return null;
                        }
                        output.Write(buffer, 0, n);
                    }
                }
                return temp;
            }
        }

        /// <summary>What a walk of the bag found: regular files (relative, '/'-separated), and what was refused.</summary>
        private sealed class BagFiles
        {
            public readonly HashSet<string> Regular = new(StringComparer.Ordinal);
            public readonly HashSet<string> Refused = new(StringComparer.Ordinal);
        }

        /// <summary>
        /// Walks the bag without following links: a symbolic link (to a file or a folder) or a device, pipe or
        /// socket anywhere in it is a Fail and is never opened; a linked folder is not entered.
        /// </summary>
        private static BagFiles Walk(string bag, ArchiveVerification r, CancellationToken ct)
        {
            var found = new BagFiles();
            var pending = new Stack<DirectoryInfo>();
            pending.Push(new DirectoryInfo(bag));
            while (pending.Count > 0)
            {
                ct.ThrowIfCancellationRequested();
                var dir = pending.Pop();
                foreach (var entry in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, IgnoreInaccessible = false }))
                {
                    string rel = Path.GetRelativePath(bag, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                    if (entry.LinkTarget is not null || (entry.Attributes & FileAttributes.ReparsePoint) != 0)
                    {
                        found.Refused.Add(rel);
                        Add(r, "SymbolicLink", rel, CrmArchiveCheckStatus.Fail, $"Refused: '{rel}' is a symbolic link (to '{entry.LinkTarget}'); a bag must hold its files, and nothing is read through a link.");
                        continue;
                    }
                    if (entry is DirectoryInfo sub) { pending.Push(sub); continue; }
                    if (BagPaths.IsSpecialFile(entry.FullName))
                    {
                        found.Refused.Add(rel);
                        Add(r, "SpecialFile", rel, CrmArchiveCheckStatus.Fail, $"Refused: '{rel}' is not a regular file (a device, pipe or socket); it was not opened.");
                        continue;
                    }
                    found.Regular.Add(rel);
                }
            }
            return found;
        }


        private static void VerifyFolder(string bag, bool restore, ArchiveVerification r, CancellationToken ct)
        {
            var walk = Walk(bag, r, ct);
            var files = walk.Regular;
            CheckDeclaration(bag, files, walk.Refused, r);
            var payloadFiles = new List<string>();
            var tagFiles = new List<string>();
            foreach (var f in files)
            {
                if (f.StartsWith("data/", StringComparison.Ordinal)) payloadFiles.Add(f);
                else tagFiles.Add(f);
            }
            payloadFiles.Sort(StringComparer.Ordinal);
            tagFiles.Sort(StringComparer.Ordinal);
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
            var inEveryManifest = (HashSet<string>?)null;
            foreach (var (file, algorithm) in payloadManifests)
            {
                ct.ThrowIfCancellationRequested();
                var listed = CheckManifest(bag, file, algorithm, payload: true, files, walk.Refused, r);
                if (listed is null) continue;
                if (algorithm is "sha256" or "sha512" or "sha384" or "sha224") strong = true;
                foreach (var p in payloadFiles)
                {
                    if (!listed.Contains(p)) Add(r, "PayloadListed", p, CrmArchiveCheckStatus.Fail, $"The payload file '{p}' is not listed in {file} (every payload file must be in every payload manifest).");
                }
                if (inEveryManifest is null) inEveryManifest = new HashSet<string>(listed, StringComparer.Ordinal);
                else inEveryManifest.IntersectWith(listed);
            }
            if (payloadManifests.Count > 0 && !strong)
            {
                Add(r, "ManifestAlgorithm", "manifest-*.txt", CrmArchiveCheckStatus.Warning, "Only MD5 or SHA-1 manifests: both are broken for collision resistance; add manifest-sha256.txt or manifest-sha512.txt.");
            }
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (file, algorithm) in tagManifests)
            {
                var listed = CheckManifest(bag, file, algorithm, payload: false, files, walk.Refused, r);
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
            if (files.Contains("tagmanifest-sha512.txt")) r.TagManifestSha512 = HashFile(Path.Combine(bag, "tagmanifest-sha512.txt"), "sha512");
            CheckOxum(bag, files, payloadFiles, r);
            foreach (var p in payloadFiles)
            {
                if (!BagPaths.IsSafeRelativePath(p)) Add(r, "FileName", p, CrmArchiveCheckStatus.Warning, $"'{p}' uses characters outside A-Z a-z 0-9 . _ - (or starts with a dot); some file systems and tools will mangle it.");
            }
            CheckFetch(bag, files, walk.Refused, inEveryManifest ?? new HashSet<string>(StringComparer.Ordinal), r);
            CheckCrm(bag, files, walk.Refused, restore, r, ct);
        }

        private static void CheckDeclaration(string bag, HashSet<string> files, HashSet<string> refused, ArchiveVerification r)
        {
            string path = Path.Combine(bag, "bagit.txt");
            if (!files.Contains("bagit.txt"))
            {
                Add(r, "BagDeclaration", "bagit.txt", CrmArchiveCheckStatus.Fail, refused.Contains("bagit.txt") ? "bagit.txt is a link or not a regular file: it was not read, so this is not a bag." : "bagit.txt is missing: this is not a bag.");
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

        /// <summary>Checks a manifest's entries; returns the (normalised) paths it lists, or null when it cannot be read.</summary>
        private static HashSet<string>? CheckManifest(string bag, string file, string algorithm, bool payload, HashSet<string> files, HashSet<string> refused, ArchiveVerification r)
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
                string written = BagPaths.Decode(line.Substring(sp).TrimStart(' ', '\t'));
                entries++;
                string? rel = BagPaths.Normalize(written, out string? why);
                if (rel is null)
                {
                    Add(r, "ManifestPathEscapes", file, CrmArchiveCheckStatus.Fail, $"Refused: the manifest path '{written}' would leave the bag because {why}. The file it names was not opened.");
                    bad++;
                    continue;
                }
                if (payload && !rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{file} lists '{written}', which is not under data/.");
                    bad++;
                    continue;
                }
                if (!payload && rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{file} lists the payload file '{written}'; tag manifests list tag files only.");
                    bad++;
                    continue;
                }
                listed.Add(rel);
                if (!files.Contains(rel))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, UnderRefused(rel, refused) is string link
                        ? $"{file} lists '{written}', which is reached through '{link}', a link or special file: it was not opened."
                        : $"{file} lists '{written}' but the file is missing.");
                    bad++;
                    continue;
                }
                string actual = HashFile(Path.Combine(bag, rel.Replace('/', Path.DirectorySeparatorChar)), algorithm);
                if (!string.Equals(actual, expected, StringComparison.Ordinal))
                {
                    Add(r, "ManifestEntry", rel, CrmArchiveCheckStatus.Fail, $"{algorithm} of '{rel}' is {actual}; {file} says {expected}. The file was changed or damaged.");
                    bad++;
                }
            }
            if (bad == 0) Add(r, payload ? "PayloadManifest" : "TagManifest", file, CrmArchiveCheckStatus.Pass, $"{entries} entries, every file present and its {algorithm} matches.");
            return listed;
        }

        /// <summary>The refused link or special file a path is, or runs through, if any.</summary>
        private static string? UnderRefused(string rel, HashSet<string> refused)
        {
            if (refused.Contains(rel)) return rel;
            for (int slash = rel.IndexOf('/'); slash > 0; slash = rel.IndexOf('/', slash + 1))
            {
                string prefix = rel.Substring(0, slash);
                if (refused.Contains(prefix)) return prefix;
            }
            return null;
        }

        /// <summary>
        /// fetch.txt (RFC 8493 §2.2.3): each line 'URL LENGTH FILEPATH'; a listed file must be a payload file in every
        /// payload manifest, and its path must stay in the bag. A listed file that is not in the bag makes the bag
        /// incomplete (§3): this tool does not download, so that is a failure, not a warning.
        /// </summary>
        private static void CheckFetch(string bag, HashSet<string> files, HashSet<string> refused, HashSet<string> inEveryManifest, ArchiveVerification r)
        {
            if (!files.Contains("fetch.txt"))
            {
                if (refused.Contains("fetch.txt")) Add(r, "FetchFile", "fetch.txt", CrmArchiveCheckStatus.Fail, "fetch.txt is a link or special file and was not read: what the bag lacks cannot be told.");
                return;
            }
            int entries = 0, bad = 0;
            foreach (var line in SplitLines(File.ReadAllText(Path.Combine(bag, "fetch.txt"), Encoding.UTF8)))
            {
                if (line.Trim().Length == 0) continue;
                entries++;
                var parts = line.Split(new[] { ' ', '\t' }, 3, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 3 || !(parts[1] == "-" || long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                {
                    Add(r, "FetchLine", "fetch.txt", CrmArchiveCheckStatus.Fail, $"The line '{line}' is not 'URL LENGTH FILEPATH' (LENGTH a number of octets or '-').");
                    bad++;
                    continue;
                }
                string written = BagPaths.Decode(parts[2]);
                string? rel = BagPaths.Normalize(written, out string? why);
                if (rel is null)
                {
                    Add(r, "FetchPathEscapes", "fetch.txt", CrmArchiveCheckStatus.Fail, $"Refused: fetch.txt names '{written}', which would leave the bag because {why}.");
                    bad++;
                    continue;
                }
                if (!rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "FetchEntry", rel, CrmArchiveCheckStatus.Fail, $"fetch.txt lists '{written}', which is not a payload file under data/ (a fetch file must not list tag files).");
                    bad++;
                    continue;
                }
                if (!inEveryManifest.Contains(rel))
                {
                    Add(r, "FetchEntry", rel, CrmArchiveCheckStatus.Fail, $"fetch.txt lists '{written}', which is not in every payload manifest: a fetched file could not be verified.");
                    bad++;
                }
                if (!files.Contains(rel))
                {
                    Add(r, "FetchIncomplete", rel, CrmArchiveCheckStatus.Fail, $"The bag is incomplete: '{written}' is to be fetched from {parts[0]} and is not in the bag. Test-CrmArchive does not download; fetch it and check again.");
                    bad++;
                }
            }
            if (bad == 0) Add(r, "FetchFile", "fetch.txt", CrmArchiveCheckStatus.Pass, $"fetch.txt lists {entries} file(s); every one is in the bag and in every payload manifest.");
        }

        private static void CheckOxum(string bag, HashSet<string> files, List<string> payloadFiles, ArchiveVerification r)
        {
            string? oxum = null;
            if (files.Contains("bag-info.txt"))
            {
                foreach (var line in SplitLines(File.ReadAllText(Path.Combine(bag, "bag-info.txt"), Encoding.UTF8)))
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

        private static void CheckCrm(string bag, HashSet<string> files, HashSet<string> refused, bool restore, ArchiveVerification r, CancellationToken ct)
        {
            string path = Path.Combine(bag, "crm-manifest.json");
            if (!files.Contains("crm-manifest.json"))
            {
                if (refused.Contains("crm-manifest.json"))
                {
                    Add(r, "CrmManifest", "crm-manifest.json", CrmArchiveCheckStatus.Fail, "crm-manifest.json is a link or special file: it was not read, so record counts and content hashes cannot be checked.");
                    return;
                }
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
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
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
                string? rel = BagPaths.Normalize(file, out string? why);
                if (rel is null || !rel.StartsWith("data/", StringComparison.Ordinal))
                {
                    Add(r, "RecordCount", entity, CrmArchiveCheckStatus.Fail, $"Refused: crm-manifest.json names the file '{file}', which is not inside data/ ({why ?? "outside the payload"}).");
                    continue;
                }
                string csv = Path.Combine(bag, rel.Replace('/', Path.DirectorySeparatorChar));
                if (!files.Contains(rel) || UnderRefused(rel + "-metadata.json", refused) is not null)
                {
                    Add(r, "RecordCount", entity, CrmArchiveCheckStatus.Fail, (UnderRefused(rel, refused) ?? UnderRefused(rel + "-metadata.json", refused)) is string link
                        ? $"The file '{file}' of entity '{entity}' (or its sidecar) is reached through '{link}', a link or special file: it was not read."
                        : $"The file '{file}' of entity '{entity}' is missing.");
                    continue;
                }
                try
                {
                    var (count, actualHash, errors) = HashEntity(new CsvProvider(new CrmConnection(CrmProviderKind.Csv, csv)), Path.GetFileNameWithoutExtension(csv), ct);
                    CompareCounts(r, "RecordCount", "ContentHash", entity, records, hash, count, actualHash, errors, "the archive's CSV");
                    readable.Add((entity, csv, Path.GetFileNameWithoutExtension(csv), records, hash));
                }
                catch (Exception ex) when (ex is CrmException or JsonException or IOException or InvalidDataException or FormatException or DecoderFallbackException)
                {
                    string what = ex is CrmException ce ? ce.Error.Code + ": " + ce.Error.Message : ex.Message;
                    Add(r, "RecordCount", entity, CrmArchiveCheckStatus.Fail, $"The file '{file}' of entity '{entity}' (or its sidecar {Path.GetFileName(csv)}-metadata.json) cannot be read: {what}");
                }
            }
            if (!restore) return;
            try
            {
                Restore(readable, r, ct);
            }
            catch (Exception ex) when (ex is CrmException or JsonException or IOException or InvalidDataException or FormatException or DecoderFallbackException)
            {
                string what = ex is CrmException ce ? ce.Error.Code + ": " + ce.Error.Message : ex.Message;
                Add(r, "Restore", "crm-manifest.json", CrmArchiveCheckStatus.Fail, "The restore into a scratch database failed: " + what);
            }
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
                        // The restore compares the archive's text: decimals keep their exact text (trailing zeros included),
                        // which SQLite keeps only as text, not in the numbers a migration target stores.
                        foreach (var f in schema.Fields) if (f.Type == CrmFieldType.Decimal) f.Format = "text";
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
