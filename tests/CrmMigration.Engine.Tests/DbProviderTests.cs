using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>The PostgreSQL and MySQL/MariaDB providers against the real servers of scripts/dbservers.sh.</summary>
    public class DbProviderTests
    {
        public static IEnumerable<object[]> Kinds => new[] { new object[] { CrmProviderKind.PostgreSql }, new object[] { CrmProviderKind.MySql } };

        private static readonly CrmFieldShape AllTypes = new CrmFieldShape(new[] { "id", "s", "i", "m", "d", "b", "dt", "ts", "tso", "g", "bin" });

        private static CrmRecord Typed(long id, string s)
        {
            var values = new object?[]
            {
                id, s, -42L + id, 12345.6789m, 0.25, id % 2 == 0,
                new DateTime(2024, 3, 5), new DateTime(2024, 3, 5, 10, 11, 12, 345, DateTimeKind.Unspecified),
                new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8)), new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
                new byte[] { 0, 1, 2, 255 },
            };
            return new CrmRecord("typed", AllTypes, values) { Key = new CrmKey(id.ToString(System.Globalization.CultureInfo.InvariantCulture)) { FieldNames = new[] { "id" } } };
        }

        private static CrmEntitySchema TypedSchema() => new CrmEntitySchema("typed", new[]
        {
            new CrmFieldSchema("id", CrmFieldType.Integer) { IsKey = true, Nullable = false }, new CrmFieldSchema("s", CrmFieldType.String),
            new CrmFieldSchema("i", CrmFieldType.Integer), new CrmFieldSchema("m", CrmFieldType.Decimal), new CrmFieldSchema("d", CrmFieldType.Double),
            new CrmFieldSchema("b", CrmFieldType.Boolean), new CrmFieldSchema("dt", CrmFieldType.Date), new CrmFieldSchema("ts", CrmFieldType.DateTime),
            new CrmFieldSchema("tso", CrmFieldType.DateTimeOffset), new CrmFieldSchema("g", CrmFieldType.Guid), new CrmFieldSchema("bin", CrmFieldType.Binary),
        }) { Key = new[] { "id" } };

        private static List<CrmRecordOutcome> Write(ICrmProvider p, string entity, CrmWriteOptions options, params CrmRecord[] records)
        {
            var outcomes = new List<CrmRecordOutcome>();
            using var w = p.OpenWriter(entity, options);
            w.WriteBatch(records, outcomes);
            w.Complete();
            return outcomes;
        }

        private static List<CrmRecord> ReadAll(ICrmProvider p, string entity, params CrmFieldFilter[] filters)
        {
            var errors = new List<CrmDataError>();
            var list = p.Read(entity, new CrmReadOptions { Filters = filters }, errors.Add, CancellationToken.None).ToList();
            Assert.Empty(errors);
            return list;
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void EveryFieldTypeRoundTrips(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var outcomes = Write(p, "typed", new CrmWriteOptions { Schema = TypedSchema() }, Typed(1, "héllo 中文 'q' \"d\""), Typed(2, ""));
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));

            var schema = p.DescribeEntity("typed", includeRowCount: true)!;
            Assert.Equal(2L, schema.RowCount);
            Assert.Equal(new[] { "id" }, schema.Key);
            foreach (var f in TypedSchema().Fields) Assert.True(f.Type == schema.GetField(f.Name)!.Type, f.Name + ": " + schema.GetField(f.Name)!.Type);

            var read = ReadAll(p, "typed");
            Assert.Equal(2, read.Count);
            var expected = Typed(1, "héllo 中文 'q' \"d\"");
            var got = read[0];
            Assert.Equal("1", got.Key!.ToString());
            foreach (var name in AllTypes.Names)
            {
                object? e = expected[name], a = got[name];
                Assert.True(e!.GetType() == a!.GetType(), $"{name}: {a.GetType().Name}, expected {e.GetType().Name}");
                if (e is byte[] eb) Assert.Equal(eb, (byte[])a);
                else if (e is DateTimeOffset eo) Assert.Equal(eo.UtcDateTime, ((DateTimeOffset)a).UtcDateTime);
                else Assert.Equal(e, a);
            }
            Assert.Equal("", read[1]["s"]);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void InsertRejectsDuplicateAndTheRestOfTheBatchLands(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            Write(p, "typed", new CrmWriteOptions { Schema = TypedSchema() }, Typed(1, "a"));
            var outcomes = Write(p, "typed", new CrmWriteOptions(), Typed(2, "b"), Typed(1, "dup"), Typed(3, "c"), Typed(3, "dup in batch"));
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Inserted, CrmOutcome.Rejected }, outcomes.Select(o => o.Outcome));
            Assert.Equal("DuplicateKey", outcomes[1].ReasonCode);
            Assert.Equal("DuplicateKey", outcomes[3].ReasonCode);
            Assert.Equal(new[] { "a", "b", "c" }, ReadAll(p, "typed").Select(r => (string)r["s"]!));

            // A NOT NULL column refused for one record: ConstraintViolation, the others land.
            db.Exec(kind == CrmProviderKind.PostgreSql ? "CREATE TABLE strict (id int PRIMARY KEY, name text NOT NULL)" : "CREATE TABLE strict (id int PRIMARY KEY, name varchar(10) NOT NULL)");
            var shape = new CrmFieldShape(new[] { "id", "name" });
            var o2 = Write(p, "strict", new CrmWriteOptions(),
                new CrmRecord("strict", shape, new object?[] { 1L, "ok" }), new CrmRecord("strict", shape, new object?[] { 2L, null }),
                new CrmRecord("strict", shape, new object?[] { "x", "bad id" }), new CrmRecord("strict", shape, new object?[] { 4L, "ok too" }));
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted }, o2.Select(o => o.Outcome));
            Assert.Equal("ConstraintViolation", o2[1].ReasonCode);
            Assert.Equal("ValueConversion", o2[2].ReasonCode);
            Assert.Equal(2L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM strict"), System.Globalization.CultureInfo.InvariantCulture));
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void UpsertCountsInsertedUpdatedSkippedAndPlanWritesNothing(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            Write(p, "typed", new CrmWriteOptions { Schema = TypedSchema() }, Typed(1, "a"), Typed(2, "b"));
            var upsert = new CrmWriteOptions { Mode = CrmWriteMode.Upsert };
            var batch = new[] { Typed(1, "a"), Typed(2, "B changed"), Typed(3, "new") };

            var planned = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("typed", upsert)) w.PlanBatch(batch, planned);
            Assert.Equal(new[] { CrmOutcome.Skipped, CrmOutcome.Updated, CrmOutcome.Inserted }, planned.Select(o => o.Outcome));
            Assert.All(planned, o => Assert.True(o.WhatIf));
            Assert.Equal(new[] { "a", "b" }, ReadAll(p, "typed").Select(r => (string)r["s"]!));

            var written = Write(p, "typed", upsert, batch);
            Assert.Equal(new[] { CrmOutcome.Skipped, CrmOutcome.Updated, CrmOutcome.Inserted }, written.Select(o => o.Outcome));
            Assert.Equal(new[] { "a", "B changed", "new" }, ReadAll(p, "typed").Select(r => (string)r["s"]!));

            var again = Write(p, "typed", upsert, batch);
            Assert.All(again, o => Assert.Equal(CrmOutcome.Skipped, o.Outcome));

            var missingKey = new CrmRecord("typed", new CrmFieldShape(new[] { "s" }), new object?[] { "no key" });
            Assert.Equal("MissingKey", Assert.Single(Write(p, "typed", upsert, missingKey)).ReasonCode);

            // Planning a table that does not exist creates nothing.
            var plannedNew = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("not_yet", new CrmWriteOptions())) w.PlanBatch(new[] { Typed(1, "a") }, plannedNew);
            Assert.Equal(CrmOutcome.Inserted, Assert.Single(plannedNew).Outcome);
            Assert.DoesNotContain("not_yet", p.ListEntities());
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void UpsertByKeyFieldsTheServerDoesNotEnforce(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            db.Exec("CREATE TABLE people (email varchar(100), name varchar(100)); INSERT INTO people VALUES ('a@x.org', 'Ann'), ('b@x.org', 'Ben');");
            using var p = db.Provider();
            var shape = new CrmFieldShape(new[] { "email", "name" });
            var options = new CrmWriteOptions { Mode = CrmWriteMode.Upsert, KeyFields = new[] { "email" } };
            var outcomes = Write(p, "people", options,
                new CrmRecord("people", shape, new object?[] { "a@x.org", "Ann" }), new CrmRecord("people", shape, new object?[] { "b@x.org", "Benjamin" }),
                new CrmRecord("people", shape, new object?[] { "c@x.org", "Cy" }));
            Assert.Equal(new[] { CrmOutcome.Skipped, CrmOutcome.Updated, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.Equal(new[] { "a@x.org=Ann", "b@x.org=Benjamin", "c@x.org=Cy" },
                ReadAll(p, "people").Select(r => r["email"] + "=" + r["name"]).OrderBy(x => x, StringComparer.Ordinal));
            var insert = Write(p, "people", new CrmWriteOptions { KeyFields = new[] { "email" } }, new CrmRecord("people", shape, new object?[] { "a@x.org", "Dup" }));
            Assert.Equal("DuplicateKey", Assert.Single(insert).ReasonCode);
        }

        [Fact]
        public void MariaDbIntegersAndDatesReadAsTheirValuesWhicheverWayTheDriverGivesThem()
        {
            // Signed INT and MEDIUMINT are read with GetInt32 (no box); the other integer kinds as the driver boxes them: all as long.
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec("CREATE TABLE ints (id int PRIMARY KEY, i int, iu int unsigned, m mediumint, mu mediumint unsigned, s smallint, b bigint, t tinyint, y year, d date, dt datetime);" +
                "INSERT INTO ints VALUES (-2147483648, 2147483647, 4294967295, -8388608, 16777215, -32768, -9223372036854775808, -128, 2155, '2024-03-05', '2024-03-05 00:00:00')," +
                " (0, NULL, 0, 8388607, 0, 32767, 9223372036854775807, 127, 1901, '0001-01-01', '2024-03-05 10:11:12')," +
                " (2147483647, -1, 2147483648, 0, 1, 0, 0, 0, NULL, NULL, NULL);");
            using var p = db.Provider();
            var rows = ReadAll(p, "ints");
            Assert.Equal(3, rows.Count);
            object?[] Row(int n) => rows[n].FieldNames.Select(f => rows[n][f]).ToArray();
            Assert.Equal(new object?[] { -2147483648L, 2147483647L, 4294967295L, -8388608L, 16777215L, -32768L, long.MinValue, -128L, 2155L, new DateTime(2024, 3, 5), new DateTime(2024, 3, 5) }, Row(0));
            Assert.Equal(new object?[] { 0L, null, 0L, 8388607L, 0L, 32767L, long.MaxValue, 127L, 1901L, new DateTime(1, 1, 1), new DateTime(2024, 3, 5, 10, 11, 12) }, Row(1));
            Assert.Equal(new object?[] { 2147483647L, -1L, 2147483648L, 0L, 1L, 0L, 0L, 0L, null, null, null }, Row(2));
            foreach (var r in rows) foreach (var f in r.FieldNames) if (r[f] is { } v) Assert.True(v is long or DateTime, f + " is " + v.GetType().Name);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void HostileIdentifiersAreQuoted(CrmProviderKind kind)
        {
            const string entity = "we\"ird; `name' x";
            const string field = "a \"b\"; `c' d";
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var shape = new CrmFieldShape(new[] { "id", field });
            var r1 = new CrmRecord(entity, shape, new object?[] { 1L, "x'; DROP TABLE t; --" }) { Key = new CrmKey("1") { FieldNames = new[] { "id" } } };
            var r2 = new CrmRecord(entity, shape, new object?[] { 2L, "two" }) { Key = new CrmKey("2") { FieldNames = new[] { "id" } } };
            Assert.All(Write(p, entity, new CrmWriteOptions(), r1, r2), o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            Assert.Contains(entity, p.ListEntities());
            var schema = p.DescribeEntity(entity, true)!;
            Assert.Equal(2L, schema.RowCount);
            Assert.Equal(new[] { "id" }, schema.Key);
            Assert.NotNull(schema.GetField(field));
            var read = ReadAll(p, entity, new CrmFieldFilter(field, "two"));
            Assert.Equal(2L, Assert.Single(read)["id"]);
            var changed = new CrmRecord(entity, shape, new object?[] { 1L, "changed" });
            var upsert = Write(p, entity, new CrmWriteOptions { Mode = CrmWriteMode.Upsert }, changed, r2);
            Assert.Equal(new[] { CrmOutcome.Updated, CrmOutcome.Skipped }, upsert.Select(o => o.Outcome));
            var extra = new CrmRecord(entity, new CrmFieldShape(new[] { "id", "new \"col\"; `x`" }), new object?[] { 3L, 7L });
            // A field the table lacks is an error unless AddColumns asks; the ALTER it then runs quotes the name too.
            Assert.Equal("TargetFieldsMissing", Assert.Throws<CrmException>(() => Write(p, entity, new CrmWriteOptions(), extra)).Error.Code);
            Assert.Equal(CrmOutcome.Inserted, Assert.Single(Write(p, entity, new CrmWriteOptions { AddColumns = true }, extra)).Outcome);
            Assert.Equal(7L, ReadAll(p, entity).Single(r => (long)r["id"]! == 3)["new \"col\"; `x`"]);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void WrongPasswordIsAConnectionErrorWithoutThePassword(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            const string secret = "Wr0ng-Pa55-zqx";
            using var p = ProviderFactory.Open(db.Connection(password: secret));
            Assert.DoesNotContain(secret, p.Connection.ToString());
            Assert.DoesNotContain(secret, p.Connection.Location);
            var ex = Assert.Throws<CrmException>(() => p.ListEntities());
            Assert.Equal("SourceConnectionFailed", ex.Error.Code);
            Assert.Equal(CrmErrorKind.ConnectionError, ex.Error.Kind);
            Assert.DoesNotContain(secret, ex.ToString());
            using var w = p.OpenWriter("t", new CrmWriteOptions());
            var wex = Assert.Throws<CrmException>(() => w.WriteBatch(new[] { Typed(1, "a") }, new List<CrmRecordOutcome>()));
            Assert.Equal("TargetConnectionFailed", wex.Error.Code);
            Assert.DoesNotContain(secret, wex.ToString());

            // A dead server: nothing listens on port 1.
            var dead = ProviderFactory.ForServer(kind, "127.0.0.1", 1, db.Name, new System.Net.NetworkCredential("u", secret), null);
            using var d = ProviderFactory.Open(dead);
            var dex = Assert.Throws<CrmException>(() => d.DescribeEntity("x", false));
            Assert.Equal("SourceConnectionFailed", dex.Error.Code);
            Assert.DoesNotContain(secret, dex.ToString());
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ConnectionStringPasswordMovesIntoTheCredential(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            bool pg = kind == CrmProviderKind.PostgreSql;
            string password = pg ? DbServers.PgPassword : DbServers.MyPassword;
            string cs = pg
                ? $"Host=127.0.0.1;Port={DbServers.PgPort};Database={db.Name};Username={DbServers.Get("CRM_PG_USER")};Password={password};Timeout=20"
                : $"Server=127.0.0.1;Port={DbServers.MyPort};Database={db.Name};User ID={DbServers.Get("CRM_MY_USER")};Password={password};Connection Timeout=20";
            var c = ProviderFactory.FromConnectionString(kind, cs, null, null);
            Assert.Equal($"127.0.0.1:{(pg ? DbServers.PgPort : DbServers.MyPort)}/{db.Name}", c.Location);
            foreach (var kv in c.Options) Assert.DoesNotContain(password, kv.Value);
            Assert.Equal(password, c.GetCredential()!.Password);
            using var p = ProviderFactory.Open(c);
            Assert.Empty(p.ListEntities());
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void DescribeShowsKeysRelationsAndCounts(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            db.Exec("CREATE TABLE accounts (id int PRIMARY KEY, code varchar(20) NOT NULL UNIQUE, name varchar(80));" +
                    "CREATE TABLE contacts (id int PRIMARY KEY, account_id int REFERENCES accounts (id), email varchar(120));" +
                    "INSERT INTO accounts VALUES (1, 'A', 'Acme'), (2, 'B', 'Beta');" +
                    "INSERT INTO contacts VALUES (10, 1, 'a@x.org'), (11, 1, 'b@x.org'), (12, NULL, 'c@x.org');");
            using var p = db.Provider();
            Assert.Equal(new[] { "accounts", "contacts" }, p.ListEntities());
            var a = p.DescribeEntity("accounts", true)!;
            Assert.Equal(2L, a.RowCount);
            Assert.Equal(new[] { "id" }, a.Key);
            Assert.False(a.GetField("code")!.Nullable);
            Assert.Equal(80, a.GetField("name")!.MaxLength);
            var c = p.DescribeEntity("contacts", true)!;
            var rel = Assert.Single(c.Relations);
            Assert.Equal("accounts", rel.ReferencedEntity);
            Assert.Equal(new[] { "account_id" }, rel.Fields);
            Assert.Null(p.DescribeEntity("nope", false));
            Assert.Equal("NotFound", Assert.Throws<CrmException>(() => p.Read("nope", new CrmReadOptions(), _ => { }, CancellationToken.None)).Error.Kind.ToString());

            var filtered = ReadAll(p, "contacts", new CrmFieldFilter("email", "B@X.ORG"));
            Assert.Equal(11L, Assert.Single(filtered)["id"]);
            Assert.Equal(2, ReadAll(p, "contacts", new CrmFieldFilter("account_id", 1L)).Count);
            Assert.Equal(3, ReadAll(p, "contacts", new CrmFieldFilter("email", "*@x.org")).Count);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ALostConnectionIsRetriedAndTheBatchLands(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            using var w = p.OpenWriter("typed", new CrmWriteOptions { Schema = TypedSchema() });
            var outcomes = new List<CrmRecordOutcome>();
            w.WriteBatch(new[] { Typed(1, "a") }, outcomes);
            // The server drops the writer's connection between two batches (as a restart or a proxy would).
            if (kind == CrmProviderKind.PostgreSql)
            {
                var killed = db.Scalar($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{db.Name}' AND application_name = 'CrmMigration'");
                Assert.True(Convert.ToInt64(killed, System.Globalization.CultureInfo.InvariantCulture) >= 1);
            }
            else
            {
                var ids = new List<long>();
                using (var c = new MySqlConnector.MySqlConnection(DbServers.MyAdmin(db.Name)))
                {
                    c.Open();
                    using var cmd = new MySqlConnector.MySqlCommand($"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{db.Name}' AND ID <> CONNECTION_ID()", c);
                    using var r = cmd.ExecuteReader();
                    while (r.Read()) ids.Add(Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
                }
                Assert.NotEmpty(ids);
                foreach (var id in ids) db.Exec("KILL CONNECTION " + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            w.WriteBatch(new[] { Typed(2, "b"), Typed(3, "c") }, outcomes);
            w.Complete();
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Inserted, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.Equal(new[] { "a", "b", "c" }, ReadAll(p, "typed").Select(r => (string)r["s"]!));
        }
    }
}
