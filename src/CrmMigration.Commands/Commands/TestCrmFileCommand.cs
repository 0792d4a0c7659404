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
    public sealed class TestCrmFileCommand : CrmSystemCmdlet
    {
        /// <summary>Return only $true when there is no Error finding, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var connection = ResolveSystem();
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
