using System.IO;
using System.Management.Automation;
using System.Text;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>Drafts a mapping from the schemas of a source and a target, with TODO comments where no match was found.</summary>
    [Cmdlet(VerbsCommon.New, "CrmMapping", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
    [OutputType(typeof(FileInfo), typeof(string))]
    public sealed class NewCrmMappingCommand : CrmCmdlet
    {
        /// <summary>The source system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [CrmConnectionTransformation]
        public CrmConnection? Source { get; set; }

        /// <summary>The target system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [CrmConnectionTransformation]
        public CrmConnection? Target { get; set; }

        /// <summary>The file to write (.psd1, or .json). Without it the .psd1 text is written to the output.</summary>
        [Parameter(Position = 2, ParameterSetName = "Path")]
        public string? Path { get; set; }

        /// <summary>The file to write, taken exactly as written (no wildcard expansion).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>Overwrite an existing file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            MappingScaffold scaffold;
            try
            {
                scaffold = MappingScaffolder.Build(SchemaReader.ReadAll(Source!, CancellationToken), SchemaReader.ReadAll(Target!, CancellationToken));
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
                return;
            }
            scaffold.SourceName = Source!.DisplayName;
            scaffold.TargetName = Target!.DisplayName;
            WriteVerbose($"{scaffold.Entities.Count} target entities, {scaffold.TodoCount} TODOs, unmatched source entities: {string.Join(", ", scaffold.UnusedSourceEntities)}.");
            WriteDraft(Path, LiteralPath, Force.IsPresent, "Mapping", "A mapping file must be .psd1 or .json.", "Write a drafted mapping",
                ext => ext == ".json" ? scaffold.ToJson() : ext == ".psd1" ? scaffold.ToPsd1() : null);
        }
    }
}
