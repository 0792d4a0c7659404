using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;
using CrmMigration.Engine.Sample;

namespace CrmMigration.Engine.Tests
{
    /// <summary>MigrationCopier: a whole migration in the engine, with real providers, ledger and reject files.</summary>
    public class MigrationCopierTests
    {
        private static OrderedDictionary T(params (string Key, object? Value)[] items)
        {
            var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }

        private static ICrmProvider Open(string path) => ProviderFactory.Open(ProviderFactory.FromPath(path));

        private static string Legacy(TempDir dir, int scale)
        {
            string path = dir.File("legacy.db");
            using var provider = Open(path);
            SampleDataGenerator.Generate(provider, seed: 7, scale: scale);
            return path;
        }

        /// <summary>Contacts filtered by a Where (the keys P00001??), rejected without a last name; accounts as they are.</summary>
        private static CompiledMapping ContactsAndAccounts(bool reference = false)
        {
            var contactFields = T(("Id", "contact_id"), ("Last", T(("Source", "last_name"), ("Required", true))), ("Email", "email"));
            if (reference) contactFields["AccountId"] = T(("Source", "account_id"), ("Reference", "Company"));
            var person = T(("Source", "contacts"), ("Key", "Id"),
                ("Where", new List<object?> { T(("Field", "contact_id"), ("NotLike", "P00001??"), ("Reason", "Block100")) }),
                ("Fields", contactFields));
            var company = T(("Source", "accounts"), ("Key", "Id"), ("Fields", T(("Id", "account_id"), ("Name", "name"))));
            var root = T(("Entities", T(("Person", person), ("Company", company))));
            return new CompiledMapping(MappingParser.Parse(root, null));
        }

