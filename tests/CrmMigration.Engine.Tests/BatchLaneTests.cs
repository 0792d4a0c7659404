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
    /// The import session's batch lane: mapped rows written as rows (SQLite from the columns), keys, fingerprints and ledger
    /// entries computed from the columns. Whatever the lane does must be what the record path does for the same rows.
    /// </summary>
    public class BatchLaneTests
    {
        /// <summary>Every kind of cell, with nulls, empty text, non-ASCII text and bytes that are not UTF-8.</summary>
        private static RowBatch EveryCellType()
        {
            var shape = new CrmFieldShape(new[] { "Text", "Long", "Double", "When", "Flag", "Other", "Straße" });
            var batch = new RowBatch("Thing", shape, 4);
            var c = batch.Columns;
            void Row(Action<int> set) { int r = batch.AddRow(0, 0); set(r); }
            Row(r => { c[0].SetText(r, "plain"u8); c[1].SetInt64(r, 42); c[2].SetDouble(r, 0.1); c[3].SetDateTime(r, new DateTime(2024, 3, 5)); c[4].SetBoolean(r, true); c[5].SetValue(r, 12.50m); c[6].SetText(r, "Zoë 张伟 😀"u8); });
            Row(r => { c[0].SetText(r, ReadOnlySpan<byte>.Empty); c[1].SetInt64(r, long.MinValue); c[2].SetDouble(r, 1e300); c[3].SetDateTime(r, new DateTime(2024, 3, 5, 10, 11, 12, 345, DateTimeKind.Utc)); c[4].SetBoolean(r, false); c[5].SetValue(r, new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8))); c[6].SetNull(r); });
            Row(r => { c[0].SetNull(r); c[1].SetNull(r); c[2].SetDouble(r, -0.0); c[3].SetDateTime(r, new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Local)); c[4].SetNull(r); c[5].SetValue(r, Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")); c[6].SetValue(r, ""); });
            Row(r => { c[0].SetText(r, new byte[] { 0x61, 0xFF, 0xC3, 0x62 }); c[1].SetInt64(r, -7); c[2].SetDouble(r, double.NaN); c[3].SetNull(r); c[4].SetBoolean(r, true); c[5].SetValue(r, new byte[] { 1, 2, 3 }); c[6].SetValue(r, "a string already made"); });
            Row(r => { c[0].SetText(r, "a|b\\c"u8); c[1].SetInt64(r, 0); c[2].SetDouble(r, 123456789.125); c[3].SetDateTime(r, DateTime.MinValue); c[4].SetBoolean(r, false); c[5].SetValue(r, -0.000001m); c[6].SetText(r, "\t\r\n\""u8); });
            return batch;
        }

        [Fact]
        public void RowFingerprintsAreContentHashOfTheRecordForEveryCellType_NullsEmptyTextNonAsciiAndBytesThatAreNotUtf8()
        {
            var batch = EveryCellType();
            var scratch = new Utf8Buffer(64);
            var seen = new HashSet<long>();
            for (int r = 0; r < batch.Count; r++)
            {
                long fingerprint = batch.Fingerprint(r, ref scratch);
                Assert.Equal(ContentHash.Of(batch.ToRecord(r)), fingerprint);
                Assert.True(seen.Add(fingerprint), "rows of different content must not share a fingerprint");
            }
        }

        [Fact]
        public void LedgerRowsEncodeByteForByteAsTheEntriesOfTheSameOutcomes()
        {
            var entries = new List<LedgerEntry>();
            var rows = new LedgerRows();
            rows.Reset("contacts", hashes: true);
            void Add(string source, string? target, CrmRecordOutcome outcome, long hash)
            {
                entries.Add(new LedgerEntry("contacts", source, target, outcome, hash));
                rows.Add(outcome.Outcome, hash, outcome.Outcome == CrmOutcome.Inserted && outcome.ReasonCode is null ? null : outcome);
                ref var keys = ref rows.Keys;
                int at = keys.Length;
                keys.Append(source);
                rows.SourceKey(at);
                if (target is null) return;
                at = keys.Length;
                keys.Append(target);
                rows.TargetKey(at);
            }
            Add("C1", "C1", new CrmRecordOutcome("Person", "C1", CrmOutcome.Inserted), 1);
            Add("C2", "NEW-2", new CrmRecordOutcome("Person", "NEW-2", CrmOutcome.Inserted), -2);
            Add("张伟", "张伟", new CrmRecordOutcome("Person", "张伟", CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "The target already holds this record unchanged (per the ledger)." }, long.MaxValue);
            Add("C4", null, new CrmRecordOutcome("Person", null, CrmOutcome.Rejected) { ReasonCode = "ConstraintViolation", Message = "CHECK constraint failed: Score <> 13", Field = "Score", Value = 13L }, 0);
            Add("C5", "C5", new CrmRecordOutcome("Person", "C5", CrmOutcome.Rejected) { ReasonCode = "X", Field = "Password", Value = "secret" }, 5);
            Add("", "", new CrmRecordOutcome("Person", "", CrmOutcome.Inserted), 6);
            Assert.Equal(BatchCodec.Encode(entries), BatchCodec.Encode(rows));

            var noHashes = new LedgerRows();
            noHashes.Reset("contacts", hashes: false);
            noHashes.Add(CrmOutcome.Inserted, 0, null);
            int start = noHashes.Keys.Length;
            noHashes.Keys.Append("K");
            noHashes.SourceKey(start);
            noHashes.TargetIsSource();
            Assert.Equal(BatchCodec.Encode(new[] { new LedgerEntry("contacts", "K", "K", new CrmRecordOutcome("Person", "K", CrmOutcome.Inserted), null) }), BatchCodec.Encode(noHashes));
        }

        private const string Mapping = @"{ ""Entities"": { ""Person"": { ""Source"": ""contacts"", ""Key"": ""Id"",
  ""Fields"": { ""Id"": ""contact_id"", ""First"": ""first_name"", ""Last"": ""last_name"", ""Email"": ""email"",
    ""Score"": { ""Source"": ""score"", ""Type"": ""Integer"" }, ""Rank"": ""rank"", ""Note"": ""note"" } } } }";

        /// <summary>Clean contacts: non-ASCII names, empty and quoted fields, a key with '|', ranks in plain and other integer spellings.</summary>
        private static string CleanContacts(int rows)
        {
            var text = new StringBuilder("contact_id,first_name,last_name,email,score,rank,note\r\n");
            for (int i = 1; i <= rows; i++)
            {
                string id = i == 77 ? "C|77" : "C" + i.ToString("D5", CultureInfo.InvariantCulture);
                string first = i % 5 == 0 ? "" : "Zoë" + i.ToString(CultureInfo.InvariantCulture);
                string rank = (i % 4) switch { 0 => "00" + i.ToString(CultureInfo.InvariantCulture), 1 => "-" + i.ToString(CultureInfo.InvariantCulture), 2 => " " + i.ToString(CultureInfo.InvariantCulture), _ => i.ToString(CultureInfo.InvariantCulture) };
                string note = i % 9 == 0 ? "\"Multi\r\nline, \"\"quoted\"\"\"" : "张伟 " + i.ToString(CultureInfo.InvariantCulture);
                text.Append(id).Append(',').Append(first).Append(",García,p").Append(i.ToString(CultureInfo.InvariantCulture)).Append("@example.com,")
                    .Append((i % 20).ToString(CultureInfo.InvariantCulture)).Append(',').Append(rank).Append(',').Append(note).Append("\r\n");
            }
            return text.ToString();
        }

        private const string PersonTable = "CREATE TABLE \"Person\" (\"Id\" TEXT PRIMARY KEY, \"First\" TEXT, \"Last\" TEXT NOT NULL, \"Email\" TEXT, " +
            "\"Score\" INTEGER CHECK (\"Score\" <> 13), \"Rank\" INTEGER, \"Note\" TEXT)";

        private sealed record CopyResult(CrmImportSummary Summary, long LaneRows, List<CrmDataError> Errors, List<string> Entries, List<string> Table, string RunId);

        private static CopyResult Copy(string csv, string db, string ledgerPath, bool lane) =>
            Copy(csv, ProviderFactory.FromPath(db), ledgerPath, lane, () => SqliteRows(db));

        private static CopyResult Copy(string csv, CrmConnection to, string ledgerPath, bool lane, Func<List<string>> table)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(to);
            using var ledger = new MigrationLedger(ledgerPath);
            var errors = new List<CrmDataError>();
            var options = new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null)),
                OnError = errors.Add,
                Import = new ImportOptions { BatchSize = 250, Ledger = ledger },
            };
            // Someone asking for every outcome (-PassThru) keeps the copy on the record path.
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var entries = ledger.RunEntries(copier.RunId!).Select(e => string.Join("\u0001", e.Entity, e.Entry.SourceEntity, e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)",
                e.Entry.Outcome, e.Entry.ReasonCode ?? "", e.Entry.Message ?? "", e.Entry.Field ?? "", e.Entry.Value ?? "", e.Entry.ContentHash?.ToString(CultureInfo.InvariantCulture) ?? "")).ToList();
            return new CopyResult(summary, copier.LaneRows, errors, entries, table(), copier.RunId!);
        }

        /// <summary>The Person table's rows in key order, each cell with its storage class, read without our code.</summary>
        private static List<string> SqliteRows(string db)
        {
            var table = new List<string>();
            using (var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + db))
            {
                conn.Open();
                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT * FROM \"Person\" ORDER BY \"Id\"";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var cells = new List<string>();
                    for (int i = 0; i < reader.FieldCount; i++) cells.Add(reader.IsDBNull(i) ? "(null)" : reader.GetDataTypeName(i) + ":" + Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                    table.Add(string.Join("|", cells));
                }
            }
            return table;
        }

        [Fact]
        public void TheLaneWritesTheTargetTheLedgerTheBooksAndTheErrorsThatTheRecordPathWrites_AndAgainWhenEverythingIsUnchanged()
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(CleanContacts(3000)));
            SqliteTestUtil.Exec(dir.File("lane.db"), PersonTable);
            SqliteTestUtil.Exec(dir.File("records.db"), PersonTable);

            var lane = Copy(csv, dir.File("lane.db"), dir.File("lane-ledger.sqlite"), lane: true);
            var records = Copy(csv, dir.File("records.db"), dir.File("records-ledger.sqlite"), lane: false);

            // The lane took every batch but the first (which loads the table); the record path none.
            Assert.Equal(3000 - 250, lane.LaneRows);
            Assert.Equal(0, records.LaneRows);
            // Score 13 breaks the CHECK: one in 20 rows is refused by the target, with the same error on both paths.
            Assert.Equal(3000, lane.Summary.Read);
            Assert.Equal(150, lane.Summary.Rejected);
            Assert.Equal(2850, lane.Summary.Inserted);
            Assert.Equal(records.Summary.Inserted, lane.Summary.Inserted);
            Assert.Equal(records.Summary.Rejected, lane.Summary.Rejected);
            Assert.Equal(records.Summary.RejectReasons.OrderBy(k => k.Key), lane.Summary.RejectReasons.OrderBy(k => k.Key));
            Assert.Equal(records.Errors.Select(e => (e.Code, e.Key, e.Line, e.Message, e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())),
                lane.Errors.Select(e => (e.Code, e.Key, e.Line, e.Message, e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())));
            Assert.Equal(records.Table, lane.Table);
            Assert.Contains("TEXT:C|77|TEXT:Zoë77|TEXT:García|TEXT:p77@example.com|INTEGER:17|INTEGER:-77|TEXT:张伟 77", lane.Table);
            // "004" is not an integer's plain spelling: converted the record way, to the same 4.
            Assert.Contains("TEXT:C00004|TEXT:Zoë4|TEXT:García|TEXT:p4@example.com|INTEGER:4|INTEGER:4|TEXT:张伟 4", lane.Table);
            Assert.Equal(records.Entries.Count, lane.Entries.Count);
            for (int i = 0; i < lane.Entries.Count; i++) Assert.Equal(records.Entries[i], lane.Entries[i]);

            // The same copy again: everything the ledger fingerprinted is skipped as unchanged, the refused rows are refused again.
            var laneAgain = Copy(csv, dir.File("lane.db"), dir.File("lane-ledger.sqlite"), lane: true);
            var recordsAgain = Copy(csv, dir.File("records.db"), dir.File("records-ledger.sqlite"), lane: false);
            Assert.True(laneAgain.LaneRows > 0);
            Assert.Equal(2850, laneAgain.Summary.Skipped);
            Assert.Equal(recordsAgain.Summary.Skipped, laneAgain.Summary.Skipped);
            Assert.Equal(recordsAgain.Summary.Rejected, laneAgain.Summary.Rejected);
            Assert.Equal(recordsAgain.Entries, laneAgain.Entries);
        }

        /// <summary>A table's rows in key order, each cell with its type, read without our code.</summary>
        private static List<string> ServerRows(TestDatabase db)
        {
            using System.Data.Common.DbConnection conn = db.Kind == CrmProviderKind.PostgreSql
                ? new Npgsql.NpgsqlConnection(DbServers.PgAdmin(db.Name)) : new MySqlConnector.MySqlConnection(DbServers.MyAdmin(db.Name));
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = db.Kind == CrmProviderKind.PostgreSql ? "SELECT * FROM \"Person\" ORDER BY \"Id\"" : "SELECT * FROM Person ORDER BY Id";
            using var reader = cmd.ExecuteReader();
            var table = new List<string>();
            while (reader.Read())
            {
                var cells = new List<string>();
                for (int i = 0; i < reader.FieldCount; i++) cells.Add(reader.IsDBNull(i) ? "(null)" : reader.GetDataTypeName(i) + ":" + Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                table.Add(string.Join("|", cells));
            }
            return table;
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql, false)]
        [InlineData(CrmProviderKind.PostgreSql, true)]
        [InlineData(CrmProviderKind.MySql, false)]
        [InlineData(CrmProviderKind.MySql, true)]
        public void TheServerLanesLoadFromTheColumnsWhatTheRecordPathLoads_AndARefusedLoadFallsBackToTheRecordsOfItsBatch(CrmProviderKind kind, bool check)
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(CleanContacts(3000)));
            string q(string name) => kind == CrmProviderKind.PostgreSql ? "\"" + name + "\"" : "`" + name + "`";
            string ddl = "CREATE TABLE " + q("Person") + " (" + q("Id") + " varchar(20) PRIMARY KEY, " + q("First") + " text, " + q("Last") + " varchar(40) NOT NULL, " +
                q("Email") + " varchar(100), " + q("Score") + " bigint" + (check ? " CHECK (" + q("Score") + " <> 13)" : "") + ", " + q("Rank") + " bigint, " + q("Note") + " text)";
            using var laneDb = new TestDatabase(kind);
            using var recordDb = new TestDatabase(kind);
            laneDb.Exec(ddl);
            recordDb.Exec(ddl);

            var lane = Copy(csv, laneDb.Connection(), dir.File("lane-ledger.sqlite"), lane: true, () => ServerRows(laneDb));
            var records = Copy(csv, recordDb.Connection(), dir.File("records-ledger.sqlite"), lane: false, () => ServerRows(recordDb));

            Assert.Equal(3000 - 250, lane.LaneRows);
            Assert.Equal(0, records.LaneRows);
            Assert.Equal(check ? 150 : 0, lane.Summary.Rejected);
            Assert.Equal(records.Summary.Inserted, lane.Summary.Inserted);
            Assert.Equal(records.Summary.Rejected, lane.Summary.Rejected);
            // The server's messages name the database (each copy has its own).
            string Same(string? text, TestDatabase db) => (text ?? "").Replace(db.Name, "(db)", StringComparison.Ordinal);
            Assert.Equal(records.Errors.Select(e => (e.Code, e.Key, e.Line, Same(e.Message, recordDb))), lane.Errors.Select(e => (e.Code, e.Key, e.Line, Same(e.Message, laneDb))));
            Assert.Equal(3000 - lane.Summary.Rejected, lane.Table.Count);
            Assert.Equal(records.Table, lane.Table);
            Assert.Contains(lane.Table, row => row.Contains(":C|77|", StringComparison.Ordinal) && row.Contains(":-77|", StringComparison.Ordinal) && row.EndsWith(":张伟 77", StringComparison.Ordinal));
            Assert.Contains(lane.Table, row => row.Contains("Multi\r\nline, \"quoted\"", StringComparison.Ordinal));
            Assert.Equal(records.Entries.Select(e => Same(e, recordDb)), lane.Entries.Select(e => Same(e, laneDb)));
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void TheServerWritersLoadLaneRowsInBulk_TextThatNeedsEscapingIncluded(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            db.Exec("CREATE TABLE bulkrows (id varchar(20) PRIMARY KEY, name text, n bigint)");
            using var provider = db.Provider();
            using var writer = provider.OpenWriter("bulkrows", new CrmWriteOptions());
            var shape = new CrmFieldShape(new[] { "id", "name", "n" });
            // The first batch goes the record way (it loads the table); lane rows follow.
            var first = new CrmRecord("bulkrows", shape, new object?[] { "A0", "x", 1L }) { Key = new CrmKey("A0") { FieldNames = new[] { "id" } } };
            writer.WriteBatch(new[] { first }, new List<CrmRecordOutcome>());
            var rows = new RowBatch("bulkrows", shape, 8) { KeyColumns = new[] { 0 }, KeyNames = new[] { "id" } };
            for (int i = 1; i <= 5; i++)
            {
                int r = rows.AddRow(i, i);
                rows.Columns[0].SetText(r, Encoding.UTF8.GetBytes("A" + i.ToString(CultureInfo.InvariantCulture)));
                rows.Columns[1].SetText(r, Encoding.UTF8.GetBytes("tab\there \\ back\r\nline 中文 " + i.ToString(CultureInfo.InvariantCulture)));
                if (i == 3) rows.Columns[2].SetNull(r);
                else rows.Columns[2].SetText(r, Encoding.UTF8.GetBytes(i == 4 ? "-40" : i.ToString(CultureInfo.InvariantCulture)));
            }
            var lane = (Providers.Relational.ICrmRowWriter)writer;
            Assert.True(lane.CanWriteRows(rows));
            var outcomes = new Providers.Relational.RowOutcomes();
            lane.WriteRows(rows, new[] { 0, 1, 2, 3, 4 }, 5, outcomes);
            writer.Complete();
            Assert.Equal(5, outcomes.Count);
            for (int i = 0; i < 5; i++) Assert.Equal(CrmOutcome.Inserted, outcomes.CodeAt(i));
            Assert.Equal(1, ((Providers.Db.DbEntityWriter)writer).BulkBatches);
            Assert.Equal(6L, Convert.ToInt64(db.Scalar("SELECT count(*) FROM bulkrows"), CultureInfo.InvariantCulture));
            Assert.Equal("tab\there \\ back\r\nline 中文 2", db.Scalar("SELECT name FROM bulkrows WHERE id = 'A2'"));
            Assert.Equal(-40L, Convert.ToInt64(db.Scalar("SELECT n FROM bulkrows WHERE id = 'A4'"), CultureInfo.InvariantCulture));
            Assert.Equal(DBNull.Value, db.Scalar("SELECT n FROM bulkrows WHERE id = 'A3'") ?? DBNull.Value);
        }

        [Fact]
        public void ALaneBatchThatFindsTheTargetLockedIsWrittenAgainOnceTheLockIsGone_AndTheBooksEndExact()
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(CleanContacts(3000)));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            System.Threading.Thread? locker = null;
            using var locked = new System.Threading.ManualResetEventSlim();
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null)),
                ProgressInterval = 250,
                OnProgress = p =>
                {
                    if (p.Records < 1000 || locker is not null) return;
                    // Another program holds the target's write lock for 3 s, longer than the writer's busy timeout (2 s).
                    locker = new System.Threading.Thread(() =>
                    {
                        using var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + db + ";Default Timeout=30");
                        conn.Open();
                        using (var begin = conn.CreateCommand()) { begin.CommandText = "BEGIN EXCLUSIVE"; begin.ExecuteNonQuery(); }
                        locked.Set();
                        System.Threading.Thread.Sleep(3000);
                        using var commit = conn.CreateCommand();
                        commit.CommandText = "COMMIT";
                        commit.ExecuteNonQuery();
                    });
                    locker.Start();
                    locked.Wait();
                },
                Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Ledger = ledger },
            });
            var summary = Assert.Single(copier.Run());
            locker?.Join();
            Assert.NotNull(locker);
            Assert.True(copier.LaneRows > 0);
            Assert.Contains(copier.Warnings, w => w.Contains("transient", StringComparison.Ordinal) && w.Contains("SqliteBusy", StringComparison.Ordinal));
            Assert.Equal(3000, summary.Read);
            Assert.Equal(3000, summary.Inserted);
            Assert.Empty(ledger.Verify(copier.RunId!));
            Assert.Equal(3000, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
        }

        [Fact]
        public void ACopyStoppedOnTheLaneResumesOnTheLane_AndTheBooksEndExact()
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(CleanContacts(6000).Replace(",13,", ",12,", StringComparison.Ordinal)));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = InterruptedCopy.Run(ProviderFactory.FromPath(csv), db, "Person", ledger, stopAt: 4000, () => new CompiledMapping(MappingParser.ParseJson(Mapping, null)));
            Assert.True(r.LaneRowsBefore > 0, "the first attempt wrote on the lane");
            Assert.True(r.LaneRowsAfter > 0, "the resumed attempt wrote on the lane");
            Assert.InRange(r.LandedBefore, 2000, 4500);
            Assert.Contains(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            Assert.Equal(6000, r.Summary.Read);
            Assert.Equal(6000, r.Summary.Inserted);
            Assert.True(r.Verified);
            Assert.Equal(6000, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
            Assert.Equal(6000, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"Id\") FROM \"Person\""));
            Assert.Equal(6000, ledger.RunEntries(r.RunId).Count());
            Assert.Equal(6000, ledger.RunEntries(r.RunId).Select(e => e.Entry.SourceKey).Distinct(StringComparer.Ordinal).Count());
        }
    }
}
