using System;
using System.Collections.Generic;
using System.Linq;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// References on import, against real SQLite, PostgreSQL and MariaDB targets: parents found in the target
    /// or earlier in the stream, children that arrive before their parents, MissingParent, cycles filled in a
    /// second pass, keys changed by a mapping translated through the ledger's crosswalk, composite keys.
    /// </summary>
    public sealed class RelationTests
    {
        public static IEnumerable<object[]> Targets() => new[] { new object[] { "Sqlite" }, new object[] { "PostgreSql" }, new object[] { "MySql" } };

        /// <summary>A fresh empty target of one kind; SQL runs directly against it.</summary>
        private sealed class Target : IDisposable
        {
            private readonly TempDir _dir = new TempDir();
            private readonly TestDatabase? _db;

            public Target(string kind)
            {
                Kind = Enum.Parse<CrmProviderKind>(kind);
                if (Kind != CrmProviderKind.Sqlite) _db = new TestDatabase(Kind);
            }

            public CrmProviderKind Kind { get; }
            public string LedgerPath => _dir.File("ledger.sqlite");
            private string SqlitePath => _dir.File("target.sqlite");
            public ICrmProvider Provider() => _db is null ? SqliteTestUtil.Provider(SqlitePath) : _db.Provider();

            public void Exec(string sql)
            {
                foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (_db is null) SqliteTestUtil.Exec(SqlitePath, statement);
                    else _db.Exec(statement);
                }
            }

            public string? Scalar(string sql)
            {
                object? v = _db is null ? SqliteTestUtil.Scalar(SqlitePath, sql) : _db.Scalar(sql);
                return v is null or DBNull ? null : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture);
            }

            public void Dispose()
            {
                _db?.Dispose();
                _dir.Dispose();
            }
        }

        private sealed class Run
        {
            public IReadOnlyList<CrmImportSummary> Summaries = Array.Empty<CrmImportSummary>();
            public List<ImportResult> Results = new();
            public List<string> Warnings = new();
            public CrmImportSummary Of(string entity) => Summaries.Single(s => string.Equals(s.Entity, entity, StringComparison.OrdinalIgnoreCase));
            public CrmRecordOutcome Outcome(string key) => Results.Single(r => r.Outcome.Key == key).Outcome;
        }

        private static Run Import(ICrmProvider provider, IEnumerable<CrmRecord> records, int batchSize, MigrationLedger? ledger = null, bool create = false, bool whatIf = false,
            int maxWaiting = 100_000)
        {
            var run = new Run();
            using var session = new ImportSession(provider, new ImportOptions { BatchSize = batchSize, Ledger = ledger, CreateIfMissing = create, WhatIf = whatIf, MaxWaitingInMemory = maxWaiting });
            foreach (var r in records) session.Add(r, run.Results);
            run.Summaries = session.Complete(run.Results);
            run.Warnings.AddRange(session.Warnings);
            foreach (var s in run.Summaries) Assert.True(s.Balanced, s.Entity + " does not balance");
            return run;
        }

        private static CrmRecord Rec(string entity, string key, params (string Name, object? Value)[] fields)
        {
            var r = SqliteTestUtil.Rec(entity, fields.Prepend(("id", (object?)key)).ToArray());
            r.Key = new CrmKey(key) { FieldNames = new[] { "id" } };
            return r;
        }

        private const string AccountsAndContacts = @"
