using System.Globalization;

namespace CrmMigration
{
    /// <summary>
    /// One problem Test-CrmFile found in a SaaS load file set (Salesforce, Dynamics 365, HubSpot) against the format's
    /// rules: something the vendor's loader would refuse or load wrongly. Written as warnings after Import-CrmData or
    /// Copy-CrmData writes such a file set.
    /// </summary>
    public sealed class CrmFileFinding
    {
        /// <summary>Creates a finding.</summary>
        public CrmFileFinding(CrmFindingSeverity severity, string code, string? file, string message)
        {
            Severity = severity;
            Code = code;
            File = file;
            Message = message;
        }

        /// <summary>Error (the loader refuses or loads wrongly) or Warning (worth a look).</summary>
        public CrmFindingSeverity Severity { get; }
        /// <summary>Stable id, e.g. SalesforceReferenceUnresolved, DynamicsLookupUnresolved, HubSpotDuplicateEmail.</summary>
        public string Code { get; }
        /// <summary>The file concerned (relative to the file set), if any.</summary>
        public string? File { get; }
        /// <summary>The vendor object concerned, if any.</summary>
        public string? Object { get; set; }
        /// <summary>1-based line (CSV) or record number (JSON, XML) in the file; 0 when the finding is about the whole file.</summary>
        public long Line { get; set; }
        /// <summary>The field or column concerned, if any.</summary>
        public string? Field { get; set; }
        /// <summary>What is wrong and what to do.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString()
        {
            string where = File is null ? "" : Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}: ") : File + ": ";
            return Severity + " " + Code + ": " + where + Message;
        }
    }
}
