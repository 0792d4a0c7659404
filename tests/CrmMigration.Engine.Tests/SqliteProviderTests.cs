using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Providers;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    public class SqliteProviderTests
    {
        private const string Weird = "we\"ird; name";
        private const string WeirdCol = "a \"b\"; c";

        [Fact]
        public void DescribeMapsTypesKeysRelationsAndCounts()
        {
            using var dir = new TempDir();
            string db = dir.File("d.db");
            Exec(db, @"
CREATE TABLE Parent (a INTEGER NOT NULL, b TEXT NOT NULL, name VARCHAR(50) NOT NULL, PRIMARY KEY (b, a));
CREATE TABLE child (id INTEGER PRIMARY KEY AUTOINCREMENT, pa INTEGER, pb TEXT, amount DECIMAL(10,2), price MONEY, ratio REAL, f2 FLOAT, f3 DOUBLE,
  flag BOOLEAN, born DATE, seen DATETIME, ts TIMESTAMP, at DATETIMEOFFSET, tz TIMESTAMPTZ, uid UUID, g GUID, data BLOB, big BIGINT, note NVARCHAR(20), misc,
  FOREIGN KEY (pb, pa) REFERENCES Parent (b, a));
CREATE VIEW v_parent AS SELECT a, name FROM Parent;
INSERT INTO Parent VALUES (1,'x','one'),(2,'x','two'),(1,'y','three');
INSERT INTO child (pa, pb) VALUES (1, 'x');");
            using var p = Provider(db);

            var entities = p.ListEntities();
            Assert.Equal(new[] { "Parent", "child", "v_parent" }, entities);

            var parent = p.DescribeEntity("PARENT", includeRowCount: true)!;
            Assert.Equal("Parent", parent.Name);
            Assert.Equal(new[] { "b", "a" }, parent.Key);
            Assert.Equal(3L, parent.RowCount);
            Assert.True(parent.GetField("a")!.IsKey);
            Assert.False(parent.GetField("name")!.IsKey);
            Assert.False(parent.GetField("name")!.Nullable);
            Assert.Equal(50, parent.GetField("name")!.MaxLength);
            Assert.Equal("VARCHAR(50)", parent.GetField("name")!.SourceType);

            var child = p.DescribeEntity("child", includeRowCount: false)!;
            Assert.Null(child.RowCount);
            Assert.Equal(new[] { "id" }, child.Key);
            var expected = new Dictionary<string, CrmFieldType>
            {
                ["id"] = CrmFieldType.Integer, ["pa"] = CrmFieldType.Integer, ["pb"] = CrmFieldType.String,
                ["amount"] = CrmFieldType.Decimal, ["price"] = CrmFieldType.Decimal, ["ratio"] = CrmFieldType.Double,
                ["f2"] = CrmFieldType.Double, ["f3"] = CrmFieldType.Double, ["flag"] = CrmFieldType.Boolean,
                ["born"] = CrmFieldType.Date, ["seen"] = CrmFieldType.DateTime, ["ts"] = CrmFieldType.DateTime,
                ["at"] = CrmFieldType.DateTimeOffset, ["tz"] = CrmFieldType.DateTimeOffset, ["uid"] = CrmFieldType.Guid,
                ["g"] = CrmFieldType.Guid, ["data"] = CrmFieldType.Binary, ["big"] = CrmFieldType.Integer,
                ["note"] = CrmFieldType.String, ["misc"] = CrmFieldType.String,
            };
            Assert.Equal(expected.Count, child.Fields.Count);
            foreach (var f in child.Fields) Assert.True(expected[f.Name] == f.Type, f.Name + " is " + f.Type);
            Assert.True(child.GetField("pa")!.Nullable);

            var rel = Assert.Single(child.Relations);
            Assert.Equal("child", rel.Entity);
            Assert.Equal(new[] { "pb", "pa" }, rel.Fields);
            Assert.Equal("Parent", rel.ReferencedEntity);
            Assert.Equal(new[] { "b", "a" }, rel.ReferencedFields);

            Assert.Null(p.DescribeEntity("nope", true));
            Assert.Equal(2L, p.DescribeEntity("v_parent", true)!.Fields.Count);
        }

        [Fact]
        public void CompositeKeyReadsAsMultiPartKeyAndNoKeyInventsNone()
        {
            using var dir = new TempDir();
            string db = dir.File("d.db");
            Exec(db, "CREATE TABLE t (a INTEGER, b TEXT, v TEXT, PRIMARY KEY (b, a)); INSERT INTO t VALUES (1,'x|y','one');" +
                     "CREATE TABLE nk (v TEXT); INSERT INTO nk VALUES ('p'),('q'); DELETE FROM nk WHERE v = 'p';");
            using var p = Provider(db);
            var r = Assert.Single(ReadAll(p, "t"));
            Assert.True(r.Key!.IsComposite);
            Assert.Equal(new[] { "x|y", "1" }, r.Key.Parts);
            Assert.Equal(p.Connection.DisplayName, r.Origin!.System);
            Assert.Equal("t", r.Origin.Entity);
            Assert.Equal(r.Key.ToString(), r.Origin.SourceKey);
            Assert.Equal(1L, r.Origin.Line);
            var nk = Assert.Single(ReadAll(p, "NK"));
            Assert.Null(nk.Key); // never the rowid: another copy of the table numbers its rows differently
            Assert.Null(nk.Origin!.SourceKey);
            Assert.Equal("nk", nk.Entity);
        }

        private static CrmEntitySchema AllTypesSchema(string name)
        {
            var fields = new List<CrmFieldSchema>
            {
                new CrmFieldSchema("id", CrmFieldType.Integer) { IsKey = true },
                new CrmFieldSchema("s", CrmFieldType.String),
                new CrmFieldSchema("i", CrmFieldType.Integer),
                new CrmFieldSchema("m", CrmFieldType.Decimal),
                new CrmFieldSchema("d", CrmFieldType.Double),
                new CrmFieldSchema("b", CrmFieldType.Boolean),
                new CrmFieldSchema("dt", CrmFieldType.Date),
                new CrmFieldSchema("ts", CrmFieldType.DateTime),
                new CrmFieldSchema("dto", CrmFieldType.DateTimeOffset),
                new CrmFieldSchema("g", CrmFieldType.Guid),
                new CrmFieldSchema("bin", CrmFieldType.Binary),
            };
            return new CrmEntitySchema(name, fields) { Key = new[] { "id" } };
        }

        [Fact]
        public void EveryTypeRoundTripsExactly()
        {
            using var dir = new TempDir();
            string db = dir.File("types.db");
            object?[][] rows =
            {
                new object?[] { 1L, "héllo 张伟 ＡＢＣ", long.MaxValue, 1234.5678m, 0.1d, true, new DateTime(2024, 3, 5), new DateTime(2024, 3, 5, 10, 11, 12, 345).AddTicks(6789),
                    new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8)), Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), new byte[] { 0, 1, 2, 255 } },
                new object?[] { 2L, "", long.MinValue, 79228162514264337593543950335m, -1.5e300d, false, new DateTime(1900, 1, 1), new DateTime(2024, 3, 5, 0, 0, 0),
                    new DateTimeOffset(2024, 3, 5, 23, 59, 59, TimeSpan.FromMinutes(-330)), Guid.Empty, Array.Empty<byte>() },
                new object?[] { 3L, null, null, 0.0000000000000000000000000001m, null, null, null, null, null, null, null },
                new object?[] { 4L, "  spaces  ", 0L, -1.50m, double.Epsilon, true, new DateTime(9999, 12, 31), new DateTime(2000, 2, 29, 23, 59, 59, 999),
                    new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), Guid.NewGuid(), new byte[300] },
            };
            var schema = AllTypesSchema("all_types");
            var batch = new List<CrmRecord>();
            foreach (var row in rows)
            {
                var r = new CrmRecord("all_types");
                for (int i = 0; i < row.Length; i++) r.Set(schema.Fields[i].Name, row[i]);
                batch.Add(r);
            }
            using (var p = Provider(db))
            {
                var outcomes = Write(p, "all_types", new CrmWriteOptions { Schema = schema }, batch);
                Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            }
            using (var p = Provider(db))
            {
                var described = p.DescribeEntity("all_types", false)!;
                for (int i = 0; i < schema.Fields.Count; i++) Assert.Equal(schema.Fields[i].Type, described.Fields[i].Type);

                var back = ReadAll(p, "all_types");
                Assert.Equal(rows.Length, back.Count);
                for (int r = 0; r < rows.Length; r++)
                {
                    for (int i = 0; i < rows[r].Length; i++)
                    {
                        object? expected = rows[r][i];
                        object? actual = back[r].GetValue(i);
                        if (expected is null) { Assert.Null(actual); continue; }
                        Assert.IsType(expected.GetType(), actual);
                        Assert.Equal(expected, actual);
                        if (expected is DateTimeOffset e) Assert.Equal(e.Offset, ((DateTimeOffset)actual!).Offset);
                        // The value exactly; its trailing zeros only when the column declares a scale (DecimalScaleComesBackFromTheDeclaredType).
                        if (expected is decimal m) Assert.Equal(m / 1.000000000000000000000000000000m, (decimal)actual! / 1.000000000000000000000000000000m);
                    }
                }
                Assert.Equal("1", back[0].Key!.ToString());
            }
            // Stored forms: decimals as numbers (beyond 15 significant digits with a fraction or 64 bits, exact text in a BLOB),
            // bool as 0/1, guid as text, dates as ISO text, bytes as BLOB.
            Assert.Equal("real", Scalar(db, "SELECT typeof(m) FROM all_types WHERE id = 1"));
            Assert.Equal("blob", Scalar(db, "SELECT typeof(m) FROM all_types WHERE id = 2"));
            Assert.Equal("79228162514264337593543950335", Scalar(db, "SELECT CAST(m AS TEXT) FROM all_types WHERE id = 2"));
            Assert.Equal(1L, Scalar(db, "SELECT b FROM all_types WHERE id = 1"));
            Assert.Equal("3f2504e0-4f89-11d3-9a0c-0305e82c3301", Scalar(db, "SELECT g FROM all_types WHERE id = 1"));
            Assert.Equal("2024-03-05", Scalar(db, "SELECT dt FROM all_types WHERE id = 1"));
            Assert.Equal("2024-03-05T10:11:12+08:00", Scalar(db, "SELECT dto FROM all_types WHERE id = 1"));
            Assert.Equal("blob", Scalar(db, "SELECT typeof(bin) FROM all_types WHERE id = 1"));
            Assert.Equal("", Scalar(db, "SELECT s FROM all_types WHERE id = 2"));
        }

        [Fact]
        public void HostileIdentifiersAreQuoted()
        {
            using var dir = new TempDir();
            string db = dir.File("weird.db");
            using var p = Provider(db);
            var schema = new CrmEntitySchema(Weird, new[]
            {
                new CrmFieldSchema("id", CrmFieldType.Integer),
                new CrmFieldSchema(WeirdCol, CrmFieldType.String),
            }) { Key = new[] { "id" } };
            var outcomes = Write(p, Weird, new CrmWriteOptions { Schema = schema },
                new[] { Rec(Weird, ("id", 1L), (WeirdCol, "x'); DROP TABLE t; --")), Rec(Weird, ("id", 2L), (WeirdCol, "y")) });
            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            Assert.Equal(new[] { Weird }, p.ListEntities());
            var described = p.DescribeEntity(Weird.ToUpperInvariant(), true)!;
            Assert.Equal(Weird, described.Name);
            Assert.Equal(2L, described.RowCount);
            Assert.Equal(WeirdCol, described.Fields[1].Name);

            var hit = Assert.Single(ReadAll(p, Weird, new CrmFieldFilter(WeirdCol, "x'); DROP*")));
            Assert.Equal("x'); DROP TABLE t; --", hit[WeirdCol]);

            // Upsert and a new hostile column (ALTER TABLE ADD COLUMN) through the same quoting.
            string newCol = "new \"col\"; x";
            var up = Write(p, Weird, new CrmWriteOptions { Mode = CrmWriteMode.Upsert, AddColumns = true },
                new[] { Rec(Weird, ("id", 2L), (WeirdCol, "z"), (newCol, 5L)) });
            Assert.Equal(CrmOutcome.Updated, Assert.Single(up).Outcome);
            var all = ReadAll(p, Weird);
            Assert.Equal("z", all[1][WeirdCol]);
            Assert.Equal(5L, all[1][newCol]);
            Assert.Equal(CrmFieldType.Integer, p.DescribeEntity(Weird, false)!.GetField(newCol)!.Type);
        }

        [Fact]
        public void DuplicateKeyIsRejectedAndTheRestOfTheBatchLands()
        {
            using var dir = new TempDir();
            string db = dir.File("dup.db");
            using var p = Provider(db);
            var schema = new CrmEntitySchema("people", new[] { new CrmFieldSchema("id", CrmFieldType.String), new CrmFieldSchema("name", CrmFieldType.String) }) { Key = new[] { "id" } };
            var opts = new CrmWriteOptions { Schema = schema };
            var outcomes = Write(p, "people", opts,
                new[] { Rec("people", ("id", "A1"), ("name", "Ann")), Rec("people", ("id", "A2"), ("name", "Bob")) },
                new[] { Rec("people", ("id", "A3"), ("name", "Cid")), Rec("people", ("id", "A2"), ("name", "Bob again")), Rec("people", ("id", "A4"), ("name", "Dee")), Rec("people", ("id", "A4"), ("name", "Dee twice")) });
            Assert.Equal(6, outcomes.Count);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Inserted, CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Inserted, CrmOutcome.Rejected },
                outcomes.ConvertAll(o => o.Outcome));
            Assert.Equal("DuplicateKey", outcomes[3].ReasonCode);
            Assert.Equal("A2", outcomes[3].Key);
            Assert.Equal("DuplicateKey", outcomes[5].ReasonCode);
            Assert.Equal(new[] { 1, 1, 2, 2, 2, 2 }, outcomes.ConvertAll(o => o.Batch));
            Assert.Equal(4L, Count(db, "SELECT COUNT(*) FROM people"));
            Assert.Equal("Bob", Scalar(db, "SELECT name FROM people WHERE id = 'A2'"));
        }

        [Fact]
        public void UpsertCountsInsertedUpdatedSkippedExactly()
        {
            using var dir = new TempDir();
            string db = dir.File("up.db");
            using var p = Provider(db);
            var schema = new CrmEntitySchema("acc", new[]
            {
                new CrmFieldSchema("id", CrmFieldType.Integer), new CrmFieldSchema("name", CrmFieldType.String),
                new CrmFieldSchema("amount", CrmFieldType.Decimal), new CrmFieldSchema("since", CrmFieldType.Date),
            }) { Key = new[] { "id" } };
            var first = new List<CrmRecord>();
            for (int i = 1; i <= 5; i++) first.Add(Rec("acc", ("id", (long)i), ("name", "n" + i), ("amount", i * 1.25m), ("since", new DateTime(2020, 1, i))));
            Write(p, "acc", new CrmWriteOptions { Schema = schema }, first);

            var second = new List<CrmRecord>
            {
                Rec("acc", ("id", 1L), ("name", "n1"), ("amount", 1.250m), ("since", new DateTime(2020, 1, 1))), // same (1.250 == 1.25)
                Rec("acc", ("id", "2"), ("name", "n2"), ("amount", "2.5"), ("since", "2020-01-02")),             // same, as text
                Rec("acc", ("id", 3L), ("name", "changed"), ("amount", 3.75m), ("since", new DateTime(2020, 1, 3))),
                Rec("acc", ("id", 4L), ("name", "n4"), ("amount", 99m), ("since", new DateTime(2020, 1, 4))),
                Rec("acc", ("id", 6L), ("name", "n6"), ("amount", 6m), ("since", new DateTime(2020, 1, 6))),
                Rec("acc", ("id", 7L), ("name", "n7"), ("amount", 7m), ("since", null)),
                Rec("acc", ("id", 8L), ("name", "n8"), ("amount", null), ("since", null)),
            };
            var outcomes = Write(p, "acc", new CrmWriteOptions { Mode = CrmWriteMode.Upsert }, second);
            Assert.Equal(new[] { CrmOutcome.Skipped, CrmOutcome.Skipped, CrmOutcome.Updated, CrmOutcome.Updated, CrmOutcome.Inserted, CrmOutcome.Inserted, CrmOutcome.Inserted },
                outcomes.ConvertAll(o => o.Outcome));
            Assert.Equal(8L, Count(db, "SELECT COUNT(*) FROM acc"));
            Assert.Equal("changed", Scalar(db, "SELECT name FROM acc WHERE id = 3"));
            // Decimals are stored as numbers (99 as an integer), so SQL sorts and sums them as numbers.
            Assert.Equal(99L, Scalar(db, "SELECT amount FROM acc WHERE id = 4"));
            Assert.Equal("integer", Scalar(db, "SELECT typeof(amount) FROM acc WHERE id = 4"));
            Assert.Equal(3.75d, Scalar(db, "SELECT amount FROM acc WHERE id = 3"));
            Assert.Equal("n5", Scalar(db, "SELECT name FROM acc WHERE id = 5"));

            // A second identical run changes nothing.
            var again = Write(p, "acc", new CrmWriteOptions { Mode = CrmWriteMode.Upsert }, second);
            Assert.All(again, o => Assert.Equal(CrmOutcome.Skipped, o.Outcome));
        }

        [Fact]
        public void ConstraintViolationsAreRejectedWithTheirReason()
        {
            using var dir = new TempDir();
            string db = dir.File("c.db");
            Exec(db, "CREATE TABLE acc (id TEXT PRIMARY KEY); INSERT INTO acc VALUES ('A1');" +
                     "CREATE TABLE con (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER CHECK (age >= 0), acc TEXT REFERENCES acc (id));");
            using var p = Provider(db);
            var batch = new[]
            {
                Rec("con", ("id", 1L), ("name", "ok"), ("age", 30L), ("acc", "A1")),
                Rec("con", ("id", 2L), ("name", null), ("age", 30L), ("acc", "A1")),
                Rec("con", ("id", 3L), ("name", "neg"), ("age", -1L), ("acc", "A1")),
                Rec("con", ("id", 4L), ("name", "orphan"), ("age", 5L), ("acc", "ZZ")),
                Rec("con", ("id", 5L), ("name", "bad age"), ("age", "abc"), ("acc", "A1")),
                Rec("con", ("id", 6L), ("name", "ok too"), ("age", null), ("acc", null)),
            };
            var outcomes = Write(p, "con", new CrmWriteOptions(), batch);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted },
                outcomes.ConvertAll(o => o.Outcome));
            Assert.Equal("ConstraintViolation", outcomes[1].ReasonCode);
            Assert.Contains("NOT NULL", outcomes[1].Message);
            Assert.Equal("ConstraintViolation", outcomes[2].ReasonCode);
            Assert.Contains("CHECK", outcomes[2].Message);
            Assert.Equal("ConstraintViolation", outcomes[3].ReasonCode);
            Assert.Contains("FOREIGN KEY", outcomes[3].Message);
            Assert.Equal("ValueConversion", outcomes[4].ReasonCode);
            Assert.Contains("age", outcomes[4].Message);
            Assert.Equal(2L, Count(db, "SELECT COUNT(*) FROM con"));

            // With ForeignKeys=off the orphan lands (a legacy database with unenforced references).
            var conn = new CrmConnection(CrmProviderKind.Sqlite, db);
            conn.Options["ForeignKeys"] = "off";
            using var loose = new Providers.Sqlite.SqliteProvider(conn);
            var o2 = Write(loose, "con", new CrmWriteOptions(), new[] { batch[3] });
            Assert.Equal(CrmOutcome.Inserted, Assert.Single(o2).Outcome);
        }

        [Fact]
        public void PlanBatchWritesNothing()
        {
            using var dir = new TempDir();
            string db = dir.File("plan.db");
            using (var p = Provider(db))
            {
                var schema = new CrmEntitySchema("t", new[] { new CrmFieldSchema("id", CrmFieldType.Integer), new CrmFieldSchema("name", CrmFieldType.String) { Nullable = false } }) { Key = new[] { "id" } };
                Write(p, "t", new CrmWriteOptions { Schema = schema }, new[] { Rec("t", ("id", 1L), ("name", "a")), Rec("t", ("id", 2L), ("name", "b")) });
            }
            Assert.False(File.Exists(db + "-wal"));
            string before = Hash(db);
            var batch = new[]
            {
                Rec("t", ("id", 1L), ("name", "a")),        // unchanged
                Rec("t", ("id", 2L), ("name", "B!")),       // changed
                Rec("t", ("id", 3L), ("name", "c")),        // new
                Rec("t", ("id", 3L), ("name", "c")),        // same as the planned insert
                Rec("t", ("id", 4L), ("name", null)),       // NOT NULL
                Rec("t", ("id", 5L), ("name", "e"), ("extra", 1L)), // new field: no ALTER while planning
            };
            using (var p = Provider(db))
            {
                var outcomes = new List<CrmRecordOutcome>();
                using (var w = p.OpenWriter("t", new CrmWriteOptions { Mode = CrmWriteMode.Upsert }))
                {
                    // A field the table lacks stops the plan too, unless AddColumns asks (and even then planning never alters).
                    Assert.Equal("TargetFieldsMissing", Assert.Throws<CrmException>(() => w.PlanBatch(batch, outcomes)).Error.Code);
                }
                outcomes.Clear();
                using (var w = p.OpenWriter("t", new CrmWriteOptions { Mode = CrmWriteMode.Upsert, AddColumns = true }))
                {
                    w.PlanBatch(batch, outcomes);
                }
                Assert.Equal(new[] { CrmOutcome.Skipped, CrmOutcome.Updated, CrmOutcome.Inserted, CrmOutcome.Skipped, CrmOutcome.Rejected, CrmOutcome.Inserted },
                    outcomes.ConvertAll(o => o.Outcome));
                Assert.All(outcomes, o => Assert.True(o.WhatIf));
                Assert.Equal("ConstraintViolation", outcomes[4].ReasonCode);

                var insertOutcomes = new List<CrmRecordOutcome>();
                using (var w = p.OpenWriter("t", new CrmWriteOptions { Mode = CrmWriteMode.Insert, AddColumns = true }))
                {
                    w.PlanBatch(batch, insertOutcomes);
                }
                Assert.Equal(new[] { CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Rejected, CrmOutcome.Inserted },
                    insertOutcomes.ConvertAll(o => o.Outcome));
                Assert.Equal("DuplicateKey", insertOutcomes[0].ReasonCode);
                Assert.Equal("DuplicateKey", insertOutcomes[3].ReasonCode);
            }
            Assert.Equal(before, Hash(db));
            Assert.Equal(2L, Count(db, "SELECT COUNT(*) FROM t"));

            // Planning against a database that does not exist creates nothing.
            string missing = dir.File("none.db");
            using (var p = Provider(missing))
            {
                var outcomes = new List<CrmRecordOutcome>();
                using (var w = p.OpenWriter("t", new CrmWriteOptions { KeyFields = new[] { "id" } }))
                {
                    w.PlanBatch(batch, outcomes);
                }
                Assert.Equal(CrmOutcome.Inserted, outcomes[0].Outcome);
                Assert.Equal("DuplicateKey", outcomes[3].ReasonCode);
            }
            Assert.False(File.Exists(missing));
        }

        [Fact]
        public void FiltersMatchEqualityAndWildcards()
        {
            using var dir = new TempDir();
            string db = dir.File("f.db");
            Exec(db, "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score INTEGER);" +
                     "INSERT INTO c VALUES (1,'Ann','Berlin',10),(2,'anna','Bonn',20),(3,'Bob','Berlin',10),(4,'Zoë','Zürich',30),(5,'50%_off',NULL,NULL),(6,'500 off','',40);");
            using var p = Provider(db);
            List<long> Ids(params CrmFieldFilter[] f) => ReadAll(p, "c", f).ConvertAll(r => (long)r["id"]!);
            Assert.Equal(new[] { 1L }, Ids(new CrmFieldFilter("name", "ANN")));
            Assert.Equal(new[] { 1L, 2L }, Ids(new CrmFieldFilter("name", "an*")));
            Assert.Equal(new[] { 1L, 3L }, Ids(new CrmFieldFilter("city", "berlin"), new CrmFieldFilter("score", 10L)));
            Assert.Equal(new[] { 3L }, Ids(new CrmFieldFilter("city", "B?rlin"), new CrmFieldFilter("name", "b*")));
            Assert.Equal(new[] { 5L }, Ids(new CrmFieldFilter("name", "50%_*")));
            Assert.Equal(new[] { 2L }, Ids(new CrmFieldFilter("score", "20")));
            Assert.Equal(new[] { 4L }, Ids(new CrmFieldFilter("name", "ZOË")));
            Assert.Equal(new[] { 4L }, Ids(new CrmFieldFilter("city", "zü*")));
            Assert.Equal(new[] { 5L, 6L }, Ids(new CrmFieldFilter("city", null)));
            Assert.Empty(Ids(new CrmFieldFilter("nosuchfield", "x")));
            var r = ReadAll(p, "c", new CrmFieldFilter("name", "b*"));
            Assert.Equal(1L, Assert.Single(r).Origin!.Line);
        }

        [Fact]
        public void MissingDatabaseOnReadIsNotFoundAndNotCreated()
        {
            using var dir = new TempDir();
            string db = dir.File("missing.db");
            using var p = Provider(db);
            var ex = Assert.Throws<CrmException>(() => p.Read("t", new CrmReadOptions(), _ => { }, CancellationToken.None));
            Assert.Equal("SqliteDatabaseNotFound", ex.Error.Code);
            Assert.Equal("SqliteDatabaseNotFound", Assert.Throws<CrmException>(() => p.ListEntities()).Error.Code);
            Assert.Equal("SqliteDatabaseNotFound", Assert.Throws<CrmException>(() => p.DescribeEntity("t", false)).Error.Code);
            Assert.False(File.Exists(db));

            Exec(db, "CREATE TABLE t (x)");
            using var p2 = Provider(db);
            Assert.Equal("SqliteEntityNotFound", Assert.Throws<CrmException>(() => p2.Read("nope", new CrmReadOptions(), _ => { }, CancellationToken.None)).Error.Code);
        }

        [Fact]
        public void CreatesTableFromInferredTypesAndRecordKeys()
        {
            using var dir = new TempDir();
            string db = dir.File("sub/dir/new.db");
            using var p = Provider(db);
            var a = Rec("things", ("code", "T1"), ("qty", 3L), ("price", 9.99m), ("when", new DateTime(2024, 1, 2)));
            a.Key = new CrmKey("T1");
            var b = Rec("things", ("code", "T2"), ("qty", 4L), ("price", 10L), ("when", new DateTime(2024, 1, 2, 3, 4, 5)));
            b.Key = new CrmKey("T2");
            var outcomes = Write(p, "things", new CrmWriteOptions(), new[] { a, b });
            Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            var s = p.DescribeEntity("things", true)!;
            Assert.Equal(new[] { "code" }, s.Key);
            Assert.Equal(CrmFieldType.Integer, s.GetField("qty")!.Type);
            Assert.Equal(CrmFieldType.Decimal, s.GetField("price")!.Type);
            Assert.Equal(CrmFieldType.DateTime, s.GetField("when")!.Type);
            var back = ReadAll(p, "things");
            Assert.Equal(10m, back[1]["price"]);
            Assert.Equal(new DateTime(2024, 1, 2), back[0]["when"]);
            Assert.Equal("T2", back[1].Key!.ToString());
        }

        [Fact]
        public void FailedBatchRollsBackIncludingTableCreation()
        {
            using var dir = new TempDir();
            string db = dir.File("tx.db");
            using var p = Provider(db);
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("t", new CrmWriteOptions { KeyFields = new[] { "id" } }))
            {
                w.WriteBatch(new[] { Rec("t", ("id", 1L)) }, outcomes);
            }
            using (var w = p.OpenWriter("u", new CrmWriteOptions { Mode = CrmWriteMode.Upsert }))
            {
                var ex = Assert.Throws<CrmException>(() => w.WriteBatch(new[] { Rec("u", ("v", 2L)) }, outcomes));
                Assert.Equal("SqliteUpsertNeedsKey", ex.Error.Code);
            }
            Assert.Equal(1L, Count(db, "SELECT COUNT(*) FROM t"));
            Assert.Equal(0L, Count(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'u'"));
            Assert.Equal(new[] { "t" }, p.ListEntities());
        }
    
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ABatchCommittedToTheLog_IsCopiedIntoTheFile_WhileTheWriterGoesOn(bool aside)
        {
            // The writer only appends its commits to the write-ahead log; another thread copies them into the file (WalCheckpointer).
            // Without it, 1.2 MB of commits stay in the log (SQLite's own checkpoint waits for 4 MB) until the writer ends.
            bool saved = Providers.Sqlite.SqliteEntityWriter.CheckpointsAside;
            Providers.Sqlite.SqliteEntityWriter.CheckpointsAside = aside;
            try
            {
                using var dir = new TempDir();
                string db = dir.File("log.db");
                using (var p = Provider(db))
                using (var w = p.OpenWriter("t", new CrmWriteOptions { KeyFields = new[] { "id" } }))
                {
                    var outcomes = new List<CrmRecordOutcome>();
                    for (int b = 0; b < 4; b++)
                    {
                        var batch = new List<CrmRecord>();
                        for (int i = 0; i < 2000; i++) batch.Add(Rec("t", ("id", (long)(b * 2000 + i)), ("note", new string((char)('a' + b), 150))));
                        w.WriteBatch(batch, outcomes);
                    }
                    Assert.Equal(8000, outcomes.Count);
                    Assert.True(File.Exists(db + "-wal"));
                    // Copied soon after each commit, while the writer is open: the file grows past the rows' 1.2 MB.
                    var until = DateTime.UtcNow.AddSeconds(10);
                    while (aside && new FileInfo(db).Length < 1_200_000 && DateTime.UtcNow < until) Thread.Sleep(20);
                    if (aside) Assert.True(new FileInfo(db).Length >= 1_200_000, $"the file holds {new FileInfo(db).Length:N0} bytes");
                    else Assert.True(new FileInfo(db).Length < 100_000, $"the file holds {new FileInfo(db).Length:N0} bytes");
                    w.Complete();
                }
                // The end leaves the file whole either way.
                Assert.False(File.Exists(db + "-wal"));
                Assert.Equal(8000L, Count(db, "SELECT COUNT(*) FROM t"));
            }
            finally
            {
                Providers.Sqlite.SqliteEntityWriter.CheckpointsAside = saved;
            }
        }

        [Fact]
        public void ReadsTheCommittedContentOfAFileAWriterLeftWithAHotJournal()
        {
            // A writer that stops mid-transaction (killed, crashed) leaves '<file>-journal': a read-only connection cannot
            // roll it back (SQLITE_READONLY_ROLLBACK), which made every reader fail with "attempt to write a readonly database".
            using var dir = new TempDir();
            string live = dir.File("live.db"), left = dir.File("left.db");
            Exec(live, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) INSERT INTO t SELECT x, 'committed ' || x FROM c;");
            using (var writer = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + live + ";Pooling=False"))
            {
                writer.Open();
                using var cmd = writer.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode=DELETE; PRAGMA cache_size=5; BEGIN; UPDATE t SET v = 'uncommitted ' || id;";
                cmd.ExecuteNonQuery();
                // The transaction is in progress and has spilled into the file: a copy of both files is what a killed writer leaves.
                Assert.True(File.Exists(live + "-journal"));
                File.Copy(live, left);
                File.Copy(live + "-journal", left + "-journal");
            }
            using var p = Provider(left);
            Assert.Equal(new[] { "t" }, p.ListEntities());
            var values = new List<string>();
            foreach (var r in p.Read("t", new CrmReadOptions(), e => throw new Xunit.Sdk.XunitException(e.Message), CancellationToken.None)) values.Add((string)r["v"]!);
            Assert.Equal(3000, values.Count);
            Assert.All(values, v => Assert.StartsWith("committed ", v, StringComparison.Ordinal));
            Assert.Contains(p.Notices, n => n.Contains("left unfinished", StringComparison.Ordinal) && n.Contains(left, StringComparison.Ordinal));
            Assert.False(File.Exists(left + "-journal") && new FileInfo(left + "-journal").Length > 0);
        }
    }
}
