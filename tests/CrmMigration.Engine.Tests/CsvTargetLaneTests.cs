using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// A CSV target takes rows on the batch lane (Copy-CrmData ./contacts.csv ./out): the CSV writer writes cells from their
    /// UTF-8 bytes, and the file, its sidecar, the books, the errors and the ledger entries are byte for byte what the record
    /// path makes of the same input, with formula escaping on and off.
    /// </summary>
    public sealed class CsvTargetLaneTests
    {
        /// <summary>
        /// A contacts export shaped as spreadsheet tools and psql write them: quoted commas and quotes, a line break inside a
        /// field, text that starts like a formula (= + - @, a tab) or with an apostrophe, empty and missing values, non-ASCII
        /// text, numbers, decimals and dates; row 700 repeats contact 17 and row 900 has no key.
        /// </summary>
        private static string Contacts(int rows)
        {
            var text = new StringBuilder("contact_id,name,note,phone,amount,born,score\r\n");
            string[] notes = { "=SUM(A1:A3)", "+1 555", "-5", "@home", "\tindented", "'quoted", "He said \"\"hi\"\"", "two\nlines", "", "Zürich, 中文" };
            for (int i = 1; i <= rows; i++)
            {
                string id = i == 700 ? "17" : i == 900 ? "" : i.ToString(CultureInfo.InvariantCulture);
                string note = notes[i % notes.Length];
                bool quote = note.Contains(',') || note.Contains('"') || note.Contains('\n');
                text.Append(id).Append(',')
                    .Append(i % 7 == 0 ? "\"Smith, Jr. " + i.ToString(CultureInfo.InvariantCulture) + "\"" : "Ana Gómez " + i.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(quote ? "\"" + note + "\"" : i % 10 == 8 ? "\"\"" : note).Append(',')
                    .Append(i % 3 == 0 ? "+86 138 " + (i * 7).ToString(CultureInfo.InvariantCulture) : "").Append(',')
                    .Append(i % 4 == 0 ? "" : (i * 1.25m).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(new System.DateTime(1960, 1, 1).AddDays(i * 11).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(',')
                    .Append(i % 5).Append("\r\n");
            }
            return text.ToString();
        }

        private sealed record Result(List<CrmImportSummary> Summaries, long LaneRows, List<string> Errors, List<string> Entries, Dictionary<string, byte[]> Files);

        private static Result Copy(string source, string targetDir, bool lane, CrmFormulaEscape escape, string? ledgerPath)
        {
            var to = ProviderFactory.FromPath(targetDir);
            to.FormulaEscape = escape;
            using var from = ProviderFactory.Open(ProviderFactory.FromPath(source));
            using var target = ProviderFactory.Open(to);
            using var ledger = ledgerPath is null ? null : new MigrationLedger(ledgerPath);
            var errors = new List<CrmDataError>();
            var options = new CopyOptions { OnError = errors.Add, Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Ledger = ledger } };
            // Someone asking for every outcome (-PassThru) keeps the copy on the record path.
            if (!lane) options.OnOutcome = _ => { };
            using var copier = new MigrationCopier(from, target, options);
            var summaries = copier.Run().ToList();
            var entries = ledger is null ? new List<string>() : ledger.RunEntries(copier.RunId!).Select(e => string.Join("|", e.Entity, e.Entry.SourceEntity, e.Entry.SourceKey,
                e.Entry.TargetKey ?? "(null)", e.Entry.Outcome, e.Entry.ReasonCode ?? "", e.Entry.ContentHash?.ToString(CultureInfo.InvariantCulture) ?? "")).ToList();
            var files = Directory.GetFiles(targetDir).OrderBy(f => f, System.StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
            return new Result(summaries, copier.LaneRows, errors.Select(e => string.Join("|", e.Code, e.Key, e.Line, e.Message)).ToList(), entries, files);
        }

        private static void AssertSame(Result records, Result lane)
        {
            Assert.Equal(0, records.LaneRows);
            Assert.Equal(records.Files.Keys, lane.Files.Keys);
            foreach (var (name, bytes) in records.Files) Assert.True(System.MemoryExtensions.SequenceEqual<byte>(bytes, lane.Files[name]), $"{name} differs between the lane and the record path");
            Assert.Equal(records.Errors, lane.Errors);
            Assert.Equal(records.Entries, lane.Entries);
            Assert.Equal(records.Summaries.Select(s => (s.Entity, s.Read, s.Inserted, s.Rejected, s.Skipped)), lane.Summaries.Select(s => (s.Entity, s.Read, s.Inserted, s.Rejected, s.Skipped)));
        }

        [Theory]
        [InlineData(CrmFormulaEscape.Spreadsheet, false)]
        [InlineData(CrmFormulaEscape.None, false)]
        [InlineData(CrmFormulaEscape.Spreadsheet, true)]
        public void APlainFileIntoACsvFolderTakesTheLane_AndWritesTheRecordPathsBytes(CrmFormulaEscape escape, bool withLedger)
        {
            using var dir = new TempDir();
            string csv = dir.File("contacts.csv");
            File.WriteAllText(csv, Contacts(3000), new UTF8Encoding(false));
            var lane = Copy(csv, dir.File("lane"), lane: true, escape, withLedger ? dir.File("lane.ledger") : null);
            var records = Copy(csv, dir.File("records"), lane: false, escape, withLedger ? dir.File("records.ledger") : null);

            Assert.True(lane.LaneRows >= 2000, $"the lane took {lane.LaneRows} rows");
            AssertSame(records, lane);
            var summary = Assert.Single(lane.Summaries);
            // A file target keeps every row: the repeated key and the empty one are the file's to keep, not a database's to refuse.
            Assert.Equal((3000L, 3000L, 0L), (summary.Read, summary.Inserted, summary.Rejected));
            string written = Encoding.UTF8.GetString(lane.Files["contacts.csv"]);
            if (escape == CrmFormulaEscape.Spreadsheet)
            {
                Assert.Contains("\r\n1,Ana Gómez 1,\"'+1 555\",\"\",1.25,", written, System.StringComparison.Ordinal);
                Assert.Contains(",\"'=SUM(A1:A3)\",", written, System.StringComparison.Ordinal);
                Assert.Contains(",''quoted,", written, System.StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("\r\n1,Ana Gómez 1,+1 555,\"\",1.25,", written, System.StringComparison.Ordinal);
                Assert.Contains(",=SUM(A1:A3),", written, System.StringComparison.Ordinal);
            }
            Assert.Contains(",\"He said \"\"hi\"\"\",", written, System.StringComparison.Ordinal);
            Assert.Contains(",\"two\nlines\",", written, System.StringComparison.Ordinal);
            Assert.Contains("\"Smith, Jr. 7\"", written, System.StringComparison.Ordinal);
            if (withLedger) Assert.Equal(3000, lane.Entries.Count);
        }

        /// <summary>
        /// A plain file's types, which the target's sidecar records, are inferred from every row on a thread beside the copy (not in a
        /// read before it): the sidecar names each column's type and the copy's notes say so, as before; a copy stopped early stops
        /// that read too and leaves no file.
        /// </summary>
        [Fact]
        public void ThePlainFilesTypesAreInferredBesideTheCopy_AndTheSidecarRecordsThem()
        {
            using var dir = new TempDir();
            string csv = dir.File("contacts.csv");
            File.WriteAllText(csv, Contacts(3000), new UTF8Encoding(false));
            using (var from = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(dir.File("out"))))
            using (var copier = new MigrationCopier(from, target, new CopyOptions { Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true } }))
            {
                Assert.Equal(3000, Assert.Single(copier.Run()).Inserted);
                Assert.Contains(copier.Notes, n => n.StartsWith("contacts has no metadata sidecar: its types were inferred from all 3,000 rows", System.StringComparison.Ordinal));
            }
            var columns = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.File("out/contacts.csv-metadata.json")))!["tableSchema"]!["columns"]!.AsArray()
                .Select(c => c!["name"]!.GetValue<string>() + ":" + c["datatype"]!.GetValue<string>());
            Assert.Equal(new[] { "contact_id:Integer", "name:String", "note:String", "phone:String", "amount:Decimal", "born:Date", "score:Integer" }, columns);

            // Stopped after its first batches: the inference beside it stops as well, and the unfinished file is not left behind.
            using var cancel = new System.Threading.CancellationTokenSource();
            int batches = 0;
            using (var from = ProviderFactory.Open(ProviderFactory.FromPath(csv)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(dir.File("stopped"))))
            using (var copier = new MigrationCopier(from, target, new CopyOptions
            {
                Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, CancellationToken = cancel.Token },
                ProgressInterval = 500,
                OnProgress = _ => { if (++batches == 2) cancel.Cancel(); },
            }))
            {
                Assert.ThrowsAny<System.OperationCanceledException>(() => copier.Run());
            }
            Assert.Equal(2, batches);
            Assert.False(File.Exists(dir.File("stopped/contacts.csv")));
            Assert.Empty(Directory.Exists(dir.File("stopped")) ? Directory.GetFiles(dir.File("stopped")) : System.Array.Empty<string>());
        }

        /// <summary>A file with a sidecar holds typed cells (integers, decimals, dates): they are written as the record path formats them.</summary>
        [Fact]
        public void TypedCellsFromASidecarAreWrittenAsTheRecordPathWritesThem()
        {
            using var dir = new TempDir();
            string csv = dir.File("contacts.csv");
            File.WriteAllText(csv, Contacts(2000), new UTF8Encoding(false));
            // The first copy infers the types and writes them into a sidecar; the copy of that copy reads typed cells.
            Copy(csv, dir.File("typed"), lane: true, CrmFormulaEscape.None, null);
            string sidecar = File.ReadAllText(dir.File("typed/contacts.csv-metadata.json"));
            Assert.Contains("\"Date\"", sidecar, System.StringComparison.Ordinal);
            Assert.Contains("\"Integer\"", sidecar, System.StringComparison.Ordinal);

            var lane = Copy(dir.File("typed/contacts.csv"), dir.File("lane"), lane: true, CrmFormulaEscape.Spreadsheet, dir.File("lane.ledger"));
            var records = Copy(dir.File("typed/contacts.csv"), dir.File("records"), lane: false, CrmFormulaEscape.Spreadsheet, dir.File("records.ledger"));
            Assert.True(lane.LaneRows >= 1000, $"the lane took {lane.LaneRows} rows");
            AssertSame(records, lane);
        }

        /// <summary>A file written in another encoding keeps the record path (its bytes are not the cells' UTF-8), with the same result.</summary>
        [Fact]
        public void AnotherTargetEncodingKeepsTheRecordPath()
        {
            using var dir = new TempDir();
            string csv = dir.File("contacts.csv");
            File.WriteAllText(csv, Contacts(600), new UTF8Encoding(false));
            using var from = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(dir.File("gb")));
            // Copy-CrmData passes the target connection's -Encoding as the import's.
            using var copier = new MigrationCopier(from, target, new CopyOptions { Import = new ImportOptions { BatchSize = 250, CreateIfMissing = true, Encoding = "gb18030" } });
            var summary = Assert.Single(copier.Run());
            Assert.Equal(0, copier.LaneRows);
            Assert.Equal(600, summary.Inserted);
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            string text = File.ReadAllText(dir.File("gb/contacts.csv"), Encoding.GetEncoding(54936));
            Assert.Contains("Zürich, 中文", text, System.StringComparison.Ordinal);
        }
    }
}
