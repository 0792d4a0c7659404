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
    /// <summary>Files as other tools write them: encodings, bad bytes, short rows, odd headers, formula escaping.</summary>
    public sealed class CsvSourceTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public CsvSourceTests() { Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); }

        public void Dispose() => _dir.Dispose();

        private (List<CrmRecord> Records, List<CrmDataError> All) Read(byte[] bytes, Action<CrmConnection>? set = null)
        {
            string path = _dir.File("data.csv");
            File.WriteAllBytes(path, bytes);
            var c = new CrmConnection(CrmProviderKind.Csv, path);
            set?.Invoke(c);
            var all = new List<CrmDataError>();
            using var p = new CsvProvider(c);
            var records = p.Read("data", new CrmReadOptions(), all.Add, CancellationToken.None).ToList();
            return (records, all);
        }

        private static List<CrmDataError> Errors(List<CrmDataError> all) => all.Where(e => e.Severity == CrmErrorSeverity.Error).ToList();

        private static CrmDataError Note(List<CrmDataError> all) => all.Single(e => e.Code is "CsvEncoding" or "CsvEncodingGuessed");

        [Fact]
        public void Utf8_WithOneBadByteInTheLastRow_StaysUtf8_RejectsThatRowWithOffset_LoadsTheRest()
        {
            var sb = new StringBuilder("Id,Name\r\n");
            for (int i = 1; i <= 2000; i++) sb.Append(i).Append(",café ").Append(i).Append("\r\n");
            var bytes = new List<byte>(Encoding.UTF8.GetBytes(sb.ToString()));
            long offset = bytes.Count + 5; // "2001," then the bad byte
            bytes.AddRange(Encoding.ASCII.GetBytes("2001,caf"));
            bytes.Add(0xE9); // Latin-1 é inside a UTF-8 file
            bytes.AddRange(Encoding.ASCII.GetBytes(" 2001\r\n"));
            offset = bytes.Count - 8;
            var (read, all) = Read(bytes.ToArray());
            Assert.Equal(2000, read.Count);
            Assert.All(read, r => Assert.StartsWith("café ", (string)r["Name"]!, StringComparison.Ordinal));
            var e = Assert.Single(Errors(all));
            Assert.Equal("CsvInvalidByteSequence", e.Code);
            Assert.Equal(2002, e.Line);
            Assert.Equal(2001, e.RecordNumber);
            Assert.Contains("offset " + offset.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " (0xE9)", e.Message, StringComparison.Ordinal);
            var note = Note(all);
            Assert.Equal("CsvEncoding", note.Code);
            Assert.Equal(CrmErrorSeverity.Information, note.Severity);
            Assert.Contains("utf-8 (detected)", note.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void StrictEncoding_RefusesTheFileBeforeAnyRecord()
        {
            var bytes = Encoding.UTF8.GetBytes("Id,Name\n1,café\n2,caf").Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();
            string path = _dir.File("s.csv");
            File.WriteAllBytes(path, bytes);
            using var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, path) { StrictEncoding = true });
            var seen = new List<CrmRecord>();
            var ex = Assert.Throws<CrmException>(() => { foreach (var r in p.Read("s", new CrmReadOptions(), _ => { }, CancellationToken.None)) seen.Add(r); });
            Assert.Empty(seen);
            Assert.Equal("CsvEncodingInvalid", ex.Error.Code);
            Assert.Equal(3, ex.Error.Line);
            Assert.Equal(path, ex.Error.File);
            Assert.Contains("offset 21 (0xE9)", ex.Error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ForcedUtf8_DoesNotTurnBadBytesIntoReplacementCharactersSilently()
        {
            var bytes = Encoding.GetEncoding(1252).GetBytes("Id,Name\n1,Zoë\n2,Bob\n");
            var (read, all) = Read(bytes, c => c.Encoding = "utf-8");
            Assert.Equal("Bob", Assert.Single(read)["Name"]);
            var e = Assert.Single(Errors(all));
            Assert.Equal("CsvInvalidByteSequence", e.Code);
            Assert.Equal(2, e.Line);
            Assert.Contains("utf-8 (given)", Note(all).Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Windows1252_WithEuroAndAccents_IsGuessed_AndSaidSo()
        {
            string text = "Id,Name,City,Note\r\n1,Renée Müller,Köln,Prix 12 €\r\n2,François Gaëtan,Besançon,\r\n3,José Núñez,Málaga,señal\r\n4,Søren Ødegård,Århus,crème brûlée\r\n";
            var (read, all) = Read(Encoding.GetEncoding(1252).GetBytes(text));
            Assert.Empty(Errors(all));
            Assert.Equal(new object?[] { "Renée Müller", "François Gaëtan", "José Núñez", "Søren Ødegård" }, read.Select(r => r["Name"]));
            Assert.Equal("Prix 12 €", read[0]["Note"]);
            var note = Note(all);
            Assert.Equal("CsvEncodingGuessed", note.Code);
            Assert.Equal(CrmErrorSeverity.Warning, note.Severity);
            Assert.Contains("windows-1252 (guessed)", note.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("windows-1252", "Renée,Köln,12 €")]
        [InlineData("iso-8859-1", "Renée,Köln,12 EUR")]
        [InlineData("iso-8859-15", "Renée,Œuvre,12 €")]
        [InlineData("gb18030", "张伟,北京,重要客户")]
        [InlineData("shift_jis", "山田太郎,東京,重要な顧客")]
        [InlineData("euc-kr", "김민준,서울,중요 고객")]
        [InlineData("big5", "陳大文,台北,重要客戶")]
        [InlineData("utf-16be", "Zoë,北京,€")]
        public void NamedEncodings_ReadExactly(string name, string row)
        {
            var e = TextEncodings.FromName(name)!;
            var (read, all) = Read(e.GetBytes("A,B,C\n" + row + "\n"), c => c.Encoding = name);
            Assert.Empty(Errors(all));
            Assert.Equal(row.Split(','), new[] { read.Single()["A"], read[0]["B"], read[0]["C"] });
        }

        /// <summary>
        /// The vector count of UTF-8 lead bytes equals the byte-at-a-time count at every length and alignment (vector
        /// bodies and tails), with lead, continuation and ASCII bytes at every position, including 0xC0 and 0xBF.
        /// </summary>
        [Fact]
        public void CountMultiByte_EqualsTheByteCount()
        {
            var random = new Random(16);
            byte[] picks = { 0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xEF, 0xF0, 0xF4, 0xFF };
            for (int length = 0; length <= 200; length++)
            {
                for (int offset = 0; offset < 3; offset++)
                {
                    var bytes = new byte[length + offset];
                    for (int i = 0; i < bytes.Length; i++) bytes[i] = picks[random.Next(picks.Length)];
                    var span = new ReadOnlySpan<byte>(bytes, offset, length);
                    long expected = 0;
                    foreach (byte b in span) if (b >= 0xC0) expected++;
                    Assert.Equal(expected, TextEncodings.CountMultiByte(span));
                }
            }
            Assert.Equal(100_000, TextEncodings.CountMultiByte(Encoding.UTF8.GetBytes(new string('é', 100_000))));
        }

        /// <summary>A UTF-8 file with one bad byte after many valid multi-byte characters is still read as UTF-8, the count in the message.</summary>
        [Fact]
        public void Detection_CountsMultiByteAcrossBlocks()
        {
            var text = new StringBuilder("Name\n");
            for (int i = 0; i < 20_000; i++) text.Append("José García\n");
            var bytes = new List<byte>(Encoding.UTF8.GetBytes(text.ToString()));
            bytes.AddRange(new byte[] { 0x41, 0xFF, 0x0A });
            string path = _dir.File("mixed.csv");
            File.WriteAllBytes(path, bytes.ToArray());
            var choice = TextEncodings.Detect(path);
            Assert.Equal("utf-8", choice.Name);
            Assert.StartsWith("40,000 multi-byte sequences are valid UTF-8; 1 byte sequence(s) are not valid UTF-8", choice.Reason);
        }

        [Theory]
        [InlineData("shift_jis", "Id,Name,Kana,City\r\n1,山田太郎,ヤマダ タロウ,東京都港区\r\n2,佐藤花子,サトウ ハナコ,大阪市北区\r\n3,鈴木一郎,スズキ イチロウ,名古屋市中区\r\n4,高橋美咲,タカハシ ミサキ,福岡市博多区\r\n")]
        [InlineData("euc-kr", "Id,Name,City\r\n1,김민준,서울특별시 강남구\r\n2,이서연,부산광역시 해운대구\r\n3,박지훈,인천광역시 남동구\r\n")]
        [InlineData("big5", "Id,Name,City\r\n1,陳大文,台北市信義區\r\n2,林小美,高雄市前鎮區\r\n3,黃志明,台中市西屯區\r\n")]
        [InlineData("gb18030", "Id,Name,City\r\n1,张伟,北京市朝阳区\r\n2,王芳,上海市浦东新区\r\n3,李娜,广州市天河区\r\n")]
        public void LegacyCjk_IsGuessedRight(string name, string text)
        {
            var (read, all) = Read(TextEncodings.FromName(name)!.GetBytes(text));
            Assert.Empty(Errors(all));
            Assert.Equal(text.Split("\r\n")[1].Split(',')[1], read[0]["Name"]);
            Assert.Contains(name + " (guessed)", Note(all).Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Utf16WithoutBom_IsDetected(bool bigEndian)
        {
            var e = new UnicodeEncoding(bigEndian, false);
            var (read, all) = Read(e.GetBytes("Id,Name\r\n1,Ärger 中\r\n2,Bob\r\n"));
            Assert.Empty(Errors(all));
            Assert.Equal(new object?[] { "Ärger 中", "Bob" }, read.Select(r => r["Name"]));
            Assert.Contains((bigEndian ? "utf-16be" : "utf-16") + " (detected)", Note(all).Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Gb18030_InvalidSequence_RejectsOnlyItsRow_WithOffset()
        {
            var gb = TextEncodings.Gb18030;
            var bytes = new List<byte>(gb.GetBytes("Id,Name\n1,张伟\n2,"));
            long offset = bytes.Count;
            bytes.Add(0x81); bytes.Add(0x20); // a lead byte followed by a space: no GB18030 character
            bytes.AddRange(gb.GetBytes("x\n3,王芳\n"));
            var (read, all) = Read(bytes.ToArray(), c => c.Encoding = "gb18030");
            Assert.Equal(new object?[] { "张伟", "王芳" }, read.Select(r => r["Name"]));
            var e = Assert.Single(Errors(all));
            Assert.Equal("CsvInvalidByteSequence", e.Code);
            Assert.Equal(3, e.Line);
            Assert.Contains("offset " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (0x81", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void InvalidByteInAMultiLineField_RejectsThatRecord_Only()
        {
            var bytes = new List<byte>(Encoding.UTF8.GetBytes("Id,Note\n1,\"a\nb"));
            bytes.Add(0xFF);
            bytes.AddRange(Encoding.UTF8.GetBytes("\"\n2,\"fine\nnote\"\n"));
            var (read, all) = Read(bytes.ToArray(), c => c.Encoding = "utf-8");
            Assert.Equal("fine\nnote", Assert.Single(read)["Note"]);
            Assert.Equal(4, read[0].Origin!.Line);
            var e = Assert.Single(Errors(all));
            Assert.Equal(2, e.Line);
        }

        [Fact]
        public void SalesforceStyleExport_ShortRowsLoad_FooterIsRefused()
        {
            const string file =
                "\"Account ID\",\"Account Name\",\"Billing City\",\"Phone\",\"Website\"\r\n" +
                "\"0015g00000AbCdE\",\"Acme\",\"Paris\",\"+33 1 23 45 67 89\",\"acme.example\"\r\n" +
                "\"0015g00000AbCdF\",\"Globex\",\"Berlin\"\r\n" +
                "\"0015g00000AbCdG\",\"Initech\"\r\n" +
                "\r\n" +
                "\"Grand Totals (3 records)\"\r\n" +
                "\r\n" +
                "\"Confidential Information - Do Not Distribute\"\r\n" +
                "\"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\r\n";
            var (read, all) = Read(Encoding.UTF8.GetBytes(file));
            Assert.Equal(new object?[] { "Acme", "Globex", "Initech" }, read.Select(r => r["Account Name"]));
            Assert.Equal("", read[1]["Phone"]);
            Assert.Equal("", read[2]["Billing City"]);
            Assert.Equal(new[] { "CsvSingleFieldRow", "CsvSingleFieldRow", "CsvSingleFieldRow" }, Errors(all).Select(e => e.Code));
            Assert.Equal(new long[] { 6, 8, 9 }, Errors(all).Select(e => e.Line));
            var warning = all.Single(e => e.Code == "CsvShortRows");
            Assert.Equal(CrmErrorSeverity.Warning, warning.Severity);
            Assert.Contains("2 row(s)", warning.Message, StringComparison.Ordinal);
            Assert.Equal(3, warning.Line);
        }

        [Fact]
        public void ShortRows_WithSidecar_ReadAsNull_AsAnEmptyUnquotedFieldWould()
        {
            File.WriteAllText(_dir.File("data.csv-metadata.json"), "{\"url\":\"data.csv\",\"crm:emptyStringQuoted\":true,\"tableSchema\":{\"columns\":[{\"name\":\"Id\",\"datatype\":\"Integer\"},{\"name\":\"Name\",\"datatype\":\"String\"},{\"name\":\"Qty\",\"datatype\":\"Integer\"}],\"primaryKey\":[\"Id\"]}}");
            var (read, all) = Read(Encoding.UTF8.GetBytes("Id,Name,Qty\n1,a,3\n2,b\n"));
            Assert.Empty(Errors(all));
            Assert.Null(read[1]["Qty"]);
            Assert.Equal(2L, read[1]["Id"]);
        }

        [Theory]
        [InlineData("id,name,name,name_2", new[] { "id", "name", "name_3", "name_2" })]
        [InlineData("id,,Column2", new[] { "id", "Column2_2", "Column2" })]
        [InlineData(",,", new[] { "Column1", "Column2", "Column3" })]
        [InlineData("a,A,a_2,,Column4", new[] { "a", "A_3", "a_2", "Column4_2", "Column4" })]
        public void Headers_RealNamesWin(string header, string[] expected)
        {
            var (read, all) = Read(Encoding.UTF8.GetBytes(header + "\n" + string.Join(",", expected.Select((_, i) => "v" + i)) + "\n"));
            var r = Assert.Single(read);
            Assert.Equal(expected, r.FieldNames);
            for (int i = 0; i < expected.Length; i++) Assert.Equal("v" + i, r[expected[i]]); // each real column keeps its own data
            var w = Assert.Single(all, e => e.Code == "CsvHeaderRenamed");
            Assert.Equal(CrmErrorSeverity.Warning, w.Severity);
        }

        [Fact]
        public void FormulaEscapeNone_WritesVerbatim_RecordsItInTheSidecar_AndReadsBackLosslessly()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Phone", "Note" });
            var c = new CrmConnection(CrmProviderKind.Csv, _dir.Path) { FormulaEscape = CrmFormulaEscape.None };
            using (var p = new CsvProvider(c))
            using (var w = p.OpenWriter("m", new CrmWriteOptions { Encoding = "utf-8" }))
            {
                w.WriteBatch(new[] { new CrmRecord("m", shape, new object?[] { 1L, "+8613800138000", "'quoted" }), new CrmRecord("m", shape, new object?[] { 2L, "-5", "=1+1" }) }, new List<CrmRecordOutcome>());
                w.Complete();
            }
            Assert.Equal("Id,Phone,Note\r\n1,+8613800138000,'quoted\r\n2,-5,=1+1\r\n", File.ReadAllText(_dir.File("m.csv")));
            Assert.Contains("\"crm:formulaEscape\": \"none\"", File.ReadAllText(_dir.File("m.csv-metadata.json")), StringComparison.Ordinal);
            using var reader = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            var back = reader.Read("m", new CrmReadOptions(), _ => { }, CancellationToken.None).ToList();
            Assert.Equal(new object?[] { "+8613800138000", "-5" }, back.Select(r => r["Phone"]));
            Assert.Equal(new object?[] { "'quoted", "=1+1" }, back.Select(r => r["Note"]));

            // The writer option (a file format's choice) wins over the connection's.
            using (var p = new CsvProvider(c))
            using (var w = p.OpenWriter("s", new CrmWriteOptions { Encoding = "utf-8", FormulaEscape = CrmFormulaEscape.Spreadsheet }))
            {
                w.WriteBatch(new[] { new CrmRecord("s", shape, new object?[] { 1L, "+86", "'q" }) }, new List<CrmRecordOutcome>());
                w.Complete();
            }
            Assert.Equal("Id,Phone,Note\r\n1,\"'+86\",''q\r\n", File.ReadAllText(_dir.File("s.csv")));
            var escaped = reader.Read("s", new CrmReadOptions(), _ => { }, CancellationToken.None).Single();
            Assert.Equal("+86", escaped["Phone"]);
            Assert.Equal("'q", escaped["Note"]);
        }

        [Fact]
        public void DecodingStream_CountsLinesLikeTheParser_AcrossBlocks()
        {
            // Lone CR, CR LF split over a block boundary, and an invalid byte far into the file.
            var sb = new StringBuilder("a\rb\r\n");
            while (sb.Length < (1 << 16) - 1) sb.Append('x');
            sb.Append("\r\nline3\n");
            var bytes = Encoding.ASCII.GetBytes(sb.ToString()).Concat(new byte[] { 0xC3, (byte)'\n' }).ToArray();
            using var s = new Utf8DecodingStream(new MemoryStream(bytes), new UTF8Encoding(false), 0);
            s.Drain();
            var bad = Assert.Single(s.Invalid);
            Assert.Equal(5, bad.Line);
            Assert.Equal(bytes.Length - 2, bad.Offset);
        }
    }
}
