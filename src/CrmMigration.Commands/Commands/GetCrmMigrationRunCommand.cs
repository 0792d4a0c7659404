using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>Lists the import runs a migration ledger recorded, with their per-entity accounting.</summary>
    [Cmdlet(VerbsCommon.Get, "CrmMigrationRun", DefaultParameterSetName = "Target")]
    [OutputType(typeof(CrmMigrationRun))]
    public sealed class GetCrmMigrationRunCommand : CrmCmdlet
    {
        /// <summary>The ledger: a file, or a PostgreSQL connection, connection string or postgresql:// address.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "StatePath")]
        public object? StatePath { get; set; }

        /// <summary>The import target whose default ledger to read (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Target")]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>Only this run.</summary>
        [Parameter]
        public string? RunId { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                using var ledger = LedgerLocator.Open(StatePath, Target, ResolvePath);
                var runs = ledger.Runs(RunId);
                if (RunId is not null && runs.Count == 0)
                {
                    WriteCrmError(new CrmDataError("RunNotFound", CrmErrorKind.NotFound, $"The ledger {ledger.Path} has no run '{RunId}'."));
                }
                foreach (var run in runs)
                {
                    run.StatePath ??= ledger.Path;
                    WriteObject(run);
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
            }
        }
    }
}
