using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Commands
{
    /// <summary>Writes a BagIt 1.0 archive of a system: one CSV per entity, schema, SHA-512/SHA-256 manifests and crm-manifest.json.</summary>
    [Cmdlet(VerbsData.Export, "CrmArchive", DefaultParameterSetName = "Connection", SupportsShouldProcess = true)]
    [OutputType(typeof(CrmArchiveInfo))]
    public sealed class ExportCrmArchiveCommand : CrmSystemCmdlet
    {
        /// <summary>The bag folder to create; it must not exist.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        public string? Destination { get; set; }

        /// <summary>Entities to archive; wildcards allowed. All when omitted.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Entity { get; set; }

        /// <summary>Also writes Destination.zip.</summary>
        [Parameter]
        public SwitchParameter Zip { get; set; }

        /// <summary>bag-info.txt Source-Organization.</summary>
        [Parameter]
        public string? SourceOrganization { get; set; }

        /// <summary>bag-info.txt External-Identifier; a new urn:uuid when omitted.</summary>
        [Parameter]
        public string? ExternalIdentifier { get; set; }

        /// <summary>bag-info.txt External-Description.</summary>
        [Parameter]
        public string? Description { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var connection = ResolveSystem();
            string destination = ResolvePath(Destination!);
            if (!ShouldProcess(destination, $"Write a BagIt archive of {connection.DisplayName}" + (Zip.IsPresent ? " and its .zip" : ""))) return;
            var clock = Stopwatch.StartNew();
            try
            {
                using var provider = OpenProvider(connection);
                var entities = new List<string>(EntitySelector.Select(ListEntities(provider), Entity, this));
                var info = ArchiveWriter.Write(provider, new ArchiveOptions
                {
                    Destination = destination,
                    Entities = entities,
                    Zip = Zip.IsPresent,
                    SourceOrganization = SourceOrganization,
                    ExternalIdentifier = ExternalIdentifier,
                    Description = Description,
                    OnError = e => WriteCrmError(e),
                    OnProgress = (entity, n) => WriteThrottledProgress(1, "Export-CrmArchive " + entity, "Archiving", n, clock.Elapsed.TotalSeconds),
                }, CancellationToken);
                CompleteProgress(1, "Export-CrmArchive");
                WriteObject(info);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, connection);
            }
        }
    }
}
