using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace CrmMigration.TestSupport
{
    /// <summary>
    /// The settings of the loopback PostgreSQL and MariaDB servers of scripts/dbservers.sh, for the engine
    /// tests (the Pester tests read the same variables in tests/Pester/CrmTest.psm1). Reads CRM_PG_* and CRM_MY_*; when they are missing, runs the script (start, then env)
    /// itself. Never skips: a test that cannot reach a server fails.
    /// </summary>
    public static class DbServerEnv
    {
        private static readonly string[] Names =
        {
            "CRM_PG_HOST", "CRM_PG_PORT", "CRM_PG_USER", "CRM_PG_PASSWORD", "CRM_PG_DATABASE",
            "CRM_MY_HOST", "CRM_MY_PORT", "CRM_MY_USER", "CRM_MY_PASSWORD", "CRM_MY_DATABASE",
        };

        private static readonly Lazy<Dictionary<string, string>> Values = new Lazy<Dictionary<string, string>>(Load);

        public static string Get(string name) =>
            Values.Value.TryGetValue(name, out var v) ? v : throw new InvalidOperationException(name + " is not set and scripts/dbservers.sh env did not print it.");

        private static Dictionary<string, string> Load()
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var n in Names)
            {
                var v = Environment.GetEnvironmentVariable(n);
                if (!string.IsNullOrEmpty(v)) env[n] = v;
            }
            if (env.Count == Names.Length) return env;
            string script = Path.Combine(RepoRoot(), "scripts", "dbservers.sh");
            Run(script, "start");
            foreach (var line in Run(script, "env").Split('\n'))
            {
                var l = line.Trim();
                if (!l.StartsWith("export ", StringComparison.Ordinal)) continue;
                int eq = l.IndexOf('=');
                env[l.Substring(7, eq - 7)] = l.Substring(eq + 1).Trim('\'');
            }
            return env;
        }

        private static string Run(string script, string arg)
        {
            var psi = new ProcessStartInfo("bash", new[] { script, arg }) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{script} {arg} failed ({p.ExitCode}): {error}");
            return output;
        }

        private static string RepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrmMigration.psd1"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root.");
        }
    }
}
