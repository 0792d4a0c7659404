using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Db;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The bulk insert paths (PostgreSQL binary COPY into the table, MySQL/MariaDB LOAD DATA LOCAL INFILE
    /// from memory) against the real servers: values survive exactly, and a batch the bulk path cannot
    /// take whole still gives every record its own outcome through the INSERT path.
    /// </summary>
    public class DbBulkPathTests
    {
        public static IEnumerable<object[]> Kinds => new[] { new object[] { CrmProviderKind.PostgreSql }, new object[] { CrmProviderKind.MySql } };

        private static readonly CrmFieldShape Shape = new CrmFieldShape(new[] { "id", "s", "i", "m", "d", "b", "dt", "ts", "tso", "g" });

        private static CrmEntitySchema Schema() => new CrmEntitySchema("bulk", new[]
        {
            new CrmFieldSchema("id", CrmFieldType.Integer) { IsKey = true, Nullable = false }, new CrmFieldSchema("s", CrmFieldType.String),
            new CrmFieldSchema("i", CrmFieldType.Integer), new CrmFieldSchema("m", CrmFieldType.Decimal), new CrmFieldSchema("d", CrmFieldType.Double),
            new CrmFieldSchema("b", CrmFieldType.Boolean), new CrmFieldSchema("dt", CrmFieldType.Date), new CrmFieldSchema("ts", CrmFieldType.DateTime),
            new CrmFieldSchema("tso", CrmFieldType.DateTimeOffset), new CrmFieldSchema("g", CrmFieldType.Guid),
        }) { Key = new[] { "id" } };

        // Text that a tab-separated or escaped stream could get wrong.
        private static readonly string[] Texts = { "plain", "", "tab\there", "line\nbreak", "cr\rlf\r\n", "back\\slash", "\\N", "\\", "quote ' \" `", "中文 héllo 😀", "trailing\\" };

        private static CrmRecord Rec(long id, string? s = null, bool nulls = false)
        {
            var values = nulls
                ? new object?[] { id, null, null, null, null, null, null, null, null, null }
                : new object?[]
                {
                    id, s ?? Texts[(int)(id % Texts.Length)], id * 1000003L - 7, 12345.6789m + id, id / 3.0, id % 2 == 0,
                    new DateTime(2024, 3, 5).AddDays(id), new DateTime(2024, 3, 5, 10, 11, 12, DateTimeKind.Unspecified).AddTicks(id * 10 % 10_000_000),
                    new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8)).AddSeconds(id), Guid.Parse("0f8fad5b-d9cb-469f-a165-" + id.ToString("x12", CultureInfo.InvariantCulture)),
                };
            return new CrmRecord("bulk", Shape, values) { Key = new CrmKey(id.ToString(CultureInfo.InvariantCulture)) { FieldNames = new[] { "id" } } };
        }

        private static (List<CrmRecordOutcome> Outcomes, int Bulk) Write(ICrmProvider p, CrmWriteOptions options, IReadOnlyList<CrmRecord> records)
        {
            var outcomes = new List<CrmRecordOutcome>();
            using var w = p.OpenWriter("bulk", options);
            w.WriteBatch(records, outcomes);
            w.Complete();
            return (outcomes, ((DbEntityWriter)w).BulkBatches);
        }

        private static List<CrmRecord> ReadAll(ICrmProvider p)
        {
            var errors = new List<CrmDataError>();
            var list = p.Read("bulk", new CrmReadOptions(), errors.Add, CancellationToken.None).ToList();
            Assert.Empty(errors);
            return list;
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void BulkInsertKeepsEveryValue(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var records = Enumerable.Range(1, 60).Select(i => Rec(i, nulls: i % 10 == 0)).ToList();
            var (outcomes, bulk) = Write(p, new CrmWriteOptions { Schema = Schema() }, records);
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            Assert.Equal(1, bulk);
            var read = ReadAll(p);
            Assert.Equal(60, read.Count);
            foreach (var got in read)
            {
                var expected = records[(int)(long)got["id"]! - 1];
                foreach (var name in Shape.Names)
                {
                    object? e = expected[name], a = got[name];
                    if (e is null) { Assert.True(a is null, $"{got.Key} {name}: {a}"); continue; }
                    Assert.True(a is not null, $"{got.Key} {name} is null");
                    if (e is DateTimeOffset eo) Assert.Equal(eo.UtcDateTime, ((DateTimeOffset)a!).UtcDateTime);
                    else if (e is double ed) Assert.Equal(ed, (double)a!, 12);
                    else Assert.True(Equals(e, a), $"{got.Key} {name}: '{a}', expected '{e}'");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void DuplicatesInABulkBatchStillGetTheirOwnOutcomes(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var first = Write(p, new CrmWriteOptions { Schema = Schema() }, Enumerable.Range(1, 10).Select(i => Rec(i)).ToList());
            Assert.Equal(1, first.Bulk);
            // 11..40, plus 5 (already stored) in the middle and 20 again (earlier in this batch).
            var batch = Enumerable.Range(11, 30).Select(i => Rec(i)).ToList();
            batch.Insert(7, Rec(5, "dup stored"));
            batch.Add(Rec(20, "dup in batch"));
            var (outcomes, bulk) = Write(p, new CrmWriteOptions(), batch);
            Assert.Equal(0, bulk);
            Assert.Equal(32, outcomes.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                bool dup = i == 7 || i == batch.Count - 1;
                Assert.Equal(dup ? CrmOutcome.Rejected : CrmOutcome.Inserted, outcomes[i].Outcome);
                if (dup) Assert.Equal("DuplicateKey", outcomes[i].ReasonCode);
            }
            var read = ReadAll(p);
            Assert.Equal(40, read.Count);
            Assert.DoesNotContain(read, r => (string?)r["s"] is "dup stored" or "dup in batch");
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void AValueTheBulkPathCannotTakeFallsBackToPerRecordOutcomes(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            // PostgreSQL: an int4 column (COPY's int4 refuses a long out of range) and a NUL in text (the
            // server refuses it); MySQL: LOAD DATA would truncate the long text with a warning and store
            // a wrong value for the out-of-range number, which INSERT refuses instead.
            db.Exec(kind == CrmProviderKind.PostgreSql
                ? "CREATE TABLE bulk (id int PRIMARY KEY, n int, s varchar(10))"
                : "CREATE TABLE bulk (id int PRIMARY KEY, n int, s varchar(10)) DEFAULT CHARSET=utf8mb4");
            using var p = db.Provider();
            var shape = new CrmFieldShape(new[] { "id", "n", "s" });
            CrmRecord R(long id, long n, string s) => new CrmRecord("bulk", shape, new object?[] { id, n, s }) { Key = new CrmKey(id.ToString(CultureInfo.InvariantCulture)) { FieldNames = new[] { "id" } } };
            var batch = new List<CrmRecord> { R(1, 1, "ok"), R(2, 3_000_000_000L, "too big n"), R(3, 3, "much too long for ten"), R(4, 4, "ok") };
            if (kind == CrmProviderKind.PostgreSql) batch.Add(R(5, 5, "nul\0"));
            var (outcomes, bulk) = Write(p, new CrmWriteOptions(), batch);
            Assert.Equal(0, bulk);
            var expected = new List<CrmOutcome> { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted };
            if (kind == CrmProviderKind.PostgreSql) expected.Add(CrmOutcome.Rejected);
            Assert.Equal(expected, outcomes.Select(o => o.Outcome));
            Assert.All(outcomes.Where(o => o.Outcome == CrmOutcome.Rejected), o => Assert.Equal("ValueConversion", o.ReasonCode));
            Assert.Equal(new[] { "1=ok", "4=ok" }, ReadAll(p).Select(r => r["id"] + "=" + r["s"]));

            // Without the bad records the same table takes the batch through the bulk path.
            var good = Write(p, new CrmWriteOptions(), new[] { R(10, 10, "a"), R(11, 11, "b\tc"), R(12, 12, "") });
            Assert.Equal(1, good.Bulk);
            Assert.All(good.Outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ALoneSurrogateIsRefusedNotChangedAndTheRestStillGoInBulk(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var batch = Enumerable.Range(1, 12).Select(i => Rec(i)).ToList();
            batch[4] = Rec(5, "half a pair \ud83d here");  // a high surrogate alone: no UTF-8 for it (U+FFFD or '?' would change the text)
            batch[8] = Rec(9, "a pair 😀 and a low \ude00"); // a whole pair, then a low surrogate alone
            var (outcomes, bulk) = Write(p, new CrmWriteOptions { Schema = Schema() }, batch);
            Assert.Equal(1, bulk);
            for (int i = 0; i < batch.Count; i++)
            {
                bool bad = i is 4 or 8;
                Assert.Equal(bad ? CrmOutcome.Rejected : CrmOutcome.Inserted, outcomes[i].Outcome);
                if (bad)
                {
                    Assert.Equal("ValueConversion", outcomes[i].ReasonCode);
                    Assert.Contains("Field 's'", outcomes[i].Message);
                    Assert.Contains(i == 4 ? "U+D83D" : "U+DE00", outcomes[i].Message);
                }
            }
            Assert.Equal(10, ReadAll(p).Count);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ANewFieldInALaterBatchAddsAColumnOnlyWhenAsked(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var a = new CrmFieldShape(new[] { "id", "name" });
            var b = a.With("extra");
            CrmRecord R(CrmFieldShape shape, long id, params object?[] rest)
            {
                var values = new object?[shape.Count];
                values[0] = id;
                for (int i = 0; i < rest.Length; i++) values[i + 1] = rest[i];
                return new CrmRecord("grow", shape, values) { Key = new CrmKey(id.ToString(CultureInfo.InvariantCulture)) { FieldNames = new[] { "id" } } };
            }
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("grow", new CrmWriteOptions { CreateIfMissing = true }))
            {
                w.WriteBatch(new[] { R(a, 1, "one"), R(a, 2, "two") }, outcomes);
                w.WriteBatch(new[] { R(a, 3, "three"), R(a, 4, "four") }, outcomes);
                // Nothing changes unasked: the new field stops the batch before anything of it is written.
                var refused = Assert.Throws<CrmException>(() => w.WriteBatch(new[] { R(a, 5, "five"), R(b, 6, "six", 66L), R(b, 7, "seven", 77L) }, outcomes));
                Assert.Equal("TargetFieldsMissing", refused.Error.Code);
                Assert.Contains("'extra'", refused.Error.Message);
            }
            Assert.Equal(4L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM grow"), CultureInfo.InvariantCulture));
            using (var w = p.OpenWriter("grow", new CrmWriteOptions { AddColumns = true }))
            {
                w.WriteBatch(new[] { R(a, 5, "five"), R(b, 6, "six", 66L), R(b, 7, "seven", 77L) }, outcomes);
                w.Complete();
            }
            Assert.Equal(7, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            var read = p.Read("grow", new CrmReadOptions(), _ => { }, CancellationToken.None).ToList();
            Assert.Equal(new object?[] { null, null, null, null, null, 66L, 77L }, read.Select(r => r["extra"]).ToArray());
        }
    
        /// <summary>
        /// The PostgreSQL lane sends a batch's rows a chunk at a time while it encodes the rest: a value that cannot be encoded after
        /// the first chunks went out cancels the COPY (nothing of the batch stays) and the batch is written the record way, the bad row
        /// rejected and every other row once.
        /// </summary>
        [Fact]
        public void APostgreSqlLaneBatchWhoseValueFailsAfterItsFirstChunksWentOutIsWrittenTheRecordWay()
        {
            int saved = PgCopy.StreamChunk;
            PgCopy.StreamChunk = 1024; // dozens of chunks before row 1,900
            try
            {
                using var dir = new TempDir();
                string csv = dir.File("people.csv");
                var text = new System.Text.StringBuilder("id,name,score\n");
                long sum = 0;
                for (int i = 1; i <= 2000; i++)
                {
                    if (i == 1900) { text.Append("P1900,Bad,x12\n"); continue; }
                    text.Append('P').Append(i.ToString("D4", CultureInfo.InvariantCulture)).Append(",Name ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(',')
                        .Append((i % 97).ToString(CultureInfo.InvariantCulture)).Append('\n');
                    sum += i % 97;
                }
                System.IO.File.WriteAllText(csv, text.ToString());
                using var db = new TestDatabase(CrmProviderKind.PostgreSql);
                db.Exec("CREATE TABLE people (id varchar(20) PRIMARY KEY, name text, score integer)");
                using (var source = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
                using (var target = db.Provider())
                using (var ledger = new Ledger.MigrationLedger(dir.File("ledger.sqlite")))
                using (var copier = new Import.MigrationCopier(source, target, new Import.CopyOptions { Import = new Import.ImportOptions { BatchSize = 1000, Ledger = ledger } }))
                {
                    var summary = Assert.Single(copier.Run());
                    Assert.Equal((2000L, 1999L, 1L), (summary.Read, summary.Inserted, summary.Rejected));
                    Assert.True(copier.LaneRows >= 1000, $"the lane took {copier.LaneRows} rows");
                    Assert.Empty(ledger.Verify(copier.RunId!));
                }
                var rows = db.Rows("people");
                Assert.Equal(1999, rows.Count);
                Assert.Equal(1999, rows.Select(r => r.Split('|')[0]).Distinct().Count());
                Assert.DoesNotContain(rows, r => r.StartsWith("P1900|", StringComparison.Ordinal));
                Assert.Equal(sum, rows.Sum(r => long.Parse(r.Split('|')[2], CultureInfo.InvariantCulture)));
            }
            finally
            {
                PgCopy.StreamChunk = saved;
            }
        }
    }
}
