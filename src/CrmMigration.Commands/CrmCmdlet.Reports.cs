using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using CrmMigration.Engine.Reports;

namespace CrmMigration.Commands
{
    /// <summary>Reports: Export-CrmReport and every -ReportPath build and write through the same two engine calls.</summary>
    public abstract partial class CrmCmdlet
    {
        /// <summary>Resolves report paths and checks their formats before any work is done (an unknown extension stops here).</summary>
        protected string[]? ResolveReportPaths(string[]? paths)
        {
            if (paths is null || paths.Length == 0) return null;
            var resolved = new string[paths.Length];
            for (int i = 0; i < paths.Length; i++)
            {
                resolved[i] = ResolvePath(paths[i]);
                try
                {
                    ReportWriter.FormatOf(resolved[i]);
                }
                catch (CrmException ex)
                {
                    ThrowCrm(ex, paths[i]);
                }
            }
            return resolved;
        }

        /// <summary>Builds the report (words in <paramref name="culture"/>, default the session's UI culture) and writes it to each path.</summary>
        internal List<CrmReportFile> WriteReport(IReadOnlyList<string> paths, ReportRequest request, CultureInfo? culture)
        {
            var clock = Stopwatch.StartNew();
            request.ModuleVersion = ModuleVersion;
            request.Culture = culture ?? CultureInfo.CurrentUICulture;
            request.CancellationToken = CancellationToken;
            var report = ReportBuilder.Build(request);
            var built = clock.Elapsed;
            var files = ReportWriter.Write(report, paths);
            foreach (var f in files) f.Elapsed += built;
            return files;
        }

        /// <summary>
        /// -ReportPath at the end of a run: writes the report and says where (verbose). A report that cannot be
        /// written is an error of its own (ReportWriteFailed...) that does not undo what the run did.
        /// </summary>
        internal void WriteRunReport(string[]? paths, Func<ReportRequest> request)
        {
            if (paths is null) return;
            try
            {
                foreach (var f in WriteReport(paths, request(), null))
                {
                    WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"Report written to {f.Path} ({f.Format}, {f.Length:N0} bytes): {f.Verdict}."));
                }
            }
            catch (CrmException ex)
            {
                WriteCrmError(ex.Error, paths[0]);
            }
        }
    }
}
