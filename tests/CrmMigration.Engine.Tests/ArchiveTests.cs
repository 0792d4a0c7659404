using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Sample;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    public class ArchiveTests
    {
        internal static string Sample(TempDir dir, int scale = 200)
        {
            string db = dir.File("legacy.db");
            using var p = Provider(db);
            SampleDataGenerator.Generate(p, 7, scale);
            return db;
        }

        internal static CrmArchiveInfo Archive(string db, string bag)
        {
            using var p = Provider(db);
            return ArchiveWriter.Write(p, new ArchiveOptions { Destination = bag, SourceOrganization = "Example Ltd", ExternalIdentifier = "TEST-1" }, CancellationToken.None);
        }

        private static string Sha(string path, HashAlgorithm h) => Convert.ToHexString(h.ComputeHash(File.ReadAllBytes(path))).ToLowerInvariant();

        [Fact]
        public void AnEmptyEntityIsArchivedAndRestoredWithZeroRecords()
        {
            using var dir = new TempDir();
            string db = dir.File("legacy.db");
            Exec(db, "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts VALUES (1, 'Ada'); CREATE TABLE cases (id INTEGER PRIMARY KEY, name TEXT);");
            var info = Archive(db, dir.File("bag"));
            Assert.Contains(info.Entities, e => e.Entity == "cases" && e.Records == 0);
            var v = ArchiveValidator.Verify(dir.File("bag"), true, CancellationToken.None);
            Assert.True(v.Valid, string.Join(" | ", v.Checks.Where(c => c.Status == CrmArchiveCheckStatus.Fail).Select(c => c.Check + " " + c.Subject + ": " + c.Details)));
            Assert.Contains(v.Checks, c => c.Check == "RestoreCount" && c.Subject == "cases" && c.Status == CrmArchiveCheckStatus.Pass);
        }

        [Fact]
        public void ArchiveOfSqliteIsAValidBagWhoseManifestsAnyToolCanCheck()
        {
            using var dir = new TempDir();
            string db = Sample(dir);
            string bag = dir.File("bag");
            var info = Archive(db, bag);

            Assert.Equal(Encoding.ASCII.GetBytes("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"), File.ReadAllBytes(Path.Combine(bag, "bagit.txt")));
            Assert.Equal(new[] { "bag-info.txt", "bagit.txt", "crm-manifest.json", "data", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt" },
                Directory.EnumerateFileSystemEntries(bag).Select(Path.GetFileName).OrderBy(x => x, StringComparer.Ordinal).ToArray());
            // every payload file is in both manifests with the hash an independent computation gives
            var payload = Directory.EnumerateFiles(Path.Combine(bag, "data")).Select(f => "data/" + Path.GetFileName(f)).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Contains("data/schema.json", payload);
            Assert.Contains("data/contacts.csv", payload);
            foreach (var (manifest, alg) in new[] { ("manifest-sha512.txt", (HashAlgorithm)SHA512.Create()), ("manifest-sha256.txt", SHA256.Create()) })
            {
                var lines = File.ReadAllLines(Path.Combine(bag, manifest));
                Assert.Equal(payload, lines.Select(l => l.Substring(l.IndexOf("  ", StringComparison.Ordinal) + 2)).ToList());
                foreach (var l in lines)
                {
                    string rel = l.Substring(l.IndexOf("  ", StringComparison.Ordinal) + 2);
                    Assert.Equal(Sha(Path.Combine(bag, rel), alg), l.Substring(0, l.IndexOf(' ')));
                }
            }
            var tags = File.ReadAllLines(Path.Combine(bag, "tagmanifest-sha512.txt"));
            Assert.Equal(new[] { "bag-info.txt", "bagit.txt", "crm-manifest.json", "manifest-sha256.txt", "manifest-sha512.txt" }, tags.Select(l => l.Split("  ")[1]).ToArray());
            using (var sha = SHA512.Create()) Assert.Equal(Sha(Path.Combine(bag, "tagmanifest-sha512.txt"), sha), info.TagManifestSha512);
            string bagInfo = File.ReadAllText(Path.Combine(bag, "bag-info.txt"));
            long octets = payload.Sum(p => new FileInfo(Path.Combine(bag, p)).Length);
            Assert.Contains($"Payload-Oxum: {octets}.{payload.Count}\n", bagInfo);
            Assert.Contains("Source-Organization: Example Ltd\n", bagInfo);
            Assert.Contains("External-Identifier: TEST-1\n", bagInfo);
            Assert.Matches(@"Bagging-Date: \d{4}-\d{2}-\d{2}\n", bagInfo);
            Assert.Contains("Bag-Size: ", bagInfo);
            Assert.Equal(200, info.Entities.Single(e => e.Entity == "contacts").Records);
            Assert.Equal(Count(db, "SELECT COUNT(*) FROM contacts"), info.Entities.Single(e => e.Entity == "contacts").Records);

            var v = ArchiveValidator.Verify(bag, restore: true, CancellationToken.None);
            Assert.True(v.Valid, string.Join("\n", v.Checks.Where(c => c.Status != CrmArchiveCheckStatus.Pass).Select(c => c.Check + " " + c.Details)));
            Assert.DoesNotContain(v.Checks, c => c.Status == CrmArchiveCheckStatus.Warning);
            Assert.Contains(v.Checks, c => c.Check == "RestoreContentHash" && c.Subject == "contacts" && c.Status == CrmArchiveCheckStatus.Pass);
            Assert.Contains(v.Checks, c => c.Check == "ContentHash" && c.Subject == "activities" && c.Status == CrmArchiveCheckStatus.Pass);
            Assert.Throws<CrmException>(() => Archive(db, bag)); // never overwritten
        }

        [Fact]
        public void ZipOfTheBagVerifiesToo()
        {
            using var dir = new TempDir();
            string db = Sample(dir, 50);
            using (var p = Provider(db)) ArchiveWriter.Write(p, new ArchiveOptions { Destination = dir.File("bag"), Zip = true }, CancellationToken.None);
            var v = ArchiveValidator.Verify(dir.File("bag.zip"), restore: false, CancellationToken.None);
            Assert.True(v.Valid);
            Assert.Contains(v.Checks, c => c.Check == "RecordCount" && c.Status == CrmArchiveCheckStatus.Pass);
        }

        [Fact]
        public void ContentHashIgnoresOrderButNotContentAndDuplicatesDoNotCancel()
        {
            CrmRecord R(long id, object? name) => Rec("e", ("id", id), ("name", name));
            string H(params CrmRecord[] rs) { var h = new ContentHash(); foreach (var r in rs) h.Add(r); return h.Value; }
            Assert.Equal(H(R(1, "a"), R(2, "b")), H(R(2, "b"), R(1, "a")));
            Assert.NotEqual(H(R(1, "a"), R(2, "b")), H(R(1, "a"), R(2, "c")));
            Assert.NotEqual(H(R(1, null)), H(R(1, "")));
            Assert.NotEqual(H(), H(R(1, "a"), R(1, "a")));       // XOR would cancel these
            Assert.NotEqual(H(R(1, "a")), H(R(1, "a"), R(1, "a")));
            // field order and name case do not matter; the value's text does
            Assert.Equal(H(Rec("e", ("ID", 1L), ("Name", "a"))), H(Rec("e", ("name", "a"), ("id", 1L))));
            Assert.Equal(H(Rec("e", ("id", 1L))), H(Rec("e", ("id", "1"))));
            // the documented algorithm, recomputed by hand for one record
            var enc = new List<byte>();
            void Field(string n, string? v)
            {
                byte[] nb = Encoding.UTF8.GetBytes(n);
                enc.AddRange(BitConverter.GetBytes(nb.Length).Reverse()); enc.AddRange(nb);
                if (v is null) { enc.Add(0); return; }
                byte[] vb = Encoding.UTF8.GetBytes(v);
                enc.Add(1); enc.AddRange(BitConverter.GetBytes(vb.Length).Reverse()); enc.AddRange(vb);
            }
            Field("id", "1"); Field("name", "张");
            string one = Convert.ToHexString(SHA256.HashData(enc.ToArray())).ToLowerInvariant();
            Assert.Equal(one, H(R(1, "张")));
            // sum modulo 2^256 of two records
            var a = new System.Numerics.BigInteger(SHA256.HashData(enc.ToArray()), isUnsigned: true, isBigEndian: true);
            var sum = (a + a) % System.Numerics.BigInteger.Pow(2, 256);
            Assert.Equal(sum.ToString("x").TrimStart('0').PadLeft(64, '0'), H(R(1, "张"), R(1, "张")));
        }

        [Fact]
        public void EntityFileNamesAreSafeAndCollisionProof()
        {
            var stems = BagPaths.EntityStems(new[] { "Contacts", "contacts", "a/b", "a_b", "../etc", "CON", "schema", "客户" });
            Assert.Equal("Contacts_" + Short("Contacts"), stems["Contacts"]);
            Assert.Equal(stems.Count, stems.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            foreach (var s in stems.Values) Assert.True(BagPaths.IsSafeRelativePath(s + ".csv"), s);
            Assert.Equal("a_b_" + Short("a_b"), stems["a_b"]);
            Assert.StartsWith("a_b_", stems["a/b"]);
            Assert.NotEqual("schema", stems["schema"]);
            Assert.Equal("plain", BagPaths.EntityStems(new[] { "plain" })["plain"]);
            static string Short(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)), 0, 4).ToLowerInvariant();
        }

        [Fact]
        public void ManifestPathsArePercentEncodedForLineBreaksAndPercent()
        {
            Assert.Equal("data/a%0Ab%0Dc%25d", BagPaths.Encode("data/a\nb\rc%d"));
            Assert.Equal("data/a\nb\rc%d", BagPaths.Decode("data/a%0Ab%0dc%25d"));
            Assert.Equal("data/100%", BagPaths.Decode("data/100%"));
        }
    }
}
