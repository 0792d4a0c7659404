using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The SQLite writer's lane without objects per row: before-images packed from the row's columns, keys and ISO dates bound
    /// from their UTF-8, text known to be UTF-8 not checked again. The ledger must hold the bytes the record path writes, and
    /// undo must find every row from them.
    /// </summary>
    public class LaneImageTests
    {
        private const string Mapping = @"{ ""Entities"": { ""Person"": { ""Source"": ""people"", ""Key"": ""Id"",
  ""Fields"": { ""Id"": ""id"", ""Name"": ""name"", ""Day"": ""day"", ""Score"": { ""Source"": ""score"", ""Type"": ""Integer"" } } } } }";

        private static string People(int rows, int repeatEvery = 0)
        {
            var text = new StringBuilder("id,name,day,score\n");
            for (int i = 1; i <= rows; i++)
            {
                // With repeatEvery, every so many rows a row repeats the key of the row before it.
                int n = repeatEvery > 0 && i % repeatEvery == 0 ? i - 1 : i;
                // Keys a key's text escapes ('|' and '\\', CrmKey), in the first batch (the record path) and in a lane batch.
                string id = n switch { 7 => "P|7", 907 => "P|907", 913 => "P\\913", _ => "Pé" + n.ToString("D4", CultureInfo.InvariantCulture) };
                string day = (i % 4) switch { 0 => "", 1 => "2024-03-05", 2 => "2024-03-05T10:11:12", _ => "1999-12-31" };
                text.Append(id).Append(",Zoë ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(day).Append(',')
                    .Append((i % 50).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            return text.ToString();
        }

        [Theory]
        [InlineData("CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER)")]
        [InlineData("CREATE TABLE \"Person\" (\"Id\" TEXT, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER)")]
        public void TheLaneKeepsTheBeforeImagesTheRecordPathKeeps_ByteForByte_AndUndoRemovesEveryRowFromThem(string table)
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "people.csv");
            File.WriteAllText(csv, People(1000), new UTF8Encoding(false));
            SqliteTestUtil.Exec(dir.File("lane.db"), table);
            SqliteTestUtil.Exec(dir.File("records.db"), table);

            var (laneRun, laneRows) = Copy(csv, dir.File("lane.db"), dir.File("lane-ledger.sqlite"), lane: true);
            var (recordRun, recordRows) = Copy(csv, dir.File("records.db"), dir.File("records-ledger.sqlite"), lane: false);
            Assert.Equal(1000, laneRows); // every batch took the lane, the first too (the table exists)
            Assert.Equal(0, recordRows);
            Assert.Equal(Rows(dir.File("records.db")), Rows(dir.File("lane.db")));
            // ISO dates bound as they are, a date with a time converted (the time dropped) as the record path converts it.
            Assert.Contains("TEXT:P|7|TEXT:Zoë 7|DATE:1999-12-31|INTEGER:7", Rows(dir.File("lane.db")));
            Assert.Contains("TEXT:Pé0901|TEXT:Zoë 901|DATE:2024-03-05|INTEGER:1", Rows(dir.File("lane.db")));
            Assert.Contains("TEXT:Pé0902|TEXT:Zoë 902|DATE:2024-03-05|INTEGER:2", Rows(dir.File("lane.db")));
            Assert.Contains("TEXT:Pé0904|TEXT:Zoë 904|(null)|INTEGER:4", Rows(dir.File("lane.db")));

            var laneImages = Images(dir.File("lane-ledger.sqlite"));
            Assert.Equal(10, laneImages.Count);
            Assert.Equal(Images(dir.File("records-ledger.sqlite")), laneImages);

            using (var ledger = new MigrationLedger(dir.File("lane-ledger.sqlite")))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(dir.File("lane.db"))))
            {
                var failures = new List<UndoFailure>();
                RunUndoer.Undo(ledger, target, new UndoOptions { RunId = laneRun, Force = true }, failures, new List<string>());
                Assert.Empty(failures);
            }
            Assert.Empty(Rows(dir.File("lane.db")));
        }

        [Theory]
        [InlineData("CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER)")]
        [InlineData("CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY ON CONFLICT FAIL, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER)")]
        [InlineData("CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER); " +
            "CREATE TABLE \"Seen\" (\"Id\" TEXT); CREATE TRIGGER \"seen\" AFTER INSERT ON \"Person\" BEGIN INSERT INTO \"Seen\" VALUES (new.\"Id\"); END")]
        public void RowsOfAStatementTheTargetRefusedAreInsertedOneByOne_EachRefusalAsTheRecordPathHasIt(string table)
        {
            // Many rows go in one INSERT; a repeated key refuses the statement, and its rows are inserted again one by one. A table
            // with its own conflict handling (FAIL keeps a refused statement's earlier rows) or a trigger is written a row at a time.
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "people.csv");
            File.WriteAllText(csv, People(1000, repeatEvery: 37), new UTF8Encoding(false));
            SqliteTestUtil.Exec(dir.File("lane.db"), table);
            SqliteTestUtil.Exec(dir.File("records.db"), table);

            var (laneRun, laneRows) = Copy(csv, dir.File("lane.db"), dir.File("lane-ledger.sqlite"), lane: true, inserted: 1000 - 27);
            var (recordRun, _) = Copy(csv, dir.File("records.db"), dir.File("records-ledger.sqlite"), lane: false, inserted: 1000 - 27);
            Assert.Equal(1000, laneRows);
            Assert.Equal(Rows(dir.File("records.db")), Rows(dir.File("lane.db")));
            Assert.Equal(Images(dir.File("records-ledger.sqlite")), Images(dir.File("lane-ledger.sqlite")));
            var outcomes = Outcomes(dir.File("lane-ledger.sqlite"), laneRun);
            Assert.Equal(Outcomes(dir.File("records-ledger.sqlite"), recordRun), outcomes);
            Assert.Contains("Pé0036|Pé0036|Rejected|DuplicateKey", outcomes);
        }

        [Fact]
        public void AnUpsertKeepsTheStoredRowsItChangesAndTheRowsItAdds_AndUndoPutsTheTableBack()
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "people.csv");
            File.WriteAllText(csv, People(1000), new UTF8Encoding(false));
            string db = dir.File("t.db"), ledgerPath = dir.File("ledger.sqlite");
            SqliteTestUtil.Exec(db, "CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY, \"Name\" TEXT, \"Day\" DATE, \"Score\" INTEGER)");
            Copy(csv, db, ledgerPath, lane: true);
            var before = Rows(db);

            // The second run changes every 10th name and adds 200 rows: images of rows that existed and of rows that did not.
            var text = new StringBuilder();
            foreach (var line in People(1200).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((l, i) => (l, i)))
            {
                text.Append(line.i > 0 && line.i % 10 == 0 ? line.l.Replace("Zoë", "Changed", StringComparison.Ordinal) : line.l).Append('\n');
            }
            File.WriteAllText(csv, text.ToString(), new UTF8Encoding(false));
            string run;
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var ledger = new MigrationLedger(ledgerPath))
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null)),
                Import = new ImportOptions { BatchSize = 100, Ledger = ledger, Mode = CrmWriteMode.Upsert },
            }))
            {
                var summary = Assert.Single(copier.Run());
                Assert.Equal((200L, 100L), (summary.Inserted, summary.Updated));
                run = copier.RunId!;
            }
            Assert.Contains("TEXT:Pé0010|TEXT:Changed 10|DATE:2024-03-05|INTEGER:10", Rows(db));
            Assert.Equal(300, Images(ledgerPath).Skip(10).Sum(b => int.Parse(b.Split('|')[2], CultureInfo.InvariantCulture)));

            using (var ledger = new MigrationLedger(ledgerPath))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            {
                var failures = new List<UndoFailure>();
                RunUndoer.Undo(ledger, target, new UndoOptions { RunId = run, Force = true }, failures, new List<string>());
                Assert.Empty(failures);
            }
            Assert.Equal(before, Rows(db));
        }

        /// <summary>The run's ledger entries: source key, target key, outcome, reason.</summary>
        private static List<string> Outcomes(string ledgerPath, string run)
        {
            using var ledger = new MigrationLedger(ledgerPath);
            return ledger.RunEntries(run).Select(e => string.Join("|", e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)", e.Entry.Outcome, e.Entry.ReasonCode ?? "")).ToList();
        }

        [Fact]
        public void TextSetUncheckedIsCheckedWhereverItGoes_AndTextAReaderDecodedIsNot()
        {
            var notUtf8 = new byte[] { 0x61, 0xFF, 0xC3, 0x62 };
            var read = new RowBatch("T", new CrmFieldShape(new[] { "A", "B" }), 4);
            int r = read.AddRow(1, 1);
            read.Columns[0].SetUtf8(r, "Zoë"u8);
            read.Columns[1].SetText(r, notUtf8);
            Assert.True(read.Columns[0].IsUtf8At(r));
            Assert.False(read.Columns[1].IsUtf8At(r));

            // Copied rows carry the doubt with them; their fingerprints stay those of the records they make.
            var gathered = new RowBatch("T", read.Shape, 4);
            gathered.ResetLike(read);
            int g = gathered.CopyRow(read, r);
            Assert.True(gathered.Columns[0].IsUtf8At(g));
            Assert.False(gathered.Columns[1].IsUtf8At(g));
            var scratch = new Utf8Buffer(16);
            Assert.Equal(ContentHash.Of(gathered.ToRecord(g)), gathered.Fingerprint(g, ref scratch));
            Assert.Equal(ContentHash.Of(read.ToRecord(r)), read.Fingerprint(r, ref scratch));

            // A cleared column starts without doubt; valid text set unchecked is still found valid.
            read.Clear();
            r = read.AddRow(2, 2);
            read.Columns[1].SetText(r, "ok"u8);
            Assert.True(read.Columns[1].IsUtf8At(r));
        }

        /// <summary>
        /// The server writers' bulk lane (binary COPY, LOAD DATA) keeps the images the record path keeps, byte for byte, packed
        /// from the key cells' bytes (escaped keys from their text), and undo removes every row from them.
        /// </summary>
        [Theory]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void TheServerLaneKeepsTheBeforeImagesTheRecordPathKeeps_ByteForByte_AndUndoRemovesEveryRowFromThem(CrmProviderKind kind)
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "people.csv");
            File.WriteAllText(csv, People(1000), new UTF8Encoding(false));
            string table = kind == CrmProviderKind.PostgreSql
                ? "CREATE TABLE \"Person\" (\"Id\" varchar(20) PRIMARY KEY, \"Name\" text, \"Day\" date, \"Score\" integer)"
                : "CREATE TABLE `Person` (`Id` varchar(20) PRIMARY KEY, `Name` text, `Day` datetime, `Score` int)";
            using var lane = new TestDatabase(kind);
            using var records = new TestDatabase(kind);
            lane.Exec(table);
            records.Exec(table);

            var (laneRun, laneRows) = Copy(csv, () => lane.Provider(), dir.File("lane-ledger.sqlite"), lane: true);
            var (_, recordRows) = Copy(csv, () => records.Provider(), dir.File("records-ledger.sqlite"), lane: false);
            Assert.Equal(1000, laneRows);
            Assert.Equal(0, recordRows);
            Assert.Equal(records.Rows("Person"), lane.Rows("Person"));
            var laneImages = Images(dir.File("lane-ledger.sqlite"));
            Assert.Equal(10, laneImages.Count);
            Assert.Equal(Images(dir.File("records-ledger.sqlite")), laneImages);

            using (var ledger = new MigrationLedger(dir.File("lane-ledger.sqlite")))
            using (var target = lane.Provider())
            {
                var failures = new List<UndoFailure>();
                RunUndoer.Undo(ledger, target, new UndoOptions { RunId = laneRun, Force = true }, failures, new List<string>());
                Assert.Empty(failures);
            }
            Assert.Empty(lane.Rows("Person"));
        }

        /// <summary>A range of rows copied at once (the lane gathering a read batch) is the rows copied one by one: every kind of cell, unchecked text, keys, lines.</summary>
        [Fact]
        public void RowsCopiedAsARangeAreTheRowsCopiedOneByOne()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Name", "N", "D", "When", "Flag", "Money" });
            var read = new RowBatch("T", shape, 8) { KeyColumns = new[] { 0 }, KeyNames = new[] { "Id" }, File = "t.csv" };
            for (int i = 0; i < 40; i++)
            {
                int r = read.AddRow(i + 2, i + 1, i * 10);
                var c = read.Columns;
                if (i % 9 == 4) c[0].SetNull(r); else c[0].SetUtf8(r, System.Text.Encoding.UTF8.GetBytes("K" + i));
                if (i % 5 == 0) c[1].SetText(r, new byte[] { 0x61, 0xFF, (byte)('0' + i % 10) });
                else if (i % 7 == 0) c[1].SetUtf8(r, default);
                else c[1].SetUtf8(r, System.Text.Encoding.UTF8.GetBytes("Zoë " + new string('x', i)));
                if (i % 3 == 0) c[2].SetNull(r); else c[2].SetInt64(r, i * 1000L);
                c[3].SetDouble(r, i / 3.0);
                c[4].SetDateTime(r, new System.DateTime(2020, 1, 1).AddDays(i));
                c[5].SetBoolean(r, i % 2 == 0);
                c[6].SetValue(r, i % 4 == 0 ? null : (object)(i * 1.5m));
            }
            var scratch = new Utf8Buffer(64);
            foreach (var (from, to) in new[] { (0, 40), (7, 23), (39, 40) })
            {
                var one = new RowBatch("T", shape, 4);
                var range = new RowBatch("T", shape, 4);
                one.ResetLike(read);
                range.ResetLike(read);
                // Both start with a row already there, as a session batch that holds rows from an earlier read batch.
                one.CopyRow(read, 5);
                range.CopyRow(read, 5);
                for (int r = from; r < to; r++) one.CopyRow(read, r);
                range.CopyRows(read, from, to);
                Assert.Equal(one.Count, range.Count);
                for (int r = 0; r < one.Count; r++)
                {
                    var a = one.ToRecord(r);
                    var b = range.ToRecord(r);
                    Assert.Equal(Enumerable.Range(0, a.FieldCount).Select(a.GetValue), Enumerable.Range(0, b.FieldCount).Select(b.GetValue));
                    Assert.Equal(a.Key?.ToString(), b.Key?.ToString());
                    Assert.Equal(a.Origin!.SourceKey, b.Origin!.SourceKey);
                    Assert.Equal((one.LineAt(r), one.PositionAt(r), one.OffsetAt(r)), (range.LineAt(r), range.PositionAt(r), range.OffsetAt(r)));
                    for (int c = 0; c < shape.Count; c++)
                    {
                        Assert.Equal(one.Columns[c].KindAt(r), range.Columns[c].KindAt(r));
                        if (one.Columns[c].KindAt(r) == CellKind.Text) Assert.Equal(one.Columns[c].IsUtf8At(r), range.Columns[c].IsUtf8At(r));
                    }
                    Assert.Equal(one.Fingerprint(r, ref scratch), range.Fingerprint(r, ref scratch));
                }
            }
        }

        private static (string RunId, long LaneRows) Copy(string csv, string db, string ledgerPath, bool lane, int inserted = 1000) =>
            Copy(csv, () => ProviderFactory.Open(ProviderFactory.FromPath(db)), ledgerPath, lane, inserted);

        private static (string RunId, long LaneRows) Copy(string csv, Func<ICrmProvider> openTarget, string ledgerPath, bool lane, int inserted = 1000)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = openTarget();
            using var ledger = new MigrationLedger(ledgerPath);
            var options = new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null)),
                Import = new ImportOptions { BatchSize = 100, Ledger = ledger },
            };
            // Someone asking for every outcome (-PassThru) keeps the copy on the record path.
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Equal(inserted, summary.Inserted);
            Assert.Equal(1000 - inserted, summary.Rejected);
            Assert.Empty(ledger.Verify(copier.RunId!));
            return (copier.RunId!, copier.LaneRows);
        }

        /// <summary>The images' blobs in the order they were kept, read without our code.</summary>
        private static List<string> Images(string ledgerPath)
        {
            var blobs = new List<string>();
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + ledgerPath);
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT entity, batch, records, data FROM images ORDER BY seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) blobs.Add(reader.GetString(0) + "|" + reader.GetInt64(1) + "|" + reader.GetInt64(2) + "|" + Convert.ToHexString((byte[])reader.GetValue(3)));
            return blobs;
        }

        /// <summary>The Person table's rows in insertion order, each cell with its storage class.</summary>
        private static List<string> Rows(string db) => SqliteCells.Rows(db, orderBy: "rowid");
    }
}
