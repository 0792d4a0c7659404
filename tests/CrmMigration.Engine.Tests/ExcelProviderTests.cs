using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Excel;
using MiniExcelLibs;

namespace CrmMigration.Engine.Tests
{
    public sealed class ExcelProviderTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public void Dispose() => _dir.Dispose();

        private CrmConnection Book => new CrmConnection(CrmProviderKind.Excel, _dir.File("book.xlsx"));

        private static void Write(CrmConnection c, string entity, IEnumerable<CrmRecord> records, CrmWriteOptions? options = null, List<CrmRecordOutcome>? outcomes = null, int batchSize = 1000)
        {
            using var p = new ExcelProvider(c);
            using var w = p.OpenWriter(entity, options ?? new CrmWriteOptions());
            var batch = new List<CrmRecord>(batchSize);
            var sink = outcomes ?? new List<CrmRecordOutcome>();
            foreach (var r in records)
            {
                batch.Add(r);
                if (batch.Count == batchSize) { w.WriteBatch(batch, sink); batch.Clear(); if (outcomes is null) sink.Clear(); }
            }
            w.WriteBatch(batch, sink);
            w.Complete();
        }

        private static (List<CrmRecord> Records, List<CrmDataError> Errors) ReadAll(CrmConnection c, string entity)
        {
            var errors = new List<CrmDataError>();
            using var p = new ExcelProvider(c);
            return (p.Read(entity, new CrmReadOptions(), errors.Add, CancellationToken.None).ToList(), errors);
        }

