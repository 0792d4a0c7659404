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
        public void RowFingerprintsOfTextAndNullCells_AreContentHashOfTheRecord()
        {
            // A file's rows: text (non-ASCII, empty, long, with the separators 0x1E/0x1F) and nulls; one cell that is not UTF-8.
            var shape = new CrmFieldShape(new[] { "Id", "名前", "Empty", "Note" });
            var batch = new RowBatch("Thing", shape, 4);
            var c = batch.Columns;
            void Row(Action<int> set) { int r = batch.AddRow(0, 0); set(r); }
            Row(r => { c[0].SetUtf8(r, "C0000001"u8); c[1].SetUtf8(r, "José García 张伟 😀"u8); c[2].SetUtf8(r, ReadOnlySpan<byte>.Empty); c[3].SetNull(r); });
            Row(r => { c[0].SetNull(r); c[1].SetNull(r); c[2].SetNull(r); c[3].SetNull(r); });
            Row(r => { c[0].SetUtf8(r, "x"u8); c[1].SetUtf8(r, System.Text.Encoding.UTF8.GetBytes(new string('é', 300))); c[2].SetUtf8(r, "\t|\r"u8); c[3].SetUtf8(r, "a\u001Eb\u001Fc"u8); });
            Row(r => { c[0].SetText(r, new byte[] { 0x61, 0xFF, 0x62 }); c[1].SetUtf8(r, "y"u8); c[2].SetNull(r); c[3].SetUtf8(r, "z"u8); });
            var scratch = new Utf8Buffer(8);
            var seen = new HashSet<long>();
            for (int r = 0; r < batch.Count; r++)
            {
                long fingerprint = batch.Fingerprint(r, ref scratch);
                Assert.Equal(ContentHash.Of(batch.ToRecord(r)), fingerprint);
                Assert.True(seen.Add(fingerprint));
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

        private sealed record CopyResult(CrmImportSummary Summary, long LaneRows, List<CrmDataError> Errors, List<string> Entries, List<string> Table, string RunId,
            List<string> Warnings, List<string> LedgerRows, long Overlapped = 0);

        private static CopyResult Copy(string csv, string db, string ledgerPath, bool lane, string mapping = Mapping, string? rejects = null) =>
            Copy(csv, ProviderFactory.FromPath(db), ledgerPath, lane, () => SqliteCells.Rows(db), mapping, rejects);

        private static CopyResult Copy(string csv, CrmConnection to, string ledgerPath, bool lane, Func<List<string>> table, string mapping = Mapping, string? rejects = null)
        {
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(to);
            using var ledger = new MigrationLedger(ledgerPath);
            using var rejectFiles = rejects is null ? null : new Rejects.RejectFileWriter(rejects, "run");
            var errors = new List<CrmDataError>();
            var options = new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(mapping, null)),
                OnError = errors.Add,
                Rejects = rejectFiles,
                Import = new ImportOptions { BatchSize = 250, Ledger = ledger },
            };
            // Someone asking for every outcome (-PassThru) keeps the copy on the record path.
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(source, target, options);
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var entries = ledger.RunEntries(copier.RunId!).Select(e => string.Join("\u0001", e.Entity, e.Entry.SourceEntity, e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)",
                e.Entry.Outcome, e.Entry.ReasonCode ?? "", e.Entry.Message ?? "", e.Entry.Field ?? "", e.Entry.Value ?? "", e.Entry.ContentHash?.ToString(CultureInfo.InvariantCulture) ?? "")).ToList();
            return new CopyResult(summary, copier.LaneRows, errors, entries, table(), copier.RunId!, copier.Warnings.ToList(), LedgerRows(ledgerPath), copier.OverlappedBatches);
        }

        /// <summary>
        /// What the ledger file holds for the run, read without our code: each batch's entity, number, record count and blob
        /// (every entry's keys, outcome, reason and fingerprint, in order), the counters, the checkpoints and the saved read positions.
        /// </summary>
        internal static List<string> LedgerRows(string ledgerPath)
        {
            var rows = new List<string>();
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + ledgerPath + ";Mode=ReadOnly;Pooling=False");
            conn.Open();
            foreach (string sql in new[]
            {
                "SELECT 'batch', entity, batch, records, hex(data) FROM batches ORDER BY seq",
                "SELECT 'counters', entity, read, inserted, updated, skipped, rejected, merged, filtered FROM counters ORDER BY entity",
                "SELECT 'checkpoint', entity, batch, records, last_source_key FROM checkpoints ORDER BY entity",
                "SELECT 'position', source_entity, ordinal, inclusive, byte_offset, line FROM source_positions ORDER BY source_entity, ordinal",
            })
            {
                using var cmd = conn.CreateCommand();
                cmd.CommandText = sql;
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var cells = new List<string>();
                    for (int i = 0; i < reader.FieldCount; i++) cells.Add(reader.IsDBNull(i) ? "(null)" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!);
                    rows.Add(string.Join("|", cells));
                }
            }
            return rows;
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

            // The lane took every batch, the first too (the table exists: it is opened for rows); the record path none.
            Assert.Equal(3000, lane.LaneRows);
            Assert.Equal(0, records.LaneRows);
            // Every lane batch was written while the next was read (OverlapSetup): 12 of 250 rows.
            Assert.Equal(12, lane.Overlapped);
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

        private const string MessyMapping = @"{ ""Entities"": { ""Person"": { ""Source"": ""contacts"", ""Key"": ""Id"",
  ""Where"": [ { ""Field"": ""status"", ""NotIn"": [ ""Deleted"" ], ""Reason"": ""DeletedInLegacy"" } ],
  ""Fields"": { ""Id"": ""contact_id"", ""First"": ""first_name"", ""Last"": ""last_name"", ""Email"": { ""Source"": ""email"", ""Transform"": ""Email"" },
    ""Score"": { ""Source"": ""score"", ""Type"": ""Integer"" }, ""Rank"": ""rank"", ""Note"": ""note"" } } } }";

        /// <summary>
        /// What the messy mapping does with data row <paramref name="i"/> of <see cref="MessyContacts"/>: 'R' rejects it (an e-mail
        /// that is not one), 'S' rejects it (a score that is not an integer), 'K' rejects it (no key), 'F' filters it (status
        /// Deleted), 'W' maps it with a warning (a typo domain), ' ' maps it. Bad rows open and close batches, come in runs, fill a
        /// whole batch of 250 (1501-1750) and end the file; at least one in every 50.
        /// </summary>
        private static char Messy(int i, int rows)
        {
            if (i == 1 || i == 251 || i is >= 1001 and <= 1003 || i % 97 == 0 || i % 50 == 25) return 'R';
            if (i is >= 1501 and <= 1750) return i % 2 == 0 ? 'F' : 'R';
            if (i == 500 || i == rows || i % 89 == 0) return 'F';
            if (i == 2222) return 'K';
            if (i % 173 == 0) return 'S';
            if (i % 61 == 0 || i == 752) return 'W';
            return ' ';
        }

        /// <summary><see cref="CleanContacts"/> with a status column and the bad rows <see cref="Messy"/> says.</summary>
        private static string MessyContacts(int rows)
        {
            var clean = CleanContacts(rows).Split("\r\n");
            var text = new StringBuilder(clean[0]).Append(",status\r\n");
            // The clean rows end with CRLF, and a note every 9th row holds one: rebuild each row from its number instead of splitting.
            for (int i = 1; i <= rows; i++)
            {
                string id = i == 77 ? "C|77" : "C" + i.ToString("D5", CultureInfo.InvariantCulture);
                char kind = Messy(i, rows);
                if (kind == 'K') id = "";
                string first = i % 5 == 0 ? "" : "Zoë" + i.ToString(CultureInfo.InvariantCulture);
                string rank = (i % 4) switch { 0 => "00" + i.ToString(CultureInfo.InvariantCulture), 1 => "-" + i.ToString(CultureInfo.InvariantCulture), 2 => " " + i.ToString(CultureInfo.InvariantCulture), _ => i.ToString(CultureInfo.InvariantCulture) };
                string note = i % 9 == 0 ? "\"Multi\r\nline, \"\"quoted\"\"\"" : "张伟 " + i.ToString(CultureInfo.InvariantCulture);
                string email = kind switch { 'R' => "not-an-address-" + i.ToString(CultureInfo.InvariantCulture), 'W' => "p" + i.ToString(CultureInfo.InvariantCulture) + "@gmial.com", _ => "p" + i.ToString(CultureInfo.InvariantCulture) + "@example.com" };
                string score = kind == 'S' ? "x" + i.ToString(CultureInfo.InvariantCulture) : (i % 20).ToString(CultureInfo.InvariantCulture);
                text.Append(id).Append(',').Append(first).Append(",García,").Append(email).Append(',').Append(score).Append(',').Append(rank).Append(',').Append(note)
                    .Append(',').Append(kind == 'F' ? "Deleted" : "Active").Append("\r\n");
                // A row the reader cannot read (too many fields): rejected by the reader, among lane rows and in the batch of decided rows.
                if (i == 1300 || i == 1600) text.Append("X").Append(i.ToString(CultureInfo.InvariantCulture)).Append(",too,many,fields,in,this,row,for,the,header,here\r\n");
            }
            return text.ToString();
        }

        /// <summary>The rows the mapping lets through: what the lane must take (the first batch too: the table exists, opened for rows).</summary>
        private static int LaneRowsOf(int rows)
        {
            int n = 0;
            for (int i = 1; i <= rows; i++) if (Messy(i, rows) is ' ' or 'W') n++;
            return n;
        }

        /// <summary>Every file under a folder: its relative name and its bytes as hex.</summary>
        /// <summary>Each reject file's name, header and rows, the rows sorted (the lane may write a batch's refusals a read batch later).</summary>
        private static List<string> RejectRows(string folder)
        {
            var all = new List<string>();
            foreach (var f in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                var lines = File.ReadAllText(f).Split('\n');
                all.Add(Path.GetRelativePath(folder, f) + ":" + lines[0]);
                all.AddRange(lines.Skip(1).OrderBy(l => l, StringComparer.Ordinal));
            }
            return all;
        }

        private static List<string> FilesUnder(string folder) =>
            Directory.GetFiles(folder, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => Path.GetRelativePath(folder, f) + ":" + Convert.ToHexString(File.ReadAllBytes(f))).ToList();

        [Theory]
        [InlineData(CrmProviderKind.Sqlite)]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void MessyRows_RejectedFilteredAndWarnedRowsAmongThem_KeepTheRestOfTheirBatchOnTheLane_AndEverythingIsWhatTheRecordPathMakes(CrmProviderKind kind)
        {
            const int Rows = 3100;
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(MessyContacts(Rows)));
            TestDatabase? laneDb = null, recordDb = null;
            CopyResult lane, records, laneAgain, recordsAgain;
            Func<string, string> same = text => text;
            try
            {
                CopyResult Run(bool onLane, string ledger, string rejects)
                {
                    if (kind == CrmProviderKind.Sqlite)
                    {
                        string db = dir.File(onLane ? "lane.db" : "records.db");
                        if (!File.Exists(db)) SqliteTestUtil.Exec(db, PersonTable);
                        return Copy(csv, db, ledger, onLane, MessyMapping, rejects);
                    }
                    var t = onLane ? laneDb! : recordDb!;
                    return Copy(csv, t.Connection(), ledger, onLane, () => ServerRows(t), MessyMapping, rejects);
                }
                if (kind != CrmProviderKind.Sqlite)
                {
                    laneDb = new TestDatabase(kind);
                    recordDb = new TestDatabase(kind);
                    string q(string name) => kind == CrmProviderKind.PostgreSql ? "\"" + name + "\"" : "`" + name + "`";
                    string ddl = "CREATE TABLE " + q("Person") + " (" + q("Id") + " varchar(20) PRIMARY KEY, " + q("First") + " text, " + q("Last") + " varchar(40) NOT NULL, " +
                        q("Email") + " varchar(100), " + q("Score") + " bigint CHECK (" + q("Score") + " <> 13), " + q("Rank") + " bigint, " + q("Note") + " text)";
                    laneDb.Exec(ddl);
                    recordDb.Exec(ddl);
                    // The server's messages name the database (each copy has its own): the same name on both sides, in text and in the ledger's blobs.
                    string l = laneDb.Name, r = recordDb.Name, lh = Convert.ToHexString(Encoding.UTF8.GetBytes(l)), rh = Convert.ToHexString(Encoding.UTF8.GetBytes(r));
                    same = text => text.Replace(l, "(db)", StringComparison.Ordinal).Replace(r, "(db)", StringComparison.Ordinal)
                        .Replace(lh, "(db)", StringComparison.Ordinal).Replace(rh, "(db)", StringComparison.Ordinal);
                }
                lane = Run(true, dir.File("lane-ledger.sqlite"), dir.File("lane-rejects"));
                records = Run(false, dir.File("records-ledger.sqlite"), dir.File("records-rejects"));
                laneAgain = Run(true, dir.File("lane-ledger.sqlite"), dir.File("lane-rejects-2"));
                recordsAgain = Run(false, dir.File("records-ledger.sqlite"), dir.File("records-rejects-2"));
            }
            finally
            {
                laneDb?.Dispose();
                recordDb?.Dispose();
            }

            // The lane took every row the mapping let through after the first batch (a batch that starts with a reject, holds a run
            // of them or ends with a filter included); the record path took none.
            Assert.Equal(LaneRowsOf(Rows), lane.LaneRows);
            Assert.Equal(0, records.LaneRows);
            int decided(char k) { int n = 0; for (int i = 1; i <= Rows; i++) if (Messy(i, Rows) == k) n++; return n; }
            int check = 0;
            for (int i = 1; i <= Rows; i++) if (Messy(i, Rows) is ' ' or 'W' && i % 20 == 13) check++;
            Assert.Equal(Rows + 2, lane.Summary.Read);
            Assert.Equal(decided('F'), lane.Summary.Filtered);
            Assert.Equal(decided('R') + decided('S') + decided('K') + check + 2, lane.Summary.Rejected);
            Assert.Equal(2, lane.Errors.Count(e => e.Code == "CsvRaggedRow"));
            foreach (var (a, b) in new[] { (records, lane), (recordsAgain, laneAgain) })
            {
                Assert.Equal((a.Summary.Read, a.Summary.Inserted, a.Summary.Updated, a.Summary.Skipped, a.Summary.Rejected, a.Summary.Filtered),
                    (b.Summary.Read, b.Summary.Inserted, b.Summary.Updated, b.Summary.Skipped, b.Summary.Rejected, b.Summary.Filtered));
                Assert.Equal(a.Summary.RejectReasons.OrderBy(k => k.Key), b.Summary.RejectReasons.OrderBy(k => k.Key));
                // The same errors; the target's refusals of a batch may come a read batch later on the lane (the batch is written
                // while the next is read: see ImportSession.Overlaps), so the two kinds interleave differently; each keeps its order.
                static bool Refused(CrmDataError e) => e.Code == "ConstraintViolation";
                Assert.Equal(a.Errors.Where(e => !Refused(e)).Select(e => (e.Code, e.Key, e.Line, same(e.Message), e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())),
                    b.Errors.Where(e => !Refused(e)).Select(e => (e.Code, e.Key, e.Line, same(e.Message), e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())));
                Assert.Equal(a.Errors.Where(Refused).Select(e => (e.Code, e.Key, e.Line, same(e.Message), e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())),
                    b.Errors.Where(Refused).Select(e => (e.Code, e.Key, e.Line, same(e.Message), e.Record?.Key?.ToString(), e.Record?.Origin?.ToString())));
                Assert.Contains(b.Errors, Refused);
                Assert.Equal(a.Warnings, b.Warnings);
                Assert.Equal(a.Table, b.Table);
                // The ledger: every entry in the same order, in batches of the same numbers and sizes, byte for byte; counters, checkpoints.
                Assert.Equal(a.Entries.Select(same), b.Entries.Select(same));
                Assert.Equal(a.LedgerRows.Select(same), b.LedgerRows.Select(same));
            }
            Assert.Equal(RejectRows(dir.File("records-rejects")).Select(same), RejectRows(dir.File("lane-rejects")).Select(same));
            Assert.Equal(RejectRows(dir.File("records-rejects-2")).Select(same), RejectRows(dir.File("lane-rejects-2")).Select(same));
            Assert.Contains(lane.Warnings, w => w.Contains("gmial.com", StringComparison.Ordinal));
            Assert.Contains(lane.Errors, e => e.Code == "RecordInvalidEmail" && e.Line > 0);
            Assert.Contains(FilesUnder(dir.File("lane-rejects")), f => f.StartsWith("run" + Path.DirectorySeparatorChar + "contacts.csv:", StringComparison.Ordinal));
            Assert.Equal(Rows + 2 - lane.Summary.Rejected - lane.Summary.Filtered, lane.Table.Count);
            // Again, unchanged: what landed is skipped, on the lane as well.
            Assert.Equal(lane.Summary.Inserted, laneAgain.Summary.Skipped);
            Assert.True(laneAgain.LaneRows > 0);
        }

        [Fact]
        public void ACopyStoppedRightAfterABatchWrittenOnAnotherThreadCommitted_RecordsThatBatch()
        {
            // Stopped (Ctrl+C) after 1,100 rows: the next read batch comes without the reader looking at the token (it looks every
            // 1,024 lines), so the stop is met when that batch is flushed, after the batch before it committed on the writer's
            // thread and before it was accounted for. The ledger must still hold everything the target does.
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(CleanContacts(3000)));
            string db = dir.File("new.db");
            SqliteTestUtil.Exec(db, PersonTable);
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            using var cts = new System.Threading.CancellationTokenSource();
            string runId;
            long overlapped;
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(Mapping, null)),
                ProgressInterval = 100,
                OnProgress = p => { if (p.Records >= 1100) cts.Cancel(); },
                Import = new ImportOptions { BatchSize = 100, Ledger = ledger, CancellationToken = cts.Token },
            }))
            {
                runId = copier.RunId!;
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
                overlapped = copier.OverlappedBatches;
            }
            Assert.True(overlapped > 0, "batches were written on the writer's thread");
            var entity = Assert.Single(Assert.Single(ledger.Runs(runId)).Entities);
            long landed = SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\"");
            Assert.Equal(entity.Inserted, landed);
            Assert.Equal(1100, entity.Read);
            Assert.Equal(1100, entity.Inserted + entity.Rejected);
            Assert.Empty(ledger.Verify(runId));
        }

        [Fact]
        public void ACopyStoppedAmongMessyRowsResumesOnTheLane_AndEndsAsAnUninterruptedCopy()
        {
            const int Rows = 6000;
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(csv, Encoding.UTF8.GetBytes(MessyContacts(Rows)));
            CompiledMapping Map() => new CompiledMapping(MappingParser.ParseJson(MessyMapping, null));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            // Every batch of 100 holds a rejected row (one in 50): the stop falls among rows of mixed batches.
            var r = InterruptedCopy.Run(ProviderFactory.FromPath(csv), db, "Person", ledger, stopAt: 4000, Map);
            Assert.True(r.LaneRowsBefore > 0, "the first attempt wrote on the lane");
            Assert.True(r.LaneRowsAfter > 0, "the resumed attempt wrote on the lane");
            Assert.InRange(r.LandedBefore, 1500, 4500);
            Assert.True(r.Verified);

            string whole = dir.File("whole.db");
            using var wholeLedger = new MigrationLedger(dir.File("whole-ledger.sqlite"));
            CrmImportSummary expected;
            string wholeRunId;
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(whole)))
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = Map(),
                Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = wholeLedger },
            }))
            {
                expected = Assert.Single(copier.Run());
                wholeRunId = copier.RunId!;
            }
            Assert.Equal(Rows + 2, r.Summary.Read);
            Assert.Equal((expected.Inserted, expected.Rejected, expected.Filtered), (r.Summary.Inserted, r.Summary.Rejected, r.Summary.Filtered));
            Assert.Equal(SqliteCells.Rows(whole), SqliteCells.Rows(db));
            // Every row accounted for once: the run's entries name each source row once, with the outcome and reason the whole copy gave it
            // (the summary's reasons are the resumed attempt's own).
            var entries = ledger.RunEntries(r.RunId).Select(e => (e.Entry.SourceKey, e.Entry.Outcome, e.Entry.ReasonCode)).ToList();
            Assert.Equal(Rows + 2, entries.Count);
            Assert.Equal(Rows + 2, entries.Select(e => e.SourceKey).Distinct(StringComparer.Ordinal).Count());
            var wholeEntries = wholeLedger.RunEntries(wholeRunId).Select(e => (e.Entry.SourceKey, e.Entry.Outcome, e.Entry.ReasonCode)).ToList();
            Assert.Equal(wholeEntries.OrderBy(e => e.SourceKey, StringComparer.Ordinal), entries.OrderBy(e => e.SourceKey, StringComparer.Ordinal));
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

            Assert.Equal(3000, lane.LaneRows);
            Assert.Equal(0, records.LaneRows);
            // Every lane batch was written while the next was read (OverlapSetup): 12 of 250 rows.
            Assert.Equal(12, lane.Overlapped);
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
            var lane = (Providers.ICrmRowWriter)writer;
            Assert.True(lane.CanWriteRows(rows));
            var outcomes = new Providers.RowOutcomes();
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
