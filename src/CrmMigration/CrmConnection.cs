using System;
using System.Collections.Generic;
using System.Net;

namespace CrmMigration
{
    /// <summary>The kinds of system CrmMigration reads and writes.</summary>
    public enum CrmProviderKind
    {
        /// <summary>An SQLite database file (the embedded default).</summary>
        Sqlite,
        /// <summary>CSV: a folder with one file per entity, or a single file.</summary>
        Csv,
        /// <summary>An Excel workbook (.xlsx), one sheet per entity.</summary>
        Excel,
        /// <summary>A PostgreSQL database (server, port, database; credential kept apart).</summary>
        PostgreSql,
        /// <summary>A MySQL or MariaDB database (server, port, database; credential kept apart).</summary>
        MySql,
        /// <summary>Salesforce files: a folder of Bulk API 2.0 / Data Loader / Data Export CSV files (one per object), or an `sf data tree` plan (.json).</summary>
        Salesforce,
        /// <summary>A Dynamics 365 / Dataverse Configuration Migration data file (.zip, or a folder with data_schema.xml and data.xml).</summary>
        Dynamics,
        /// <summary>HubSpot import files: a folder with companies.csv, contacts.csv, deals.csv and tickets.csv.</summary>
        HubSpot,
    }

    /// <summary>How a CSV writer treats text that a spreadsheet would run as a formula (= + - @, tab, CR first).</summary>
    public enum CrmFormulaEscape
    {
        /// <summary>Files for people: such text gets a leading apostrophe, so Excel shows it instead of running it (the default). The sidecar tells our reader to take it off again.</summary>
        Spreadsheet,
        /// <summary>Files for machines: text is written exactly as it is (a phone +8613800138000 stays +8613800138000).</summary>
        None,
    }

    /// <summary>
    /// Where data lives and how to reach it. Holds no secret in any property that is printed,
    /// logged or serialised: the credential is kept apart and <see cref="ToString"/> never shows it.
    /// </summary>
    public sealed class CrmConnection
    {
        /// <summary>Creates a connection description.</summary>
        public CrmConnection(CrmProviderKind provider, string location)
        {
            Provider = provider;
            Location = location ?? throw new ArgumentNullException(nameof(location));
        }

        /// <summary>The provider.</summary>
        public CrmProviderKind Provider { get; }
        /// <summary>The file, folder or server/database (no credentials).</summary>
        public string Location { get; }
        /// <summary>A name for reports (defaults to the location).</summary>
        public string? Name { get; set; }
        /// <summary>Text encoding name for CSV files (utf-8, utf-16, utf-16be, windows-1252, iso-8859-1, iso-8859-15, gb18030, shift_jis, euc-kr, big5, or any name .NET knows); null means detect.</summary>
        public string? Encoding { get; set; }
        /// <summary>CSV field delimiter; null means comma.</summary>
        public string? Delimiter { get; set; }
        /// <summary>Refuse a CSV file that has any byte sequence invalid in its encoding, before reading a record (by default each such row is rejected and the rest is read).</summary>
        public bool StrictEncoding { get; set; }
        /// <summary>Reject CSV rows with fewer fields than the header (by default their missing trailing fields read as empty, as Import-Csv does).</summary>
        public bool RejectShortRows { get; set; }
        /// <summary>Excel: fill every cell of a merged range with the value of its top-left cell (by default the other cells read as empty, with a warning).</summary>
        public bool FillMergedCells { get; set; }
        /// <summary>How CSV writers treat text that starts like a formula: escaped for spreadsheets (the default) or written as it is.</summary>
        public CrmFormulaEscape FormulaEscape { get; set; }
        /// <summary>Provider options (no secrets).</summary>
        public IDictionary<string, string> Options { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>The credential, never printed.</summary>
        internal NetworkCredential? Credential { get; set; }

        /// <summary>Sets the credential (kept out of every printed or serialised form).</summary>
        public void SetCredential(NetworkCredential? credential) => Credential = credential;

        /// <summary>Gets the credential: for the module's own providers only (internal), so no script or other module can read the password back.</summary>
        internal NetworkCredential? GetCredential() => Credential;

        /// <summary>A copy with the same settings and credential, to change a setting without changing this connection.</summary>
        public CrmConnection Clone()
        {
            var copy = new CrmConnection(Provider, Location)
            {
                Name = Name,
                Encoding = Encoding,
                Delimiter = Delimiter,
                StrictEncoding = StrictEncoding,
                RejectShortRows = RejectShortRows,
                FillMergedCells = FillMergedCells,
                FormulaEscape = FormulaEscape,
                Credential = Credential,
            };
            foreach (var kv in Options) copy.Options[kv.Key] = kv.Value;
            return copy;
        }

        /// <summary>A description safe to print: provider and location.</summary>
        public string DisplayName => Name ?? (Provider + ":" + Location);

        /// <inheritdoc/>
        public override string ToString() => DisplayName;
    }
}
