using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using ClosedXML.Excel;

namespace CrmMigration.Engine.Reports
{
    /// <summary>
    /// Writes the report as a small formatted workbook (ClosedXML): a Summary sheet, then one sheet per section,
    /// each a table with a bold header row that is frozen and filtered. Numbers are numbers, dates are dates (UTC),
    /// every text is a text cell (never a formula; text that a spreadsheet would take for one is also quote-prefixed,
    /// so editing the cell keeps it text), and column widths are set from the content (AdjustToContents measures
    /// text with GDI+, which is not there on Linux).
    /// </summary>
    public static class XlsxReportWriter
    {
        private const int MaxCell = 32000;
        private const double MaxWidth = 70;

        /// <summary>Writes the workbook to a stream.</summary>
        public static void Write(MigrationReport report, Stream stream)
        {
            var t = ReportText.For(CultureInfo.GetCultureInfo(report.Culture));
            using var wb = new XLWorkbook();
            wb.Properties.Title = report.Title;
            wb.Properties.Author = "CrmMigration " + report.ModuleVersion;

            var summary = new Sheet(wb, t["Section.Summary"], t, t["Col.Item"], t["Col.Value"]);
            summary.Row(t["Label.Kind"], report.Title);
            int verdictRow = summary.Row(t["Section.Verdict"], t.Verdict(report.Verdict));
            summary.Fill(verdictRow, 2, report.Verdict switch { CrmReportVerdict.Passed => "#1B7A3A", CrmReportVerdict.PassedWithWarnings => "#9A6700", _ => "#B42318" });
            summary.Row(t["Label.Generated"], report.GeneratedAt.UtcDateTime);
            summary.Row(t["Label.Source"], report.Source);
            summary.Row(t["Label.Target"], report.Target);
            if (report.Run is ReportRun run)
            {
                summary.Row(t["Label.RunId"], run.RunId);
                summary.Row(t["Label.Status"], run.Status);
                summary.Row(t["Label.Started"], run.StartedAt.UtcDateTime);
                if (run.FinishedAt is DateTimeOffset f) summary.Row(t["Label.Finished"], f.UtcDateTime);
                summary.Row(t["Label.Duration"], ReportText.Duration(run.Duration));
                summary.Row(t["Label.TotalRead"], run.Read);
                summary.Row(t["Label.Throughput"], run.RecordsPerSecond);
            }
            else if (report.Entities.Count > 0)
            {
                summary.Row(t["Label.TotalRead"], report.TotalRead);
            }
            foreach (var e in report.Entities)
            {
                summary.Row(e.Name + ": " + t["Col.Read"], e.Read);
            }
            summary.Done();

            var findings = new Sheet(wb, t["Section.Findings"], t, t["Col.Severity"], t["Col.Code"], t["Col.Entity"], t["Col.Text"]);
            foreach (var f in report.Findings) findings.Row(t["Severity." + f.Severity], f.Code, f.Entity, f.Text);
            findings.Done();

            if (report.Entities.Count > 0)
            {
                var books = new Sheet(wb, t["Section.Books"], t, t["Col.Entity"], t["Col.Read"], t["Col.Inserted"], t["Col.Updated"], t["Col.Skipped"], t["Col.Merged"],
                    t["Col.Rejected"], t["Col.Filtered"], t["Col.Deleted"], t["Col.Balanced"], t["Col.RejectFiles"]);
                foreach (var e in report.Entities)
                {
                    books.Row(e.Name, e.Read, e.Inserted, e.Updated, e.Skipped, e.Merged, e.Rejected, e.Filtered, e.Deleted, t.YesNo(e.Balanced), string.Join("\n", e.RejectFiles));
                }
                books.Done();

                var reasons = new Sheet(wb, t["Sheet.Reasons"], t, t["Col.Entity"], t["Col.Outcome"], t["Col.Reason"], t["Col.Count"]);
                var examples = new Sheet(wb, t["Section.Examples"], t, t["Col.Entity"], t["Col.Outcome"], t["Col.Reason"], t["Col.Key"], t["Col.Field"], t["Col.Value"], t["Col.Message"]);
                foreach (var e in report.Entities)
                {
                    foreach (var r in e.Reasons)
                    {
                        reasons.Row(e.Name, t.Outcome(r.Outcome), r.Code, r.Count);
                        foreach (var x in r.Examples) examples.Row(e.Name, t.Outcome(r.Outcome), r.Code, x.Key, x.Field, x.Value, x.Message);
                    }
                }
                reasons.Done();
                examples.Done();
            }

            if (report.Kind != "Decommission" || report.Validated)
            {
                var checks = new Sheet(wb, t["Section.Checks"], t, t["Col.Entity"], t["Col.Check"], t["Col.Status"], t["Col.Expected"], t["Col.Actual"], t["Col.Details"], t["Col.Samples"],
                    t["Col.SourceRows"], t["Col.TargetRows"]);
                foreach (var c in report.Checks) checks.Row(c.Entity, c.Check, c.Status, c.Expected, c.Actual, c.Details, string.Join("\n", c.Samples), c.SourceRows, c.TargetRows);
                checks.Done();
                bool any = false;
                foreach (var c in report.Checks) any |= c.Differences.Count > 0;
                if (any)
                {
                    var differences = new Sheet(wb, t["Col.Differences"], t, t["Col.Entity"], t["Col.Check"], t["Col.Key"], t["Col.Field"], t["Col.SourceValue"], t["Col.TargetValue"], t["Col.Note"]);
                    foreach (var c in report.Checks)
                    {
                        foreach (var diff in c.Differences) differences.Row(c.Entity, c.Check, diff.Key, diff.Field, diff.Source, diff.Target, diff.Note);
                    }
                    differences.Done();
                }
            }

            if (report.Merges.Groups > 0)
            {
                var merges = new Sheet(wb, t["Section.Merges"], t, t["Col.Entity"], t["Col.Survivor"], t["Col.Members"], t["Col.Rule"], t["Col.Score"], t["Col.Details"]);
                foreach (var g in report.Merges.Shown) merges.Row(g.Entity, g.Survivor, string.Join(", ", g.Members), g.Rule, g.Score, g.Details);
                merges.Done();
            }

            if (report.Mapping is ReportMapping m && m.Entities.Count > 0)
            {
                var mapping = new Sheet(wb, t["Section.Mapping"], t, t["Col.Source"] + " " + t["Col.Entity"], t["Col.Target"] + " " + t["Col.Entity"], t["Col.Target"], t["Col.Source"], t["Col.Type"], t["Col.Rules"]);
                foreach (var e in m.Entities)
                {
                    foreach (var f in e.Fields) mapping.Row(e.Source, e.Target, f.Target, f.Source, f.Type, f.Rules);
                }
                mapping.Done();
            }

            if (report.Decommission is ReportDecommission d)
            {
                var stages = new Sheet(wb, t["Section.Decommission"], t, t["Col.Stage"], t["Col.Status"], t["Col.Attempts"], t["Col.Started"], t["Col.Completed"], t["Col.Notes"], t["Col.Evidence"]);
                foreach (var s in d.Stages)
                {
                    var evidence = new List<string>();
                    foreach (var kv in s.Evidence) evidence.Add(kv.Key + ": " + kv.Value);
                    var notes = new List<string> { s.Notes };
                    notes.AddRange(s.Actions);
                    stages.Row(s.Stage, s.Status, (long)s.Attempts, s.StartedUtc, s.CompletedUtc, string.Join("\n", notes).Trim(), string.Join("\n", evidence));
                }
                stages.Done();
                var inventory = new Sheet(wb, t["Section.Inventory"], t, t["Col.Kind"], t["Col.Name"], t["Col.Status"], t["Col.Records"], t["Col.ContentHash"], t["Col.Details"]);
                foreach (var i in d.Inventory) inventory.Row(i.Kind, i.Name, i.Status, i.Records, i.ContentHash, i.Detail);
                inventory.Done();
            }

            var provenance = new Sheet(wb, t["Section.Run"], t, t["Col.Item"], t["Col.Value"]);
            foreach (var (label, value) in ReportFacts.Provenance(report, t)) provenance.Row(label, value);
            provenance.Done();

            wb.SaveAs(stream);
        }

