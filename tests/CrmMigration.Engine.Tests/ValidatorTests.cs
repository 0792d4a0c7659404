using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Validation;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Test-CrmMigration's engine: verdicts that are earned, never vacuous.</summary>
    public class ValidatorTests
    {
        private static List<CrmValidationResult> Validate(ICrmProvider source, ICrmProvider target, ValidationOptions? options = null, MigrationLedger? ledger = null, params string[] entities) =>
            new MigrationValidator(source, target, null, ledger, options).CheckAll(entities.Length == 0 ? null : entities, null, CancellationToken.None).ToList();

        private static CrmValidationResult One(List<CrmValidationResult> results, string check) => Assert.Single(results, r => r.Check == check);

        private static string Dump(IEnumerable<CrmValidationResult> results) => string.Join("\n", results.Select(r => $"{r.Entity} {r.Check} {r.Status}: {r.Details} [{string.Join("; ", r.Differences)}]"));

        private static void AllPass(List<CrmValidationResult> results)
        {
            Assert.NotEmpty(results);
            Assert.True(results.All(r => r.Status == CrmCheckStatus.Pass), Dump(results));
        }

        private static CsvProvider Csv(string path) => new(new CrmConnection(CrmProviderKind.Csv, path));

        private static string WriteCsv(TempDir dir, string name, params string[] lines)
        {
            string path = dir.File(name);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n"));
            return path;
        }

        [Fact]
        public void ASourceThatDoesNotExistFailsInsteadOfPassingEmpty()
        {
            using var dir = new TempDir();
            Exec(dir.File("t.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            using var target = Provider(dir.File("t.db"));
            var results = Validate(Csv(dir.File("nope.csv")), target);
            var r = Assert.Single(results);
            Assert.Equal(CrmCheckStatus.Fail, r.Status);
            Assert.Contains("nope.csv", r.Details, StringComparison.Ordinal);

            using var missingDb = Provider(dir.File("missing.db"));
            var results2 = Validate(missingDb, target);
            Assert.Equal(CrmCheckStatus.Fail, Assert.Single(results2).Status);

            // Neither exists.
            using var missingTarget = Provider(dir.File("t2.db"));
            Assert.Contains(Validate(Csv(dir.File("nope.csv")), missingTarget), x => x.Status == CrmCheckStatus.Fail);
        }

        [Fact]
        public void AnEntityMissingOnEitherSideFails()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1)");
            Exec(dir.File("t.db"), "CREATE TABLE b (id INTEGER PRIMARY KEY)");
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            Assert.Equal(CrmCheckStatus.Fail, One(Validate(s, t), "EntityExists").Status);
            Assert.Equal(CrmCheckStatus.Fail, One(Validate(s, t, null, null, "b"), "EntityExists").Status);
        }

        [Fact]
        public void AnIdenticalCopyPassesEveryCheckAndSaysWhatItCompared()
        {
            using var dir = new TempDir();
            string sql = "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, price DECIMAL(10,2), born DATE, photo BLOB, note TEXT);" +
                         "INSERT INTO c VALUES (1,'Zoë',12.5,'2020-01-02',x'0102',NULL),(2,'Bo',3,'2021-02-03',NULL,''),(3,'Ann ',0.1,NULL,x'ff','null');";
            Exec(dir.File("s.db"), sql);
            Exec(dir.File("t.db"), sql);
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            var results = Validate(s, t);
            AllPass(results);
            foreach (var check in new[] { "Schema", "SourceRead", "TargetRead", "Count", "MissingKeys", "ExtraKeys", "DuplicateKeys", "SourceDuplicateKeys", "FieldValues", "Aggregates" }) One(results, check);
            Assert.All(results, r => { Assert.Equal(3L, r.SourceRows); Assert.Equal(3L, r.TargetRows); });
            Assert.Contains("source 3 row(s), target 3", One(results, "Count").Details, StringComparison.Ordinal);
        }

        [Fact]
        public void NullIsShownApartFromTextAndDiffersFromEmptyUnlessAsked()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE c (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO c VALUES (1,'null',NULL),(2,'x','')");
            Exec(dir.File("t.db"), "CREATE TABLE c (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO c VALUES (1,NULL,NULL),(2,'x',NULL)");
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            var values = One(Validate(s, t), "FieldValues");
            Assert.Equal(CrmCheckStatus.Fail, values.Status);
            Assert.Equal(2L, values.Actual);
            var d1 = Assert.Single(values.Differences, d => d.Key == "1");
            Assert.Equal(("a", "'null'", "NULL"), (d1.Field, d1.Source, d1.Target));
            var d2 = Assert.Single(values.Differences, d => d.Key == "2");
            Assert.Equal(("b", "''", "NULL"), (d2.Field, d2.Source, d2.Target));

            var lenient = Validate(s, t, new ValidationOptions { NullEqualsEmpty = true });
            var v2 = One(lenient, "FieldValues");
            Assert.Equal(1L, v2.Actual); // '' = NULL now, the text 'null' still is not NULL
            Assert.Equal("1", Assert.Single(v2.Samples));
        }

        [Fact]
        public void NumbersHonourTheTargetScaleAndAnOptionalTolerance()
        {
            using var dir = new TempDir();
            var src = new StringBuilder("CREATE TABLE p (id INTEGER PRIMARY KEY, price REAL, qty REAL);");
            var tgt = new StringBuilder("CREATE TABLE p (id INTEGER PRIMARY KEY, price DECIMAL(10,2), qty REAL);");
            var rng = new Random(7);
            for (int i = 1; i <= 500; i++)
            {
                double price = Math.Round(rng.NextDouble() * 1000, 4);
                src.Append($"INSERT INTO p VALUES ({i}, {price.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {i}.0);");
                decimal rounded = Math.Round((decimal)price, 2, MidpointRounding.AwayFromZero);
                tgt.Append($"INSERT INTO p VALUES ({i}, {rounded.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {(i == 7 ? "7.004" : i + ".0")});");
            }
            Exec(dir.File("s.db"), src.ToString());
            Exec(dir.File("t.db"), tgt.ToString());
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            var exact = Validate(s, t);
            var values = One(exact, "FieldValues");
            // Only qty of id 7 differs: the float price compared with DECIMAL(10,2) is rounded to 2 places first.
            Assert.Equal(1L, values.Actual);
            var d = Assert.Single(values.Differences);
            Assert.Equal(("7", "qty", "7", "7.004"), (d.Key, d.Field, d.Source, d.Target));
            Assert.Contains("price to 2", values.Details, StringComparison.Ordinal);

            var tolerant = Validate(s, t, new ValidationOptions { Tolerance = 0.01m });
            Assert.Equal(CrmCheckStatus.Pass, One(tolerant, "FieldValues").Status);
            Assert.Equal(CrmCheckStatus.Pass, One(tolerant, "Aggregates").Status);
            Assert.Equal(CrmCheckStatus.Fail, One(Validate(s, t, new ValidationOptions { Tolerance = 0.001m }), "FieldValues").Status);
        }

        [Fact]
        public void AKeylessCsvIsComparedAsAMultisetOfRows()
        {
            using var dir = new TempDir();
            // No Id column and no sidecar: the file has no key.
            string src = WriteCsv(dir, "src.csv", "name,city", "Ann,Paris", "Bo,Oslo", "Cy,Rome", "Di,Lima", "Ed,Kyiv");
            string same = WriteCsv(dir, "same.csv", "name,city", "Ed,Kyiv", "Ann,Paris", "Di,Lima", "Bo,Oslo", "Cy,Rome");
            // One folder per side, so both files are the entity "people".
            Directory.CreateDirectory(dir.File("a"));
            Directory.CreateDirectory(dir.File("b"));
            File.Copy(src, dir.File("a/people.csv"));
            File.Copy(same, dir.File("b/people.csv"));
            AllPass(Validate(Csv(dir.File("a")), Csv(dir.File("b"))));

            // One row edited, one deleted, one added, one duplicated.
            File.WriteAllBytes(dir.File("b/people.csv"), Encoding.UTF8.GetBytes("name,city\r\nAnn,Paris\r\nBo,Bergen\r\nCy,Rome\r\nFay,Nice\r\nEd,Kyiv\r\nEd,Kyiv\r\n"));
            var results = Validate(Csv(dir.File("a")), Csv(dir.File("b")));
            Assert.DoesNotContain(results, r => r.Check == "MissingKeys" || r.Check == "ExtraKeys");
            var missing = One(results, "MissingRows");
            Assert.Equal(CrmCheckStatus.Fail, missing.Status);
            Assert.Equal(2L, missing.Actual); // Bo,Oslo (edited) and Di,Lima (deleted)
            Assert.Contains(missing.Samples, x => x.Contains("'Oslo'", StringComparison.Ordinal));
            Assert.Contains(missing.Samples, x => x.Contains("'Lima'", StringComparison.Ordinal));
            var extra = One(results, "ExtraRows");
            Assert.Equal(3L, extra.Actual); // Bo,Bergen, Fay,Nice and the second Ed,Kyiv
            Assert.Contains(extra.Differences, x => x.Target.Contains("'Kyiv'", StringComparison.Ordinal) && x.Note!.StartsWith("duplicated", StringComparison.Ordinal));
            Assert.Contains(extra.Samples, x => x.Contains("'Bergen'", StringComparison.Ordinal));
            Assert.Equal(CrmCheckStatus.Fail, One(results, "Count").Status);
        }

        [Fact]
        public void AKeylessSqliteTableCopiedPerfectlyPassesAndNoRowidIsTakenForAKey()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE log (at TEXT, what TEXT); INSERT INTO log VALUES ('1','a'),('2','b'),('2','b'),('3','c'); DELETE FROM log WHERE at = '1'; INSERT INTO log VALUES ('1','a');");
            // The same rows, in another order and with other rowids.
            Exec(dir.File("t.db"), "CREATE TABLE log (at TEXT, what TEXT); INSERT INTO log VALUES ('3','c'),('2','b'),('1','a'),('2','b');");
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            AllPass(Validate(s, t));
            Exec(dir.File("t.db"), "DELETE FROM log WHERE rowid = (SELECT max(rowid) FROM log WHERE at = '2')");
            var r = Validate(s, t);
            Assert.Equal(1L, One(r, "MissingRows").Actual);
            Assert.Contains("the source has this row 2 time(s), the target 1", Assert.Single(One(r, "MissingRows").Differences).Note, StringComparison.Ordinal);
        }

        [Fact]
        public void ADuplicateKeyShowsItsKeyAndTheValuesThatDiffer()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("s"));
            File.WriteAllBytes(dir.File("s/c.csv"), Encoding.UTF8.GetBytes("Id,Name,Email\r\n1,Ann,a@x.org\r\n2,Bo,b@x.org\r\n2,Bo,bo@y.org\r\n3,Cy,c@x.org\r\n3,Cy,c@x.org\r\n"));
            Exec(dir.File("t.db"), "CREATE TABLE c (Id TEXT PRIMARY KEY, Name TEXT, Email TEXT); INSERT INTO c VALUES ('1','Ann','a@x.org'),('2','Bo','bo@y.org'),('3','Cy','c@x.org')");
            using var t = Provider(dir.File("t.db"));
            var results = Validate(Csv(dir.File("s")), t);
            var dup = One(results, "SourceDuplicateKeys");
            Assert.Equal(CrmCheckStatus.Fail, dup.Status);
            Assert.Equal(2L, dup.Actual);
            Assert.Equal(new[] { "2", "3" }, dup.Samples.OrderBy(x => x, StringComparer.Ordinal));
            var d = Assert.Single(dup.Differences, x => x.Key == "2");
            Assert.Equal(("Email", "'b@x.org'", "'bo@y.org'"), (d.Field, d.Source, d.Target));
            Assert.Contains(dup.Differences, x => x.Key == "3" && x.Note!.Contains("identical", StringComparison.Ordinal));
            // The target cannot hold both copies of key 2: its values are not passed as if compared.
            Assert.Equal(CrmCheckStatus.Pass, One(results, "FieldValues").Status);
            Assert.Contains("Not compared here: 1 key(s) the source holds more than once with differing values", One(results, "FieldValues").Details, StringComparison.Ordinal);
            Assert.Contains("not compared in FieldValues", dup.Details, StringComparison.Ordinal);

            // A duplicate in the target too, with differing values.
            Exec(dir.File("t2.db"), "CREATE TABLE c (Id TEXT, Name TEXT, Email TEXT); INSERT INTO c VALUES ('1','Ann','a@x.org'),('1','Ann','A@x.org')");
            Directory.CreateDirectory(dir.File("s2"));
            File.WriteAllBytes(dir.File("s2/c.csv"), Encoding.UTF8.GetBytes("Id,Name,Email\r\n1,Ann,a@x.org\r\n"));
            using var t2 = Provider(dir.File("t2.db"));
            var r2 = Validate(Csv(dir.File("s2")), t2);
            var tdup = One(r2, "DuplicateKeys");
            Assert.Equal(CrmCheckStatus.Fail, tdup.Status);
            Assert.Equal(("1", "Email", "'a@x.org'", "'A@x.org'"), (tdup.Differences[0].Key, tdup.Differences[0].Field, tdup.Differences[0].Source, tdup.Differences[0].Target));
        }

        [Fact]
        public void RowsTheReaderCouldNotReadFailTheirOwnCheckWithExamples()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("s"));
            // Written by hand: a ragged row (too many fields) and an unterminated quote.
            File.WriteAllBytes(dir.File("s/c.csv"), Encoding.UTF8.GetBytes("Id,Name\r\n1,Ann\r\n2,Bo,extra,fields\r\n3,Cy\r\n"));
            Exec(dir.File("t.db"), "CREATE TABLE c (Id TEXT PRIMARY KEY, Name TEXT); INSERT INTO c VALUES ('1','Ann'),('3','Cy')");
            using var t = Provider(dir.File("t.db"));
            var results = Validate(Csv(dir.File("s")), t);
            var read = One(results, "SourceRead");
            Assert.Equal(CrmCheckStatus.Fail, read.Status);
            Assert.Equal(1L, read.Actual);
            Assert.Contains(":3", Assert.Single(read.Samples), StringComparison.Ordinal);
            // Everything else agrees: only the unreadable row keeps the verdict from passing.
            Assert.True(results.Where(r => r.Check != "SourceRead").All(r => r.Status == CrmCheckStatus.Pass), Dump(results));
        }

        [Fact]
        public void UnreadableRowsTheImportRecordedAsRejectsAreExplained()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("s"));
            File.WriteAllBytes(dir.File("s/c.csv"), Encoding.UTF8.GetBytes("Id,Name\r\n1,Ann\r\n2,Bo,extra\r\n3,Cy\r\n"));
            string target = dir.File("t.db");
            using (var ledger = new MigrationLedger(dir.File("ledger.sqlite")))
            using (var s = Csv(dir.File("s")))
            using (var t = Provider(target))
            {
                var copier = new MigrationCopier(s, t, new CopyOptions { Import = new ImportOptions { CreateIfMissing = true, Ledger = ledger } });
                copier.Run();
            }
            using (var ledger = new MigrationLedger(dir.File("ledger.sqlite")))
            using (var t = Provider(target))
            {
                var results = Validate(Csv(dir.File("s")), t, null, ledger);
                var read = One(results, "SourceRead");
                Assert.Equal(CrmCheckStatus.Warning, read.Status);
                Assert.Contains("records 1 of them as rejected", read.Details, StringComparison.Ordinal);
                Assert.DoesNotContain(results, r => r.Status is CrmCheckStatus.Fail or CrmCheckStatus.NotChecked);
            }
        }

        [Fact]
        public void AggregatesAndTheSchemaAreComparedSideBySide()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE c (id INTEGER PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10,2), extra TEXT); INSERT INTO c VALUES (1,'Ann',10.5,'x'),(2,'Bo',20,'y'),(3,'Cy',NULL,'z')");
            Exec(dir.File("t.db"), "CREATE TABLE c (id INTEGER PRIMARY KEY, name VARCHAR(10), amount INTEGER); INSERT INTO c VALUES (1,'Ann',10),(2,'Bo',20),(3,'Cy',NULL)");
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            var results = Validate(s, t);
            var schema = One(results, "Schema");
            Assert.Equal(CrmCheckStatus.Fail, schema.Status);
            Assert.Equal(new[] { "extra" }, schema.Samples);
            Assert.Contains(schema.Differences, d => d.Field == "amount" && d.Note == "Decimal into Integer");
            Assert.Contains(schema.Differences, d => d.Field == "name" && d.Note!.Contains("into 10 characters", StringComparison.Ordinal));
            var agg = One(results, "Aggregates");
            Assert.Equal(CrmCheckStatus.Fail, agg.Status);
            Assert.Contains(agg.Differences, d => d.Field == "amount.sum" && d.Source == "30.5" && d.Target == "30");
            Assert.Contains(agg.Differences, d => d.Field == "amount.min" && d.Source == "10.50" && d.Target == "10"); // DECIMAL(10,2) reads with 2 decimals
            Assert.DoesNotContain(agg.Differences, d => d.Field.StartsWith("name.", StringComparison.Ordinal));

            var countOnly = Validate(s, t, new ValidationOptions { Checks = new HashSet<CrmValidationCheck> { CrmValidationCheck.Count } });
            Assert.Equal(new[] { "SourceRead", "TargetRead", "Count" }, countOnly.Select(r => r.Check));
        }

        [Fact]
        public void SpillingToDiskGivesTheSameVerdictsAsMemory()
        {
            using var dir = new TempDir();
            var src = new StringBuilder("CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, n INTEGER); BEGIN;");
            var tgt = new StringBuilder("CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, n INTEGER); BEGIN;");
            for (int i = 1; i <= 20000; i++)
            {
                src.Append($"INSERT INTO c VALUES ({i}, 'name {i}', {i % 97});");
                if (i % 5000 == 0) continue; // 4 missing
                tgt.Append($"INSERT INTO c VALUES ({i}, '{(i % 3001 == 0 ? "NAME " : "name ")}{i}', {i % 97});"); // 6 differ
            }
            tgt.Append("INSERT INTO c VALUES (30000, 'extra', 1); COMMIT;");
            src.Append("COMMIT;");
            Exec(dir.File("s.db"), src.ToString());
            Exec(dir.File("t.db"), tgt.ToString());
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            string spill = dir.File("spill");
            Directory.CreateDirectory(spill);
            var memory = Validate(s, t);
            var disk = Validate(s, t, new ValidationOptions { SpillBudgetBytes = 64 * 1024, SpillDirectory = spill });
            Assert.Equal(Dump(memory), Dump(disk));
            Assert.Equal(4L, One(disk, "MissingKeys").Actual);
            Assert.Equal(1L, One(disk, "ExtraKeys").Actual);
            Assert.Equal(6L, One(disk, "FieldValues").Actual);
            Assert.Contains(One(disk, "FieldValues").Differences, d => d.Key == "3001" && d.Source == "'name 3001'" && d.Target == "'NAME 3001'");
            Assert.Empty(Directory.EnumerateFileSystemEntries(spill)); // the partition files are gone
        }

        [Fact]
        public void TargetRecordsWithoutTheSourceKeyAreNotChecked()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO c VALUES (1,'a')");
            Exec(dir.File("t.db"), "CREATE TABLE c (name TEXT); INSERT INTO c VALUES ('a')");
            using var s = Provider(dir.File("s.db"));
            using var t = Provider(dir.File("t.db"));
            var results = Validate(s, t);
            Assert.Equal(CrmCheckStatus.NotChecked, One(results, "MissingKeys").Status);
            Assert.Equal(CrmCheckStatus.NotChecked, One(results, "FieldValues").Status);
            Assert.Equal(CrmCheckStatus.Fail, One(results, "Schema").Status);
        }

        [Fact]
        public void AMissingFileSourceIsSourceNotFoundForACopy()
        {
            using var dir = new TempDir();
            var ex = Assert.Throws<CrmException>(() => ProviderFactory.OpenSource(new CrmConnection(CrmProviderKind.Csv, dir.File("nope.csv"))));
            Assert.Equal("SourceNotFound", ex.Error.Code);
            Assert.Equal("SourceNotFound", Assert.Throws<CrmException>(() => ProviderFactory.OpenSource(new CrmConnection(CrmProviderKind.Excel, dir.File("nope.xlsx")))).Error.Code);
            Assert.Equal("SqliteDatabaseNotFound", Assert.Throws<CrmException>(() => ProviderFactory.OpenSource(new CrmConnection(CrmProviderKind.Sqlite, dir.File("nope.db")))).Error.Code);
            using var ok = ProviderFactory.OpenSource(new CrmConnection(CrmProviderKind.Csv, dir.Path));
            Assert.NotNull(ok);
        }

        [Fact]
        public void AKeylessTableCopiedTwiceIsNotDoubled()
        {
            using var dir = new TempDir();
            Exec(dir.File("s.db"), "CREATE TABLE log (at TEXT, what TEXT); INSERT INTO log VALUES ('1','a'),('2','b'),('2','b');");
            string target = dir.File("t.db");
            for (int run = 1; run <= 2; run++)
            {
                using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
                using var s = Provider(dir.File("s.db"));
                using var t = Provider(target);
                var summaries = new MigrationCopier(s, t, new CopyOptions { Import = new ImportOptions { CreateIfMissing = true, Ledger = ledger } }).Run();
                var log = Assert.Single(summaries);
                if (run == 1) Assert.Equal(3L, log.Inserted);
                else Assert.Equal((0L, 3L), (log.Inserted, log.Skipped));
            }
            Assert.Equal(3L, Count(target, "SELECT count(*) FROM log"));
            Assert.Equal(2L, Count(target, "SELECT count(*) FROM log WHERE at = '2'"));
            // A row added to the source is the only one written the third time.
            Exec(dir.File("s.db"), "INSERT INTO log VALUES ('2','b')");
            using (var ledger = new MigrationLedger(dir.File("ledger.sqlite")))
            using (var s = Provider(dir.File("s.db")))
            using (var t = Provider(target))
            {
                var log = Assert.Single(new MigrationCopier(s, t, new CopyOptions { Import = new ImportOptions { CreateIfMissing = true, Ledger = ledger } }).Run());
                Assert.Equal((1L, 3L), (log.Inserted, log.Skipped));
            }
            Assert.Equal(3L, Count(target, "SELECT count(*) FROM log WHERE at = '2'"));
        }
    }
}
