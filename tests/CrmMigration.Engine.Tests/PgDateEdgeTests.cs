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
    /// The edges of PostgreSQL's date and timestamp types against the real server: 0001-01-01 and 9999-12-31 23:59:59.999999
    /// are stored as those days (not as Npgsql's -infinity/infinity), a real infinity read from PostgreSQL comes as its
    /// text and goes back as infinity, through COPY, INSERT and upsert alike; engines with no infinity refuse it.
    /// </summary>
    public class PgDateEdgeTests
    {
        private static readonly CrmFieldShape Shape = new CrmFieldShape(new[] { "id", "d", "ts", "tz" });

        private static readonly DateTime LastMicro = new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_990);

        /// <summary>The rows, and what the server must print for each (d, ts, tz at UTC).</summary>
        private static readonly (object?[] Values, string Text)[] Rows =
        {
            (new object?[] { 1L, DateTime.MinValue, DateTime.MinValue, new DateTimeOffset(DateTime.MinValue, TimeSpan.Zero) }, "0001-01-01|0001-01-01 00:00:00|0001-01-01 00:00:00"),
            (new object?[] { 2L, new DateTime(9999, 12, 31), LastMicro, new DateTimeOffset(LastMicro, TimeSpan.Zero) }, "9999-12-31|9999-12-31 23:59:59.999999|9999-12-31 23:59:59.999999"),
            (new object?[] { 3L, "infinity", "infinity", "infinity" }, "infinity|infinity|infinity"),
            (new object?[] { 4L, "-infinity", "-infinity", "-infinity" }, "-infinity|-infinity|-infinity"),
            (new object?[] { 5L, DateTime.MaxValue, DateTime.MaxValue, new DateTimeOffset(DateTime.MaxValue, TimeSpan.Zero) }, "9999-12-31|9999-12-31 23:59:59.999999|9999-12-31 23:59:59.999999"),
            (new object?[] { 6L, new DateTime(1, 1, 2), new DateTime(1, 1, 1, 0, 0, 0).AddTicks(10), new DateTimeOffset(2024, 2, 29, 1, 0, 0, TimeSpan.FromHours(3)) }, "0001-01-02|0001-01-01 00:00:00.000001|2024-02-28 22:00:00"),
        };

        private static CrmRecord Rec(object?[] values) =>
            new CrmRecord("t", Shape, values) { Key = new CrmKey(Convert.ToString(values[0], CultureInfo.InvariantCulture)!) { FieldNames = new[] { "id" } } };

        private const string Ddl = "CREATE TABLE {0} (id int8 PRIMARY KEY, d date, ts timestamp, tz timestamptz)";

        private static string Dump(TestDatabase db, string table) =>
            (string)db.Scalar($"SELECT string_agg(concat_ws('|', d::text, ts::text, (tz AT TIME ZONE 'UTC')::text), E'\\n' ORDER BY id) FROM {table}")!;

        private static List<CrmRecordOutcome> Write(ICrmProvider p, string table, CrmWriteMode mode, IEnumerable<IReadOnlyList<CrmRecord>> batches, out int bulk)
        {
            var outcomes = new List<CrmRecordOutcome>();
            using var w = p.OpenWriter(table, new CrmWriteOptions { Mode = mode });
            foreach (var b in batches) w.WriteBatch(b, outcomes);
            w.Complete();
            bulk = ((DbEntityWriter)w).BulkBatches;
            return outcomes;
        }

        [Theory]
        [InlineData("copy")]
        [InlineData("insert")]
        [InlineData("upsert")]
        public void EdgeDaysAndInfinitiesAreStoredAsTheyAre(string path)
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(string.Format(CultureInfo.InvariantCulture, Ddl, "t"));
            if (path == "upsert")
            {
                // Every row exists with other values: the upsert path updates each one.
                db.Exec("INSERT INTO t SELECT g, DATE '2020-01-01', TIMESTAMP '2020-01-01 10:00', TIMESTAMPTZ '2020-01-01 10:00Z' FROM generate_series(1, 6) g");
            }
            using var p = db.Provider();
            var records = Rows.Select(r => Rec(r.Values)).ToList();
            var batches = path == "copy" ? new[] { (IReadOnlyList<CrmRecord>)records } : records.Select(r => (IReadOnlyList<CrmRecord>)new[] { r });
            var outcomes = Write(p, "t", path == "upsert" ? CrmWriteMode.Upsert : CrmWriteMode.Insert, batches, out int bulk);
            Assert.Equal(path == "copy" ? 1 : 0, bulk);
            Assert.All(outcomes, o => Assert.True((path == "upsert" ? CrmOutcome.Updated : CrmOutcome.Inserted) == o.Outcome, o.Key + ": " + o.Outcome + " " + o.Message));
            Assert.Equal(string.Join("\n", Rows.Select(r => r.Text)), Dump(db, "t"));

            // Read back: the days themselves, infinity as PostgreSQL's text.
            var read = p.Read("t", new CrmReadOptions(), e => Assert.Fail(e.Message), CancellationToken.None).OrderBy(r => (long)r["id"]!).ToList();
            Assert.Equal(DateTime.MinValue, read[0]["d"]);
            Assert.Equal(DateTime.MinValue, read[0]["ts"]);
            Assert.Equal(new DateTimeOffset(DateTime.MinValue, TimeSpan.Zero), read[0]["tz"]);
            Assert.Equal(LastMicro, read[1]["ts"]);
            Assert.Equal(DateTimeKind.Unspecified, ((DateTime)read[1]["ts"]!).Kind);
            Assert.Equal("infinity", read[2]["d"]);
            Assert.Equal("infinity", read[2]["tz"]);
            Assert.Equal("-infinity", read[3]["ts"]);

            // The same values upserted again are Unchanged (the read form compares equal to the written one).
            var again = Write(p, "t", CrmWriteMode.Upsert, new[] { (IReadOnlyList<CrmRecord>)records.Take(5).ToList() }, out _);
            Assert.All(again.Take(4), o => Assert.True(o.Outcome == CrmOutcome.Skipped, o.Key + ": " + o.Outcome + " " + o.Message));
        }

        [Fact]
        public void AnInfinityReadFromPostgreSqlRoundTripsThroughCopy()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(string.Format(CultureInfo.InvariantCulture, Ddl, "src"));
            db.Exec(string.Format(CultureInfo.InvariantCulture, Ddl, "dst"));
            // Written by the server itself, not by us.
            db.Exec("INSERT INTO src VALUES (1, '-infinity', '-infinity', '-infinity'), (2, 'infinity', 'infinity', 'infinity'), " +
                    "(3, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00Z'), (4, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999Z'), (5, NULL, NULL, NULL)");
            using var p = db.Provider();
            var rows = p.Read("src", new CrmReadOptions(), e => Assert.Fail(e.Message), CancellationToken.None).ToList();
            var outcomes = Write(p, "dst", CrmWriteMode.Insert, new[] { (IReadOnlyList<CrmRecord>)rows }, out int bulk);
            Assert.Equal(1, bulk);
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            Assert.Equal(Dump(db, "src"), Dump(db, "dst"));
            Assert.StartsWith("-infinity|-infinity|-infinity\ninfinity|infinity|infinity\n0001-01-01|0001-01-01 00:00:00|0001-01-01 00:00:00\n", Dump(db, "dst"), StringComparison.Ordinal);
        }

        [Fact]
        public void MariaDbRefusesAnInfinityInsteadOfChangingIt()
        {
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec("CREATE TABLE t (id BIGINT PRIMARY KEY, d DATE, ts DATETIME(6), tz DATETIME(6))");
            using var p = db.Provider();
            var batch = new List<CrmRecord>
            {
                Rec(new object?[] { 1L, new DateTime(2024, 1, 1), new DateTime(2024, 1, 1, 10, 0, 0), null }),
                Rec(new object?[] { 2L, "-infinity", null, null }),
                Rec(new object?[] { 3L, null, "infinity", null }),
                Rec(new object?[] { 4L, new DateTime(1000, 1, 1), null, null }),
            };
            var outcomes = Write(p, "t", CrmWriteMode.Insert, new[] { (IReadOnlyList<CrmRecord>)batch }, out _);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.Equal("ValueConversion", outcomes[1].ReasonCode);
            Assert.Contains("infinite", outcomes[1].Message, StringComparison.Ordinal);
            Assert.Contains("'d'", outcomes[1].Message, StringComparison.Ordinal);
            Assert.Contains("'ts'", outcomes[2].Message, StringComparison.Ordinal);
            Assert.Equal("1,4", (string)db.Scalar("SELECT GROUP_CONCAT(id ORDER BY id) FROM t")!);
        }

        [Fact]
        public void SqliteRefusesAnInfinityInATypedDateColumn()
        {
            using var dir = new TempDir();
            string path = dir.File("t.db");
            SqliteTestUtil.Exec(path, "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, ts DATETIME, tz TEXT)");
            using var p = SqliteTestUtil.Provider(path);
            var batch = new List<CrmRecord>
            {
                Rec(new object?[] { 1L, "-infinity", null, null }),
                Rec(new object?[] { 2L, null, "infinity", null }),
                Rec(new object?[] { 3L, DateTime.MinValue, DateTime.MinValue, "infinity" }), // TEXT column: the text itself
            };
            var outcomes = SqliteTestUtil.Write(p, "t", new CrmWriteOptions(), batch);
            Assert.Equal(new[] { CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.All(outcomes.Take(2), o => Assert.Equal("ValueConversion", o.ReasonCode));
            Assert.Equal("3|0001-01-01|0001-01-01T00:00:00|infinity", (string)SqliteTestUtil.Scalar(path, "SELECT id || '|' || d || '|' || ts || '|' || tz FROM t")!);
        }
    }
}