        /// <summary>One sheet: a header row, then rows; widths follow the content.</summary>
        private sealed class Sheet
        {
            private readonly IXLWorksheet _ws;
            private readonly ReportText _t;
            private readonly double[] _widths;
            private int _row = 1;

            public Sheet(XLWorkbook wb, string name, ReportText t, params string[] headers)
            {
                _ws = wb.Worksheets.Add(SheetName(name));
                _t = t;
                _widths = new double[headers.Length];
                for (int c = 0; c < headers.Length; c++)
                {
                    var cell = _ws.Cell(1, c + 1);
                    cell.SetValue(Text(headers[c]));
                    cell.Style.Font.Bold = true;
                    cell.Style.Fill.BackgroundColor = XLColor.FromHtml("#DDE3EA");
                    _widths[c] = Width(headers[c]) + 3; // room for the filter button
                }
            }

            public int Row(params object?[] values)
            {
                _row++;
                for (int c = 0; c < values.Length && c < _widths.Length; c++)
                {
                    var cell = _ws.Cell(_row, c + 1);
                    double w;
                    switch (values[c])
                    {
                        case null:
                            w = 0;
                            break;
                        case long n:
                            cell.SetValue(n);
                            cell.Style.NumberFormat.Format = "#,##0";
                            w = Width(n.ToString("N0", CultureInfo.InvariantCulture));
                            break;
                        case int n:
                            cell.SetValue((long)n);
                            cell.Style.NumberFormat.Format = "#,##0";
                            w = Width(n.ToString("N0", CultureInfo.InvariantCulture));
                            break;
                        case double x:
                            cell.SetValue(x);
                            cell.Style.NumberFormat.Format = "#,##0.0##";
                            w = Width(x.ToString("N1", CultureInfo.InvariantCulture)) + 2;
                            break;
                        case DateTime dt:
                            cell.SetValue(DateTime.SpecifyKind(dt, DateTimeKind.Unspecified));
                            cell.Style.NumberFormat.Format = "yyyy-mm-dd hh:mm:ss";
                            w = 20;
                            break;
                        case bool b:
                            string yes = _t.YesNo(b);
                            cell.SetValue(yes);
                            w = Width(yes);
                            break;
                        default:
                            string text = Text(Convert.ToString(values[c], CultureInfo.InvariantCulture));
                            cell.SetValue(text);
                            // A text cell is never evaluated; the quote prefix also keeps it text when someone edits it.
                            if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '|' or '%') cell.Style.IncludeQuotePrefix = true;
                            w = Width(text);
                            if (w > MaxWidth || text.Contains('\n', StringComparison.Ordinal)) cell.Style.Alignment.WrapText = true;
                            break;
                    }
                    if (w > _widths[c]) _widths[c] = w;
                }
                return _row;
            }

