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
using CrmMigration.Engine.Providers.Excel;
using MiniExcelLibs;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// Fast resume for sources read record by record: a database table read in key order resumes after the last key the
    /// ledger recorded (keyset), a sheet after its row; a source changed under the position is read from the start.
    /// </summary>
    public class ResumePositionTests
    {
        internal const int Rows = 3000;

        /// <summary>
        /// Order lines keyed by (order_no, line_no), inserted in a scrambled order so the table's physical order is not its key
        /// order (a keyset position means something only in key order).
        /// </summary>
        private static string OrderLinesSql(CrmProviderKind kind)
        {
            var sql = new StringBuilder("CREATE TABLE order_lines (order_no varchar(20) NOT NULL, line_no integer NOT NULL, product varchar(40), qty integer, PRIMARY KEY (order_no, line_no));\n");
            for (int chunk = 0; chunk < Rows; chunk += 500)
            {
                sql.Append("INSERT INTO order_lines VALUES ");
                for (int i = chunk; i < chunk + 500; i++)
                {
                    int n = (int)((i * 7919L) % Rows); // a permutation of 0..Rows-1
                    if (i > chunk) sql.Append(", ");
                    sql.Append("('SO-").Append((n / 3).ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).Append("', ").Append(n % 3 + 1)
                       .Append(", 'Widget ").Append(n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("', ").Append(n % 17).Append(')');
                }
                sql.Append(kind == CrmProviderKind.Sqlite ? ";\n" : ";\n");
            }
            return sql.ToString();
        }

        private static void ExecAll(TestDatabase db, string sql)
        {
            foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries)) db.Exec(statement);
        }

        /// <summary>
        /// The order lines as a source: an SQLite file (legacy.db in <paramref name="dir"/>) when <paramref name="server"/> is null,
        /// else that server database.
        /// </summary>
        internal static CrmConnection OrderLines(CrmProviderKind kind, TempDir dir, TestDatabase? server)
        {
            if (server is not null)
            {
                ExecAll(server, OrderLinesSql(kind));
                return server.Connection();
            }
            string path = dir.File("legacy.db");
            SqliteTestUtil.Exec(path, OrderLinesSql(CrmProviderKind.Sqlite));
            return ProviderFactory.FromPath(path);
        }

        /// <summary>A copy stopped (Ctrl+C) after about two thirds of the rows, then resumed; returns the resumed copier's figures.</summary>
        private static ResumedCopy InterruptAndResume(CrmConnection source, string db, MigrationLedger ledger, Action? between = null) =>
            InterruptedCopy.Run(source, db, "order_lines", ledger, stopAt: 2000, between: between);

        [Theory]
        [InlineData(CrmProviderKind.Sqlite)]
        [InlineData(CrmProviderKind.PostgreSql)]
        [InlineData(CrmProviderKind.MySql)]
        public void AnInterruptedCopyFromATableResumesAfterTheLastKeyItRecorded_AndEndsExact(CrmProviderKind kind)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            var source = OrderLines(kind, dir, server);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = InterruptAndResume(source, db, ledger);

            Assert.InRange(r.LandedBefore, 1900, 2100);
            string note = Assert.Single(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            Assert.Contains("(key SO-", note, StringComparison.Ordinal);
            // The resumed query starts after the saved key: it reads only the rows the first attempt had not recorded.
            Assert.Equal(Rows - r.LandedBefore, r.ReadAfter);
            Assert.Empty(r.Warnings);
            Assert.Equal(Rows, r.Summary.Read);
            Assert.Equal(Rows, r.Summary.Inserted);
            Assert.True(r.Verified);
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"order_no\" || '/' || \"line_no\") FROM \"order_lines\""));
            Assert.Equal("Widget 2999", SqliteTestUtil.Scalar(db, "SELECT \"product\" FROM \"order_lines\" WHERE \"order_no\" = 'SO-0999' AND \"line_no\" = 3"));
        }

        /// <summary>
        /// A copy stopped right after the ledger recorded batch 11 (of 100 records) and before its read position was saved (the
        /// first outcome of that batch stops it: a kill between the two), then resumed with the indexes holding at most
        /// <paramref name="cap"/> entries in memory (0: the default). Returns the resumed copier's figures.
        /// </summary>
        private static (long ReadAfter, IReadOnlyList<string> Notes, CrmImportSummary Summary, bool Verified, IReadOnlyList<string> Warnings)
            StopAfterTheLedgerAndResume(CrmConnection source, string db, MigrationLedger ledger, int cap, CompiledMapping? mapping = null, Action? between = null)
        {
            var import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger };
            if (cap > 0) import.MaxIndexInMemory = cap;
            int outcomes = 0;
            using (var s = ProviderFactory.Open(source))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(s, target, new CopyOptions
            {
                Mapping = mapping,
                OnOutcome = _ => { if (++outcomes == 1001) throw new OperationCanceledException("stopped between the ledger and the position"); },
                Import = import,
            }))
            {
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            between?.Invoke();
            import.Resume = true;
            using (var s = ProviderFactory.Open(source))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(s, target, new CopyOptions { Mapping = mapping, Import = import }))
            {
                var summary = Assert.Single(copier.Run());
                Assert.True(copier.Resumed);
                return (copier.RecordsRead, copier.Notes.ToList(), summary, ledger.Verify(copier.RunId!).Count == 0, copier.Warnings.ToList());
            }
        }

        [Theory]
        [InlineData(CrmProviderKind.Sqlite, 0)]
        [InlineData(CrmProviderKind.Sqlite, 3)]
        [InlineData(CrmProviderKind.PostgreSql, 0)]
        [InlineData(CrmProviderKind.PostgreSql, 3)]
        public void RecordsTheLedgerHeldPastTheSavedKeyAreReadAgainAndPassedOver_NeitherWrittenTwiceNorLost(CrmProviderKind kind, int cap)
        {
            using var dir = new TempDir();
            using var server = kind == CrmProviderKind.Sqlite ? null : new TestDatabase(kind);
            var source = OrderLines(kind, dir, server);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = StopAfterTheLedgerAndResume(source, db, ledger, cap);

            // The read starts after row 1,000 (the last saved position): rows 1,001-1,100 are read again, found among what the run
            // recorded after the position, and passed over; the rest are written once.
            Assert.Contains(r.Notes, n => n.Contains("resumed after row 1,000 (key SO-", StringComparison.Ordinal));
            Assert.Equal(Rows - 1000, r.ReadAfter);
            Assert.Equal((long)Rows, r.Summary.Read);
            Assert.Equal((long)Rows, r.Summary.Inserted);
            Assert.Equal((0L, 0L, 0L), (r.Summary.Updated, r.Summary.Skipped, r.Summary.Rejected));
            Assert.True(r.Verified);
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"order_no\" || '/' || \"line_no\") FROM \"order_lines\""));
        }

        [Fact]
        public void ATargetThatLostRecordsBeforeTheResumedKeyIsStillFound()
        {
            // After a keyset position the indexes hold only the run's last records; the target is still counted against all the
            // run inserted, and one that holds fewer is checked against every fingerprint, as before (the warning says so).
            using var dir = new TempDir();
            var source = OrderLines(CrmProviderKind.Sqlite, dir, null);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = StopAfterTheLedgerAndResume(source, db, ledger, 0,
                between: () => SqliteTestUtil.Exec(db, "DELETE FROM \"order_lines\" WHERE \"order_no\" = 'SO-0002'"));
            Assert.Contains(r.Warnings, w => w.Contains("lacks 3 of the 1,100 records the ledger recorded as written", StringComparison.Ordinal));
            Assert.True(r.Verified);
            // The warning says the missing records are written again: they lie before the saved key, so the source must be read from its start.
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
            Assert.Equal(3L, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\" WHERE \"order_no\" = 'SO-0002'"));
            Assert.Contains(r.Warnings, w => w.Contains("read again from the start", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(3)]
        public void AKeylessTableStoppedBetweenTheLedgerAndThePositionResumesExact_RepeatedRowsStayAsManyAsTheSourceHas(int cap)
        {
            // No key anywhere: no position is kept, and the copy identities (content and copy number) pass over what was recorded.
            using var dir = new TempDir();
            string path = dir.File("legacy.db");
            var sql = new StringBuilder("CREATE TABLE visits (who TEXT, page TEXT);\nINSERT INTO visits VALUES ");
            for (int i = 1; i <= Rows; i++) sql.Append(i > 1 ? ", " : "").Append("('user ").Append(i % 700).Append("', 'page ").Append(i % 3).Append("')");
            SqliteTestUtil.Exec(path, sql.Append(';').ToString());
            long distinct = SqliteTestUtil.Count(path, "SELECT count(*) FROM (SELECT DISTINCT who, page FROM visits)");
            Assert.True(distinct < Rows);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = StopAfterTheLedgerAndResume(ProviderFactory.FromPath(path), db, ledger, cap);

            Assert.DoesNotContain(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            Assert.Equal((long)Rows, r.ReadAfter);
            Assert.Equal((long)Rows, r.Summary.Read);
            Assert.Equal((long)Rows, r.Summary.Inserted);
            Assert.True(r.Verified);
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"visits\""));
            Assert.Equal(
                SqliteTestUtil.Count(path, "SELECT sum(n * n) FROM (SELECT count(*) AS n FROM visits GROUP BY who, page)"),
                SqliteTestUtil.Count(db, "SELECT sum(n * n) FROM (SELECT count(*) AS n FROM \"visits\" GROUP BY \"who\", \"page\")"));
        }

        [Theory]
        [InlineData("DELETE FROM order_lines WHERE order_no = 'SO-0001' AND line_no = 1", "rows lie up to the position's key now")]
        [InlineData("UPDATE order_lines SET qty = 99 WHERE order_no = 'SO-0001' AND line_no = 1", null)]
        [InlineData("INSERT INTO order_lines VALUES ('SO-0000', 9, 'Inserted before', 1)", "rows lie up to the position's key now")]
        public void ASourceTableChangedUnderThePositionIsReadFromTheStart_WhereThatCanBeTold(string change, string? why)
        {
            using var dir = new TempDir();
            var source = OrderLines(CrmProviderKind.Sqlite, dir, null);
            string path = dir.File("legacy.db");
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = InterruptAndResume(source, db, ledger, () => SqliteTestUtil.Exec(path, change));
            Assert.True(r.Verified);
            if (why is null)
            {
                // A row before the position changed in place: neither the count nor the row at the position tells, so the read seeks
                // (the about topic says so; the next delta run carries such a change).
                Assert.Equal(Rows - r.LandedBefore, r.ReadAfter);
                Assert.Empty(r.Warnings);
                return;
            }
            string warning = Assert.Single(r.Warnings);
            Assert.Contains(why, warning, StringComparison.Ordinal);
            Assert.Contains("read again from the start", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            long now = SqliteTestUtil.Count(path, "SELECT count(*) FROM order_lines");
            Assert.Equal(now, r.ReadAfter);
            // The deleted row stays in the target (it was copied before; a delta run would find it gone), the inserted one is added.
            Assert.Equal(Math.Max(now, Rows), SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
        }

        /// <summary>
        /// A server table's check runs beside the resumed read (its count scans the table up to the position): the rows after the
        /// position are copied first, then, the check having found the table changed, the table is read again from the start
        /// with the run's whole indexes, and the copy still ends exact, nothing written twice.
        /// </summary>
        [Theory]
        [InlineData(CrmProviderKind.PostgreSql, "DELETE FROM order_lines WHERE order_no = 'SO-0001' AND line_no = 1")]
        [InlineData(CrmProviderKind.PostgreSql, "INSERT INTO order_lines VALUES ('SO-0000', 9, 'Inserted before', 1)")]
        [InlineData(CrmProviderKind.MySql, "INSERT INTO order_lines VALUES ('SO-0000', 9, 'Inserted before', 1)")]
        public void AServerTableChangedUnderThePositionIsCheckedBesideTheRead_ThenReadFromTheStart(CrmProviderKind kind, string change)
        {
            using var dir = new TempDir();
            using var server = new TestDatabase(kind);
            var source = OrderLines(kind, dir, server);
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var r = InterruptAndResume(source, db, ledger, () => server.Exec(change));
            string warning = Assert.Single(r.Warnings);
            Assert.Contains("rows lie up to the position's key now", warning, StringComparison.Ordinal);
            Assert.Contains("so it is read again from the start once the rows after the position are copied", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(r.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
            long now = Convert.ToInt64(server.Scalar("SELECT count(*) FROM order_lines"), System.Globalization.CultureInfo.InvariantCulture);
            // The rows after the position were read before the check answered, then every row again.
            Assert.InRange(r.ReadAfter - now, Rows - 2200, Rows - 1800);
            Assert.True(r.Verified);
            // The deleted row stays in the target (it was copied before), the inserted one is added; no row twice.
            Assert.Equal(Math.Max(now, Rows), SqliteTestUtil.Count(db, "SELECT count(*) FROM \"order_lines\""));
            Assert.Equal(Math.Max(now, Rows), SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"order_no\" || '/' || \"line_no\") FROM \"order_lines\""));
            if (change.StartsWith("INSERT", StringComparison.Ordinal))
            {
                Assert.Equal("Inserted before", SqliteTestUtil.Scalar(db, "SELECT \"product\" FROM \"order_lines\" WHERE \"order_no\" = 'SO-0000' AND \"line_no\" = 9"));
            }
            // The run's books: every row once, none written again (the second read passed over what the run had recorded).
            Assert.Equal(Math.Max(now, Rows), r.Summary.Read);
            Assert.Equal(Math.Max(now, Rows), r.Summary.Inserted);
            Assert.Equal(0, r.Summary.Updated + r.Summary.Skipped + r.Summary.Rejected);
        }

        [Theory]
        [InlineData(null, null)]
        [InlineData("DELETE FROM lines WHERE line_id = 'L00010'", "another row at row")]
        [InlineData("DELETE FROM lines WHERE line_id > 'L00500'", "fewer than")]
        public void AKeylessTableMappedToAKeyResumesByRowPassingOverTheRecordedRowsUnmapped(string? change, string? why)
        {
            using var dir = new TempDir();
            string path = dir.File("legacy.db");
            var sql = new StringBuilder("CREATE TABLE lines (line_id TEXT, product TEXT, qty INTEGER);\nINSERT INTO lines VALUES ");
            for (int i = 1; i <= Rows; i++) sql.Append(i > 1 ? ", " : "").Append("('L").Append(i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)).Append("', 'Widget ").Append(i).Append("', ").Append(i % 9).Append(')');
            SqliteTestUtil.Exec(path, sql.Append(';').ToString());
            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            var mapping = new CompiledMapping(MappingParser.ParseJson(@"{ ""Entities"": { ""Line"": { ""Source"": ""lines"", ""Key"": ""Id"",
  ""Fields"": { ""Id"": ""line_id"", ""Product"": { ""Source"": ""product"", ""Transform"": ""Upper"" }, ""Qty"": ""qty"" } } } }", null));
            using (var cts = new CancellationTokenSource())
            {
                using var s = ProviderFactory.Open(ProviderFactory.FromPath(path));
                using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
                using var copier = new MigrationCopier(s, target, new CopyOptions
                {
                    Mapping = mapping,
                    ProgressInterval = 500,
                    OnProgress = p => { if (p.Records >= 2000) cts.Cancel(); },
                    Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, CancellationToken = cts.Token },
                });
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            long landed = SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Line\"");
            Assert.InRange(landed, 1900, 2100);
            if (change is not null) SqliteTestUtil.Exec(path, change);
            long now = SqliteTestUtil.Count(path, "SELECT count(*) FROM lines");
            using (var s = ProviderFactory.Open(ProviderFactory.FromPath(path)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(s, target, new CopyOptions { Mapping = mapping, Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, Resume = true } }))
            {
                copier.Run();
                Assert.Empty(ledger.Verify(copier.RunId!));
                if (why is null)
                {
                    Assert.Contains(copier.Notes, n => n.Contains("lines: resumed after row " + landed.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " (read, not mapped, up to it", StringComparison.Ordinal));
                    Assert.Equal(Rows - landed, copier.RecordsRead);
                    Assert.Empty(copier.Warnings);
                }
                else
                {
                    Assert.Contains(copier.Warnings, w => w.Contains(why, StringComparison.Ordinal) && w.Contains("read again from the start", StringComparison.Ordinal));
                    Assert.DoesNotContain(copier.Notes, n => n.Contains("resumed after row", StringComparison.Ordinal));
                    Assert.Equal(now, copier.RecordsRead);
                }
            }
            // What the killed run copied stays (rows deleted from the source since are a delta run's business); nothing twice.
            long expected = why == "fewer than" ? landed : Rows;
            Assert.Equal(expected, SqliteTestUtil.Count(db, "SELECT count(*) FROM \"Line\""));
            Assert.Equal(expected, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"Id\") FROM \"Line\""));
        }

        [Fact]
        public void AResumedSheetPassesOverItsRecordedRowsWithoutRecords_AndEndsExact()
        {
            using var dir = new TempDir();
            string book = dir.File("crm.xlsx");
            var rows = new List<Dictionary<string, object?>>();
            for (int i = 1; i <= Rows; i++) rows.Add(new() { ["Id"] = "C" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), ["name"] = "张伟" + i, ["score"] = i % 100 });
            MiniExcel.SaveAs(book, rows, sheetName: "contacts");

            // The reader itself: after row r, exactly the records of the rows after it, with their own sheet rows.
            var all = new ExcelSheetReader(book, "contacts", "crm.xlsx", null, _ => { }, false).Read(new RecordFilter(Array.Empty<CrmFieldFilter>()), CancellationToken.None).ToList();
            var after = new ExcelSheetReader(book, "contacts", "crm.xlsx", null, _ => { }, false).Read(new RecordFilter(Array.Empty<CrmFieldFilter>()), 1234, CancellationToken.None).ToList();
            Assert.Equal(all.Skip(1233).Select(r => (r.Origin!.Line, r["Id"])), after.Select(r => (r.Origin!.Line, r["Id"])));

            string db = dir.File("new.db");
            using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
            using (var cts = new CancellationTokenSource())
            {
                using var s = ProviderFactory.Open(ProviderFactory.FromPath(book));
                using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
                using var copier = new MigrationCopier(s, target, new CopyOptions
                {
                    ProgressInterval = 500,
                    OnProgress = p => { if (p.Records >= 2000) cts.Cancel(); },
                    Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, CancellationToken = cts.Token },
                });
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
            }
            long landed = SqliteTestUtil.Count(db, "SELECT count(*) FROM \"contacts\"");
            using (var s = ProviderFactory.Open(ProviderFactory.FromPath(book)))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(s, target, new CopyOptions { Import = new ImportOptions { BatchSize = 100, CreateIfMissing = true, Ledger = ledger, Resume = true } }))
            {
                var summary = Assert.Single(copier.Run());
                Assert.Contains(copier.Notes, n => n.Contains("resumed after row 2,000 (sheet row 2,001)", StringComparison.Ordinal));
                Assert.Equal(Rows - landed, copier.RecordsRead);
                Assert.Equal((long)Rows, summary.Read);
                Assert.Equal((long)Rows, summary.Inserted);
                Assert.Empty(ledger.Verify(copier.RunId!));
            }
            Assert.Equal(Rows, SqliteTestUtil.Count(db, "SELECT count(DISTINCT \"Id\") FROM \"contacts\""));
        }
    }
}
