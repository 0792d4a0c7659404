using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Reports;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Writes a report people read (HTML, XLSX) and machines read (JSON) about a migration run, its validation and
    /// merges, or a decommission: the verdict, the books per entity, rejects by reason with examples, the checks,
    /// the mapping and who ran what where.
    /// </summary>
    [Cmdlet(VerbsData.Export, "CrmReport", DefaultParameterSetName = "Path", SupportsShouldProcess = true)]
    [OutputType(typeof(CrmReportFile))]
    public sealed class ExportCrmReportCommand : CrmCmdlet
    {
        private readonly List<CrmValidationResult> _checks = new();
        private readonly List<CrmImportSummary> _summaries = new();
        private readonly List<ReportMergeGroup> _merges = new();
        private CrmMigrationRun? _run;

        /// <summary>The report files; the extension of each (.html, .xlsx, .json) picks its format.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
        public string[]? Path { get; set; }

        /// <summary>The report files, taken exactly as written.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string[]? LiteralPath { get; set; }

        /// <summary>What to report on, from the pipeline: a run (Get-CrmMigrationRun), Test-CrmMigration results, Import-CrmData or Copy-CrmData summaries, merge groups.</summary>
        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The ledger run to report on (default: the newest run in the ledger).</summary>
        [Parameter]
        public string? RunId { get; set; }

        /// <summary>The import target whose default ledger holds the run (a connection or a path).</summary>
        [Parameter]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>A migration ledger (a file, or a PostgreSQL connection, connection string or postgresql:// address), or a Disable-CrmSystem state file for a decommission report.</summary>
        [Parameter]
        public object? StatePath { get; set; }

        /// <summary>Test-CrmMigration results to include (also accepted from the pipeline).</summary>
        [Parameter]
        public CrmValidationResult[]? ValidationResult { get; set; }

        /// <summary>Merge groups to list (objects with Survivor and Members; also accepted from the pipeline).</summary>
        [Parameter]
        public PSObject[]? MergeGroup { get; set; }

        /// <summary>The mapping the run used (a .psd1 or .json file, or a hashtable), to show its entities, fields and transforms.</summary>
        [Parameter]
        public object? Mapping { get; set; }

        /// <summary>The run's reject folder, to name each entity's reject file (default: the -RejectPath the run recorded).</summary>
        [Parameter]
        public string? RejectPath { get; set; }

        /// <summary>A hash-chained audit log whose head hash the report shows (default for a decommission: the state file's .audit.jsonl).</summary>
        [Parameter]
        public string? AuditLogPath { get; set; }

        /// <summary>The language of labels and verdicts: English, or Chinese for any zh culture (default: the session's UI culture).</summary>
        [Parameter]
        public CultureInfo? Culture { get; set; }

        /// <summary>The most example records shown per reject or filter reason (counts stay exact).</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int MaxExamples { get; set; } = 5;

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            if (InputObject is null) return;
            switch (InputObject.BaseObject)
            {
                case CrmMigrationRun run:
                    if (_run is not null && !string.Equals(_run.RunId, run.RunId, StringComparison.Ordinal))
                    {
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException($"Several runs were piped ({_run.RunId}, {run.RunId}); a report is about one run: pipe one (Get-CrmMigrationRun ... | Select-Object -First 1) or give -RunId."),
                            "ReportRunAmbiguous", ErrorCategory.InvalidArgument, run));
                    }
                    _run = run;
                    break;
                case CrmValidationResult check:
                    _checks.Add(check);
                    break;
                case CrmImportSummary summary:
                    _summaries.Add(summary);
                    break;
                default:
                    if (!AddMergeGroup(InputObject))
                    {
                        WriteCrmError(new CrmDataError("ReportInputNotSupported", CrmErrorKind.InvalidArgument,
                            $"Export-CrmReport does not know what to do with a {InputObject.BaseObject.GetType().Name}: pipe runs, Test-CrmMigration results, import summaries or merge groups."), InputObject);
                    }
                    break;
            }
        }

        private bool AddMergeGroup(PSObject value)
        {
            var properties = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            if (value.BaseObject is System.Collections.IDictionary table)
            {
                foreach (System.Collections.DictionaryEntry e in table) properties[Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? ""] = Unwrap(e.Value);
            }
            else
            {
                foreach (var p in value.Properties)
                {
                    if (p.IsGettable) properties[p.Name] = Unwrap(p.Value);
                }
            }
            var group = ReportInputs.MergeGroup(properties);
            if (group is null) return false;
            _merges.Add(group);
            return true;
        }

        private static object? Unwrap(object? v) => v is PSObject p ? p.BaseObject : v;

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var paths = ResolveReportPaths(Path ?? LiteralPath)!;
            if (MergeGroup is not null)
            {
                foreach (var g in MergeGroup)
                {
                    if (g is not null && !AddMergeGroup(g)) WriteCrmError(new CrmDataError("ReportInputNotSupported", CrmErrorKind.InvalidArgument, "A -MergeGroup object has no Survivor property."), g);
                }
            }
            if (ValidationResult is not null) _checks.AddRange(ValidationResult);

            MigrationLedger? ledger = null;
            try
            {
                var request = new ReportRequest
                {
                    RunId = RunId ?? _run?.RunId ?? SummaryRunId(),
                    RequireRun = true,
                    Checks = _checks.Count > 0 || ValidationResult is not null ? _checks : null,
                    MergeGroups = _merges.Count > 0 ? _merges : null,
                    MaxExamples = MaxExamples,
                    RejectFolder = RejectPath is null ? null : ResolvePath(RejectPath),
                    AuditLogPath = AuditLogPath is null ? null : ResolvePath(AuditLogPath),
                    Target = Target?.DisplayName,
                };
                if (Mapping is not null) request.Mapping = MappingLoader.Load(Mapping, ResolvePath).Definition;
                object? state = StatePath ?? _run?.StatePath;
                var location = LedgerLocator.FromStatePath(state, ResolvePath);
                if (location is { IsFile: true, FilePath: string file } && ReportInputs.KindOf(file) == ReportInputs.StateFileKind.Decommission)
                {
                    request.DecommissionStatePath = file;
                    state = null;
                }
                if (state is not null || Target is not null)
                {
                    ledger = state is not null ? LedgerLocator.Open(state, null, ResolvePath) : LedgerLocator.Open(null, Target, ResolvePath);
                    request.Ledger = ledger;
                }
                else if (_summaries.Count > 0)
                {
                    request.Summaries = _summaries;
                }
                if (request.Ledger is null && request.Summaries is null && request.Checks is null && request.DecommissionStatePath is null && request.MergeGroups is null)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("Nothing to report on: give -Target or -StatePath (a ledger or a decommission state file), or pipe a run, Test-CrmMigration results or import summaries."),
                        "ReportInputMissing", ErrorCategory.InvalidArgument, null));
                }

                var go = new List<string>();
                foreach (var p in paths)
                {
                    var answer = Ask(p, "Write report");
                    if (answer == Consent.Yes) go.Add(p);
                    else if (answer == Consent.WhatIf) WriteObject(new CrmReportFile(p, ReportWriter.FormatOf(p).ToString()) { WhatIf = true });
                }
                if (go.Count == 0) return;
                foreach (var f in WriteReport(go, request, Culture)) WriteObject(f);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, StatePath ?? (object?)Target ?? paths[0]);
            }
            finally
            {
                ledger?.Dispose();
            }
        }

        /// <summary>The run the piped summaries belong to, when they name one.</summary>
        private string? SummaryRunId()
        {
            foreach (var s in _summaries) if (s.RunId is not null) return s.RunId;
            return null;
        }
    }
}
