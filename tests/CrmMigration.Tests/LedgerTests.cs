using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;

namespace CrmMigration.Tests
{
    /// <summary>The migration ledger: idempotent imports, crash recovery with -Resume, and books that must balance.</summary>
    public class LedgerTests
    {
        private const string Import = "Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -BatchSize 200";

        private static PsSession WithLegacy(int scale = 2000)
        {
            var ps = new PsSession();
            ps.Run($"New-CrmSampleData ./legacy.db -Seed 5 -Scale {scale} | Out-Null").AssertClean();
            return ps;
        }

        private static void AssertTargetIsExactlyTheSource(PsSession ps)
        {
            var check = ps.Run("Test-CrmMigration -Source ./legacy.db -Target ./new.db -Entity contacts").AssertClean();
            foreach (var r in check.OfType("CrmMigration.CrmValidationResult"))
            {
                Assert.True(r.Get("Status")!.ToString() == "Pass", $"{r.Get("Check")}: {r.Get("Details")}");
            }
            var fields = ps.Run(@"
                $src = @{}; Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { $src[[string]$_.Key] = $_.Preview + '|' + $_.email + '|' + $_.notes }
                $bad = 0; Export-CrmData ./new.db -Entity contacts | ForEach-Object { if ($src[[string]$_.Key] -ne ($_.Preview + '|' + $_.email + '|' + $_.notes)) { $bad++ } }
                $bad").AssertClean();
            Assert.Equal(0, (int)fields.Output.Single().BaseObject);
        }

        [Fact]
        public void ImportingTheSameRecordsTwiceSkipsThemAndChangesAreUpdatesOrDuplicates()
        {
            using var ps = WithLegacy(600);
            var first = ps.Run(Import).AssertClean().OfType("CrmMigration.CrmImportSummary").Single();
            Assert.Equal(600L, first.Get("Inserted"));
            var second = ps.Run(Import).AssertClean().OfType("CrmMigration.CrmImportSummary").Single();
            Assert.Equal(600L, second.Get("Skipped"));
            Assert.Equal(0L, second.Get("Inserted"));
            var changed = ps.Run(@"
                Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { if ([string]$_.Key -eq 'P0000010') { $_['notes'] = 'changed' }; $_ } |
                    Import-CrmData ./new.db -ErrorVariable ev -ErrorAction SilentlyContinue
                $ev.Count; $ev[0].FullyQualifiedErrorId
                Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { if ([string]$_.Key -eq 'P0000010') { $_['notes'] = 'changed' }; $_ } |
                    Import-CrmData ./new.db -Mode Upsert");
            var insertRun = changed.OfType("CrmMigration.CrmImportSummary").First();
            Assert.Equal(599L, insertRun.Get("Skipped"));
            Assert.Equal(1L, insertRun.Get("Rejected"));
            Assert.Equal(1, (int)changed.Output[1].BaseObject);
            Assert.StartsWith("DuplicateKey", changed.Output[2].ToString());
            var upsertRun = changed.OfType("CrmMigration.CrmImportSummary").Last();
            Assert.Equal(1L, upsertRun.Get("Updated"));
            Assert.Equal(599L, upsertRun.Get("Skipped"));
            var notes = ps.Run("(Export-CrmData ./new.db -Entity contacts -Filter @{ contact_id = 'P0000010' }).notes").AssertClean();
            Assert.Equal("changed", notes.Output.Single().ToString());
            var runs = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").ToList();
            Assert.Equal(4, runs.Count);
            Assert.All(runs, r => Assert.Equal(true, r.Get("Balanced")));
            var history = ps.Run("Get-CrmMigrationRecord ./new.db P0000010").AssertClean().OfType("CrmMigration.CrmMigrationRecord").Select(r => r.Get("Outcome")!.ToString()).ToList();
            Assert.Equal(new[] { "Inserted", "Skipped", "Rejected", "Updated" }, history);
        }

        [Theory]
        [InlineData("before-target")]
        [InlineData("mid-batch")]
        [InlineData("after-target")]
        [InlineData("after-ledger")]
        public void AKilledImportResumesToExactlyTheSourceSet(string point)
        {
            using var ps = WithLegacy(2000);
            var (code, _, err) = ps.RunHostCommand(Import, fault: point + ":3");
            Assert.True(code != 0, "the fault point should have killed the host: " + err);
            var partial = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal("Running", partial.Get("Status")!.ToString());
            Assert.True((long)partial.Get("Read")! < 2000);

            var (code2, out2, err2) = ps.RunHostCommand(Import + " -Resume");
            Assert.True(code2 == 0, out2 + err2);
            AssertTargetIsExactlyTheSource(ps);
            var run = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal("Completed", run.Get("Status")!.ToString());
            Assert.Equal(2, (int)run.Get("Attempts")!);
            Assert.Equal(2000L, run.Get("Read"));
            Assert.Equal(true, run.Get("Balanced"));
            // the ledger agrees with the target: one recorded outcome per source record, all landed
            var outcomes = ps.Run("(Get-CrmMigrationRecord ./new.db | Where-Object { $_.Outcome -in 'Inserted','Skipped' }).Count").AssertClean();
            Assert.Equal(2000, (int)outcomes.Output.Single().BaseObject);
        }

        [Fact]
        public void AnImportKilledFromOutsideAtAnUnknownMomentResumes()
        {
            using var ps = WithLegacy(20000);
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = ps.TestDir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(HostTests.HostDll);
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(Import);
            psi.Environment["CRMMIGRATION_MODULE"] = Repo.ModuleManifest;
            using (var p = Process.Start(psi)!)
            {
                string ledger = ps.PathOf("new.db.crm-ledger.sqlite");
                var clock = Stopwatch.StartNew();
                while (!File.Exists(ledger) || new FileInfo(ledger + "-wal").Exists == false) { Thread.Sleep(20); Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60)); }
                Thread.Sleep(300);
                p.Kill(); // SIGKILL
                p.WaitForExit();
            }
            var (code, o, e) = ps.RunHostCommand(Import + " -Resume");
            Assert.True(code == 0, o + e);
            AssertTargetIsExactlyTheSource(ps);
            var run = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal(20000L, run.Get("Read"));
            Assert.Equal(true, run.Get("Balanced"));
        }

