using System.Management.Automation;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Checks a SaaS load file set (Salesforce CSV folder or sf data tree plan, Dynamics 365 Configuration Migration zip,
    /// HubSpot import folder) against the format's rules before anyone uploads it: one finding per problem.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CrmFile", DefaultParameterSetName = "Connection")]
    [OutputType(typeof(CrmFileFinding), typeof(bool))]
    public sealed class TestCrmFileCommand : CrmCmdlet
    {
        /// <summary>The file set (a connection from New-CrmConnection -Provider Salesforce, Dynamics or HubSpot, or a path it is recognised by).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>A path to a plan (.json), a Configuration Migration .zip or folder, or a folder written for Salesforce or HubSpot; wildcards must match one item.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>Return only $true when there is no Error finding, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var connection = ResolveConnection(Connection, Path, LiteralPath);
            bool ok = true;
            try
            {
                using var provider = OpenProvider(connection);
                if (provider is not ICrmFileSet fileSet)
                {
                    ThrowTerminatingError(new ErrorRecord(new PSArgumentException(
                        $"{connection.DisplayName} is not a SaaS load file set. Test-CrmFile checks Salesforce, Dynamics and HubSpot files: use New-CrmConnection -Provider Salesforce, Dynamics or HubSpot."),
                        "FileSetNotSaas", ErrorCategory.InvalidArgument, connection));
                    return;
                }
                foreach (var finding in fileSet.CheckFiles())
                {
                    if (finding.Severity == CrmFindingSeverity.Error) ok = false;
                    if (!Quiet.IsPresent) WriteObject(finding);
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, connection);
            }
            if (Quiet.IsPresent) WriteObject(ok);
        }
    }
}
