using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Bags built by hand, as another BagIt tool would write them, then broken one rule at a time.</summary>
    public class BagRuleTests
    {
        private static string Md5(byte[] b) => Convert.ToHexString(MD5.HashData(b)).ToLowerInvariant();
        private static string S256(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();

        /// <summary>A valid bag with md5 and sha256 manifests, a sha256 tag manifest and no crm-manifest.json.</summary>
        private static string ForeignBag(TempDir dir, Action<string>? breakPayload = null, bool oxum = true, bool md5Only = false, bool tagManifest = true)
        {
            string bag = dir.File("foreign");
            Directory.CreateDirectory(Path.Combine(bag, "data", "sub"));
            var payload = new Dictionary<string, byte[]>
            {
                ["data/hello.txt"] = Encoding.UTF8.GetBytes("hello\n"),
                ["data/sub/x.csv"] = Encoding.UTF8.GetBytes("id,name\n1,a\n"),
            };
            foreach (var kv in payload) File.WriteAllBytes(Path.Combine(bag, kv.Key), kv.Value);
            File.WriteAllText(Path.Combine(bag, "bagit.txt"), "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n");
            File.WriteAllText(Path.Combine(bag, "manifest-md5.txt"), string.Concat(payload.Select(kv => Md5(kv.Value) + " " + kv.Key + "\n")));
            if (!md5Only) File.WriteAllText(Path.Combine(bag, "manifest-sha256.txt"), string.Concat(payload.Select(kv => S256(kv.Value) + "  " + kv.Key + "\n")));
            long octets = payload.Values.Sum(v => (long)v.Length);
            File.WriteAllText(Path.Combine(bag, "bag-info.txt"), "Bagging-Date: 2020-01-02\n" + (oxum ? $"Payload-Oxum: {octets}.{payload.Count}\n" : ""));
            breakPayload?.Invoke(bag);
            if (tagManifest) WriteTagManifest(bag);
            return bag;
        }

        private static void WriteTagManifest(string bag)
        {
            var tags = Directory.EnumerateFiles(bag).Select(Path.GetFileName).Where(n => !n!.StartsWith("tagmanifest", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal);
            File.WriteAllText(Path.Combine(bag, "tagmanifest-sha256.txt"), string.Concat(tags.Select(t => S256(File.ReadAllBytes(Path.Combine(bag, t!))) + "  " + t + "\n")));
        }

        private static ArchiveVerification Check(string path) => ArchiveValidator.Verify(path, restore: true, CancellationToken.None);

        private static void AssertFails(ArchiveVerification v, string check)
        {
            Assert.False(v.Valid);
            Assert.Contains(v.Checks, c => c.Check == check && c.Status == CrmArchiveCheckStatus.Fail);
        }

        [Fact]
        public void BagFromAnotherToolIsAcceptedAndCrmChecksAreNotApplicable()
        {
            using var dir = new TempDir();
            var v = Check(ForeignBag(dir));
            Assert.True(v.Valid, string.Join("\n", v.Checks.Select(c => c.Status + " " + c.Check + " " + c.Details)));
            Assert.Contains(v.Checks, c => c.Check == "CrmManifest" && c.Status == CrmArchiveCheckStatus.NotApplicable);
            Assert.Contains(v.Checks, c => c.Check == "Restore" && c.Status == CrmArchiveCheckStatus.NotApplicable);
            Assert.Contains(v.Checks, c => c.Check == "PayloadManifest" && c.Subject == "manifest-md5.txt" && c.Status == CrmArchiveCheckStatus.Pass);
            Assert.Contains(v.Checks, c => c.Check == "PayloadOxum" && c.Status == CrmArchiveCheckStatus.Pass);
            Assert.DoesNotContain(v.Checks, c => c.Status == CrmArchiveCheckStatus.Warning);
        }

        [Fact]
        public void BagitTxtWithByteOrderMarkFails()
        {
            using var dir = new TempDir();
            var v = Check(ForeignBag(dir, b => File.WriteAllBytes(Path.Combine(b, "bagit.txt"), new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.ASCII.GetBytes("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")).ToArray())));
            AssertFails(v, "BagDeclaration");
        }

        [Theory]
        [InlineData("BagIt-Version: 1.0\n")]
        [InlineData("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: x\n")]
        [InlineData("BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n")]
        public void BagitTxtMustBeExactlyTwoDeclarationLines(string text)
        {
            using var dir = new TempDir();
            AssertFails(Check(ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "bagit.txt"), text))), "BagDeclaration");
        }

        [Fact]
        public void MissingBagitTxtFails()
        {
            using var dir = new TempDir();
            AssertFails(Check(ForeignBag(dir, b => File.Delete(Path.Combine(b, "bagit.txt")))), "BagDeclaration");
        }

        [Fact]
        public void ChangedPayloadFileFails()
        {
            using var dir = new TempDir();
            // changed after the manifests were written; Payload-Oxum also catches the size change
            var v = Check(ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "data", "hello.txt"), "HELLO\n")));
            AssertFails(v, "ManifestEntry");
            Assert.Equal(2, v.Checks.Count(c => c.Check == "ManifestEntry" && c.Subject == "data/hello.txt"));
        }

        [Fact]
        public void ListedFileMissingFails()
        {
            using var dir = new TempDir();
            var v = Check(ForeignBag(dir, b => File.Delete(Path.Combine(b, "data", "sub", "x.csv"))));
            AssertFails(v, "ManifestEntry");
            AssertFails(v, "PayloadOxum");
        }

        [Fact]
        public void PayloadFileMissingFromAManifestFails()
        {
            using var dir = new TempDir();
            var v = Check(ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "data", "extra.txt"), "")));
            AssertFails(v, "PayloadListed");
            Assert.Equal(2, v.Checks.Count(c => c.Check == "PayloadListed")); // missing from both manifests
        }

        [Fact]
        public void PayloadOxumMismatchFails()
        {
            using var dir = new TempDir();
            AssertFails(Check(ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "bag-info.txt"), "Payload-Oxum: 999.2\n"))), "PayloadOxum");
        }

        [Fact]
        public void TagFileChangedAfterTheTagManifestFails()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            File.AppendAllText(Path.Combine(bag, "bag-info.txt"), "Contact-Name: someone\n");
            AssertFails(Check(bag), "ManifestEntry");
        }

        [Fact]
        public void NoPayloadManifestFails()
        {
            using var dir = new TempDir();
            AssertFails(Check(ForeignBag(dir, b => { File.Delete(Path.Combine(b, "manifest-md5.txt")); File.Delete(Path.Combine(b, "manifest-sha256.txt")); })), "PayloadManifest");
        }

        [Theory]
        [InlineData("../outside.txt")]
        [InlineData("data/../../outside.txt")]
        [InlineData("/etc/passwd")]
        [InlineData("C:/Windows/win.ini")]
        [InlineData("data\\hello.txt")]
        public void ManifestPathsThatEscapeTheBagAreRefused(string evil)
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("outside.txt"), "secret");
            var v = Check(ForeignBag(dir, b => File.AppendAllText(Path.Combine(b, "manifest-sha256.txt"), S256(Encoding.UTF8.GetBytes("secret")) + "  " + evil + "\n")));
            AssertFails(v, "ManifestPathEscapes");
            Assert.Contains(v.Checks, c => c.Check == "ManifestPathEscapes" && c.Details.Contains("Refused", StringComparison.Ordinal) && c.Details.Contains(evil, StringComparison.Ordinal));
        }

        [Fact]
        public void TagManifestListingAPayloadFileFails()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            File.AppendAllText(Path.Combine(bag, "tagmanifest-sha256.txt"), S256(Encoding.UTF8.GetBytes("hello\n")) + "  data/hello.txt\n");
            AssertFails(Check(bag), "ManifestEntry");
        }

        [Fact]
        public void LintWarnsAboutWeakAlgorithmsMissingOxumOddNamesAndNoTagManifest()
        {
            using var dir = new TempDir();
            var v = Check(ForeignBag(dir, md5Only: true, oxum: false, tagManifest: false));
            Assert.True(v.Valid); // warnings, not failures
            Assert.Contains(v.Checks, c => c.Check == "ManifestAlgorithm" && c.Status == CrmArchiveCheckStatus.Warning);
            Assert.Contains(v.Checks, c => c.Check == "PayloadOxum" && c.Status == CrmArchiveCheckStatus.Warning);
            Assert.Contains(v.Checks, c => c.Check == "TagManifest" && c.Status == CrmArchiveCheckStatus.Warning);

            using var dir2 = new TempDir();
            string bag = ForeignBag(dir2, b =>
            {
                File.WriteAllText(Path.Combine(b, "data", "odd name%.txt"), "x");
                File.AppendAllText(Path.Combine(b, "manifest-md5.txt"), Md5(Encoding.UTF8.GetBytes("x")) + "  data/odd name%25.txt\n");
                File.AppendAllText(Path.Combine(b, "manifest-sha256.txt"), S256(Encoding.UTF8.GetBytes("x")) + "  data/odd name%25.txt\n");
                File.WriteAllText(Path.Combine(b, "bag-info.txt"), "Payload-Oxum: 19.3\n");
            });
            var v2 = Check(bag);
            Assert.True(v2.Valid, string.Join("\n", v2.Checks.Select(c => c.Status + " " + c.Check + " " + c.Details)));
            Assert.Contains(v2.Checks, c => c.Check == "FileName" && c.Subject == "data/odd name%.txt" && c.Status == CrmArchiveCheckStatus.Warning);
        }

        [Fact]
        public void ZipWithAnEscapingEntryIsRefusedBeforeExtraction()
        {
            using var dir = new TempDir();
            string zip = dir.File("evil.zip");
            using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
            {
                using (var w = new StreamWriter(z.CreateEntry("bag/bagit.txt").Open())) w.Write("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
                using (var w = new StreamWriter(z.CreateEntry("bag/../../evil.txt").Open())) w.Write("x");
            }
            var v = ArchiveValidator.Verify(zip, false, CancellationToken.None);
            AssertFails(v, "ZipEntryPath");
            Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "..", "evil.txt")));
            Assert.DoesNotContain(v.Checks, c => c.Check == "BagDeclaration");
        }

        [Fact]
        public void ZippedForeignBagInATopFolderIsAccepted()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            ZipFile.CreateFromDirectory(bag, dir.File("f.zip"), CompressionLevel.Fastest, includeBaseDirectory: true);
            Assert.True(ArchiveValidator.Verify(dir.File("f.zip"), false, CancellationToken.None).Valid);
        }

        [Fact]
        public void CrmCountsAndHashesCatchARecordChangeEvenWhenTheManifestsAreRewritten()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 30);
            string bag = dir.File("bag");
            ArchiveTests.Archive(db, bag);
            // a forger edits one record and rewrites the payload manifests and Payload-Oxum so the BagIt checks pass
            string csv = Path.Combine(bag, "data", "accounts.csv");
            var lines = File.ReadAllLines(csv, Encoding.UTF8).ToList();
            lines.RemoveAt(lines.Count - 1);
            File.WriteAllText(csv, string.Join("\r\n", lines) + "\r\n", new UTF8Encoding(true));
            foreach (var (m, f) in new[] { ("manifest-sha512.txt", (Func<byte[], byte[]>)SHA512.HashData), ("manifest-sha256.txt", SHA256.HashData) })
            {
                var ml = File.ReadAllLines(Path.Combine(bag, m)).Select(l =>
                {
                    string rel = l.Split("  ")[1];
                    return Convert.ToHexString(f(File.ReadAllBytes(Path.Combine(bag, rel)))).ToLowerInvariant() + "  " + rel;
                });
                File.WriteAllText(Path.Combine(bag, m), string.Join("\n", ml) + "\n");
            }
            var payload = Directory.EnumerateFiles(Path.Combine(bag, "data")).ToList();
            var info = File.ReadAllLines(Path.Combine(bag, "bag-info.txt")).Select(l => l.StartsWith("Payload-Oxum", StringComparison.Ordinal) ? $"Payload-Oxum: {payload.Sum(p => new FileInfo(p).Length)}.{payload.Count}" : l);
            File.WriteAllText(Path.Combine(bag, "bag-info.txt"), string.Join("\n", info) + "\n");
            var v = Check(bag);
            Assert.Contains(v.Checks, c => c.Check == "PayloadManifest" && c.Status == CrmArchiveCheckStatus.Pass);
            AssertFails(v, "RecordCount");
            AssertFails(v, "ContentHash");
            AssertFails(v, "RestoreCount");
            AssertFails(v, "ManifestEntry"); // the tag manifest still pins the old manifests
        }

        // ---- Issue 12: the bag is a gate. Every case below threw, passed or read through a link before.

        /// <summary>Runs a check with a time limit: a pipe in the bag must be refused, not read (which would block).</summary>
        private static ArchiveVerification CheckWithin(string path, ZipLimits? limits = null)
        {
            var task = System.Threading.Tasks.Task.Run(() => ArchiveValidator.Verify(path, restore: true, limits, CancellationToken.None));
            Assert.True(task.Wait(TimeSpan.FromSeconds(60)), "the check did not finish");
            return task.Result;
        }

        private static void Rewrite(string bag, string manifest, Func<string, string> path)
        {
            string file = Path.Combine(bag, manifest);
            var lines = File.ReadAllLines(file).Select(l => { int sp = l.IndexOf(' '); return l.Substring(0, sp) + "  " + path(l.Substring(sp).TrimStart()); });
            File.WriteAllText(file, string.Join("\n", lines) + "\n");
        }

        [Fact]
        public void ManifestPathsWrittenWithADotSlashAreValid()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir, b =>
            {
                Rewrite(b, "manifest-md5.txt", p => "./" + p);
                Rewrite(b, "manifest-sha256.txt", p => "./" + p.Replace("data/sub/", "data/./sub/", StringComparison.Ordinal));
            });
            var v = Check(bag);
            Assert.True(v.Valid, string.Join("\n", v.Checks.Select(c => c.Status + " " + c.Check + " " + c.Details)));
            Assert.DoesNotContain(v.Checks, c => c.Check == "PayloadListed");
        }

        [Fact]
        public void APayloadFileLinkedToASecretElsewhereIsRefusedUnread()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("secret.txt"), "hello\n"); // the same bytes, so the checksums would match
            string bag = ForeignBag(dir, b =>
            {
                File.Delete(Path.Combine(b, "data", "hello.txt"));
                File.CreateSymbolicLink(Path.Combine(b, "data", "hello.txt"), dir.File("secret.txt"));
            });
            var v = CheckWithin(bag);
            AssertFails(v, "SymbolicLink");
            Assert.Contains(v.Checks, c => c.Check == "ManifestEntry" && c.Subject == "data/hello.txt" && c.Details.Contains("link", StringComparison.Ordinal));
        }

        [Fact]
        public void ADataFolderLinkedOutsideTheBagIsRefusedUnread()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            Directory.Move(Path.Combine(bag, "data"), dir.File("elsewhere"));
            Directory.CreateSymbolicLink(Path.Combine(bag, "data"), dir.File("elsewhere"));
            var v = CheckWithin(bag);
            AssertFails(v, "SymbolicLink");
            Assert.Contains(v.Checks, c => c.Check == "SymbolicLink" && c.Subject == "data");
            Assert.DoesNotContain(v.Checks, c => c.Check == "PayloadManifest" && c.Status == CrmArchiveCheckStatus.Pass);
        }

        [Fact]
        public void ALinkedCrmManifestIsRefused()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 20);
            string bag = dir.File("bag");
            ArchiveTests.Archive(db, bag);
            File.Move(Path.Combine(bag, "crm-manifest.json"), dir.File("crm-manifest.json"));
            File.CreateSymbolicLink(Path.Combine(bag, "crm-manifest.json"), dir.File("crm-manifest.json"));
            var v = CheckWithin(bag);
            AssertFails(v, "SymbolicLink");
            AssertFails(v, "CrmManifest");
            Assert.DoesNotContain(v.Checks, c => c.Check == "RecordCount");
        }

        [Fact]
        public void APipeInTheBagIsRefusedWithoutBlocking()
        {
            if (OperatingSystem.IsWindows()) return;
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            var mk = System.Diagnostics.Process.Start("mkfifo", Path.Combine(bag, "data", "pipe"));
            mk.WaitForExit();
            Assert.Equal(0, mk.ExitCode);
            var v = CheckWithin(bag);
            Assert.Contains(v.Checks, c => c.Check == "SpecialFile" && c.Subject == "data/pipe" && c.Status == CrmArchiveCheckStatus.Fail);
        }

        [Fact]
        public void FetchTxtEntriesNotInTheBagMakeItIncomplete()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir, b =>
            {
                File.Delete(Path.Combine(b, "data", "sub", "x.csv"));
                File.WriteAllText(Path.Combine(b, "fetch.txt"), "https://example.org/x.csv 12 data/sub/x.csv\n");
                File.WriteAllText(Path.Combine(b, "bag-info.txt"), "Payload-Oxum: 6.1\n");
            });
            var v = Check(bag);
            AssertFails(v, "FetchIncomplete");
            Assert.Contains(v.Checks, c => c.Check == "FetchIncomplete" && c.Subject == "data/sub/x.csv" && c.Details.Contains("https://example.org/x.csv", StringComparison.Ordinal));
        }

        [Fact]
        public void FetchTxtListingAFileInNoManifestIsInvalid()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir, b =>
            {
                File.WriteAllText(Path.Combine(b, "data", "late.txt"), "late");
                File.WriteAllText(Path.Combine(b, "fetch.txt"), "https://example.org/late.txt - data/late.txt\n");
            });
            var v = Check(bag);
            Assert.Contains(v.Checks, c => c.Check == "FetchEntry" && c.Subject == "data/late.txt" && c.Status == CrmArchiveCheckStatus.Fail);
        }

        [Theory]
        [InlineData("data/../../outside.txt")]
        [InlineData("./../outside.txt")]
        [InlineData("/etc/passwd")]
        [InlineData("data/..")]
        public void FetchTxtPathsThatLeaveTheBagAreRefused(string evil)
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "fetch.txt"), "https://example.org/x 5 " + evil + "\n"));
            var v = Check(bag);
            Assert.False(v.Valid);
            Assert.Contains(v.Checks, c => c.Check is "FetchPathEscapes" or "FetchEntry" && c.Status == CrmArchiveCheckStatus.Fail);
        }

        [Fact]
        public void AFetchTxtWhoseFilesAreAllPresentAndListedPasses()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir, b => File.WriteAllText(Path.Combine(b, "fetch.txt"), "https://example.org/x.csv 12 ./data/sub/x.csv\n"));
            var v = Check(bag);
            Assert.True(v.Valid, string.Join("\n", v.Checks.Select(c => c.Status + " " + c.Check + " " + c.Details)));
            Assert.Contains(v.Checks, c => c.Check == "FetchFile" && c.Status == CrmArchiveCheckStatus.Pass);
        }

        [Fact]
        public void AZipWithADuplicateEntryFailsInsteadOfThrowing()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            string zip = dir.File("dup.zip");
            ZipFile.CreateFromDirectory(bag, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
            using (var z = ZipFile.Open(zip, ZipArchiveMode.Update))
            {
                using var w = new StreamWriter(z.CreateEntry("foreign/data/hello.txt").Open());
                w.Write("other\n");
            }
            var v = CheckWithin(zip);
            AssertFails(v, "ZipEntryDuplicate");
            Assert.DoesNotContain(v.Checks, c => c.Check == "ArchiveReadable");
        }

        [Fact]
        public void AZipBombIsRefusedBeforeItIsExtracted()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            string zip = dir.File("bomb.zip");
            ZipFile.CreateFromDirectory(bag, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
            using (var z = ZipFile.Open(zip, ZipArchiveMode.Update))
            {
                using var s = z.CreateEntry("foreign/data/zeros.bin", CompressionLevel.Optimal).Open();
                var zeros = new byte[1 << 20];
                for (int i = 0; i < 64; i++) s.Write(zeros, 0, zeros.Length); // 64 MB of zeros, ~64 KB compressed
            }
            Assert.True(new FileInfo(zip).Length < 1 << 20);
            var v = CheckWithin(zip);
            AssertFails(v, "ZipLimits");
            Assert.Contains(v.Checks, c => c.Check == "ZipLimits" && c.Subject == "foreign/data/zeros.bin");
            // Limits are settable: a size cap refuses even an honest zip.
            var capped = CheckWithin(dir.File("bomb.zip"), new ZipLimits { MaxCompressionRatio = 100_000, MaxExtractedBytes = 1 << 20 });
            Assert.Contains(capped.Checks, c => c.Check == "ZipLimits" && c.Details.Contains("MaxExtractedSize", StringComparison.Ordinal));
            var entries = CheckWithin(dir.File("bomb.zip"), new ZipLimits { MaxCompressionRatio = 100_000, MaxEntryCount = 3 });
            Assert.Contains(entries.Checks, c => c.Check == "ZipLimits" && c.Details.Contains("MaxEntryCount", StringComparison.Ordinal));
        }

        [Fact]
        public void AZipEntryThatIsALinkIsRefused()
        {
            using var dir = new TempDir();
            string bag = ForeignBag(dir);
            string zip = dir.File("link.zip");
            ZipFile.CreateFromDirectory(bag, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
            using (var z = ZipFile.Open(zip, ZipArchiveMode.Update))
            {
                var e = z.CreateEntry("foreign/data/passwd");
                e.ExternalAttributes = unchecked((int)(0xA1FFu << 16)); // S_IFLNK | 0777, as zip -y stores a link
                using var w = new StreamWriter(e.Open());
                w.Write("/etc/passwd");
            }
            var v = CheckWithin(zip);
            Assert.Contains(v.Checks, c => c.Check == "SymbolicLink" && c.Subject == "foreign/data/passwd" && c.Status == CrmArchiveCheckStatus.Fail);
        }

        [Fact]
        public void ADamagedSidecarOrCsvHeaderIsAFailedCheckNotAnException()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 20);
            string bag = dir.File("bag");
            ArchiveTests.Archive(db, bag);
            File.WriteAllText(Path.Combine(bag, "data", "accounts.csv-metadata.json"), "{ \"tables\": [ { broken");
            File.WriteAllBytes(Path.Combine(bag, "data", "contacts.csv"), Encoding.UTF8.GetBytes("\"Id,\"Name\n\"unterminated"));
            var v = CheckWithin(bag);
            Assert.False(v.Valid);
            Assert.Contains(v.Checks, c => c.Check == "RecordCount" && c.Subject == "accounts" && c.Status == CrmArchiveCheckStatus.Fail);
            Assert.Contains(v.Checks, c => c.Subject == "contacts" && c.Status == CrmArchiveCheckStatus.Fail);
            Assert.DoesNotContain(v.Checks, c => c.Check == "ArchiveReadable");
        }

        [Fact]
        public void ANonZipWithAZipNameFailsInsteadOfThrowing()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("fake.zip"), "not a zip at all");
            AssertFails(CheckWithin(dir.File("fake.zip")), "ZipReadable");
        }
    }
}