            public void Fill(int row, int column, string color)
            {
                var cell = _ws.Cell(row, column);
                cell.Style.Fill.BackgroundColor = XLColor.FromHtml(color);
                cell.Style.Font.FontColor = XLColor.White;
                cell.Style.Font.Bold = true;
            }

            public void Done()
            {
                for (int c = 0; c < _widths.Length; c++) _ws.Column(c + 1).Width = Math.Min(MaxWidth, Math.Max(8, _widths[c] + 1));
                _ws.SheetView.FreezeRows(1);
                _ws.Range(1, 1, Math.Max(1, _row), _widths.Length).SetAutoFilter();
            }

            private static string Text(string? s) => ReportValues.Clean(s, MaxCell);

            /// <summary>The widest line in character widths (East Asian wide characters count two).</summary>
            private static double Width(string s)
            {
                double max = 0, line = 0;
                foreach (char c in s)
                {
                    if (c == '\n') { max = Math.Max(max, line); line = 0; continue; }
                    line += c >= 0x1100 && (c <= 0x115F || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6)) ? 2 : 1;
                }
                return Math.Max(max, line);
            }

            /// <summary>A sheet name Excel accepts: at most 31 characters, none of : \ / ? * [ ].</summary>
            private static string SheetName(string name)
            {
                var chars = name.ToCharArray();
                for (int i = 0; i < chars.Length; i++) if (chars[i] is ':' or '\\' or '/' or '?' or '*' or '[' or ']') chars[i] = ' ';
                string s = new string(chars).Trim('\'', ' ');
                return s.Length <= 31 ? s : s.Substring(0, 31);
            }
        }
    }
}
