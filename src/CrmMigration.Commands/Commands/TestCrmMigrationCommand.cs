using System.Management.Automation;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Validation;

namespace CrmMigration.Commands
{
    /// <summary>Checks a migration: per entity, record counts and keys missing from or extra in the target.</summary>
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

        /// <summary>The import's migration ledger, to explain keys the target lacks because the import rejected them. Default: the ledger next to the target, when there is one.</summary>
        [Parameter]
        public string? StatePath { get; set; }

        /// <summary>Return only $true when no check fails (warnings pass), else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            bool allPass = true;
            try
            {
                CompiledMapping? mapping = Mapping is null ? null : MappingLoader.Load(Mapping, ResolvePath);
                using var source = OpenProvider(Source!);
                using var target = OpenProvider(Target!);
                string ledgerPath = ResolvePath(StatePath ?? Engine.Ledger.MigrationLedger.DefaultPath(Target!));
                if (StatePath is not null && !System.IO.File.Exists(ledgerPath))
                {
                    throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.NotFound, $"There is no migration ledger at '{ledgerPath}'.") { File = ledgerPath });
                }
                using var ledger = System.IO.File.Exists(ledgerPath) ? new Engine.Ledger.MigrationLedger(ledgerPath) : null;
                if (ledger is not null) WriteVerbose($"Explaining missing keys with the ledger {ledgerPath}.");
                var validator = new MigrationValidator(source, target, mapping, ledger);
                foreach (string entity in validator.ResolveEntities(Entity))
                {
                    foreach (var result in validator.Check(entity, (what, n) => WriteThrottledProgress(3, "Test-CrmMigration", "Reading " + what, n, 0), CancellationToken))
                    {
                        if (result.Status == CrmCheckStatus.Fail) allPass = false;
                        if (!Quiet.IsPresent) WriteObject(result);
                    }
                }
                CompleteProgress(3, "Test-CrmMigration");
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
            }
            if (Quiet.IsPresent) WriteObject(allPass);
        }
    }
}
