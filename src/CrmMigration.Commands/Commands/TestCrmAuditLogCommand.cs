using System.Management.Automation;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Commands
{
    /// <summary>Verifies the hash chain of a CrmMigration audit log and reports its head hash and line count.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CrmAuditLog", DefaultParameterSetName = "Path")]
    [OutputType(typeof(CrmAuditLogReport))]
    public sealed class TestCrmAuditLogCommand : CrmCmdlet
    {
        /// <summary>The audit log (JSON Lines).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards); binds the PSPath and FullName of piped files.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP", "FullName")]
        public string? LiteralPath { get; set; }

        /// <summary>A head hash stored earlier: detects lines removed from the end.</summary>
        [Parameter]
        public string? ExpectedHead { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string path = ResolveUserPath(LiteralPath ?? Path!, LiteralPath is not null, mustExist: false);
            try
            {
                WriteObject(AuditLog.Verify(path, ExpectedHead));
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, path);
            }
        }
    }
}
