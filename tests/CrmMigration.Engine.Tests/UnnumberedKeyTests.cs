using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// An integer key column the server does not number itself (not SQLite's rowid, AUTO_INCREMENT, identity or serial) refuses a
    /// row without a key value by its NOT NULL: the row is rejected as ConstraintViolation, named by its line, and every other row
    /// lands; a text key takes the empty field as the empty text (about_CrmMigration_Sources, "The key of a file without a sidecar"). The siblings for numbered keys
    /// (MissingKey) are RowidKeyTests and AutoIncrementKeyTests.
    /// </summary>
    public sealed class UnnumberedKeyTests
    {
        /// <summary>A plain export (track_id, name), ids 1..rows with every 97th id empty (in the first batch and in later ones); the lines of the empty ones.</summary>
        private static string Tracks(int rows, out List<string> kept, out List<long> emptyLines)
        {
            var text = new StringBuilder("track_id,name\n");
            kept = new List<string>();
            emptyLines = new List<long>();
            for (int i = 1; i <= rows; i++)
            {
                bool blank = i % 97 == 5;
                string id = blank ? "" : i.ToString(CultureInfo.InvariantCulture);
                if (blank) emptyLines.Add(i + 1); // the header is line 1
                else kept.Add(id + "|Track " + i.ToString(CultureInfo.InvariantCulture));
                text.Append(id).Append(",Track ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            kept.Sort(System.StringComparer.Ordinal);
            return text.ToString();
        }

        /// <summary>Integer keys the server does not number: SQLite's INT (not INTEGER, so not the rowid), plain integer keys elsewhere.</summary>
        public static IEnumerable<object[]> IntegerKeys() => new[]
        {
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INT NOT NULL PRIMARY KEY, \"name\" TEXT)" },
            // INTEGER keys SQLite does not keep as the rowid (they have an index of their own): not numbered either.
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT) WITHOUT ROWID" },
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY DESC, \"name\" TEXT)" },
            new object[] { CrmProviderKind.PostgreSql, "CREATE TABLE track (track_id integer PRIMARY KEY, name varchar(200))" },
            new object[] { CrmProviderKind.MySql, "CREATE TABLE track (track_id INT NOT NULL PRIMARY KEY, name VARCHAR(200))" },
        };

        /// <summary>Text keys: the doc's example of a key the server does not number.</summary>
        public static IEnumerable<object[]> TextKeys() => new[]
        {
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" TEXT NOT NULL PRIMARY KEY, \"name\" TEXT)" },
            new object[] { CrmProviderKind.PostgreSql, "CREATE TABLE track (track_id text PRIMARY KEY, name varchar(200))" },
            new object[] { CrmProviderKind.MySql, "CREATE TABLE track (track_id VARCHAR(20) NOT NULL PRIMARY KEY, name VARCHAR(200))" },
        };

        [Theory]
        [MemberData(nameof(IntegerKeys))]
        public void AnEmptyIntegerKeyIsRefusedByTheKeysNotNull_AsConstraintViolation_TheOtherRowsLand(CrmProviderKind kind, string createTable) =>
            EmptyKeysAreConstraintViolations(kind, createTable);

        /// <summary>
        /// A text key takes a plain file's empty field as the empty text, a value like any other (about_CrmMigration_Sources says
        /// so): the first row with an empty key lands with the key '', each later one is refused as DuplicateKey naming its line,
        /// and every other row lands. (With a mapping whose Key names the field, an empty key is RecordKeyMissing instead.)
        /// </summary>
        [Theory]
        [MemberData(nameof(TextKeys))]
        public void AnEmptyTextKeyIsTheEmptyText_TheFirstLands_TheLaterOnesAreDuplicateKey(CrmProviderKind kind, string createTable)
        {
            var (errors, table, emptyLines, kept, csv) = CopyIntoExistingTable(kind, createTable, inserted: n => n + 1, rejected: n => n - 1);
            Assert.Equal(Enumerable.Repeat("DuplicateKey", emptyLines.Count - 1), errors.Select(e => e.Code));
            Assert.Equal(emptyLines.Skip(1), errors.Select(e => e.Line));
            Assert.All(errors, e => Assert.Equal(csv, e.File));
            kept.Add("|Track " + (emptyLines[0] - 1).ToString(CultureInfo.InvariantCulture));
            kept.Sort(System.StringComparer.Ordinal);
            Assert.Equal(kept, table);
        }

        private static void EmptyKeysAreConstraintViolations(CrmProviderKind kind, string createTable)
        {
            var (errors, table, emptyLines, kept, csv) = CopyIntoExistingTable(kind, createTable, inserted: n => n, rejected: n => n);
            // One error per row without a key, each naming the file and the row's line.
            Assert.Equal(Enumerable.Repeat("ConstraintViolation", emptyLines.Count), errors.Select(e => e.Code));
            Assert.Equal(emptyLines, errors.Select(e => e.Line));
            Assert.All(errors, e => Assert.Equal(csv, e.File));
            Assert.All(errors, e => Assert.Contains("track_id", e.Message, System.StringComparison.Ordinal));
            Assert.Equal(kept, table);
        }

        /// <summary>
        /// Copies a 1000-row plain file (every 97th key empty) into the table <paramref name="createTable"/> makes, as Copy-CrmData
        /// does; checks the ledger and the books (inserted and rejected as functions of the kept and empty counts).
        /// </summary>
        private static (List<CrmDataError> Errors, List<string> Table, List<long> EmptyLines, List<string> Kept, string Csv) CopyIntoExistingTable(
            CrmProviderKind kind, string createTable, System.Func<int, int> inserted, System.Func<int, int> rejected)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            string sqlite = dir.File("t.db");
            if (server is null) SqliteTestUtil.Exec(sqlite, createTable);
            else server.Exec(createTable);
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(1000, out var kept, out var emptyLines));

            // As Copy-CrmData copies a plain file into a table that exists: no mapping, the file's own key (track_id), a ledger.
            var errors = new List<CrmDataError>();
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = server is null ? ProviderFactory.Open(ProviderFactory.FromPath(sqlite)) : server.Provider())
            using (var ledger = new MigrationLedger(dir.File("run.ledger")))
            {
                var options = new CopyOptions { OnError = errors.Add, Import = new ImportOptions { BatchSize = 250, Ledger = ledger } };
                using var copier = new MigrationCopier(source, target, options);
                var summary = Assert.Single(copier.Run());
                Assert.Empty(ledger.Verify(copier.RunId!));
                Assert.Equal(1000, summary.Read);
                Assert.Equal(inserted(1000 - emptyLines.Count), summary.Inserted);
                Assert.Equal(rejected(emptyLines.Count), summary.Rejected);
            }
            var table = server is null
                ? SqliteTestUtil.Column(sqlite, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY 1")
                : server.Rows("track");
            return (errors, table, emptyLines, kept, csv);
        }
    }
}
