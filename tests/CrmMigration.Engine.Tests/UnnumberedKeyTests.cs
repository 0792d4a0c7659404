using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// A row of a file (CSV, Excel) whose key field is empty has no identity: a plain copy rejects it as RecordKeyMissing before the
    /// target, naming the file, its line and the key field, on the lane and on the record path, into every engine and whatever the
    /// key's type, as a mapping whose Key names the field does (about_CrmMigration_Sources, "A row whose key field is empty"); every
    /// other row lands, and the books, the ledger and the reject file say so. A key of spaces is a value. A database source's empty
    /// text is a value too, and is copied. Where a key without a value still reaches the target (a database source's nullable key
    /// column), the target's own check stands: an integer key the server does not number (not SQLite's rowid, AUTO_INCREMENT, identity
    /// or serial) refuses it by its NOT NULL, as ConstraintViolation. The siblings for numbered keys (MissingKey) are RowidKeyTests
    /// and AutoIncrementKeyTests.
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
        private static readonly object[][] IntegerTables =
        {
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INT NOT NULL PRIMARY KEY, \"name\" TEXT)" },
            // INTEGER keys SQLite does not keep as the rowid (they have an index of their own): not numbered either.
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT) WITHOUT ROWID" },
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY DESC, \"name\" TEXT)" },
            new object[] { CrmProviderKind.PostgreSql, "CREATE TABLE track (track_id integer PRIMARY KEY, name varchar(200))" },
            new object[] { CrmProviderKind.MySql, "CREATE TABLE track (track_id INT NOT NULL PRIMARY KEY, name VARCHAR(200))" },
        };

        /// <summary>Text keys: the key a plain file's empty field used to land in as '' (once; every later one was a DuplicateKey).</summary>
        private static readonly object[][] TextTables =
        {
            new object[] { CrmProviderKind.Sqlite, "CREATE TABLE \"track\" (\"track_id\" TEXT NOT NULL PRIMARY KEY, \"name\" TEXT)" },
            new object[] { CrmProviderKind.PostgreSql, "CREATE TABLE track (track_id text PRIMARY KEY, name varchar(200))" },
            new object[] { CrmProviderKind.MySql, "CREATE TABLE track (track_id VARCHAR(20) NOT NULL PRIMARY KEY, name VARCHAR(200))" },
        };

        /// <summary>Every table, on the lane and on the record path.</summary>
        public static IEnumerable<object[]> FileCopies() =>
            from table in IntegerTables.Concat(TextTables) from lane in new[] { true, false } select new[] { table[0], table[1], lane };

        public static IEnumerable<object[]> IntegerKeys() => IntegerTables;

        [Theory]
        [MemberData(nameof(FileCopies))]
        public void AFileRowWithAnEmptyKeyIsRecordKeyMissing_BeforeTheTarget_TheOtherRowsLand(CrmProviderKind kind, string createTable, bool lane)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            string sqlite = dir.File("t.db");
            if (server is null) SqliteTestUtil.Exec(sqlite, createTable);
            else server.Exec(createTable);
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(1000, out var kept, out var emptyLines));
            var copy = Copy(csv, () => server is null ? ProviderFactory.Open(ProviderFactory.FromPath(sqlite)) : server.Provider(), dir.File("run.ledger"), dir.File("rejects"), lane);

            // One error per row without a key, before the target: the mapping's code and kind, naming the file, the row's line and the field.
            Assert.Equal(Enumerable.Repeat("RecordKeyMissing", emptyLines.Count), copy.Errors.Select(e => e.Code));
            Assert.Equal(emptyLines, copy.Errors.Select(e => e.Line));
            Assert.All(copy.Errors, e => Assert.Equal(csv, e.File));
            Assert.All(copy.Errors, e => Assert.Equal("track_id", e.Field));
            Assert.All(copy.Errors, e => Assert.Equal(CrmErrorKind.InvalidValue, e.Kind));
            Assert.All(copy.Errors, e => Assert.Contains("key field 'track_id' of track is empty", e.Message, System.StringComparison.Ordinal));
            // The books balance: every other row landed, the empty ones are rejected for their reason.
            Assert.Equal((1000L, (long)(1000 - emptyLines.Count), (long)emptyLines.Count), (copy.Summary.Read, copy.Summary.Inserted, copy.Summary.Rejected));
            Assert.Equal(emptyLines.Count, copy.Summary.RejectReasons["RecordKeyMissing"]);
            // The lane takes the batches after the first (the first opens the writer on the record path), each with rows without a key.
            if (lane) Assert.True(copy.LaneRows >= 700, $"the lane took {copy.LaneRows} rows");
            else Assert.Equal(0, copy.LaneRows);
            // The ledger knows each by its file and line (it has no key), rejected for its reason, with no target key.
            Assert.Equal(emptyLines.Select(l => csv + ":" + l.ToString(CultureInfo.InvariantCulture) + "|(null)|Rejected|RecordKeyMissing"),
                copy.Entries.Where(e => e.EndsWith("|RecordKeyMissing", System.StringComparison.Ordinal)));
            // The reject file holds the rows with their reason.
            Assert.Equal(emptyLines.Select(l => "|Track " + (l - 1).ToString(CultureInfo.InvariantCulture) + "|RecordKeyMissing"), copy.Rejected);
            var table = server is null
                ? SqliteTestUtil.Column(sqlite, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY 1")
                : server.Rows("track");
            Assert.Equal(kept, table);
        }

        /// <summary>
        /// A composite key with one part empty has no identity either (naming the empty part); a key of spaces is a value; and where the
        /// file's sidecar says a quoted empty field is the empty text (crm:emptyStringQuoted, as CrmMigration writes a database's ''),
        /// that '' is a value, while an unquoted empty field still has none.
        /// </summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ACompositeKeyWithAnEmptyPart_IsRecordKeyMissing_SpacesAndASidecarsQuotedEmptyTextAreValues(bool lane)
        {
            using var dir = new TempDir();
            string db = dir.File("t.db");
            SqliteTestUtil.Exec(db, "CREATE TABLE \"line\" (\"order_id\" TEXT NOT NULL, \"line_no\" TEXT NOT NULL, \"name\" TEXT, PRIMARY KEY (\"order_id\", \"line_no\"))");
            string csv = dir.File("line.csv");
            File.WriteAllText(csv, "order_id,line_no,name\nA,1,one\nA,,no line\n,2,no order\n,,neither\n\" \",3,spaces\n\"\",4,quoted empty\nB,\" \",spaces too\n");
            File.WriteAllText(csv + "-metadata.json", @"{ ""url"": ""line.csv"", ""crm:emptyStringQuoted"": true,
  ""tableSchema"": { ""columns"": [ { ""name"": ""order_id"", ""datatype"": ""String"" }, { ""name"": ""line_no"", ""datatype"": ""String"" }, { ""name"": ""name"", ""datatype"": ""String"" } ],
    ""primaryKey"": [ ""order_id"", ""line_no"" ] } }");
            var copy = Copy(csv, () => ProviderFactory.Open(ProviderFactory.FromPath(db)), dir.File("run.ledger"), dir.File("rejects"), lane);

            Assert.Equal(new[] { "RecordKeyMissing|3|line_no", "RecordKeyMissing|4|order_id", "RecordKeyMissing|5|order_id" },
                copy.Errors.Select(e => e.Code + "|" + e.Line.ToString(CultureInfo.InvariantCulture) + "|" + e.Field));
            Assert.Contains("key fields 'order_id', 'line_no' of line are empty", copy.Errors[2].Message, System.StringComparison.Ordinal);
            Assert.Equal((7L, 4L, 3L), (copy.Summary.Read, copy.Summary.Inserted, copy.Summary.Rejected));
            Assert.Equal(new[] { "[ ]|[3]|spaces", "[A]|[1]|one", "[B]|[ ]|spaces too", "[]|[4]|quoted empty" },
                SqliteTestUtil.Column(db, "SELECT '[' || \"order_id\" || ']|[' || \"line_no\" || ']|' || \"name\" FROM \"line\" ORDER BY 1"));
        }

        /// <summary>An Excel sheet's row whose key cell is empty (read as records) is RecordKeyMissing too, naming the workbook and its row.</summary>
        [Fact]
        public void AnExcelRowWithAnEmptyKeyCell_IsRecordKeyMissing()
        {
            using var dir = new TempDir();
            string book = dir.File("book.xlsx");
            using (var excel = ProviderFactory.Open(ProviderFactory.FromPath(book)))
            using (var writer = excel.OpenWriter("track", new CrmWriteOptions { CreateIfMissing = true, KeyFields = new[] { "track_id" } }))
            {
                var records = new List<CrmRecord>();
                for (int i = 1; i <= 6; i++) records.Add(SqliteTestUtil.Rec("track", ("track_id", i % 3 == 0 ? null : (object)(long)i), ("name", "Track " + i.ToString(CultureInfo.InvariantCulture))));
                writer.WriteBatch(records, new List<CrmRecordOutcome>());
                writer.Complete();
            }
            string db = dir.File("t.db");
            SqliteTestUtil.Exec(db, "CREATE TABLE \"track\" (\"track_id\" INT NOT NULL PRIMARY KEY, \"name\" TEXT)");
            var copy = Copy(book, () => ProviderFactory.Open(ProviderFactory.FromPath(db)), dir.File("run.ledger"), dir.File("rejects"), lane: true);
            Assert.Equal(new[] { "RecordKeyMissing|4|track_id", "RecordKeyMissing|7|track_id" }, copy.Errors.Select(e => e.Code + "|" + e.Line.ToString(CultureInfo.InvariantCulture) + "|" + e.Field));
            Assert.All(copy.Errors, e => Assert.Equal(book, e.File));
            Assert.Equal((6L, 4L, 2L), (copy.Summary.Read, copy.Summary.Inserted, copy.Summary.Rejected));
            Assert.Equal(new[] { "1|Track 1", "2|Track 2", "4|Track 4", "5|Track 5" }, SqliteTestUtil.Column(db, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY 1"));
        }

        /// <summary>
        /// A database source's row whose key column holds nothing (a nullable column, no primary key) still reaches the target: an integer
        /// key the server does not number refuses it by its NOT NULL, as ConstraintViolation naming the column, and every other row lands.
        /// </summary>
        [Theory]
        [MemberData(nameof(IntegerKeys))]
        public void ADatabaseRowWithoutAKeyValue_IsRefusedByTheKeysNotNull_AsConstraintViolation(CrmProviderKind kind, string createTable)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            string target = dir.File("t.db");
            if (server is null) SqliteTestUtil.Exec(target, createTable);
            else server.Exec(createTable);
            string source = dir.File("old.db");
            var rows = new StringBuilder("CREATE TABLE \"track\" (\"track_id\" INTEGER, \"name\" TEXT);");
            var kept = new List<string>();
            int empty = 0;
            for (int i = 1; i <= 600; i++)
            {
                bool blank = i % 97 == 5;
                if (blank) empty++;
                else kept.Add(i.ToString(CultureInfo.InvariantCulture) + "|Track " + i.ToString(CultureInfo.InvariantCulture));
                rows.Append("INSERT INTO \"track\" VALUES (").Append(blank ? "NULL" : i.ToString(CultureInfo.InvariantCulture)).Append(", 'Track ").Append(i.ToString(CultureInfo.InvariantCulture)).Append("');");
            }
            SqliteTestUtil.Exec(source, rows.ToString());
            kept.Sort(System.StringComparer.Ordinal);
            var copy = Copy(source, () => server is null ? ProviderFactory.Open(ProviderFactory.FromPath(target)) : server.Provider(), dir.File("run.ledger"), dir.File("rejects"), lane: true);

            Assert.Equal(Enumerable.Repeat("ConstraintViolation", empty), copy.Errors.Select(e => e.Code));
            Assert.All(copy.Errors, e => Assert.Contains("track_id", e.Message, System.StringComparison.Ordinal));
            Assert.Equal((600L, (long)(600 - empty), (long)empty), (copy.Summary.Read, copy.Summary.Inserted, copy.Summary.Rejected));
            var table = server is null
                ? SqliteTestUtil.Column(target, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY 1")
                : server.Rows("track");
            Assert.Equal(kept, table);
        }

        public static IEnumerable<object[]> Databases() => new[] { new object[] { CrmProviderKind.Sqlite }, new object[] { CrmProviderKind.PostgreSql }, new object[] { CrmProviderKind.MySql } };

        /// <summary>A database source's text key '' is data, as any other value: copied (into a table the copy makes), never rejected.</summary>
        [Theory]
        [MemberData(nameof(Databases))]
        public void ADatabaseSourcesEmptyTextKey_IsAValue_AndIsCopied(CrmProviderKind kind)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            string source = dir.File("old.db");
            string create = kind == CrmProviderKind.MySql
                ? "CREATE TABLE track (track_id VARCHAR(20) NOT NULL PRIMARY KEY, name VARCHAR(200))"
                : "CREATE TABLE track (track_id TEXT NOT NULL PRIMARY KEY, name TEXT)";
            const string insert = "INSERT INTO track VALUES ('', 'empty'), ('a', 'Track a'), ('b', 'Track b')";
            if (server is null) SqliteTestUtil.Exec(source, create + ";" + insert);
            else
            {
                server.Exec(create);
                server.Exec(insert);
            }
            string target = dir.File("new.db");
            var copy = Copy(source, () => ProviderFactory.Open(ProviderFactory.FromPath(target)), dir.File("run.ledger"), dir.File("rejects"), lane: true,
                openSource: server is null ? null : () => server.Provider(), create: true);

            Assert.Empty(copy.Errors);
            Assert.Equal((3L, 3L, 0L), (copy.Summary.Read, copy.Summary.Inserted, copy.Summary.Rejected));
            Assert.Equal(new[] { "[]|empty", "[a]|Track a", "[b]|Track b" }, SqliteTestUtil.Column(target, "SELECT '[' || \"track_id\" || ']|' || \"name\" FROM \"track\" ORDER BY 1"));
        }

        private sealed record Result(CrmImportSummary Summary, long LaneRows, List<CrmDataError> Errors, List<string> Entries, List<string> Rejected);

        /// <summary>
        /// Copies <paramref name="sourcePath"/> (a file, or a database: <paramref name="openSource"/>) into the target, as Copy-CrmData copies
        /// without a mapping, with a ledger and a reject folder; on the lane, or on the record path (someone asks for every outcome).
        /// </summary>
        private static Result Copy(string sourcePath, System.Func<ICrmProvider> openTarget, string ledgerPath, string rejects, bool lane,
            System.Func<ICrmProvider>? openSource = null, bool create = false)
        {
            var errors = new List<CrmDataError>();
            using var source = openSource is null ? ProviderFactory.Open(ProviderFactory.FromPath(sourcePath)) : openSource();
            using var target = openTarget();
            using var ledger = new MigrationLedger(ledgerPath);
            var rejectFiles = new RejectFileWriter(rejects, "run");
            var options = new CopyOptions { OnError = errors.Add, Rejects = rejectFiles, Import = new ImportOptions { BatchSize = 250, Ledger = ledger, CreateIfMissing = create } };
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var entries = ledger.RunEntries(copier.RunId!).Select(e => string.Join("|", e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)", e.Entry.Outcome, e.Entry.ReasonCode ?? "")).ToList();
            rejectFiles.Dispose();
            var rejected = new List<string>();
            foreach (var file in Directory.Exists(rejects) ? Directory.EnumerateFiles(rejects, "*.csv", SearchOption.AllDirectories) : Enumerable.Empty<string>())
            {
                using var read = ProviderFactory.Open(ProviderFactory.FromPath(file));
                foreach (var r in read.Read(Path.GetFileNameWithoutExtension(file), new CrmReadOptions(), _ => { }, System.Threading.CancellationToken.None))
                {
                    rejected.Add(r["track_id"] + "|" + r["name"] + "|" + r["RejectReason"]);
                }
            }
            return new Result(summary, copier.LaneRows, errors, entries, rejected);
        }
    }
}
