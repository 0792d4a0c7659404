using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Schema;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    /// <summary>The type table, the SQLite table-text reader, the DDL scripter, type inference and the target designer.</summary>
    public class SchemaTests
    {
        [Fact]
        public void PostgresTypesReadWithTheirDetails()
        {
            var v = SqlTypes.FromPostgres("a", "varchar", "character varying(80)", 'b', null);
            Assert.Equal((CrmFieldType.String, 80, false), (v.Type, v.MaxLength, v.FixedLength));
            var c = SqlTypes.FromPostgres("a", "bpchar", "character(3)", 'b', null);
            Assert.Equal((CrmFieldType.String, 3, true), (c.Type, c.MaxLength, c.FixedLength));
            var n = SqlTypes.FromPostgres("a", "numeric", "numeric(12,2)", 'b', null);
            Assert.Equal((CrmFieldType.Decimal, 12, 2), (n.Type, n.Precision, n.Scale));
            Assert.Null(SqlTypes.FromPostgres("a", "numeric", "numeric", 'b', null).Precision);
            Assert.Equal(2, SqlTypes.FromPostgres("a", "int2", "smallint", 'b', null).Size);
            Assert.Equal(4, SqlTypes.FromPostgres("a", "float4", "real", 'b', null).Size);
            Assert.Equal(8, SqlTypes.FromPostgres("a", "float8", "double precision", 'b', null).Size);
            var ts = SqlTypes.FromPostgres("a", "timestamp", "timestamp(3) without time zone", 'b', null);
            Assert.Equal((CrmFieldType.DateTime, 3), (ts.Type, ts.Precision));
            Assert.Equal(CrmFieldType.DateTimeOffset, SqlTypes.FromPostgres("a", "timestamptz", "timestamp with time zone", 'b', null).Type);
            Assert.Equal("jsonb", SqlTypes.FromPostgres("a", "jsonb", "jsonb", 'b', null).Format);
            var e = SqlTypes.FromPostgres("a", "stage", "stage", 'e', new[] { "lead", "won" });
            Assert.Equal("enum", e.Format);
            Assert.Equal(new[] { "lead", "won" }, e.AllowedValues!.ToArray());
        }

        [Fact]
        public void MySqlTypesReadWithTheirDetails()
        {
            var u = SqlTypes.FromMySql("a", "int", "int(10) unsigned", null, 10, 0, null, "auto_increment", "The id", false);
            Assert.Equal((CrmFieldType.Integer, 4, true, true, "The id"), (u.Type, u.Size, u.Unsigned, u.AutoIncrement, u.Comment));
            Assert.Equal(CrmFieldType.Boolean, SqlTypes.FromMySql("a", "tinyint", "tinyint(1)", null, 3, 0, null, "", "", false).Type);
            Assert.Equal(1, SqlTypes.FromMySql("a", "tinyint", "tinyint(4)", null, 3, 0, null, "", "", false).Size);
            var d = SqlTypes.FromMySql("a", "decimal", "decimal(12,2)", null, 12, 2, null, "", "", false);
            Assert.Equal((CrmFieldType.Decimal, 12, 2), (d.Type, d.Precision, d.Scale));
            Assert.Equal(4, SqlTypes.FromMySql("a", "float", "float", null, 12, null, null, "", "", false).Size);
            var en = SqlTypes.FromMySql("a", "enum", "enum('a','it''s','c\\\\d')", 5, null, null, null, "", "", false);
            Assert.Equal(new[] { "a", "it's", "c\\d" }, en.AllowedValues!.ToArray());
            Assert.Equal("json", SqlTypes.FromMySql("a", "longtext", "longtext", 4294967295, null, null, null, "", "", jsonChecked: true).Format);
            // Portable types MySQL has no column type for are kept by a marker in the comment, next to the user's comment.
            var g = SqlTypes.FromMySql("a", "char", "char(36)", 36, null, null, null, "", "Customer id [crm:Guid]", false);
            Assert.Equal((CrmFieldType.Guid, "Customer id"), (g.Type, g.Comment));
            var o = SqlTypes.FromMySql("a", "datetime", "datetime(6)", null, null, null, 6, "", "crm:DateTimeOffset", false);
            Assert.Equal((CrmFieldType.DateTimeOffset, (string?)null), (o.Type, o.Comment));
        }

        [Fact]
        public void SqliteDeclaredTypesReadWithTheirDetails()
        {
            Assert.Equal(80, SqlTypes.FromSqlite("a", "NVARCHAR(80)").MaxLength);
            Assert.True(SqlTypes.FromSqlite("a", "CHAR(3)").FixedLength);
            var d = SqlTypes.FromSqlite("a", "DECIMAL(12,2)");
            Assert.Equal((CrmFieldType.Decimal, 12, 2), (d.Type, d.Precision, d.Scale));
            Assert.Equal(8, SqlTypes.FromSqlite("a", "INTEGER").Size);
            Assert.Equal(4, SqlTypes.FromSqlite("a", "INT").Size);
            Assert.Equal(2, SqlTypes.FromSqlite("a", "SMALLINT").Size);
            Assert.True(SqlTypes.FromSqlite("a", "INT UNSIGNED").Unsigned);
            Assert.Equal(4, SqlTypes.FromSqlite("a", "FLOAT4").Size);
            Assert.Equal(8, SqlTypes.FromSqlite("a", "FLOAT").Size); // another tool's FLOAT holds doubles
            Assert.Equal(3, SqlTypes.FromSqlite("a", "DATETIME(3)").Precision);
            Assert.Equal(CrmFieldType.Decimal, SqlTypes.FromSqlite("a", "DECIMAL_TEXT").Type); // what earlier versions created
        }

        [Fact]
        public void EachEngineWritesTheTypesItReadsBack()
        {
            var fields = new[]
            {
                new CrmFieldSchema("v", CrmFieldType.String) { MaxLength = 80 },
                new CrmFieldSchema("c", CrmFieldType.String) { MaxLength = 3, FixedLength = true },
                new CrmFieldSchema("n", CrmFieldType.Decimal) { Precision = 12, Scale = 2 },
                new CrmFieldSchema("s", CrmFieldType.Integer) { Size = 2 },
                new CrmFieldSchema("i", CrmFieldType.Integer) { Size = 4 },
                new CrmFieldSchema("f", CrmFieldType.Double) { Size = 4 },
                new CrmFieldSchema("t", CrmFieldType.DateTime) { Precision = 3 },
            };
            foreach (var f in fields)
            {
                var (sqliteType, _) = SqlTypes.ToSqlite(f, false, n => n, t => t);
                var back = SqlTypes.FromSqlite(f.Name, sqliteType);
                Assert.Equal(f.TypeText, back.TypeText);
                string pg = SqlTypes.ToPostgres(f, false, null);
                Assert.Contains(f.Type switch { CrmFieldType.String => f.FixedLength ? "char(3)" : "varchar(80)", CrmFieldType.Decimal => "numeric(12,2)", CrmFieldType.Double => "real", CrmFieldType.DateTime => "timestamp(3)", _ => f.Size == 2 ? "smallint" : "integer" }, pg, StringComparison.Ordinal);
                var (my, marker) = SqlTypes.ToMySql(f, false, false, true, SqlEngineFeatures.None);
                Assert.Null(marker);
                Assert.Equal(f.Type switch { CrmFieldType.String => f.FixedLength ? "char(3)" : "varchar(80)", CrmFieldType.Decimal => "decimal(12,2)", CrmFieldType.Double => "float", CrmFieldType.DateTime => "datetime(3)", _ => f.Size == 2 ? "smallint" : "int" }, my);
            }
            // Same engine: the declared type travels as it is.
            Assert.Equal("money", SqlTypes.ToPostgres(new CrmFieldSchema("m", CrmFieldType.String) { SourceType = "money" }, sameEngine: true, null));
            Assert.Equal("text", SqlTypes.ToPostgres(new CrmFieldSchema("m", CrmFieldType.String) { SourceType = "money" }, sameEngine: false, null));
        }

        [Fact]
        public void SqliteTableTextGivesCommentsChecksAndAutoincrement()
        {
            var t = SqliteTableText.Parse(@"CREATE TABLE ""crm contact"" ( -- People we talk to
  [Id] INTEGER PRIMARY KEY AUTOINCREMENT, -- The number
  `name` VARCHAR(80) NOT NULL /* Full name, as written */,
  -- How to reach them
  email TEXT,
  payload TEXT CHECK (json_valid(payload)),
  stage TEXT CHECK (stage IN ('new', 'won', 'it''s lost')),
  note TEXT /* multi
line */
, CONSTRAINT x CHECK (json_valid(""meta"")), meta TEXT)");
            Assert.Equal("People we talk to", t.TableComment);
            Assert.Equal("The number", t.Get("Id")!.Comment);
            Assert.True(t.Get("Id")!.AutoIncrement);
            Assert.Equal("Full name, as written", t.Get("name")!.Comment);
            Assert.Equal("How to reach them", t.Get("email")!.Comment);
            Assert.True(t.Get("payload")!.Json);
            Assert.Equal(new[] { "new", "won", "it's lost" }, t.Get("stage")!.AllowedValues!.ToArray());
            Assert.Equal("multi\nline", t.Get("note")!.Comment);
            Assert.True(t.Get("meta")!.Json);
            Assert.Null(SqliteTableText.Parse("CREATE TABLE t AS SELECT 1").TableComment);
            Assert.Empty(SqliteTableText.Parse("CREATE TABLE t (a TEXT, 'unterminated").Columns);
        }

        private static CrmEntitySchema Entity(string name, params CrmFieldSchema[] fields) => new CrmEntitySchema(name, fields) { Key = new[] { fields[0].Name } };

        [Fact]
        public void NamesTheEngineCannotHoldStopEverythingWithTheLimit()
        {
            string seventy = new string('x', 70);
            var e = Entity(seventy, new CrmFieldSchema("id", CrmFieldType.Integer));
            var pg = Assert.Throws<CrmException>(() => new SchemaScripter(SqlEngine.PostgreSql, "public").Script(new[] { e }));
            Assert.Equal("TargetNameTooLong", pg.Error.Code);
            Assert.Contains("63 bytes", pg.Error.Message);
            Assert.Contains(seventy, pg.Error.Message);
            Assert.Contains("mapping", pg.Error.Message);
            Assert.Equal("TargetNameTooLong", Assert.Throws<CrmException>(() => new SchemaScripter(SqlEngine.MySql, "db").Script(new[] { e })).Error.Code);
            Assert.NotEmpty(new SchemaScripter(SqlEngine.Sqlite, null).Script(new[] { e }));
            // PostgreSQL counts bytes: 22 Chinese characters are 66 bytes; MySQL counts characters.
            var chinese = Entity("客户", new CrmFieldSchema(new string('名', 22), CrmFieldType.String));
            Assert.Equal("TargetNameTooLong", Assert.Throws<CrmException>(() => new SchemaScripter(SqlEngine.PostgreSql, "public").Script(new[] { chinese })).Error.Code);
            Assert.NotEmpty(new SchemaScripter(SqlEngine.MySql, "db").Script(new[] { chinese }));
            // Names CrmMigration makes (indexes, foreign keys) always fit, and two never collide.
            var s = new SchemaScripter(SqlEngine.PostgreSql, "public");
            string a = s.MadeName("fk", new string('t', 60), new[] { "account_id" }), b = s.MadeName("fk", new string('t', 60), new[] { "account_id2" });
            Assert.True(Encoding.UTF8.GetByteCount(a) <= 63);
            Assert.NotEqual(a, b);
        }

        [Fact]
        public void ForeignKeysComeAfterTheDataWithAnIndexUnlessAKeyCoversThem()
        {
            var account = Entity("account", new CrmFieldSchema("id", CrmFieldType.Integer), new CrmFieldSchema("parent_id", CrmFieldType.Integer));
            account.Relations = new[] { new CrmRelation("account", new[] { "parent_id" }, "account", new[] { "id" }) };
            var contact = new CrmEntitySchema("contact", new[] { new CrmFieldSchema("account_id", CrmFieldType.Integer), new CrmFieldSchema("seq", CrmFieldType.Integer) })
            {
                Key = new[] { "account_id", "seq" },
                Relations = new[] { new CrmRelation("contact", new[] { "account_id" }, "account", new[] { "id" }) { OnDelete = "CASCADE" } },
            };
            var pg = new SchemaScripter(SqlEngine.PostgreSql, "public").Script(new[] { account, contact });
            Assert.All(pg.Where(x => x.What == "table"), x => Assert.Equal(SchemaStep.BeforeData, x.Step));
            var fks = pg.Where(x => x.What == "foreign key").ToList();
            Assert.Equal(2, fks.Count);
            Assert.All(fks, x => Assert.Equal(SchemaStep.AfterData, x.Step));
            Assert.Contains(fks, x => x.Sql.Contains("ON DELETE CASCADE", StringComparison.Ordinal));
            var indexes = pg.Where(x => x.What == "index").ToList();
            Assert.Single(indexes); // contact.account_id leads the primary key: no index of its own
            Assert.Contains("\"parent_id\"", indexes[0].Sql, StringComparison.Ordinal);
            Assert.True(pg.IndexOf(indexes[0]) < pg.IndexOf(fks[0]));
            // SQLite cannot add a foreign key later: it is part of CREATE TABLE.
            var sqlite = new SchemaScripter(SqlEngine.Sqlite, null).Script(new[] { account, contact });
            Assert.DoesNotContain(sqlite, x => x.What == "foreign key");
            Assert.Contains("FOREIGN KEY (\"account_id\") REFERENCES \"account\" (\"id\") ON DELETE CASCADE", sqlite.Single(x => x.Entity == "contact" && x.What == "table").Sql, StringComparison.Ordinal);
        }

        [Fact]
        public void DecimalsAreStoredSoSqlSortsAndSumsThemAndTheyComeBackExactly()
        {
            using var dir = new TempDir();
            string db = dir.File("money.db");
            var schema = new CrmEntitySchema("deal", new[]
            {
                new CrmFieldSchema("id", CrmFieldType.Integer), new CrmFieldSchema("amount", CrmFieldType.Decimal) { Precision = 30, Scale = 2 },
            }) { Key = new[] { "id" } };
            decimal[] amounts = { 999m, 30288.00m, 12.50m, -0.01m, 123456789012345678.99m, 79228162514264337593543950335m };
            using (var p = Provider(db))
            {
                var records = amounts.Select((a, i) => Rec("deal", ("id", (long)i + 1), ("amount", a))).ToArray();
                using var w = p.OpenWriter("deal", new CrmWriteOptions { Schema = schema });
                var outcomes = new List<CrmRecordOutcome>();
                w.WriteBatch(records, outcomes);
                w.Complete();
                Assert.All(outcomes, o => Assert.Equal(CrmOutcome.Inserted, o.Outcome));
            }
            // SQL in the target: the largest of the ordinary amounts is 30288, not the text-sorted 999.
            Assert.Equal(30288L, Scalar(db, "SELECT MAX(amount) FROM deal WHERE id <= 4"));
            Assert.Equal("4,3,1,2", Scalar(db, "SELECT group_concat(id) FROM (SELECT id FROM deal WHERE id <= 4 ORDER BY amount)"));
            Assert.Equal(31299.49d, (double)Scalar(db, "SELECT SUM(amount) FROM deal WHERE id <= 4")!, 6);
            Assert.Equal("integer", Scalar(db, "SELECT typeof(amount) FROM deal WHERE id = 2"));
            Assert.Equal("real", Scalar(db, "SELECT typeof(amount) FROM deal WHERE id = 3"));
            // More than 15 significant digits with a fraction, or beyond 64 bits: exact text kept in a BLOB (sorts after numbers).
            Assert.Equal("blob", Scalar(db, "SELECT typeof(amount) FROM deal WHERE id = 5"));
            using (var p = Provider(db))
            {
                var back = p.Read("deal", new CrmReadOptions(), _ => { }, CancellationToken.None).Select(r => (decimal)r["amount"]!).ToArray();
                Assert.Equal(amounts, back);
                // The declared scale gives the trailing zeros back: 30288.00, 12.50.
                Assert.Equal("30288.00", back[1].ToString(CultureInfo.InvariantCulture));
                Assert.Equal("12.50", back[2].ToString(CultureInfo.InvariantCulture));
            }
        }

        [Fact]
        public void AFloat4IsReadAsTheShortestDecimalThatRoundTrips()
        {
            Assert.Equal(9.8d, Util.CrmValues.SingleToDouble(9.8f));
            Assert.Equal(1.1d, Util.CrmValues.SingleToDouble(1.1f));
            Assert.Equal(16777216d, Util.CrmValues.SingleToDouble(16777216f));
            Assert.Equal(9.8f, (float)Util.CrmValues.SingleToDouble(9.8f));
            Assert.True(double.IsNaN(Util.CrmValues.SingleToDouble(float.NaN)));
        }

        [Fact]
        public void PlainTextTypesAreInferredFromEveryValue()
        {
            var inference = new TypeInference();
            var shape = new CrmFieldShape(new[] { "id", "zip", "amount", "when", "at", "flag", "mixed", "empty", "uid" });
            string?[][] rows =
            {
                new[] { "1", "02134", "12.50", "2024-01-02", "2024-01-02 10:11:12", "true", "1", null, "3f2504e0-4f89-11d3-9a0c-0305e82c3301" },
                new[] { "2", "10001", "7", "2024-02-03", "2024-02-03", "FALSE", "x", "", "3f2504e0-4f89-11d3-9a0c-0305e82c3302" },
                new[] { "-3", "99999", "-0.125", "2024-03-04", "2024-03-04T05:06:07", "true", "2", null, null },
            };
            foreach (var r in rows) inference.Add(new CrmRecord("t", shape, r));
            var schema = new CrmEntitySchema("t", shape.Names.Select(n => new CrmFieldSchema(n, CrmFieldType.String) { SourceType = "text" }).ToArray()) { Key = new[] { "id" } };
            var typed = inference.Apply(schema);
            Assert.Equal(CrmFieldType.Integer, typed.GetField("id")!.Type);
            Assert.Equal(CrmFieldType.String, typed.GetField("zip")!.Type); // a leading zero is text, not the number 2134
            var amount = typed.GetField("amount")!;
            Assert.Equal((CrmFieldType.Decimal, 3), (amount.Type, amount.Scale));
            Assert.Equal(CrmFieldType.Date, typed.GetField("when")!.Type);
            Assert.Equal(CrmFieldType.DateTime, typed.GetField("at")!.Type); // a date among date-times widens to DateTime
            Assert.Equal(CrmFieldType.Boolean, typed.GetField("flag")!.Type);
            Assert.Equal(CrmFieldType.String, typed.GetField("mixed")!.Type);
            Assert.Equal(CrmFieldType.String, typed.GetField("empty")!.Type);
            Assert.Equal(CrmFieldType.Guid, typed.GetField("uid")!.Type);
            Assert.Equal(3, inference.Records);
        }

        [Fact]
        public void AFieldThatIsTextOnceStaysTextWhateverFollowsByRecordsAndByBatches()
        {
            var shape = new CrmFieldShape(new[] { "code", "late", "n" });
            string?[][] rows =
            {
                new[] { "A1", "1", "5" },
                new[] { "12", "2", "6" },
                new[] { "2024-01-02", "x", "7" },
                new[] { "true", "3", "8" },
            };
            var schema = new CrmEntitySchema("t", shape.Names.Select(n => new CrmFieldSchema(n, CrmFieldType.String) { SourceType = "text" }).ToArray());
            var byRecords = new TypeInference();
            foreach (var r in rows) byRecords.Add(new CrmRecord("t", shape, r));
            var byBatches = new TypeInference();
            var batch = new CrmMigration.Engine.Batches.RowBatch("t", shape, 4);
            foreach (var r in rows)
            {
                int row = batch.AddRow(0, 0);
                for (int c = 0; c < r.Length; c++) batch.Columns[c].SetText(row, System.Text.Encoding.UTF8.GetBytes(r[c]!));
            }
            byBatches.Add(batch);
            foreach (var inference in new[] { byRecords, byBatches })
            {
                var typed = inference.Apply(schema);
                Assert.Equal(CrmFieldType.String, typed.GetField("code")!.Type);
                Assert.Equal(CrmFieldType.String, typed.GetField("late")!.Type);
                Assert.Equal(CrmFieldType.Integer, typed.GetField("n")!.Type);
                Assert.Equal(4, inference.Records);
            }
        }

        [Fact]
        public void TheTargetKeepsCopiedFieldsRenamesRelationsAndTakesOverrides()
        {
            var mapping = new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": {
  ""Account"": { ""Source"": ""accounts"", ""Fields"": { ""AccountId"": ""id"", ""Name"": { ""Source"": ""name"", ""Required"": true }, ""Credit"": { ""Source"": ""credit"", ""ColumnType"": ""numeric(14,2)"" } } },
  ""Contact"": { ""Source"": ""contacts"", ""Fields"": { ""ContactId"": ""id"", ""AccountId"": { ""Source"": ""account_id"", ""Reference"": ""Account"" }, ""Email"": { ""Source"": ""email"", ""Transform"": ""Trim"" }, ""Kind"": { ""Value"": ""person"" } } } } }", null));
            var accounts = new CrmEntitySchema("accounts", new[]
            {
                new CrmFieldSchema("id", CrmFieldType.Integer) { Size = 4, Nullable = false }, new CrmFieldSchema("name", CrmFieldType.String) { MaxLength = 80, Comment = "Legal name" },
                new CrmFieldSchema("credit", CrmFieldType.String),
            }) { Key = new[] { "id" }, Comment = "Companies", UniqueKeys = new[] { new[] { "name" } } };
            var contacts = new CrmEntitySchema("contacts", new[]
            {
                new CrmFieldSchema("id", CrmFieldType.Integer) { Size = 8, Nullable = false }, new CrmFieldSchema("account_id", CrmFieldType.Integer) { Size = 4, Nullable = false },
                new CrmFieldSchema("email", CrmFieldType.String) { MaxLength = 120, Nullable = false },
            }) { Key = new[] { "id" }, Relations = new[] { new CrmRelation("contacts", new[] { "account_id" }, "accounts", new[] { "id" }) { OnDelete = "CASCADE" } } };
            var designs = TargetDesigner.Design(new[] { (accounts, "Account"), (contacts, "Contact") }, mapping);
            var account = designs[0];
            Assert.Equal(new[] { "AccountId" }, account.Key);
            Assert.Equal("Companies", account.Comment);
            Assert.Equal(new[] { "Name" }, account.UniqueKeys.Single());
            var name = account.GetField("Name")!;
            Assert.Equal((80, false, "Legal name"), (name.MaxLength, name.Nullable, name.Comment));
            var credit = account.GetField("Credit")!;
            Assert.Equal((CrmFieldType.Decimal, 14, 2), (credit.Type, credit.Precision, credit.Scale));
            var contact = designs[1];
            Assert.Equal(4, contact.GetField("AccountId")!.Size);
            var email = contact.GetField("Email")!;
            Assert.Equal((CrmFieldType.String, (int?)null, true), (email.Type, email.MaxLength, email.Nullable)); // a transform may change length and emptiness
            Assert.Equal(CrmFieldType.String, contact.GetField("Kind")!.Type);
            var rel = contact.Relations.Single();
            Assert.Equal(("AccountId", "Account", "AccountId", "CASCADE"), (rel.Fields.Single(), rel.ReferencedEntity, rel.ReferencedFields.Single(), rel.OnDelete));
            Assert.Equal("MappingUnknownColumnType", Assert.Throws<CrmException>(() => MappingParser.ParseJson(@"{ ""Entities"": { ""A"": { ""Source"": ""a"", ""Fields"": { ""X"": { ""ColumnType"": ""varchar(10); DROP TABLE a"" } } } } }", null)).Error.Code);
        }

        [Fact]
        public void DuplicateKeysMakeOneErrorPerEntityWithCountAndExamples()
        {
            var digest = new Import.DuplicateKeyDigest();
            for (int i = 1; i <= 8798; i++) Assert.True(digest.Absorb(new CrmDataError("DuplicateKey", CrmErrorKind.WriteError, "exists") { Entity = "Contact", Key = "C" + i.ToString(CultureInfo.InvariantCulture) }));
            Assert.False(digest.Absorb(new CrmDataError("ValueConversion", CrmErrorKind.WriteError, "bad") { Entity = "Contact" }));
            var one = Assert.Single(digest.Summaries("new.db"));
            Assert.Equal(("DuplicateKey", "Contact"), (one.Code, one.Entity));
            Assert.Contains("8,798", one.Message);
            Assert.Contains("C1, C2, C3, C4, C5, ...", one.Message);
            Assert.Empty(digest.Summaries("new.db"));
        }
    }
}
