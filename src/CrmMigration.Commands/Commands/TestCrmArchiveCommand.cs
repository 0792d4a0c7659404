using System.Management.Automation;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Commands
{
    /// <summary>Checks a BagIt archive (folder or .zip): RFC 8493 validity, record counts and content hashes, optionally after a restore.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CrmArchive", DefaultParameterSetName = "Path")]
    [OutputType(typeof(CrmArchiveCheck), typeof(bool))]
    public sealed class TestCrmArchiveCommand : CrmCmdlet
    {
        /// <summary>The bag folder or .zip.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards); binds the PSPath and FullName of piped files.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP", "FullName")]
        public string? LiteralPath { get; set; }

        /// <summary>Also loads the CSVs into a scratch SQLite database and compares counts and content hashes again.</summary>
        [Parameter]
        public SwitchParameter Restore { get; set; }

        /// <summary>Returns only $true (no check failed) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string path = ResolveUserPath(LiteralPath ?? Path!, LiteralPath is not null, mustExist: false);
            try
            {
                var result = ArchiveValidator.Verify(path, Restore.IsPresent, CancellationToken);
                foreach (var c in result.Checks)
                {
                    if (c.Status == CrmArchiveCheckStatus.Fail && (c.Check == "ManifestPathEscapes" || c.Check == "ZipEntryPath"))
                    {
                        WriteCrmError(new CrmDataError("ArchivePathEscapes", CrmErrorKind.InvalidData, c.Details) { File = path }, c);
                    }
                }
                if (Quiet.IsPresent)
                {
                    WriteObject(result.Valid);
                    return;
                }
                foreach (var c in result.Checks) WriteObject(c);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, path);
            }
        }
    }
}
