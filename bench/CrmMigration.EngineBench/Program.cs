using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using CrmMigration;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

// Engine-level timings, no PowerShell:
//   dotnet run -c Release --project bench/CrmMigration.EngineBench -- <mode> <csv> [repeats]
//   mode: parse | parse-batched | null | pg | pg-ledger | pg-upsert | my | my-ledger | my-upsert | sqlite | sqlite-ledger | pg-export
//   copy-sqlite | copy-pg | copy-my | copy-csv <csv> [rename|cleanse|none] [ledger|noledger]; pg-csv: see CopyBench
//   report <ledger> [repeats]: records a 1M-record run with 50k rejects in a fresh ledger (the importer's own
//   RecordBatch, 1000 records a batch) once, then times building the report and writing it as HTML, XLSX and JSON.

//   dedupe-sample <legacy.db> <rules.json> [entity] | dedupe-febrl <dataset.csv> <rules.json>  (see DedupeBench)
//   (-upsert: Import in upsert mode into a new table, which exercises the INSERT statement path)
// Server settings come from CRM_PG_* / CRM_MY_* (eval "$(bash scripts/dbservers.sh env)").
// Prints one line per repeat: total, parse (reading + renaming), writer (inside WriteBatch, split into
// client CPU and the rest, i.e. waiting on the server), ledger+session (the remainder).
namespace CrmMigration.EngineBench
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string mode = args[0];
            string csv = Path.GetFullPath(args[1]);
            int repeats = args.Length > 2 && !mode.StartsWith("dedupe", StringComparison.Ordinal) && !mode.StartsWith("copy-", StringComparison.Ordinal) && mode is not ("pg-csv" or "my-pg") ? int.Parse(args[2]) : 1;
            for (int r = 0; r < repeats; r++)
            {
                GC.Collect();
                string line = mode switch
                {
                    "dedupe-sample" => DedupeBench.Sample(csv, Path.GetFullPath(args[2]), args.Length > 3 ? args[3] : "contacts"),
                    "dedupe-febrl" => DedupeBench.Febrl(csv, Path.GetFullPath(args[2])),
                    "parse" => Parse(csv),
                    "parse-batched" => Parse(csv, 10000),
                    "pg-export" => Export(csv),
                    "report" => Report(csv, r == 0),
                    _ when mode.StartsWith("copy-", StringComparison.Ordinal) || mode is "pg-csv" or "my-pg" => CopyBench.Run(mode, args),
                    _ => Import(mode, csv),
                };
                Console.WriteLine(mode + " " + line);
            }
            return 0;
        }

        /// <summary>
        /// A run of 1,000,000 records over three entities (Contact 700k, Account 200k, Opportunity 100k) with 50,000
        /// rejects under five reason codes and 10,000 filtered, recorded as the importer records them; then the report.
        /// </summary>
        private static string Report(string ledgerPath, bool first)
        {
            string runId;
            if (first)
            {
                foreach (var f in new[] { ledgerPath, ledgerPath + "-wal", ledgerPath + "-shm" }) if (File.Exists(f)) File.Delete(f);
                var build = Stopwatch.StartNew();
                using var ledger = new MigrationLedger(ledgerPath);
                runId = ledger.StartOrResume(new LedgerRunInfo { Source = "Csv:/data/legacy", Target = "Sqlite:/data/new.db", ModuleVersion = "bench", Parameters = "Mapping=/data/map.psd1; RejectPath=/data/rejects" }, null, false).RunId;
                string[] reasons = { "RecordInvalidEmail", "RecordRequiredFieldMissing", "MissingParent", "RecordTooLong", "DuplicateKey" };
                string[] fields = { "Email", "LastName", "AccountId", "Name", "Id" };
                var entities = new (string Target, string Source, int Count)[] { ("Account", "accounts", 200_000), ("Contact", "contacts", 700_000), ("Opportunity", "opportunities", 100_000) };
                long n = 0;
                var entries = new List<LedgerEntry>(1000);
                foreach (var (target, source, count) in entities)
                {
                    int batch = 0;
                    for (int i = 0; i < count; i++)
                    {
                        n++;
                        string key = source[0].ToString().ToUpperInvariant() + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
                        CrmRecordOutcome o;
                        if (n % 20 == 0)
                        {
                            int k = (int)(n / 20 % reasons.Length);
                            o = new CrmRecordOutcome(target, key, CrmOutcome.Rejected) { ReasonCode = reasons[k], Field = fields[k], Value = "bad value " + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                Message = $"{reasons[k]}: {source}.csv:{i + 2} {source} key '{key}' field '{fields[k]}': the value does not meet the rule." };
                        }
                        else if (n % 100 == 7)
                        {
                            o = new CrmRecordOutcome(target, key, CrmOutcome.Filtered) { ReasonCode = "Inactive", Field = "status", Value = "inactive", Message = "filtered (Inactive)" };
                        }
                        else o = new CrmRecordOutcome(target, key, CrmOutcome.Inserted);
                        entries.Add(new LedgerEntry(source, key, key, o, o.Outcome == CrmOutcome.Inserted ? n * 7919 : null));
                        if (entries.Count == 1000) { ledger.RecordBatch(runId, target, ++batch, entries); entries.Clear(); }
                    }
                    if (entries.Count > 0) { ledger.RecordBatch(runId, target, ++batch, entries); entries.Clear(); }
                }
                ledger.FinishRun(runId, true);
                Console.WriteLine($"report: recorded {n} outcomes in {build.Elapsed.TotalSeconds:F2} s; ledger {new FileInfo(ledgerPath).Length / 1048576.0:F1} MB");
            }
            using (var ledger = new MigrationLedger(ledgerPath)) runId = ledger.LatestRunId(null)!;
            var clock = Stopwatch.StartNew();
            CrmMigration.Engine.Reports.MigrationReport report;
            using (var ledger = new MigrationLedger(ledgerPath))
            {
                report = CrmMigration.Engine.Reports.ReportBuilder.Build(new CrmMigration.Engine.Reports.ReportRequest { Ledger = ledger, RunId = runId, ModuleVersion = "bench", Culture = System.Globalization.CultureInfo.InvariantCulture });
            }
            double built = clock.Elapsed.TotalSeconds;
            string dir = Path.GetDirectoryName(Path.GetFullPath(ledgerPath))!;
            var parts = new List<string> { $"build {built:F2} s (rejected {report.Entities.Sum(e => e.Rejected)}, read {report.TotalRead}, verdict {report.Verdict})" };
            foreach (var ext in new[] { ".html", ".xlsx", ".json" })
            {
                var w = Stopwatch.StartNew();
                var file = CrmMigration.Engine.Reports.ReportWriter.Write(report, new[] { Path.Combine(dir, "bench-report" + ext) })[0];
                parts.Add($"{ext} {w.Elapsed.TotalSeconds:F2} s {file.Length / 1024.0:F1} KB");
            }
            parts.Add($"total {clock.Elapsed.TotalSeconds:F2} s");
            return string.Join("; ", parts);
        }

        private static readonly string[] Names = { "Id", "FirstName", "LastName", "Email", "Phone", "City", "Country", "Status", "CreatedAt", "Score" };

        /// <summary>The CSV's contacts renamed as bench/run-db.ps1's mapping does (Convert-CrmRecord), key Id.</summary>
        private static IEnumerable<CrmRecord> Contacts(string csv, Stopwatch parse)
        {
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            string entity = Path.GetFileNameWithoutExtension(csv);
            var shape = new CrmFieldShape(Names);
            string[] keyNames = { "Id" };
            using var e = provider.Read(entity, new CrmReadOptions(), _ => { }, CancellationToken.None).GetEnumerator();
            while (true)
            {
                parse.Start();
                if (!e.MoveNext()) { parse.Stop(); yield break; }
                var src = e.Current;
                var values = new object?[Names.Length];
                for (int i = 0; i < values.Length; i++) values[i] = src.GetValue(i);
                var rec = new CrmRecord("Contact", shape, values)
                {
                    Key = new CrmKey(values[0]?.ToString() ?? "") { FieldNames = keyNames },
                    Origin = src.Origin,
                };
                parse.Stop();
                yield return rec;
            }
        }

        private static string Parse(string csv, int keep = 0)
        {
            var parse = new Stopwatch();
            var gc0 = GC.GetTotalPauseDuration();
            var total = Stopwatch.StartNew();
            long n = 0;
            var held = new List<CrmRecord>();
            foreach (var r in Contacts(csv, parse))
            {
                n++;
                if (keep == 0) continue;
                held.Add(r);
                if (held.Count >= keep) held = new List<CrmRecord>();
            }
            return $"records={n} total={total.Elapsed.TotalSeconds:F3} gc-pause={(GC.GetTotalPauseDuration() - gc0).TotalSeconds:F3}";
        }

        internal static CrmConnection ServerConnection(string mode) => Server(mode);

        internal static void DropContact(CrmConnection conn) => Drop(conn);

        private static CrmConnection Server(string mode)
        {
            bool pg = mode.StartsWith("pg", StringComparison.Ordinal);
            string p = pg ? "CRM_PG_" : "CRM_MY_";
            string Env(string n) => Environment.GetEnvironmentVariable(p + n) ?? throw new InvalidOperationException(p + n + " is not set");
            return ProviderFactory.ForServer(pg ? CrmProviderKind.PostgreSql : CrmProviderKind.MySql, Env("HOST"), int.Parse(Env("PORT")), Env("DATABASE"),
                new NetworkCredential(Env("USER"), Env("PASSWORD")), null);
        }

        private static void Drop(CrmConnection conn)
        {
            bool pg = conn.Provider == CrmProviderKind.PostgreSql;
            string p = pg ? "CRM_PG_" : "CRM_MY_";
            string Env(string n) => Environment.GetEnvironmentVariable(p + n)!;
            using System.Data.Common.DbConnection c = pg
                ? new Npgsql.NpgsqlConnection($"Host={Env("HOST")};Port={Env("PORT")};Database={Env("DATABASE")};Username={Env("USER")};Password={Env("PASSWORD")}")
                : new MySqlConnector.MySqlConnection($"Server={Env("HOST")};Port={Env("PORT")};Database={Env("DATABASE")};User ID={Env("USER")};Password={Env("PASSWORD")}");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = pg ? "DROP TABLE IF EXISTS \"Contact\"" : "DROP TABLE IF EXISTS `Contact`";
            cmd.ExecuteNonQuery();
        }

        private static string Import(string mode, string csv)
        {
            bool ledgerOn = mode.EndsWith("-ledger", StringComparison.Ordinal);
            string work = Path.Combine(Path.GetTempPath(), "crm-enginebench");
            Directory.CreateDirectory(work);
            CrmConnection target;
            if (mode.StartsWith("null", StringComparison.Ordinal))
            {
                target = new CrmConnection(CrmProviderKind.PostgreSql, "null");
            }
            else if (mode.StartsWith("sqlite", StringComparison.Ordinal))
            {
                string db = Path.Combine(work, "target.db");
                foreach (var f in Directory.GetFiles(work, "target.db*")) File.Delete(f);
                target = ProviderFactory.FromPath(db);
            }
            else
            {
                target = Server(mode);
                Drop(target);
            }
            string ledgerPath = Path.Combine(work, "ledger.db");
            foreach (var f in Directory.GetFiles(work, "ledger.db*")) File.Delete(f);
            var parse = new Stopwatch();
            var gc0 = GC.GetTotalPauseDuration();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var total = Stopwatch.StartNew();
            using var inner = target.Location == "null" ? new NullProvider(target) : ProviderFactory.Open(target);
            var timed = new TimedProvider(inner);
            using var ledger = ledgerOn ? new MigrationLedger(ledgerPath) : null;
            long n = 0;
            using (var session = new ImportSession(timed, new ImportOptions { BatchSize = 10000, CreateIfMissing = true, Ledger = ledger, Mode = mode.Contains("upsert", StringComparison.Ordinal) ? CrmWriteMode.Upsert : CrmWriteMode.Insert }))
            {
                var results = new List<ImportResult>();
                foreach (var rec in Contacts(csv, parse))
                {
                    session.Add(rec, results);
                    n++;
                    results.Clear(); // the cmdlet hands results on at once; keeping them would inflate GC work
                }
                var summaries = session.Complete(results);
                long inserted = summaries.Sum(s => s.Inserted);
                if (inserted != n) throw new InvalidOperationException($"{inserted} of {n} inserted");
            }
            total.Stop();
            double t = total.Elapsed.TotalSeconds, p = parse.Elapsed.TotalSeconds, w = timed.Wall.Elapsed.TotalSeconds, cpu = timed.Cpu.TotalSeconds;
            return $"records={n} total={t:F3} parse={p:F3} writer={w:F3} (client-cpu={cpu:F3} wait={w - cpu:F3}) session+ledger={t - p - w:F3} gc-pause={(GC.GetTotalPauseDuration() - gc0).TotalSeconds:F3} process-cpu={(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F3}";
        }

        private static string Export(string csv)
        {
            var source = Server("pg");
            string outDir = Path.Combine(Path.GetTempPath(), "crm-enginebench", "out");
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
            Directory.CreateDirectory(outDir);
            var read = new Stopwatch();
            var total = Stopwatch.StartNew();
            using var src = ProviderFactory.Open(source);
            using var dst = ProviderFactory.Open(ProviderFactory.FromPath(Path.Combine(outDir, "Contact.csv")));
            var timed = new TimedProvider(dst);
            long n = 0;
            using (var session = new ImportSession(timed, new ImportOptions { BatchSize = 1000 }))
            {
                var results = new List<ImportResult>();
                using var e = src.Read("Contact", new CrmReadOptions(), _ => { }, CancellationToken.None).GetEnumerator();
                while (true)
                {
                    read.Start();
                    bool more = e.MoveNext();
                    read.Stop();
                    if (!more) break;
                    session.Add(e.Current, results);
                    n++;
                    results.Clear(); // the cmdlet hands results on at once; keeping them would inflate GC work
                }
                session.Complete(results);
            }
            total.Stop();
            double t = total.Elapsed.TotalSeconds, r = read.Elapsed.TotalSeconds, w = timed.Wall.Elapsed.TotalSeconds;
            return $"records={n} total={t:F3} read={r:F3} writer={w:F3} (complete={timed.CompleteWall.Elapsed.TotalSeconds:F3}) session={t - r - w:F3}";
        }
    }

    /// <summary>A target that writes nothing: every record Inserted (the cost of reading, batching and outcomes alone).</summary>
    internal sealed class NullProvider : ICrmProvider
    {
        public NullProvider(CrmConnection c) { Connection = c; }
        public CrmConnection Connection { get; }
        public CancellationToken Cancellation { get; set; }
        public IReadOnlyList<string> ListEntities() => Array.Empty<string>();
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount) => null;
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken) => Array.Empty<CrmRecord>();
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options) => new Writer();
        public void Dispose() { }

        private sealed class Writer : ICrmEntityWriter
        {
            private int _batch;
            public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
            {
                _batch++;
                foreach (var r in batch) outcomes.Add(new CrmRecordOutcome(r.Entity, r.Key?.ToString(), CrmOutcome.Inserted) { Batch = _batch, Origin = r.Origin });
            }
            public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes) => WriteBatch(batch, outcomes);
            public void Complete() { }
            public void Dispose() { }
        }
    }

    /// <summary>Times the writer calls of a provider.</summary>
    internal sealed class TimedProvider : ICrmProvider
    {
        private readonly ICrmProvider _inner;
        public TimedProvider(ICrmProvider inner) { _inner = inner; }
        public Stopwatch Wall { get; } = new Stopwatch();
        public Stopwatch CompleteWall { get; } = new Stopwatch();
        public TimeSpan Cpu { get; set; }
        public CrmConnection Connection => _inner.Connection;
        public CancellationToken Cancellation { get => _inner.Cancellation; set => _inner.Cancellation = value; }
        public IReadOnlyList<string> ListEntities() => _inner.ListEntities();
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount) => _inner.DescribeEntity(entity, includeRowCount);
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken) => _inner.Read(entity, options, onError, cancellationToken);
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options) => new TimedWriter(this, _inner.OpenWriter(entity, options));
        public void Dispose() { }

        private sealed class TimedWriter : ICrmEntityWriter
        {
            private readonly TimedProvider _p;
            private readonly ICrmEntityWriter _w;
            public TimedWriter(TimedProvider p, ICrmEntityWriter w) { _p = p; _w = w; }
            public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
            {
                var cpu0 = ThreadCpu();
                _p.Wall.Start();
                try { _w.WriteBatch(batch, outcomes); }
                finally { _p.Wall.Stop(); _p.Cpu += ThreadCpu() - cpu0; }
            }
            public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes) => _w.PlanBatch(batch, outcomes);
            public void Complete()
            {
                var cpu0 = ThreadCpu();
                _p.Wall.Start(); _p.CompleteWall.Start();
                try { _w.Complete(); }
                finally { _p.Wall.Stop(); _p.CompleteWall.Stop(); _p.Cpu += ThreadCpu() - cpu0; }
            }
            public void Dispose() => _w.Dispose();
        }

        /// <summary>CPU time of the calling thread (Linux: /proc/thread-self/stat utime+stime, clock ticks of 10 ms are too coarse, so schedstat).</summary>
        private static TimeSpan ThreadCpu()
        {
            string s = File.ReadAllText("/proc/thread-self/schedstat");
            long ns = long.Parse(s.AsSpan(0, s.IndexOf(' ')));
            return TimeSpan.FromTicks(ns / 100);
        }
    }
}
