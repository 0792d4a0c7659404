using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Validation;

namespace CrmMigration.Engine.Tests
{
    /// <summary>One source entity, several targets: a denormalised export with the account columns on every contact row.</summary>
    public sealed class DenormalisedSourceTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public void Dispose() => _dir.Dispose();

        private static OrderedDictionary T(params (string Key, object? Value)[] items)
        {
            var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }

        private static ICrmProvider Open(string path) => ProviderFactory.Open(ProviderFactory.FromPath(path));

        /// <summary>Contact first in the mapping on purpose: the referenced Account must still be mapped first.</summary>
        private static CompiledMapping Mapping(string? onConflict = null)
        {
            var account = T(("Source", "export"), ("Key", "AccountId"), ("OnRepeat", "Merge"),
                ("Fields", T(("AccountId", "account_id"), ("Name", "account_name"), ("City", "account_city"))));
            if (onConflict is not null) account["OnConflict"] = onConflict;
            var contact = T(("Source", "export"), ("Key", "ContactId"),
                ("Fields", T(("ContactId", "contact_id"), ("Name", "contact_name"), ("AccountId", T(("Source", "account_id"), ("Reference", "Account"))))));
            return new CompiledMapping(MappingParser.Parse(T(("Entities", T(("Contact", contact), ("Account", account)))), null));
        }

        private string Export(bool conflict = false)
        {
            // Numeric ids in both columns on purpose: a contact id that equals an account id must not be taken for it.
            var sb = new StringBuilder("contact_id,contact_name,account_id,account_name,account_city\r\n");
            sb.Append("1,Ann,2,Acme,Paris\r\n");
            sb.Append("2,Bob,2,Acme,Paris\r\n");
            sb.Append("3,Cid,1,Globex,Berlin\r\n");
            sb.Append("4,Dee,2,").Append(conflict ? "Acme Ltd" : "Acme").Append(",Paris\r\n");
            sb.Append("5,Eve,1,Globex,Berlin\r\n");
            sb.Append("6,Fay,3,Initech,Lyon\r\n");
            string path = _dir.File("export.csv");
            File.WriteAllText(path, sb.ToString());
            return path;
        }

        [Fact]
        public void OneCopy_WritesAccountsOnceAndContacts_BooksBalanceAgainstTheOneSource_AndTheValidatorAgrees()
        {
            var mapping = Mapping();
            Assert.Equal(new[] { "Account", "Contact" }, mapping.TargetsOf("export").Select(e => e.Target));
            using var source = Open(Export());
            using var target = Open(_dir.File("new.db"));
            using var ledger = new MigrationLedger(_dir.File("new.db.crm-ledger.sqlite"));
            IReadOnlyList<CrmImportSummary> summaries;
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = mapping,
                Import = new ImportOptions { BatchSize = 2, CreateIfMissing = true, Ledger = ledger },
            }))
            {
                Assert.Equal(new[] { ("export", "Account"), ("export", "Contact") }, copier.Plan().ToArray());
                summaries = copier.Run();
                Assert.DoesNotContain(copier.Warnings, w => w.Contains("differ", StringComparison.Ordinal));
            }
            var account = summaries.Single(s => s.Entity == "Account");
            var contact = summaries.Single(s => s.Entity == "Contact");
            Assert.Equal((6L, 3L, 3L), (account.Read, account.Inserted, account.Merged));
            Assert.Equal((6L, 6L), (contact.Read, contact.Inserted));
            Assert.True(account.Balanced && contact.Balanced);

            using var check = Open(_dir.File("new.db"));
            var accounts = check.Read("Account", new CrmReadOptions(), _ => { }, CancellationToken.None).ToList();
            // The plain CSV's numeric ids were typed from the whole file: the tables hold integers.
            Assert.Equal(new object?[] { 1L, 2L, 3L }, accounts.Select(r => r["AccountId"]).OrderBy(x => x));
            var contacts = check.Read("Contact", new CrmReadOptions(), _ => { }, CancellationToken.None).ToDictionary(r => r["ContactId"]!.ToString()!);
            Assert.Equal(2L, contacts["1"]["AccountId"]);
            Assert.Equal(1L, contacts["3"]["AccountId"]);

            var validator = new MigrationValidator(source, check, mapping, ledger);
            var results = validator.ResolveEntities(null).SelectMany(e => validator.Check(e, null, CancellationToken.None)).ToList();
            Assert.All(results, r => Assert.Equal(CrmCheckStatus.Pass, r.Status));
            Assert.Equal(2, results.Count(r => r.Check == "Count"));
            Assert.Contains("3 source row(s) repeat a key", results.Single(r => r.Check == "Count" && r.Entity.EndsWith("Account", StringComparison.Ordinal)).Details, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("Reject")]
        public void AConflictingRepeat_IsReported_FirstWins_OrRejectedByRule(string? onConflict)
        {
            using var source = Open(Export(conflict: true));
            using var target = Open(_dir.File("c.db"));
            var errors = new List<CrmDataError>();
            IReadOnlyList<CrmImportSummary> summaries;
            List<string> warnings;
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = Mapping(onConflict),
                OnError = errors.Add,
                Import = new ImportOptions { CreateIfMissing = true },
            }))
            {
                summaries = copier.Run();
                warnings = copier.Warnings.ToList();
            }
            var account = summaries.Single(s => s.Entity == "Account");
            var conflict = Assert.Single(warnings, w => w.Contains("Name 'Acme Ltd' (first: 'Acme')", StringComparison.Ordinal));
            Assert.Contains("export.csv:5: Account key '2' repeats the record from " + _dir.File("export.csv") + ":2", conflict, StringComparison.Ordinal);
            if (onConflict is null)
            {
                Assert.Equal((3L, 3L, 0L), (account.Inserted, account.Merged, account.Rejected));
            }
            else
            {
                Assert.Equal((3L, 2L, 1L), (account.Inserted, account.Merged, account.Rejected));
                Assert.Equal("RecordRepeatConflict", Assert.Single(errors).Code);
                Assert.Equal(1L, account.RejectReasons["RecordRepeatConflict"]);
            }
            using var check = Open(_dir.File("c.db"));
            Assert.Equal("Acme", check.Read("Account", new CrmReadOptions(), _ => { }, CancellationToken.None).Single(r => r["AccountId"]!.ToString() == "2")["Name"]);
        }

        [Fact]
        public void MappingRules_AreChecked()
        {
            var noKey = T(("Entities", T(("A", T(("Source", "s"), ("OnRepeat", "Merge"), ("Fields", T(("X", "x"))))))));
            Assert.Equal("MappingMergeWithoutKey", Assert.Throws<CrmException>(() => MappingParser.Parse(noKey, null)).Error.Code);
            var conflictAlone = T(("Entities", T(("A", T(("Source", "s"), ("Key", "X"), ("OnConflict", "Reject"), ("Fields", T(("X", "x"))))))));
            Assert.Equal("MappingOnConflictWithoutMerge", Assert.Throws<CrmException>(() => MappingParser.Parse(conflictAlone, null)).Error.Code);
            var twice = T(("Entities", new List<object?> { T(("Name", "A"), ("Source", "s"), ("Fields", T(("X", "x")))), T(("Name", "A"), ("Source", "s"), ("Fields", T(("Y", "y")))) }));
            Assert.Equal("MappingDuplicateSource", Assert.Throws<CrmException>(() => new CompiledMapping(MappingParser.Parse(twice, null))).Error.Code);
        }
    }
}
