using System;
using System.Collections.Generic;
using System.Management.Automation;
using CrmMigration.Engine.Dedupe;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Finds duplicate records in the pipeline by the rules of their entity and merges them: the survivor goes on
    /// with the merged values, the others go on marked Merged (with the survivor's key), so Import-CrmData counts
    /// them, records them in the ledger's crosswalk and re-points their children to the survivor.
    /// </summary>
    [Cmdlet(VerbsData.Merge, "CrmRecord", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(CrmRecord), typeof(CrmMergeGroup))]
    public sealed class MergeCrmRecordCommand : CrmCmdlet
    {
        private DedupeRunner? _runner;
        private ICrmProvider? _target;
        private MigrationLedger? _ledger;
        private readonly List<string> _open = new();
        private readonly Action<CrmRecord> _emit;

        /// <summary>Creates the command.</summary>
        public MergeCrmRecordCommand() { _emit = Emit; }

        /// <summary>The records to dedupe (usually Convert-CrmRecord's output).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public CrmRecord? InputObject { get; set; }

        /// <summary>The dedupe rules: a .psd1 or .json file, or a hashtable.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public object? Rules { get; set; }

        /// <summary>Also match against the records already in this system; a match updates the existing record instead of adding a duplicate.</summary>
        [Parameter]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>Where the grey-zone pairs go for people to decide: a folder (one CSV per entity) or an .xlsx workbook (one sheet per entity).</summary>
        [Parameter]
        public string? ReviewPath { get; set; }

        /// <summary>A filled-in review file (its folder, a .csv or the .xlsx): its Match / NoMatch decisions apply and are remembered in the ledger.</summary>
        [Parameter]
        public string? Decisions { get; set; }

        /// <summary>The migration ledger that remembers decisions for later runs (a file, or a PostgreSQL connection, connection string or postgresql:// address). Default: the target's ledger with -Target; otherwise none.</summary>
        [Parameter]
        public object? StatePath { get; set; }

        /// <summary>Attach to each survivor the values the merge changed (record.Changes: the field, old and new value, the rule and the member it came from).</summary>
        [Parameter]
        public SwitchParameter Explain { get; set; }

        /// <summary>Emit the merge groups (members, survivor and why, each pair's score by comparator, each field's winning value) instead of the records.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The name of a variable that receives the per-entity dedupe summaries (candidate pairs, reduction ratio, groups, review pairs).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SummaryVariable { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            try
            {
                var rules = DedupeRulesLoader.Load(Rules!, ResolvePath);
                WriteVerbose($"Dedupe rules {rules.SourcePath ?? "(table)"} hash {rules.Hash}: {string.Join(", ", EntityNames(rules))}.");
                var decisions = new List<MergeDecision>();
                string? decisionsPath = null;
                if (Decisions is not null)
                {
                    decisionsPath = ResolvePath(Decisions);
                    decisions = MergeDecisions.ReadFile(decisionsPath, out int undecided);
                    WriteVerbose($"{decisions.Count} decision(s) read from {decisionsPath}; {undecided} pair(s) not decided yet.");
                }
                if (Target is not null) _target = ConnectionFactory.Open(Target);
                string? ledgerNote = null;
                var location = StatePath is not null || Target is not null ? LedgerLocator.Locate(StatePath, Target, ResolvePath, out ledgerNote) : null;
                if (ledgerNote is not null) WriteWarning(ledgerNote);
                // The ledger is read for the decisions it remembers, and written only to remember new ones.
                bool remember = location is not null && decisions.Count > 0 && ShouldProcess(location.Display, $"Remember {decisions.Count} merge decision(s)");
                if (location is not null && (remember || location.Exists)) _ledger = MigrationLedger.Open(location);
                if (decisions.Count > 0 && location is null)
                {
                    WriteWarning("The decisions apply to this run only: give -StatePath (or -Target) to remember them in a ledger for later runs.");
                }
                _runner = new DedupeRunner(rules, new DedupeRunOptions
                {
                    Decisions = decisions,
                    DecisionsSource = decisionsPath,
                    Ledger = _ledger,
                    RememberDecisions = remember,
                    ReviewPath = ReviewPath is null ? null : ResolvePath(ReviewPath),
                    Target = _target,
                    Explain = Explain.IsPresent,
                    KeepGroups = PassThru.IsPresent,
                    CancellationToken = CancellationToken,
                });
                if (_runner.NewDecisionsRecorded > 0) WriteVerbose($"{_runner.NewDecisionsRecorded} decision(s) recorded in the ledger {_ledger!.Path}.");
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Rules);
            }
        }

        private static IEnumerable<string> EntityNames(DedupeRuleSet rules)
        {
            foreach (var e in rules.Entities) yield return e.Entity;
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var record = InputObject!;
            try
            {
                if (_open.Count > 0 && !IsOpen(record.Entity))
                {
                    // The stream moved on to another entity: the held ones are complete (parents go out before their children).
                    CompleteOpen();
                }
                if (!_runner!.Handles(record.Entity))
                {
                    if (!PassThru.IsPresent) WriteObject(record);
                    return;
                }
                if (!IsOpen(record.Entity)) _open.Add(record.Entity);
                _runner.Start(record.Entity, _emit).Add(record);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, record);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            if (_runner is null) return;
            try
            {
                CompleteOpen();
                if (ReviewPath is not null && ShouldProcess(ResolvePath(ReviewPath), "Write the merge review file"))
                {
                    int written = _runner.WriteReview();
                    WriteVerbose($"{written} pair(s) written to the review file {ResolvePath(ReviewPath)}.");
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, ReviewPath);
            }
            foreach (var w in _runner.Warnings) WriteWarning(w);
            foreach (var s in _runner.Summaries) WriteVerbose(s.ToString());
            if (SummaryVariable is not null) SessionState.PSVariable.Set(SummaryVariable, _runner.Summaries.ToArray());
            if (PassThru.IsPresent) foreach (var g in _runner.Groups) WriteObject(g);
        }

        private bool IsOpen(string entity)
        {
            foreach (var e in _open) if (string.Equals(e, entity, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private void CompleteOpen()
        {
            foreach (var entity in _open)
            {
                var summary = _runner!.Complete(entity);
                WriteVerbose(summary.ToString());
            }
            _open.Clear();
            foreach (var w in _runner!.Warnings) WriteWarning(w);
            _runner.Warnings.Clear();
        }

        private void Emit(CrmRecord record)
        {
            if (!PassThru.IsPresent) WriteObject(record);
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            _runner?.Dispose();
            _ledger?.Dispose();
            _target?.Dispose();
        }
    }
}
