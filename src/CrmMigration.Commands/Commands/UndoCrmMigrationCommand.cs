using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Import;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Undoes an import run on a database target from the before-images the ledger kept: deletes what the run inserted,
    /// restores what it updated, drops the tables it created when they are empty again. The undo is a run of its own.
    /// </summary>
    [Cmdlet(VerbsCommon.Undo, "CrmMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CrmImportSummary))]
    public sealed class UndoCrmMigrationCommand : CrmCmdlet
    {
        /// <summary>The target the run wrote to (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>The run to undo.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string RunId { get; set; } = "";

        /// <summary>The ledger: a file, or a PostgreSQL connection, connection string or postgresql:// address (default: the target's).</summary>
        [Parameter]
        public object? StatePath { get; set; }

        /// <summary>Undo the later runs that changed the same records first (newest first), instead of refusing.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var target = Connection!;
            var clock = Stopwatch.StartNew();
            try
            {
                using var ledger = LedgerLocator.Open(StatePath, target, ResolvePath);
                using var provider = OpenProvider(target);
                var options = new UndoOptions
                {
                    RunId = RunId,
                    Force = Force.IsPresent,
                    Parameters = LedgerParameters(),
                    ModuleVersion = ModuleVersion,
                    CancellationToken = CancellationToken,
                    Progress = (run, rows) => WriteThrottledProgress(19, "Undo-CrmMigration", "Undoing run " + run, rows, clock.Elapsed.TotalSeconds),
                };
                var failures = new List<UndoFailure>();
                var warnings = new List<string>();
                // Counted first: the question names what the undo would do, and -WhatIf answers with the counts.
                options.WhatIf = true;
                var plan = RunUndoer.Undo(ledger, provider, options, failures, warnings);
                foreach (var w in warnings) WriteWarning(w);
                if (plan.Count == 0 && warnings.Count > 0) return;
                var answer = Ask(target.DisplayName, $"Undo run {RunId}: {Describe(plan)}");
                if (answer == Consent.WhatIf)
                {
                    foreach (var s in plan) WriteObject(s);
                    return;
                }
                if (answer != Consent.Yes) return;
                options.WhatIf = false;
                warnings.Clear();
                var done = RunUndoer.Undo(ledger, provider, options, failures, warnings);
                CompleteProgress(19, "Undo-CrmMigration");
                foreach (var w in warnings) WriteWarning(w);
                foreach (var f in failures)
                {
                    WriteCrmError(new CrmDataError("UndoRowRefused", CrmErrorKind.WriteError,
                        $"Run {f.RunId}: {target.DisplayName} refused to put back {f.Entity} '{f.Key}': {f.Message} The undo stopped unfinished; fix the cause and run Undo-CrmMigration again to continue it.") { Entity = f.Entity, Key = f.Key }, f);
                }
                foreach (var s in done) WriteObject(s);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, RunId);
            }
        }

        private static string Describe(List<CrmImportSummary> plan)
        {
            var parts = new List<string>();
            foreach (var s in plan) parts.Add($"{s.Entity}: delete {s.Deleted}, restore {s.Updated}");
            return parts.Count == 0 ? "nothing to change" : string.Join("; ", parts);
        }
    }
}
