using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CrmMigration.Tests
{
    /// <summary>Locates the repository and the built module layout.</summary>
    public static class Repo
    {
        public static string Root { get; } = FindRoot();

        /// <summary>The newest out/CrmMigration/&lt;version&gt;/CrmMigration.psd1.</summary>
        public static string ModuleManifest { get; } = FindModule();

        public static string ModuleDir => Path.GetDirectoryName(ModuleManifest)!;

        private static string FindRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrmMigration.psd1"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (CrmMigration.psd1) above " + AppContext.BaseDirectory);
        }

        private static string FindModule()
        {
            var root = Path.Combine(Root, "out", "CrmMigration");
            var best = Directory.GetDirectories(root)
                .Select(d => (Dir: d, Ok: Version.TryParse(Path.GetFileName(d), out var v), Version: v))
                .Where(x => x.Ok && File.Exists(Path.Combine(x.Dir, "CrmMigration.psd1")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            return best.Dir is null ? throw new InvalidOperationException("The module is not built in " + root) : Path.Combine(best.Dir, "CrmMigration.psd1");
        }
    }

    public static class PsObjectExtensions
    {
        /// <summary>A property as PowerShell reads it (CrmRecord fields through the module's adapter).</summary>
        public static object? Get(this PSObject o, string name)
        {
            var v = o.Properties[name]?.Value;
            return v is PSObject p ? p.BaseObject : v;
        }
    }

    /// <summary>What a script produced.</summary>
    public sealed class PsResult
    {
        public List<PSObject> Output { get; } = new();
        public List<ErrorRecord> Errors { get; } = new();
        public List<WarningRecord> Warnings { get; } = new();
        public List<ProgressRecord> Progress { get; } = new();
        public List<VerboseRecord> Verbose { get; } = new();
        /// <summary>The terminating error, if the script stopped with one.</summary>
        public RuntimeException? Terminating { get; set; }

        public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId).Concat(Terminating is null ? Enumerable.Empty<string>() : new[] { Terminating.ErrorRecord.FullyQualifiedErrorId });

        /// <summary>The first error, terminating or not; fails when there is none.</summary>
        public ErrorRecord FirstError => Terminating?.ErrorRecord ?? Errors.FirstOrDefault() ?? throw new Xunit.Sdk.XunitException("The script wrote no error.");

        public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

        /// <summary>The CrmRecord objects in the output (read through PowerShell's adapter, as scripts see them).</summary>
        public IEnumerable<PSObject> Records() => Output.Where(o => o.BaseObject.GetType().FullName == "CrmMigration.CrmRecord");

        /// <summary>Output objects of a public type, by full name.</summary>
        public IEnumerable<PSObject> OfType(string fullName) => Output.Where(o => o.BaseObject.GetType().FullName == fullName);

        /// <summary>Fails the test with every error when the script had any.</summary>
        public PsResult AssertClean()
        {
            if (Terminating is not null) throw new Xunit.Sdk.XunitException("Script failed: " + Terminating.ErrorRecord + " [" + Terminating.ErrorRecord.FullyQualifiedErrorId + "]\n" + Terminating.ErrorRecord.ScriptStackTrace);
            if (Errors.Count > 0) throw new Xunit.Sdk.XunitException("Script wrote errors:\n" + string.Join("\n", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            return this;
        }
    }

    /// <summary>
    /// A real PowerShell runspace with the built module imported. Each test gets its own runspace
    /// (and its own temporary folder, as $TestDir) and runs real script text.
    /// </summary>
    public sealed class PsSession : IDisposable
    {
        private readonly Runspace _runspace;

        /// <summary>Ledgers of server targets go to the user's state folder: this test process's own, never the machine user's.</summary>
        static PsSession()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CRMMIGRATION_STATE_HOME")))
            {
                Environment.SetEnvironmentVariable("CRMMIGRATION_STATE_HOME", Path.Combine(Path.GetTempPath(), "crm-state-" + Guid.NewGuid().ToString("N")));
            }
        }

        public PsSession()
        {
            TestDir = Path.Combine(Path.GetTempPath(), "crm-ps-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(TestDir);
            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { Repo.ModuleManifest });
            _runspace = RunspaceFactory.CreateRunspace(iss);
            _runspace.Open();
            _runspace.SessionStateProxy.SetVariable("TestDir", TestDir);
            _runspace.SessionStateProxy.Path.SetLocation(TestDir);
        }

        public string TestDir { get; }

        public string PathOf(string name) => Path.Combine(TestDir, name);

        public PsResult Run(string script, IDictionary<string, object?>? variables = null)
        {
            if (variables is not null) foreach (var kv in variables) _runspace.SessionStateProxy.SetVariable(kv.Key, kv.Value);
            using var ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            var result = new PsResult();
            try
            {
                foreach (var o in ps.Invoke()) if (o is not null) result.Output.Add(o);
            }
            catch (RuntimeException ex)
            {
                result.Terminating = ex;
            }
            result.Errors.AddRange(ps.Streams.Error);
            result.Warnings.AddRange(ps.Streams.Warning);
            result.Progress.AddRange(ps.Streams.Progress);
            result.Verbose.AddRange(ps.Streams.Verbose);
            return result;
        }

        /// <summary>
        /// Runs a command in a crmhost child process in this session's folder (a separate process, so a fault
        /// point armed with <paramref name="fault"/> = "point:batch" can SIGKILL it); returns exit code and output.
        /// </summary>
        public (int Code, string Out, string Err) RunHostCommand(string command, string? fault = null)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = TestDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(HostTests.HostDll);
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(command);
            psi.Environment["CRMMIGRATION_MODULE"] = Repo.ModuleManifest;
            if (fault is not null) psi.Environment["CRMMIGRATION_FAULT"] = fault;
            using var p = System.Diagnostics.Process.Start(psi)!;
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            Xunit.Assert.True(p.WaitForExit(180_000), "crmhost hung");
            return (p.ExitCode, o.Result, e.Result);
        }

        public void Dispose()
        {
            _runspace.Dispose();
            try { Directory.Delete(TestDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
