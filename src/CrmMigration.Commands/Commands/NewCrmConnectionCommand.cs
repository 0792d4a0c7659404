using System.IO;
using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>Creates a connection to a CRM data store: an SQLite file, a CSV folder or file, or an Excel workbook.</summary>
    [Cmdlet(VerbsCommon.New, "CrmConnection")]
    [OutputType(typeof(CrmConnection))]
    public sealed class NewCrmConnectionCommand : CrmCmdlet
    {
        /// <summary>The provider.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public CrmProviderKind Provider { get; set; }

        /// <summary>The database file, folder or workbook.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [Alias("PSPath", "LiteralPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>A name for reports.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Text encoding of CSV files: utf-8, utf-16 or gb18030; detected when omitted.</summary>
        [Parameter]
        [ValidateSet("utf-8", "utf-8-bom", "utf-16", "utf-16be", "gb18030")]
        public string? Encoding { get; set; }

        /// <summary>CSV field delimiter (default comma).</summary>
        [Parameter]
        [ValidateLength(1, 1)]
        public string? Delimiter { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string full = ResolvePath(Path);
            if (Provider == CrmProviderKind.Csv && !Directory.Exists(full) && !string.Equals(System.IO.Path.GetExtension(full), ".csv", System.StringComparison.OrdinalIgnoreCase)
                && !string.Equals(System.IO.Path.GetExtension(full), ".tsv", System.StringComparison.OrdinalIgnoreCase))
            {
                WriteWarning($"'{full}' is neither an existing folder nor a .csv file; it will be treated as a folder and created when written to.");
            }
            var connection = new CrmConnection(Provider, full) { Name = Name, Encoding = Encoding, Delimiter = Delimiter };
            WriteObject(connection);
        }
    }
}
