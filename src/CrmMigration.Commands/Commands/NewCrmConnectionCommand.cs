using System.IO;
using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Creates a connection to a CRM data store: an SQLite file, a CSV folder or file, an Excel
    /// workbook, or a PostgreSQL or MySQL/MariaDB database (optionally read through a CRM profile).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CrmConnection", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CrmConnection))]
    public sealed class NewCrmConnectionCommand : CrmCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string ServerSet = "Server";
        private const string ConnectionStringSet = "ConnectionString";

        /// <summary>The provider.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public CrmProviderKind Provider { get; set; }

        /// <summary>The database file, folder or workbook.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The database file, folder or workbook, taken exactly as written (no wildcard expansion).</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string? LiteralPath { get; set; }

        /// <summary>The database server's host name or address.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
        [Alias("Host", "ComputerName")]
        [ValidateNotNullOrEmpty]
        public string Server { get; set; } = "";

        /// <summary>The server's port (PostgreSQL 5432, MySQL 3306 when omitted).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>The database name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string Database { get; set; } = "";

        /// <summary>The login; its password is kept out of every printed form.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [Parameter(ParameterSetName = ConnectionStringSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>A driver connection string; its password moves into the connection's credential.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string ConnectionString { get; set; } = "";

        /// <summary>
        /// The CRM layout: for a database Generic (a table per entity, default), SuiteCRM, Odoo, or the path of a profile file;
        /// for Salesforce, Dynamics or HubSpot files the path of an edited copy of the built-in format profile.
        /// </summary>
        [Parameter]
        public string? Profile { get; set; }

        /// <summary>A name for reports.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Text encoding of CSV files (utf-8, utf-16, windows-1252, gb18030, ...); detected when omitted.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Encoding { get; set; }

        /// <summary>Refuse a CSV file with any byte sequence invalid in its encoding before reading a record.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter StrictEncoding { get; set; }

        /// <summary>Reject CSV rows with fewer fields than the header instead of reading the missing fields as empty.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter RejectShortRows { get; set; }

        /// <summary>Excel: fill the cells of a merged range with the value of its top-left cell.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter FillMergedCells { get; set; }

        /// <summary>CSV targets: Spreadsheet (escape text that starts like a formula, the default) or None (write text as it is).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public CrmFormulaEscape FormulaEscape { get; set; }

        /// <summary>CSV field delimiter (default comma).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [ValidateLength(1, 1)]
        public string? Delimiter { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            bool server = Provider is CrmProviderKind.PostgreSql or CrmProviderKind.MySql;
            bool pathSet = ParameterSetName is PathSet or LiteralPathSet;
            if (pathSet && server)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"The {Provider} provider needs -Server and -Database, or -ConnectionString."),
                    "ServerParametersMissing", ErrorCategory.InvalidArgument, Provider));
            }
            if (!pathSet && !server)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"The {Provider} provider is file-based; use -Path."),
                    "ProviderNotServer", ErrorCategory.InvalidArgument, Provider));
            }
            if (server)
            {
                var credential = Credential?.GetNetworkCredential();
                string? profile = Profile is not null && !IsBuiltInProfile(Profile) ? ResolvePath(Profile) : Profile;
                try
                {
                    var connection = ParameterSetName == ServerSet
                        ? ConnectionFactory.ForServer(Provider, Server, Port, Database, credential, profile)
                        : ConnectionFactory.FromConnectionString(Provider, ConnectionString, credential, profile);
                    connection.Name = Name;
                    WriteObject(connection);
                }
                catch (CrmException ex)
                {
                    ThrowCrm(ex);
                }
                return;
            }
            string full = ResolveUserPath(LiteralPath ?? Path, LiteralPath is not null, mustExist: false);
            var fileConnection = new CrmConnection(Provider, full) { Name = Name, Encoding = Encoding, Delimiter = Delimiter };
            if (Profile is not null)
            {
                try
                {
                    ConnectionFactory.SetFormatProfile(fileConnection, Provider.ToString().Equals(Profile, System.StringComparison.OrdinalIgnoreCase) ? Profile : ResolvePath(Profile));
                }
                catch (CrmException ex)
                {
                    ThrowCrm(ex, Profile);
                }
            }
            if (Provider == CrmProviderKind.Csv && !Directory.Exists(full) && !string.Equals(System.IO.Path.GetExtension(full), ".csv", System.StringComparison.OrdinalIgnoreCase)
                && !string.Equals(System.IO.Path.GetExtension(full), ".tsv", System.StringComparison.OrdinalIgnoreCase))
            {
                WriteWarning($"'{full}' is neither an existing folder nor a .csv file; it will be treated as a folder and created when written to.");
            }
            try
            {
                ConnectionFactory.CheckEncoding(Encoding);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Encoding);
            }
            fileConnection.StrictEncoding = StrictEncoding.IsPresent;
            fileConnection.RejectShortRows = RejectShortRows.IsPresent;
            fileConnection.FillMergedCells = FillMergedCells.IsPresent;
            fileConnection.FormulaEscape = FormulaEscape;
            WriteObject(fileConnection);
        }

        private static bool IsBuiltInProfile(string name) =>
            string.Equals(name, "Generic", System.StringComparison.OrdinalIgnoreCase) || string.Equals(name, "SuiteCRM", System.StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "Odoo", System.StringComparison.OrdinalIgnoreCase);
    }
}
