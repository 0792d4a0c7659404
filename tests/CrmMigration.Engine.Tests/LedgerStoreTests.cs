using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using Npgsql;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// One ledger, two stores: the same logic against an SQLite file and a PostgreSQL schema (the real server): runs, batches,
    /// the crosswalk, counters and their verification, the fingerprint index, leases, merge decisions; and an SQLite ledger of
    /// the previous schema version opens and keeps what it holds.
    /// </summary>
    public class LedgerStoreTests
    {
        /// <summary>A ledger in a store of the given kind, with what it needs cleaned up afterwards.</summary>
        private sealed class Fixture : IDisposable
        {
            private readonly TempDir _dir = new();
            private readonly TestDatabase? _db;

            public Fixture(string kind)
            {
                if (kind == "sqlite")
                {
                    Location = LedgerLocation.File(_dir.File("ledger.sqlite"));
                }
                else
                {
                    _db = new TestDatabase(CrmProviderKind.PostgreSql);
                    Location = LedgerLocation.FromConnection(_db.Connection());
                }
            }

            public LedgerLocation Location { get; }

            public MigrationLedger Open() => MigrationLedger.Open(Location);

            public object? Scalar(string sql)
            {
                if (_db is null) return SqliteTestUtil.Scalar(Location.FilePath!, sql);
                using var c = new NpgsqlConnection(DbServers.PgAdmin(_db.Name) + ";Search Path=crm_ledger");
                c.Open();
                using var cmd = new NpgsqlCommand(sql, c);
                return cmd.ExecuteScalar();
            }

            public void Dispose()
            {
                _db?.Dispose();
                _dir.Dispose();
            }
        }

        private static LedgerRunInfo Info(string target) => new() { Target = target, ModuleVersion = "test", Parameters = "Mode=Insert" };

        private static LedgerEntry Landed(string key, string? target, long hash, CrmOutcome outcome = CrmOutcome.Inserted) =>
            new("accounts", key, target ?? key, new CrmRecordOutcome("Account", target ?? key, outcome), hash);

        [Fact]
        public void ScanningABatchHashesTheKeysDecodingItGives_WithoutStrings()
        {
            string longKey = new string('键', 400); // 1,200 UTF-8 bytes
            var entries = new[]
            {
                new LedgerEntry("accounts", "1", "A-1", new CrmRecordOutcome("Account", "A-1", CrmOutcome.Inserted), 11, sourceHash: 99),
                new LedgerEntry("accounts", "Zoë|2", "Zoë|2", new CrmRecordOutcome("Account", "Zoë|2", CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "same" }, 12),
                new LedgerEntry("contacts", "x.csv:7", null, new CrmRecordOutcome("Contact", null, CrmOutcome.Rejected) { ReasonCode = "CsvMalformedRow", Message = "bad", Field = "Line", Value = "7,\"" }, null),
                new LedgerEntry("contacts", longKey, longKey, new CrmRecordOutcome("Contact", longKey, CrmOutcome.Updated), -5),
                new LedgerEntry("contacts", "m1", "survivor", new CrmRecordOutcome("Contact", "m1", CrmOutcome.Merged) { MergedInto = "survivor" }, null),
                new LedgerEntry("contacts", "gone", "gone", new CrmRecordOutcome("Contact", "gone", CrmOutcome.Deleted), null),
            };
            byte[] blob = BatchCodec.Encode(entries);
            var scanned = new List<ScannedEntry> { new(CrmOutcome.Inserted, 1, 1, 1) }; // emptied first
            BatchCodec.Scan(blob, scanned);
            var decoded = BatchCodec.Decode(blob).ToList();
            Assert.Equal(decoded.Count, scanned.Count);
            for (int i = 0; i < decoded.Count; i++)
            {
                var d = decoded[i];
                Assert.Equal(new ScannedEntry(d.Outcome, ContentHash.OfKey(d.SourceKey), d.TargetKey is null ? null : ContentHash.OfKey(d.TargetKey), d.ContentHash), scanned[i]);
            }
            Assert.Null(scanned[2].TargetKeyHash);
            Assert.Equal(ContentHash.OfKey(longKey), scanned[3].TargetKeyHash);
        }

        [Fact]
        public void CountingABatchsOutcomesAgreesWithDecodingIt()
        {
            string longKey = new string('键', 400);
            var entries = new[]
            {
                new LedgerEntry("accounts", "1", "A-1", new CrmRecordOutcome("Account", "A-1", CrmOutcome.Inserted), 11, sourceHash: 99),
                new LedgerEntry("accounts", "Zoë|2", "Zoë|2", new CrmRecordOutcome("Account", "Zoë|2", CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "same" }, 12),
                new LedgerEntry("contacts", "x.csv:7", null, new CrmRecordOutcome("Contact", null, CrmOutcome.Rejected) { ReasonCode = "CsvMalformedRow", Message = "bad", Field = "Line", Value = "7,\"" }, null),
                new LedgerEntry("contacts", longKey, longKey, new CrmRecordOutcome("Contact", longKey, CrmOutcome.Updated), -5),
                new LedgerEntry("contacts", "m1", "survivor", new CrmRecordOutcome("Contact", "m1", CrmOutcome.Merged) { MergedInto = "survivor" }, null),
                new LedgerEntry("contacts", "f1", "f1", new CrmRecordOutcome("Contact", "f1", CrmOutcome.Filtered) { ReasonCode = "Gone" }, null),
                new LedgerEntry("contacts", "gone", "gone", new CrmRecordOutcome("Contact", "gone", CrmOutcome.Deleted), null),
                new LedgerEntry("contacts", "last", "last", new CrmRecordOutcome("Contact", "last", CrmOutcome.Inserted), 7),
            };
            byte[] blob = BatchCodec.Encode(entries);
            var want = new long[(int)CrmOutcome.Deleted + 1];
            foreach (var d in BatchCodec.Decode(blob)) want[(int)d.Outcome]++;
            var got = new long[want.Length];
            BatchCodec.CountOutcomes(blob, got);
            BatchCodec.CountOutcomes(blob, got); // adds: twice the batch
            Assert.Equal(want.Select(n => 2 * n).ToArray(), got);
            Assert.Equal(2L * entries.Length, got.Sum());
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void ABatchAndItsImagesAreStoredByteForByte_WithoutCopyingThem(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Sqlite:/people.db"), null, false);
            // A keyless file's batch: identities by content, and before-images that are whole rows.
            var entries = new List<LedgerEntry>();
            var images = new RowImageBatch("people", new[] { "ref", "first_name", "score" }, Array.Empty<int>());
            for (int i = 0; i < 6000; i++)
            {
                string key = "\u2205row:" + ((long)i * 7919).ToString("x16", CultureInfo.InvariantCulture) + "#1";
                entries.Add(new LedgerEntry("people", key, key, new CrmRecordOutcome("people", key, CrmOutcome.Inserted), i));
                images.Rows.Add(new RowImage(null, false, new object?[] { "C" + i.ToString(CultureInfo.InvariantCulture), "José", (long)i }));
            }
            byte[] batchBlob = BatchCodec.Encode(entries), imageBlob = RowImageCodec.Encode(images);
            ledger.RecordBatch(run, "people", 1, entries);
            ledger.RecordImages(run, "people", 1, images);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ledger.RecordBatch(run, "people", 2, entries);
            ledger.RecordImages(run, "people", 2, images);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            foreach (long batch in new[] { 1L, 2L })
            {
                Assert.Equal(batchBlob, (byte[])f.Scalar("SELECT data FROM batches WHERE batch = " + batch.ToString(CultureInfo.InvariantCulture))!);
                Assert.Equal(imageBlob, (byte[])f.Scalar("SELECT data FROM images WHERE batch = " + batch.ToString(CultureInfo.InvariantCulture))!);
            }
            Assert.Empty(ledger.Verify(run));
            Assert.Equal(12000L, ledger.Counters(run, "t").Single().Inserted);
            var undone = ledger.Images(run).ToList();
            Assert.Equal(2, undone.Count);
            Assert.Equal("C5999", undone[1].Images.Rows[5999].Values[0]);
            // SQLite writes each blob into its row from the encode buffer, PostgreSQL binds the buffer's span: no copy of either (a
            // large-object-heap array each before).
            Assert.True(allocated < (batchBlob.Length + imageBlob.Length) / 2,
                $"Recording a batch and its images allocated {allocated:N0} bytes for {batchBlob.Length + imageBlob.Length:N0} bytes of blobs.");
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void TheBooksOfARunAreCheckedFromLargeAndSmallBatchesAlike_WithoutAnArrayPerBatch(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Postgres:/people"), null, false);
            // Keyless identities (a content hash and which copy), in batches large and small by turns: a small blob is read into
            // the buffer a larger one grew, and must be counted by its own length.
            int[] sizes = { 4000, 3, 6000, 1, 2500, 5000, 7, 6000, 4000, 2, 5500, 3000, 4000, 3, 6000, 1, 2500, 5000, 7, 6000, 4000, 2, 5500, 3000 };
            long blobBytes = 0, skipped = 0, n = 0;
            for (int b = 0; b < sizes.Length; b++)
            {
                var entries = new List<LedgerEntry>(sizes[b]);
                for (int i = 0; i < sizes[b]; i++, n++)
                {
                    string key = "\u2205row:" + n.ToString("x16", CultureInfo.InvariantCulture) + "#1";
                    var outcome = n % 7 == 0 ? CrmOutcome.Skipped : CrmOutcome.Inserted;
                    if (outcome == CrmOutcome.Skipped) skipped++;
                    entries.Add(new LedgerEntry("people", key, key, new CrmRecordOutcome("people", key, outcome), n));
                }
                blobBytes += BatchCodec.Encode(entries).Length;
                ledger.RecordBatch(run, "people", b + 1, entries);
            }
            Assert.Empty(ledger.Verify(run));
            var counted = ledger.Counters(run, "t").Single();
            Assert.Equal(n, counted.Read);
            Assert.Equal(skipped, counted.Skipped);
            if (kind != "sqlite") return;
            // SQLite streams each blob into one buffer (the query names the rowid): the check allocates about the largest blob, not
            // every blob again (at 10M records that was 1,000 large-object-heap arrays in the last seconds of a run).
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Empty(ledger.Verify(run));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < blobBytes / 3, $"Checking the books allocated {allocated:N0} bytes for {blobBytes:N0} bytes of batches.");
            // And a book that does not balance is still found.
            SqliteTestUtil.Exec(f.Location.FilePath!, "UPDATE counters SET skipped = skipped + 1, inserted = inserted - 1");
            Assert.Equal(2, ledger.Verify(run).Count);
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void TheBooksOfARunAreCheckedFromItsBatches_InEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            var (other, _) = ledger.StartOrResume(Info("Sqlite:/other.db"), null, false);
            ledger.RecordBatch(run, "Account", 1, new[] { Landed("1", null, 11), Landed("2", "A-2", 12, CrmOutcome.Skipped), Landed("3", null, 13, CrmOutcome.Updated) });
            ledger.RecordBatch(run, "Contact", 1, new[] { Landed("c1", null, 1), new LedgerEntry("contacts", "x.csv:7", null, new CrmRecordOutcome("Contact", null, CrmOutcome.Rejected) { ReasonCode = "CsvMalformedRow" }, null) });
            ledger.RecordBatch(run, "Account", 2, new[] { Landed("4", null, 14) });
            ledger.RecordBatch(other, "Account", 1, new[] { Landed("9", null, 19) });
            Assert.Empty(ledger.Verify(run));
            Assert.Empty(ledger.Verify(other));
            if (kind != "sqlite") return;
            // Books that do not balance are told apart per outcome, as before.
            SqliteTestUtil.Exec(f.Location.FilePath!, "UPDATE counters SET inserted = inserted + 1, skipped = skipped - 1 WHERE entity = 'Account' AND run_no = (SELECT run_no FROM runs WHERE run_id = '" + run + "')");
            var problems = ledger.Verify(run);
            Assert.Equal(new[]
            {
                "Account: inserted counter 3 but 2 records recorded as inserted (difference 1).",
                "Account: skipped counter 0 but 1 records recorded as skipped (difference -1).",
            }, problems);
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void ASavedReadPositionIsTheLastOneSavedPerSourceEntity_InEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            Assert.Null(ledger.SourcePositionOf(run, "contacts"));
            ledger.SaveSourcePosition(run, "contacts", new Batches.SourcePosition(1024, 98_765, 1030, null, inclusive: false), new SourceFileStamp(5_000_000_000, 638_000_000_000_000_000));
            ledger.SaveSourcePosition(run, "contacts", new Batches.SourcePosition(2048, 197_531, 2060, null, inclusive: false), new SourceFileStamp(5_000_000_000, 638_000_000_000_000_000));
            ledger.SaveSourcePosition(run, "accounts", new Batches.SourcePosition(7, -1, 0, null, inclusive: true), new SourceFileStamp(10, 20));
            var (p, stamp) = ledger.SourcePositionOf(run, "contacts")!.Value;
            Assert.Equal((2048L, 197_531L, 2060L, false, 2049L), (p.Ordinal, p.Offset, p.Line, p.Inclusive, p.FirstOrdinal));
            Assert.Equal(new SourceFileStamp(5_000_000_000, 638_000_000_000_000_000), stamp);
            var (a, _) = ledger.SourcePositionOf(run, "accounts")!.Value;
            Assert.Equal((7L, -1L, true, 7L), (a.Ordinal, a.Offset, a.Inclusive, a.FirstOrdinal));
            Assert.Null(ledger.SourcePositionOf("no-such-run", "contacts"));
            Assert.Equal(2L, Convert.ToInt64(f.Scalar("SELECT count(*) FROM source_positions"), System.Globalization.CultureInfo.InvariantCulture));
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void AKeysetPositionKeepsItsKeyPartsInEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            var position = new Batches.SourcePosition(2000, -1, 0, new CrmKey("SO|0666", "2").ToString(), inclusive: false) { KeyParts = new[] { "SO|0666", "2" } };
            ledger.SaveSourcePosition(run, "order_lines", position, new SourceFileStamp(-1, 123456789));
            var (p, stamp) = ledger.SourcePositionOf(run, "order_lines")!.Value;
            Assert.Equal(new[] { "SO|0666", "2" }, p.KeyParts);
            Assert.Equal(position.Key, p.Key);
            Assert.Equal((2000L, 2001L, false), (p.Ordinal, p.FirstOrdinal, p.Inclusive));
            Assert.Equal(new SourceFileStamp(-1, 123456789), stamp);
            // A later position without a key (a file) drops the key it had.
            ledger.SaveSourcePosition(run, "order_lines", new Batches.SourcePosition(2100, 5000, 2101, null, false), new SourceFileStamp(10, 20));
            Assert.Null(ledger.SourcePositionOf(run, "order_lines")!.Value.Position.KeyParts);
        }
        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void AResumedRunsIndexesHoldWhatItRecordedAfterItsResumePoint_AndEverythingWhenAnotherRunWroteTheEntity(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var (run, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            ledger.RecordBatch(run, "Account", 1, new[] { Landed("1", null, 11), Landed("2", null, 12), Landed("3", null, 13) });
            ledger.RecordBatch(run, "Account", 2, new[] { Landed("4", null, 14), Landed("5", null, 15), Landed("6", null, 16) });
            ledger.RecordBatch(run, "Account", 3, new[]
            {
                Landed("7", "A-7", 17), Landed("6", null, 26, CrmOutcome.Updated),
                new LedgerEntry("accounts", "9", "9", new CrmRecordOutcome("Account", "9", CrmOutcome.Rejected) { ReasonCode = "RecordInvalidEmail" }, null),
            });
            static long H(string key) => ContentHash.OfKey(key);

            // After row 5 (the source entity matched without regard to case): only what the run recorded after its entry.
            using (var after = ledger.Indexes("Sqlite:/t.db", "Account", run, new ResumePoint("ACCOUNTS", "5")))
            {
                Assert.True(after.AfterPoint);
                Assert.Equal(2, after.Landed!.Count);
                Assert.True(after.Landed.TryGetValue(H("6"), out long six));
                Assert.Equal(26L, six);
                Assert.True(after.Landed.ContainsKey(H("A-7")));
                Assert.False(after.Landed.ContainsKey(H("5")));
                Assert.False(after.Landed.ContainsKey(H("1")));
                Assert.True(after.Rejected!.ContainsKey(H("9")));
                Assert.Equal(2, after.Content!.Count);
                Assert.False(after.Content.ContainsKey(H("4")));
            }
            // A point the run recorded no entry of (another source entity's row 5): every batch is read.
            using (var whole = ledger.Indexes("Sqlite:/t.db", "Account", run, new ResumePoint("contacts", "5")))
            {
                Assert.False(whole.AfterPoint);
                Assert.Equal(7, whole.Landed!.Count);
                Assert.Equal(7, whole.Content!.Count);
                Assert.True(whole.Content.TryGetValue(H("6"), out long six));
                Assert.Equal(26L, six);
            }
            Assert.Equal(7L, ledger.LandedAtLeast(run, "account"));
            ledger.FinishRun(run, success: true);

            // A second run of the same target: the first run's fingerprints count, so its indexes are read whole.
            var (second, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            ledger.RecordBatch(second, "Account", 1, new[] { Landed("1", null, 11, CrmOutcome.Skipped), Landed("8", null, 18) });
            ledger.RecordBatch(second, "Account", 2, new[] { Landed("2", null, 99, CrmOutcome.Updated) });
            using (var again = ledger.Indexes("Sqlite:/t.db", "Account", second, new ResumePoint("accounts", "8")))
            {
                Assert.False(again.AfterPoint);
                Assert.Equal(3, again.Landed!.Count);
                Assert.Equal(8, again.Content!.Count);
                Assert.True(again.Content.TryGetValue(H("2"), out long two));
                Assert.Equal(99L, two);
                Assert.True(again.Content.ContainsKey(H("5")));
            }
            // A new run (no run id) reads only the target's fingerprints.
            using var fresh = ledger.Indexes("Sqlite:/t.db", "Account");
            Assert.Null(fresh.Landed);
            Assert.Equal(8, fresh.Content!.Count);
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void TheSameBooksCrosswalkAndFingerprintsInEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            string run;
            using (var ledger = f.Open())
            {
                (run, bool resumed) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
                Assert.False(resumed);
                ledger.DescribeRun(run, "legacy.db", "abc");
                ledger.AppendRunParameters(run, "Encoding[a.csv]=utf-8");
                ledger.AppendRunParameters(run, "Encoding[a.csv]=utf-8");
                ledger.RecordBatch(run, "Account", 1, new[]
                {
                    Landed("1", "A-1", 11), Landed("2", "A-2", 12), Landed("2", "A-2b", 13), Landed("3", null, 14),
                    new LedgerEntry("accounts", "4", "4", new CrmRecordOutcome("Account", "4", CrmOutcome.Rejected) { ReasonCode = "RecordInvalidEmail", Field = "email", Value = "x@" }, null),
                });
                ledger.RecordBatch(run, "Account", 2, new[] { Landed("3", null, 15, CrmOutcome.Updated), new LedgerEntry("accounts", "1", "A-1", new CrmRecordOutcome("Account", "A-1", CrmOutcome.Deleted), null) }, part: 2);
                Assert.Empty(ledger.Verify(run));
                ledger.FinishRun(run, success: true);
            }
            using (var ledger = f.Open())
            {
                var r = ledger.Runs(run).Single();
                Assert.Equal(("Completed", "legacy.db", "abc", "Mode=Insert; Encoding[a.csv]=utf-8", true), (r.Status, r.Source, r.MappingHash, r.Parameters, r.Balanced));
                Assert.Equal("Import", r.Kind);
                var books = Assert.Single(r.Entities);
                Assert.Equal((7L, 4L, 1L, 1L, 1L), (books.Read, books.Inserted, books.Updated, books.Rejected, books.Deleted));
                Assert.True(books.Balanced);
                // The crosswalk keeps the last key of a repeated source key; a key that did not change is not in it.
                var translated = ledger.TranslateKeys("Account", new[] { "1", "2", "3" });
                Assert.Equal(new Dictionary<string, string> { ["1"] = "A-1", ["2"] = "A-2b" }, translated);
                // Later batches win; a deletion takes the key out of what the target holds.
                using var index = ledger.ContentIndex("Sqlite:/t.db", "Account");
                Assert.Equal(3, index.Count);
                Assert.True(index.TryGetValue(ContentHash.OfKey("3"), out long three));
                Assert.Equal(15L, three);
                Assert.False(index.ContainsKey(ContentHash.OfKey("A-1")));
                Assert.Equal(new[] { "A-2", "A-2b", "3" }, ledger.ContentKeys("Sqlite:/t.db", "Account"));
                var rejected = ledger.Records(run, "account", null, CrmOutcome.Rejected, null).Single();
                Assert.Equal(("4", "email", "x@", 1), (rejected.SourceKey, rejected.Field, rejected.Value, rejected.Batch));
                Assert.Equal(CrmOutcome.Deleted, ledger.NotLanded("Sqlite:/t.db", "account")["A-1"].Outcome);
                // Counters that disagree with the outcomes are found.
            }
            Assert.Equal(2L, Convert.ToInt64(f.Scalar("SELECT COUNT(*) FROM batches"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(2L, Convert.ToInt64(f.Scalar("SELECT part FROM batches WHERE batch = 2"), System.Globalization.CultureInfo.InvariantCulture));
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void BeforeImagesComeBackExactlyAndTellLaterRunsInTheWay(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            var images = new Providers.RowImageBatch("Account", new[] { "Id", "Name", "Amount", "When", "Blob" }, new[] { 0 });
            var when = new DateTime(2024, 3, 5, 10, 11, 12, DateTimeKind.Utc);
            images.Rows.Add(new Providers.RowImage("1", true, new object?[] { 1L, "Zoë \"quoted\"", 12.5m, when, new byte[] { 0, 255 } }));
            images.Rows.Add(new Providers.RowImage("2", false, new object?[] { 2L, null, null, null, null }));
            images.Rows.Add(new Providers.RowImage(null, false, new object?[] { null, "keyless", 1.25, null, null }));
            var (first, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            ledger.RecordImages(first, "Account", 1, images);
            var more = new Providers.RowImageBatch("Account", images.Columns, images.KeyColumns);
            more.Rows.Add(new Providers.RowImage("3", false, new object?[] { 3L, null, null, null, null }));
            ledger.RecordImages(first, "Account", 2, more);
            ledger.FinishRun(first, success: true);
            var (second, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            var later = new Providers.RowImageBatch("Account", images.Columns, images.KeyColumns);
            later.Rows.Add(new Providers.RowImage("3", true, new object?[] { 3L, "three", null, null, null }));
            ledger.RecordImages(second, "Account", 1, later);
            ledger.FinishRun(second, success: true);

            Assert.True(ledger.HasImages(first));
            var back = ledger.Images(first, newestFirst: true).ToList();
            Assert.Equal(2, back.Count);
            Assert.True(back[0].Seq > back[1].Seq);
            Assert.Equal(back.Select(b => b.Seq), ledger.ImageSeqsNewestFirst(first));
            Assert.Equal(3, ledger.ImageBatch(back[1].Seq).Rows.Count);
            var got = back[1].Images;
            Assert.Equal(("Account", 5, 0), (got.Entity, got.Columns.Count, got.KeyColumns.Single()));
            Assert.Equal(images.Columns, got.Columns);
            Assert.Equal(3, got.Rows.Count);
            Assert.Equal(images.Rows[0].Values, got.Rows[0].Values);
            Assert.True(got.Rows[0].Existed);
            // An inserted row keeps only its key; a keyless one every value it was written with.
            Assert.Equal(("2", false, 2L, (object?)null), (got.Rows[1].Key, got.Rows[1].Existed, got.Rows[1].Values[0], got.Rows[1].Values[1]));
            Assert.Equal(images.Rows[2].Values, got.Rows[2].Values);
            Assert.Null(got.Rows[2].Key);
            // The second run changed row 3, which the first inserted: it is in the way of undoing the first.
            Assert.Equal(new[] { second }, ledger.LaterRuns(first));
            Assert.True(ledger.ImageKeys(first)["account"].Overlaps(ledger.ImageKeys(second)["Account"]));
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void DeltaRunsFindTheirBaseWatermarkAndTheKeysTheTargetHolds(string kind)
        {
            using var f = new Fixture(kind);
            using var ledger = f.Open();
            Assert.Null(ledger.LastCompletedRun("Sqlite:/t.db"));
            var (bulk, _) = ledger.StartOrResume(Info("Sqlite:/t.db"), null, false);
            ledger.RecordBatch(bulk, "Contact", 1, new[] { Landed("1", "C-1", 1), Landed("2", "C-2", 2), Landed("3", "C-3", 3) });
            ledger.SaveWatermark(bulk, "contacts", "updated_at", "2021-01-01T00:00:00Z");
            ledger.SaveWatermark(bulk, "contacts", "updated_at", "2021-02-01T00:00:00Z");
            ledger.FinishRun(bulk, success: true);
            Assert.Equal(bulk, ledger.LastCompletedRun("Sqlite:/t.db"));
            Assert.Equal(("updated_at", "2021-02-01T00:00:00Z"), ledger.LatestWatermark("Sqlite:/t.db", "contacts"));
            Assert.Null(ledger.LatestWatermark("Sqlite:/other.db", "contacts"));
            var info = Info("Sqlite:/t.db");
            info.Kind = "Delta";
            info.PreviousRunId = bulk;
            var (delta, _) = ledger.StartOrResume(info, null, false);
            ledger.RecordBatch(delta, "Contact", 1, new[] { new LedgerEntry("accounts", "2", "C-2", new CrmRecordOutcome("Contact", "C-2", CrmOutcome.Deleted), null) });
            ledger.SaveWatermark(delta, "contacts", "updated_at", "2030-01-01T00:00:00Z");
            // A run that has not completed neither continues a chain nor gives a watermark.
            Assert.Equal(bulk, ledger.LastCompletedRun("Sqlite:/t.db"));
            Assert.Equal("2021-02-01T00:00:00Z", ledger.LatestWatermark("Sqlite:/t.db", "contacts")!.Value.Value);
            ledger.FinishRun(delta, success: true);
            Assert.Equal("2030-01-01T00:00:00Z", ledger.LatestWatermark("Sqlite:/t.db", "contacts")!.Value.Value);
            var run = ledger.Runs(delta).Single();
            Assert.Equal(("Delta", bulk), (run.Kind, run.PreviousRunId));
            // What the target holds of a source entity: deletions taken out.
            Assert.Equal(new Dictionary<string, string> { ["1"] = "C-1", ["3"] = "C-3" }, ledger.LandedSourceKeys("Sqlite:/t.db", "Contact", "accounts"));
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void APartitionedRunIsCompletedOnlyByItsLastPartition_InEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            LedgerRunInfo Part(int k) => new() { Target = "T", ModuleVersion = "test", Parameters = "", Part = k, Partitions = 3 };
            using var w1 = f.Open();
            using var w2 = f.Open();
            using var w3 = f.Open();
            Assert.Equal("PartitionNeedsRunId", Assert.Throws<CrmException>(() => w1.StartOrResume(Part(1), null, false)).Error.Code);
            Assert.Equal(("r", false), w1.StartOrResume(Part(1), "r", false));
            Assert.Equal(("r", false), w2.StartOrResume(Part(2), "r", false));
            // A live holder keeps its partition; another n for the same run is refused.
            Assert.Equal("PartitionLeaseHeld", Assert.Throws<CrmException>(() => w3.StartOrResume(Part(1), "r", false)).Error.Code);
            Assert.Equal("PartitionCountMismatch", Assert.Throws<CrmException>(() => w3.StartOrResume(new LedgerRunInfo { Target = "T", Part = 3, Partitions = 4 }, "r", false)).Error.Code);
            w1.RecordBatch("r", "Account", 1, new[] { Landed("a1", null, 1), Landed("a2", null, 2) }, part: 1);
            w2.RecordBatch("r", "Account", 1, new[] { Landed("a3", null, 3) }, part: 2);
            Assert.False(w2.FinishPartition("r", 2, success: true));
            Assert.False(w1.FinishPartition("r", 1, success: false));
            var run = w3.Runs("r").Single();
            Assert.Equal(("Running", 3, 1, "1/3"), (run.Status, run.Partitions, run.PartitionsDone, run.PartitionProgress));
            Assert.Equal("PartitionAlreadyDone", Assert.Throws<CrmException>(() => w3.StartOrResume(Part(2), "r", false)).Error.Code);
            Assert.Equal("PartitionNeeded", Assert.Throws<CrmException>(() => w3.StartOrResume(Info("T"), "r", false)).Error.Code);
            Assert.Equal("PartitionNeeded", Assert.Throws<CrmException>(() => w3.StartOrResume(Info("T"), null, true)).Error.Code);
            // The failed partition is started again (its earlier attempt counts as resumed), the third one finishes last.
            Assert.Equal(("r", true), w3.StartOrResume(Part(1), "r", false));
            Assert.False(w3.FinishPartition("r", 1, success: true));
            Assert.Equal(("r", false), w1.StartOrResume(Part(3), "r", false));
            w1.RecordBatch("r", "Account", 1, new[] { Landed("a4", null, 4, CrmOutcome.Skipped) }, part: 3);
            Assert.True(w1.FinishPartition("r", 3, success: true));
            Assert.Equal("Running", w2.Runs("r").Single().Status); // the last worker completes it once the books balance
            w1.CompletePartitionedRun("r", 3, success: true);
            run = w2.Runs("r").Single();
            Assert.Equal(("Completed", "3/3", true, 4L), (run.Status, run.PartitionProgress, run.Balanced, run.Read));
            var books = w2.PartitionCounters("r", 1, "T").Single();
            Assert.Equal(("1/3", 2L, 2L), ("1/3", books.Read, books.Inserted));
            Assert.Equal(1L, w2.PartitionCounters("r", 3, "T").Single().Skipped);
        }

        [Theory]
        [InlineData("sqlite")]
        [InlineData("postgresql")]
        public void LeasesAndDecisionsBehaveAlikeInEitherStore(string kind)
        {
            using var f = new Fixture(kind);
            using var first = f.Open();
            var (run, _) = first.StartOrResume(Info("T"), null, false);
            using var second = f.Open();
            Assert.Equal("RunLeaseHeld", Assert.Throws<CrmException>(() => second.StartOrResume(Info("T"), null, true)).Error.Code);
            first.FinishRun(run, success: false);
            var (again, resumed) = second.StartOrResume(Info("T"), null, true);
            Assert.Equal((run, true), (again, resumed));
            Assert.Equal(2, second.Runs(run).Single().Attempts);

            Assert.Equal(2, second.RecordDecisions(new[] { new Dedupe.MergeDecision("Contact", "b", "a", true, "same person"), new Dedupe.MergeDecision("Contact", "c", "d", false, null) }, "review.csv"));
            // The same pair under another spelling of the entity replaces the decision; an unchanged one is not rewritten.
            Assert.Equal(1, second.RecordDecisions(new[] { new Dedupe.MergeDecision("CONTACT", "a", "b", false, "not the same"), new Dedupe.MergeDecision("contact", "c", "d", false, null) }, "review2.csv"));
            var decisions = second.Decisions("contact");
            Assert.Equal(2, decisions.Count);
            Assert.Equal(("a", "b", false, "not the same"), (decisions[0].KeyA, decisions[0].KeyB, decisions[0].Same, decisions[0].Note));
        }

        [Fact]
        public void ALedgerOfTheEarlierSchemaOpensAndKeepsWhatItHolds()
        {
            using var dir = new TempDir();
            string path = dir.File("v4.sqlite");
            // Schema 4 as CrmMigration 0.1 wrote it (no kind, deleted or part columns; no images).
            SqliteTestUtil.Exec(path, @"
CREATE TABLE ledger_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE runs(run_no INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  user_name TEXT, host TEXT, source TEXT, target TEXT, mapping_hash TEXT, module_version TEXT, parameters TEXT, attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE batches(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_no INTEGER NOT NULL, entity TEXT NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL, recorded_at TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE counters(run_no INTEGER NOT NULL, entity TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0, filtered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run_no, entity));
INSERT INTO ledger_info VALUES ('schema_version', '4');
INSERT INTO runs(run_id, status, started_at, target) VALUES ('old', 'Completed', '2025-01-02T03:04:05.0000000Z', 'T');
INSERT INTO counters(run_no, entity, read, inserted) VALUES (1, 'Account', 1, 1);");
            var blob = BatchCodec.Encode(new[] { Landed("1", null, 7) });
            using (var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + path + ";Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "INSERT INTO batches(run_no, entity, batch, records, recorded_at, data) VALUES (1, 'Account', 1, 1, '2025-01-02T03:04:05.0000000Z', $d)";
                cmd.Parameters.AddWithValue("$d", blob);
                cmd.ExecuteNonQuery();
            }
            using (var ledger = new MigrationLedger(path))
            {
                var run = ledger.Runs("old").Single();
                Assert.True(run.Balanced);
                Assert.Equal(("Import", 0L), (run.Kind, run.Entities.Single().Deleted));
                using var index = ledger.ContentIndex("T", "Account");
                Assert.True(index.TryGetValue(ContentHash.OfKey("1"), out long one));
                Assert.Equal(7L, one);
            }
            Assert.Equal("5", SqliteTestUtil.Scalar(path, "SELECT value FROM ledger_info WHERE key = 'schema_version'"));
        }

        [Fact]
        public void APostgreSqlLedgerIsNamedWithoutItsPassword()
        {
            var parsed = LedgerLocation.Parse("postgresql://crm:s3cret@db.example:6543/ops?schema=ledgers", p => p);
            Assert.Equal("postgresql://db.example:6543/ops?schema=ledgers", parsed.Display);
            Assert.False(parsed.IsFile);
            var cs = LedgerLocation.Parse("Host=db.example;Database=ops;Username=crm;Password=s3cret", p => p);
            Assert.Equal("postgresql://db.example:5432/ops?schema=crm_ledger", cs.Display);
            var file = LedgerLocation.Parse("ledger.sqlite", p => "/x/" + p);
            Assert.Equal(("/x/ledger.sqlite", true), (file.Display, file.IsFile));
        }
    }
}