CREATE TABLE account (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), parent_id varchar(20), FOREIGN KEY (parent_id) REFERENCES account (id));
CREATE TABLE contact (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), account_id varchar(20), FOREIGN KEY (account_id) REFERENCES account (id))";

        [Theory]
        [InlineData("Sqlite", false, false)]
        [InlineData("PostgreSql", false, false)]
        [InlineData("MySql", false, false)]
        [InlineData("Sqlite", true, false)]
        [InlineData("PostgreSql", true, false)]
        // The same with every waiting record in the temporary file (no room in memory): the same outcomes.
        [InlineData("Sqlite", false, true)]
        [InlineData("PostgreSql", false, true)]
        [InlineData("MySql", false, true)]
        [InlineData("Sqlite", true, true)]
        public void ChildrenWaitForParentsLaterInTheStream_AndOrphansAreRejectedWithMissingParent(string kind, bool whatIf, bool spill = false)
        {
            using var t = new Target(kind);
            t.Exec(AccountsAndContacts);
            t.Exec("INSERT INTO account (id, name) VALUES ('A0', 'already there')");
            var records = new[]
            {
                Rec("account", "A2", ("name", "child first"), ("parent_id", "A1")),
                Rec("account", "A3", ("name", "orphan"), ("parent_id", "A9")),
                Rec("account", "A4", ("name", "grandchild"), ("parent_id", "A2")),
                Rec("account", "A1", ("name", "parent"), ("parent_id", null)),
                Rec("account", "A5", ("name", "under the old one"), ("parent_id", "A0")),
                Rec("contact", "C1", ("name", "ok"), ("account_id", "A1")),
                Rec("contact", "C2", ("name", "no such account"), ("account_id", "A404")),
                Rec("contact", "C3", ("name", "account rejected"), ("account_id", "A3")),
                Rec("contact", "C4", ("name", "no account"), ("account_id", null)),
                Rec("contact", "C5", ("name", "old account"), ("account_id", "A0")),
            };
            using var provider = t.Provider();
            var run = Import(provider, records, batchSize: 2, whatIf: whatIf, maxWaiting: spill ? 0 : 100_000);

            Assert.Equal(spill, run.Warnings.Any(w => w.Contains("temporary file", StringComparison.Ordinal)));
            Assert.Equal(5, run.Of("account").Read);
            Assert.Equal(4, run.Of("account").Inserted);
            Assert.Equal(1, run.Of("account").Rejected);
            Assert.Equal(3, run.Of("contact").Inserted);
            Assert.Equal(2, run.Of("contact").Rejected);
            Assert.Equal(3, run.Of("contact").RejectReasons["MissingParent"] + run.Of("account").RejectReasons["MissingParent"]);
            var orphan = run.Outcome("A3");
            Assert.Equal("MissingParent", orphan.ReasonCode);
            Assert.Contains("'A9'", orphan.Message);
            Assert.Contains("parent_id", orphan.Message);
            Assert.Equal("MissingParent", run.Outcome("C2").ReasonCode);
            Assert.Contains("rejected", run.Outcome("C3").Message); // its parent A3 was rejected itself
            if (whatIf)
            {
                // the plan is the same, and nothing was written
                Assert.Equal("1", t.Scalar("SELECT COUNT(*) FROM account"));
                Assert.Equal("0", t.Scalar("SELECT COUNT(*) FROM contact"));
                return;
            }
            Assert.Equal("A1", t.Scalar("SELECT parent_id FROM account WHERE id = 'A2'"));
            Assert.Equal("A2", t.Scalar("SELECT parent_id FROM account WHERE id = 'A4'"));
            Assert.Equal("5", t.Scalar("SELECT COUNT(*) FROM account"));
            Assert.Equal("3", t.Scalar("SELECT COUNT(*) FROM contact"));
            Assert.Null(t.Scalar("SELECT id FROM account WHERE id = 'A3'"));
            Assert.Contains(run.Warnings, w => w.Contains("waited", StringComparison.Ordinal));
        }

        [Fact]
        public void ChildrenBeforeTheirParents_WaitInATemporaryFilePastTheCap_AndAllLandPointingAtTheirParents()
        {
            using var t = new Target("Sqlite");
            t.Exec(AccountsAndContacts);
            // 3,000 contacts first (a folder read alphabetically), then their 30 accounts; at most 100 may wait in memory.
            var records = new List<CrmRecord>();
            for (int i = 0; i < 3000; i++) records.Add(Rec("contact", "C" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), ("name", "contact " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ü"), ("account_id", "A" + (i % 30).ToString(System.Globalization.CultureInfo.InvariantCulture))));
            for (int a = 0; a < 30; a++) records.Add(Rec("account", "A" + a.ToString(System.Globalization.CultureInfo.InvariantCulture), ("name", "account " + a.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("parent_id", null)));
            records.Add(Rec("contact", "C9999", ("name", "orphan"), ("account_id", "A404")));
            using var provider = t.Provider();
            using var ledger = new MigrationLedger(t.LedgerPath);
            var run = Import(provider, records, batchSize: 250, ledger: ledger, maxWaiting: 100);

            Assert.Equal(3000, run.Of("contact").Inserted);
            Assert.Equal(1, run.Of("contact").Rejected);
            Assert.Equal("MissingParent", run.Outcome("C9999").ReasonCode);
            Assert.Equal(30, run.Of("account").Inserted);
            // What the target holds, asked with SQL: every contact, pointing at its own account, its text intact.
            Assert.Equal("3000", t.Scalar("SELECT COUNT(*) FROM contact"));
            Assert.Equal("0", t.Scalar("SELECT COUNT(*) FROM contact WHERE account_id IS NULL OR account_id <> 'A' || (CAST(substr(id, 2) AS INTEGER) % 30)"));
            Assert.Equal("contact 2999 ü", t.Scalar("SELECT name FROM contact WHERE id = 'C2999'"));
            // At most 100 waited in memory; the rest (the orphan too: it came when 100 were waiting) waited in the file.
            Assert.Contains(run.Warnings, w => w.Contains("2,901 record(s) waited for their parents in a temporary file", StringComparison.Ordinal));
            Assert.Contains(run.Warnings, w => w.Contains("at most 100 record(s) waited at once", StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void RecordsThatReferenceEachOther_AreWrittenThenFilledInASecondPass(string kind)
        {
            using var t = new Target(kind);
            if (kind == "Sqlite")
            {
                // SQLite cannot add a foreign key to an existing table: declare the cycle in one go.
                t.Exec(@"
CREATE TABLE account (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), parent_id varchar(20), primary_contact_id varchar(20),
  FOREIGN KEY (primary_contact_id) REFERENCES contact (id), FOREIGN KEY (parent_id) REFERENCES account (id));
CREATE TABLE contact (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), account_id varchar(20), FOREIGN KEY (account_id) REFERENCES account (id))");
            }
            else
            {
                t.Exec(@"
CREATE TABLE account (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), parent_id varchar(20), primary_contact_id varchar(20), FOREIGN KEY (parent_id) REFERENCES account (id));
CREATE TABLE contact (id varchar(20) NOT NULL PRIMARY KEY, name varchar(50), account_id varchar(20), FOREIGN KEY (account_id) REFERENCES account (id));
ALTER TABLE account ADD FOREIGN KEY (primary_contact_id) REFERENCES contact (id)");
            }
            var records = new[]
            {
                Rec("account", "A1", ("name", "one"), ("parent_id", "A2"), ("primary_contact_id", "C1")),
                Rec("account", "A2", ("name", "two"), ("parent_id", "A1"), ("primary_contact_id", null)),
                Rec("contact", "C1", ("name", "boss of one"), ("account_id", "A1")),
                Rec("contact", "C2", ("name", "also one"), ("account_id", "A1")),
            };
            using var provider = t.Provider();
            var run = Import(provider, records, batchSize: 10);

            Assert.Equal(2, run.Of("account").Inserted);
            Assert.Equal(2, run.Of("contact").Inserted);
            Assert.Equal("A2", t.Scalar("SELECT parent_id FROM account WHERE id = 'A1'"));
            Assert.Equal("A1", t.Scalar("SELECT parent_id FROM account WHERE id = 'A2'"));
            Assert.Equal("C1", t.Scalar("SELECT primary_contact_id FROM account WHERE id = 'A1'"));
            Assert.Equal("A1", t.Scalar("SELECT account_id FROM contact WHERE id = 'C2'"));
            Assert.Contains(run.Warnings, w => w.Contains("second pass", StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void CompositeForeignKeys_AreCheckedByEveryPart(string kind)
        {
            using var t = new Target(kind);
            t.Exec(@"
CREATE TABLE order_head (region varchar(5) NOT NULL, num integer NOT NULL, customer varchar(20), PRIMARY KEY (region, num));
CREATE TABLE order_line (id varchar(20) NOT NULL PRIMARY KEY, region varchar(5), num integer, item varchar(20), FOREIGN KEY (region, num) REFERENCES order_head (region, num))");
            CrmRecord Head(string region, long no)
            {
                var r = SqliteTestUtil.Rec("order_head", ("region", region), ("num", no), ("customer", "c"));
                r.Key = new CrmKey(region, no.ToString(System.Globalization.CultureInfo.InvariantCulture)) { FieldNames = new[] { "region", "num" } };
                return r;
            }
            var records = new[]
            {
                Rec("order_line", "L1", ("region", "EU"), ("num", 7L), ("item", "before its head")),
                Head("EU", 7),
                Head("US", 7),
                Rec("order_line", "L2", ("region", "US"), ("num", 7L), ("item", "ok")),
                Rec("order_line", "L3", ("region", "EU"), ("num", 8L), ("item", "no such head")),
                Rec("order_line", "L4", ("region", "AP"), ("num", 7L), ("item", "no such head either")),
            };
            using var provider = t.Provider();
            var run = Import(provider, records, batchSize: 1);

            Assert.Equal(2, run.Of("order_line").Inserted);
            Assert.Equal(2, run.Of("order_line").Rejected);
            Assert.Equal("MissingParent", run.Outcome("L3").ReasonCode);
            Assert.Equal("MissingParent", run.Outcome("L4").ReasonCode);
            Assert.Equal("2", t.Scalar("SELECT COUNT(*) FROM order_line"));
        }

        private static CompiledMapping AccountContactMapping(string onMissing) => new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": {
  ""Account"": { ""Source"": ""accounts"", ""Key"": ""Id"", ""Fields"": {
      ""Id"": { ""Source"": ""account_id"", ""Transform"": ""Upper"" }, ""Name"": ""name"",
      ""ParentId"": { ""Source"": ""parent_id"", ""Reference"": ""Account"" } } },
  ""Contact"": { ""Source"": ""contacts"", ""Key"": ""Id"", ""Fields"": {
      ""Id"": ""contact_id"", ""Name"": ""name"",
      ""AccountId"": { ""Source"": ""account_id"", ""Reference"": ""Account"", ""OnMissingParent"": """ + onMissing + @""" } } } } }", null));

        private static IEnumerable<CrmRecord> Mapped(CompiledMapping mapping, IEnumerable<CrmRecord> source)
        {
            var errors = new List<CrmDataError>();
            foreach (var s in source)
            {
                errors.Clear();
                Assert.Equal(MapStatus.Mapped, mapping.Map(s, false, out var output, errors));
                yield return output!;
            }
        }

        private static CrmRecord Src(string entity, string keyField, string key, params (string Name, object? Value)[] fields)
        {
            var r = SqliteTestUtil.Rec(entity, fields.Prepend((keyField, (object?)key)).ToArray());
            r.Key = new CrmKey(key) { FieldNames = new[] { keyField } };
            r.Origin = new CrmOrigin("legacy", entity, key, null, 0);
            return r;
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void KeysChangedByTheMapping_AreTranslatedThroughTheCrosswalk_InLaterRunsToo(string kind)
        {
            using var t = new Target(kind);
            var mapping = AccountContactMapping("Reject");
            using var ledger = new MigrationLedger(t.LedgerPath);
            using (var provider = t.Provider())
            {
                var first = Import(provider, Mapped(mapping, new[]
                {
                    Src("accounts", "account_id", "a-1", ("name", "one"), ("parent_id", null)),
                    Src("accounts", "account_id", "a-2", ("name", "two"), ("parent_id", "a-1")),
                    Src("contacts", "contact_id", "c1", ("name", "x"), ("account_id", "a-2")),
                    Src("contacts", "contact_id", "c2", ("name", "y"), ("account_id", "a-3")),
                }), batchSize: 10, ledger, create: true);
                Assert.Equal(2, first.Of("Account").Inserted);
                Assert.Equal(1, first.Of("Contact").Inserted);
                Assert.Equal("MissingParent", first.Outcome("c2").ReasonCode);
            }
            // A later run brings contacts only: their accounts are found through the crosswalk recorded by the first.
            using (var provider = t.Provider())
            {
                var second = Import(provider, Mapped(mapping, new[]
                {
                    Src("contacts", "contact_id", "c3", ("name", "z"), ("account_id", "a-1")),
                }), batchSize: 10, ledger, create: true);
                Assert.Equal(1, second.Of("Contact").Inserted);
            }
            string q(string name) => t.Kind == CrmProviderKind.MySql ? "`" + name + "`" : "\"" + name + "\"";
            Assert.Equal("A-1", t.Scalar($"SELECT {q("ParentId")} FROM {q("Account")} WHERE {q("Id")} = 'A-2'"));
            Assert.Equal("A-2", t.Scalar($"SELECT {q("AccountId")} FROM {q("Contact")} WHERE {q("Id")} = 'c1'"));
            Assert.Equal("A-1", t.Scalar($"SELECT {q("AccountId")} FROM {q("Contact")} WHERE {q("Id")} = 'c3'"));
            Assert.Null(t.Scalar($"SELECT {q("Id")} FROM {q("Contact")} WHERE {q("Id")} = 'c2'"));
        }

        [Fact]
        public void OnMissingParentClear_KeepsTheRecordWithTheReferenceEmpty_AndSaysSo()
        {
            using var t = new Target("Sqlite");
            using var provider = t.Provider();
            var run = Import(provider, Mapped(AccountContactMapping("Clear"), new[]
            {
                Src("accounts", "account_id", "a-1", ("name", "one"), ("parent_id", null)),
                Src("contacts", "contact_id", "c1", ("name", "x"), ("account_id", "a-1")),
                Src("contacts", "contact_id", "c2", ("name", "y"), ("account_id", "gone")),
            }), batchSize: 10, create: true);
            Assert.Equal(2, run.Of("Contact").Inserted);
            Assert.Equal("A-1", t.Scalar("SELECT AccountId FROM Contact WHERE Id = 'c1'"));
            Assert.Null(t.Scalar("SELECT AccountId FROM Contact WHERE Id = 'c2'"));
            Assert.Equal("y", t.Scalar("SELECT Name FROM Contact WHERE Id = 'c2'"));
            var cleared = run.Results.Single(r => r.Outcome.Key == "c2").Record;
            Assert.Contains(cleared.Changes!, c => c.Transform == "MissingParent" && c.Note!.Contains("'gone'", StringComparison.Ordinal));
        }

        [Fact]
        public void OnMissingParentKeep_TranslatesWhatItFindsAndWritesTheRestUnchecked()
        {
            using var t = new Target("Sqlite");
            using var provider = t.Provider();
            var run = Import(provider, Mapped(AccountContactMapping("Keep"), new[]
            {
                Src("accounts", "account_id", "a-1", ("name", "one"), ("parent_id", null)),
                Src("contacts", "contact_id", "c1", ("name", "x"), ("account_id", "a-1")),
                Src("contacts", "contact_id", "c2", ("name", "y"), ("account_id", "elsewhere")),
            }), batchSize: 10, create: true);
            Assert.Equal(2, run.Of("Contact").Inserted);
            Assert.Equal("A-1", t.Scalar("SELECT AccountId FROM Contact WHERE Id = 'c1'"));
            Assert.Equal("elsewhere", t.Scalar("SELECT AccountId FROM Contact WHERE Id = 'c2'"));
            Assert.DoesNotContain(run.Warnings, w => w.Contains("waited", StringComparison.Ordinal));
        }

        [Fact]
        public void FileTargets_CheckParentsAmongTheRecordsWritten()
        {
            using var dir = new TempDir();
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(dir.File("out")));
            var run = Import(provider, Mapped(AccountContactMapping("Reject"), new[]
            {
                Src("contacts", "contact_id", "c0", ("name", "early"), ("account_id", "a-1")),
                Src("accounts", "account_id", "a-1", ("name", "one"), ("parent_id", null)),
                Src("contacts", "contact_id", "c1", ("name", "x"), ("account_id", "a-1")),
                Src("contacts", "contact_id", "c2", ("name", "y"), ("account_id", "a-7")),
            }), batchSize: 1, create: true);
            Assert.Equal(2, run.Of("Contact").Inserted);
            Assert.Equal("MissingParent", run.Outcome("c2").ReasonCode);
            string csv = System.IO.File.ReadAllText(System.IO.Path.Combine(dir.File("out"), "Contact.csv"));
            Assert.Contains("c0", csv);
            Assert.DoesNotContain("c2", csv);
        }

        [Fact]
        public void WithoutReferences_NothingWaitsOrIsLookedUp()
        {
            using var t = new Target("Sqlite");
            t.Exec("CREATE TABLE contact (id varchar(20) NOT NULL PRIMARY KEY, account_id varchar(20))");
            using var provider = t.Provider();
            var run = Import(provider, new[] { Rec("contact", "C1", ("account_id", "nowhere")) }, batchSize: 10);
            Assert.Equal(1, run.Of("contact").Inserted);
            Assert.Empty(run.Warnings);
        }

        [Fact]
        public void OnMissingParentNeedsAReference()
        {
            var ex = Assert.Throws<CrmException>(() => MappingParser.ParseJson(@"{ ""Entities"": { ""Contact"": { ""Source"": ""contacts"", ""Key"": ""Id"", ""Fields"": {
                ""Id"": ""id"", ""AccountId"": { ""Source"": ""account_id"", ""OnMissingParent"": ""Clear"" } } } } }", null));
            Assert.Equal("MappingMissingParentWithoutReference", ex.Error.Code);
            var bad = Assert.Throws<CrmException>(() => AccountContactMapping("Ignore"));
            Assert.Equal("MappingInvalidValue", bad.Error.Code);
        }

        [Fact]
        public void SuiteCrmOnMariaDbIntoPostgreSql_WithNewKeys_TranslatesEveryReferenceAndRejectsContactsOfDeletedAccounts()
        {
            const string a1 = "b7e3c0de-0000-4000-8000-0000000000a1", a2 = "b7e3c0de-0000-4000-8000-0000000000a2";
            const string c1 = "6a1e0b7c-1f2d-4c3b-9a8e-000000000001", c4 = "6a1e0b7c-1f2d-4c3b-9a8e-000000000004";
            using var legacy = new TestDatabase(CrmProviderKind.MySql);
            legacy.Exec(ProfileTests.SuiteCrmSchema);
            legacy.Exec(ProfileTests.SuiteCrmData);
            // a live contact linked to an account that was soft-deleted: the export leaves the account out
            legacy.Exec("INSERT INTO contacts (id, first_name, last_name, deleted) VALUES ('" + c4 + "', 'Orphan', 'Contact', 0)");
            legacy.Exec("INSERT INTO accounts_contacts VALUES ('r4', '" + c4 + "', '" + a2 + "', NULL, 0)");
            using var target = new TestDatabase(CrmProviderKind.PostgreSql);
            using var dir = new TempDir();
            var mapping = new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": {
  ""Account"": { ""Source"": ""Account"", ""Key"": ""Id"", ""Fields"": { ""Id"": { ""Source"": ""Id"", ""Transform"": ""Upper"" }, ""Name"": ""Name"" } },
  ""Contact"": { ""Source"": ""Contact"", ""Key"": ""Id"", ""Fields"": { ""Id"": ""Id"", ""LastName"": ""LastName"",
      ""AccountId"": { ""Source"": ""AccountId"", ""Reference"": ""Account"" } } },
  ""Opportunity"": { ""Source"": ""Opportunity"", ""Key"": ""Id"", ""Fields"": { ""Id"": ""Id"", ""Name"": ""Name"",
      ""AccountId"": { ""Source"": ""AccountId"", ""Reference"": ""Account"" }, ""ContactId"": { ""Source"": ""ContactId"", ""Reference"": ""Contact"" } } } } }", null));
            using var source = legacy.Provider("SuiteCRM");
            IEnumerable<CrmRecord> Exported()
            {
                foreach (var entity in new[] { "Account", "Contact", "Opportunity" })
                {
                    foreach (var r in source.Read(entity, new CrmReadOptions(), e => throw new InvalidOperationException(e.ToString()), System.Threading.CancellationToken.None)) yield return r;
                }
            }
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            using var provider = target.Provider();
            var run = Import(provider, Mapped(mapping, Exported()), batchSize: 100, ledger, create: true);

            Assert.Equal(1, run.Of("Account").Inserted);
            // The contact's link row is live but its account is soft-deleted: the profile checks the parent's own
            // flag, so the contact comes without an account instead of pointing at one that is not exported.
            Assert.Equal(3, run.Of("Contact").Inserted);
            Assert.Equal(0, run.Of("Contact").Rejected);
            Assert.True(target.Scalar("SELECT \"AccountId\" FROM \"Contact\" WHERE \"Id\" = '" + c4 + "'") is null or DBNull);
            Assert.Equal(1, run.Of("Opportunity").Inserted);
            Assert.Equal(a1.ToUpperInvariant(), target.Scalar("SELECT \"Id\" FROM \"Account\""));
            Assert.Equal(a1.ToUpperInvariant(), target.Scalar("SELECT \"AccountId\" FROM \"Contact\" WHERE \"Id\" = '" + c1 + "'"));
            Assert.Equal(a1.ToUpperInvariant(), target.Scalar("SELECT \"AccountId\" FROM \"Opportunity\" WHERE \"Id\" = 'o1'"));
            Assert.Equal(c1, target.Scalar("SELECT \"ContactId\" FROM \"Opportunity\" WHERE \"Id\" = 'o1'"));
        }
    }
}
