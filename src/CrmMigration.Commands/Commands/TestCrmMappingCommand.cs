using System.Management.Automation;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>Checks a mapping against the schemas of the source and the target: one finding per problem.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CrmMapping")]
    [OutputType(typeof(CrmMappingFinding), typeof(bool))]
    public sealed class TestCrmMappingCommand : CrmCmdlet
    {
        /// <summary>The mapping: a .psd1 or .json file, or a hashtable.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public object? Mapping { get; set; }

        /// <summary>The source system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [CrmConnectionTransformation]
        public CrmConnection? Source { get; set; }

        /// <summary>The target system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 2)]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>Return only $true when there is no Error finding, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            bool ok = true;
            try
            {
                var mapping = MappingLoader.Load(Mapping!, ResolvePath);
                var source = new SchemaReader(Source!, CancellationToken);
                var target = new SchemaReader(Target!, CancellationToken);
                try
                {
                    foreach (var finding in MappingChecker.Check(mapping.Definition, source.Describe, target.Describe))
                    {
                        if (finding.Severity == CrmFindingSeverity.Error) ok = false;
                        if (!Quiet.IsPresent) WriteObject(finding);
                    }
                    if (target.Missing) WriteVerbose($"The target {Target!.DisplayName} does not exist yet: the mapping was checked as -Create would make it (each target entity created from the mapping's fields).");
                }
                finally
                {
                    source.Dispose();
                    target.Dispose();
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Mapping);
            }
            if (Quiet.IsPresent) WriteObject(ok);
        }
    }
}
