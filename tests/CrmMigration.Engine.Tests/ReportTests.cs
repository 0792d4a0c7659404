using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Decommission;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;
using CrmMigration.Engine.Reports;
using CrmMigration.Engine.Sample;
using MiniExcelLibs;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Reports: the model built from a real ledger run, and the three writers read back by other code.</summary>
    public class ReportTests
    {
        private static OrderedDictionary T(params (string Key, object? Value)[] items)
        {
            var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }

        private static ICrmProvider Open(string path) => ProviderFactory.Open(ProviderFactory.FromPath(path));

        /// <summary>Contacts: the first hundred filtered, a last name required, the e-mail must look like one.</summary>
        private static CompiledMapping Mapping()
        {
            var fields = T(("Id", "contact_id"), ("Last", T(("Source", "last_name"), ("Required", true))),
                ("Email", T(("Source", "email"), ("Pattern", "^[^@\\s]+@[^@\\s]+$"))));
            var person = T(("Source", "contacts"), ("Key", "Id"),
                ("Where", new List<object?> { T(("Field", "contact_id"), ("NotLike", "P00001??"), ("Reason", "Block100")) }),
                ("Fields", fields));
            return new CompiledMapping(MappingParser.Parse(T(("Entities", T(("Person", person)))), null));
        }

        /// <summary>A real run: sample data copied through the mapping into SQLite with a ledger and reject files.</summary>
        private static (string RunId, IReadOnlyList<CrmImportSummary> Summaries, CompiledMapping Mapping) Run(TempDir dir, int scale, MigrationLedger ledger, RejectFileWriter rejects)
        {
            string legacy = dir.File("legacy.db");
            using (var p = Open(legacy)) SampleDataGenerator.Generate(p, seed: 11, scale: scale);
            using var source = Open(legacy);
            using var target = Open(dir.File("new.db"));
            var mapping = Mapping();
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                Mapping = mapping,
                Entities = new[] { "contacts" },
                Rejects = rejects,
                Import = new ImportOptions { BatchSize = 200, CreateIfMissing = true, Ledger = ledger },
            });
            var summaries = copier.Run();
            rejects.Complete();
            return (copier.RunId!, summaries, mapping);
        }

        [Fact]
        public void BuildsExactBooksAndCappedExamplesWithFieldAndValueFromTheLedgerRun()
        {
            using var dir = new TempDir();
            using var ledger = new MigrationLedger(dir.File("new.db.crm-ledger.sqlite"));
            using var rejects = new RejectFileWriter(dir.File("rejects"));
            var (runId, summaries, mapping) = Run(dir, 1500, ledger, rejects);
            var person = summaries.Single();
            Assert.True(person.Rejected > 3, "the sample must have more rejects than the cap");

            var report = ReportBuilder.Build(new ReportRequest
            {
                Ledger = ledger, RunId = runId, Mapping = mapping.Definition, RejectFolder = rejects.Folder,
                MaxExamples = 3, Culture = CultureInfo.GetCultureInfo("en-GB"), ModuleVersion = "9.9.9",
            });

            Assert.Equal("Migration", report.Kind);
            Assert.Equal(runId, report.Run!.RunId);
            Assert.True(report.Run.Balanced);
            var e = Assert.Single(report.Entities);
            Assert.Equal(("Person", person.Read, person.Inserted, person.Rejected, person.Filtered), (e.Name, e.Read, e.Inserted, e.Rejected, e.Filtered));
            Assert.Equal(100, e.Filtered);
            // Counts per reason are exact (they add up to the books, and agree with the ledger's own records) ...
            Assert.Equal(e.Rejected, e.Reasons.Where(r => r.Outcome == CrmOutcome.Rejected).Sum(r => r.Count));
            Assert.Equal(e.Filtered, e.Reasons.Where(r => r.Outcome == CrmOutcome.Filtered).Sum(r => r.Count));
            foreach (var r in e.Reasons)
            {
                long recorded = ledger.Records(runId, "Person", null, r.Outcome, r.Code).LongCount();
                Assert.Equal(recorded, r.Count);
                // ... and examples are capped.
                Assert.Equal(Math.Min(3, r.Count), r.Examples.Count);
            }
            // A pattern reject names the field and shows the value that broke it; a filter its condition's field.
            var pattern = e.Reasons.Single(r => r.Code == "RecordPatternMismatch");
            Assert.All(pattern.Examples, x => { Assert.Equal("Email", x.Field); Assert.False(string.IsNullOrEmpty(x.Value)); Assert.DoesNotMatch("^[^@\\s]+@[^@\\s]+$", x.Value!); });
            var filtered = e.Reasons.Single(r => r.Code == "Block100");
            Assert.All(filtered.Examples, x => { Assert.Equal("contact_id", x.Field); Assert.StartsWith("P00001", x.Value); });
            Assert.Equal(new[] { Path.Combine(rejects.Folder, "contacts.csv") }, e.RejectFiles);
            Assert.Equal(mapping.Definition.Hash, report.Mapping!.Hash);
            Assert.Contains(report.Mapping.Entities.Single().Fields, f => f.Target == "Email" && f.Rules.Contains("Pattern", StringComparison.Ordinal));

            // Rejects explained and no validation given: passed with warnings, each one said.
            Assert.Equal(CrmReportVerdict.PassedWithWarnings, report.Verdict);
            Assert.Contains(report.Findings, f => f.Code == "RecordsRejected" && f.Severity == FindingSeverity.Warning);
            Assert.Contains(report.Findings, f => f.Code == "NotValidated" && f.Severity == FindingSeverity.Warning);
            Assert.DoesNotContain(report.Findings, f => f.Severity == FindingSeverity.Fail);

            // With checks that all pass and no rejects the verdict would be Passed; a failing check fails it.
            var failing = ReportBuilder.Build(new ReportRequest
            {
                Ledger = ledger, RunId = runId, Culture = CultureInfo.InvariantCulture,
                Checks = new[] { new CrmValidationResult("Count", "Person", CrmCheckStatus.Fail) { Expected = 10, Actual = 9, Details = "one missing" } },
            });
            Assert.Equal(CrmReportVerdict.Failed, failing.Verdict);
            Assert.Equal("CheckFailed", failing.Findings[0].Code);
        }

        [Fact]
        public void AReportOfAnUnbalancedOrUnfinishedRunFails()
        {
            var unbalanced = ReportBuilder.Build(new ReportRequest
            {
                Summaries = new[] { new CrmImportSummary("Person", "new.db") { Read = 10, Inserted = 8, Rejected = 1 } },
                Checks = Array.Empty<CrmValidationResult>(),
            });
            Assert.Equal(CrmReportVerdict.Failed, unbalanced.Verdict);
            Assert.Contains(unbalanced.Findings, f => f.Code == "BooksUnbalanced" && f.Entity == "Person");
            // Validation that produced no checks compared nothing: said, not passed silently.
            Assert.Contains(unbalanced.Findings, f => f.Code == "NoChecksProduced");

            var passed = ReportBuilder.Build(new ReportRequest
            {
                Summaries = new[] { new CrmImportSummary("Person", "new.db") { Read = 10, Inserted = 10 } },
                Checks = new[] { new CrmValidationResult("Count", "Person", CrmCheckStatus.Pass) { Expected = 10, Actual = 10 } },
            });
            Assert.Equal(CrmReportVerdict.Passed, passed.Verdict);
            Assert.Equal("Passed", passed.Findings.Single(f => f.Severity != FindingSeverity.Info || f.Code == "Passed").Code);
        }

        [Fact]
        public void TheWorkbookReadsBackCellByCellWithMiniExcel()
        {
            using var dir = new TempDir();
            var report = Hostile();
            string path = dir.File("report.xlsx");
            var written = ReportWriter.Write(report, new[] { path });
            Assert.Equal("Xlsx", written.Single().Format);

            var sheets = MiniExcel.GetSheetNames(path);
            Assert.Equal(new[] { "Summary", "Findings", "Books per entity", "Reasons", "Examples", "Validation checks", "Merges", "Mapping", "Run details" }, sheets.ToArray());

            var books = Rows(path, "Books per entity");
            Assert.Equal(new object?[] { "Entity", "Read", "Inserted", "Updated", "Skipped", "Merged", "Rejected", "Filtered", "Deleted", "Balanced", "Reject files" }, books[0]);
            Assert.Equal("<script>alert(1)</script>", books[1][0]);
            Assert.Equal(1_000_000d, Convert.ToDouble(books[1][1], CultureInfo.InvariantCulture)); // a number, not text
            Assert.IsType<double>(books[1][1]);
            Assert.Equal(949_000d, books[1][2]);
            Assert.Equal(50_000d, books[1][6]);
            Assert.Equal(0d, books[1][8]);
            Assert.Equal("yes", books[1][9]);
            Assert.Equal("客户", books[2][0]);

            var examples = Rows(path, "Examples");
            Assert.Equal(new object?[] { "Entity", "Outcome", "Reason", "Key", "Field", "Value", "Message" }, examples[0]);
            var first = examples[1];
            Assert.Equal(new object?[] { "<script>alert(1)</script>", "Rejected", "RecordInvalidEmail", "=HYPERLINK(\"http://x\")", "email", "+1-555 =cmd|' /C calc'!A0", "שלום עולם مرحبا" }, first);
            Assert.Equal(new string('長', 5000), examples[2][6]);

            var summary = Rows(path, "Summary");
            Assert.Equal(new object?[] { "Item", "Value" }, summary[0]);
            Assert.Equal("Passed with explained warnings", summary.Single(r => Equals(r[0], "Verdict"))[1]);
            Assert.IsType<DateTime>(summary.Single(r => Equals(r[0], "Started (UTC)"))[1]);
            Assert.Equal(new DateTime(2026, 3, 5, 10, 11, 12), summary.Single(r => Equals(r[0], "Started (UTC)"))[1]);
            Assert.Equal(1_000_000d, summary.Single(r => Equals(r[0], "Records read"))[1]);

            // In the package itself: no formula anywhere, every sheet frozen under its header and filtered, widths set.
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries.Where(x => x.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                var xml = System.Xml.Linq.XDocument.Load(stream);
                var all = xml.Descendants().ToList();
                Assert.DoesNotContain(all, x => x.Name.LocalName == "f");
                Assert.Contains(all, x => x.Name.LocalName == "pane" && ((string?)x.Attribute("state"))!.StartsWith("frozen", StringComparison.Ordinal) && (string?)x.Attribute("ySplit") == "1");
                Assert.Contains(all, x => x.Name.LocalName == "autoFilter");
                var cols = all.Where(x => x.Name.LocalName == "col").ToList();
                Assert.NotEmpty(cols);
                Assert.All(cols, c => Assert.Contains((string?)c.Attribute("customWidth"), new[] { "1", "true" }));
            }
        }

        private static List<object?[]> Rows(string path, string sheet)
        {
            var rows = new List<object?[]>();
            foreach (IDictionary<string, object?> row in MiniExcel.Query(path, useHeaderRow: false, sheetName: sheet))
            {
                rows.Add(row.Values.ToArray());
            }
            return rows;
        }

        [Fact]
        public void HtmlShowsHostileValuesAsTextAndLoadsNothing()
        {
            using var dir = new TempDir();
            string path = dir.File("report.html");
            ReportWriter.Write(Hostile(), new[] { path });
            string html = File.ReadAllText(path, Encoding.UTF8);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Equal(0, CountOf(html, "<script"));
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
            Assert.Contains("<bdi>שלום עולם مرحبا</bdi>", html, StringComparison.Ordinal);
            Assert.Contains(new string('長', 5000), html, StringComparison.Ordinal);
            Assert.DoesNotContain("\u0001", html, StringComparison.Ordinal);
            Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
            Assert.Contains("<svg role=\"img\" aria-labelledby=\"chart-books-t\"", html, StringComparison.Ordinal);
            Assert.Contains("<svg role=\"img\" aria-labelledby=\"chart-reasons-t\"", html, StringComparison.Ordinal);
            Assert.Contains("@media print", html, StringComparison.Ordinal);
            Assert.Contains("<caption>", html, StringComparison.Ordinal);
            Assert.Contains("<th scope=\"col\">", html, StringComparison.Ordinal);
        }

        private static int CountOf(string s, string what)
        {
            int n = 0;
            for (int i = s.IndexOf(what, StringComparison.OrdinalIgnoreCase); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.OrdinalIgnoreCase)) n++;
            return n;
        }

        [Fact]
        public void JsonCarriesTheSameContentWithItsSchemaVersion()
        {
            using var dir = new TempDir();
            string path = dir.File("report.json");
            ReportWriter.Write(Hostile(), new[] { path });
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
            Assert.Equal("PassedWithWarnings", root.GetProperty("verdict").GetString());
            var e = root.GetProperty("entities")[0];
            Assert.Equal("<script>alert(1)</script>", e.GetProperty("name").GetString());
            Assert.Equal(1_000_000, e.GetProperty("read").GetInt64());
            var example = e.GetProperty("reasons")[0].GetProperty("examples")[0];
            Assert.Equal("=HYPERLINK(\"http://x\")", example.GetProperty("key").GetString());
            Assert.Equal("שלום עולם مرحبا", example.GetProperty("message").GetString());
            Assert.Equal("2026-03-05T10:11:12.000Z", root.GetProperty("run").GetProperty("startedAt").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("decommission").ValueKind);
            Assert.Equal(2, root.GetProperty("merges").GetProperty("groups").GetInt64());
            Assert.Equal("客户", root.GetProperty("entities")[1].GetProperty("name").GetString());
        }

        [Fact]
        public void ChineseLabelsAndVerdictsValuesUntranslated()
        {
            foreach (var key in ReportText.Keys)
            {
                Assert.False(string.IsNullOrWhiteSpace(ReportText.For(CultureInfo.GetCultureInfo("en-US"))[key]), key);
                Assert.False(string.IsNullOrWhiteSpace(ReportText.For(CultureInfo.GetCultureInfo("zh-CN"))[key]), key);
            }
            Assert.Equal("zh-CN", ReportText.For(CultureInfo.GetCultureInfo("zh-Hans-SG")).Name);
            Assert.Equal("en", ReportText.For(CultureInfo.GetCultureInfo("de-DE")).Name);
            Assert.Equal("en", ReportText.For(CultureInfo.InvariantCulture).Name);

            var report = Hostile(CultureInfo.GetCultureInfo("zh-CN"));
            Assert.Equal("迁移报告", report.Title);
            using var dir = new TempDir();
            string html = dir.File("r.html");
            ReportWriter.Write(report, new[] { html });
            string text = File.ReadAllText(html);
            Assert.Contains("<html lang=\"zh-CN\">", text, StringComparison.Ordinal);
            Assert.Contains("通过（附已说明的警告）", text, StringComparison.Ordinal);
            Assert.Contains("RecordInvalidEmail", text, StringComparison.Ordinal); // codes are data
            Assert.Contains("1,000,000", text, StringComparison.Ordinal);
        }

        [Fact]
        public void ADecommissionReportShowsStagesInventoryAndTheAuditHead()
        {
            using var dir = new TempDir();
            string statePath = dir.File("decom.json");
            var state = new DecommissionState { System = "legacy.db", Provider = "Sqlite", ArchivePath = dir.File("archive"), ArchiveVerified = true, ArchiveTagManifestSha512 = new string('a', 128) };
            foreach (var s in new[] { "Notify", "Freeze", "Archive", "Verify", "Revoke", "Retain" })
            {
                state.Stages[s] = new StageRecord { Status = "Done", Attempts = 1, StartedUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), CompletedUtc = new DateTime(2026, 1, 2, 3, 4, 6, DateTimeKind.Utc) };
            }
            state.Stages["Retain"].Evidence["retainUntil"] = "2033-12-31";
            state.Stages["Retain"].Evidence["smtpPassword"] = "hunter2";
            state.Inventory.Add(new InventoryEntry { Kind = "Table", Name = "contacts", Status = "Archived", Records = 42, ContentHash = "abc" });
            state.Inventory.Add(new InventoryEntry { Kind = "Table", Name = "sessions", Status = "Excluded", Detail = "transient" });
            state.Save(statePath);
            string log = dir.File("decom.audit.jsonl");
            AuditLog.Append(log, "Freeze", "legacy.db", null, "Done", null);
            string head = AuditLog.Append(log, "Archive", "legacy.db", null, "Done", null);

            var report = ReportBuilder.Build(new ReportRequest { DecommissionStatePath = statePath, Culture = CultureInfo.InvariantCulture });
            Assert.Equal("Decommission", report.Kind);
            Assert.Equal(head, report.AuditLog!.HeadHash);
            Assert.True(report.AuditLog.Valid);
            Assert.Equal(2, report.Decommission!.Inventory.Count);
            Assert.Equal("NotRun", report.Decommission.Stages.Single(s => s.Stage == "Purge").Status);
            Assert.False(report.Decommission.Stages.Single(s => s.Stage == "Retain").Evidence.ContainsKey("smtpPassword"));
            // Purge waits for the retention date: that alone is a note, not a warning.
            Assert.Equal(CrmReportVerdict.Passed, report.Verdict);

            // An interrupted stage fails the report; a broken audit chain too.
            state.Stages["Revoke"].Status = "Started";
            state.Save(statePath);
            File.AppendAllText(log, "{\"seq\":3,\"prevHash\":\"0000\"}\n");
            var broken = ReportBuilder.Build(new ReportRequest { DecommissionStatePath = statePath, Culture = CultureInfo.InvariantCulture });
            Assert.Equal(CrmReportVerdict.Failed, broken.Verdict);
            Assert.Contains(broken.Findings, f => f.Code == "StageUnfinished" && f.Entity == "Revoke");
            Assert.Contains(broken.Findings, f => f.Code == "AuditLogBroken");
            string html = dir.File("d.html");
            ReportWriter.Write(broken, new[] { html, dir.File("d.xlsx"), dir.File("d.json") });
            string text = File.ReadAllText(html);
            Assert.Contains("sessions", text, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", File.ReadAllText(dir.File("d.json")), StringComparison.Ordinal);
        }

        [Fact]
        public void MergedOutcomesInTheLedgerBecomeMergeGroupsWithExactCounts()
        {
            using var dir = new TempDir();
            using var ledger = new MigrationLedger(dir.File("l.sqlite"));
            string runId = ledger.StartOrResume(new LedgerRunInfo { Source = "s", Target = "t" }, null, false).RunId;
            var entries = new List<LedgerEntry>();
            void Add(string key, string? survivor, CrmOutcome outcome) =>
                entries.Add(new LedgerEntry("contacts", key, survivor ?? key, new CrmRecordOutcome("Contact", key, outcome) { ReasonCode = outcome == CrmOutcome.Merged ? "SameEmail" : null, Message = outcome == CrmOutcome.Merged ? "merged into " + survivor : null }, null));
            Add("P1", null, CrmOutcome.Inserted);
            Add("P2", "P1", CrmOutcome.Merged);
            Add("P3", "P1", CrmOutcome.Merged);
            Add("P4", null, CrmOutcome.Inserted);
            Add("P5", "P4", CrmOutcome.Merged);
            ledger.RecordBatch(runId, "Contact", 1, entries);
            ledger.FinishRun(runId, true);

            var report = ReportBuilder.Build(new ReportRequest { Ledger = ledger, Culture = CultureInfo.InvariantCulture, MaxMergeGroups = 1 });
            Assert.Equal(2, report.Merges.Groups);
            Assert.Equal(3, report.Merges.Records);
            var g = Assert.Single(report.Merges.Shown);
            Assert.Equal(("Contact", "P1", "SameEmail"), (g.Entity, g.Survivor, g.Rule));
            Assert.Equal(new[] { "P2", "P3" }, g.Members);
            Assert.Contains(report.Findings, f => f.Code == "RecordsMerged" && f.Severity == FindingSeverity.Info);
            string html = dir.File("m.html");
            ReportWriter.Write(report, new[] { html, dir.File("m.xlsx") });
            Assert.Contains("id=\"merges\"", File.ReadAllText(html), StringComparison.Ordinal);
            Assert.Contains("Merges", MiniExcel.GetSheetNames(dir.File("m.xlsx")));

            // No merges, no section.
            var none = ReportBuilder.Build(new ReportRequest { Summaries = new[] { new CrmImportSummary("Contact", "t") { Read = 1, Inserted = 1 } }, Culture = CultureInfo.InvariantCulture });
            ReportWriter.Write(none, new[] { html });
            Assert.DoesNotContain("id=\"merges\"", File.ReadAllText(html), StringComparison.Ordinal);
        }

        [Fact]
        public void AnUnknownExtensionIsRefusedBeforeAnythingIsWritten()
        {
            using var dir = new TempDir();
            var ex = Assert.Throws<CrmException>(() => ReportWriter.Write(Hostile(), new[] { dir.File("a.html"), dir.File("a.pdf") }));
            Assert.Equal("ReportFormatUnknown", ex.Error.Code);
            Assert.False(File.Exists(dir.File("a.html")));
        }

        [Fact]
        public void LedgerBatchesOfTheFirstFormatStillDecode()
        {
            // Format 1 (before fields and values): flags 2|4|8 (reason, message, new entity), outcome Rejected.
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write((byte)1);
                w.Write7BitEncodedInt(1);
                w.Write((byte)(2 | 4 | 8));
                w.Write((byte)CrmOutcome.Rejected);
                w.Write("contacts");
                w.Write("P1");
                w.Write("RecordInvalidEmail");
                w.Write("bad");
            }
            var d = BatchCodec.Decode(ms.ToArray()).Single();
            Assert.Equal(("contacts", "P1", "RecordInvalidEmail", "bad", (string?)null, (string?)null), (d.SourceEntity, d.SourceKey, d.ReasonCode, d.Message, d.Field, d.Value));

            // Format 2 keeps the field and a capped value, and no value for a field named like a secret.
            var outcome = new CrmRecordOutcome("Person", "P2", CrmOutcome.Rejected) { ReasonCode = "X", Field = "email", Value = new string('x', 500) };
            var secret = new CrmRecordOutcome("Person", "P3", CrmOutcome.Rejected) { ReasonCode = "X", Field = "user_password", Value = "hunter2" };
            var both = BatchCodec.Decode(BatchCodec.Encode(new[] { new LedgerEntry("contacts", "P2", "P2", outcome, null), new LedgerEntry("contacts", "P3", "P3", secret, null) })).ToArray();
            Assert.Equal("email", both[0].Field);
            Assert.Equal(BatchCodec.MaxValueLength + 1, both[0].Value!.Length);
            Assert.Equal("user_password", both[1].Field);
            Assert.Null(both[1].Value);
        }

        /// <summary>A report of a large run holding every kind of hostile value.</summary>
        private static MigrationReport Hostile(CultureInfo? culture = null)
        {
            var text = ReportText.For(culture ?? CultureInfo.InvariantCulture);
            var report = new MigrationReport
            {
                Title = text["Title.Migration"], Culture = text.Name, Source = "legacy <b>db</b>", Target = "new.db", ModuleVersion = "0.1.0",
                Operator = "ops", Host = "h", ExampleCap = 5, Validated = true, Verdict = CrmReportVerdict.PassedWithWarnings,
                GeneratedAt = new DateTimeOffset(2026, 3, 5, 11, 0, 0, TimeSpan.Zero),
                Run = new ReportRun
                {
                    RunId = "20260305T101112Z-abcd", Status = "Completed", StartedAt = new DateTimeOffset(2026, 3, 5, 10, 11, 12, TimeSpan.Zero),
                    FinishedAt = new DateTimeOffset(2026, 3, 5, 10, 12, 12, TimeSpan.Zero), Duration = TimeSpan.FromMinutes(1), Read = 1_000_100, RecordsPerSecond = 16668.3, Balanced = true,
                },
                Mapping = new ReportMapping { Hash = "ff00" },
            };
            report.Run.Read = 1_000_000;
            report.Findings.Add(new ReportFinding("RecordsRejected", FindingSeverity.Warning, text.F("Find.RecordsRejected", "<script>alert(1)</script>", 50_000L), "<script>alert(1)</script>"));
            var e = new ReportEntity("<script>alert(1)</script>") { Read = 1_000_000, Inserted = 949_000, Rejected = 50_000, Filtered = 1_000 };
            var reason = new ReportReason(CrmOutcome.Rejected, "RecordInvalidEmail") { Count = 50_000 };
            reason.Examples.Add(new ReportExample("=HYPERLINK(\"http://x\")", "email", "+1-555 =cmd|' /C calc'!A0", "שלום עולם مرحبا"));
            reason.Examples.Add(new ReportExample("K2\u0001", "note", "<img src=x onerror=alert(2)>", new string('長', 5000)));
            e.Reasons.Add(reason);
            e.Reasons.Add(new ReportReason(CrmOutcome.Filtered, "Inactive") { Count = 1_000 });
            report.Entities.Add(e);
            report.Entities.Add(new ReportEntity("客户") { Read = 10, Inserted = 10 });
            report.Checks.Add(new ReportCheck { Check = "Count", Entity = "客户", Status = "Pass", Expected = 10, Actual = 10, Details = "10 = 10" });
            report.Merges.Groups = 2;
            report.Merges.Records = 3;
            var g = new ReportMergeGroup { Entity = "客户", Survivor = "A1", Rule = "SameEmail", Score = 0.97 };
            g.Members.Add("A2");
            g.Members.Add("A3");
            report.Merges.Shown.Add(g);
            var me = new ReportMappedEntity { Source = "contacts", Target = "<script>alert(1)</script>", Key = "Id" };
            me.Fields.Add(new ReportMappedField { Target = "Email", Source = "email", Type = "String", Rules = "Pattern ^x$" });
            report.Mapping.Entities.Add(me);
            return report;
        }
    }
}
