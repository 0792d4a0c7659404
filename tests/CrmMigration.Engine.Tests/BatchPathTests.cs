using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The batch path: CSV rows read into pooled column batches, mapped batch to batch, made records only at the import
    /// session; each step must give what the record path gives for the same bytes.
    /// </summary>
    public class BatchPathTests
    {
        // As a spreadsheet program saves it: a byte order mark, CRLF, a quoted field with a comma and a line break, a field
        // with a doubled quote, non-ASCII text, an e-mail address that is not one, a row a Where condition filters, a short
        // row, a row with a quote in the middle of an unquoted field.
        private const string Contacts =
            "\uFEFFcontact_id,first_name,last_name,email,status,score\r\n" +
            "C1,José,García,jose@example.com,Active,10\r\n" +
            "C2,\"Ann, \"\"Annie\"\"\",\"Smith\r\nJones\",ann@example.com,Active,20\r\n" +
            "C3,Bob,Brown,not-an-address,Active,30\r\n" +
            "C4,Old,Row,old@example.com,Deleted,40\r\n" +
            "C5,张,伟,zhang@example.cn,Active,50\r\n" +
            "C6,Short,Row\r\n" +
            "C7,Eve,Evans,eve@example.com,Active,x7\r\n" +
            "C8,Bad\"Quote,Q,q@example.com,Active,80\r\n" +
            "C9,Last,One,last@example.com,Active,90\r\n";

        private const string MappingJson = @"{ ""Entities"": { ""Person"": { ""Source"": ""contacts"", ""Key"": ""Id"",
  ""Where"": [ { ""Field"": ""status"", ""NotIn"": [""Deleted""], ""Reason"": ""Gone"" } ],
  ""Fields"": {
    ""Id"": ""contact_id"",
    ""First"": ""first_name"",
    ""Last"": { ""Source"": ""last_name"", ""Transform"": ""Upper"" },
    ""Email"": { ""Source"": ""email"", ""Transform"": ""Email"" },
    ""Score"": { ""Source"": ""score"", ""Type"": ""Integer"" },
    ""Status"": ""status"" } } } }";

        private static string WriteCsv(TempDir dir, string text)
        {
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "contacts.csv");
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
            return path;
        }

        private static List<RowBatch> ReadAll(ICrmProvider provider, BatchReadOptions options, List<CrmDataError> errors) =>
            ((ICrmBatchSource)provider).ReadBatches("contacts", new CrmReadOptions(), options, errors.Add, CancellationToken.None).ToList();

        [Fact]
        public void MappedBatchesGiveTheRecordsStatusesAndReasonsThatMappingEachRecordGives()
        {
            using var dir = new TempDir();
            string path = WriteCsv(dir, Contacts);
            var mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null));
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(path));

            // The record path: each record read and mapped on its own.
            var expected = new List<(MapStatus Status, CrmRecord? Output, string? Reason)>();
            var recordErrors = new List<CrmDataError>();
            foreach (var record in provider.Read("contacts", new CrmReadOptions(), recordErrors.Add, CancellationToken.None))
            {
                var scratch = new MapScratch();
                var status = mapping.Map(record, 0, false, out var output, scratch);
                expected.Add((status, output, status == MapStatus.Filtered ? scratch.FilterReason : scratch.Errors.FirstOrDefault()?.Code));
            }

            // The batch path, three rows a batch, one batch object reused.
            var batchErrors = new List<CrmDataError>();
            var result = new BatchMapResult();
            var mapped = new RowBatch("contacts", CrmFieldShape.Empty, 4);
            var actual = new List<(MapStatus Status, CrmRecord? Output, string? Reason)>();
            foreach (var batch in ((ICrmBatchSource)provider).ReadBatches("contacts", new CrmReadOptions(), new BatchReadOptions { BatchSize = 3 }, batchErrors.Add, CancellationToken.None))
            {
                Assert.True(mapping.CanMapBatch(batch, "contacts", 0));
                mapping.MapBatch(batch, "contacts", 0, mapped, result);
                Assert.Equal(batch.Count, mapped.Count);
                int next = 0;
                for (int r = 0; r < mapped.Count; r++)
                {
                    var issue = next < result.Issues.Count && result.Issues[next].Row == r ? result.Issues[next++] : null;
                    var status = issue?.Status ?? MapStatus.Mapped;
                    string? reason = issue is null ? null : status == MapStatus.Filtered ? issue.FilterReason : issue.Errors.FirstOrDefault()?.Code;
                    actual.Add((status, status == MapStatus.Mapped ? mapped.ToRecord(r) : null, reason));
                }
                Assert.Equal(result.Issues.Count, next);
            }

            // The reader's problems are the same either way: the short row is read (a warning), the bad quote costs its row.
            Assert.Equal(recordErrors.Select(e => (e.Code, e.Line)), batchErrors.Select(e => (e.Code, e.Line)));
            Assert.Contains(batchErrors, e => e.Code == "CsvShortRows");
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(8, actual.Count); // nine rows, one unreadable
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Status, actual[i].Status);
                Assert.Equal(expected[i].Reason, actual[i].Reason);
                if (expected[i].Output is not { } want) continue;
                var got = actual[i].Output!;
                Assert.Equal(want.Entity, got.Entity);
                Assert.Equal(want.FieldNames, got.FieldNames);
                for (int f = 0; f < want.FieldNames.Count; f++) Assert.Equal(want.GetValue(f), got.GetValue(f));
                Assert.Equal(want.Key!.ToString(), got.Key!.ToString());
                Assert.Equal(want.Key.FieldNames, got.Key.FieldNames);
                Assert.Equal(want.Origin!.ToString(), got.Origin!.ToString());
                Assert.Equal(want.Origin.SourceKey, got.Origin.SourceKey);
                Assert.Equal(ContentHash.Of(want), ContentHash.Of(got));
            }
            // What each row became, spelled out (so both paths cannot be wrong together).
            Assert.Equal(new[] { MapStatus.Mapped, MapStatus.Mapped, MapStatus.Rejected, MapStatus.Filtered, MapStatus.Mapped, MapStatus.Mapped, MapStatus.Rejected, MapStatus.Mapped },
                actual.Select(a => a.Status).ToArray());
            Assert.Equal("RecordInvalidEmail", actual[2].Reason);
            Assert.Equal("Gone", actual[3].Reason);
            Assert.Equal("RecordTypeConversion", actual[6].Reason);
            var ann = actual[1].Output!;
            Assert.Equal("Ann, \"Annie\"", ann["First"]);
            Assert.Equal("SMITH\r\nJONES", ann["Last"]);
            Assert.Equal(20L, ann["Score"]);
            Assert.Equal(3, ann.Origin!.Line);
            Assert.Equal("张", actual[4].Output!["First"]);
            Assert.Null(actual[5].Output!["Score"]); // the short row's missing score
        }

        [Fact]
        public void RowFingerprintsAreTheFingerprintsOfTheRecordsMadeFromTheRows()
        {
            using var dir = new TempDir();
            string path = WriteCsv(dir, Contacts);
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(path));
            var errors = new List<CrmDataError>();
            int rows = 0;
            var scratch = new Utf8Buffer(64);
            foreach (var batch in ((ICrmBatchSource)provider).ReadBatches("contacts", new CrmReadOptions(), new BatchReadOptions { BatchSize = 4 }, errors.Add, CancellationToken.None))
            {
                for (int r = 0; r < batch.Count; r++, rows++) Assert.Equal(ContentHash.Of(batch.ToRecord(r)), batch.Fingerprint(r, ref scratch));
            }
            Assert.Equal(8, rows);
        }

        [Fact]
        public void AReadResumedAtARowsByteOffsetGivesTheRestOfTheFileWithTheSameLinesAndOrdinals()
        {
            using var dir = new TempDir();
            string path = WriteCsv(dir, Contacts);
            using var provider = ProviderFactory.Open(ProviderFactory.FromPath(path));
            var full = new List<(SourcePosition At, SourcePosition After, CrmRecord Record)>();
            foreach (var batch in ReadAll(provider, new BatchReadOptions { BatchSize = 2, Rent = () => null }, new List<CrmDataError>()))
            {
                for (int r = 0; r < batch.Count; r++) full.Add((batch.SourcePositionAt(r, inclusive: true), batch.SourcePositionAt(r, inclusive: false), batch.ToRecord(r)));
            }
            Assert.Equal(8, full.Count);
            // A UTF-8 file: every row knows its byte offset; the offsets are where the rows start in the file's bytes.
            byte[] bytes = File.ReadAllBytes(path);
            foreach (var (at, _, record) in full)
            {
                Assert.True(at.Offset > 0);
                string rest = Encoding.UTF8.GetString(bytes, (int)at.Offset, bytes.Length - (int)at.Offset);
                Assert.StartsWith((string)record["contact_id"]! + ",", rest, StringComparison.Ordinal);
            }
            for (int k = 0; k < full.Count; k++)
            {
                foreach (bool inclusive in new[] { true, false })
                {
                    var errors = new List<CrmDataError>();
                    var position = inclusive ? full[k].At : full[k].After;
                    var resumed = new List<CrmRecord>();
                    foreach (var batch in ReadAll(provider, new BatchReadOptions { BatchSize = 3, ResumeAt = position, Rent = () => null }, errors))
                    {
                        for (int r = 0; r < batch.Count; r++)
                        {
                            resumed.Add(batch.ToRecord(r));
                            Assert.True(batch.PositionAt(r) >= position.FirstOrdinal);
                        }
                    }
                    var want = full.Skip(inclusive ? k : k + 1).Select(f => f.Record).ToList();
                    Assert.Equal(want.Select(w => (w["contact_id"], w.Origin!.Line, w["first_name"], w["last_name"])), resumed.Select(w => (w["contact_id"], w.Origin!.Line, w["first_name"], w["last_name"])));
                    // Rows before the position are not reported again (the bad quote at line 10 only when the read passes it).
                    bool passesBadRow = full[k].Record.Origin!.Line < 10;
                    Assert.Equal(passesBadRow, errors.Any(e => e.Code == "CsvMalformedRow" || e.Line == 10));
                }
            }
        }

        [Fact]
        public void CopyDataThroughBatchesLandsAndAccountsForEveryRowInTheTargetAndTheLedger()
        {
            using var dir = new TempDir();
            string path = WriteCsv(dir, Contacts);
            string db = dir.File("new.db");
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(path));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var errors = new List<CrmDataError>();
            IReadOnlyList<CrmImportSummary> summaries;
            string runId;
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null)),
                OnError = errors.Add,
                Import = new ImportOptions { BatchSize = 3, CreateIfMissing = true, Ledger = ledger },
            }))
            {
                summaries = copier.Run();
                runId = copier.RunId!;
            }
            var person = Assert.Single(summaries);
            Assert.Equal(9, person.Read);
            Assert.Equal(5, person.Inserted);
            Assert.Equal(1, person.Filtered);
            Assert.Equal(3, person.Rejected); // the e-mail, the score and the unreadable row
            Assert.Empty(ledger.Verify(runId));
            // The target, read without our code.
            Assert.Equal(5, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
            Assert.Equal("SMITH\r\nJONES", SqliteTestUtil.Scalar(db, "SELECT \"Last\" FROM \"Person\" WHERE \"Id\" = 'C2'"));
            Assert.Equal(50L, SqliteTestUtil.Scalar(db, "SELECT \"Score\" FROM \"Person\" WHERE \"Id\" = 'C5'"));
            var reasons = ledger.Records(runId, null, null, null, null).Where(r => r.Outcome is CrmOutcome.Rejected or CrmOutcome.Filtered)
                .Select(r => r.ReasonCode).OrderBy(c => c, StringComparer.Ordinal).ToArray();
            Assert.Equal(3 + 1, reasons.Length);
            Assert.Contains("RecordInvalidEmail", reasons);
            Assert.Contains("RecordTypeConversion", reasons);
            Assert.Contains("Gone", reasons);
            Assert.True(errors.Any(e => e.Code == "RecordInvalidEmail" && e.Line == 5), string.Join("; ", errors.Select(e => e.Code + "@" + e.Line)));

            // The same copy again: everything already there is skipped as unchanged (the rows' fingerprints are the records').
            using (var again = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null)),
                Import = new ImportOptions { BatchSize = 3, CreateIfMissing = true, Ledger = ledger },
            }))
            {
                var second = Assert.Single(again.Run());
                Assert.Equal(5, second.Skipped);
                Assert.Equal(0, second.Inserted);
            }
        }

        /// <summary>A CSV file of contacts as another tool writes it (CRLF, a multi-line quoted note every 7th row, non-ASCII names, every 50th address invalid).</summary>
        private static string ManyContacts(int rows)
        {
            var text = new StringBuilder("contact_id,first_name,last_name,email,status,score\r\n");
            for (int i = 1; i <= rows; i++)
            {
                string id = "C" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
                string first = i % 7 == 0 ? "\"Multi\r\nline " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"" : "Zoë" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                string mail = i % 50 == 0 ? "not-an-address" : "p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@example.com";
                text.Append(id).Append(',').Append(first).Append(",García,").Append(mail).Append(",Active,").Append((i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
            }
            return text.ToString();
        }

        [Theory]
        [InlineData("utf-8", true)]
        [InlineData("gb18030", false)]
        public void AnInterruptedCopyResumesAfterTheRowsItRecorded_SeekingInAUtf8File_AndEndsExact(string encoding, bool seeks)
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "contacts.csv");
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            File.WriteAllBytes(path, Encoding.GetEncoding(encoding).GetBytes(ManyContacts(6000)));
            string db = dir.File("new.db");
            var connection = ProviderFactory.FromPath(path);
            if (encoding != "utf-8") connection = new CrmConnection(connection.Provider, connection.Location) { Encoding = encoding };
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null));

            // The first attempt stops (Ctrl+C) after about 4,000 rows; the resumed one reads on from the saved position.
            var r = InterruptedCopy.Run(connection, db, "Person", ledger, stopAt: 4000, () => mapping);
            Assert.InRange(r.LandedBefore, 2000, 4500);
            string note = Assert.Single(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            Assert.Equal(seeks, note.Contains("byte", StringComparison.Ordinal));
            Assert.InRange(r.ReadAfter, 6000 - r.LandedBefore - 100, 6000 - 2000);
            // The whole run's books: every row once.
            Assert.Equal(6000, r.Summary.Read);
            Assert.Equal(6000 - 120, r.Summary.Inserted);
            Assert.Equal(120, r.Summary.Rejected);
            Assert.True(r.Verified);
            Assert.Equal(6000 - 120, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
            Assert.Equal(6000 - 120, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"Id\") FROM \"Person\""));
            Assert.Equal("Multi\r\nline 5999", SqliteTestUtil.Scalar(db, "SELECT \"First\" FROM \"Person\" WHERE \"Id\" = 'C05999'"));
            Assert.Equal("Zoë5998", SqliteTestUtil.Scalar(db, "SELECT \"First\" FROM \"Person\" WHERE \"Id\" = 'C05998'"));
        }

        [Fact]
        public void APartitionedCsvCopyMapsItsSliceThroughBatches_ResumesBySeeking_AndThePartitionsTogetherHoldEveryRowOnce()
        {
            using var dir = new TempDir();
            string path = WriteCsv(dir, ManyContacts(6000));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null));
            CopyOptions Options(int part, CancellationToken ct, Action<CopyProgress>? progress = null, bool resume = false) => new()
            {
                Mapping = mapping,
                Partition = new PartitionSlice(part, 2),
                ProgressInterval = 500,
                OnProgress = progress,
                Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, RunId = "p-1", Partition = part, Partitions = 2, Resume = resume, CancellationToken = ct },
            };

            // Partition 1 stops (Ctrl+C) half way through its slice, partition 2 runs through, partition 1 resumes.
            using (var cts = new CancellationTokenSource())
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(path)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(1, cts.Token, p => { if (p.Records >= 1500) cts.Cancel(); })))
            {
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            long read2;
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(path)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(2, CancellationToken.None)))
            {
                copier.Run();
                read2 = copier.RecordsRead;
            }
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(path)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, Options(1, CancellationToken.None, resume: true)))
            {
                var summary = Assert.Single(copier.Run());
                // Only the batch path seeks a UTF-8 file by its byte offset: the resumed partition read on from where it stopped.
                string note = Assert.Single(copier.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
                Assert.Contains("byte", note, StringComparison.Ordinal);
                Assert.InRange(copier.RecordsRead, 1, 6000 - read2 - 500);
                // The partition's books over both its attempts: every row of its slice once.
                Assert.Equal(6000 - read2, summary.Read);
                Assert.Equal(summary.Read, summary.Inserted + summary.Rejected);
                Assert.Empty(ledger.Verify(copier.RunId!));
            }

            // Each row landed in the partition its key falls in, as the record path decides it.
            using var check = ProviderFactory.Open(ProviderFactory.FromPath(path));
            long inSlice2 = check.Read("contacts", new CrmReadOptions(), _ => { }, CancellationToken.None).LongCount(r => new PartitionSlice(2, 2).Holds(r));
            Assert.Equal(inSlice2, read2);
            Assert.InRange(read2, 2700, 3300);
            Assert.Equal(6000 - 120, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
            Assert.Equal(6000 - 120, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"Id\") FROM \"Person\""));
        }

        [Fact]
        public void AResumedCopyReadsAChangedFileFromTheStart()
        {
            using var dir = new TempDir();
            string folder = dir.File("in");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "contacts.csv");
            File.WriteAllText(path, ManyContacts(3000));
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var mapping = new CompiledMapping(MappingParser.ParseJson(MappingJson, null));
            using (var cts = new CancellationTokenSource())
            {
                using var source = ProviderFactory.Open(ProviderFactory.FromPath(path));
                using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
                using var copier = new MigrationCopier(source, target, new CopyOptions
                {
                    Mapping = mapping,
                    ProgressInterval = 500,
                    OnProgress = p => { if (p.Records >= 2500) cts.Cancel(); },
                    Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, CancellationToken = cts.Token },
                });
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            // Someone puts a row in front of the others: the saved byte offset means nothing now.
            File.WriteAllText(path, ManyContacts(3000).Replace("contact_id,first_name,last_name,email,status,score\r\n", "contact_id,first_name,last_name,email,status,score\r\nC00000,New,Row,new@example.com,Active,1\r\n", StringComparison.Ordinal));
            using (var source = ProviderFactory.Open(ProviderFactory.FromPath(path)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = mapping,
                Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, Resume = true },
            }))
            {
                copier.Run();
                Assert.Contains(copier.Warnings, w => w.Contains("read again from the start", StringComparison.Ordinal));
                Assert.DoesNotContain(copier.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
                Assert.Equal(3001, copier.RecordsRead);
                Assert.Empty(ledger.Verify(copier.RunId!));
            }
            Assert.Equal(3001 - 60, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Person\""));
        }
    }
}
