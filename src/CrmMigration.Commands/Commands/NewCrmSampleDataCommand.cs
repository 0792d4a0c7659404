using System;
using System.IO;
using System.Management.Automation;
using CrmMigration.Engine.Sample;

namespace CrmMigration.Commands
{
    /// <summary>Writes a realistic, messy legacy CRM (accounts, contacts, leads, opportunities, cases, activities) into an SQLite file or a CSV folder.</summary>
    [Cmdlet(VerbsCommon.New, "CrmSampleData", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
    [OutputType(typeof(CrmSampleDataInfo))]
    public sealed class NewCrmSampleDataCommand : CrmCmdlet
    {
        /// <summary>An SQLite file (.db, .sqlite) or a folder for CSV files.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The file or folder to write, taken exactly as written (no wildcard expansion).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string? LiteralPath { get; set; }

        /// <summary>The seed: the same seed and scale always write the same data.</summary>
        [Parameter]
        public int Seed { get; set; } = 1;

        /// <summary>Number of contacts (accounts about a tenth, leads half, opportunities a quarter, cases a fifth, activities as many).</summary>
        [Parameter]
        [ValidateRange(1, 10_000_000)]
        public int Scale { get; set; } = 1000;

        /// <summary>Sqlite or Csv; inferred from the path when omitted (.db/.sqlite/.sqlite3 is SQLite, anything else a CSV folder).</summary>
        [Parameter]
        [ValidateSet("Sqlite", "Csv")]
        public string? Format { get; set; }

        /// <summary>Replace an existing database file or the CSV files in the folder.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            string full = ResolveUserPath(LiteralPath ?? Path, LiteralPath is not null, mustExist: false);
            string ext = System.IO.Path.GetExtension(full).ToLowerInvariant();
            var kind = Format is not null ? Enum.Parse<CrmProviderKind>(Format, ignoreCase: true)
                : ext is ".db" or ".sqlite" or ".sqlite3" ? CrmProviderKind.Sqlite : CrmProviderKind.Csv;
            bool exists = kind == CrmProviderKind.Sqlite ? File.Exists(full) : Directory.Exists(full) && Directory.GetFiles(full, "*.csv").Length > 0;
            if (exists && !Force.IsPresent)
            {
                ThrowCrm(new CrmException(new CrmDataError("SampleDataTargetExists", CrmErrorKind.InvalidArgument,
                    $"'{full}' already holds data. Use -Force to replace it, or choose another path.") { File = full }), full);
            }
            if (!ShouldProcess(full, $"Write a sample legacy CRM ({kind}, seed {Seed}, {Scale} contacts)")) return;
            string truth = SampleTruth.PathFor(full);
            try
            {
                if (exists)
                {
                    if (kind == CrmProviderKind.Sqlite)
                    {
                        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) if (File.Exists(full + suffix)) File.Delete(full + suffix);
                        if (File.Exists(truth)) File.Delete(truth);
                    }
                    else
                    {
                        foreach (var f in Directory.GetFiles(full, "*.csv*")) File.Delete(f);
                        if (File.Exists(truth)) File.Delete(truth);
                    }
                }
                if (kind == CrmProviderKind.Csv) Directory.CreateDirectory(full);
                var connection = new CrmConnection(kind, full);
                using var provider = OpenProvider(connection);
                var result = SampleDataGenerator.Generate(provider, Seed, Scale, cancellationToken: CancellationToken);
                var info = new CrmSampleDataInfo(full, kind, Seed, Scale) { Elapsed = result.Elapsed, TruthPath = truth };
                foreach (var kv in result.Counts) info.Counts[kv.Key] = kv.Value;
                foreach (var kv in result.Mess) info.Mess[kv.Key] = kv.Value;
                foreach (var d in result.Duplicates) info.Duplicates[d.Entity] = (info.Duplicates.TryGetValue(d.Entity, out long n) ? n : 0) + 1;
                SampleTruth.Write(truth, result.Duplicates);
                WriteObject(info);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, full);
            }
        }
    }
}
