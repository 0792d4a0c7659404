using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Schema;
using CrmMigration.Engine.Util;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The short cuts taken on the copy's hot path (issue 16, where the time goes) give exactly what the general code gives:
    /// ISO dates read without the general parser, types inferred from batches, fingerprints with names encoded once per shape,
    /// SQLite text bound as UTF-8, DATE text stored as it is.
    /// </summary>
    public class HotPathTests
    {
        private static readonly string[] DateFormats =
        {
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm",
        };

        private static IEnumerable<string> DateLikeTexts()
        {
            string[] fixedOnes =
            {
                "2015-06-04", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "0000-01-01", "0001-01-01", "9999-12-31",
                "2015-13-01", "2015-00-10", "2015-06-00", "2015-06-31", "2015-04-31", "2015-6-04x", "２０１５-06-04", "2015-06-0a",
                " 2015-06-04", "2015-06-04 ", "+015-06-04", "-015-06-04", "2015/06/04", "2015-06-04T10:00:00", "20150604", "2015-06-4 ",
                "2015-6-4", "15-06-04", "2015-06-04Z", "٢٠١٥-٠٦-٠٤", "2015-06-\u00A04",
            };
            foreach (var s in fixedOnes) yield return s;
            var random = new Random(16);
            const string alphabet = "0123456789012345678901234567890123456789- +aT";
            for (int i = 0; i < 20000; i++)
            {
                var chars = new char[10];
                for (int c = 0; c < 10; c++) chars[c] = alphabet[random.Next(alphabet.Length)];
                if (random.Next(4) > 0) { chars[4] = '-'; chars[7] = '-'; }
                if (random.Next(3) > 0) { chars[0] = (char)('1' + random.Next(2)); chars[5] = (char)('0' + random.Next(2)); chars[8] = (char)('0' + random.Next(4)); }
                yield return new string(chars);
            }
        }

        [Fact]
        public void IsoDatesAreReadExactlyAsTheGeneralParserReadsThem()
        {
            int fast = 0;
            foreach (var s in DateLikeTexts())
            {
                bool exact = DateTime.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var want);
                if (CrmValues.TryParseIsoDate(s, out var got))
                {
                    fast++;
                    Assert.True(exact, s);
                    Assert.Equal(want, got);
                    Assert.Equal(want.Kind, got.Kind);
                }
                else if (exact)
                {
                    // Only text outside the plain form (not ten ASCII characters dddd-dd-dd) is left to the general parser.
                    Assert.False(s.Length == 10 && s.All(c => c < 128) && s[4] == '-' && s[7] == '-' && s.Where((c, i) => i != 4 && i != 7).All(char.IsAsciiDigit), s);
                }
                // What Parse gives (Date and DateTime) is what the formats give, whichever way it was read.
                object? reference = DateTime.TryParseExact(s, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var r) ? r : null;
                foreach (var type in new[] { CrmFieldType.Date, CrmFieldType.DateTime })
                {
                    object? parsed;
                    try { parsed = CrmValues.Parse(s, type); }
                    catch (FormatException) { parsed = null; }
                    Assert.Equal(reference, parsed);
                }
            }
            Assert.True(fast > 1000, "the random texts hold enough real dates: " + fast.ToString(CultureInfo.InvariantCulture));
        }

        [Fact]
        public void TypesInferredFromBatchesAreThoseInferredFromRecords()
        {
            using var dir = new TempDir();
            string file = dir.File("things.csv");
            var longNumber = new string('7', 300);
            var longText = string.Concat(Enumerable.Repeat("张伟", 100));
            var lines = new List<string> { "id,zip,amount,when,at,flag,mixed,empty,uid,big,wide,lately" };
            for (int i = 0; i < 5000; i++)
            {
                string day = new DateTime(2020, 1, 1).AddDays(i % 900).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                lines.Add(string.Join(",",
                    (i - 10).ToString(CultureInfo.InvariantCulture),
                    i % 7 == 0 ? "02134" : "10001",
                    i % 3 == 0 ? "12.50" : "7",
                    day,
                    i % 2 == 0 ? day + " 10:11:12" : day,
                    i % 2 == 0 ? "true" : "FALSE",
                    i == 4000 ? "x" : "1",
                    "",
                    Guid.Empty.ToString("D")[..^4] + (1000 + i % 9000).ToString(CultureInfo.InvariantCulture),
                    i == 10 ? longNumber : "5",
                    i == 20 ? longText : "ü",
                    i == 4999 ? "2015-02-30" : day));
            }
            File.WriteAllLines(file, lines, new UTF8Encoding(false));
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(file));
            var schema = provider.DescribeEntity("things", includeRowCount: false)!;
            var fromRecords = new TypeInference();
            foreach (var record in provider.Read("things", new CrmReadOptions(), _ => { }, CancellationToken.None)) fromRecords.Add(record);
            var fromBatches = new TypeInference();
            foreach (var batch in ((ICrmBatchSource)provider).ReadBatches("things", new CrmReadOptions(), new BatchReadOptions { BatchSize = 700 }, _ => { }, CancellationToken.None))
            {
                fromBatches.Add(batch);
            }
            Assert.Equal(5000, fromRecords.Records);
            Assert.Equal(fromRecords.Records, fromBatches.Records);
            var want = fromRecords.Apply(schema);
            var got = fromBatches.Apply(schema);
            Assert.Equal(fromRecords.Describe(want), fromBatches.Describe(got));
            foreach (var f in want.Fields)
            {
                var g = got.GetField(f.Name)!;
                Assert.Equal((f.Type, f.Precision, f.Scale, f.Size), (g.Type, g.Precision, g.Scale, g.Size));
            }
            // The file's own types, so a mistake in either path shows: amount is Decimal(.,2), lately is mixed, big is too long.
            Assert.Equal(CrmFieldType.Decimal, got.GetField("amount")!.Type);
            Assert.Equal(CrmFieldType.DateTime, got.GetField("at")!.Type);
            Assert.Equal(CrmFieldType.Date, got.GetField("when")!.Type);
            Assert.Equal(CrmFieldType.String, got.GetField("lately")!.Type);
            Assert.Equal(CrmFieldType.String, got.GetField("big")!.Type);
            Assert.Equal(CrmFieldType.String, got.GetField("mixed")!.Type);
            Assert.Equal(CrmFieldType.Guid, got.GetField("uid")!.Type);
            Assert.Equal(CrmFieldType.Integer, got.GetField("id")!.Type);
        }

        /// <summary>The fingerprint as it was first defined: name, 0x1F, type, invariant text, 0x1E per field, XxHash3.</summary>
        private static long ReferenceFingerprint(CrmRecord record)
        {
            var bytes = new List<byte>();
            for (int i = 0; i < record.FieldCount; i++)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(record.FieldNames[i]));
                object? v = record.GetValue(i);
                bytes.Add(0x1F);
                bytes.Add((byte)(v is null ? 0xFF : (int)CrmValues.TypeOf(v)));
                if (v is not null) bytes.AddRange(Encoding.UTF8.GetBytes(v as string ?? CrmValues.ToText(v) ?? ""));
                bytes.Add(0x1E);
            }
            return (long)System.IO.Hashing.XxHash3.HashToUInt64(bytes.ToArray());
        }

        [Fact]
        public void FingerprintsOfTypedValuesFormattedInPlaceAreTheTextFingerprints()
        {
            // ContentHash formats longs, decimals, doubles, floats, booleans and dates straight into its buffer (no string per
            // field): every edge of each must give the bytes of its invariant text, as the ledger's fingerprints always were.
            var values = new object?[]
            {
                0L, -1L, long.MinValue, long.MaxValue, 7, int.MinValue, (short)-32768, (short)12,
                0m, -0.00m, 12.50m, decimal.MinValue, decimal.MaxValue, 1e-28m, 79228162514264337593543950335m / 3,
                0.0, -0.0, 1.0 / 7, double.Epsilon, double.MaxValue, double.MinValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e21, 123456789012345680000.0,
                0f, 0.1f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity, 9.8f,
                true, false,
                new DateTime(2024, 3, 5), DateTime.MinValue, DateTime.MaxValue, new DateTime(2024, 3, 5, 10, 11, 12, DateTimeKind.Utc),
                new DateTime(2024, 3, 5, 0, 0, 0, 1), new DateTime(2024, 3, 5, 23, 59, 59, 999).AddTicks(9999), new DateTime(1, 1, 1, 0, 0, 1, DateTimeKind.Local),
                (byte)3, 4UL, new DateTimeOffset(2024, 3, 5, 1, 2, 3, TimeSpan.FromHours(8)), Guid.Empty, new byte[] { 1, 2, 3 }, "text", null,
            };
            var names = new string[values.Length];
            for (int i = 0; i < names.Length; i++) names[i] = "f" + i.ToString(CultureInfo.InvariantCulture);
            var shape = new CrmFieldShape(names);
            Assert.Equal(ReferenceFingerprint(new CrmRecord("t", shape, values)), ContentHash.Of(new CrmRecord("t", shape, values)));
            // Each value alone too, so one wrong value cannot hide behind another.
            var one = new CrmFieldShape(new[] { "v" });
            foreach (var v in values)
            {
                var r = new CrmRecord("t", one, new[] { v });
                Assert.True(ReferenceFingerprint(r) == ContentHash.Of(r), "fingerprint of " + (v is null ? "null" : v.GetType().Name + " " + CrmValues.ToText(v)));
            }
        }

        [Fact]
        public void LedgerBlobsShareOneEncodeBufferAndOweItNothing()
        {
            var images = new RowImageBatch("Account", new[] { "Id", "Name" }, new[] { 0 });
            images.Rows.Add(new RowImage("1", false, new object?[] { "1", null }));
            images.Rows.Add(new RowImage("2", true, new object?[] { "2", "Zoë" }));
            byte[] first = RowImageCodec.Encode(images);
            byte[] copy = (byte[])first.Clone();
            // A batch blob past the kept buffer's cap (4 MB), then a small one, then the images again: each blob stands alone.
            var big = new List<LedgerEntry>();
            for (int i = 0; i < 60_000; i++) big.Add(new LedgerEntry("contacts", "K" + i + new string('x', 80), null, new CrmRecordOutcome("Contact", "K" + i, CrmOutcome.Inserted), i));
            byte[] large = BatchCodec.Encode(big);
            Assert.True(large.Length > 4 << 20);
            byte[] small = BatchCodec.Encode(new[] { new LedgerEntry("contacts", "P1", "P1", new CrmRecordOutcome("Contact", "P1", CrmOutcome.Rejected) { ReasonCode = "Bad" }, 7) });
            byte[] again = RowImageCodec.Encode(images);
            Assert.Equal(copy, first);
            Assert.Equal(first, again);
            Assert.Equal(60_000, BatchCodec.Decode(large).Count());
            var one = BatchCodec.Decode(small).Single();
            Assert.Equal(("P1", CrmOutcome.Rejected, "Bad", (long?)7), (one.SourceKey, one.Outcome, one.ReasonCode, one.ContentHash));
            var back = RowImageCodec.Decode("Account", first);
            Assert.Equal(("1", false, "2", true, (object?)"Zoë"), (back.Rows[0].Key, back.Rows[0].Existed, back.Rows[1].Key, back.Rows[1].Existed, back.Rows[1].Values[1]));
        }

        [Fact]
        public void FingerprintsAreTheSameWhicheverShapeCameBefore()
        {
            var a = new CrmFieldShape(new[] { "Id", "Name", "Città", "Amount", "When" });
            var b = new CrmFieldShape(new[] { "Id", "Name", "Città", "Amount", "When", "名字" });
            var c = new CrmFieldShape(new[] { "Id", "Nom" });
            var d = new CrmFieldShape(new[] { "N", "Day", "Min", "Big", "Early" });
            var records = new List<CrmRecord>();
            for (int i = 0; i < 300; i++)
            {
                var when = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddHours(i * 7);
                records.Add(new CrmRecord("t", a, new object?[] { "K" + i, i % 5 == 0 ? null : "José " + i, "Zürich", 12.5m + i, when }));
                records.Add(new CrmRecord("t", b, new object?[] { (long)i, "Ann", null, i * 0.25, when, "张伟" + new string('x', i * 7) }));
                if (i % 3 == 0) records.Add(new CrmRecord("t", c, new object?[] { "K" + i, "Nom" }));
                // Integers and dates without a time are formatted straight into the buffer: the same text as ToText.
                records.Add(new CrmRecord("t", d, new object?[] { i * -7919, new DateTime(2024, 2, 29, 0, 0, 0, i % 2 == 0 ? DateTimeKind.Utc : DateTimeKind.Local).AddDays(i * 37), long.MinValue + i, (long)i * 1_000_000_007L, new DateTime(1, 1, 1).AddDays(i) }));
            }
            foreach (var r in records) Assert.Equal(ReferenceFingerprint(r), ContentHash.Of(r));
            // Names are part of it: the same values under another name differ.
            var renamed = new CrmRecord("t", new CrmFieldShape(new[] { "Id", "Nam" }), new object?[] { "K0", "Nom" });
            Assert.NotEqual(ContentHash.Of(new CrmRecord("t", c, new object?[] { "K0", "Nom" })), ContentHash.Of(renamed));
        }

        [Fact]
        public void SqliteTextIsStoredAsItWasAndDatesAsTheirText()
        {
            using var dir = new TempDir();
            string db = dir.File("t.db");
            Exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, born DATE, seen DATETIME, n INTEGER)");
            // What SQLite makes of text bound as UTF-16 (as the writer bound all text before): the reference for a lone surrogate.
            string lone = "a\uD800b";
            SQLitePCL.Batteries_V2.Init();
            SQLitePCL.raw.sqlite3_open(dir.File("ref.db"), out var refDb);
            SQLitePCL.raw.sqlite3_exec(refDb, "CREATE TABLE r (v TEXT)");
            SQLitePCL.raw.sqlite3_prepare_v2(refDb, "INSERT INTO r VALUES (?1)", out var insert);
            SQLitePCL.raw.sqlite3_bind_text16(insert, 1, lone);
            Assert.Equal(SQLitePCL.raw.SQLITE_DONE, SQLitePCL.raw.sqlite3_step(insert));
            insert.Dispose();
            SQLitePCL.raw.sqlite3_prepare_v2(refDb, "SELECT hex(v) FROM r", out var select);
            SQLitePCL.raw.sqlite3_step(select);
            string loneHex = SQLitePCL.raw.sqlite3_column_text(select, 0).utf8_to_string();
            select.Dispose();
            refDb.Dispose();

            var batch = new List<CrmRecord>
            {
                Rec("t", ("id", "1"), ("name", "José 张伟 😀"), ("born", "2015-06-04"), ("seen", "2015-06-04"), ("n", "42")),
                Rec("t", ("id", "2"), ("name", lone), ("born", new DateTime(2016, 2, 29)), ("seen", new DateTime(2016, 2, 29, 10, 11, 12)), ("n", 7L)),
                Rec("t", ("id", "3"), ("name", ""), ("born", "2015-02-30"), ("seen", null), ("n", null)),
                Rec("t", ("id", "4"), ("name", "x\0y"), ("born", "2016-01-31"), ("seen", "2015-06-04T01:02:03"), ("n", "-1")),
            };
            var outcomes = Write(Provider(db), "t", new CrmWriteOptions(), batch);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Inserted, CrmOutcome.Rejected, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome).ToArray());
            Assert.Equal("ValueConversion", outcomes[2].ReasonCode);
            Assert.StartsWith("Field 'born': ", outcomes[2].Message);
            Assert.Equal(Convert.ToHexString(Encoding.UTF8.GetBytes("José 张伟 😀")), Scalar(db, "SELECT hex(name) FROM t WHERE id = '1'"));
            Assert.Equal(loneHex, Scalar(db, "SELECT hex(name) FROM t WHERE id = '2'"));
            Assert.Equal("780079", Scalar(db, "SELECT hex(name) FROM t WHERE id = '4'"));
            Assert.Equal("2015-06-04|text|2015-06-04T00:00:00|42|integer", Scalar(db, "SELECT born || '|' || typeof(born) || '|' || seen || '|' || n || '|' || typeof(n) FROM t WHERE id = '1'"));
            Assert.Equal("2016-02-29|2016-02-29T10:11:12|7", Scalar(db, "SELECT born || '|' || seen || '|' || n FROM t WHERE id = '2'"));
            Assert.Equal("2016-01-31|2015-06-04T01:02:03", Scalar(db, "SELECT born || '|' || seen FROM t WHERE id = '4'"));
        }
    }
}
