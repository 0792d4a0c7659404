using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Reports
{
    /// <summary>The report's label/value facts, listed once for every writer (HTML, XLSX).</summary>
    public static class ReportFacts
    {
        /// <summary>Source and target, operator, host, module version, run id, ledger, mapping and audit log (no secrets: the model holds none).</summary>
        public static List<(string Label, string Value)> Provenance(MigrationReport report, ReportText t)
        {
            var list = new List<(string, string)>
            {
                (t["Label.Kind"], report.Title),
                (t["Label.Generated"], report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                (t["Label.Source"], report.Source),
                (t["Label.Target"], report.Target),
                (t["Label.Operator"], report.Operator),
                (t["Label.Host"], report.Host),
                (t["Label.ModuleVersion"], report.ModuleVersion),
                (t["Label.Culture"], report.Culture),
            };
            if (report.Run is ReportRun r)
            {
                list.Add((t["Label.RunId"], r.RunId));
                list.Add((t["Label.Status"], r.Status));
                list.Add((t["Label.Started"], r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
                list.Add((t["Label.Finished"], r.FinishedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? ""));
                list.Add((t["Label.Duration"], ReportText.Duration(r.Duration)));
                list.Add((t["Label.Attempts"], r.Attempts.ToString(CultureInfo.InvariantCulture)));
                list.Add((t["Label.Ledger"], r.LedgerPath ?? ""));
                if (r.RejectFolder is not null) list.Add((t["Label.RejectFolder"], r.RejectFolder));
                list.Add((t["Label.Parameters"], r.Parameters));
            }
            if (report.Mapping is ReportMapping m)
            {
                list.Add((t["Label.MappingHash"], m.Hash));
                if (m.Path is not null) list.Add((t["Label.MappingPath"], m.Path));
            }
            if (report.Decommission is ReportDecommission d)
            {
                list.Add((t["Label.System"], d.System));
                list.Add((t["Label.Provider"], d.Provider));
                list.Add((t["Label.StatePath"], d.StatePath));
                list.Add((t["Label.ArchivePath"], d.ArchivePath));
                list.Add((t["Label.ArchiveId"], d.ArchiveId ?? ""));
                list.Add((t["Label.TagManifest"], d.TagManifestSha512 ?? ""));
                list.Add((t["Label.ArchiveVerified"], t.YesNo(d.ArchiveVerified)));
                list.Add((t["Label.RetainUntil"], d.RetainUntil?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""));
                list.Add((t["Label.LegalHold"], t.YesNo(d.LegalHold)));
            }
            if (report.AuditLog is ReportAuditLog log)
            {
                list.Add((t["Label.AuditLog"], log.Path));
                list.Add((t["Label.AuditChain"], t[log.Valid ? "Label.Valid" : "Label.Broken"]));
                list.Add((t["Label.AuditLines"], log.Lines.ToString(CultureInfo.InvariantCulture)));
                list.Add((t["Label.AuditHead"], log.HeadHash));
            }
            return list;
        }
    }
}
