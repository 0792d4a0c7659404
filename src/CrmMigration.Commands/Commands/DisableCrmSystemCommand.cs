using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using CrmMigration.Engine.Archive;
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
    public sealed class DisableCrmSystemCommand : CrmSystemCmdlet
    {
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

        /// <summary>Tables (or other objects) to leave out of the final archive, with * and ? wildcards; needs -ExcludeReason.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Exclude { get; set; }

        /// <summary>Why the -Exclude objects need no archive (recorded in the archive's manifest with the operator's name).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ExcludeReason { get; set; }

        /// <summary>The application's uploaded files (SuiteCRM upload/, Odoo filestore), archived and hashed with the data.</summary>
        [Parameter]
        public string? AttachmentPath { get; set; }

        /// <summary>What Revoke does with the CRM's administrators: Keep (default) or Disable.</summary>
        [Parameter]
        public AdministratorChoice Administrator { get; set; } = AdministratorChoice.Keep;

        /// <summary>With -Stage Revoke: restore every value Revoke changed, from the state file.</summary>
        [Parameter]
        public SwitchParameter Undo { get; set; }

        /// <summary>Takes the final archive again into a new -ArchivePath (the old one is kept), then verifies it.</summary>
        [Parameter]
        public SwitchParameter RestartArchive { get; set; }

        /// <summary>Notify: the SMTP server; without it the announcement is written as .eml files and a recipient list.</summary>
        [Parameter]
        public string? SmtpServer { get; set; }

        /// <summary>Notify: the SMTP port (default 25; 465 for TLS from the first byte).</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int SmtpPort { get; set; } = 25;

        /// <summary>Notify: the SMTP credential.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Notify: refuse to send without TLS (by default TLS is used whenever the server offers it).</summary>
        [Parameter]
        public SwitchParameter RequireTls { get; set; }

        /// <summary>Notify: the sender address.</summary>
        [Parameter]
        public string? From { get; set; }

        /// <summary>Notify: the shutdown date announced (default: the day Notify runs).</summary>
        [Parameter]
        public DateTime? ShutdownDate { get; set; }

        /// <summary>Notify: who users should contact.</summary>
        [Parameter]
        public string? Contact { get; set; }

        /// <summary>Notify: a template file (first line "Subject: ...", then the body; {{Name}}, {{System}}, {{ShutdownDate}}, {{ArchivePath}}, {{Contact}}).</summary>
        [Parameter]
        public string? TemplatePath { get; set; }

        /// <summary>Also write a decommission report (stages, inventory, audit head) at the end of the run: .html, .xlsx or .json; not under -WhatIf.</summary>
        [Parameter]
        public string[]? ReportPath { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            CrmConnection connection;
            DecommissionRunner runner;
            DecommissionOptions options;
            var reportPaths = ResolveReportPaths(ReportPath);
            try
            {
                connection = ResolveSystem();
                string state = ResolvePath(StatePath!);
                options = new DecommissionOptions
                {
                    ArchivePath = ResolvePath(ArchivePath!),
                    StatePath = state,
                    AuditLogPath = AuditLogPath is null ? System.IO.Path.ChangeExtension(state, ".audit.jsonl") : ResolvePath(AuditLogPath),
                    RetainUntil = RetainUntil,
                    LegalHold = MyInvocation.BoundParameters.ContainsKey(nameof(LegalHold)) ? LegalHold.IsPresent : null,
                    AllowShorterRetention = Force.IsPresent,
                    AcknowledgeFindings = Force.IsPresent,
                    ApplicationRoles = ApplicationRole ?? Array.Empty<string>(),
                    DropDatabase = DropDatabase.IsPresent,
                    Administrators = Administrator,
                    AttachmentPath = AttachmentPath is null ? null : ResolvePath(AttachmentPath),
                    RestartArchive = RestartArchive.IsPresent,
                    Notify = new NotifyOptions
                    {
                        SmtpServer = SmtpServer,
                        SmtpPort = SmtpPort,
                        Credential = Credential?.GetNetworkCredential(),
                        RequireTls = RequireTls.IsPresent,
                        From = From ?? "crm-decommission@" + Environment.MachineName.ToLowerInvariant() + ".localdomain",
                        ShutdownDate = ShutdownDate,
                        Contact = Contact,
                        TemplatePath = TemplatePath is null ? null : ResolvePath(TemplatePath),
                    },
                };
                if (Exclude is not null)
                {
                    if (string.IsNullOrWhiteSpace(ExcludeReason)) throw new CrmException("ExcludeReasonMissing", CrmErrorKind.InvalidArgument, "-Exclude needs -ExcludeReason: the archive's manifest records why each object was left out, and who decided it.");
                    foreach (var x in Exclude) options.Exclusions.Add(new ExcludeRule(x, ExcludeReason!, Environment.UserName, DateTime.UtcNow));
                }
                if (Undo.IsPresent && Stage != CrmDecommissionStage.Revoke) throw new CrmException("UndoNeedsRevoke", CrmErrorKind.InvalidArgument, "-Undo applies to the Revoke stage: use -Stage Revoke -Undo.");
                if ((ApplicationRole is not null || DropDatabase.IsPresent) && connection.Provider is not (CrmProviderKind.PostgreSql or CrmProviderKind.MySql))
                {
                    throw new CrmException("DecommissionParameterNotApplicable", CrmErrorKind.InvalidArgument, $"-ApplicationRole and -DropDatabase apply to PostgreSQL and MySQL/MariaDB systems, not to {connection.Provider}.");
                }
                foreach (var kv in MyInvocation.BoundParameters)
                {
                    if (kv.Key is nameof(Connection) or nameof(Credential)) continue;
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
                if (Credential is not null) options.AuditParameters[nameof(Credential)] = Credential.UserName + " (password not recorded)";
                runner = new DecommissionRunner(connection, options);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Path);
                return;
            }

            var host = new RunnerHost(this);
            CrmException? failed = null;
            try
            {
                if (Undo.IsPresent) runner.DriveUndo(host);
                else runner.Drive(Stage ?? (Purge.IsPresent ? CrmDecommissionStage.Purge : CrmDecommissionStage.Retain), Purge.IsPresent, host, CancellationToken);
            }
            catch (CrmException ex)
            {
                failed = ex;
            }
            // The report of the state as it now stands (an interrupted stage shows as such); -WhatIf writes nothing.
            if (!host.WhatIf && System.IO.File.Exists(options.StatePath))
            {
                WriteRunReport(reportPaths, () => new Engine.Reports.ReportRequest { DecommissionStatePath = options.StatePath, AuditLogPath = options.AuditLogPath });
            }
            if (failed is not null) ThrowCrm(failed, connection);
        }

        /// <summary>The cmdlet's side of the runner: ShouldProcess decides, output and progress go to PowerShell.</summary>
        private sealed class RunnerHost : IDecommissionHost
        {
            private readonly DisableCrmSystemCommand _cmd;
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            public RunnerHost(DisableCrmSystemCommand cmd) { _cmd = cmd; }

            /// <summary>True once any stage was only described (-WhatIf).</summary>
            public bool WhatIf { get; private set; }

            public StageConsent Consent(CrmDecommissionStage stage, string target, string action, bool destructive, string warning)
            {
                var answer = _cmd.Ask(target, action);
                if (answer == CrmCmdlet.Consent.WhatIf) WhatIf = true;
                if (answer != CrmCmdlet.Consent.Yes) return answer == CrmCmdlet.Consent.WhatIf ? StageConsent.WhatIf : StageConsent.No;
                if (destructive && !_cmd.Force.IsPresent && !_cmd.ShouldContinue(warning, stage.ToString())) return StageConsent.No;
                return StageConsent.Yes;
            }

            public void Report(CrmDecommissionReport report) => _cmd.WriteObject(report);
            public void Error(CrmException error, CrmDecommissionReport report) => _cmd.WriteCrmError(error.Error, report);
            public void Progress(CrmDecommissionStage stage, string entity, long records) => _cmd.WriteThrottledProgress(1, "Disable-CrmSystem " + stage + " " + entity, stage.ToString(), records, _clock.Elapsed.TotalSeconds);
            public void ProgressDone(CrmDecommissionStage stage) => _cmd.CompleteProgress(1, "Disable-CrmSystem " + stage);
            public void Verbose(string text) => _cmd.WriteVerbose(text);
        }
    }
}
