using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace CrmMigration.Tests
{
    public class DecommissionCommandTests
    {
        private static string ModeOf(string path) => OperatingSystem.IsWindows() ? File.GetAttributes(path).ToString() : File.GetUnixFileMode(path).ToString();

        private const string MakeSource = @"
            $rows = foreach ($i in 1..40) {
                $r = [CrmMigration.CrmRecord]::new('contacts')
                $r['id'] = [long]$i; $r['name'] = ""张伟 <b>$i</b>""; $r['note'] = if ($i % 3) { '=SUM(A1)' } else { ""two`nlines"" }
                $r['amount'] = [decimal]$i / 8; $r.Key = [CrmMigration.CrmKey]::new([string]$i); $r
            }
            $rows | Import-CrmData -Path $src -Create | Out-Null";

        [Fact]
        public void ExportedArchiveVerifiesAsFolderAndZipAndRestores()
        {
            using var ps = new PsSession();
            var r = ps.Run(MakeSource + @"
                $info = Export-CrmArchive -Path $src -Destination ./bag -Zip -SourceOrganization 'Example Ltd'
                $info
                Test-CrmArchive ./bag -Restore
                Test-CrmArchive -Path ./bag.zip -Quiet
            ", new System.Collections.Generic.Dictionary<string, object?> { ["src"] = ps.PathOf("legacy.db") }).AssertClean();
            var info = r.OfType("CrmMigration.CrmArchiveInfo").Single();
            Assert.Equal(40L, info.Get("TotalRecords"));
            var checks = r.OfType("CrmMigration.CrmArchiveCheck").ToList();
            Assert.DoesNotContain(checks, c => c.Get("Status")!.ToString() != "Pass");
            Assert.Contains(checks, c => (string)c.Get("Check")! == "RestoreContentHash");
            Assert.True((bool)r.Output.Last().BaseObject);
            string csv = File.ReadAllText(ps.PathOf("bag/data/contacts.csv"));
            Assert.Contains("'=SUM(A1)", csv); // formula-escaped in the archive too
        }

        [Fact]
        public void EscapingManifestPathIsRefusedWithAnError()
        {
            using var ps = new PsSession();
            ps.Run(MakeSource + "\nExport-CrmArchive $src ./bag | Out-Null", new System.Collections.Generic.Dictionary<string, object?> { ["src"] = ps.PathOf("legacy.db") }).AssertClean();
            File.AppendAllText(ps.PathOf("bag/manifest-sha256.txt"), new string('0', 64) + "  ../../etc/passwd\n");
            var r = ps.Run("Test-CrmArchive ./bag");
            Assert.Contains("ArchivePathEscapes,CrmMigration.Commands.TestCrmArchiveCommand", r.ErrorIds);
            Assert.Contains(r.OfType("CrmMigration.CrmArchiveCheck"), c => (string)c.Get("Check")! == "ManifestPathEscapes" && c.Get("Status")!.ToString() == "Fail");
            Assert.False((bool)ps.Run("Test-CrmArchive ./bag -Quiet").Output.Single().BaseObject);
        }

        [Fact]
        public void WhatIfPrintsTheWholePlanAndChangesNothingEvenWithForce()
        {
            using var ps = new PsSession();
            string db = ps.PathOf("legacy.db");
            ps.Run(MakeSource, new System.Collections.Generic.Dictionary<string, object?> { ["src"] = db }).AssertClean();
            string mode = ModeOf(db);
            var r = ps.Run("Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -WhatIf").AssertClean();
            var reports = r.OfType("CrmMigration.CrmDecommissionReport").ToList();
            Assert.Equal(new[] { "Notify", "Freeze", "Archive", "Verify", "Revoke", "Retain", "Purge" }, reports.Select(x => x.Get("Stage")!.ToString()).ToArray());
            Assert.All(reports, x => Assert.Equal("WhatIf", x.Get("Status")!.ToString()));
            var freeze = (System.Collections.IList)reports[1].Get("Actions")!;
            Assert.Contains(freeze.Cast<object>(), a => a.ToString()!.Contains("chmod a-w", StringComparison.Ordinal));
            Assert.Contains(((System.Collections.IList)reports[6].Get("Actions")!).Cast<object>(), a => a.ToString()!.Contains("delete it", StringComparison.Ordinal));
            Assert.True(File.Exists(db));
            Assert.Equal(mode, ModeOf(db));
            Assert.False(File.Exists(ps.PathOf("decom.json")));
            Assert.False(File.Exists(ps.PathOf("decom.audit.jsonl")));
            Assert.False(Directory.Exists(ps.PathOf("archive")));
        }

        [Fact]
        public void RunsToRetainThenRefusesPurgeDuringRetentionAndWritesEncodedReports()
        {
            using var ps = new PsSession();
            string db = ps.PathOf("le<gacy>.db");
            ps.Run(MakeSource, new System.Collections.Generic.Dictionary<string, object?> { ["src"] = db }).AssertClean();
            var run = ps.Run("Disable-CrmSystem -Path $src -ArchivePath ./archive -StatePath ./decom.json -RetainUntil ([datetime]::UtcNow.AddDays(10)) -Confirm:$false",
                new System.Collections.Generic.Dictionary<string, object?> { ["src"] = db }).AssertClean();
            var statuses = run.OfType("CrmMigration.CrmDecommissionReport").Select(x => x.Get("Stage") + ":" + x.Get("Status")).ToArray();
            Assert.Equal(new[] { "Notify:NotApplicable", "Freeze:Done", "Archive:Done", "Verify:Done", "Revoke:NotApplicable", "Retain:Done" }, statuses);
            string html = File.ReadAllText(ps.PathOf("decom.report.html"));
            Assert.Contains("le&lt;gacy&gt;.db", html);
            Assert.DoesNotContain("le<gacy>", html);
            using (var doc = JsonDocument.Parse(File.ReadAllBytes(ps.PathOf("decom.report.json")))) Assert.Equal(6, doc.RootElement.GetProperty("stages").GetArrayLength());

            var purge = ps.Run("Disable-CrmSystem -Path $src -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -Confirm:$false",
                new System.Collections.Generic.Dictionary<string, object?> { ["src"] = db });
            Assert.Null(purge.Terminating);
            Assert.Contains("PurgeRefused,CrmMigration.Commands.DisableCrmSystemCommand", purge.ErrorIds);
            var last = purge.OfType("CrmMigration.CrmDecommissionReport").Last();
            Assert.Equal("Refused", last.Get("Status")!.ToString());
            Assert.Equal(6, purge.OfType("CrmMigration.CrmDecommissionReport").Count(x => x.Get("Status")!.ToString() is "AlreadyDone"));
            Assert.True(File.Exists(db));

            var log = ps.Run("Test-CrmAuditLog ./decom.audit.jsonl").AssertClean().OfType("CrmMigration.CrmAuditLogReport").Single();
            Assert.Equal(true, log.Get("Valid"));
            var bad = ps.Run("Test-CrmAuditLog ./decom.audit.jsonl -ExpectedHead " + new string('a', 64)).AssertClean().OfType("CrmMigration.CrmAuditLogReport").Single();
            Assert.Equal(false, bad.Get("Valid"));
        }

        [Theory]
        [InlineData("Archive", "Verify")]
        [InlineData("Verify", "Revoke")]
        public void KilledMidStageTheRerunFinishesWithNothingDoubledAndPurgesOnlyAfterVerify(string stage, string next)
        {
            using var ps = new PsSession();
            string dir = ps.TestDir;
            ps.Run("New-CrmSampleData -Path ./legacy.db -Seed 3 -Scale 40000 | Out-Null").AssertClean();
            // crmhost as the build left it: Debug (dotnet test) or Release (build.ps1)
            string host = new[] { "Debug", "Release" }.Select(c => Path.Combine(Repo.Root, "src", "CrmMigration.Host", "bin", c, "net10.0", "crmhost.dll")).FirstOrDefault(File.Exists)
                ?? Path.Combine(Repo.Root, "src", "CrmMigration.Host", "bin", "Debug", "net10.0", "crmhost.dll");
            Assert.True(File.Exists(host), host);
            string script = "Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2000-01-01 -Purge -Force -Confirm:$false | Out-Null";
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(host);
            psi.ArgumentList.Add("-Module");
            psi.ArgumentList.Add(Repo.ModuleManifest);
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(script);
            string state = Path.Combine(dir, "decom.json");
            bool killed = false;
            using (var child = Process.Start(psi)!)
            {
                child.StandardOutput.ReadToEndAsync();
                child.StandardError.ReadToEndAsync();
                var clock = Stopwatch.StartNew();
                while (!child.HasExited && clock.Elapsed < TimeSpan.FromSeconds(120))
                {
                    if (File.Exists(state))
                    {
                        string text;
                        try { text = File.ReadAllText(state); } catch (IOException) { continue; }
                        if (text.Contains("\"" + stage + "\"", StringComparison.Ordinal) && !text.Contains("\"" + next + "\"", StringComparison.Ordinal))
                        {
                            // somewhere inside the stage: let it do some of its work, then SIGKILL
                            Thread.Sleep(300);
                            child.Kill(entireProcessTree: true);
                            child.WaitForExit();
                            killed = true;
                            break;
                        }
                    }
                    Thread.Sleep(5);
                }
            }
            Assert.True(killed, "the child finished before it could be killed in the " + stage + " stage");
            var mid = JsonDocument.Parse(File.ReadAllBytes(state)).RootElement.GetProperty("Stages");
            Assert.Equal("Done", mid.GetProperty("Freeze").GetProperty("Status").GetString());
            Assert.Equal("Started", mid.GetProperty(stage).GetProperty("Status").GetString());
            Assert.True(File.Exists(Path.Combine(dir, "legacy.db")), "nothing may be purged before the archive is verified");

            var rerun = ps.Run("Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2000-01-01 -Purge -Force -Confirm:$false").AssertClean();
            var statuses = rerun.OfType("CrmMigration.CrmDecommissionReport").Select(x => x.Get("Stage") + ":" + x.Get("Status")).ToArray();
            var order = new[] { "Notify", "Freeze", "Archive", "Verify", "Revoke", "Retain", "Purge" };
            int killedAt = Array.IndexOf(order, stage);
            var expected = order.Select((s, i) => s + ":" + (i < killedAt ? "AlreadyDone" : s == "Revoke" ? "NotApplicable" : "Done")).ToArray();
            Assert.Equal(expected, statuses);
            Assert.False(File.Exists(Path.Combine(dir, "legacy.db")));
            Assert.Empty(Directory.GetDirectories(dir, ".archive.partial-*"));
            var check = ps.Run("Test-CrmArchive ./archive -Restore -Quiet").AssertClean();
            Assert.True((bool)check.Output.Single().BaseObject);
            Assert.Equal(true, ps.Run("(Test-CrmAuditLog ./decom.audit.jsonl).Valid").AssertClean().Output.Single().BaseObject);
            var events = File.ReadAllLines(Path.Combine(dir, "decom.audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Select(e => e.GetProperty("event").GetString()!.Replace("Decommission.", "", StringComparison.Ordinal) + ":" + e.GetProperty("result").GetString()).ToList();
            foreach (var s in new[] { "Freeze", "Archive", "Verify", "Retain", "Purge" }) Assert.Single(events, e => e == s + ":Done");
            Assert.Equal(2, events.Count(e => e == stage + ":Started")); // the killed attempt and the redo
            Assert.Single(events, e => e == "Freeze:Started");
            Assert.True(events.IndexOf("Verify:Done") < events.IndexOf("Purge:Started"));
            var st = JsonDocument.Parse(File.ReadAllBytes(state)).RootElement;
            Assert.Equal(2, st.GetProperty("Stages").GetProperty(stage).GetProperty("Attempts").GetInt32());
            Assert.Equal(1, st.GetProperty("Stages").GetProperty("Freeze").GetProperty("Attempts").GetInt32());
            Assert.True(st.GetProperty("ArchiveVerified").GetBoolean());
        }
    }
}
