using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>Answers "what happened to source key X" and lists rejects by reason, from a migration ledger.</summary>
    [Cmdlet(VerbsCommon.Get, "CrmMigrationRecord", DefaultParameterSetName = "Target")]
    [OutputType(typeof(CrmMigrationRecord))]
    public sealed class GetCrmMigrationRecordCommand : CrmCmdlet
    {
        /// <summary>The ledger: a file, or a PostgreSQL connection, connection string or postgresql:// address.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "StatePath")]
        public object? StatePath { get; set; }

        /// <summary>A run from Get-CrmMigrationRun: its records, from the ledger it came from.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Run")]
        public CrmMigrationRun? Run { get; set; }

        /// <summary>The import target whose default ledger to read (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Target")]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>The source key to look up; keys can be piped, and so can records (their Key) and outcomes.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Target")]
        [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "StatePath")]
        [Alias("Key")]
        [SourceKeyTransformation]
        public string? SourceKey { get; set; }

        /// <summary>Only this target entity.</summary>
        [Parameter]
        public string? Entity { get; set; }

        /// <summary>Only this run (default: every run).</summary>
        [Parameter]
        public string? RunId { get; set; }

        /// <summary>Only this outcome (e.g. Rejected).</summary>
        [Parameter]
        public CrmOutcome? Outcome { get; set; }

        /// <summary>Only this reason code (e.g. DuplicateKey).</summary>
        [Parameter]
        public string? ReasonCode { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            try
            {
                using var ledger = LedgerLocator.Open((object?)Run?.StatePath ?? StatePath, Target, ResolvePath);
                foreach (var r in ledger.Records(Run?.RunId ?? RunId, Entity, SourceKey, Outcome, ReasonCode))
                {
                    CancellationToken.ThrowIfCancellationRequested();
                    WriteObject(r);
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
            }
        }
    }

    /// <summary>Lets records and keys piped to -SourceKey give their key's text (a record's ToString would give "Entity key").</summary>
    public sealed class SourceKeyTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc/>
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            return value switch
            {
                CrmRecord r => r.Origin?.SourceKey ?? r.Key?.ToString(),
                CrmKey k => k.ToString(),
                CrmRecordOutcome o => o.Origin?.SourceKey ?? o.Key,
                _ => inputData,
            };
        }
    }
}
