using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using ClosedXML.Excel;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Excel;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Workbooks as people and other libraries make them, and values that must survive our own round trip.</summary>
    public sealed class ExcelWorkbookTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public void Dispose() => _dir.Dispose();

        private static (List<CrmRecord> Records, List<CrmDataError> All) Read(CrmConnection c, string sheet)
        {
            var all = new List<CrmDataError>();
            using var p = new ExcelProvider(c);
            return (p.Read(sheet, new CrmReadOptions(), all.Add, CancellationToken.None).ToList(), all);
        }

        private CrmConnection Book(string name = "book.xlsx") => new CrmConnection(CrmProviderKind.Excel, _dir.File(name));

        [Fact]
        public void NotAWorkbook_IsAnErrorWithAStableIdAndTheFileName()
        {
            File.WriteAllText(_dir.File("text.xlsx"), "Id,Name\n1,a\n");
            File.WriteAllBytes(_dir.File("old.xlsx"), new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0 });
            File.WriteAllText(_dir.File("html.xlsx"), "<html><table><tr><td>1</td></tr></table></html>");
            using (var zip = ZipFile.Open(_dir.File("junk.xlsx"), ZipArchiveMode.Create))
            {
                using var s = zip.CreateEntry("readme.txt").Open();
                s.Write(Encoding.ASCII.GetBytes("not a workbook"));
            }
            using (var zip = ZipFile.Open(_dir.File("broken.xlsx"), ZipArchiveMode.Create))
            {
                using (var s = new StreamWriter(zip.CreateEntry("xl/workbook.xml").Open())) s.Write("<workbook><sheets><sheet name=\"A\"");
            }
            foreach (var (file, code, says) in new[]
            {
                ("text.xlsx", "ExcelFileNotWorkbook", "CSV or text"),
                ("old.xlsx", "ExcelFileNotWorkbook", ".xls"),
                ("html.xlsx", "ExcelFileNotWorkbook", "HTML"),
                ("junk.xlsx", "ExcelWorkbookInvalid", "no workbook part"),
                ("broken.xlsx", "ExcelWorkbookInvalid", "not well-formed XML"),
            })
            {
                using var p = new ExcelProvider(Book(file));
                var ex = Assert.Throws<CrmException>(() => p.ListEntities());
                Assert.Equal(code, ex.Error.Code);
                Assert.Equal(_dir.File(file), ex.Error.File);
                Assert.Contains(says, ex.Error.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void OwnRoundTrip_KeepsCrTabsWhitespaceEmptyAndEscapes()
        {
            var values = new object?[] { "\r=1+1", "\t", "   ", "", null, "_x0041_ literal", "bell\u0007", "a\r\nb\nc\rd", "emoji 😀", " lead and trail " };
            var shape = new CrmFieldShape(values.Select((_, i) => "F" + i).ToArray());
            using (var p = new ExcelProvider(Book()))
            using (var w = p.OpenWriter("Data", new CrmWriteOptions()))
            {
                w.WriteBatch(new[] { new CrmRecord("Data", shape, values), new CrmRecord("Data", shape, values.Select(_ => (object?)"x").ToArray()) }, new List<CrmRecordOutcome>());
                w.Complete();
            }
            var (read, all) = Read(Book(), "Data");
            Assert.Empty(all);
            Assert.Equal(values, Enumerable.Range(0, values.Length).Select(i => read[0]["F" + i]));

            // Excel's own escape for CR (_x000D_) in a workbook we did not write reads as a CR too.
            Assert.Equal("a\rb", XlsxPackage.Unescape("a_x000D_b"));
            Assert.Equal("_x0041_", XlsxPackage.Unescape("_x005F_x0041_"));
        }

        [Fact]
        public void ClosedXmlWorkbook_TypedCells_SharedStrings_FormulasWithoutValues_AndMergedRanges()
        {
            string path = _dir.File("people.xlsx");
            using (var wb = new XLWorkbook())
            {
                var ws = wb.AddWorksheet("Accounts");
                ws.Cell("A1").Value = "Id"; ws.Cell("B1").Value = "Name"; ws.Cell("C1").Value = "Since"; ws.Cell("D1").Value = "Qty"; ws.Cell("E1").Value = "Price"; ws.Cell("F1").Value = "Total"; ws.Cell("G1").Value = "Active"; ws.Cell("H1").Value = "Region";
                for (int r = 2; r <= 4; r++)
                {
                    ws.Cell(r, 1).Value = r - 1;
                    ws.Cell(r, 2).Value = "Acme " + (r - 1);
                    ws.Cell(r, 3).Value = new DateTime(2020, 1, r);
                    ws.Cell(r, 4).Value = r * 10;
                    ws.Cell(r, 5).Value = 2.5;
                    ws.Cell(r, 6).FormulaA1 = $"D{r}*E{r}";
                    ws.Cell(r, 7).Value = r % 2 == 0;
                }
                ws.Cell("H2").Value = "North";
                ws.Range("H2:H4").Merge();
                wb.SaveAs(path);
            }
            var c = new CrmConnection(CrmProviderKind.Excel, path);
            var (read, all) = Read(c, "Accounts");
            Assert.Equal(3, read.Count);
            Assert.Equal(new long[] { 2, 3, 4 }, read.Select(r => r.Origin!.Line));
            Assert.Equal("Acme 2", read[1]["Name"]);
            Assert.Equal(new DateTime(2020, 1, 3), read[1]["Since"]);
            Assert.Equal(30d, read[1]["Qty"]);
            Assert.Equal(true, read[0]["Active"]);
            Assert.Null(read[0]["Total"]);
            Assert.Equal(new object?[] { "North", null, null }, read.Select(r => r["Region"]));
            var formula = Assert.Single(all, e => e.Code == "ExcelFormulaWithoutValue");
            Assert.Equal(CrmErrorSeverity.Warning, formula.Severity);
            Assert.Contains("F2 (=D2*E2), F3 (=D3*E3), F4 (=D4*E4)", formula.Message, StringComparison.Ordinal);
            var merged = Assert.Single(all, e => e.Code == "ExcelMergedCells");
            Assert.Contains("H2:H4", merged.Message, StringComparison.Ordinal);
            Assert.Equal(path, merged.File);

            c.FillMergedCells = true;
            var (filled, notes) = Read(c, "Accounts");
            Assert.Equal(new object?[] { "North", "North", "North" }, filled.Select(r => r["Region"]));
            Assert.DoesNotContain(notes, e => e.Code == "ExcelMergedCells");
            Assert.Equal(CrmErrorSeverity.Information, Assert.Single(notes, e => e.Code == "ExcelMergedCellsFilled").Severity);
        }

        /// <summary>A workbook written part by part, as other producers do: prefixed namespaces, inline and rich strings with phonetic runs, cached formula results, errors, ISO and 1904 dates, cells without references.</summary>
        private string HandMade(bool date1904)
        {
            string path = _dir.File(date1904 ? "hand1904.xlsx" : "hand.xlsx");
            const string ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
            using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
            void Part(string name, string xml) { using var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false)); w.Write(xml); }
            Part("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>");
            Part("_rels/.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"/xl/workbook.xml\"/></Relationships>");
            Part("xl/workbook.xml", $"<?xml version=\"1.0\"?><x:workbook xmlns:x=\"{ns}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><x:workbookPr date1904=\"{(date1904 ? "1" : "0")}\"/><x:sheets><x:sheet name=\"Contacts\" sheetId=\"7\" r:id=\"rel9\"/></x:sheets></x:workbook>");
            Part("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rel9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"sheets/contacts.xml\"/><Relationship Id=\"s\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"strings.xml\"/><Relationship Id=\"st\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>");
            Part("xl/strings.xml", $"<?xml version=\"1.0\"?><sst xmlns=\"{ns}\"><si><t>Id</t></si><si><t>Name</t></si><si><r><rPr><b/></rPr><t>山田</t></r><r><t xml:space=\"preserve\"> 太郎</t></r><rPh sb=\"0\" eb=\"2\"><t>ヤマダ</t></rPh></si><si><t>Note</t></si><si><t>line1_x000D__x000A_line2</t></si><si><t>Born</t></si><si><t>Due</t></si><si><t>Score</t></si><si><t>Flag</t></si></sst>");
            Part("xl/styles.xml", $"<?xml version=\"1.0\"?><styleSheet xmlns=\"{ns}\"><numFmts count=\"1\"><numFmt numFmtId=\"170\" formatCode=\"[$-409]d\\-mmm\\-yyyy;@\"/></numFmts><cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"170\"/></cellXfs></styleSheet>");
            Part("xl/sheets/contacts.xml", $"<?xml version=\"1.0\"?><x:worksheet xmlns:x=\"{ns}\"><x:sheetData>" +
                "<x:row r=\"1\"><x:c t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>1</x:v></x:c><x:c t=\"s\"><x:v>3</x:v></x:c><x:c t=\"s\"><x:v>5</x:v></x:c><x:c t=\"s\"><x:v>6</x:v></x:c><x:c t=\"s\"><x:v>7</x:v></x:c><x:c t=\"s\"><x:v>8</x:v></x:c></x:row>" +
                "<x:row r=\"3\"><x:c r=\"A3\"><x:v>1</x:v></x:c><x:c r=\"B3\" t=\"s\"><x:v>2</x:v></x:c><x:c r=\"C3\" t=\"s\"><x:v>4</x:v></x:c><x:c r=\"D3\" s=\"1\"><x:v>0</x:v></x:c><x:c r=\"E3\" s=\"2\"><x:v>45000.5</x:v></x:c><x:c r=\"F3\" t=\"e\"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c><x:c r=\"G3\" t=\"b\"><x:v>1</x:v></x:c></x:row>" +
                "<x:row r=\"4\"><x:c r=\"A4\"><x:v>2</x:v></x:c><x:c r=\"B4\" t=\"inlineStr\"><x:is><x:t xml:space=\"preserve\">\t</x:t></x:is></x:c><x:c r=\"C4\" t=\"str\"><x:f>B4&amp;\"x\"</x:f><x:v>\tx</x:v></x:c><x:c r=\"D4\" t=\"d\"><x:v>1999-12-31T00:00:00</x:v></x:c><x:c r=\"F4\" t=\"e\"><x:v>#N/A</x:v></x:c><x:c r=\"G4\" t=\"b\"><x:v>0</x:v></x:c></x:row>" +
                "</x:sheetData><x:mergeCells count=\"0\"/></x:worksheet>");
            return path;
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void HandMadeParts_ReadAsExcelShowsThem(bool date1904)
        {
            var (read, all) = Read(new CrmConnection(CrmProviderKind.Excel, HandMade(date1904)), "Contacts");
            Assert.Equal(new[] { "Id", "Name", "Note", "Born", "Due", "Score", "Flag" }, read[0].FieldNames);
            Assert.Equal(new long[] { 3, 4 }, read.Select(r => r.Origin!.Line));
            Assert.Equal("山田 太郎", read[0]["Name"]); // rich text runs joined, the phonetic run left out
            Assert.Equal("line1\r\nline2", read[0]["Note"]);
            Assert.Equal(date1904 ? new DateTime(1904, 1, 1) : new DateTime(1899, 12, 30), read[0]["Born"]);
            Assert.Equal(new DateTime(2023, 3, 15, 12, 0, 0).AddDays(date1904 ? 1462 : 0), read[0]["Due"]);
            Assert.Equal("\t", read[1]["Name"]);
            Assert.Equal("\tx", read[1]["Note"]);
            Assert.Equal(new DateTime(1999, 12, 31), read[1]["Born"]);
            Assert.Equal(new object?[] { true, false }, read.Select(r => r["Flag"]));
            Assert.Equal(new object?[] { null, null }, read.Select(r => r["Score"]));
            var errors = Assert.Single(all, e => e.Code == "ExcelErrorValue");
            Assert.Contains("F3 (#DIV/0!), F4 (#N/A)", errors.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(all, e => e.Severity == CrmErrorSeverity.Error);
        }

        [Fact]
        public void HeaderRenames_RealNamesWin_OneWarning()
        {
            using (var wb = new XLWorkbook())
            {
                var ws = wb.AddWorksheet("S");
                ws.Cell("A1").Value = "id"; ws.Cell("B1").Value = "name"; ws.Cell("C1").Value = "name"; ws.Cell("D1").Value = "name_2"; ws.Cell("F1").Value = "Column5";
                for (int c = 1; c <= 6; c++) ws.Cell(2, c).Value = "v" + c;
                wb.SaveAs(_dir.File("h.xlsx"));
            }
            var (read, all) = Read(Book("h.xlsx"), "S");
            Assert.Equal(new[] { "id", "name", "name_3", "name_2", "Column5_2", "Column5" }, read.Single().FieldNames);
            Assert.Equal("v4", read[0]["name_2"]);
            var w = Assert.Single(all);
            Assert.Equal("ExcelHeaderRenamed", w.Code);
            Assert.Contains("cell C1 'name' (repeated) → 'name_3'", w.Message, StringComparison.Ordinal);
            Assert.Contains("cell E1 (empty) → 'Column5_2'", w.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void WritingOneSheet_KeepsTheValuesOfAClosedXmlWorkbooksOtherSheets()
        {
            string path = _dir.File("keep.xlsx");
            using (var wb = new XLWorkbook())
            {
                var ws = wb.AddWorksheet("Notes");
                ws.Cell("A1").Value = "Text"; ws.Cell("A2").Value = "tab\tinside"; ws.Cell("A4").Value = "after a blank row";
                wb.SaveAs(path);
            }
            var shape = new CrmFieldShape(new[] { "Id" });
            using (var p = new ExcelProvider(new CrmConnection(CrmProviderKind.Excel, path)))
            using (var w = p.OpenWriter("Data", new CrmWriteOptions()))
            {
                w.WriteBatch(new[] { new CrmRecord("Data", shape, new object?[] { 1L }) }, new List<CrmRecordOutcome>());
                w.Complete();
            }
            using var check = new XLWorkbook(path);
            Assert.Equal(new[] { "Notes", "Data" }, check.Worksheets.Select(s => s.Name));
            Assert.Equal("tab\tinside", check.Worksheet("Notes").Cell("A2").GetString());
            Assert.Equal("after a blank row", check.Worksheet("Notes").Cell("A4").GetString());
            Assert.Equal(1d, check.Worksheet("Data").Cell("A2").GetDouble());
        }

        [Fact]
        public void SheetNamesExcelRefuses_AreRefusedBeforeWriting()
        {
            using var p = new ExcelProvider(Book());
            var ex = Assert.Throws<CrmException>(() => p.OpenWriter("a/b", new CrmWriteOptions()));
            Assert.Equal("ExcelSheetNameInvalid", ex.Error.Code);
            Assert.Throws<CrmException>(() => p.OpenWriter(new string('x', 32), new CrmWriteOptions()));
            Assert.False(File.Exists(_dir.File("book.xlsx")));
        }

        /// <summary>
        /// A sheet named in the plural is keyed by its singular's &lt;name&gt;_id, as a plain CSV file is (CsvFileReader.DefaultKeyIndex):
        /// contacts by contact_id, even with another table's company_id before it; companies by company_id, even when not the first
        /// column. The workbook is shaped as Excel exports a table: bold header, frozen first row, an autofilter, set column widths.
        /// </summary>
        [Fact]
        public void SheetsNamedInThePlural_AreKeyedByTheirSingular_id_InTheSchemaAndInACreatedTable()
        {
            string path = _dir.File("crm.xlsx");
            using (var wb = new XLWorkbook())
            {
                var contacts = wb.AddWorksheet("contacts");
                string[] head = { "company_id", "contact_id", "first_name", "last_name", "email", "created_at" };
                for (int c = 0; c < head.Length; c++) contacts.Cell(1, c + 1).Value = head[c];
                for (int r = 0; r < 3; r++)
                {
                    contacts.Cell(r + 2, 1).Value = 7 + r % 2;
                    contacts.Cell(r + 2, 2).Value = 1001 + r;
                    contacts.Cell(r + 2, 3).Value = new[] { "Ana", "Li", "Zoë" }[r];
                    contacts.Cell(r + 2, 4).Value = new[] { "Silva", "Wu", "Ångström" }[r];
                    contacts.Cell(r + 2, 5).Value = "c" + (1001 + r) + "@example.com";
                    contacts.Cell(r + 2, 6).Value = new DateTime(2024, 1, 2 + r, 9, 30, 0);
                }
                var companies = wb.AddWorksheet("companies");
                companies.Cell("A1").Value = "name"; companies.Cell("B1").Value = "company_id"; companies.Cell("C1").Value = "city";
                companies.Cell("A2").Value = "Acme"; companies.Cell("B2").Value = 7; companies.Cell("C2").Value = "Lisbon";
                companies.Cell("A3").Value = "Beta"; companies.Cell("B3").Value = 8; companies.Cell("C3").Value = "Porto";
                foreach (var ws in new[] { contacts, companies })
                {
                    ws.Row(1).Style.Font.Bold = true;
                    ws.SheetView.FreezeRows(1);
                    ws.RangeUsed()!.SetAutoFilter();
                    ws.Columns().Width = 16;
                }
                wb.SaveAs(path);
            }
            var book = new CrmConnection(CrmProviderKind.Excel, path);

            // The schema (Get-CrmSchema) and the records read name the key.
            using (var p = new ExcelProvider(book))
            {
                Assert.Equal(new[] { "contact_id" }, p.DescribeEntity("contacts", false)!.Key);
                Assert.Equal(new[] { "company_id" }, p.DescribeEntity("companies", false)!.Key);
            }
            var (read, _) = Read(book, "contacts");
            Assert.Equal(new[] { "1001", "1002", "1003" }, read.Select(r => r.Key?.ToString()));
            var (firms, _) = Read(book, "companies");
            Assert.Equal(new[] { "7", "8" }, firms.Select(r => r.Key?.ToString()));

            // A copy into SQLite -Create makes that column the table's primary key.
            string db = _dir.File("crm.db");
            var errors = new List<CrmDataError>();
            using (var source = ProviderFactory.Open(book))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            {
                var options = new CopyOptions { OnError = errors.Add, Import = new ImportOptions { CreateIfMissing = true } };
                using var copier = new MigrationCopier(source, target, options);
                var summaries = copier.Run();
                Assert.Equal(new[] { ("companies", 2L), ("contacts", 3L) }, summaries.Select(s => (s.Entity, s.Inserted)).OrderBy(s => s.Entity, StringComparer.Ordinal));
            }
            Assert.DoesNotContain(errors, e => e.Severity == CrmErrorSeverity.Error);
            Assert.Equal("contact_id", SqliteTestUtil.Scalar(db, "SELECT group_concat(name) FROM pragma_table_info('contacts') WHERE pk > 0"));
            Assert.Equal("company_id", SqliteTestUtil.Scalar(db, "SELECT group_concat(name) FROM pragma_table_info('companies') WHERE pk > 0"));
        }
    }
}
