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
        /// <summary>A psql-like export (track_id, name, milliseconds, unit_price, added): row 1234 repeats track 17, row 2000 has no key.</summary>
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

        private static Result Copy(string csv, string db, string ledgerPath, bool lane)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
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
            return new Result(summary, copier.LaneRows, errors.Select(e => string.Join("|", e.Code, e.Key, e.Line, e.Message)).ToList(), entries,
                SqliteCells.Rows(db, "track", "\"track_id\""));
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
            Assert.Equal(new[] { "DuplicateKey", "MissingKey" }, lane.Errors.Select(e => e.Split('|')[0]).OrderBy(c => c, System.StringComparer.Ordinal));
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
    }
}
