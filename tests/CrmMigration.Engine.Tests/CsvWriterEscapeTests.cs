using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;
using CsvHelper;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The CSV writer quotes and escapes formulas itself (CsvHelper 34 moves buffer contents for every field it
    /// quotes). Its files must be byte for byte what CsvHelper's own RFC 4180 quoting and Injection=Escape write: the
    /// reference here is a plain CsvHelper writer in that mode, fed the same header and the same texts.
    /// </summary>
    public sealed class CsvWriterEscapeTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public void Dispose() => _dir.Dispose();

        // Texts that start with each formula character, with quotes, separators, line breaks, apostrophes, and
        // typed values whose text starts with one (a negative number is never escaped; base64 may start with '+').
        private static readonly object?[][] Rows =
        {
            new object?[] { "=1+2", "+86 138 0013 8000", "-5", "@home", 1L },
            new object?[] { "\tindented", "\rreturn", "a\rb", "\"=1\"", -2L },
            new object?[] { "=a,b", "=a;b", "=a\"b", "'=x", -3.25m },
            new object?[] { "plain", " =x", "=", "-", -1e300d },
            new object?[] { "\"", "\"\"", "\"+1\"", "\nx", null },
            new object?[] { "x=1", "", "''", "=\r\n", new byte[] { 0xFB, 0xEF, 0xFF } },
            new object?[] { "日本=", "＝全角", "+", "-\t", true },
            new object?[] { "@", "a\tb", "-1", "=HYPERLINK(\"http://x\")", new DateTime(2024, 3, 5) },
            new object?[] { " lead", "trail ", "back\\slash", "#hash", "\u2028ls\u0085nel" },
            new object?[] { "\n", "\r\n", ",", "\"", "x\ty" },
            // Dates are formatted into the writer's buffer: midnight, fractions, UTC and local kinds, both ends of the range.
            new object?[] { new DateTime(2024, 3, 5, 10, 11, 12).AddTicks(1234567), DateTime.MaxValue, DateTime.MinValue, new DateTime(2024, 3, 5, 0, 0, 0, 500, DateTimeKind.Utc), new DateTime(2024, 3, 5, 23, 59, 59, DateTimeKind.Local) },
            // Fields longer than the writer's buffer, quoted and not.
            new object?[] { "=" + new string('x', 5000) + "\"", new string('y', 3000), "-" + string.Concat(System.Linq.Enumerable.Repeat("a,\"b\"\r\n", 900)), "z", Bytes(4000) },
        };

        private static byte[] Bytes(int n)
        {
            var b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte)(i * 7 + 3);
            return b;
        }

        private static readonly string[] Header = { "=Id", "+Phone", "Note", "-Minus", "Value" };

        [Theory]
        [InlineData("data.csv", "utf-8")]
        [InlineData("data.csv", "utf-8-bom")]
        [InlineData("data.tsv", "utf-8")]
        [InlineData("data.csv", "windows-1252")]
        [InlineData("data.csv", "utf-16")]
        public void SpreadsheetEscaping_IsByteForByteCsvHelpersEscape(string file, string encoding)
        {
            var shape = new CrmFieldShape(Header);
            var records = new List<CrmRecord>();
            foreach (var row in Rows) records.Add(new CrmRecord("data", shape, (object?[])row.Clone()));
            string path = _dir.File(file);
            using (var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, path)))
            using (var w = p.OpenWriter(Path.GetFileNameWithoutExtension(file), new CrmWriteOptions { Encoding = encoding, CreateIfMissing = true }))
            {
                w.WriteBatch(records, new List<CrmRecordOutcome>());
                w.Complete();
            }
            Assert.Equal(Reference(file.EndsWith(".tsv", StringComparison.Ordinal) ? '\t' : ',', encoding), File.ReadAllBytes(path));
        }

        [Fact]
        public void AHeaderOnlyFile_IsEscapedToo()
        {
            string path = _dir.File("empty.csv");
            using (var p = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, path)))
            using (var w = p.OpenWriter("empty", new CrmWriteOptions { Encoding = "utf-8", CreateIfMissing = true, Schema = Schema() }))
            {
                w.WriteBatch(new List<CrmRecord>(), new List<CrmRecordOutcome>());
                w.Complete();
            }
            Assert.Equal("\"'=Id\",\"'+Phone\",Note,\"'-Minus\",Value\r\n", File.ReadAllText(path));
        }

        private static CrmEntitySchema Schema()
        {
            var fields = new List<CrmFieldSchema>();
            foreach (var h in Header) fields.Add(new CrmFieldSchema(h, CrmFieldType.String));
            return new CrmEntitySchema("empty", fields);
        }

        /// <summary>What CsvHelper writes with its own formula escaping, for the same header and values.</summary>
        private static byte[] Reference(char separator, string encodingName)
        {
            var encoding = TextEncodings.FromName(encodingName);
            var options = new CsvWriterOptions
            {
                Separator = separator,
                Injection = CsvInjection.Escape,
                NewLine = "\r\n",
                WriteByteOrderMark = encoding is null || (TextEncodings.IsUtf8(encoding) && encoding.GetPreamble().Length > 0),
            };
            var stream = new MemoryStream();
            bool utf8 = encoding is null || TextEncodings.IsUtf8(encoding);
            var w = utf8 ? CsvWriter.Create(stream, options) : CsvWriter.Create(new StreamWriter(stream, encoding!, 1 << 16), options with { WriteByteOrderMark = false });
            w.WriteHeader(Header);
            foreach (var row in Rows)
            {
                foreach (var v in row)
                {
                    switch (v)
                    {
                        case null: w.WriteField((string?)null); break;
                        case string s when s.Length == 0: w.WriteField(s, CsvQuoting.Always); break;
                        case string s when s[0] == '\'': w.WriteField("'" + s); break;
                        case string s: w.WriteField(s); break;
                        case long l: w.WriteField(l); break;
                        case decimal m: w.WriteField(m); break;
                        case double d: w.WriteField(d); break;
                        default: w.WriteField(CrmValues.ToText(v)); break;
                    }
                }
                w.EndRecord();
            }
            w.Dispose();
            return stream.ToArray();
        }
    }
}
