using System.Management.Automation;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>Describes the entities of a system: fields and types, key, relations and row counts.</summary>
    [Cmdlet(VerbsCommon.Get, "CrmSchema", DefaultParameterSetName = "Connection")]
    [OutputType(typeof(CrmEntitySchema))]
    public sealed class GetCrmSchemaCommand : CrmSystemCmdlet
    {
        /// <summary>Entities to describe; wildcards allowed. All when omitted.</summary>
        [Parameter(Position = 1)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EntityCompleter))]
        public string[]? Entity { get; set; }

        /// <summary>Skip counting rows (counting may scan large tables or files).</summary>
        [Parameter]
        public SwitchParameter NoRowCount { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var connection = ResolveSystem();
            try
            {
                using var provider = OpenProvider(connection);
                foreach (string name in EntitySelector.Select(ListEntities(provider), Entity, this))
                {
                    CancellationToken.ThrowIfCancellationRequested();
                    var schema = provider.DescribeEntity(name, !NoRowCount.IsPresent);
                    if (schema is not null)
                    {
                        schema.System ??= connection.DisplayName;
                        schema.Connection ??= connection;
                        if (schema.UnreadableRows > 0)
                        {
                            WriteWarning($"{name}: {schema.UnreadableRows} row(s) could not be read and are not in RowCount ({schema.RowCount}). Export-CrmData reports each with its line.");
                        }
                        WriteObject(schema);
                    }
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, connection);
            }
        }
    }
}
