using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace CrmMigration.Engine.Reports
{
    /// <summary>The report formats, chosen by a file's extension.</summary>
    public enum ReportFormat
    {
        /// <summary>.html or .htm: one self-contained page.</summary>
        Html,
        /// <summary>.xlsx: a formatted workbook.</summary>
        Xlsx,
        /// <summary>.json: the same content for machines (docs/report.schema.json).</summary>
        Json,
    }

    /// <summary>Writes one report model to one or more files, each in the format its extension names.</summary>
    public static class ReportWriter
    {
        /// <summary>The format of a path, or a ReportFormatUnknown error naming the extensions there are.</summary>
        public static ReportFormat FormatOf(string path)
        {
            string ext = Path.GetExtension(path).ToLowerInvariant();
            return ext switch
            {
                ".html" or ".htm" => ReportFormat.Html,
                ".xlsx" => ReportFormat.Xlsx,
                ".json" => ReportFormat.Json,
                _ => throw new CrmException(new CrmDataError("ReportFormatUnknown", CrmErrorKind.InvalidArgument,
                    $"Cannot tell the report format of '{path}' from its extension '{ext}': use .html, .xlsx or .json.") { File = path }),
            };
        }

        /// <summary>
        /// Writes the report to each path (all formats are checked before anything is written). Each file is written
        /// to a temporary file beside it and renamed into place, so a reader never sees half a report.
        /// </summary>
        public static List<CrmReportFile> Write(MigrationReport report, IReadOnlyList<string> paths)
        {
            var formats = new ReportFormat[paths.Count];
            for (int i = 0; i < paths.Count; i++) formats[i] = FormatOf(paths[i]);
            var written = new List<CrmReportFile>(paths.Count);
            for (int i = 0; i < paths.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                string full = Path.GetFullPath(paths[i]);
                string? dir = Path.GetDirectoryName(full);
                if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                string temp = full + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
                try
                {
                    using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024))
                    {
                        switch (formats[i])
                        {
                            case ReportFormat.Html: HtmlReportWriter.Write(report, stream); break;
                            case ReportFormat.Xlsx: XlsxReportWriter.Write(report, stream); break;
                            default: JsonReportWriter.Write(report, stream); break;
                        }
                        stream.Flush(flushToDisk: true);
                    }
                    File.Move(temp, full, overwrite: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    throw new CrmException(new CrmDataError("ReportWriteFailed", CrmErrorKind.WriteError, $"Cannot write the report '{full}': {ex.Message}") { File = full }, ex);
                }
                catch
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    throw;
                }
                written.Add(new CrmReportFile(full, formats[i].ToString())
                {
                    Length = new FileInfo(full).Length,
                    Kind = report.Kind,
                    Verdict = report.Verdict,
                    RunId = report.Run?.RunId,
                    Culture = report.Culture,
                    Elapsed = clock.Elapsed,
                });
            }
            return written;
        }
    }
}
