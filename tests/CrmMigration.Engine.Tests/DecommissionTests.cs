using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Decommission;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    public class DecommissionTests
    {
        private static DecommissionRunner Runner(TempDir dir, string source, DateTime? retainUntil = null, bool? legalHold = null)
        {
            var connection = ProviderFactory(source);
            return new DecommissionRunner(connection, new DecommissionOptions
            {
                ArchivePath = dir.File("archive"),
                StatePath = dir.File("decom.json"),
                AuditLogPath = dir.File("decom.audit.jsonl"),
                RetainUntil = retainUntil,
                LegalHold = legalHold,
            });
        }

        private static CrmConnection ProviderFactory(string path) => Providers.ProviderFactory.FromPath(path);

        private static void RunTo(DecommissionRunner r, CrmDecommissionStage last)
        {
            for (var s = CrmDecommissionStage.Notify; s <= last; s++) if (!r.IsFinished(s)) r.Run(s, null, CancellationToken.None);
        }

        [Fact]
        public void SqliteGoesThroughEveryStageAndPurgeWritesACertificate()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 40);
            // An application left the live database in WAL mode (our writers leave files checkpointed, in rollback-journal mode).
            Exec(db, "PRAGMA journal_mode=WAL");
            long contacts = Count(db, "SELECT COUNT(*) FROM contacts");
            var r = Runner(dir, db, retainUntil: DateTime.UtcNow.Date.AddDays(-1));
            RunTo(r, CrmDecommissionStage.Retain);
            if (!OperatingSystem.IsWindows()) Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(db) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            var state = DecommissionState.Load(dir.File("decom.json"))!;
            Assert.Equal("Done", state.Stages["Freeze"].Status);
            Assert.Equal("NotApplicable", state.Stages["Revoke"].Status);
            Assert.True(state.ArchiveVerified);
            Assert.Contains("mode.before", state.Stages["Freeze"].Evidence.Keys);
            // a WAL database is checkpointed and switched to a rollback journal, so the frozen file alone holds the data
            Assert.Equal("wal", state.Stages["Freeze"].Evidence["journal_mode.before"]);
            Assert.Equal("delete", Convert.ToString(Scalar(db, "PRAGMA journal_mode"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.False(File.Exists(db + "-wal"));
            Assert.Equal(contacts.ToString(System.Globalization.CultureInfo.InvariantCulture) + " records, content hash " + ArchiveValidator.Verify(dir.File("archive"), false, CancellationToken.None).Manifest["contacts"].Hash + " = archive",
                state.Stages["Verify"].Evidence["live contacts"]);
            Assert.Null(r.PurgeRefusal());

            var report = r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None);
            Assert.Equal(CrmStageStatus.Done, report.Status);
            Assert.False(File.Exists(db));
            using var cert = JsonDocument.Parse(File.ReadAllBytes(dir.File("decom.sanitization.json")));
            Assert.Equal("Clear", cert.RootElement.GetProperty("Sanitization method").GetString());
            Assert.Equal(state.ArchiveTagManifestSha512, cert.RootElement.GetProperty("Archive tagmanifest-sha512.txt SHA-512").GetString());
            Assert.Equal(state.ArchiveExternalIdentifier, cert.RootElement.GetProperty("Archive identifier").GetString());
            Assert.Contains("no longer exists", cert.RootElement.GetProperty("Verification").GetString(), StringComparison.Ordinal);
            Assert.Contains("Clear", File.ReadAllText(dir.File("decom.sanitization.html")), StringComparison.Ordinal);
            // the archive outlives the data, and the log holds: one Done line per stage
            Assert.True(ArchiveValidator.Verify(dir.File("archive"), true, CancellationToken.None).Valid);
            var log = AuditLog.Verify(dir.File("decom.audit.jsonl"), null);
            Assert.True(log.Valid, log.Details);
            var results = File.ReadAllLines(dir.File("decom.audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Select(e => e.GetProperty("event").GetString() + ":" + e.GetProperty("result").GetString()).ToList();
            Assert.Equal(14, results.Count);
            Assert.Single(results, x => x == "Decommission.Notify:NotApplicable");
            Assert.Single(results, x => x == "Decommission.Purge:Done");
            Assert.Single(results, x => x == "Decommission.Revoke:NotApplicable");
        }

        [Fact]
        public void PurgeIsRefusedUntilVerifiedRetainedPastAndWithoutLegalHold()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 20);
            var r = Runner(dir, db, retainUntil: DateTime.UtcNow.Date.AddDays(30), legalHold: true);
            RunTo(r, CrmDecommissionStage.Archive);
            Assert.Contains("not been verified", r.PurgeRefusal(), StringComparison.Ordinal);
            Assert.Equal("PurgeRefused", Assert.Throws<CrmException>(() => r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None)).Error.Code);
            RunTo(r, CrmDecommissionStage.Retain);
            string why = r.PurgeRefusal()!;
            Assert.Contains("legal hold", why, StringComparison.Ordinal);
            Assert.Contains("retention period runs until", why, StringComparison.Ordinal);
            Assert.Throws<CrmException>(() => r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None));
            Assert.True(File.Exists(db));
            // release the hold; the retention date still holds
            var r2 = Runner(dir, db, legalHold: false);
            Assert.NotNull(r2.UpdateRetention());
            Assert.DoesNotContain("legal hold", r2.PurgeRefusal(), StringComparison.Ordinal);
            Assert.Contains("retention", r2.PurgeRefusal(), StringComparison.Ordinal);
            Assert.True(File.Exists(db));
            // a later run may not quietly shorten the retention period
            var r3 = Runner(dir, db, retainUntil: DateTime.UtcNow.Date.AddDays(-1));
            Assert.Equal("RetentionShortened", Assert.Throws<CrmException>(() => r3.UpdateRetention()).Error.Code);
            Assert.NotNull(r3.PurgeRefusal());
        }

        [Fact]
        public void VerifyComparesTheLiveSourceWithTheArchive()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 20);
            var r = Runner(dir, db);
            RunTo(r, CrmDecommissionStage.Archive);
            // someone with the rights to undo the freeze (root ignores modes) changes a record after the archive
            if (OperatingSystem.IsWindows()) File.SetAttributes(db, FileAttributes.Normal);
            else File.SetUnixFileMode(db, File.GetUnixFileMode(db) | UnixFileMode.UserWrite);
            Exec(db, "UPDATE contacts SET email = 'changed@example.com' WHERE rowid = 1");
            var ex = Assert.Throws<CrmException>(() => r.Run(CrmDecommissionStage.Verify, null, CancellationToken.None));
            Assert.Equal("ArchiveSourceMismatch", ex.Error.Code);
            Assert.Contains("contacts", ex.Message, StringComparison.Ordinal);
            Assert.False(DecommissionState.Load(dir.File("decom.json"))!.ArchiveVerified);
            Assert.NotNull(r.PurgeRefusal());
        }

        [Fact]
        public void CsvFolderIsFrozenFileByFileAndPurgedWhole()
        {
            using var dir = new TempDir();
            string folder = dir.File("csv");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "contacts.csv"), "id,name\n1,Ann\n2,=cmd\n");
            File.WriteAllText(Path.Combine(folder, "accounts.csv"), "id,name\n1,Acme\n");
            var r = Runner(dir, folder);
            RunTo(r, CrmDecommissionStage.Retain);
            var state = DecommissionState.Load(dir.File("decom.json"))!;
            Assert.Contains(state.Stages["Freeze"].Evidence, kv => kv.Key.StartsWith("mode.after", StringComparison.Ordinal) && kv.Key.EndsWith("contacts.csv", StringComparison.Ordinal) && kv.Value == "0444");
            Assert.Equal(2, ArchiveValidator.Verify(dir.File("archive"), false, CancellationToken.None).Manifest["contacts"].Records);
            r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None);
            Assert.False(Directory.Exists(folder));
        }

        [Fact]
        public void AStateFileBelongsToOneSystem()
        {
            using var dir = new TempDir();
            string db = ArchiveTests.Sample(dir, 10);
            RunTo(Runner(dir, db), CrmDecommissionStage.Freeze);
            string other = dir.File("other.db");
            File.Copy(db, other);
            Assert.Equal("StateSystemMismatch", Assert.Throws<CrmException>(() => Runner(dir, other)).Error.Code);
        }
    }
}