        [Fact]
        public void CopiesParentsFirstAndAccountsForEveryRecordInTheBooksTheLedgerAndTheRejectFiles()
        {
            using var dir = new TempDir();
            string legacy = Legacy(dir, 1000);
            using var source = Open(legacy);
            using var target = Open(dir.File("new.db"));
            using var ledger = new MigrationLedger(dir.File("new.db.crm-ledger.sqlite"));
            using var rejects = new RejectFileWriter(dir.File("rejects"), "run1");
            var errors = new List<CrmDataError>();
            var progress = new List<CopyProgress>();
            IReadOnlyList<CrmImportSummary> summaries;
            string runId;
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = ContactsAndAccounts(),
                Rejects = rejects,
                OnError = errors.Add,
                OnProgress = progress.Add,
                ProgressInterval = 100,
                Import = new ImportOptions { BatchSize = 128, CreateIfMissing = true, Ledger = ledger },
            }))
            {
                Assert.Equal(new[] { ("accounts", "Company"), ("contacts", "Person") }, copier.Plan().ToArray());
                summaries = copier.Run();
                runId = copier.RunId!;
            }
            Assert.Equal(new[] { "Company", "Person" }, summaries.Select(s => s.Entity).ToArray());
            var person = summaries[1];
            long contacts = source.DescribeEntity("contacts", includeRowCount: true)!.RowCount!.Value;
            Assert.Equal(contacts, person.Read);
            Assert.Equal(100, person.Filtered);
            Assert.True(person.Rejected > 0);
            Assert.Equal(person.Read, person.Inserted + person.Rejected + person.Filtered);
            Assert.True(person.Balanced);
            Assert.Equal(person.Rejected, person.RejectReasons["RecordRequiredFieldMissing"]);
            Assert.Equal(person.Rejected, errors.Count);
            Assert.All(errors, e => Assert.Equal("RecordRequiredFieldMissing", e.Code));
            Assert.Equal(person.Inserted, target.DescribeEntity("Person", includeRowCount: true)!.RowCount);
            Assert.Equal(summaries[0].Read, target.DescribeEntity("Company", includeRowCount: true)!.RowCount);

            // the ledger holds every outcome, the filtered and rejected ones with their reasons
            Assert.Empty(ledger.Verify(runId));
            Assert.Equal(100, ledger.Records(runId, "Person", null, CrmOutcome.Filtered, "Block100").Count());
            Assert.Equal(person.Rejected, ledger.Records(runId, "Person", null, CrmOutcome.Rejected, "RecordRequiredFieldMissing").Count());
            Assert.Equal("Completed", ledger.Runs(runId).Single().Status);

            // the reject file, as Convert-CrmRecord writes it, per source entity
            using (var files = Open(dir.File("rejects/run1")))
            {
                var rows = files.Read("contacts", new CrmReadOptions(), e => { if (e.Severity == CrmErrorSeverity.Error) throw new InvalidOperationException(e.ToString()); }, CancellationToken.None).ToList();
                Assert.Equal(person.Rejected, rows.Count);
                Assert.All(rows, r => Assert.Equal("RecordRequiredFieldMissing", r["RejectReason"]));
            }
            Assert.NotEmpty(progress);
            Assert.Equal(summaries.Sum(s => s.Read), progress[^1].Total);
        }

        [Fact]
        public void MappingReferencesPutParentsFirstForASourceWithoutRelations()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("csv"));
            File.WriteAllText(dir.File("csv/contacts.csv"), "contact_id,last_name,email,account_id\nP0000001,Lovelace,ada@example.org,A1\n");
            File.WriteAllText(dir.File("csv/accounts.csv"), "account_id,name\nA1,Analytical Engines\n");
            using var source = Open(dir.File("csv"));
            using var target = Open(dir.File("out"));
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = ContactsAndAccounts(reference: true),
                Entities = new[] { "contacts", "accounts" },
                Import = new ImportOptions { WhatIf = true, CreateIfMissing = true },
            });
            Assert.Equal(new[] { "accounts", "contacts" }, copier.Plan().Select(p => p.Source).ToArray());
            var summaries = copier.Run();
            Assert.All(summaries, s => Assert.True(s.WhatIf && s.Inserted == 1 && s.Balanced, s + " " + string.Join(",", s.RejectReasons.Keys)));
            Assert.False(File.Exists(dir.File("out/Person.csv")));
        }

        [Fact]
        public void AMalformedRowIsReportedCountedAndRecordedAndTheRestIsCopied()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("csv"));
            File.WriteAllText(dir.File("csv/people.csv"), "id,name\n1,Ada\n2,\"Grace\n3,Alan\n4,Edsger,extra\n5,Barbara\n");
            using var source = Open(dir.File("csv"));
            using var target = Open(dir.File("new.db"));
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var errors = new List<CrmDataError>();
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                OnError = errors.Add,
                Import = new ImportOptions { CreateIfMissing = true, Ledger = ledger },
            });
            var s = copier.Run().Single();
            Assert.Equal(2, errors.Count);
            Assert.All(errors, e => Assert.True(e.Line > 0 && e.File!.EndsWith("people.csv", StringComparison.Ordinal), e.ToString()));
            Assert.Equal(new long[] { 3, 5 }, errors.Select(e => e.Line).ToArray());
            Assert.Equal(2, copier.MalformedRows["people"]);
            Assert.Equal(s.Read, s.Inserted + s.Rejected);
            Assert.Equal(2, s.Rejected);
            Assert.Equal(3, s.Inserted);
            Assert.True(s.Balanced);
            var names = target.Read("people", new CrmReadOptions(), _ => { }, CancellationToken.None).Select(r => r["name"]).ToArray();
            Assert.Equal(new object?[] { "Ada", "Alan", "Barbara" }, names);
            var recorded = ledger.Records(copier.RunId, "people", null, CrmOutcome.Rejected, null).Select(r => r.SourceKey).OrderBy(k => k, StringComparer.Ordinal).ToArray();
            Assert.Equal(2, recorded.Length);
            Assert.All(recorded, k => Assert.Matches(@"people\.csv:[35]$", k));
        }

        [Fact]
        public void CancellingStopsTheCopyAndMarksTheRunFailed()
        {
            using var dir = new TempDir();
            string legacy = Legacy(dir, 2000);
            using var source = Open(legacy);
            using var target = Open(dir.File("new.db"));
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            using var cancel = new CancellationTokenSource();
            string? runId;
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Entities = new[] { "contacts" },
                ProgressInterval = 500,
                OnProgress = p => { if (p.Total >= 1000) cancel.Cancel(); },
                Import = new ImportOptions { CreateIfMissing = true, Ledger = ledger, BatchSize = 100, CancellationToken = cancel.Token },
            }))
            {
                runId = copier.RunId;
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            var run = ledger.Runs(runId).Single();
            Assert.Equal("Failed", run.Status);
            Assert.True(run.Entities.Single().Read < 2000);
            // The target holds what the ledger recorded (a batch written on another thread when the stop came is recorded too).
            Assert.Equal(run.Entities.Single().Inserted, SqliteTestUtil.Count(dir.File("new.db"), "SELECT count(*) FROM contacts"));
            Assert.True(run.Entities.Single().Inserted > 0);
        }

        [Theory]
        [InlineData("1/1", 1, 1)]
        [InlineData("3/8", 3, 8)]
        [InlineData(" 2 / 4 ", 2, 4)]
        public void APartitionIsParsedInvariantly(string text, int part, int parts)
        {
            var slice = Import.PartitionSlice.Parse(text);
            Assert.NotNull(slice);
            Assert.Equal((part, parts), (slice!.Part, slice.Parts));
        }

        [Theory]
        [InlineData("0/4")]
        [InlineData("5/4")]
        [InlineData("1/0")]
        [InlineData("4")]
        [InlineData("-1/4")]
        [InlineData("+1/4")]
        [InlineData("1,0/4")]
        [InlineData("１/４")]
        [InlineData("")]
        public void NotAPartition(string text) => Assert.Null(Import.PartitionSlice.Parse(text));

        [Fact]
        public void TheSlicesOfAPartitionTakeEveryKeyExactlyOnce_AboutEvenly()
        {
            var slices = new[] { new Import.PartitionSlice(1, 4), new Import.PartitionSlice(2, 4), new Import.PartitionSlice(3, 4), new Import.PartitionSlice(4, 4) };
            var counts = new int[4];
            for (int i = 0; i < 40_000; i++)
            {
                string key = "K" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                int holders = 0;
                for (int s = 0; s < 4; s++) if (slices[s].Holds(key)) { holders++; counts[s]++; }
                Assert.Equal(1, holders);
            }
            foreach (int c in counts) Assert.InRange(c, 9_000, 11_000);
        }
    }
}
