using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Db;
using Npgsql;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// PostgreSQL binary COPY rows encoded by the writer itself (one encoder per column): against the real server, every
    /// type stores exactly what the INSERT path (Npgsql's own per-value writer, one record per batch) stores, compared in
    /// the server's own text form; values the encoders cannot take fall back to per-record outcomes.
    /// </summary>
    public class PgCopyEncodingTests
    {
        private static readonly string[] Columns = { "id", "i2", "i4", "i8", "n", "n2", "f4", "f8", "b", "d", "ts", "tstz", "u", "by", "t", "vc", "ch", "js", "jb" };

        private const string Table = @"CREATE TABLE {0} (id int8 PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric, n2 numeric(30,2), f4 float4, f8 float8,
            b bool, d date, ts timestamp, tstz timestamptz, u uuid, ""by"" bytea, t text, vc varchar(40), ch char(5), js json, jb jsonb)";

        private static readonly decimal[] Decimals =
        {
            0m, 0.00m, -0.00m, 1.50m, -1.5m, 0.0001m, 0.00001m, 1e-28m, 10000m, 9999.9999m, 123456789012345678.901234567m,
            decimal.MaxValue, decimal.MinValue, 79228162514264337593543950335m / 1e10m, -42.4200m, 100000000m, 0.1m + 0.2m,
        };

        private static readonly DateTime[] Times =
        {
            new DateTime(2000, 1, 1), new DateTime(1999, 12, 31, 23, 59, 59).AddTicks(9_999_995), new DateTime(2024, 3, 5, 10, 11, 12).AddTicks(1234567),
            new DateTime(1970, 1, 1), new DateTime(1, 1, 1).AddDays(1), new DateTime(9999, 12, 30), DateTime.MinValue, DateTime.MaxValue,
            new DateTime(1899, 6, 15, 1, 2, 3).AddTicks(-3),
        };

        private static readonly string[] Texts = { "", "plain", "中文 héllo 😀", "tab\tand\nnew line\r\n", "back\\slash \"quoted\" 'single'", "\u00a0\u2028\ufeff" };

        private static object?[] Row(int i)
        {
            var t = Times[i % Times.Length];
            return new object?[]
            {
                (long)i, (long)(i * 7 - 30000 + i), (long)i * 100_003L - 2_000_000_000L, (long)i * 1_000_000_007L * (i % 2 == 0 ? -1 : 1),
                Decimals[i % Decimals.Length], Math.Round(Decimals[(i + 3) % 5] * 3, 2), (double)i / 7, Math.PI * i * (i % 3 == 0 ? -1e200 : 1),
                i % 2 == 0, t, t, new DateTimeOffset(t == DateTime.MinValue || t == DateTime.MaxValue ? new DateTime(2020, 2, 29) : t, TimeSpan.FromHours(i % 5 - 2)),
                Guid.Parse("0f8fad5b-d9cb-469f-a165-" + i.ToString("x12", CultureInfo.InvariantCulture)), Encoding.UTF8.GetBytes("bytes " + i),
                Texts[i % Texts.Length], "v" + i, "c" + (i % 100), "{\"a\": " + i + ", \"s\": \"é\"}", "{\"b\": [1, 2, " + i + "]}",
            };
        }

        private static CrmRecord Rec(CrmFieldShape shape, object?[] values) =>
            new CrmRecord("t", shape, values) { Key = new CrmKey(Convert.ToString(values[0], CultureInfo.InvariantCulture)!) { FieldNames = new[] { "id" } } };

        private static string Dump(TestDatabase db, string table) =>
            (string)db.Scalar($"SELECT string_agg(x::text, E'\\n' ORDER BY id) FROM {table} x")!;

        [Fact]
        public void EveryTypeStoresWhatTheInsertPathStores()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(string.Format(CultureInfo.InvariantCulture, Table, "by_copy"));
            db.Exec(string.Format(CultureInfo.InvariantCulture, Table, "by_insert"));
            var shape = new CrmFieldShape(Columns);
            var rows = new List<CrmRecord>();
            for (int i = 1; i <= 60; i++)
            {
                var values = Row(i);
                if (i % 9 == 0) for (int c = 1; c < values.Length; c++) values[c] = null; // a row of NULLs
                if (i % 11 == 0) values[(i / 11) % (values.Length - 1) + 1] = null;      // one NULL among values
                rows.Add(Rec(shape, values));
            }
            rows.Add(Rec(shape, new object?[] { 1000L, null, null, null, null, null, null, null, null, null, null, null, null, null, new string('长', 300_000) + "end", null, null, null, null }));
            using var p = db.Provider();
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("by_copy", new CrmWriteOptions()))
            {
                w.WriteBatch(rows, outcomes);
                w.Complete();
                Assert.Equal(1, ((DbEntityWriter)w).BulkBatches);
            }
            using (var w = p.OpenWriter("by_insert", new CrmWriteOptions()))
            {
                foreach (var r in rows) w.WriteBatch(new[] { r }, outcomes);
                w.Complete();
                Assert.Equal(0, ((DbEntityWriter)w).BulkBatches);
            }
            Assert.Equal(2 * rows.Count, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            string copied = Dump(db, "by_copy"), inserted = Dump(db, "by_insert");
            Assert.Equal(inserted.Split('\n').Length, copied.Split('\n').Length);
            Assert.Equal(inserted, copied);

            // And what the server holds, read in its own text form: exact decimals with their scale, DateTime's extremes, truncation to microseconds.
            string Text(string column, int id) => (string)db.Scalar($"SELECT {column}::text FROM by_copy WHERE id = {id}")!;
            Assert.Equal("1.50", Text("n", 3));                                   // Decimals[3]
            Assert.Equal("0.00", Text("n", 2));                                   // -0.00m
            Assert.Equal("0.0000000000000000000000000001", Text("n", 7));        // 1e-28m
            Assert.Equal("79228162514264337593543950335", Text("n", 11));        // decimal.MaxValue
            Assert.Equal("-79228162514264337593543950335", Text("n", 12));       // decimal.MinValue
            Assert.Equal("0001-01-01", Text("d", 6));                             // DateTime.MinValue (Times[6]) is that day, not -infinity
            Assert.Equal("9999-12-31 23:59:59.999999", Text("ts", 7));           // DateTime.MaxValue, truncated to microseconds, not infinity
            Assert.Equal("2024-03-05 10:11:12.123456", Text("ts", 2));           // 1,234,567 ticks: microseconds truncated
            Assert.Equal("2000-01-01 00:00:00", Text("ts", 1));                  // half a microsecond before 2000 truncates toward zero, as Npgsql does
            Assert.Equal(300_003, Convert.ToInt32(db.Scalar("SELECT length(t) FROM by_copy WHERE id = 1000"), CultureInfo.InvariantCulture));
        }

        [Fact]
        public void ABadValueInTheMiddleOfACopyBatchGetsItsOwnOutcome()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec("CREATE TABLE t (id int8 PRIMARY KEY, n int4, s text, d date)");
            using var p = db.Provider();
            var shape = new CrmFieldShape(new[] { "id", "n", "s", "d" });
            var batch = new List<CrmRecord>();
            for (int i = 1; i <= 20; i++) batch.Add(Rec(shape, new object?[] { (long)i, (long)i, "row " + i, new DateTime(2024, 1, i) }));
            batch[5] = Rec(shape, new object?[] { 6L, 6L, "lone \ud800 surrogate", new DateTime(2024, 1, 6) }); // not UTF-16: no UTF-8 for it
            batch[9] = Rec(shape, new object?[] { 10L, 5_000_000_000L, "too big for int4", null });
            batch[12] = Rec(shape, new object?[] { 13L, 13L, "nul \0 inside", null });                     // PostgreSQL text refuses NUL
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("t", new CrmWriteOptions()))
            {
                w.WriteBatch(batch, outcomes);
                w.Complete();
                Assert.Equal(0, ((DbEntityWriter)w).BulkBatches);
            }
            Assert.Equal(20, outcomes.Count);
            for (int i = 0; i < 20; i++)
            {
                bool bad = i is 5 or 9 or 12;
                Assert.True((bad ? CrmOutcome.Rejected : CrmOutcome.Inserted) == outcomes[i].Outcome, $"record {i + 1}: {outcomes[i].Outcome} {outcomes[i].Message}");
                Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), outcomes[i].Key);
                if (bad) Assert.Equal("ValueConversion", outcomes[i].ReasonCode);
            }
            Assert.Equal("1,2,3,4,5,7,8,9,11,12,14,15,16,17,18,19,20", (string)db.Scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM t")!);
        }

        [Fact]
        public void TheNumericEncodingIsPostgresBase10000()
        {
            var b = new BulkBuffer();
            PgCopy.Numeric(b, 12345.678m); // 1|2345|6780, weight 1, scale 3
            Assert.Equal(new byte[] { 0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C }, b.Bytes.AsSpan(0, b.Length).ToArray());
            b.Clear();
            PgCopy.Numeric(b, -0.0005m); // one digit 5 at weight -1, scale 4
            Assert.Equal(new byte[] { 0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0x40, 0, 0, 4, 0, 5 }, b.Bytes.AsSpan(0, b.Length).ToArray());
            b.Clear();
            PgCopy.Numeric(b, 0.00m); // zero: no digits, scale kept
            Assert.Equal(new byte[] { 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2 }, b.Bytes.AsSpan(0, b.Length).ToArray());
        }
    }
}
