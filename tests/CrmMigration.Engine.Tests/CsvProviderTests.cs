using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Tests
{
    public sealed class CsvProviderTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public void Dispose() => _dir.Dispose();

        private static (List<CrmRecord> Records, List<CrmDataError> Errors) ReadAll(CrmConnection c, string entity, CrmReadOptions? options = null)
        {
            var errors = new List<CrmDataError>();
            using var p = new CsvProvider(c);
            var records = p.Read(entity, options ?? new CrmReadOptions(), e => { if (e.Severity != CrmErrorSeverity.Information) errors.Add(e); }, CancellationToken.None).ToList();
            return (records, errors);
        }

        private (List<CrmRecord> Records, List<CrmDataError> Errors) ReadBytes(byte[] bytes, string? encoding = null)
        {
            string path = _dir.File("data.csv");
            File.WriteAllBytes(path, bytes);
            return ReadAll(new CrmConnection(CrmProviderKind.Csv, path) { Encoding = encoding }, "data");
        }

        private (List<CrmRecord> Records, List<CrmDataError> Errors) ReadText(string text) => ReadBytes(Encoding.UTF8.GetBytes(text));

        private static CrmRecord Rec(string entity, CrmFieldShape shape, params object?[] values) => new CrmRecord(entity, shape, values);

        private void Write(CrmConnection c, string entity, IReadOnlyList<CrmRecord> records, CrmWriteOptions? options = null, List<CrmRecordOutcome>? outcomes = null)
        {
            using var p = new CsvProvider(c);
            using var w = p.OpenWriter(entity, options ?? new CrmWriteOptions());
            w.WriteBatch(records, outcomes ?? new List<CrmRecordOutcome>());
            w.Complete();
        }

        [Fact]
        public void RoundTrip_KeepsTextTypesAndKeys()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Name", "Note", "Amount", "Score", "Active", "Born", "Seen", "Stamp", "Uid", "Blob", "Empty" });
            var stamp = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.FromHours(8));
            var uid = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
            var records = new List<CrmRecord>
            {
                Rec("contacts", shape, 1L, "Zhang \"Wei\", 张伟", "line1\r\nline2\nline3", 12.50m, 0.1d, true, new DateTime(1990, 1, 2), new DateTime(2024, 5, 6, 7, 8, 9), stamp, uid, new byte[] { 0xFB, 1, 2 }, ""),
                Rec("contacts", shape, -2L, "=SUM(A1:A9)", "'quoted", -3.25m, -1e300, false, null, null, null, null, null, null),
                Rec("contacts", shape, 3L, "émoji 😀 naïve", "+1 555", 0m, double.NaN, null, null, null, null, null, new byte[0], "@home"),
            };
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            var outcomes = new List<CrmRecordOutcome>();
            Write(c, "contacts", records, new CrmWriteOptions(), outcomes);
            Assert.Equal(3, outcomes.Count);
            Assert.All(outcomes, o => { Assert.Equal(CrmOutcome.Inserted, o.Outcome); Assert.Equal(1, o.Batch); Assert.False(o.WhatIf); });
            Assert.True(File.Exists(_dir.File("contacts.csv")));
            Assert.True(File.Exists(_dir.File("contacts.csv-metadata.json")));
            Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));

            var (read, errors) = ReadAll(c, "contacts");
            Assert.Empty(errors);
            Assert.Equal(3, read.Count);
            for (int r = 0; r < 3; r++)
            {
                for (int i = 0; i < shape.Count; i++)
                {
                    object? expected = records[r].GetValue(i);
                    object? actual = read[r].GetValue(i);
                    if (expected is byte[] eb) Assert.Equal(eb, Assert.IsType<byte[]>(actual));
                    else Assert.Equal(expected, actual);
                }
            }
            Assert.IsType<long>(read[0]["Id"]);
            Assert.IsType<decimal>(read[0]["Amount"]);
            Assert.Equal("12.50", ((decimal)read[0]["Amount"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Null(read[0].Key); // no key was given to the writer, so the sidecar has none
        }

        [Fact]
        public void Writer_EscapesFormulasButNotNumbers_AndSidecarKeyBecomesRecordKey()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Formula", "Neg" });
            var schema = new CrmEntitySchema("t", new[] { new CrmFieldSchema("Id", CrmFieldType.Integer), new CrmFieldSchema("Formula", CrmFieldType.String), new CrmFieldSchema("Neg", CrmFieldType.Integer) }) { Key = new[] { "Id" } };
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "t", new[] { Rec("t", shape, 7L, "=HYPERLINK(\"x\")", -5L) }, new CrmWriteOptions { Schema = schema, Encoding = "utf-8" });
            string text = File.ReadAllText(_dir.File("t.csv"));
            Assert.Equal("Id,Formula,Neg\r\n7,\"'=HYPERLINK(\"\"x\"\")\",-5\r\n", text);
            var bytes = File.ReadAllBytes(_dir.File("t.csv"));
            Assert.NotEqual(0xEF, bytes[0]); // utf-8 asked without BOM

            var (read, errors) = ReadAll(c, "t");
            Assert.Empty(errors);
            var r = Assert.Single(read);
            Assert.Equal("=HYPERLINK(\"x\")", r["Formula"]); // the sidecar tells the reader to undo the escape
            Assert.Equal(-5L, r["Neg"]);
            Assert.Equal(new CrmKey("7"), r.Key);
            Assert.Equal("7", r.Origin!.SourceKey);
            Assert.Equal(2, r.Origin.Line);
            Assert.Equal(_dir.File("t.csv"), r.Origin.File);
        }

        [Fact]
        public void Writer_DefaultsToUtf8Bom_AndWithoutSidecarEscapedTextIsReturnedAsWritten()
        {
            var shape = new CrmFieldShape(new[] { "Name" });
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "x", new[] { Rec("x", shape, "=1+1") });
            var bytes = File.ReadAllBytes(_dir.File("x.csv"));
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3).ToArray());
            File.Delete(_dir.File("x.csv-metadata.json"));
            var (read, errors) = ReadAll(c, "x");
            Assert.Empty(errors);
            Assert.Equal("'=1+1", Assert.Single(read)["Name"]); // a foreign reader sees the escape
            Assert.Null(read[0].Key);
        }

        [Fact]
        public void Writer_UnknownFieldInLaterRecordIsRejected_MissingFieldIsEmpty()
        {
            var a = new CrmFieldShape(new[] { "Id", "Name" });
            var b = new CrmFieldShape(new[] { "Id", "Name", "Extra" });
            var only = new CrmFieldShape(new[] { "Name" });
            var outcomes = new List<CrmRecordOutcome>();
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "e", new[] { Rec("e", a, "1", "A"), Rec("e", b, "2", "B", "x"), Rec("e", only, "C") }, null, outcomes);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.Equal("UnknownField", outcomes[1].ReasonCode);
            var (read, _) = ReadAll(c, "e");
            Assert.Equal(2, read.Count);
            Assert.Null(read[1]["Id"]);
            Assert.Equal("C", read[1]["Name"]);
        }

        [Fact]
        public void Writer_UpsertThrows_PlanWritesNothing_DisposeWithoutCompleteLeavesNoFile()
        {
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            using var p = new CsvProvider(c);
            var ex = Assert.Throws<CrmException>(() => p.OpenWriter("u", new CrmWriteOptions { Mode = CrmWriteMode.Upsert }));
            Assert.Equal("FileTargetUpsertNotSupported", ex.Error.Code);
            Assert.Equal(CrmErrorKind.InvalidArgument, ex.Error.Kind);

            var shape = new CrmFieldShape(new[] { "Id" });
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("u", new CrmWriteOptions()))
            {
                w.PlanBatch(new[] { Rec("u", shape, "1"), Rec("u", shape, "2") }, outcomes);
                w.WriteBatch(new[] { Rec("u", shape, "1") }, new List<CrmRecordOutcome>());
                // no Complete: as if the run crashed
            }
            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o => { Assert.Equal(CrmOutcome.Inserted, o.Outcome); Assert.True(o.WhatIf); });
            Assert.Empty(Directory.GetFiles(_dir.Path));
        }

        [Fact]
        public void KeyOfAPlainFile_IsId_ThenEntityId_ThenEntity_id()
        {
            // A psql export of a snake_case table (Chinook's track, Sakila's actor) names its key <entity>_id.
            File.WriteAllText(_dir.File("track.csv"), "track_id,name,album_id\n1,Balls to the Wall,2\n2,Fast As a Shark,3\n");
            File.WriteAllText(_dir.File("album.csv"), "AlbumId,album_id,title\n1,7,x\n");
            File.WriteAllText(_dir.File("artist.csv"), "artist_id,ID,name\n1,9,y\n");
            File.WriteAllText(_dir.File("genre.csv"), "genre_code,name\nR,Rock\n");
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            Assert.Equal(new[] { "track_id" }, p.DescribeEntity("track", false)!.Key);
            Assert.Equal(new[] { "AlbumId" }, p.DescribeEntity("album", false)!.Key);
            Assert.Equal(new[] { "ID" }, p.DescribeEntity("artist", false)!.Key);
            Assert.Empty(p.DescribeEntity("genre", false)!.Key);
            var keys = p.Read("track", new CrmReadOptions(), e => Assert.True(e.Severity == CrmErrorSeverity.Information, e.Message), CancellationToken.None).Select(r => r.Key?.ToString()).ToList();
            Assert.Equal(new[] { "1", "2" }, keys);
        }

        [Fact]
        public void KeyOfAPlainFileNamedInThePlural_IsItsSingular_id()
        {
            // Files named for their table in the plural, keyed as the rows are: contact_id in contacts.csv.
            File.WriteAllText(_dir.File("contacts.csv"), "contact_id,account_id,name\nC1,A1,x\n");
            File.WriteAllText(_dir.File("companies.csv"), "name,company_id\nAcme,7\n");
            File.WriteAllText(_dir.File("addresses.csv"), "address_id,street\n1,Main\n");
            File.WriteAllText(_dir.File("houses.csv"), "HouseId,street\n1,Main\n");
            File.WriteAllText(_dir.File("Statuses.csv"), "StatusId,label\n1,Open\n");
            File.WriteAllText(_dir.File("leads.csv"), "lead_id,leads_id\n1,2\n");
            File.WriteAllText(_dir.File("class.csv"), "clas_id,name\n1,x\n");
            File.WriteAllText(_dir.File("orders.csv"), "customer_id,total\n1,2\n");
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            Assert.Equal(new[] { "contact_id" }, p.DescribeEntity("contacts", false)!.Key);
            Assert.Equal(new[] { "company_id" }, p.DescribeEntity("companies", false)!.Key);
            Assert.Equal(new[] { "address_id" }, p.DescribeEntity("addresses", false)!.Key);
            Assert.Equal(new[] { "HouseId" }, p.DescribeEntity("houses", false)!.Key);
            Assert.Equal(new[] { "StatusId" }, p.DescribeEntity("Statuses", false)!.Key);
            // The name as it is comes first; a word ending in ss is no plural; another table's key is not this one's.
            Assert.Equal(new[] { "leads_id" }, p.DescribeEntity("leads", false)!.Key);
            Assert.Empty(p.DescribeEntity("class", false)!.Key);
            Assert.Empty(p.DescribeEntity("orders", false)!.Key);
            var keys = p.Read("contacts", new CrmReadOptions(), e => Assert.True(e.Severity == CrmErrorSeverity.Information, e.Message), CancellationToken.None).Select(r => r.Key?.ToString()).ToList();
            Assert.Equal(new[] { "C1" }, keys);
        }

        [Fact]
        public void Folder_ListsEntities_AndDescribesWithRowCount()
        {
            File.WriteAllText(_dir.File("accounts.csv"), "AccountsId,Name\n1,a\n2,b\n3,c\n");
            File.WriteAllText(_dir.File("notes.txt"), "x");
            var shape = new CrmFieldShape(new[] { "Id", "Amount" });
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "orders", new[] { Rec("orders", shape, 1L, 2.5m) }, new CrmWriteOptions { KeyFields = new[] { "Id" } });
            using var p = new CsvProvider(c);
            Assert.Equal(new[] { "accounts", "orders" }, p.ListEntities());
            var acc = p.DescribeEntity("accounts", includeRowCount: true)!;
            Assert.Equal(3, acc.RowCount);
            Assert.Equal(new[] { "AccountsId" }, acc.Key);
            Assert.All(acc.Fields, f => Assert.Equal(CrmFieldType.String, f.Type));
            var ord = p.DescribeEntity("orders", includeRowCount: false)!;
            Assert.Null(ord.RowCount);
            Assert.Equal(new[] { "Id" }, ord.Key);
            Assert.Equal(CrmFieldType.Integer, ord.GetField("Id")!.Type);
            Assert.Equal(CrmFieldType.Decimal, ord.GetField("Amount")!.Type);
            Assert.Null(p.DescribeEntity("missing", false));
            Assert.Equal("EntityNotFound", Assert.Throws<CrmException>(() => p.Read("missing", new CrmReadOptions(), _ => { }, CancellationToken.None)).Error.Code);
        }

        [Fact]
        public void Filters_AreApplied()
        {
            File.WriteAllText(_dir.File("p.csv"), "Id,City\n1,Paris\n2,Berlin\n3,Pune\n");
            var (read, _) = ReadAll(new CrmConnection(CrmProviderKind.Csv, _dir.Path), "p", new CrmReadOptions { Filters = new[] { new CrmFieldFilter("City", "P*") } });
            Assert.Equal(new object?[] { "1", "3" }, read.Select(r => r["Id"]));
        }

        [Fact]
        public void Tsv_UsesTab_AndDelimiterOptionWins()
        {
            string tsv = _dir.File("t.tsv");
            File.WriteAllText(tsv, "a\tb\n1,2\t3\n");
            var (read, errors) = ReadAll(new CrmConnection(CrmProviderKind.Csv, tsv), "t");
            Assert.Empty(errors);
            Assert.Equal("1,2", read.Single()["a"]);
            File.WriteAllText(_dir.File("s.csv"), "a;b\n1;2\n");
            var (read2, _) = ReadAll(new CrmConnection(CrmProviderKind.Csv, _dir.File("s.csv")) { Delimiter = ";" }, "s");
            Assert.Equal("2", read2.Single()["b"]);
        }

        public static IEnumerable<object[]> Encodings()
        {
            yield return new object[] { "utf8-bom" };
            yield return new object[] { "utf8" };
            yield return new object[] { "utf16le" };
            yield return new object[] { "utf16be" };
            yield return new object[] { "gb18030" };
        }

        [Theory]
        [MemberData(nameof(Encodings))]
        public void Encodings_AreDetectedAndRead(string kind)
        {
            const string text = "Id,Name\r\n1,张伟\r\n2,Ünïcödé\r\n";
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            byte[] bytes = kind switch
            {
                "utf8-bom" => new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray(),
                "utf8" => Encoding.UTF8.GetBytes(text),
                "utf16le" => new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray(),
                "utf16be" => new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray(),
                _ => Encoding.GetEncoding(54936).GetBytes(text),
            };
            var (read, errors) = ReadBytes(bytes);
            if (kind == "gb18030") Assert.Equal("CsvEncodingGuessed", Assert.Single(errors).Code); // not UTF-8: a guess between legacy code pages, said as a warning
            else Assert.Empty(errors);
            Assert.Equal(new[] { "Id", "Name" }, read[0].FieldNames);
            Assert.Equal(new object?[] { "张伟", "Ünïcödé" }, read.Select(r => r["Name"]));
            Assert.Equal(new long[] { 2, 3 }, read.Select(r => r.Origin!.Line));
        }

        [Fact]
        public void Encoding_CanBeForced()
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            var (read, _) = ReadBytes(Encoding.GetEncoding(54936).GetBytes("Name\n中文\n"), "gb18030");
            Assert.Equal("中文", read.Single()["Name"]);
        }

        [Theory]
        [InlineData("utf-16")]
        [InlineData("gb18030")]
        public void Writer_OtherEncodings_RoundTrip(string encoding)
        {
            var shape = new CrmFieldShape(new[] { "Name" });
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "w", new[] { Rec("w", shape, "北京 Zoë") }, new CrmWriteOptions { Encoding = encoding });
            var (read, errors) = ReadAll(c, "w");
            Assert.Empty(errors);
            Assert.Equal("北京 Zoë", read.Single()["Name"]);
        }

        [Fact]
        public void Hostile_RaggedRows_AreReportedWithLines_OthersLoad()
        {
            // Default: the short row reads its missing field as empty (one warning); the long row is an error.
            var (loaded, problems) = ReadText("id,name,note\n1,a,x\n2,b\n3,c,z,w\n4,d,e\n");
            Assert.Equal(new object?[] { "1", "2", "4" }, loaded.Select(r => r["id"]));
            Assert.Equal("", loaded[1]["note"]);
            Assert.Equal(new[] { "CsvRaggedRow", "CsvShortRows" }, problems.Select(e => e.Code));
            Assert.Equal(4, problems[0].Line);
            Assert.Equal(CrmErrorSeverity.Warning, problems[1].Severity);
            Assert.Equal(3, problems[1].Line);

            // -RejectShortRows: both are errors.
            string path = _dir.File("data.csv");
            var (read, errors) = ReadAll(new CrmConnection(CrmProviderKind.Csv, path) { RejectShortRows = true }, "data");
            Assert.Equal(new object?[] { "1", "4" }, read.Select(r => r["id"]));
            Assert.Equal(new long[] { 2, 5 }, read.Select(r => r.Origin!.Line));
            Assert.Equal(2, errors.Count);
            Assert.All(errors, e => { Assert.Equal("CsvRaggedRow", e.Code); Assert.Equal(CrmErrorKind.InvalidData, e.Kind); Assert.Equal(_dir.File("data.csv"), e.File); });
            Assert.Equal(new long[] { 3, 4 }, errors.Select(e => e.Line));
            Assert.Equal(new long[] { 2, 3 }, errors.Select(e => e.RecordNumber));
            Assert.Equal("2,b", errors[0].Raw);
        }

        [Fact]
        public void Hostile_UnterminatedQuoteInTheMiddle_CostsOneLine()
        {
            var (read, errors) = ReadText("id,name,note\n1,a,x\n2,\"b,broken\n3,c,fine\n4,d,q\n5,e,end\n");
            var e = Assert.Single(errors);
            Assert.Equal("CsvMalformedQuote", e.Code);
            Assert.Equal(3, e.Line);
            Assert.Equal("2,\"b,broken", e.Raw);
            Assert.Equal(new object?[] { "1", "3", "4", "5" }, read.Select(r => r["id"]));
            Assert.Equal(new long[] { 2, 4, 5, 6 }, read.Select(r => r.Origin!.Line));
            Assert.Equal("end", read[3]["note"]);
        }

        [Fact]
        public void Hostile_QuoteClosedAtTheWrongPlace_CostsOneLine_AndLaterMultilineFieldsStillRead()
        {
            var (read, errors) = ReadText("id,name,note\r\n1,a,x\r\n2,\"b,broken\r\n3,c,fine\r\n4,\"d\",quoted\r\n5,\"multi\r\nline\",ok\r\n6,f,g\r\n");
            var e = Assert.Single(errors);
            Assert.Equal("CsvMalformedQuote", e.Code);
            Assert.Equal(3, e.Line);
            Assert.Equal(new object?[] { "1", "3", "4", "5", "6" }, read.Select(r => r["id"]));
            Assert.Equal("d", read[2]["name"]);
            Assert.Equal("multi\r\nline", read[3]["name"]);
            Assert.Equal(new long[] { 2, 4, 5, 6, 8 }, read.Select(r => r.Origin!.Line));
        }

        [Fact]
        public void Hostile_ManyBrokenQuotes_EachCostsItsOwnLineOnly()
        {
            var sb = new StringBuilder("id,name\n");
            var expectedGood = new List<string>();
            var expectedBad = new List<long>();
            long line = 1;
            for (int i = 0; i < 40; i++)
            {
                line++;
                if (i % 3 == 1) { sb.Append(i).Append(",\"broken ").Append(i).Append('\n'); expectedBad.Add(line); }
                else { sb.Append(i).Append(",ok").Append(i).Append('\n'); expectedGood.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
            }
            var (read, errors) = ReadText(sb.ToString());
            Assert.Equal(expectedGood, read.Select(r => (string)r["id"]!));
            Assert.Equal(expectedBad, errors.Select(e => e.Line));
            Assert.All(errors, e => Assert.Equal("CsvMalformedQuote", e.Code));
            Assert.Equal(expectedBad.Select(l => l - 1), errors.Select(e => e.RecordNumber)); // record n is on line n + 1 here
        }

        [Fact]
        public void Sidecar_Invalid_ThrowsMetadataSidecarInvalid()
        {
            File.WriteAllText(_dir.File("m.csv"), "Id\n1\n");
            File.WriteAllText(_dir.File("m.csv-metadata.json"), "{\"url\":\"m.csv\",\"tableSchema\":{\"columns\":[{\"name\":\"Id\",\"datatype\":\"Money\"}]}}");
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            var ex = Assert.Throws<CrmException>(() => p.Read("m", new CrmReadOptions(), _ => { }, CancellationToken.None).ToList());
            Assert.Equal("MetadataSidecarInvalid", ex.Error.Code);
        }

        [Fact]
        public void Encoding_Utf16WithoutBom_CanBeForced()
        {
            var (read, errors) = ReadBytes(Encoding.Unicode.GetBytes("Name\r\nÄrger 中\r\n"), "utf-16");
            Assert.Empty(errors);
            Assert.Equal("Ärger 中", read.Single()["Name"]);
        }

        [Fact]
        public void Read_HonoursCancellation()
        {
            var sb = new StringBuilder("id\n");
            for (int i = 0; i < 5000; i++) sb.Append(i).Append('\n');
            File.WriteAllText(_dir.File("c.csv"), sb.ToString());
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => p.Read("c", new CrmReadOptions(), _ => { }, cts.Token).ToList());
        }

        [Fact]
        public void Hostile_StrayQuotes_AreReported()
        {
            var (read, errors) = ReadText("id,name\n1,a\"b\n2,\"c\"d\n3,e\n");
            Assert.Equal(new[] { "CsvMalformedQuote", "CsvMalformedQuote" }, errors.Select(x => x.Code));
            Assert.Equal(new long[] { 2, 3 }, errors.Select(x => x.Line));
            Assert.Equal("3", read.Single()["id"]);
        }

        [Fact]
        public void Hostile_NulByte_IsReported_OthersLoad()
        {
            var (read, errors) = ReadText("id,name\n1,a\0b\n2,c\n");
            var e = Assert.Single(errors);
            Assert.Equal("CsvInvalidCharacter", e.Code);
            Assert.Equal(2, e.Line);
            Assert.Equal(1, e.RecordNumber);
            Assert.Equal("2", read.Single()["id"]);
            Assert.Equal(3, read[0].Origin!.Line);
        }

        [Fact]
        public void Hostile_TenMegabyteField_Reads()
        {
            string big = new string('x', 10 * 1024 * 1024);
            var (read, errors) = ReadText("id,blob,tail\n1,\"" + big + "\",t\n2,small,u\n");
            Assert.Empty(errors);
            Assert.Equal(2, read.Count);
            Assert.Equal(big.Length, ((string)read[0]["blob"]!).Length);
            Assert.Equal("u", read[1]["tail"]);
        }

        [Fact]
        public void Hostile_EmptyFile_ReportsCsvEmptyFile()
        {
            var (read, errors) = ReadBytes(Array.Empty<byte>());
            Assert.Empty(read);
            Assert.Equal("CsvEmptyFile", Assert.Single(errors).Code);
        }

        [Fact]
        public void Hostile_HeaderOnly_GivesNoRecordsAndNoError()
        {
            var (read, errors) = ReadText("id,name\r\n");
            Assert.Empty(read);
            Assert.Empty(errors);
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.File("data.csv")));
            var s = p.DescribeEntity("data", true)!;
            Assert.Equal(0, s.RowCount);
            Assert.Equal(new[] { "id", "name" }, s.Fields.Select(f => f.Name));
        }

        [Fact]
        public void Hostile_EmptyAndDuplicateHeaders_AreFixedAndReported()
        {
            var (read, errors) = ReadText("id,,ID,name\n1,2,3,4\n");
            var e = Assert.Single(errors);
            Assert.Equal("CsvHeaderRenamed", e.Code);
            Assert.Equal(CrmErrorSeverity.Warning, e.Severity);
            Assert.Equal(1, e.Line);
            Assert.Contains("column 2 (empty) → 'Column2'", e.Message, StringComparison.Ordinal);
            Assert.Contains("column 3 'ID' (repeated) → 'ID_2'", e.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { "id", "Column2", "ID_2", "name" }, read.Single().FieldNames);
            Assert.Equal("3", read[0]["ID_2"]);
        }

        [Fact]
        public void Sidecar_BadValue_IsCsvTypeConversion_AndRecordSkipped()
        {
            File.WriteAllText(_dir.File("n.csv"), "Id,Qty\n1,5\n2,five\n3,\n");
            File.WriteAllText(_dir.File("n.csv-metadata.json"), "{\"url\":\"n.csv\",\"tableSchema\":{\"columns\":[{\"name\":\"Id\",\"datatype\":\"Integer\"},{\"name\":\"Qty\",\"datatype\":\"Integer\"}],\"primaryKey\":[\"Id\"]}}");
            var (read, errors) = ReadAll(new CrmConnection(CrmProviderKind.Csv, _dir.Path), "n");
            var e = Assert.Single(errors);
            Assert.Equal("CsvTypeConversion", e.Code);
            Assert.Equal(3, e.Line);
            Assert.Equal("Qty", e.Field);
            Assert.Equal(new object?[] { 1L, 3L }, read.Select(r => r["Id"]));
            Assert.Null(read[1]["Qty"]); // empty non-string field is null
            Assert.Equal(5L, read[0]["Qty"]);
        }

        [Fact]
        public void EmptyString_WithoutSidecarStaysEmpty_WithSidecarNullAndEmptyAreDistinct()
        {
            var (read, _) = ReadText("a,b\n,x\n");
            Assert.Equal("", read.Single()["a"]);
            var shape = new CrmFieldShape(new[] { "A", "B" });
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path);
            Write(c, "z", new[] { Rec("z", shape, null, "") });
            var (back, _) = ReadAll(c, "z");
            Assert.Null(back.Single()["A"]);
            Assert.Equal("", back[0]["B"]);
        }
    }
}
