using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using CrmMigration.Engine.Dedupe;

namespace CrmMigration.Commands
{
    /// <summary>Drafts dedupe rules from a system's schema: compared fields, blocking keys, thresholds and survivorship per entity.</summary>
    [Cmdlet(VerbsCommon.New, "CrmMergeRule", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
    [OutputType(typeof(FileInfo), typeof(string))]
    public sealed class NewCrmMergeRuleCommand : CrmCmdlet
    {
        /// <summary>The system whose schema the rules are drafted from (a connection or a path): usually the target, whose entity and field names the records have after the mapping.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [CrmConnectionTransformation]
        public CrmConnection? Source { get; set; }

        /// <summary>The entities to draft rules for; wildcards allowed. Default: every entity with something to compare.</summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EntityCompleter))]
        public string[]? Entity { get; set; }

        /// <summary>The .psd1 file to write. Without it the text is written to the output.</summary>
        [Parameter(Position = 1, ParameterSetName = "Path")]
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
            string text;
            try
            {
                var schemas = new List<CrmEntitySchema>(SchemaReader.ReadAll(Source!, CancellationToken));
                if (Entity is not null && Entity.Length > 0)
                {
                    var names = new List<string>();
                    foreach (var s in schemas) names.Add(s.Name);
                    var chosen = new HashSet<string>(EntitySelector.Select(names, Entity, this), System.StringComparer.OrdinalIgnoreCase);
                    schemas.RemoveAll(s => !chosen.Contains(s.Name));
                }
                text = DedupeRuleScaffolder.Draft(schemas, Source!.DisplayName);
                // A draft that does not parse would be a bug: check it as Merge-CrmRecord will read it.
                DedupeRulesParser.Parse(DataFileReader.ReadText(text, "DedupeRules"), null);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
                return;
            }
            WriteDraft(Path, LiteralPath, Force.IsPresent, "DedupeRules", "New-CrmMergeRule writes a .psd1 rules file.", "Write drafted dedupe rules",
                ext => ext == ".psd1" ? text : null);
        }
    }
}
