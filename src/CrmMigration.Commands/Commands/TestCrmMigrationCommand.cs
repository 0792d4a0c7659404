using System.Collections.Generic;
using System.Management.Automation;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Validation;

namespace CrmMigration.Commands
{
    /// <summary>Checks a migration: per entity, the schemas, rows read, keys (or whole rows), field values and column aggregates.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CrmMigration")]
    [OutputType(typeof(CrmValidationResult), typeof(bool))]
    public sealed class TestCrmMigrationCommand : CrmCmdlet
    {
        /// <summary>The source system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [CrmConnectionTransformation]
        public CrmConnection? Source { get; set; }

        /// <summary>The target system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>Source entities to check. Default: those the mapping reads, else all.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(EntityCompleter))]
        public string[]? Entity { get; set; }

        /// <summary>The mapping used for the migration, so the source is compared as it was mapped (entity names, keys, rejects).</summary>
        [Parameter]
        public object? Mapping { get; set; }

        /// <summary>The import's migration ledger (a file, or a PostgreSQL connection, connection string or postgresql:// address), to explain keys the target lacks because the import rejected them. Default: the ledger next to the target, when there is one.</summary>
        [Parameter]
        public object? StatePath { get; set; }

        /// <summary>The groups of checks to run. Default: all of them.</summary>
        [Parameter]
        public CrmValidationCheck[]? Check { get; set; }

        /// <summary>Treat NULL and empty text as equal (by default they differ).</summary>
        [Parameter]
        public SwitchParameter NullEqualsEmpty { get; set; }

        /// <summary>Numbers that differ by at most this much are equal.</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public decimal Tolerance { get; set; }

        /// <summary>Return only $true when no check fails and every check compared (warnings pass), else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Also write a report of the checks (and of the target's newest ledger run): .html, .xlsx or .json, several at once.</summary>
        [Parameter]
        public string[]? ReportPath { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            bool allPass = true;
            var reportPaths = ResolveReportPaths(ReportPath);
            var results = new List<CrmValidationResult>();
            try
            {
                CompiledMapping? mapping = Mapping is null ? null : MappingLoader.Load(Mapping, ResolvePath);
                using var source = OpenProvider(Source!);
                using var target = OpenProvider(Target!);
                var location = LedgerLocator.Locate(StatePath, Target!, ResolvePath, out _);
                if (StatePath is not null && !location.Exists)
                {
                    throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.NotFound, $"There is no migration ledger at '{location.Display}'.") { File = location.Display });
                }
                using var ledger = location.Exists ? Engine.Ledger.MigrationLedger.Open(location) : null;
                if (ledger is not null) WriteVerbose($"Explaining missing keys with the ledger {ledger.Path}.");
                var options = new ValidationOptions { NullEqualsEmpty = NullEqualsEmpty.IsPresent, Tolerance = Tolerance };
                if (Check is { Length: > 0 }) options.Checks = new HashSet<CrmValidationCheck>(Check);
                var validator = new MigrationValidator(source, target, mapping, ledger, options);
                foreach (var result in validator.CheckAll(Entity, (what, n) => WriteThrottledProgress(3, "Test-CrmMigration", "Reading " + what, n, 0), CancellationToken))
                {
                    if (result.Status is CrmCheckStatus.Fail or CrmCheckStatus.NotChecked) allPass = false;
                    if (reportPaths is not null) results.Add(result);
                    if (Quiet.IsPresent) { if (result.Status != CrmCheckStatus.Pass) WriteVerbose($"{result.Entity} {result.Check} {result.Status}: {result.Details}"); }
                    else WriteObject(result);
                }
                CompleteProgress(3, "Test-CrmMigration");
                WriteRunReport(reportPaths, () => new Engine.Reports.ReportRequest
                {
                    Ledger = ledger,
                    RunTarget = Target!.DisplayName,
                    Checks = results,
                    Mapping = mapping?.Definition,
                    Source = Source!.DisplayName,
                    Target = Target!.DisplayName,
                });
            }
            catch (CrmException ex)
            {
                // A gate must answer: with -Quiet, a problem that stops the comparison is $false (and a warning), never an error that skips the caller's if.
                if (!Quiet.IsPresent) ThrowCrm(ex);
                WriteWarning($"{ex.Error.Code}: {ex.Error.Message}");
                allPass = false;
            }
            if (Quiet.IsPresent) WriteObject(allPass);
        }
    }
}
