using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using CrmMigration;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.EngineBench
{
    /// <summary>
    /// Copy-CrmData's own path without PowerShell: MigrationCopier from a contacts CSV (or PostgreSQL) into SQLite, PostgreSQL,
    /// MariaDB or CSV, with the benchmarks' rename or cleanse mapping, ledger on or off, as the cmdlet sets it up
    /// (-Create, -BatchSize 10000). Prints wall time, process CPU, GC pauses, bytes allocated and peak working set.
    ///   copy-sqlite|copy-pg|copy-my|copy-csv|copy-null <contacts.csv> [rename|cleanse|none] [ledger|noledger]
    ///   pg-csv <ignored> [none] [noledger]  (PostgreSQL "Contact" → CSV)
    ///   my-pg <ignored> [none] [ledger|noledger]  (every table of the MariaDB database CRM_MY_DATABASE → PostgreSQL
    ///   CRM_PG_DATABASE, no mapping, as Copy-CrmData $my $pg -Create; the caller gives an empty target database)
    /// </summary>
    internal static class CopyBench
    {
        private const string Rename = @"{ ""Entities"": { ""Contact"": { ""Source"": ""contacts"", ""Key"": ""Id"", ""Fields"": {
  ""Id"": ""contact_id"", ""FirstName"": ""first_name"", ""LastName"": ""last_name"", ""Email"": ""email"", ""Phone"": ""phone"",
  ""City"": ""city"", ""Country"": ""country"", ""Status"": ""status"", ""CreatedAt"": ""created_at"", ""Score"": ""score"" } } } }";

        private const string Cleanse = @"{ ""Entities"": { ""Contact"": { ""Source"": ""contacts"", ""Key"": ""Id"", ""Fields"": {
  ""Id"": ""contact_id"",
  ""FirstName"": { ""Source"": ""first_name"", ""Transform"": [""Trim"", ""Title""] },
  ""LastName"": { ""Source"": ""last_name"", ""Transform"": ""Title"" },
  ""Email"": { ""Source"": ""email"", ""Transform"": ""Email"" },
  ""Phone"": { ""Source"": ""phone"", ""Transform"": ""Phone"", ""DefaultRegion"": ""CN"" },
  ""City"": { ""Source"": ""city"", ""Transform"": ""CollapseSpaces"" },
  ""Country"": { ""Source"": ""country"", ""Transform"": ""Upper"" },
  ""Status"": ""status"",
  ""CreatedAt"": { ""Source"": ""created_at"", ""Transform"": ""Date"", ""Format"": ""yyyy-MM-dd"" },
  ""Score"": { ""Source"": ""score"", ""Type"": ""Integer"" } } } } }";

        public static string Run(string mode, string[] args)
        {
            string input = Path.GetFullPath(args[1]);
            string mappingKind = args.Length > 2 ? args[2] : "rename";
            bool ledgerOn = !(args.Length > 3 && args[3] == "noledger");
            // A folder of this process's own: engineers share the machine, and a fixed name let one run delete another's input.
            string work = Path.Combine(Path.GetTempPath(), "crm-enginebench-copy-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Directory.Exists(work)) Directory.Delete(work, true);
            Directory.CreateDirectory(work);

            CrmConnection source;
            if (mode == "pg-csv") source = Program.ServerConnection("pg");
            else if (mode == "my-pg") source = Program.ServerConnection("my");
            else
            {
                // The mappings read the entity 'contacts': the file is linked in under that name.
                string dir = Path.Combine(work, "in");
                Directory.CreateDirectory(dir);
                string file = Path.Combine(dir, "contacts.csv");
                File.CreateSymbolicLink(file, input);
                source = ProviderFactory.FromPath(file);
            }
            CrmConnection target = mode switch
            {
                "copy-sqlite" => ProviderFactory.FromPath(Path.Combine(work, "target.db")),
                "copy-csv" or "pg-csv" => ProviderFactory.FromPath(Path.Combine(work, "out", "Contact.csv")),
                "copy-pg" or "my-pg" => Program.ServerConnection("pg"),
                "copy-my" => Program.ServerConnection("my"),
                _ => throw new ArgumentException("Unknown mode " + mode),
            };
            if ((target.Provider is CrmProviderKind.PostgreSql or CrmProviderKind.MySql) && mode != "my-pg") Program.DropContact(target);
            CompiledMapping? mapping = mappingKind switch
            {
                "rename" => new CompiledMapping(MappingParser.ParseJson(Rename, null)),
                "cleanse" => new CompiledMapping(MappingParser.ParseJson(Cleanse, null)),
                _ => null,
            };
            string ledgerPath = Path.Combine(work, "ledger.sqlite");
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            var gc0 = GC.GetTotalPauseDuration();
            long alloc0 = GC.GetTotalAllocatedBytes(precise: false);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            long read;
            IReadOnlyList<CrmImportSummary> summaries;
            using (var src = ProviderFactory.Open(source))
            using (var dst = ProviderFactory.Open(target))
            using (var ledger = ledgerOn ? new MigrationLedger(ledgerPath) : null)
            using (var copier = new MigrationCopier(src, dst, new CopyOptions
            {
                Mapping = mapping,
                Entities = mode == "pg-csv" ? new[] { "Contact" } : null,
                Import = new ImportOptions { BatchSize = 10000, CreateIfMissing = true, Ledger = ledger },
            }))
            {
                summaries = copier.Run();
                read = copier.RecordsRead;
            }
            clock.Stop();
            long landed = summaries.Sum(s => s.Inserted + s.Updated + s.Skipped);
            long rejected = summaries.Sum(s => s.Rejected);
            Directory.Delete(work, true);
            return $"records={read} landed={landed} rejected={rejected} total={clock.Elapsed.TotalSeconds:F3} cpu={(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F3} " +
                $"gc-pause={(GC.GetTotalPauseDuration() - gc0).TotalSeconds:F3} alloc-mb={(GC.GetTotalAllocatedBytes(precise: false) - alloc0) / 1048576.0:F0} gcs={GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} peak-mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}";
        }
    }
}
