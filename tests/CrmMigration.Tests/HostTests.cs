using System;
using System.Diagnostics;
using System.IO;

namespace CrmMigration.Tests
{
    /// <summary>The console host (crmhost) runs scripts with the module, renders views and reports failure by exit code.</summary>
    public class HostTests
    {
        internal static string HostDll
        {
            get
            {
                string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
                return Path.Combine(Repo.Root, "src", "CrmMigration.Host", "bin", config, "net10.0", "crmhost.dll");
            }
        }

        internal static (int Code, string Out, string Err) RunHost(string workDir, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(HostDll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["CRMMIGRATION_MODULE"] = Repo.ModuleManifest;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("crmhost did not finish"); }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }

        [Fact]
        public void RunsAScriptFileWithNamedArgumentsAndRendersTheModuleViews()
        {
            using var ps = new PsSession();
            File.WriteAllText(ps.PathOf("s.ps1"), "param([string]$Name, [int]$Count, [switch]$Loud)\n\"$Name x$Count loud=$Loud\"\n$r = [CrmMigration.CrmRecord]::new('Contact'); $r['Email'] = 'a@b.c'; $r.Key = [CrmMigration.CrmKey]::new('K1'); $r\n");
            var (code, stdout, stderr) = RunHost(ps.TestDir, "-File", ps.PathOf("s.ps1"), "-Name", "demo", "-Count:3", "-Loud");
            Assert.True(code == 0, stderr);
            Assert.Contains("demo x3 loud=True", stdout);
            Assert.Matches(@"Entity\s+Key\s+Fields", stdout);          // the CrmRecord table view
            Assert.Contains("Email=a@b.c", stdout);
            Assert.DoesNotContain("\u001b[", stdout);                  // no colour codes when redirected
        }

        [Fact]
        public void ExitsNonZeroWhenTheScriptFails()
        {
            using var ps = new PsSession();
            var (code, _, stderr) = RunHost(ps.TestDir, "-Command", "$ErrorActionPreference = 'Stop'; Export-CrmData -Path ./missing.db");
            Assert.NotEqual(0, code);
            Assert.Contains("SqliteDatabaseNotFound", stderr);
            var (exitCode, _, _) = RunHost(ps.TestDir, "-Command", "exit 7");
            Assert.Equal(7, exitCode);
            var (ok, _, _) = RunHost(ps.TestDir, "-Command", "'fine'");
            Assert.Equal(0, ok);
        }
    }
}
