using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Linq;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Engine.Tests
{
    /// <summary>The mapping language's second version: Split, Reference, Where, rules, OnInvalid, Explain, code transforms.</summary>
    public class MappingV2Tests
    {
        private static OrderedDictionary T(params (string Key, object? Value)[] items)
        {
            var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }

        private static CompiledMapping Compile(OrderedDictionary fields, object? where = null, string key = "Id")
        {
            var entity = T(("Source", "contacts"), ("Key", key), ("Fields", fields));
            if (where is not null) entity["Where"] = where;
            return new CompiledMapping(MappingParser.Parse(T(("Entities", T(("Contact", entity)))), null));
        }

        private static CrmRecord Rec(params (string Name, object? Value)[] fields)
        {
            var r = new CrmRecord("contacts");
            foreach (var (n, v) in fields) r[n] = v;
            return r;
        }

        private static (MapStatus Status, CrmRecord? Output, MapScratch Scratch) Map(CompiledMapping m, CrmRecord input, bool explain = true)
        {
            var scratch = new MapScratch();
            var status = m.Map(input, explain, out var output, scratch);
            return (status, output, scratch);
        }

        /// <summary>
        /// One scratch maps record after record (its source is reused): each output has its own key, from its own record, with
        /// '|' and '\\' escaped as a key of parts escapes them; an empty key is RecordKeyMissing; a composite key is unchanged.
        /// </summary>
        [Fact]
        public void OneScratch_MapsEachRecordOnItsOwn_KeysAsKeysOfParts()
        {
            var m = Compile(T(("Id", "id"), ("Name", "name")));
            var scratch = new MapScratch();
            var outputs = new List<CrmRecord?>();
            foreach (var id in new[] { "A1", "B|2", "C\\3" })
            {
                scratch.Clear();
                Assert.Equal(MapStatus.Mapped, m.Map(Rec(("id", id), ("name", "n" + id)), false, out var output, scratch));
                outputs.Add(output);
            }
            Assert.Equal(new[] { "A1", "B\\|2", "C\\\\3" }, outputs.Select(o => o!.Key!.ToString()));
            Assert.Equal(new[] { new CrmKey("A1"), new CrmKey(new[] { "B|2" }), new CrmKey(new[] { "C\\3" }) }, outputs.Select(o => o!.Key));
            Assert.Equal(new[] { "nA1", "nB|2", "nC\\3" }, outputs.Select(o => (string?)o!["Name"]));
            Assert.Equal(new[] { "Id" }, outputs[0]!.Key!.FieldNames);

            scratch.Clear();
            Assert.Equal(MapStatus.Rejected, m.Map(Rec(("id", ""), ("name", "x")), false, out _, scratch));
            Assert.Equal("RecordKeyMissing", Assert.Single(scratch.Errors).Code);

            var composite = new CompiledMapping(MappingParser.Parse(T(("Entities", T(("Contact",
                T(("Source", "contacts"), ("Key", new[] { "Id", "Name" }), ("Fields", T(("Id", "id"), ("Name", "name")))))))), null));
            scratch.Clear();
            Assert.Equal(MapStatus.Mapped, composite.Map(Rec(("id", "7"), ("name", "a|b")), false, out var both, scratch));
            Assert.Equal(new CrmKey("7", "a|b"), both!.Key);
        }

        [Fact]
        public void SplitTakesPartsOfAFullName()
        {
            var m = Compile(T(
                ("Id", "id"),
                ("FirstName", T(("Source", "full_name"), ("Split", " "), ("Part", 0))),
                ("LastName", T(("Source", "full_name"), ("Split", " "), ("Part", 1), ("SplitLimit", 2))),
                ("Family", T(("Source", "full_name"), ("Split", " "), ("Part", -1)))));
            var (status, output, _) = Map(m, Rec(("id", "1"), ("full_name", "  Anna  Maria Schmidt ")));
            Assert.Equal(MapStatus.Mapped, status);
            Assert.Equal("Anna", output!["FirstName"]);
            Assert.Equal("Maria Schmidt", output["LastName"]);
            Assert.Equal("Schmidt", output["Family"]);
            Assert.Contains(output.Changes!, c => c.Field == "FirstName" && c.Transform == "Split" && (string?)c.NewValue == "Anna");
            var (_, single, _) = Map(m, Rec(("id", "2"), ("full_name", "Madonna")));
            Assert.Equal("Madonna", single!["FirstName"]);
            Assert.Null(single["LastName"]);
        }

        [Fact]
        public void ReferenceIsKeptInTheModelForTheImport()
        {
            var m = Compile(T(("Id", "id"), ("AccountId", T(("Source", "account_id"), ("Reference", "Account")))));
            Assert.Equal("Account", m.ReferencesOf("Contact")["AccountId"]);
            Assert.Equal("Account", m.Definition.Entities[0].Fields[1].Reference);
            Assert.Empty(m.ReferencesOf("Nothing"));
        }

        [Fact]
        public void WhereFiltersWithAReason()
        {
            var where = new ArrayList
            {
                T(("Field", "status"), ("NotIn", new ArrayList { "Deleted", "Spam" }), ("Reason", "DeletedInLegacy")),
                T(("Field", "email"), ("NotEmpty", true)),
                T(("Field", "email"), ("NotLike", "*@test.*")),
            };
            var m = Compile(T(("Id", "id")), where);
            Assert.Equal(MapStatus.Mapped, Map(m, Rec(("id", "1"), ("status", "Active"), ("email", "a@b.cn"))).Status);
            var deleted = Map(m, Rec(("id", "2"), ("status", " deleted "), ("email", "a@b.cn")));
            Assert.Equal(MapStatus.Filtered, deleted.Status);
            Assert.Equal("DeletedInLegacy", deleted.Scratch.FilterReason);
            Assert.Contains("status NotIn (Deleted, Spam)", deleted.Scratch.FilterMessage);
            var noMail = Map(m, Rec(("id", "3"), ("status", "Active"), ("email", " ")));
            Assert.Equal("Where:email:NotEmpty", noMail.Scratch.FilterReason);
            Assert.Equal("Where:email:NotLike", Map(m, Rec(("id", "4"), ("status", "Active"), ("email", "x@TEST.com"))).Scratch.FilterReason);
            Assert.Empty(deleted.Scratch.Errors);
            var missing = Map(m, new CrmRecord("contacts") { ["id"] = "5" });
            Assert.Equal(MapStatus.Rejected, missing.Status);
            Assert.Equal("RecordSourceFieldMissing", missing.Scratch.Errors[0].Code);
        }

        [Theory]
        [InlineData("Equals", "A", "a", true)]
        [InlineData("Equals", "A", "B", false)]
        [InlineData("NotEquals", "A", "B", true)]
        [InlineData("In", "A", "a", true)]
        [InlineData("Like", "C*", "CN-01", true)]
        [InlineData("Like", "C?", "CN-01", false)]
        [InlineData("IsEmpty", true, "", true)]
        [InlineData("IsEmpty", true, "x", false)]
        public void WhereOperators(string op, object operand, string value, bool kept)
        {
            var m = Compile(T(("Id", "id")), T(("Field", "v"), (op, operand)));
            Assert.Equal(kept ? MapStatus.Mapped : MapStatus.Filtered, Map(m, Rec(("id", "1"), ("v", value))).Status);
        }

        [Fact]
        public void RulesRejectWithStableIds()
        {
            var m = Compile(T(
                ("Id", "id"),
                ("Code", T(("Source", "code"), ("Pattern", "[A-Z]{2}-[0-9]+"))),
                ("Name", T(("Source", "name"), ("MaxLength", 5))),
                ("Note", T(("Source", "note"), ("MaxLength", 4), ("OnTooLong", "Truncate"))),
                ("Age", T(("Source", "age"), ("Type", "Integer"), ("Min", 0), ("Max", 130))),
                ("Born", T(("Source", "born"), ("Type", "Date"), ("Min", "1900-01-01")))));
            var ok = Map(m, Rec(("id", "1"), ("code", "CN-12"), ("name", "Anna"), ("note", "abcdef"), ("age", "42"), ("born", "1980-02-03")));
            Assert.Equal(MapStatus.Mapped, ok.Status);
            Assert.Equal("abcd", ok.Output!["Note"]);
            var cut = Assert.Single(ok.Scratch.Warnings);
            Assert.Equal("MaxLength", cut.Transform);
            Assert.Contains(ok.Output.Changes!, c => c.Field == "Note" && c.Transform == "MaxLength");

            var bad = Map(m, Rec(("id", "2"), ("code", "cn-12"), ("name", "Annabelle"), ("note", ""), ("age", "200"), ("born", "1850-01-01")));
            Assert.Equal(MapStatus.Rejected, bad.Status);
            Assert.Equal(new[] { "RecordPatternMismatch", "RecordTooLong", "RecordOutOfRange", "RecordOutOfRange" }, bad.Scratch.Errors.Select(e => e.Code).ToArray());
            Assert.Same(bad.Scratch.Errors[0].Record, bad.Scratch.Errors[1].Record);
        }

        [Fact]
        public void ValidatingTransformsRejectKeepRawOrNull()
        {
            OrderedDictionary Field(string onInvalid) => T(("Source", "email"), ("Transform", "Email"), ("OnInvalid", onInvalid));
            var reject = Map(Compile(T(("Id", "id"), ("Email", Field("Reject")))), Rec(("id", "1"), ("email", "not-an-address")));
            Assert.Equal(MapStatus.Rejected, reject.Status);
            Assert.Equal("RecordInvalidEmail", reject.Scratch.Errors[0].Code);

            var keep = Map(Compile(T(("Id", "id"), ("Email", Field("KeepRaw")))), Rec(("id", "1"), ("email", "not-an-address")));
            Assert.Equal("not-an-address", keep.Output!["Email"]);
            Assert.StartsWith("kept as it was", Assert.Single(keep.Scratch.Warnings).Note);

            var drop = Map(Compile(T(("Id", "id"), ("Email", Field("Null")))), Rec(("id", "1"), ("email", "not-an-address")));
            Assert.Null(drop.Output!["Email"]);
            var change = Assert.Single(drop.Output.Changes!);
            Assert.Equal("not-an-address", change.OldValue);
            Assert.Null(change.NewValue);
            Assert.Equal("Email", change.Transform);

            var phone = Map(Compile(T(("Id", "id"), ("Phone", T(("Source", "tel"), ("Transform", "Phone"), ("DefaultRegion", "CN"))))), Rec(("id", "1"), ("tel", "12")));
            Assert.Equal("RecordInvalidPhone", phone.Scratch.Errors[0].Code);
            var date = Map(Compile(T(("Id", "id"), ("D", T(("Source", "d"), ("Transform", "Date"), ("Format", "dd.MM.yyyy"))))), Rec(("id", "1"), ("d", "31.02.2024")));
            Assert.Equal("RecordInvalidDate", date.Scratch.Errors[0].Code);
        }

        [Fact]
        public void TypoIsAWarningAndCorrectedOnlyWithFixTypos()
        {
            var report = Map(Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", "Email"))))), Rec(("id", "1"), ("email", "Ann@Gmial.com")), explain: false);
            Assert.Equal("Ann@gmial.com", report.Output!["Email"]);
            Assert.Contains("gmail.com", Assert.Single(report.Scratch.Warnings).Note);
            Assert.Null(report.Output.Changes);
            var fix = Map(Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", "Email"), ("FixTypos", true))))), Rec(("id", "1"), ("email", "Ann@Gmial.com")));
            Assert.Equal("Ann@gmail.com", fix.Output!["Email"]);
        }

        [Fact]
        public void ExplainListsEveryStepThatChangedAValue()
        {
            var m = Compile(T(
                ("Id", "id"),
                ("Name", T(("Source", "name"), ("Transform", new ArrayList { "HalfWidth", "Trim", "Title" }))),
                ("Status", T(("Source", "status"), ("ValueMap", T(("A", "Active"))))),
                ("Country", T(("Source", "country"), ("Default", "CN"))),
                ("Phone", T(("Source", "tel"), ("Transform", "Phone"), ("DefaultRegion", "CN"))),
                ("Since", T(("Source", "since"), ("Transform", "Date"), ("Format", "yyyy年M月d日")))));
            var r = Map(m, Rec(("id", "1"), ("name", " ｗａｎｇ ｗｅｉ "), ("status", "A"), ("country", ""), ("tel", "138 0013 8000"), ("since", "2024年3月5日")));
            var c = r.Output!.Changes!;
            Assert.Equal(new[] { "Name:HalfWidth", "Name:Trim", "Name:Title", "Status:ValueMap", "Country:Default", "Phone:Phone", "Since:Date" }, c.Select(x => x.Field + ":" + x.Transform).ToArray());
            Assert.Equal("Wang Wei", r.Output["Name"]);
            Assert.Equal("+8613800138000", r.Output["Phone"]);
            Assert.Equal(new DateTime(2024, 3, 5), r.Output["Since"]);
            Assert.Equal("Phone: '138 0013 8000' -> '+8613800138000' (Phone)", c[5].ToString());
            Assert.Null(Map(m, Rec(("id", "1"), ("name", "x"), ("status", "A"), ("country", ""), ("tel", ""), ("since", "")), explain: false).Output!.Changes);
        }

        [Fact]
        public void DateTimeOffsetNeedsAnOffsetOrATimeZone()
        {
            var noZone = Compile(T(("Id", "id"), ("At", T(("Source", "at"), ("Type", "DateTimeOffset")))));
            var r = Map(noZone, Rec(("id", "1"), ("at", "2024-03-05 10:11:12")));
            Assert.Equal("RecordTypeConversion", r.Scratch.Errors[0].Code);
            Assert.Contains("TimeZone", r.Scratch.Errors[0].Message);
            Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(1)), Map(noZone, Rec(("id", "1"), ("at", "2024-03-05T10:11:12+01:00"))).Output!["At"]);
            var viaTransform = Compile(T(("Id", "id"), ("At", T(("Source", "at"), ("Transform", "Date"), ("Type", "DateTimeOffset")))));
            Assert.Equal("RecordInvalidDate", Map(viaTransform, Rec(("id", "1"), ("at", "2024-03-05 10:11:12"))).Scratch.Errors[0].Code);
            var zoned = Compile(T(("Id", "id"), ("At", T(("Source", "at"), ("Type", "DateTimeOffset"), ("TimeZone", "Asia/Shanghai")))));
            Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8)), Map(zoned, Rec(("id", "1"), ("at", "2024-03-05 10:11:12"))).Output!["At"]);
        }

        [Fact]
        public void MappingMistakesStopBeforeAnyRecord()
        {
            void Fails(string code, OrderedDictionary field)
            {
                var ex = Assert.Throws<CrmException>(() => Compile(T(("Id", "id"), ("X", field))));
                Assert.Equal(code, ex.Error.Code);
            }
            Fails("MappingTwoDigitYear", T(("Source", "d"), ("Type", "Date"), ("Format", "dd.MM.yy")));
            Fails("MappingUnknownTimeZone", T(("Source", "d"), ("Transform", "Date"), ("TimeZone", "Mars/Olympus")));
            Fails("MappingUnknownRegion", T(("Source", "p"), ("Transform", "Phone"), ("DefaultRegion", "XX")));
            Fails("MappingInvalidPattern", T(("Source", "p"), ("Pattern", "([a-")));
            Fails("MappingInvalidValue", T(("Source", "p"), ("OnInvalid", "Ignore")));
            Fails("MappingUnknownTransform", T(("Source", "p"), ("Transform", "Phoen")));
            var ok = Compile(T(("Id", "id"), ("X", T(("Source", "d"), ("Type", "Date"), ("Format", "dd.MM.yy"), ("TwoDigitYearMax", 2029)))));
            Assert.Equal(new DateTime(2024, 3, 5), Map(ok, Rec(("id", "1"), ("d", "05.03.24"))).Output!["X"]);
            var where = Assert.Throws<CrmException>(() => Compile(T(("Id", "id")), T(("Field", "s"), ("In", "a"), ("Like", "b"))));
            Assert.Equal("MappingWhereOperator", where.Error.Code);
        }

        [Fact]
        public void CodeTransformsRunAsDelegatesAndCountInTheHash()
        {
            var code = new CustomTransform("$value * 2", (v, r) => (long)v! * 2 + (r["bonus"] is null ? 0 : 1));
            var fields = T(("Id", "id"), ("Score", T(("Source", "score"), ("Type", "Integer"), ("Transform", new ArrayList { code }))));
            var m = Compile(fields);
            Assert.Equal(MapStatus.Rejected, Map(m, Rec(("id", "1"), ("score", "x"))).Status);
            var fields2 = T(("Id", "id"), ("Score", T(("Source", "score"), ("Transform", new ArrayList { "Trim", code }))));
            var m2 = Compile(fields2);
            var failed = Map(m2, Rec(("id", "1"), ("score", "x")));
            Assert.Equal("RecordTransformFailed", failed.Scratch.Errors[0].Code);
            Assert.Equal(42L, Map(m2, Rec(("id", "1"), ("score", 21L))).Output!["Score"]);
            var other = Compile(T(("Id", "id"), ("Score", T(("Source", "score"), ("Transform", new ArrayList { "Trim", new CustomTransform("$value * 3", (v, r) => v) })))));
            Assert.NotEqual(m2.Definition.Hash, other.Definition.Hash);
            var asValue = Assert.Throws<CrmException>(() => Compile(T(("Id", "id"), ("Score", T(("Value", code))))));
            Assert.Equal("MappingScriptBlockNotSupported", asValue.Error.Code);
            var asSource = Assert.Throws<CrmException>(() => Compile(T(("Id", "id"), ("Score", T(("Source", code))))));
            Assert.Equal("MappingScriptBlockNotSupported", asSource.Error.Code);
        }

        [Fact]
        public void JsonAndTreeFormsOfTheNewKeysShareOneHash()
        {
            const string json = @"{ ""Entities"": { ""Contact"": { ""Source"": ""contacts"", ""Key"": ""Id"",
                ""Where"": [ { ""Field"": ""status"", ""NotIn"": [""Deleted""], ""Reason"": ""Gone"" } ],
                ""Fields"": {
                    ""Id"": ""id"",
                    ""First"": { ""Source"": ""full_name"", ""Split"": "" "", ""Part"": 0 },
                    ""Phone"": { ""Source"": ""tel"", ""Transform"": ""Phone"", ""DefaultRegion"": ""cn"", ""OnInvalid"": ""Null"" },
                    ""Age"": { ""Source"": ""age"", ""Type"": ""Integer"", ""Min"": 0, ""Max"": 130 },
                    ""AccountId"": { ""Source"": ""account_id"", ""Reference"": ""Account"" } } } } }";
            var fromJson = MappingParser.ParseJson(json, null);
            var tree = T(("Entities", T(("Contact", T(("Source", "contacts"), ("Key", "Id"),
                ("Where", new ArrayList { T(("Field", "status"), ("NotIn", "Deleted"), ("Reason", "Gone")) }),
                ("Fields", T(
                    ("Id", "id"),
                    ("First", T(("Source", "full_name"), ("Split", " "), ("Part", 0))),
                    ("Phone", T(("Source", "tel"), ("Transform", new ArrayList { "Phone" }), ("DefaultRegion", "CN"), ("OnInvalid", "null"))),
                    ("Age", T(("Source", "age"), ("Type", "Integer"), ("Min", 0), ("Max", 130))),
                    ("AccountId", T(("Source", "account_id"), ("Reference", "Account"))))))))));
            var fromTree = MappingParser.Parse(tree, null);
            Assert.Equal(fromJson.Hash, fromTree.Hash);
            Assert.Equal("CN", fromJson.Entities[0].Fields[2].DefaultRegion);
            Assert.Equal("Gone", fromJson.Entities[0].Where[0].Reason);
        }

        [Fact]
        public void OldMappingsKeepTheirHash()
        {
            // The v1 canonical form: new options are written only when set, so this hash must not move.
            var m = Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", new ArrayList { "Trim", "Lower" })))));
            var same = Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", new ArrayList { "Trim", "Lower" }), ("OnInvalid", "Reject"), ("FixTypos", false)))));
            Assert.Equal(m.Definition.Hash, same.Definition.Hash);
            var changed = Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", new ArrayList { "Trim", "Lower" }), ("OnInvalid", "Null")))));
            Assert.NotEqual(m.Definition.Hash, changed.Definition.Hash);
        }

        [Fact]
        public void RejectFilesHoldTheOriginalFieldsAndTheReason()
        {
            using var dir = new TempDir();
            var m = Compile(T(("Id", "id"), ("Email", T(("Source", "email"), ("Transform", "Email")))));
            using (var writer = new RejectFileWriter(dir.File("rejects"), "run1"))
            {
                Assert.False(Directory.Exists(dir.File("rejects"))); // nothing made before a record is rejected
                foreach (var (id, email) in new[] { ("1", "bad"), ("2", "=HYPERLINK(\"x\")"), ("3", "ok@example.com") })
                {
                    var input = Rec(("id", id), ("email", email));
                    var r = Map(m, input);
                    if (r.Status == MapStatus.Rejected) Assert.True(writer.Write(input, r.Scratch.Errors));
                }
                writer.Complete();
                Assert.Equal(2, writer.Counts["contacts"]);
            }
            string file = dir.File("rejects/run1/contacts.csv");
            byte[] bytes = File.ReadAllBytes(file);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3).ToArray());
            string[] lines = File.ReadAllLines(file);
            Assert.Equal("id,email,RejectReason,RejectMessage", lines[0]);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("1,bad,RecordInvalidEmail,", lines[1]);
            Assert.Contains("'=HYPERLINK", lines[2]);
        }
    }
}
