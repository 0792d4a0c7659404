using System;
using System.Management.Automation;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Commands
{
    /// <summary>Checks a BagIt archive (folder or .zip): RFC 8493 completeness and validity, record counts and content hashes, optionally after a restore.</summary>
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

        /// <summary>Returns only $true (no check failed) or $false, and never stops with an error.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Most bytes a .zip may expand to before it is refused.</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long MaxExtractedSize { get; set; } = new ZipLimits().MaxExtractedBytes;

        /// <summary>Largest expanded-to-compressed ratio of a .zip (and of each entry) before it is refused.</summary>
        [Parameter]
        [ValidateRange(1.0, double.MaxValue)]
        public double MaxCompressionRatio { get; set; } = new ZipLimits().MaxCompressionRatio;

        /// <summary>Most entries a .zip may hold before it is refused.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxEntryCount { get; set; } = new ZipLimits().MaxEntryCount;

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string path = ResolveUserPath(LiteralPath ?? Path!, LiteralPath is not null, mustExist: false);
            var limits = new ZipLimits { MaxExtractedBytes = MaxExtractedSize, MaxCompressionRatio = MaxCompressionRatio, MaxEntryCount = MaxEntryCount };
            ArchiveVerification result;
            try
            {
                result = ArchiveValidator.Verify(path, Restore.IsPresent, limits, CancellationToken);
            }
            catch (CrmException ex)
            {
                // A gate answers $false: an error here would skip the caller's "if (-not (Test-CrmArchive ... -Quiet))".
                if (!Quiet.IsPresent) ThrowCrm(ex, path);
                WriteVerbose($"{ex.Error.Code}: {ex.Error.Message}");
                WriteObject(false);
                return;
            }
            if (Quiet.IsPresent)
            {
                foreach (var c in result.Checks) if (c.Status == CrmArchiveCheckStatus.Fail) WriteVerbose($"{c.Check} {c.Subject}: {c.Details}");
                WriteObject(result.Valid);
                return;
            }
            foreach (var c in result.Checks)
            {
                if (c.Status == CrmArchiveCheckStatus.Fail && (c.Check == "ManifestPathEscapes" || c.Check == "ZipEntryPath" || c.Check == "FetchPathEscapes"))
                {
                    WriteCrmError(new CrmDataError("ArchivePathEscapes", CrmErrorKind.InvalidData, c.Details) { File = path }, c);
                }
                else if (c.Status == CrmArchiveCheckStatus.Fail && (c.Check == "SymbolicLink" || c.Check == "SpecialFile"))
                {
                    WriteCrmError(new CrmDataError("ArchiveLinkRefused", CrmErrorKind.InvalidData, c.Details) { File = path }, c);
                }
            }
            foreach (var c in result.Checks) WriteObject(c);
        }
    }
}