        [Fact]
        public void BooksThatDoNotBalanceStopTheRunWithTheDifference()
        {
            using var ps = WithLegacy(1000);
            var (code, _, _) = ps.RunHostCommand(Import, fault: "after-ledger:2");
            Assert.NotEqual(0, code);
            // corrupt one count in the ledger, as a bug or a hand edit would
            var sql = Process.Start(new ProcessStartInfo("sqlite3", new[] { ps.PathOf("new.db.crm-ledger.sqlite"), "UPDATE counters SET inserted = inserted + 1" }) { UseShellExecute = false })!;
            sql.WaitForExit();
            Assert.Equal(0, sql.ExitCode);
            var r = ps.Run(Import + " -Resume");
            Assert.Contains(r.ErrorIds, id => id.StartsWith("LedgerAccountingMismatch", StringComparison.Ordinal));
            Assert.Contains("difference", r.FirstError.Exception.Message);
            var run = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal(false, run.Get("Balanced"));
            Assert.Equal("Failed", run.Get("Status")!.ToString());
        }

        [Fact]
        public void RejectedRecordsGoToARejectFileReadyToFixAndReimport()
        {
            using var ps = WithLegacy(300);
            var r = ps.Run(@"
                Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null
                Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { if ([string]$_.Key -in 'P0000001','P0000002') { $_['notes'] = '=1+1 changed' }; $_ } |
                    Import-CrmData ./new.db -RejectPath ./rejects -ErrorAction SilentlyContinue
                Export-CrmData ([System.IO.Directory]::GetDirectories($PWD.Path + '/rejects')[0] + '/contacts.csv') | ForEach-Object { $_.contact_id + ' ' + $_.RejectReason + ' ' + $_.notes }
            ").AssertClean();
            var lines = r.Output.Select(o => o.ToString()).Where(s => s!.StartsWith("P", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "P0000001 DuplicateKey =1+1 changed", "P0000002 DuplicateKey =1+1 changed" }, lines);
            string raw = File.ReadAllText(Path.Combine(Directory.GetDirectories(ps.PathOf("rejects")).Single(), "contacts.csv")); // the run's own folder
            Assert.Contains("'=1+1 changed", raw); // safe to open in a spreadsheet
            var byReason = ps.Run("(Get-CrmMigrationRecord ./new.db -ReasonCode DuplicateKey).Count").AssertClean();
            Assert.Equal(2, (int)byReason.Output.Single().BaseObject);
        }

        [Fact]
        public void ARecreatedTargetIsWrittenAgainNotSkippedByStaleFingerprints()
        {
            using var ps = WithLegacy(400);
            // separate processes, as in real life: a pooled connection in this process would keep the deleted file open
            var (code1, o1, e1) = ps.RunHostCommand(Import);
            Assert.True(code1 == 0, o1 + e1);
            File.Delete(ps.PathOf("new.db"));
            foreach (var f in new[] { "new.db-wal", "new.db-shm" }) if (File.Exists(ps.PathOf(f))) File.Delete(ps.PathOf(f));
            var (code2, o2, e2) = ps.RunHostCommand(Import);
            Assert.True(code2 == 0, o2 + e2);
            Assert.Contains("fingerprints for contacts are discarded", e2);
            Assert.Matches(@"contacts\s+400\s+400\s+0\s+0\s+0", o2);
            AssertTargetIsExactlyTheSource(ps);
        }

        [Fact]
        public void ABatchThatFindsTheTargetLockedIsRetriedAndLands()
        {
            using var ps = WithLegacy(500);
            ps.Run(Import + " -NoLedger").AssertClean();
            // another program holds an exclusive lock on the target for 3 s (longer than the writer's 2 s busy timeout)
            var locker = Process.Start(new ProcessStartInfo("sqlite3", new[] { ps.PathOf("new.db") }) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            locker.StandardInput.WriteLine("BEGIN EXCLUSIVE; UPDATE contacts SET notes = notes WHERE 0; SELECT 'locked';");
            locker.StandardInput.Flush();
            Assert.Equal("locked", locker.StandardOutput.ReadLine());
            var release = new Thread(() =>
            {
                Thread.Sleep(3000);
                locker.StandardInput.WriteLine("COMMIT;");
                locker.StandardInput.WriteLine(".quit");
                locker.StandardInput.Close();
                locker.WaitForExit();
            });
            release.Start();
            var clock = Stopwatch.StartNew();
            var r = ps.Run("Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { $_['notes'] = 'second pass'; $_ } | Import-CrmData ./new.db -Mode Upsert -BatchSize 200");
            release.Join();
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.True(clock.Elapsed > TimeSpan.FromSeconds(2), "the import should have waited for the lock");
            Assert.Contains(r.Warnings, w => w.Message.Contains("transient", StringComparison.Ordinal) && w.Message.Contains("SqliteBusy", StringComparison.Ordinal));
            Assert.Equal(500L, r.OfType("CrmMigration.CrmImportSummary").Single().Get("Updated"));
        }
    }
}
