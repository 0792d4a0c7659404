using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace CrmMigration.Engine.Reports
{
    /// <summary>
    /// Writes the report as one self-contained HTML file: no script, no font or image from anywhere (a content
    /// security policy forbids them), charts as inline SVG, print CSS with a page break before each section,
    /// tables with captions and header cells. Every value is HTML-encoded and record values are isolated with
    /// &lt;bdi&gt;, so markup, right-to-left text and very long text show as text and never reorder or break the page.
    /// </summary>
    public static class HtmlReportWriter
    {
        private const string Style = @"
:root{--ok:#1b7a3a;--warn:#9a6700;--fail:#b42318;--ink:#1f2328;--mute:#59636e;--line:#d0d7de;--head:#f6f8fa}
*{box-sizing:border-box}
body{font-family:'Noto Sans','Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC','Segoe UI',Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;padding:24px;line-height:1.45;font-size:14px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:32px 0 12px}
h3{font-size:16px;margin:22px 0 8px}
.sub{color:var(--mute);margin:0 0 16px}
.verdict{border-radius:8px;padding:14px 18px;margin:12px 0 16px;font-size:20px;font-weight:700;color:#fff}
.verdict.Passed{background:var(--ok)}.verdict.PassedWithWarnings{background:var(--warn)}.verdict.Failed{background:var(--fail)}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:8px 16px;margin:0 0 16px}
.fact{border:1px solid var(--line);border-radius:6px;padding:8px 10px}.fact b{display:block;color:var(--mute);font-weight:400;font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;table-layout:auto}
caption{text-align:left;font-weight:600;padding:4px 0;caption-side:top}
th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-word;max-width:520px;min-width:4.5em}
thead th{background:var(--head)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total th,tr.total td{font-weight:700;background:var(--head)}
.sev-Fail{color:var(--fail);font-weight:700}.sev-Warning{color:var(--warn);font-weight:700}.sev-Info{color:var(--mute)}
.st-Pass,.st-Done,.st-Archived,.st-Destroyed{color:var(--ok)}.st-Fail,.st-NotChecked,.st-Started,.st-Missing{color:var(--fail);font-weight:700}.st-Warning{color:var(--warn)}
code,.mono{font-family:'DejaVu Sans Mono',Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.note{color:var(--mute);font-size:13px}
svg{max-width:100%;height:auto;display:block;margin:8px 0 16px}
svg text{font-family:inherit;font-size:12px;fill:var(--ink)}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;padding:0;font-size:11px}section{break-before:page}section.first{break-before:auto}
 h2{break-after:avoid}tr,svg{break-inside:avoid}thead{display:table-header-group}.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
";

        private static readonly (CrmOutcome Outcome, string Color)[] Segments =
        {
            (CrmOutcome.Inserted, "#2da44e"), (CrmOutcome.Updated, "#0969da"), (CrmOutcome.Skipped, "#8c959f"),
            (CrmOutcome.Merged, "#8250df"), (CrmOutcome.Filtered, "#d4a72c"), (CrmOutcome.Rejected, "#cf222e"), (CrmOutcome.Deleted, "#57606a"),
        };

        /// <summary>Writes the report to a stream as UTF-8.</summary>
        public static void Write(MigrationReport report, Stream stream)
        {
            var t = ReportText.For(CultureInfo.GetCultureInfo(report.Culture));
            var h = new StringBuilder(64 * 1024);
            h.Append("<!DOCTYPE html>\n<html lang=\"").Append(report.Culture).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
             .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
             .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
             .Append("<meta name=\"generator\" content=\"CrmMigration ").Append(E(report.ModuleVersion)).Append("\">\n")
             .Append("<title>").Append(E(report.Title)).Append(" – ").Append(E(t.Verdict(report.Verdict))).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

            // 1. The verdict on one screen.
            h.Append("<header>\n<h1>").Append(E(report.Title)).Append("</h1>\n<p class=\"sub\">");
            h.Append(E(t["Label.Source"])).Append(": <bdi>").Append(E(report.Source)).Append("</bdi> → ").Append(E(t["Label.Target"])).Append(": <bdi>").Append(E(report.Target)).Append("</bdi>");
            h.Append(" · ").Append(E(t["Label.Generated"])).Append(": ").Append(Time(report.GeneratedAt)).Append("</p>\n</header>\n");
            h.Append("<section class=\"first\" id=\"verdict\" aria-labelledby=\"h-verdict\">\n<h2 id=\"h-verdict\">").Append(E(t["Section.Verdict"])).Append("</h2>\n");
            h.Append("<div class=\"verdict ").Append(report.Verdict).Append("\" role=\"status\">").Append(E(t.Verdict(report.Verdict))).Append("</div>\n");
            Facts(h, t, report);
            Findings(h, t, report);
            if (report.Entities.Count > 0)
            {
                Books(h, t, report);
                BooksChart(h, t, report);
            }
            h.Append("</section>\n");

            if (report.Decommission is not null) Decommission(h, t, report.Decommission);
            if (report.Entities.Count > 0) Entities(h, t, report);
            if (report.Validated || report.Kind != "Decommission") Checks(h, t, report);
            if (report.Merges.Groups > 0) Merges(h, t, report);
            if (report.Mapping is not null) Mapping(h, t, report.Mapping);
            Provenance(h, t, report);
            h.Append("</body>\n</html>\n");

            using var w = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            w.Write(h.ToString());
        }

        private static void Facts(StringBuilder h, ReportText t, MigrationReport report)
        {
            h.Append("<div class=\"facts\">\n");
            if (report.Run is ReportRun run)
            {
                Fact(h, t["Label.TotalRead"], t.N(run.Read));
                Fact(h, t["Label.Duration"], ReportText.Duration(run.Duration));
                Fact(h, t["Label.Throughput"], run.RecordsPerSecond.ToString("N0", t.Format));
                Fact(h, t["Label.Status"], run.Status);
                Fact(h, t["Label.RunId"], run.RunId, mono: true);
            }
            else if (report.Entities.Count > 0)
            {
                Fact(h, t["Label.TotalRead"], t.N(report.TotalRead));
            }
            if (report.Decommission is ReportDecommission d)
            {
                Fact(h, t["Label.System"], d.System);
                Fact(h, t["Label.ArchiveVerified"], t.YesNo(d.ArchiveVerified));
                if (d.RetainUntil is DateTime until) Fact(h, t["Label.RetainUntil"], until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                Fact(h, t["Label.LegalHold"], t.YesNo(d.LegalHold));
            }
            if (report.AuditLog is ReportAuditLog log) Fact(h, t["Label.AuditHead"], log.HeadHash, mono: true);
            h.Append("</div>\n");
        }

        private static void Fact(StringBuilder h, string label, string value, bool mono = false)
        {
            h.Append("<div class=\"fact\"><b>").Append(E(label)).Append("</b>").Append(mono ? "<span class=\"mono\">" : "<span>")
             .Append("<bdi>").Append(E(value)).Append("</bdi></span></div>\n");
        }

        private static void Findings(StringBuilder h, ReportText t, MigrationReport report)
        {
            TableStart(h, t["Section.Findings"], t["Col.Severity"], t["Col.Code"], t["Col.Text"]);
            foreach (var f in report.Findings)
            {
                h.Append("<tr><td class=\"sev-").Append(f.Severity).Append("\">").Append(E(t["Severity." + f.Severity])).Append("</td><td><code>")
                 .Append(E(f.Code)).Append("</code></td><td><bdi>").Append(E(f.Text)).Append("</bdi></td></tr>\n");
            }
            h.Append("</tbody></table>\n");
        }

        private static void Books(StringBuilder h, ReportText t, MigrationReport report)
        {
            h.Append("<table>\n<caption>").Append(E(t["Section.Books"])).Append("</caption>\n<thead><tr><th scope=\"col\">").Append(E(t["Col.Entity"])).Append("</th>");
            foreach (var label in new[] { "Col.Read", "Col.Inserted", "Col.Updated", "Col.Skipped", "Col.Merged", "Col.Rejected", "Col.Filtered", "Col.Deleted" })
            {
                h.Append("<th scope=\"col\" class=\"n\">").Append(E(t[label])).Append("</th>");
            }
            h.Append("<th scope=\"col\">").Append(E(t["Col.Balanced"])).Append("</th></tr></thead>\n<tbody>\n");
            var total = new ReportEntity(t["Label.Total"]);
            foreach (var e in report.Entities)
            {
                BookRow(h, t, e, "");
                total.Read += e.Read; total.Inserted += e.Inserted; total.Updated += e.Updated; total.Skipped += e.Skipped;
                total.Merged += e.Merged; total.Rejected += e.Rejected; total.Filtered += e.Filtered; total.Deleted += e.Deleted;
            }
            h.Append("</tbody>\n<tfoot>");
            BookRow(h, t, total, " class=\"total\"");
            h.Append("</tfoot></table>\n");
        }

        private static void BookRow(StringBuilder h, ReportText t, ReportEntity e, string cls)
        {
            h.Append("<tr").Append(cls).Append("><th scope=\"row\"><bdi>").Append(E(e.Name)).Append("</bdi></th>");
            foreach (long n in new[] { e.Read, e.Inserted, e.Updated, e.Skipped, e.Merged, e.Rejected, e.Filtered, e.Deleted })
            {
                h.Append("<td class=\"n\">").Append(t.N(n)).Append("</td>");
            }
            h.Append("<td class=\"").Append(e.Balanced ? "st-Pass" : "st-Fail").Append("\">").Append(E(t.YesNo(e.Balanced))).Append("</td></tr>\n");
        }

        /// <summary>Books per entity as 100% stacked bars: where every record of each entity went.</summary>
        private static void BooksChart(StringBuilder h, ReportText t, MigrationReport report)
        {
            const int labelWidth = 190, barWidth = 660, countWidth = 110, rowHeight = 26, top = 34;
            int width = labelWidth + barWidth + countWidth;
            int height = top + report.Entities.Count * rowHeight + 10;
            h.Append("<svg role=\"img\" aria-labelledby=\"chart-books-t\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height)
             .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height).Append("\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-books-t\">")
             .Append(E(t["Label.ChartBooks"])).Append("</title>\n");
            int x = labelWidth;
            foreach (var (outcome, color) in Segments)
            {
                h.Append("<rect x=\"").Append(x).Append("\" y=\"6\" width=\"12\" height=\"12\" fill=\"").Append(color).Append("\"/><text x=\"").Append(x + 16).Append("\" y=\"16\">")
                 .Append(E(t.Outcome(outcome))).Append("</text>\n");
                x += 105;
            }
            int y = top;
            foreach (var e in report.Entities)
            {
                h.Append("<text x=\"0\" y=\"").Append(y + 16).Append("\"><title>").Append(E(e.Name)).Append("</title>").Append(E(Shorten(e.Name, 26))).Append("</text>\n");
                double at = labelWidth;
                if (e.Read > 0)
                {
                    foreach (var (outcome, color) in Segments)
                    {
                        long n = Count(e, outcome);
                        if (n == 0) continue;
                        double w = Math.Max(1.0, barWidth * (double)n / e.Read);
                        h.Append("<rect x=\"").Append(D(at)).Append("\" y=\"").Append(y + 3).Append("\" width=\"").Append(D(w)).Append("\" height=\"").Append(rowHeight - 8)
                         .Append("\" fill=\"").Append(color).Append("\"><title>").Append(E(e.Name)).Append(": ").Append(E(t.Outcome(outcome))).Append(' ').Append(t.N(n)).Append("</title></rect>\n");
                        at += w;
                    }
                }
                h.Append("<text x=\"").Append(labelWidth + barWidth + 8).Append("\" y=\"").Append(y + 16).Append("\">").Append(t.N(e.Read)).Append("</text>\n");
                y += rowHeight;
            }
            h.Append("</svg>\n");
        }

        private static long Count(ReportEntity e, CrmOutcome outcome) => outcome switch
        {
            CrmOutcome.Inserted => e.Inserted,
            CrmOutcome.Updated => e.Updated,
            CrmOutcome.Skipped => e.Skipped,
            CrmOutcome.Merged => e.Merged,
            CrmOutcome.Filtered => e.Filtered,
            CrmOutcome.Deleted => e.Deleted,
            _ => e.Rejected,
        };

        /// <summary>Rejects by reason across entities, largest first (at most 15 bars).</summary>
        private static void ReasonsChart(StringBuilder h, ReportText t, MigrationReport report)
        {
            var bars = new List<(string Label, long Count)>();
            foreach (var e in report.Entities)
            {
                foreach (var r in e.Reasons) if (r.Outcome == CrmOutcome.Rejected) bars.Add((e.Name + ": " + r.Code, r.Count));
            }
            if (bars.Count == 0) return;
            bars.Sort((a, b) => b.Count.CompareTo(a.Count));
            if (bars.Count > 15) bars.RemoveRange(15, bars.Count - 15);
            long max = Math.Max(1, bars[0].Count);
            const int labelWidth = 330, barWidth = 520, countWidth = 110, rowHeight = 24;
            int width = labelWidth + barWidth + countWidth, height = bars.Count * rowHeight + 8;
            h.Append("<svg role=\"img\" aria-labelledby=\"chart-reasons-t\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height)
             .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height).Append("\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-reasons-t\">")
             .Append(E(t["Label.ChartReasons"])).Append("</title>\n");
            int y = 4;
            foreach (var (label, count) in bars)
            {
                double w = Math.Max(1.0, barWidth * (double)count / max);
                h.Append("<text x=\"0\" y=\"").Append(y + 15).Append("\"><title>").Append(E(label)).Append("</title>").Append(E(Shorten(label, 44))).Append("</text>")
                 .Append("<rect x=\"").Append(labelWidth).Append("\" y=\"").Append(y + 3).Append("\" width=\"").Append(D(w)).Append("\" height=\"").Append(rowHeight - 8).Append("\" fill=\"#cf222e\"/>")
                 .Append("<text x=\"").Append(D(labelWidth + w + 6)).Append("\" y=\"").Append(y + 15).Append("\">").Append(t.N(count)).Append("</text>\n");
                y += rowHeight;
            }
            h.Append("</svg>\n");
        }

        private static void Entities(StringBuilder h, ReportText t, MigrationReport report)
        {
            h.Append("<section id=\"entities\" aria-labelledby=\"h-entities\">\n<h2 id=\"h-entities\">").Append(E(t["Section.Entities"])).Append("</h2>\n");
            h.Append("<p class=\"note\">").Append(E(t.F("Label.ExampleCap", report.ExampleCap))).Append("</p>\n");
            ReasonsChart(h, t, report);
            if (report.Run?.RejectFolder is string folder) h.Append("<p>").Append(E(t["Label.RejectFolder"])).Append(": <code><bdi>").Append(E(folder)).Append("</bdi></code></p>\n");
            foreach (var e in report.Entities)
            {
                h.Append("<h3><bdi>").Append(E(e.Name)).Append("</bdi></h3>\n<p>");
                h.Append(E(t["Col.Read"])).Append(' ').Append(t.N(e.Read)).Append(" · ").Append(E(t["Col.Inserted"])).Append(' ').Append(t.N(e.Inserted))
                 .Append(" · ").Append(E(t["Col.Updated"])).Append(' ').Append(t.N(e.Updated)).Append(" · ").Append(E(t["Col.Skipped"])).Append(' ').Append(t.N(e.Skipped))
                 .Append(" · ").Append(E(t["Col.Merged"])).Append(' ').Append(t.N(e.Merged)).Append(" · ").Append(E(t["Col.Rejected"])).Append(' ').Append(t.N(e.Rejected))
                 .Append(" · ").Append(E(t["Col.Filtered"])).Append(' ').Append(t.N(e.Filtered));
                if (e.Deleted > 0) h.Append(" · ").Append(E(t["Col.Deleted"])).Append(' ').Append(t.N(e.Deleted));
                h.Append("</p>\n");
                if (e.RejectFiles.Count > 0)
                {
                    h.Append("<p>").Append(E(t["Col.RejectFiles"])).Append(':');
                    foreach (var f in e.RejectFiles) h.Append(" <code><bdi>").Append(E(f)).Append("</bdi></code>");
                    h.Append("</p>\n");
                }
                if (e.Reasons.Count == 0)
                {
                    h.Append("<p class=\"note\">").Append(E(t["Label.NoRejects"])).Append("</p>\n");
                    continue;
                }
                TableStart(h, e.Name + " – " + t["Section.Reasons"], t["Col.Outcome"], t["Col.Reason"], t["Col.Count"]);
                foreach (var r in e.Reasons)
                {
                    h.Append("<tr><td>").Append(E(t.Outcome(r.Outcome))).Append("</td><td><code>").Append(E(r.Code)).Append("</code></td><td class=\"n\">").Append(t.N(r.Count)).Append("</td></tr>\n");
                }
                h.Append("</tbody></table>\n");
                foreach (var r in e.Reasons)
                {
                    if (r.Examples.Count == 0) continue;
                    TableStart(h, e.Name + " – " + t.Outcome(r.Outcome) + " " + r.Code + " (" + t.N(r.Examples.Count) + " / " + t.N(r.Count) + ")",
                        t["Col.Key"], t["Col.Field"], t["Col.Value"], t["Col.Message"]);
                    foreach (var x in r.Examples)
                    {
                        h.Append("<tr><td><bdi>").Append(E(x.Key)).Append("</bdi></td><td><bdi>").Append(E(x.Field ?? "")).Append("</bdi></td><td><bdi>")
                         .Append(E(x.Value ?? (x.Field is not null && Util.SecretNames.LooksSecret(x.Field) ? t["Label.ValueRedacted"] : ""))).Append("</bdi></td><td><bdi>")
                         .Append(E(x.Message ?? "")).Append("</bdi></td></tr>\n");
                    }
                    h.Append("</tbody></table>\n");
                }
            }
            h.Append("</section>\n");
        }

        private static void Checks(StringBuilder h, ReportText t, MigrationReport report)
        {
            h.Append("<section id=\"checks\" aria-labelledby=\"h-checks\">\n<h2 id=\"h-checks\">").Append(E(t["Section.Checks"])).Append("</h2>\n");
            if (report.Checks.Count == 0)
            {
                h.Append("<p class=\"note\">").Append(E(t["Label.NoChecks"])).Append("</p>\n</section>\n");
                return;
            }
            TableStart(h, t["Section.Checks"], t["Col.Entity"], t["Col.Check"], t["Col.Status"], t["Col.Expected"], t["Col.Actual"], t["Col.Details"], t["Col.Samples"]);
            foreach (var c in report.Checks)
            {
                h.Append("<tr><th scope=\"row\"><bdi>").Append(E(c.Entity)).Append("</bdi></th><td>").Append(E(c.Check)).Append("</td><td class=\"st-").Append(E(c.Status)).Append("\">")
                 .Append(E(c.Status)).Append("</td><td class=\"n\">").Append(c.Expected is long ex ? t.N(ex) : "").Append("</td><td class=\"n\">").Append(c.Actual is long ac ? t.N(ac) : "")
                 .Append("</td><td><bdi>").Append(E(c.Details)).Append("</bdi></td><td>");
                for (int i = 0; i < c.Samples.Count; i++) h.Append(i > 0 ? "<br>" : "").Append("<bdi>").Append(E(c.Samples[i])).Append("</bdi>");
                h.Append("</td></tr>\n");
            }
            h.Append("</tbody></table>\n");
            foreach (var c in report.Checks)
            {
                if (c.Differences.Count == 0) continue;
                TableStart(h, c.Entity + " – " + c.Check + " – " + t["Col.Differences"], t["Col.Key"], t["Col.Field"], t["Col.SourceValue"], t["Col.TargetValue"], t["Col.Note"]);
                foreach (var d in c.Differences)
                {
                    h.Append("<tr><td><bdi>").Append(E(d.Key ?? "")).Append("</bdi></td><td><bdi>").Append(E(d.Field)).Append("</bdi></td><td class=\"mono\"><bdi>").Append(E(d.Source))
                     .Append("</bdi></td><td class=\"mono\"><bdi>").Append(E(d.Target)).Append("</bdi></td><td><bdi>").Append(E(d.Note ?? "")).Append("</bdi></td></tr>\n");
                }
                h.Append("</tbody></table>\n");
            }
            h.Append("</section>\n");
        }

        private static void Merges(StringBuilder h, ReportText t, MigrationReport report)
        {
            var m = report.Merges;
            h.Append("<section id=\"merges\" aria-labelledby=\"h-merges\">\n<h2 id=\"h-merges\">").Append(E(t["Section.Merges"])).Append("</h2>\n<p>")
             .Append(E(t.F("Label.MergeCount", m.Groups, m.Records, m.Shown.Count))).Append("</p>\n");
            TableStart(h, t["Section.Merges"], t["Col.Entity"], t["Col.Survivor"], t["Col.Members"], t["Col.Rule"], t["Col.Score"], t["Col.Details"]);
            foreach (var g in m.Shown)
            {
                h.Append("<tr><th scope=\"row\"><bdi>").Append(E(g.Entity)).Append("</bdi></th><td><bdi>").Append(E(g.Survivor)).Append("</bdi></td><td>");
                for (int i = 0; i < g.Members.Count; i++) h.Append(i > 0 ? ", " : "").Append("<bdi>").Append(E(g.Members[i])).Append("</bdi>");
                h.Append("</td><td>").Append(E(g.Rule)).Append("</td><td class=\"n\">").Append(g.Score is double s ? s.ToString("0.###", CultureInfo.InvariantCulture) : "")
                 .Append("</td><td><bdi>").Append(E(g.Details)).Append("</bdi></td></tr>\n");
            }
            h.Append("</tbody></table>\n</section>\n");
        }

        private static void Mapping(StringBuilder h, ReportText t, ReportMapping m)
        {
            h.Append("<section id=\"mapping\" aria-labelledby=\"h-mapping\">\n<h2 id=\"h-mapping\">").Append(E(t["Section.Mapping"])).Append("</h2>\n<p>")
             .Append(E(t["Label.MappingHash"])).Append(": <code>").Append(E(m.Hash)).Append("</code>");
            if (m.Path is not null) h.Append("<br>").Append(E(t["Label.MappingPath"])).Append(": <code><bdi>").Append(E(m.Path)).Append("</bdi></code>");
            h.Append("</p>\n");
            if (m.Entities.Count == 0) h.Append("<p class=\"note\">").Append(E(t["Label.NoMapping"])).Append("</p>\n");
            foreach (var e in m.Entities)
            {
                h.Append("<h3><bdi>").Append(E(e.Source)).Append("</bdi> → <bdi>").Append(E(e.Target)).Append("</bdi></h3>\n<p>").Append(E(t["Col.KeyFields"])).Append(": <bdi>").Append(E(e.Key)).Append("</bdi>");
                if (e.Filters.Length > 0) h.Append("<br>").Append(E(t["Col.Filters"])).Append(": <bdi>").Append(E(e.Filters)).Append("</bdi>");
                h.Append("</p>\n");
                TableStart(h, e.Source + " → " + e.Target, t["Col.Target"], t["Col.Source"], t["Col.Type"], t["Col.Rules"]);
                foreach (var f in e.Fields)
                {
                    h.Append("<tr><th scope=\"row\"><bdi>").Append(E(f.Target)).Append("</bdi></th><td><bdi>").Append(E(f.Source)).Append("</bdi></td><td>").Append(E(f.Type))
                     .Append("</td><td><bdi>").Append(E(f.Rules)).Append("</bdi></td></tr>\n");
                }
                h.Append("</tbody></table>\n");
            }
            h.Append("</section>\n");
        }

        private static void Decommission(StringBuilder h, ReportText t, ReportDecommission d)
        {
            h.Append("<section id=\"decommission\" aria-labelledby=\"h-decommission\">\n<h2 id=\"h-decommission\">").Append(E(t["Section.Decommission"])).Append("</h2>\n");
            TableStart(h, t["Section.Decommission"], t["Col.Stage"], t["Col.Status"], t["Col.Attempts"], t["Col.Started"], t["Col.Completed"], t["Col.Notes"], t["Col.Evidence"]);
            foreach (var s in d.Stages)
            {
                h.Append("<tr><th scope=\"row\">").Append(E(s.Stage)).Append("</th><td class=\"st-").Append(E(s.Status)).Append("\">").Append(E(s.Status)).Append("</td><td class=\"n\">")
                 .Append(s.Attempts.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(Time(s.StartedUtc)).Append("</td><td>").Append(Time(s.CompletedUtc))
                 .Append("</td><td><bdi>").Append(E(s.Notes));
                foreach (var a in s.Actions) h.Append("<br>• <bdi>").Append(E(a)).Append("</bdi>");
                h.Append("</bdi></td><td>");
                bool first = true;
                foreach (var kv in s.Evidence)
                {
                    h.Append(first ? "" : "<br>").Append(E(kv.Key)).Append(": <span class=\"mono\"><bdi>").Append(E(kv.Value)).Append("</bdi></span>");
                    first = false;
                }
                h.Append("</td></tr>\n");
            }
            h.Append("</tbody></table>\n");
            if (d.Exclusions.Count > 0)
            {
                h.Append("<p>").Append(E(t["Label.Exclusions"])).Append(":</p><ul>");
                foreach (var x in d.Exclusions) h.Append("<li><bdi>").Append(E(x)).Append("</bdi></li>");
                h.Append("</ul>\n");
            }
            h.Append("<h3>").Append(E(t["Section.Inventory"])).Append("</h3>\n");
            TableStart(h, t["Section.Inventory"], t["Col.Kind"], t["Col.Name"], t["Col.Status"], t["Col.Records"], t["Col.ContentHash"], t["Col.Details"]);
            foreach (var i in d.Inventory)
            {
                h.Append("<tr><td>").Append(E(i.Kind)).Append("</td><th scope=\"row\"><bdi>").Append(E(i.Name)).Append("</bdi></th><td class=\"st-").Append(E(i.Status)).Append("\">").Append(E(i.Status))
                 .Append("</td><td class=\"n\">").Append(i.Records is long n ? t.N(n) : "").Append("</td><td class=\"mono\">").Append(E(i.ContentHash ?? "")).Append("</td><td><bdi>")
                 .Append(E(i.Detail)).Append("</bdi></td></tr>\n");
            }
            h.Append("</tbody></table>\n</section>\n");
        }

        private static void Provenance(StringBuilder h, ReportText t, MigrationReport report)
        {
            h.Append("<section id=\"run\" aria-labelledby=\"h-run\">\n<h2 id=\"h-run\">").Append(E(t["Section.Run"])).Append("</h2>\n");
            TableStart(h, t["Section.Run"], t["Col.Item"], t["Col.Value"]);
            foreach (var (label, value) in ReportFacts.Provenance(report, t))
            {
                h.Append("<tr><th scope=\"row\">").Append(E(label)).Append("</th><td><bdi>").Append(E(value)).Append("</bdi></td></tr>\n");
            }
            h.Append("</tbody></table>\n</section>\n");
        }

        private static void TableStart(StringBuilder h, string caption, params string[] headers)
        {
            h.Append("<table>\n<caption><bdi>").Append(E(caption)).Append("</bdi></caption>\n<thead><tr>");
            foreach (var c in headers) h.Append("<th scope=\"col\">").Append(E(c)).Append("</th>");
            h.Append("</tr></thead>\n<tbody>\n");
        }

        private static string Time(DateTimeOffset t) => E(t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)) + " UTC";

        private static string Time(DateTime? t) => t is DateTime d ? d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

        private static string D(double d) => d.ToString("0.##", CultureInfo.InvariantCulture);

        private static string Shorten(string s, int max) => s.Length <= max ? s : s.Substring(0, char.IsHighSurrogate(s[max - 2]) ? max - 2 : max - 1) + "…";

        /// <summary>
        /// HTML-encodes text for element content and attribute values: &amp; &lt; &gt; &quot; and &#39;; control characters
        /// and unpaired surrogates become U+FFFD, so nothing in a value can open markup or break the document.
        /// </summary>
        public static string E(string? s)
        {
            if (string.IsNullOrEmpty(s)) return "";
            StringBuilder? sb = null;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                string? rep = c switch
                {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#39;",
                    _ => null,
                };
                if (rep is null)
                {
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb?.Append(c).Append(s[i + 1]);
                        i++;
                        continue;
                    }
                    if ((c < ' ' && c != '\n' && c != '\t') || c == '\u007f' || char.IsSurrogate(c)) rep = "\uFFFD";
                }
                if (rep is null)
                {
                    sb?.Append(c);
                    continue;
                }
                sb ??= new StringBuilder(s.Length + 16).Append(s, 0, i);
                sb.Append(rep);
            }
            return sb?.ToString() ?? s;
        }
    }
}
