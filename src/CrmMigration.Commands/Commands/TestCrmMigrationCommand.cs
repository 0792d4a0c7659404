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

        /// <summary>Return only $true when every check passes, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            bool allPass = true;
            try
            {
                CompiledMapping? mapping = Mapping is null ? null : MappingLoader.Load(Mapping, ResolvePath);
                using var source = ConnectionFactory.Open(Source!);
                using var target = ConnectionFactory.Open(Target!);
                var validator = new MigrationValidator(source, target, mapping);
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
