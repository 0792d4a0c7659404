using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// A key column that is SQLite's rowid (a one-column INTEGER PRIMARY KEY, as -Create makes for an integer key) does not refuse
    /// NULL: SQLite numbers the row itself. A record whose key is empty must not get a key its source never had (and take the key of
    /// a later record, which would then be refused as a duplicate): the writer rejects it as MissingKey, on the record path and the lane.
    /// A plain file's row without a key never gets that far: the copy rejects it before the target as RecordKeyMissing (UnnumberedKeyTests).
    /// </summary>
    public sealed class RowidKeyTests
    {
        /// <summary>A psql-like export (track_id, name): ids 1..rows with every 97th id empty, in the first batch and in later ones.</summary>
        private static string Tracks(int rows, out List<string> kept, out int empty)
        {
            var text = new StringBuilder("track_id,name\n");
            kept = new List<string>();
            empty = 0;
            for (int i = 1; i <= rows; i++)
            {
                bool blank = i % 97 == 5;
                string id = blank ? "" : i.ToString(CultureInfo.InvariantCulture);
                if (blank) empty++;
                else kept.Add(id + "|Track " + i.ToString(CultureInfo.InvariantCulture));
                text.Append(id).Append(",Track ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            return text.ToString();
        }

        /// <summary>A mapping without a Key of its own: the target table's primary key identifies the records.</summary>
        private const string Mapping = @"{ ""Entities"": { ""track"": { ""Source"": ""track"",
  ""Fields"": { ""track_id"": { ""Source"": ""track_id"", ""Type"": ""Integer"" }, ""name"": ""name"" } } } }";

        private static (CrmImportSummary Summary, long LaneRows, List<CrmDataError> Errors, List<string> Table) Copy(string csv, string db, bool lane, bool mapped = false)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
            using var ledger = new MigrationLedger(db + ".ledger");
            var errors = new List<CrmDataError>();
            var options = new CopyOptions { OnError = errors.Add, Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Ledger = ledger } };
            if (mapped) options.Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null));
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            return (summary, copier.LaneRows, errors, SqliteTestUtil.Column(db, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY \"track_id\""));
        }

        [Theory]
        [InlineData(false, false)] // the file's own key (track_id), the table made by the copy: RecordKeyMissing before the writer
        [InlineData(false, true)]  // the same with every outcome asked for
        [InlineData(true, false)]  // a mapping without a Key into a table that exists (maps record by record): the writer's MissingKey
        public void AnEmptyIntegerKeyIsRejectedAsMissingKey_NotNumberedBySqlite(bool mapped, bool records)
        {
            using var dir = new TempDir();
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(1000, out var kept, out int empty));
            if (mapped) SqliteTestUtil.Exec(dir.File("t.db"), "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT)");
            var r = Copy(csv, dir.File("t.db"), !records, mapped);
            Assert.Contains("INTEGER", SqliteTestUtil.Column(dir.File("t.db"), "SELECT type FROM pragma_table_info('track') WHERE name = 'track_id'").Single());
            Assert.Equal(kept, r.Table);
            Assert.Equal(1000, r.Summary.Read);
            Assert.Equal(1000 - empty, r.Summary.Inserted);
            Assert.Equal(empty, r.Summary.Rejected);
            Assert.Equal(empty, r.Errors.Count(e => e.Code == (mapped ? "MissingKey" : "RecordKeyMissing")));
        }

        /// <summary>
        /// SQLite's rule for which INTEGER PRIMARY KEY is the rowid, from the table's catalog (no index of its own): a table-level
        /// <c>PRIMARY KEY (x DESC)</c> is one (SQLite numbers a NULL), so an empty key is MissingKey there too. Its siblings that are not
        /// (WITHOUT ROWID, a column-level <c>INTEGER PRIMARY KEY DESC</c>) refuse it as ConstraintViolation: UnnumberedKeyTests.
        /// </summary>
        [Fact]
        public void ATableLevelDescendingIntegerKeyIsTheRowidToo_AnEmptyKeyIsMissingKey()
        {
            using var dir = new TempDir();
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(1000, out var kept, out int empty));
            SqliteTestUtil.Exec(dir.File("t.db"), "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL, \"name\" TEXT, PRIMARY KEY (\"track_id\" DESC))");
            Assert.Equal("0", SqliteTestUtil.Column(dir.File("t.db"), "SELECT count(*) FROM pragma_index_list('track') WHERE origin = 'pk'").Single());
            var r = Copy(csv, dir.File("t.db"), lane: true, mapped: true);
            Assert.Equal(kept, r.Table);
            Assert.Equal((1000L, 1000L - empty, (long)empty), (r.Summary.Read, r.Summary.Inserted, r.Summary.Rejected));
            Assert.Equal(empty, r.Errors.Count(e => e.Code == "MissingKey"));
        }

        [Fact]
        public void LaneRowsWithoutAKeyValueAreRejectedAsMissingKey_TheOthersOfTheirStatementInserted()
        {
            using var dir = new TempDir();
            string db = dir.File("t.db");
            SqliteTestUtil.Exec(db, "CREATE TABLE \"track\" (\"track_id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT)");
            using var provider = SqliteTestUtil.Provider(db);
            using var writer = provider.OpenWriter("track", new CrmWriteOptions { KeyFields = new[] { "track_id" } });
            var shape = new CrmFieldShape(new[] { "track_id", "name" });
            // The first batch goes the record way (it loads the table); lane rows follow, 20 of them, so plain inserts go 8 to a statement.
            var first = new CrmRecord("track", shape, new object?[] { 100L, "first" }) { Key = new CrmKey("100") { FieldNames = new[] { "track_id" } } };
            var firstOutcomes = new List<CrmRecordOutcome>();
            writer.WriteBatch(new[] { first, new CrmRecord("track", shape, new object?[] { null, "no key" }) }, firstOutcomes);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected }, firstOutcomes.Select(o => o.Outcome));
            Assert.Equal("MissingKey", firstOutcomes[1].ReasonCode);
            var rows = new Batches.RowBatch("track", shape, 32) { KeyColumns = new[] { 0 }, KeyNames = new[] { "track_id" } };
            var which = new int[20];
            for (int i = 1; i <= 20; i++)
            {
                int r = rows.AddRow(i, i);
                which[i - 1] = r;
                if (i % 7 == 3) rows.Columns[0].SetNull(r);
                else rows.Columns[0].SetText(r, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
                rows.Columns[1].SetText(r, Encoding.UTF8.GetBytes("Track " + i.ToString(CultureInfo.InvariantCulture)));
            }
            var lane = (Providers.ICrmRowWriter)writer;
            Assert.True(lane.CanWriteRows(rows));
            var outcomes = new Providers.RowOutcomes();
            lane.WriteRows(rows, which, 20, outcomes);
            writer.Complete();
            for (int i = 1; i <= 20; i++)
            {
                if (i % 7 == 3)
                {
                    Assert.Equal(CrmOutcome.Rejected, outcomes.CodeAt(i - 1));
                    Assert.Equal("MissingKey", outcomes.DetailAt(i - 1)!.ReasonCode);
                }
                else Assert.Equal(CrmOutcome.Inserted, outcomes.CodeAt(i - 1));
            }
            var expected = Enumerable.Range(1, 20).Where(i => i % 7 != 3).Select(i => i.ToString(CultureInfo.InvariantCulture) + "|Track " + i.ToString(CultureInfo.InvariantCulture))
                .Append("100|first").ToList();
            Assert.Equal(expected, SqliteTestUtil.Column(db, "SELECT \"track_id\" || '|' || \"name\" FROM \"track\" ORDER BY \"track_id\""));
        }
    }
}
