using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Db;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// Database tables as batch sources: PostgreSQL (binary COPY, and the data reader) and MariaDB (the data reader, one
    /// converter per column) read into batches exactly the records they read as records, with the same keyset positions;
    /// Copy-CrmData from a table batch to batch writes the target, the ledger and the books the record path writes, through
    /// the session's lane; a copy stopped on the batch path resumes after the last key it recorded.
    /// </summary>
    public class DbBatchSourceTests
    {
        /// <summary>Every MariaDB column type the provider reads, with nulls, edges, empty and non-ASCII text, then plain rows.</summary>
        private const string MySqlDdl = @"
CREATE TABLE every (
  id bigint PRIMARY KEY, i2 smallint, i4 int, iu int unsigned, mi mediumint, bu bigint unsigned, ti tinyint, b tinyint(1), y year,
  n decimal(38,10), n2 decimal(12,2), f4 float, f8 double, bt bit(8),
  d date, ts datetime(6), tz timestamp(3) NULL, tm time, u char(36),
  t mediumtext, vc varchar(30), ch char(5), lt longtext, e enum('sad','ok','it''s great'), st set('a','b','c'), j json,
  bin varbinary(16), bl blob, lat varchar(20) CHARACTER SET latin1, u8 varchar(20) CHARACTER SET utf8mb3);
INSERT INTO every VALUES
 (1, 32767, 2147483647, 4294967295, -8388608, 18446744073709551615, -128, 1, 2155,
  1234567890123456789012345678.0123456789, 1.50, 3.14159, 2.718281828459045, b'10100101',
  '0001-01-01', '0001-01-01 00:00:00', '2024-02-29 01:00:00.123', '12:34:56', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  'quote '' back\\ slash, comma; 中文 € 😀', 'varchar', 'ab', 'long', 'it''s great', 'a,c', '{""a"": [1, 2]}', x'00ff10', x'deadbeef', 'café naïve', 'Zoë ß'),
 (2, -32768, -2147483648, 0, 8388607, 0, 127, 0, 1901,
  -0.0000000001, 0.00, -1.5e-30, -1e300, b'0',
  '9999-12-31', '9999-12-31 23:59:59.999999', '1999-12-31 23:59:59.000', '-838:59:59', '',
  '', '', '     ', '', 'sad', '', '[]', x'', x'', '', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (-9223372036854775808, 0, 0, 1, 0, 1, 0, 1, 2000, 100000000, 9999999999.99, 0, 0, b'1',
  '2024-03-05', '2024-03-05 10:11:12.345678', NULL, '00:00:00', 'x', 'a|b\\c', 'y', 'abcde', 'z', 'ok', 'b', 'null', x'5c27', NULL, 'x ', ' y'),
 (5, 1, 1, 2, 3, 4, 5, 0, 1999, 12345.6789, 10, -1, 1e-300, b'11111111',
  '1970-01-01', '1970-01-01 00:00:00.000001', '2030-06-30 12:00:00.999', '23:59:59', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  REPEAT('long ', 20000), 'v', 'c', REPEAT('ß', 5000), 'ok', 'a,b,c', '{}', x'00', x'00', 'ÿ', '中文');
SET SESSION max_recursive_iterations = 10000;
INSERT INTO every (id, t, n, f8, d)
  WITH RECURSIVE g(x) AS (SELECT 100 UNION ALL SELECT x + 1 FROM g WHERE x < 3200)
  SELECT x, CONCAT('row ', x), x / 7, x * 0.5, DATE_ADD('2020-01-01', INTERVAL x DAY) FROM g;";

        /// <summary>Rows of the every-type table on either server: five of edges and nulls, 3,101 plain ones.</summary>
        private const int Total = 3106;

        private static TestDatabase EveryType(CrmProviderKind kind)
        {
            var db = new TestDatabase(kind);
            db.Exec(kind == CrmProviderKind.PostgreSql ? PgCopyReadTests.Ddl : MySqlDdl);
            return db;
        }

        private static List<CrmRecord> Records(IEnumerable<RowBatch> batches)
        {
            var records = new List<CrmRecord>();
            foreach (var batch in batches) for (int r = 0; r < batch.Count; r++) records.Add(batch.ToRecord(r));
            return records;
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql, true)]
        [InlineData(CrmProviderKind.PostgreSql, false)]
        [InlineData(CrmProviderKind.MySql, false)]
        public void ATableReadInBatchesGivesTheRecordsItReadsAsRecords_WithTheSameKeysetPositions(CrmProviderKind kind, bool copy)
        {
            using var db = EveryType(kind);
            using var p = (DbProvider)db.Provider();
            p.UseCopyRead = copy;
            var source = (ICrmBatchSource)p;
            var resumable = (ICrmResumableSource)p;
            Assert.True(source.ReadsInBatches("every", new CrmReadOptions()));
            Assert.False(source.ReadsInBatches("every", new CrmReadOptions { Filters = new[] { new CrmFieldFilter("t", "x") } }));
            var records = p.Read("every", new CrmReadOptions(), _ => { }, CancellationToken.None).ToList();
            Assert.Equal(Total, records.Count);
            var batches = new List<(long Ordinal, SourcePosition Position, SourceFileStamp Stamp, long Fingerprint)>();
            var scratch = new Utf8Buffer(64);
            var fromBatches = new List<CrmRecord>();
            foreach (var batch in source.ReadBatches("every", new CrmReadOptions(), new BatchReadOptions { BatchSize = 700 }, _ => { }, CancellationToken.None))
            {
                Assert.InRange(batch.Count, 1, 700);
                for (int r = 0; r < batch.Count; r++)
                {
                    var record = batch.ToRecord(r);
                    fromBatches.Add(record);
                    Assert.Equal(ContentHash.Of(record), batch.Fingerprint(r, ref scratch));
                }
                int last = batch.Count - 1;
                batches.Add((batch.PositionAt(last), KeysetPosition.After(batch, last), KeysetPosition.StampOf(batch, last), 0));
            }
            PgCopyReadTests.AssertSame(records, fromBatches);
            Assert.Equal(new long[] { 700, 1400, 2100, 2800, Total }, batches.Select(b => b.Ordinal));

            // The position after each batch's last row is the one a record-by-record read saves after that record.
            foreach (var (ordinal, position, stamp, _) in batches)
            {
                var record = records[(int)ordinal - 1];
                var expected = resumable.PositionOf(record, ordinal);
                Assert.Equal((expected.Ordinal, expected.Offset, expected.Line, expected.Key, expected.Inclusive), (position.Ordinal, position.Offset, position.Line, position.Key, position.Inclusive));
                Assert.Equal(expected.KeyParts, position.KeyParts);
                Assert.Equal(resumable.StampOf("every", record), stamp);
                // A read resumed there gives what the record read resumed there gives.
                var after = Records(source.ReadBatches("every", new CrmReadOptions(), new BatchReadOptions { BatchSize = 300, ResumeAt = position }, _ => { }, CancellationToken.None));
                var recordsAfter = resumable.ReadFrom("every", new CrmReadOptions(), expected, _ => { }, CancellationToken.None).ToList();
                Assert.Equal(records.Count - ordinal, after.Count);
                PgCopyReadTests.AssertSame(recordsAfter, after);
            }
        }

        private sealed record CopyResult(CrmImportSummary Summary, long LaneRows, List<string> Errors, List<string> Entries, string RunId);

        /// <summary>A mapping with a transform, a field mapped twice and a Where that filters 110 rows (those rows' batches take records).</summary>
        private const string Mapping = @"{ ""Entities"": { ""Thing"": { ""Source"": ""every"", ""Key"": ""Id"",
  ""Where"": [ { ""Field"": ""t"", ""NotLike"": ""row 31*"" } ],
  ""Fields"": { ""Id"": ""id"", ""Text"": { ""Source"": ""t"", ""Transform"": ""Upper"" }, ""Plain"": ""t"", ""Amount"": ""n"", ""Day"": ""d"", ""Ratio"": ""f8"" } } } }";

        private static CopyResult Copy(CrmConnection from, CrmConnection to, string ledgerPath, bool batches, bool mapped)
        {
            using var source = ProviderFactory.Open(from);
            using var target = ProviderFactory.Open(to);
            using var ledger = new MigrationLedger(ledgerPath);
            var errors = new List<string>();
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = mapped ? new CompiledMapping(MappingParser.ParseJson(Mapping, null)) : null,
                OnError = e => errors.Add(string.Join("|", e.Code, e.Key, e.Line, e.Field, e.Message)),
                Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Ledger = ledger },
            })
            { DatabaseBatches = batches };
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var entries = ledger.RunEntries(copier.RunId!).Select(e => string.Join("\u0001", e.Entity, e.Entry.SourceEntity, e.Entry.SourceKey, e.Entry.TargetKey ?? "(null)",
                e.Entry.Outcome, e.Entry.ReasonCode ?? "", e.Entry.Message ?? "", e.Entry.Field ?? "", e.Entry.Value ?? "", e.Entry.ContentHash?.ToString(CultureInfo.InvariantCulture) ?? "")).ToList();
            return new CopyResult(summary, copier.LaneRows, errors, entries, copier.RunId!);
        }

        /// <summary>A table's rows in key order, each cell with its type, read without our code.</summary>
        private static List<string> Rows(CrmProviderKind kind, string where, string table)
        {
            using System.Data.Common.DbConnection conn = kind switch
            {
                CrmProviderKind.PostgreSql => new Npgsql.NpgsqlConnection(DbServers.PgAdmin(where)),
                CrmProviderKind.MySql => new MySqlConnector.MySqlConnection(DbServers.MyAdmin(where)),
                _ => new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + where),
            };
            conn.Open();
            using var cmd = conn.CreateCommand();
            string q = kind == CrmProviderKind.MySql ? "`" : "\"";
            cmd.CommandText = "SELECT * FROM " + q + table + q + " ORDER BY 1";
            using var reader = cmd.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                var cells = new List<string>();
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    object v = reader.GetValue(i);
                    string text = v is DBNull ? "(null)" : v is byte[] b ? Convert.ToHexString(b) : v is Array a ? string.Join(",", a.Cast<object?>()) : Convert.ToString(v, CultureInfo.InvariantCulture)!;
                    cells.Add(reader.GetDataTypeName(i) + ":" + text);
                }
                rows.Add(string.Join("|", cells));
            }
            return rows;
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql, CrmProviderKind.Sqlite, false)]
        [InlineData(CrmProviderKind.PostgreSql, CrmProviderKind.Sqlite, true)]
        [InlineData(CrmProviderKind.MySql, CrmProviderKind.Sqlite, false)]
        [InlineData(CrmProviderKind.MySql, CrmProviderKind.Sqlite, true)]
        [InlineData(CrmProviderKind.MySql, CrmProviderKind.PostgreSql, false)]
        [InlineData(CrmProviderKind.MySql, CrmProviderKind.PostgreSql, true)]
        [InlineData(CrmProviderKind.PostgreSql, CrmProviderKind.MySql, true)]
        public void ACopyFromATableInBatchesWritesTheTargetTheLedgerAndTheBooksThatRecordsWrite_ThroughTheLane(CrmProviderKind from, CrmProviderKind to, bool mapped)
        {
            using var dir = new TempDir();
            using var db = EveryType(from);
            using var laneDb = to == CrmProviderKind.Sqlite ? null : new TestDatabase(to);
            using var recordDb = to == CrmProviderKind.Sqlite ? null : new TestDatabase(to);
            CrmConnection Target(TestDatabase? server, string file) => server?.Connection() ?? ProviderFactory.FromPath(dir.File(file));
            string Where(TestDatabase? server, string file) => server?.Name ?? dir.File(file);

            var batches = Copy(db.Connection(), Target(laneDb, "lane.db"), dir.File("lane-ledger.sqlite"), batches: true, mapped);
            var records = Copy(db.Connection(), Target(recordDb, "records.db"), dir.File("records-ledger.sqlite"), batches: false, mapped);

            // Every session batch went the lane's way, the first too (the table made before the copy), but for the read batches
            // holding a filtered row (mapped); none on the record path.
            if (mapped) Assert.InRange(batches.LaneRows, Total - 6 * 250, Total - 100);
            else Assert.Equal(Total, batches.LaneRows);
            Assert.Equal(0, records.LaneRows);
            Assert.Equal(Total, batches.Summary.Read);
            Assert.Equal(mapped ? 110 : 0, batches.Summary.Filtered);
            Assert.Equal((records.Summary.Read, records.Summary.Inserted, records.Summary.Rejected, records.Summary.Skipped, records.Summary.Filtered),
                (batches.Summary.Read, batches.Summary.Inserted, batches.Summary.Rejected, batches.Summary.Skipped, batches.Summary.Filtered));
            Assert.Equal(records.Summary.RejectReasons.OrderBy(k => k.Key), batches.Summary.RejectReasons.OrderBy(k => k.Key));
            string Same(string text) => laneDb is null ? text : text.Replace(laneDb.Name, "(db)", StringComparison.Ordinal).Replace(recordDb!.Name, "(db)", StringComparison.Ordinal);
            Assert.Equal(records.Errors.Select(Same), batches.Errors.Select(Same));
            string table = mapped ? "Thing" : "every";
            var laneRows = Rows(to, Where(laneDb, "lane.db"), table);
            Assert.Equal(Total - batches.Summary.Rejected - batches.Summary.Filtered, laneRows.Count);
            Assert.Equal(Rows(to, Where(recordDb, "records.db"), table), laneRows);
            Assert.Equal(records.Entries.Count, batches.Entries.Count);
            for (int i = 0; i < batches.Entries.Count; i++) Assert.Equal(Same(records.Entries[i]), Same(batches.Entries[i]));
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void ATableCopiedToACsvFileInBatchesWritesTheFileRecordsWrite(CrmProviderKind kind)
        {
            // A file target takes records (no lane): the rows are read in batches and made records where they enter the session.
            using var dir = new TempDir();
            using var db = EveryType(kind);
            foreach (bool batches in new[] { true, false })
            {
                string folder = dir.File(batches ? "batches" : "records");
                Directory.CreateDirectory(folder);
                using var source = ProviderFactory.Open(db.Connection());
                using var target = ProviderFactory.Open(ProviderFactory.FromPath(folder));
                using var copier = new MigrationCopier(source, target, new CopyOptions { Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true } }) { DatabaseBatches = batches };
                Assert.Equal(Total, Assert.Single(copier.Run()).Inserted);
            }
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("records"), "every.csv")), File.ReadAllBytes(Path.Combine(dir.File("batches"), "every.csv")));
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql, false, 1)]
        [InlineData(CrmProviderKind.MySql, false, 1)]
        [InlineData(CrmProviderKind.PostgreSql, true, 1)]
        [InlineData(CrmProviderKind.MySql, true, 2)]
        public void ACopyStoppedOnTheBatchPathResumesAfterTheLastKeyItRecorded_OnTheLane(CrmProviderKind kind, bool mapped, int throttle)
        {
            using var dir = new TempDir();
            using var server = new TestDatabase(kind);
            var source = ResumePositionTests.OrderLines(kind, dir, server);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            Func<CompiledMapping?>? mapping = mapped ? () => new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": { ""Line"": { ""Source"": ""order_lines"", ""Key"": [""Order"", ""No""],
  ""Fields"": { ""Order"": ""order_no"", ""No"": ""line_no"", ""Product"": { ""Source"": ""product"", ""Transform"": ""Upper"" }, ""Qty"": ""qty"" } } } }", null)) : null;
            var r = InterruptedCopy.Run(source, db, mapped ? "Line" : "order_lines", ledger, stopAt: 2000, mapping, throttle: throttle);

            Assert.True(r.LaneRowsBefore > 0, "the stopped copy took the lane");
            Assert.True(r.LaneRowsAfter > 0, "the resumed copy took the lane");
            Assert.InRange(r.LandedBefore, 1900, 2100);
            string note = Assert.Single(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            Assert.Contains("(key SO-", note, StringComparison.Ordinal);
            // The resumed query starts after the saved key: it reads only the rows the first attempt had not recorded.
            Assert.Equal(ResumePositionTests.Rows - r.LandedBefore, r.ReadAfter);
            Assert.Empty(r.Warnings);
            Assert.Equal(ResumePositionTests.Rows, r.Summary.Read);
            Assert.Equal(ResumePositionTests.Rows, r.Summary.Inserted);
            Assert.True(r.Verified);
            string table = mapped ? "Line" : "order_lines";
            string distinct = mapped ? "\"Order\" || '/' || \"No\"" : "\"order_no\" || '/' || \"line_no\"";
            Assert.Equal(ResumePositionTests.Rows, SqliteTestUtil.Count(db, "SELECT count(DISTINCT " + distinct + ") FROM \"" + table + "\""));
            Assert.Equal(mapped ? "WIDGET 2999" : "Widget 2999", SqliteTestUtil.Scalar(db, "SELECT " + (mapped ? "\"Product\"" : "\"product\"") + " FROM \"" + table + "\" WHERE " +
                (mapped ? "\"Order\" = 'SO-0999' AND \"No\" = 3" : "\"order_no\" = 'SO-0999' AND \"line_no\" = 3")));
        }

        [Theory]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void APartitionedCopyOfATableTakesItsSliceInBatches_ResumesAfterItsKey_AndThePartitionsTogetherHoldEveryRowOnce(CrmProviderKind kind)
        {
            using var dir = new TempDir();
            using var server = new TestDatabase(kind);
            var connection = ResumePositionTests.OrderLines(kind, dir, server);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            CopyOptions Options(int part, CancellationToken ct, Action<CopyProgress>? progress = null, bool resume = false) => new()
            {
                Partition = new PartitionSlice(part, 2),
                ProgressInterval = 100,
                OnProgress = progress,
                Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, RunId = "p-1", Partition = part, Partitions = 2, Resume = resume, CancellationToken = ct },
            };

            // Partition 1 stops (Ctrl+C) part way through its slice, partition 2 runs through, partition 1 resumes.
            long laneBefore;
            using (var cts = new CancellationTokenSource())
            using (var source = ProviderFactory.Open(connection))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(1, cts.Token, p => { if (p.Records >= 900) cts.Cancel(); })))
            {
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
                laneBefore = copier.LaneRows;
            }
            long read2;
            using (var source = ProviderFactory.Open(connection))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(2, CancellationToken.None)))
            {
                copier.Run();
                read2 = copier.RecordsRead;
                Assert.True(copier.LaneRows > 0, "partition 2 took the lane");
            }
            Assert.True(laneBefore > 0, "the stopped partition took the lane");
            using (var source = ProviderFactory.Open(connection))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(1, CancellationToken.None, resume: true)))
            {
                var summary = Assert.Single(copier.Run());
                string note = Assert.Single(copier.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
                Assert.Contains("(key SO-", note, StringComparison.Ordinal);
                Assert.Empty(copier.Warnings);
                // Kept at least every 8 session batches of its own rows (1,600 read rows here): it read on from a saved key, not from the start.
                Assert.InRange(copier.RecordsRead, 1, ResumePositionTests.Rows - read2 - 100);
                // The partition's books over both its attempts: every row of its slice once.
                Assert.Equal(ResumePositionTests.Rows - read2, summary.Read);
                Assert.Equal(summary.Read, summary.Inserted);
                Assert.Empty(ledger.Verify(copier.RunId!));
            }

            // Each row landed in the partition its key falls in, as the record path decides it.
            using var check = ProviderFactory.Open(connection);
            long inSlice2 = check.Read("order_lines", new CrmReadOptions(), _ => { }, CancellationToken.None).LongCount(r => new PartitionSlice(2, 2).Holds(r));
            Assert.Equal(inSlice2, read2);
            Assert.Equal(ResumePositionTests.Rows, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
            Assert.Equal(ResumePositionTests.Rows, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"order_no\" || '/' || \"line_no\") FROM \"order_lines\""));
        }

        [Fact]
        public void ATableWithAFilterOrWithoutAKeyWhosePositionIsKeptIsCopiedAsRecords()
        {
            // -Filter is matched against records, and a keyless table mapped to a key keeps its position by row ordinal: both
            // take the record path as before (no lane rows), and copy what they did.
            using var dir = new TempDir();
            using var server = new TestDatabase(CrmProviderKind.PostgreSql);
            server.Exec("CREATE TABLE lines (line_id text, product text); INSERT INTO lines SELECT 'L' || lpad(g::text, 5, '0'), 'Widget ' || g FROM generate_series(1, 1200) g;" +
                        "CREATE TABLE keyed (id int PRIMARY KEY, product text); INSERT INTO keyed SELECT g, 'Widget ' || (g % 3) FROM generate_series(1, 1200) g;");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            long Lane(CopyOptions options, string db)
            {
                using var s = ProviderFactory.Open(server.Connection());
                using var t = ProviderFactory.Open(ProviderFactory.FromPath(dir.File(db)));
                options.Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger };
                using var copier = new MigrationCopier(s, t, options);
                copier.Run();
                return copier.LaneRows;
            }
            var keyless = new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": { ""Line"": { ""Source"": ""lines"", ""Key"": ""Id"", ""Fields"": { ""Id"": ""line_id"", ""Product"": ""product"" } } } }", null));
            Assert.Equal(0, Lane(new CopyOptions { Mapping = keyless }, "keyless.db"));
            Assert.Equal(1200, SqliteTestUtil.Count(dir.File("keyless.db"), "SELECT count(DISTINCT \"Id\") FROM \"Line\""));
            Assert.Equal(0, Lane(new CopyOptions { Entities = new[] { "keyed" }, Filters = new[] { new CrmFieldFilter("product", "Widget 1") } }, "filtered.db"));
            Assert.Equal(400, SqliteTestUtil.Count(dir.File("filtered.db"), "SELECT count(*) FROM \"keyed\""));
            // The same table unfiltered goes the lane's way, its first batch too.
            Assert.Equal(1200, Lane(new CopyOptions { Entities = new[] { "keyed" } }, "keyed.db"));
        }
    }
}
