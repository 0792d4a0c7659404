using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Schema;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Entities created from portable schemas on the real PostgreSQL and MariaDB servers, read back from their catalogs.</summary>
    public class DbSchemaTests
    {
        public static IEnumerable<object[]> Kinds => DbProviderTests.Kinds;

        private static CrmEntitySchema Account() => new CrmEntitySchema("account", new[]
        {
            new CrmFieldSchema("id", CrmFieldType.Integer) { Size = 4, Nullable = false, AutoIncrement = true },
            new CrmFieldSchema("name", CrmFieldType.String) { MaxLength = 80, Nullable = false, Comment = "Legal name, as registered" },
            new CrmFieldSchema("code", CrmFieldType.String) { MaxLength = 3, FixedLength = true },
            new CrmFieldSchema("credit", CrmFieldType.Decimal) { Precision = 12, Scale = 2 },
            new CrmFieldSchema("employees", CrmFieldType.Integer) { Size = 2 },
            new CrmFieldSchema("rating", CrmFieldType.Double) { Size = 4 },
            new CrmFieldSchema("score", CrmFieldType.Double) { Size = 8 },
            new CrmFieldSchema("parent_id", CrmFieldType.Integer) { Size = 4 },
            new CrmFieldSchema("created", CrmFieldType.DateTime) { Precision = 3, Nullable = false },
            new CrmFieldSchema("closed", CrmFieldType.Date),
            new CrmFieldSchema("updated", CrmFieldType.DateTimeOffset) { Precision = 6 },
            new CrmFieldSchema("active", CrmFieldType.Boolean) { Nullable = false },
            new CrmFieldSchema("uid", CrmFieldType.Guid),
            new CrmFieldSchema("doc", CrmFieldType.String) { Format = "json" },
            new CrmFieldSchema("stage", CrmFieldType.String) { Format = "enum", AllowedValues = new[] { "lead", "won", "it's lost" } },
            new CrmFieldSchema("photo", CrmFieldType.Binary),
        })
        {
            Key = new[] { "id" },
            UniqueKeys = new[] { new[] { "name" } },
            Comment = "Customer companies 客户",
            Relations = new[] { new CrmRelation("account", new[] { "parent_id" }, "account", new[] { "id" }) },
        };

        [Theory]
        [MemberData(nameof(Kinds))]
        public void EveryPropertyOfTheSchemaIsCreatedAndReadBack(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var target = (ICrmSchemaTarget)p;
            var statements = new List<SchemaStatement>();
            target.CreateEntities(new[] { Account() }, whatIf: false, statements.Add);
            Assert.Contains(statements, s => s.What == "table");
            Assert.Contains(statements, s => s.What == "foreign key" && s.Step == SchemaStep.AfterData);
            // The foreign key waits for the data.
            Assert.Empty(p.DescribeEntity("account", false)!.Relations);
            Assert.Empty(target.CompleteSchema(null));
            var back = p.DescribeEntity("account", false)!;
            var expected = Account();
            Assert.Equal(expected.Comment, back.Comment);
            Assert.Equal(new[] { "id" }, back.Key);
            Assert.Equal(new[] { "name" }, back.UniqueKeys.Single());
            var rel = back.Relations.Single();
            Assert.Equal(("parent_id", "account", "id"), (rel.Fields.Single(), rel.ReferencedEntity, rel.ReferencedFields.Single()));
            foreach (var f in expected.Fields)
            {
                var b = back.GetField(f.Name)!;
                Assert.True(f.TypeText == b.TypeText, $"{kind} {f.Name}: {f.TypeText} came back as {b.TypeText} ({b.SourceType})");
                Assert.Equal(f.Nullable, b.Nullable);
                Assert.Equal(f.Comment, b.Comment);
            }
            Assert.True(back.GetField("id")!.AutoIncrement);
            // Nothing is created twice: the entity exists now.
            Assert.Empty(target.CreateEntities(new[] { Account() }, whatIf: false, null));
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ANameTheEngineCannotHoldCreatesNothing(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var ok = new CrmEntitySchema("first", new[] { new CrmFieldSchema("id", CrmFieldType.Integer) }) { Key = new[] { "id" } };
            var tooLong = new CrmEntitySchema("second", new[] { new CrmFieldSchema("id", CrmFieldType.Integer), new CrmFieldSchema(new string('c', 70), CrmFieldType.String) }) { Key = new[] { "id" } };
            var ex = Assert.Throws<CrmException>(() => ((ICrmSchemaTarget)p).CreateEntities(new[] { ok, tooLong }, whatIf: false, null));
            Assert.Equal("TargetNameTooLong", ex.Error.Code);
            Assert.Contains(new string('c', 70), ex.Error.Message);
            Assert.Empty(p.ListEntities());
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void AForeignKeyTheDataBreaksIsAnErrorAndTheRecordsStay(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            using var p = db.Provider();
            var parent = new CrmEntitySchema("parent", new[] { new CrmFieldSchema("id", CrmFieldType.Integer) { Size = 4 } }) { Key = new[] { "id" } };
            var child = new CrmEntitySchema("child", new[] { new CrmFieldSchema("id", CrmFieldType.Integer) { Size = 4 }, new CrmFieldSchema("parent_id", CrmFieldType.Integer) { Size = 4 } })
            {
                Key = new[] { "id" },
                Relations = new[] { new CrmRelation("child", new[] { "parent_id" }, "parent", new[] { "id" }) },
            };
            var target = (ICrmSchemaTarget)p;
            target.CreateEntities(new[] { parent, child }, false, null);
            db.Exec("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1), (2, 99)");
            var error = Assert.Single(target.CompleteSchema(null));
            Assert.Equal(("ForeignKeyNotCreated", "child"), (error.Code, error.Entity));
            Assert.Equal(2L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM child"), CultureInfo.InvariantCulture));
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void AFloat4ComesBackAsWrittenNotWidened(CrmProviderKind kind)
        {
            using var db = new TestDatabase(kind);
            db.Exec(kind == CrmProviderKind.PostgreSql ? "CREATE TABLE m (id int PRIMARY KEY, r real); INSERT INTO m VALUES (1, 9.8), (2, 1.1)" : "CREATE TABLE m (id int PRIMARY KEY, r float); INSERT INTO m VALUES (1, 9.8), (2, 1.1)");
            using var p = db.Provider();
            var values = p.Read("m", new CrmReadOptions(), _ => { }, System.Threading.CancellationToken.None).Select(r => r["r"]).ToArray();
            Assert.Equal(new object?[] { 9.8d, 1.1d }, values);
        }
    }
}
