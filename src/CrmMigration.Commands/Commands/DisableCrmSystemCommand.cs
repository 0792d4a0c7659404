using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using CrmMigration.Engine.Decommission;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Decommissions a system in stages (Freeze, Archive, Verify, Revoke, Retain, Purge), recording each in a
    /// state file so a re-run continues where the last one stopped, and each in a hash-chained audit log.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Disable, "CrmSystem", DefaultParameterSetName = "Connection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CrmDecommissionReport))]
    public sealed class DisableCrmSystemCommand : CrmCmdlet
    {
        /// <summary>The system to decommission (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>The system as a path.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>Where the final archive (a bag folder) is written.</summary>
        [Parameter(Mandatory = true)]
        public string? ArchivePath { get; set; }

        /// <summary>The decommission state file (JSON); a re-run continues from it.</summary>
        [Parameter(Mandatory = true)]
        public string? StatePath { get; set; }

        /// <summary>The last stage to run.</summary>
        [Parameter]
        public CrmDecommissionStage? Stage { get; set; }

        /// <summary>Retention date: Purge is refused until it has passed.</summary>
        [Parameter]
        public DateTime? RetainUntil { get; set; }

        /// <summary>Records a legal hold (-LegalHold:$false releases it): Purge is refused while it holds.</summary>
        [Parameter]
        public SwitchParameter LegalHold { get; set; }

        /// <summary>Runs the Purge stage (deletes the source data).</summary>
        [Parameter]
        public SwitchParameter Purge { get; set; }

        /// <summary>Skips the purge confirmation prompt (never overrides -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>PostgreSQL roles or MySQL/MariaDB accounts ("user" or "user@host") the CRM connects as; default: discovered from the write grants.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? ApplicationRole { get; set; }

        /// <summary>Purge drops the whole database rather than its tables (PostgreSQL and MySQL/MariaDB only).</summary>
        [Parameter]
        public SwitchParameter DropDatabase { get; set; }

        /// <summary>The audit log; defaults to the state file's name with .audit.jsonl.</summary>
        [Parameter]
        public string? AuditLogPath { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            CrmConnection connection;
            DecommissionRunner runner;
            try
            {
                connection = ResolveConnection(Connection, Path, LiteralPath);
                string state = ResolvePath(StatePath!);
                var options = new DecommissionOptions
                {
                    ArchivePath = ResolvePath(ArchivePath!),
                    StatePath = state,
                    AuditLogPath = AuditLogPath is null ? System.IO.Path.ChangeExtension(state, ".audit.jsonl") : ResolvePath(AuditLogPath),
                    RetainUntil = RetainUntil,
                    LegalHold = MyInvocation.BoundParameters.ContainsKey(nameof(LegalHold)) ? LegalHold.IsPresent : null,
                    AllowShorterRetention = Force.IsPresent,
                    ApplicationRoles = ApplicationRole ?? Array.Empty<string>(),
                    DropDatabase = DropDatabase.IsPresent,
                };
                if ((ApplicationRole is not null || DropDatabase.IsPresent) && connection.Provider is not (CrmProviderKind.PostgreSql or CrmProviderKind.MySql))
                {
                    throw new CrmException("DecommissionParameterNotApplicable", CrmErrorKind.InvalidArgument, $"-ApplicationRole and -DropDatabase apply to PostgreSQL and MySQL/MariaDB systems, not to {connection.Provider}.");
                }
                foreach (var kv in MyInvocation.BoundParameters)
                {
                    if (kv.Key is nameof(Connection)) continue;
                    object? v = kv.Value is PSObject p ? p.BaseObject : kv.Value;
                    options.AuditParameters[kv.Key] = v switch
                    {
                        null => null,
                        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        SwitchParameter s => s.IsPresent ? "true" : "false",
                        string[] a => string.Join(",", a),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        _ => v.ToString(),
                    };
                }
                runner = new DecommissionRunner(connection, options);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Path);
                return;
            }

            bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && ((SwitchParameter)w).IsPresent;
            var last = Stage ?? (Purge.IsPresent ? CrmDecommissionStage.Purge : CrmDecommissionStage.Retain);
            var reports = new List<CrmDecommissionReport>();
            bool anyRan = false;
            try
            {
                for (var stage = CrmDecommissionStage.Freeze; stage <= last; stage++)
                {
                    CrmDecommissionReport report;
                    if (stage == CrmDecommissionStage.Purge && !Purge.IsPresent)
                    {
                        report = runner.Described(stage, CrmStageStatus.Skipped, "Purge runs only with -Purge.");
                    }
                    else if (runner.IsFinished(stage))
                    {
                        report = runner.AlreadyDone(stage);
                        if (stage == CrmDecommissionStage.Retain && ShouldProcess(connection.DisplayName, "Retain: " + string.Join("; ", runner.Plan(stage))))
                        {
                            var updated = runner.UpdateRetention();
                            if (updated is not null) { report = updated; anyRan = true; }
                        }
                    }
                    else
                    {
                        string action = stage + ": " + string.Join("; ", runner.Plan(stage));
                        bool go = stage == CrmDecommissionStage.Purge
                            ? ShouldProcess(connection.DisplayName, action) && (Force.IsPresent || ShouldContinue(
                                $"Delete the data of {connection.DisplayName}? The archive '{runner.State.ArchivePath}' was verified; this cannot be undone.", "Purge"))
                            : ShouldProcess(connection.DisplayName, action);
                        if (!go)
                        {
                            string? refusal = stage == CrmDecommissionStage.Purge ? runner.PurgeRefusal() : null;
                            report = runner.Described(stage, CrmStageStatus.WhatIf, refusal is null ? "Not run (-WhatIf or not confirmed)." : "Not run; it would also be refused now: " + refusal + ".");
                            reports.Add(report);
                            WriteObject(report);
                            if (whatIf) continue;
                            break;
                        }
                        if (stage == CrmDecommissionStage.Purge && runner.PurgeRefusal() is string why)
                        {
                            try { runner.Run(stage, null, CancellationToken); }
                            catch (CrmException ex)
                            {
                                report = runner.Described(stage, CrmStageStatus.Refused, why);
                                reports.Add(report);
                                WriteObject(report);
                                WriteCrmError(ex.Error, report);
                                anyRan = true;
                                break;
                            }
                        }
                        var clock = Stopwatch.StartNew();
                        anyRan = true;
                        report = runner.Run(stage, (entity, n) => WriteThrottledProgress(1, "Disable-CrmSystem Archive " + entity, "Archiving", n, clock.Elapsed.TotalSeconds), CancellationToken);
                        if (stage == CrmDecommissionStage.Archive) CompleteProgress(1, "Disable-CrmSystem Archive");
                    }
                    reports.Add(report);
                    WriteObject(report);
                }
            }
            catch (CrmException ex)
            {
                var failed = new CrmDecommissionReport(ReportStage(runner, last), CrmStageStatus.Failed) { System = connection.DisplayName, Notes = ex.Error.Message };
                reports.Add(failed);
                WriteObject(failed);
                WriteReports(runner, reports, anyRan && !whatIf);
                ThrowCrm(ex, connection);
                return;
            }
            WriteReports(runner, reports, anyRan && !whatIf);
        }

        private static CrmDecommissionStage ReportStage(DecommissionRunner runner, CrmDecommissionStage last)
        {
            for (var s = CrmDecommissionStage.Freeze; s <= last; s++) if (!runner.IsFinished(s)) return s;
            return last;
        }

        private void WriteReports(DecommissionRunner runner, List<CrmDecommissionReport> reports, bool write)
        {
            if (!write) return;
            var (json, html) = runner.WriteReports(reports);
            WriteVerbose($"Reports: {html} and {json}.");
        }
    }
}
