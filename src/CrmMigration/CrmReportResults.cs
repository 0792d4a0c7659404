using System;

namespace CrmMigration
{
    /// <summary>A report's verdict: what a person signs off.</summary>
    public enum CrmReportVerdict
    {
        /// <summary>Books balance, nothing rejected, every check passed.</summary>
        Passed,
        /// <summary>Nothing failed, but there are warnings, each explained in the report (rejects with reasons, checks not run...).</summary>
        PassedWithWarnings,
        /// <summary>Something failed: unbalanced books, a failed check, an unfinished run or stage.</summary>
        Failed,
    }

    /// <summary>A report file written by Export-CrmReport (or -ReportPath).</summary>
    public sealed class CrmReportFile
    {
        /// <summary>Creates the description.</summary>
        public CrmReportFile(string path, string format)
        {
            Path = path;
            Format = format;
        }

        /// <summary>The file written.</summary>
        public string Path { get; }
        /// <summary>Html, Xlsx or Json.</summary>
        public string Format { get; }
        /// <summary>Its size in bytes.</summary>
        public long Length { get; set; }
        /// <summary>Migration, Validation or Decommission.</summary>
        public string Kind { get; set; } = "";
        /// <summary>The verdict the report gives.</summary>
        public CrmReportVerdict Verdict { get; set; }
        /// <summary>The ledger run reported on, if any.</summary>
        public string? RunId { get; set; }
        /// <summary>The language of its labels (en or zh-CN).</summary>
        public string Culture { get; set; } = "";
        /// <summary>Time taken to build the report and write this file.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>True when -WhatIf: nothing was written.</summary>
        public bool WhatIf { get; set; }
    }
}
