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
    /// A plain CSV file copied without a mapping (Copy-CrmData ./track.csv ./new.db -Create, the first command a sysadmin types)
    /// is read in batches and written on the lane like a mapped one: the same table, outcomes, errors and ledger entries as the
    /// record path, and a stopped copy resumes from the file position it saved instead of reading the file again.
    /// </summary>
    public sealed class UnmappedFileCopyTests
    {
        /// <summary>A psql-like export (track_id, name, milliseconds, unit_price, added): row 1234 repeats track 17, row 2000 has no key (line 2001).</summary>
        private static string Tracks(int rows)
        {
            var text = new StringBuilder("track_id,name,milliseconds,unit_price,added\n");
            for (int i = 1; i <= rows; i++)
            {
                string id = i == 1234 ? "17" : i == 2000 ? "" : i.ToString(CultureInfo.InvariantCulture);
                string name = i % 11 == 0 ? "\"Track, \"\"" + i.ToString(CultureInfo.InvariantCulture) + "\"\"\"" : "Trąck " + i.ToString(CultureInfo.InvariantCulture);
                string ms = i % 13 == 0 ? "" : (i * 1031).ToString(CultureInfo.InvariantCulture);
                text.Append(id).Append(',').Append(name).Append(',').Append(ms).Append(',').Append((i % 3 == 0 ? "0.99" : "1.99"))
                    .Append(',').Append(new System.DateTime(2020, 1, 1).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append('\n');
            }
            return text.ToString();
        }

        private sealed record Result(CrmImportSummary Summary, long LaneRows, List<string> Errors, List<string> Entries, List<string> Table);

        private static Result Copy(string csv, string db, string ledgerPath, bool lane) =>
            Copy(csv, ProviderFactory.FromPath(db), ledgerPath, lane, () => SqliteCells.Rows(db, "track", "\"track_id\""));

        private static Result Copy(string csv, CrmConnection to, string ledgerPath, bool lane, System.Func<List<string>> table)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(to);
            using var ledger = new MigrationLedger(ledgerPath);
            var errors = new List<CrmDataError>();
            var options = new CopyOptions { OnError = errors.Add, Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Ledger = ledger } };
            // Someone asking for every outcome (-PassThru) keeps the copy on the record path.
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var entries = ledger.RunEntries(copier.RunId!).Select(e => string.Join("|", e.Entity, e.Entry.SourceEntity, e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)",
                e.Entry.Outcome, e.Entry.ReasonCode ?? "", e.Entry.ContentHash?.ToString(CultureInfo.InvariantCulture) ?? "")).ToList();
            return new Result(summary, copier.LaneRows, errors.Select(e => string.Join("|", e.Code, e.Key, e.Line, e.Message)).ToList(), entries, table());
        }

        [Fact]
        public void APlainFileTakesTheLane_AndLandsWhatTheRecordPathLands()
        {
            using var dir = new TempDir();
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(3000));
            var lane = Copy(csv, dir.File("lane.db"), dir.File("lane.ledger"), lane: true);
            var records = Copy(csv, dir.File("records.db"), dir.File("records.ledger"), lane: false);

            Assert.True(lane.LaneRows >= 2000, $"the lane took {lane.LaneRows} rows");
            Assert.Equal(0, records.LaneRows);
            Assert.Equal((3000L, 2998L, 2L), (lane.Summary.Read, lane.Summary.Inserted, lane.Summary.Rejected));
            Assert.Equal((records.Summary.Read, records.Summary.Inserted, records.Summary.Rejected), (lane.Summary.Read, lane.Summary.Inserted, lane.Summary.Rejected));
            // Row 1234 repeats a key (the target refuses it); row 2000 has none (refused before the target, by its line).
            Assert.Equal(new[] { "DuplicateKey", "RecordKeyMissing" }, lane.Errors.Select(e => e.Split('|')[0]).OrderBy(c => c, System.StringComparer.Ordinal));
            Assert.Contains(lane.Entries, e => e.StartsWith("track|track|" + csv + ":2001|(null)|Rejected|RecordKeyMissing|", System.StringComparison.Ordinal));
            Assert.Equal(records.Errors, lane.Errors);
            Assert.Equal(records.Entries, lane.Entries);
            Assert.Equal(records.Table, lane.Table);
            // The file's values, typed by -Create from the whole file: integers, a decimal, a date, text with quotes and commas.
            Assert.Contains(lane.Table, r => r.StartsWith("INTEGER:22|TEXT:Track, \"22\"|INTEGER:22682|", System.StringComparison.Ordinal));
            Assert.Contains(lane.Table, r => r.StartsWith("INTEGER:13|TEXT:Trąck 13|(null)|", System.StringComparison.Ordinal));
            Assert.Equal(2998, lane.Table.Count);
        }

        [Fact]
        public void AStoppedPlainCopyResumesFromTheFilePosition_AndEndsAsAnUninterruptedCopy()
        {
            const int Rows = 6000;
            using var dir = new TempDir();
            string csv = dir.File("track.csv");
            File.WriteAllText(csv, Tracks(Rows));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = InterruptedCopy.Run(ProviderFactory.FromPath(csv), db, "track", ledger, stopAt: 4000);
            Assert.True(r.LaneRowsBefore > 0, "the first attempt wrote on the lane");
            Assert.True(r.LaneRowsAfter > 0, "the resumed attempt wrote on the lane");
            Assert.InRange(r.LandedBefore, 1500, 4500);
            Assert.True(r.Verified);
            // The resumed run seeks past what the first one saved: it reads only the rest of the file.
            Assert.InRange(r.ReadAfter, 1, Rows - r.LandedBefore + 250);

            var whole = Copy(csv, dir.File("whole.db"), dir.File("whole.ledger"), lane: true);
            Assert.Equal(whole.Table, SqliteCells.Rows(db, "track", "\"track_id\""));
            // The run's books count every row once, across both attempts.
            Assert.Equal((whole.Summary.Read, whole.Summary.Inserted, whole.Summary.Rejected), (r.Summary.Read, r.Summary.Inserted, r.Summary.Rejected));
        }

        /// <summary>
        /// A file without a key column into a server table -Create makes without a key: no row can be a duplicate, so the lane loads
        /// the rows in bulk (COPY, LOAD DATA) and must land and book what the record path does, repeated rows as many times as the file has them.
        /// </summary>
        [Theory]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void AKeylessFileIntoAServerTableLandsAndBooksWhatTheRecordPathDoes(CrmProviderKind kind)
        {
            using var dir = new TempDir();
            string csv = dir.File("plays.csv");
            var text = new StringBuilder("name,milliseconds,unit_price,added\n");
            // Every 50th row repeats the row before it: a keyless file's rows are identified by their content, and both land.
            for (int i = 1; i <= 3000; i++)
            {
                int n = i % 50 == 0 ? i - 1 : i;
                text.Append("Trąck ").Append(n).Append(',').Append(n % 13 == 0 ? "" : (n * 1031).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(n % 3 == 0 ? "0.99" : "1.99").Append(',').Append(new System.DateTime(2020, 1, 1).AddDays(n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append('\n');
            }
            File.WriteAllText(csv, text.ToString());
            var results = new List<(Result Copy, List<string> Ledger)>();
            foreach (bool lane in new[] { true, false })
            {
                using var db = new TestDatabase(kind);
                string ledgerPath = dir.File((lane ? "lane" : "records") + ".ledger");
                var copy = Copy(csv, db.Connection(), ledgerPath, lane, () => db.Rows("plays"));
                var ledger = BatchLaneTests.LedgerRows(ledgerPath);
                using (var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + ledgerPath + ";Mode=ReadOnly;Pooling=False"))
                {
                    conn.Open();
                    using var cmd = conn.CreateCommand();
                    cmd.CommandText = "SELECT entity, batch, part, records, hex(data) FROM images ORDER BY seq";
                    using var reader = cmd.ExecuteReader();
                    while (reader.Read()) ledger.Add("image|" + reader.GetString(0) + "|" + reader.GetInt64(1) + "|" + (reader.IsDBNull(2) ? "" : reader.GetInt64(2).ToString(CultureInfo.InvariantCulture)) + "|" + reader.GetInt64(3) + "|" + reader.GetString(4));
                }
                results.Add((copy, ledger));
            }
            var (withLane, withRecords) = (results[0], results[1]);
            Assert.True(withLane.Copy.LaneRows >= 2000, $"the lane took {withLane.Copy.LaneRows} rows");
            Assert.Equal(0, withRecords.Copy.LaneRows);
            Assert.Equal((3000L, 3000L, 0L), (withLane.Copy.Summary.Read, withLane.Copy.Summary.Inserted, withLane.Copy.Summary.Rejected));
            Assert.Empty(withLane.Copy.Errors);
            Assert.Equal(3000, withLane.Copy.Table.Count);
            Assert.Equal(60, withLane.Copy.Table.GroupBy(r => r).Count(g => g.Count() == 2));
            Assert.Equal(withRecords.Copy.Table, withLane.Copy.Table);
            Assert.Equal(withRecords.Copy.Entries, withLane.Copy.Entries);
            Assert.Equal(withRecords.Ledger, withLane.Ledger);
        }
    }
}