        [Fact]
        public void RoundTrip_KeepsTypedValues()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Name", "Amount", "Ratio", "Active", "When", "Day", "Stamp", "Big", "Exact", "Uid", "Nothing" });
            var stamp = new DateTimeOffset(2024, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(-5));
            var records = new[]
            {
                new CrmRecord("people", shape, new object?[] { 1L, "张伟 Zoë Ångström", 12.34m, 0.1d, true, new DateTime(2024, 5, 6, 7, 8, 9), new DateTime(2001, 2, 3), stamp, long.MaxValue, 12345678901234567.891m, Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), null }),
                new CrmRecord("people", shape, new object?[] { -2L, "=1+1", -0.5m, -1e-300, false, null, null, null, -9007199254740993L, 0m, null, null }),
            };
            var outcomes = new List<CrmRecordOutcome>();
            Write(Book, "people", records, new CrmWriteOptions { KeyFields = new[] { "Id" } }, outcomes);
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Inserted }, outcomes.Select(o => o.Outcome));
            Assert.True(File.Exists(_dir.File("book.xlsx-metadata.json")));
            Assert.Equal(new[] { "book.xlsx", "book.xlsx-metadata.json" }, Directory.GetFiles(_dir.Path).Select(Path.GetFileName).OrderBy(x => x, StringComparer.Ordinal));

            var (read, errors) = ReadAll(Book, "people");
            Assert.Empty(errors);
            Assert.Equal(2, read.Count);
            for (int r = 0; r < 2; r++)
            {
                for (int i = 0; i < shape.Count; i++) Assert.Equal(records[r].GetValue(i), read[r].GetValue(i));
            }
            Assert.IsType<long>(read[0]["Id"]);
            Assert.IsType<decimal>(read[0]["Amount"]);
            Assert.IsType<double>(read[0]["Ratio"]);
            Assert.IsType<DateTime>(read[0]["When"]);
            Assert.IsType<DateTimeOffset>(read[0]["Stamp"]);
            Assert.Equal(new CrmKey("1"), read[0].Key);
            // Named by its column, as a CSV row's and a table row's key are (an upsert into a table matches on it).
            Assert.Equal(new[] { "Id" }, read[0].Key!.FieldNames);
            Assert.Equal(2, read[0].Origin!.Line);
            Assert.Equal(3, read[1].Origin!.Line);
            Assert.Equal("-2", read[1].Origin!.SourceKey);

            using var p = new ExcelProvider(Book);
            var s = p.DescribeEntity("people", includeRowCount: true)!;
            Assert.Equal(2, s.RowCount);
            Assert.Equal(new[] { "Id" }, s.Key);
            Assert.Equal(CrmFieldType.Integer, s.GetField("Id")!.Type);
            Assert.Equal(CrmFieldType.DateTimeOffset, s.GetField("Stamp")!.Type);
        }

        [Fact]
        public void Sheets_AreEntities_AndWritingOneSheetKeepsTheOthers()
        {
            var a = new CrmFieldShape(new[] { "Id", "Name" });
            Write(Book, "Accounts", new[] { new CrmRecord("Accounts", a, new object?[] { 1L, "Acme" }) });
            Write(Book, "Contacts", new[] { new CrmRecord("Contacts", a, new object?[] { 7L, "Li" }), new CrmRecord("Contacts", a, new object?[] { 8L, "Wu" }) });
            Write(Book, "Accounts", new[] { new CrmRecord("Accounts", a, new object?[] { 2L, "Beta" }) }); // replaces the sheet in place
            using var p = new ExcelProvider(Book);
            Assert.Equal(new[] { "Accounts", "Contacts" }, p.ListEntities());
            var (acc, _) = ReadAll(Book, "Accounts");
            Assert.Equal(new object?[] { 2L }, acc.Select(r => r["Id"]));
            var (con, errors) = ReadAll(Book, "Contacts");
            Assert.Empty(errors);
            Assert.Equal(new object?[] { "Li", "Wu" }, con.Select(r => r["Name"]));
            Assert.Equal(new object?[] { 7L, 8L }, con.Select(r => r["Id"]));
        }

        [Fact]
        public void ForeignWorkbook_WithoutSidecar_InfersTypes_FixesHeaders_AndSkipsBlankRows()
        {
            var rows = new List<Dictionary<string, object?>>
            {
                new() { ["A"] = "Id", ["B"] = "", ["C"] = "Id", ["D"] = "When" },
                new() { ["A"] = 1, ["B"] = "x", ["C"] = 2.5, ["D"] = new DateTime(2020, 1, 2) },
                new() { ["A"] = null, ["B"] = null, ["C"] = null, ["D"] = null },
                new() { ["A"] = 3, ["B"] = "y", ["C"] = 4, ["D"] = null },
            };
            MiniExcel.SaveAs(_dir.File("book.xlsx"), rows, printHeader: false, sheetName: "Data");
            var (read, errors) = ReadAll(Book, "Data");
            Assert.Equal(new[] { "ExcelHeaderRenamed" }, errors.Select(e => e.Code));
            Assert.Equal(new[] { "Id", "Column2", "Id_2", "When" }, read[0].FieldNames);
            Assert.Equal(2, read.Count);
            Assert.Equal(new long[] { 2, 4 }, read.Select(r => r.Origin!.Line));
            Assert.Equal(1d, read[0]["Id"]);
            Assert.Equal(new CrmKey("1"), read[0].Key);
            Assert.Equal(new[] { "Id" }, read[0].Key!.FieldNames);
            Assert.Equal(new DateTime(2020, 1, 2), read[0]["When"]);
            using var p = new ExcelProvider(Book);
            var s = p.DescribeEntity("data", includeRowCount: true)!;
            Assert.Equal(2, s.RowCount);
            Assert.Equal(CrmFieldType.Integer, s.GetField("Id")!.Type);
            Assert.Equal(CrmFieldType.Double, s.GetField("Id_2")!.Type);
            Assert.Equal(CrmFieldType.Date, s.GetField("When")!.Type);
            Assert.Equal(CrmFieldType.String, s.GetField("Column2")!.Type);
        }

        [Fact]
        public void Sidecar_BadCell_IsExcelTypeConversion_AndRecordSkipped()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Qty" });
            Write(Book, "S", new[] { new CrmRecord("S", shape, new object?[] { 1L, 5L }), new CrmRecord("S", shape, new object?[] { 2L, 6L }) });
            // Make the sidecar claim Qty is a Guid: both rows now fail to convert.
            string sidecar = _dir.File("book.xlsx-metadata.json");
            File.WriteAllText(sidecar, File.ReadAllText(sidecar).Replace("\"Integer\"", "\"Guid\"", StringComparison.Ordinal));
            var (read, errors) = ReadAll(Book, "S");
            Assert.Empty(read);
            Assert.Equal(new long[] { 2, 3 }, errors.Select(e => e.Line));
            Assert.All(errors, e => { Assert.Equal("ExcelTypeConversion", e.Code); Assert.Equal("Id", e.Field); });
        }

        [Fact]
        public void Writer_Upsert_Throws_Plan_WritesNothing_UnknownFieldRejected()
        {
            using var p = new ExcelProvider(Book);
            Assert.Equal("FileTargetUpsertNotSupported", Assert.Throws<CrmException>(() => p.OpenWriter("X", new CrmWriteOptions { Mode = CrmWriteMode.Upsert })).Error.Code);
            var a = new CrmFieldShape(new[] { "Id" });
            var b = new CrmFieldShape(new[] { "Id", "More" });
            var outcomes = new List<CrmRecordOutcome>();
            using (var w = p.OpenWriter("X", new CrmWriteOptions()))
            {
                w.PlanBatch(new[] { new CrmRecord("X", a, new object?[] { 1L }), new CrmRecord("X", b, new object?[] { 2L, 3L }) }, outcomes);
            }
            Assert.Equal(new[] { CrmOutcome.Inserted, CrmOutcome.Rejected }, outcomes.Select(o => o.Outcome));
            Assert.All(outcomes, o => Assert.True(o.WhatIf));
            Assert.Equal("UnknownField", outcomes[1].ReasonCode);
            Assert.Empty(Directory.GetFiles(_dir.Path));
        }

        [Fact]
        public void HundredThousandRows_StreamWithFlatMemory()
        {
            var shape = new CrmFieldShape(new[] { "Id", "Name", "Amount", "When" });
            IEnumerable<CrmRecord> Rows()
            {
                for (int i = 0; i < 100_000; i++)
                    yield return new CrmRecord("Big", shape, new object?[] { (long)i, "name " + i, i * 0.25m, new DateTime(2020, 1, 1).AddMinutes(i) });
            }
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long baseline = GC.GetTotalMemory(true);
            Write(Book, "Big", Rows());
            GC.Collect();
            long afterWrite = GC.GetTotalMemory(true);
            long count = 0;
            long peakDuringRead = 0;
            using (var p = new ExcelProvider(Book))
            {
                foreach (var r in p.Read("Big", new CrmReadOptions(), e => throw new Xunit.Sdk.XunitException(e.ToString()), CancellationToken.None))
                {
                    if (count == 50_000) peakDuringRead = GC.GetTotalMemory(true);
                    Assert.Equal(count, r["Id"]);
                    count++;
                }
            }
            Assert.Equal(100_000, count);
            const long limit = 150L * 1024 * 1024;
            Assert.True(afterWrite - baseline < limit, $"write grew the heap by {(afterWrite - baseline) / 1e6:F0} MB");
            Assert.True(peakDuringRead - baseline < limit, $"read held {(peakDuringRead - baseline) / 1e6:F0} MB");
        }
    }
}
