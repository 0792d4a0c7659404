using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CrmMigration.Host
{
    /// <summary>
    /// crmhost: runs a PowerShell script file or command text with CrmMigration imported, renders
    /// output through the module's views, shows progress on stderr, and exits non-zero when the
    /// script fails (a terminating error, or 'exit N').
    /// </summary>
    internal static class Program
    {
        private const string Usage =
            "usage: crmhost [-Module <path to CrmMigration.psd1 or its folder>] (-File <script.ps1> [args...] | -Command <text>)\n" +
            "       The module defaults to $CRMMIGRATION_MODULE, else the newest out/CrmMigration/<version> above this program.";

        private static int Main(string[] args)
        {
            string? module = Environment.GetEnvironmentVariable("CRMMIGRATION_MODULE");
            string? file = null, command = null;
            var scriptArgs = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (file is not null) { scriptArgs.Add(a); continue; }
                if (Is(a, "-Module") && i + 1 < args.Length) module = args[++i];
                else if (Is(a, "-File") && i + 1 < args.Length) file = args[++i];
                else if (Is(a, "-Command") && i + 1 < args.Length) command = string.Join(" ", args, i + 1, args.Length - i - 1);
                else if (Is(a, "-Help") || a == "-?" || Is(a, "--help")) { Console.WriteLine(Usage); return 0; }
                else { Console.Error.WriteLine("crmhost: unknown argument '" + a + "'\n" + Usage); return 2; }
                if (command is not null) break;
            }
            if (file is null && command is null) { Console.Error.WriteLine(Usage); return 2; }

            module ??= FindModule();
            if (module is null)
            {
                Console.Error.WriteLine("crmhost: cannot find the built module (out/CrmMigration/<version>/CrmMigration.psd1). Run 'dotnet build' first or pass -Module.");
                return 2;
            }
            if (Directory.Exists(module)) module = Path.Combine(module, "CrmMigration.psd1");

            var host = new ConsoleHost();
            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { Path.GetFullPath(module) });
            using var runspace = RunspaceFactory.CreateRunspace(host, iss);
            try
            {
                runspace.Open();
            }
            catch (Exception ex) when (ex is RuntimeException or CmdletInvocationException)
            {
                Console.Error.WriteLine("crmhost: cannot import " + module + ": " + ex.Message);
                return 2;
            }
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            Wire(ps, host);
            if (file is not null)
            {
                string full = Path.GetFullPath(file);
                if (!File.Exists(full)) { Console.Error.WriteLine("crmhost: no such script: " + full); return 2; }
                ps.AddCommand(full);
                AddScriptArguments(ps, scriptArgs);
            }
            else
            {
                ps.AddScript(command!);
            }
            ps.AddCommand("Out-Default");
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; ps.BeginStop(null, null); };
            try
            {
                ps.Invoke();
            }
            catch (PipelineStoppedException)
            {
                Console.Error.WriteLine("crmhost: stopped.");
                return 130;
            }
            catch (RuntimeException ex)
            {
                host.Ui.WriteErrorLine(Describe(ex.ErrorRecord));
                return host.ExitCode ?? 1;
            }
            host.Ui.EndProgress();
            if (host.ExitCode is int code) return code;
            return ps.HadErrors && ps.InvocationStateInfo.State == PSInvocationState.Failed ? 1 : 0;
        }

        private static void Wire(PowerShell ps, ConsoleHost host)
        {
            ps.Streams.Error.DataAdded += (s, e) => host.Ui.WriteErrorLine(Describe(ps.Streams.Error[e.Index]));
            // Warnings, verbose and debug messages, progress and Write-Host reach the host's UI from the engine itself
            // (by their preference variables); only errors need printing from the stream.
        }

        internal static string Describe(ErrorRecord r)
        {
            string where = r.InvocationInfo?.MyCommand?.Name is string cmd ? cmd + ": " : "";
            return string.Format(CultureInfo.InvariantCulture, "{0}{1}\n    [{2}]", where, r.ToString(), r.FullyQualifiedErrorId);
        }

        /// <summary>Binds script arguments as PowerShell would: -Name value, -Name:value, -Switch, and positional values.</summary>
        private static void AddScriptArguments(PowerShell ps, List<string> args)
        {
            for (int i = 0; i < args.Count; i++)
            {
                string a = args[i];
                if (a.Length > 1 && a[0] == '-' && (char.IsLetter(a[1]) || a[1] == '_'))
                {
                    int colon = a.IndexOf(':');
                    if (colon > 0) { ps.AddParameter(a.Substring(1, colon - 1), a.Substring(colon + 1)); continue; }
                    string name = a.Substring(1);
                    bool hasValue = i + 1 < args.Count && !(args[i + 1].Length > 1 && args[i + 1][0] == '-' && char.IsLetter(args[i + 1][1]));
                    if (hasValue) ps.AddParameter(name, args[++i]);
                    else ps.AddParameter(name);
                }
                else
                {
                    ps.AddArgument(a);
                }
            }
        }

        private static bool Is(string a, string name) => string.Equals(a, name, StringComparison.OrdinalIgnoreCase);

        private static string? FindModule()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                var root = new DirectoryInfo(Path.Combine(dir.FullName, "out", "CrmMigration"));
                if (root.Exists)
                {
                    DirectoryInfo? best = null;
                    Version? bestVersion = null;
                    foreach (var v in root.GetDirectories())
                    {
                        if (Version.TryParse(v.Name, out var ver) && File.Exists(Path.Combine(v.FullName, "CrmMigration.psd1")) && (bestVersion is null || ver > bestVersion))
                        {
                            best = v;
                            bestVersion = ver;
                        }
                    }
                    if (best is not null) return best.FullName;
                }
                dir = dir.Parent;
            }
            return null;
        }
    }
}
