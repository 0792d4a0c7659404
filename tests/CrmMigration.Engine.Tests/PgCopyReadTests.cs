using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Db;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// PostgreSQL tables read through binary COPY (decoded into column batches) give exactly the records the data reader gives:
    /// every type the reader supports, nulls, infinities and the edge days, numerics of every scale, arrays, json, enums, domains;
    /// the same keys and origins; keyset resume and pushed-down filters with quotes and backslashes in their values.
    /// </summary>
    public class PgCopyReadTests
    {
        internal const string Ddl = @"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s great');
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN shorttext AS varchar(20);
CREATE TABLE every (
  id int8 PRIMARY KEY, i2 int2, i4 int4, n numeric(38,10), nfree numeric, n2 numeric(12,2), f4 float4, f8 float8, b bool,
  d date, ts timestamp, tz timestamptz, u uuid, bin bytea, t text, vc varchar(30), ch char(5), nm name,
  j json, jb jsonb, x xml, ai int4[], at text[], m mood, iv interval, tm time, money money, ip inet, dp posint, dt shorttext);
INSERT INTO every VALUES
 (1, 32767, 2147483647, 1234567890123456789.0123456789, 0.00000000000000000001, 1.50, 3.14159, 2.718281828459045, true,
  DATE '0001-01-01', TIMESTAMP '0001-01-01 00:00:00', TIMESTAMPTZ '2024-02-29 01:00:00+03', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff10',
  E'quote '' back\\ slash, comma; 中文 €', 'varchar', 'ab', 'name', '{""a"": [1, 2]}', '{""b"": {""c"": null}}', '<x>1</x>', '{1,2,NULL}', '{""a b"",c}',
  'it''s great', '1 day 02:03:04', '12:34:56.789', 12.34, '192.168.0.1/24', 7, 'domain text'),
 (2, -32768, -2147483648, -0.0000000001, -123456789012345678901234567.8, 0.00, -1.5e-30, -1e300, false,
  DATE 'infinity', TIMESTAMP '-infinity', TIMESTAMPTZ 'infinity', '00000000-0000-0000-0000-000000000000', '\x',
  '', '', '     ', '', 'null', '[]', '<y/>', '{}', '{}', 'sad', '0', '00:00', -0.01, '::1', 1, ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 100000000, 9999999999.99, 'NaN', 'Infinity', true,
  DATE '9999-12-31', TIMESTAMP '9999-12-31 23:59:59.999999', TIMESTAMPTZ '-infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\x5c27',
  'x', 'y', 'abcde', 'z', '1', '2', '<z/>', '{-1}', '{NULL}', 'ok', '-1 mon', '23:59:59.999999', 0, '10.0.0.1', 2147483647, 'a'),
 (5, 1, 1, 12345.6789, 12345678901234567890.12345678, 10, '-Infinity', 'NaN', false,
  DATE '-infinity', TIMESTAMP 'infinity', TIMESTAMPTZ '1999-12-31 23:59:59.123456-08', NULL, '\xdeadbeef',
  repeat('long ', 20000), 'v', 'c', 'n', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO every (id, t, n, f8, d) SELECT g, 'row ' || g, g / 7.0, g * 0.5, DATE '2020-01-01' + g FROM generate_series(100, 3200) g;";

        private static List<CrmRecord> ReadAll(DbProvider p, bool copy, Func<DbProvider, IEnumerable<CrmRecord>> read)
        {
            p.UseCopyRead = copy;
            return read(p).ToList();
        }

        internal static void AssertSame(IReadOnlyList<CrmRecord> expected, IReadOnlyList<CrmRecord> actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int r = 0; r < expected.Count; r++)
            {
                var e = expected[r];
                var a = actual[r];
                Assert.Equal(e.Key?.ToString(), a.Key?.ToString());
                Assert.Equal(e.Key?.FieldNames, a.Key?.FieldNames);
                Assert.Equal(e.Origin?.ToString(), a.Origin?.ToString());
                Assert.Equal(e.Origin?.Line, a.Origin?.Line);
                Assert.Equal(e.Origin?.SourceKey, a.Origin?.SourceKey);
                Assert.Equal(e.FieldNames, a.FieldNames);
                foreach (var name in e.FieldNames)
                {
                    object? ev = e[name], av = a[name];
                    string where = $"row {r} (id {e["id"]}), {name}";
                    if (ev is null) { Assert.True(av is null, where + ": " + av); continue; }
                    Assert.True(av is not null, where + " is null");
                    Assert.True(ev.GetType() == av!.GetType(), $"{where}: {ev.GetType()} vs {av.GetType()}");
                    if (ev is byte[] eb) Assert.True(eb.SequenceEqual((byte[])av), where);
                    else Assert.True(ev.Equals(av), $"{where}: {ev} vs {av}");
                    // Same text too (a decimal's scale, a DateTime's kind, a DateTimeOffset's offset).
                    Assert.Equal(Util.CrmValues.ToText(ev), Util.CrmValues.ToText(av));
                    if (ev is DateTime ed) Assert.Equal(ed.Kind, ((DateTime)av).Kind);
                    if (ev is DateTimeOffset eo) Assert.Equal(eo.Offset, ((DateTimeOffset)av).Offset);
                }
            }
        }

        [Fact]
        public void EveryTypeReadsBackAsTheDataReaderReadsIt()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(Ddl);
            using var p = (DbProvider)db.Provider();
            var table = p.LoadTable("every")!;
            // Every column of the table has a binary decoder (else the whole table would be read by the data reader).
            Assert.NotNull(PgCopyReader.For(table.Columns));
            IEnumerable<CrmRecord> All(DbProvider x) => x.Read("every", new CrmReadOptions(), e => Assert.Fail(e.Message), CancellationToken.None);
            var old = ReadAll(p, false, All);
            var copy = ReadAll(p, true, All);
            Assert.Equal(3106, old.Count);
            AssertSame(old, copy);
            // A few values spelled out, so both paths being wrong the same way fails too.
            Assert.Equal(1234567890123456789.0123456789m, copy[0]["n"]);
            Assert.Equal("1.50", Util.CrmValues.ToText(copy[0]["n2"]));
            Assert.Equal("0.00000000000000000001", Util.CrmValues.ToText(copy[0]["nfree"]));
            Assert.Equal(new Guid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), copy[0]["u"]);
            Assert.Equal(new byte[] { 0, 0xFF, 0x10 }, copy[0]["bin"]);
            Assert.Equal("quote ' back\\ slash, comma; 中文 €", copy[0]["t"]);
            Assert.Equal("ab   ", copy[0]["ch"]);
            Assert.Equal("{1,2,NULL}", copy[0]["ai"]);
            Assert.Equal("it's great", copy[0]["m"]);
            Assert.Equal(7L, copy[0]["dp"]);
            Assert.Equal(DateTime.MinValue, copy[0]["d"]);
            Assert.Equal(new DateTimeOffset(2024, 2, 28, 22, 0, 0, TimeSpan.Zero), copy[0]["tz"]);
            Assert.Equal("infinity", copy[1]["d"]);
            Assert.Equal("-infinity", copy[1]["ts"]);
            Assert.Equal(-123456789012345678901234567.8m, copy[1]["nfree"]);
            Assert.Equal(string.Empty, copy[1]["t"]);
            Assert.Equal(3.14159, copy[0]["f4"]);
            Assert.True(double.IsNaN((double)copy[3]["f4"]!));
            Assert.Equal(100_000L, ((string)copy[4]["t"]!).Length);
            Assert.All(copy[2].FieldNames.Skip(1), f => Assert.Null(copy[2][f]));
        }

        [Fact]
        public void KeysetResumeAndPushedFiltersReadTheSameRows()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(@"CREATE TABLE k (code varchar(20) PRIMARY KEY, name text, n int4);
INSERT INTO k VALUES ('a', 'x', 1), (E'b''\\c', E'it''s', 2), (E'b''\\d', 'y', 3), ('c', E'it''s', 4), ('d', 'z', 5);
CREATE TABLE c2 (a int4, b text, v text, PRIMARY KEY (a, b));
INSERT INTO c2 SELECT g / 3, 'k' || (g % 3), 'v' || g FROM generate_series(0, 30) g;");
            using var p = (DbProvider)db.Provider();
            var resumable = (ICrmResumableSource)p;
            Assert.True(resumable.CanResume("k"));
            // After the second row (its key holds a quote and a backslash), and at it (inclusive).
            var all = ReadAll(p, true, x => x.Read("k", new CrmReadOptions(), _ => { }, CancellationToken.None));
            var after = resumable.PositionOf(all[1], 2);
            foreach (var position in new[] { after, new SourcePosition(2, -1, 0, after.Key, inclusive: true) { KeyParts = after.KeyParts } })
            {
                var old = ReadAll(p, false, x => ((ICrmResumableSource)x).ReadFrom("k", new CrmReadOptions(), position, _ => { }, CancellationToken.None));
                var copy = ReadAll(p, true, x => ((ICrmResumableSource)x).ReadFrom("k", new CrmReadOptions(), position, _ => { }, CancellationToken.None));
                Assert.Equal(position.Inclusive ? 4 : 3, copy.Count);
                Assert.Equal(position.Inclusive ? "b'\\c" : "b'\\d", copy[0]["code"]);
                AssertSame(old, copy);
            }
            // Pushed-down filters with a quote (text) and an integer, with a keyset after them.
            var filters = new CrmReadOptions { Filters = new[] { new CrmFieldFilter("name", "IT'S") } };
            var f1 = ReadAll(p, false, x => ((ICrmResumableSource)x).ReadFrom("k", filters, after, _ => { }, CancellationToken.None));
            var f2 = ReadAll(p, true, x => ((ICrmResumableSource)x).ReadFrom("k", filters, after, _ => { }, CancellationToken.None));
            Assert.Single(f2);
            Assert.Equal("c", f2[0]["code"]);
            AssertSame(f1, f2);
            var n = new CrmReadOptions { Filters = new[] { new CrmFieldFilter("n", 3L) } };
            AssertSame(ReadAll(p, false, x => x.Read("k", n, _ => { }, CancellationToken.None)), ReadAll(p, true, x => x.Read("k", n, _ => { }, CancellationToken.None)));
            Assert.Single(ReadAll(p, true, x => x.Read("k", n, _ => { }, CancellationToken.None)));
            // A composite key: the row-value comparison, and whether the source changed under a position.
            var c2 = ReadAll(p, true, x => x.Read("c2", new CrmReadOptions(), _ => { }, CancellationToken.None));
            var mid = resumable.PositionOf(c2[10], 11);
            var r1 = ReadAll(p, false, x => ((ICrmResumableSource)x).ReadFrom("c2", new CrmReadOptions(), mid, _ => { }, CancellationToken.None));
            var r2 = ReadAll(p, true, x => ((ICrmResumableSource)x).ReadFrom("c2", new CrmReadOptions(), mid, _ => { }, CancellationToken.None));
            Assert.Equal(20, r2.Count);
            Assert.Equal(12, r2[0].Origin!.Line);
            AssertSame(r1, r2);
            Assert.Null(resumable.Changed("c2", mid, resumable.StampOf("c2", c2[10])));
        }

        [Theory]
        [InlineData("'NaN'::numeric")]
        [InlineData("'Infinity'::numeric")]
        [InlineData("123456789012345678901234567890::numeric")]
        [InlineData("DATE '0001-01-01' - 1")]
        public void ValuesDotNetCannotHoldAreRefusedByBothPaths(string value)
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            string type = value.StartsWith("DATE", StringComparison.Ordinal) ? "date" : "numeric";
            db.Exec($"CREATE TABLE v (id int4 PRIMARY KEY, x {type}); INSERT INTO v VALUES (1, {value})");
            using var p = (DbProvider)db.Provider();
            var old = Record.Exception(() => ReadAll(p, false, x => x.Read("v", new CrmReadOptions(), _ => { }, CancellationToken.None)));
            var copy = Record.Exception(() => ReadAll(p, true, x => x.Read("v", new CrmReadOptions(), _ => { }, CancellationToken.None)));
            Assert.NotNull(old);
            Assert.NotNull(copy);
            Assert.True(old!.GetType() == copy!.GetType(), old.GetType() + ": " + old.Message + " / " + copy.GetType() + ": " + copy.Message);
        }

        [Fact]
        public void NumericDecodesEveryScaleAndWeight()
        {
            // The binary form PgCopy writes, read back: decimals of every scale, both signs, large and small.
            var values = new[] { 0m, 0.00m, 1m, -1m, 1.50m, 0.0001m, 0.00001m, 10000m, 9999.9999m, 123456789.987654321m, -0.0000000000000000000000000001m,
                decimal.MaxValue, decimal.MinValue, 79228162514264337593543950.335m, 1e-28m, 100000000000000000000m };
            foreach (var m in values)
            {
                var buffer = new BulkBuffer();
                PgCopy.Numeric(buffer, m);
                var bytes = buffer.Bytes.AsSpan(0, buffer.Length).ToArray();
                var back = PgCopyReader.Numeric(bytes.AsSpan(4), "n");
                Assert.Equal(m, back);
                Assert.Equal(m.ToString(CultureInfo.InvariantCulture), back.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
