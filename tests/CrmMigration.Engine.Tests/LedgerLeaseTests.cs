using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    /// <summary>One run, one worker (leases), where a server target's ledger lives, repair of rows deleted out of band, finished SQLite files.</summary>
    public class LedgerLeaseTests
    {
        private static LedgerRunInfo Info(string target) => new LedgerRunInfo { Target = target, ModuleVersion = "test" };

        [Fact]
        public void ASecondProcessOnTheSameTargetStopsWithTheHolderNamed()
        {
            using var dir = new TempDir();
            string path = dir.File("ledger.sqlite");
            using var first = new MigrationLedger(path);
            var (run, _) = first.StartOrResume(Info("Sqlite:/t.db"), null, false);
            using var second = new MigrationLedger(path);
            var held = Assert.Throws<CrmException>(() => second.StartOrResume(Info("Sqlite:/t.db"), null, false));
            Assert.Equal(("RunLeaseHeld", CrmErrorKind.Busy), (held.Error.Code, held.Error.Kind));
            Assert.Contains(run, held.Error.Message);
            Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), held.Error.Message);
            // -Resume while the first still works: the same answer, and nothing of the run changes.
            Assert.Equal("RunLeaseHeld", Assert.Throws<CrmException>(() => second.StartOrResume(Info("Sqlite:/t.db"), null, true)).Error.Code);
            Assert.Equal(1L, Count(path, "SELECT attempts FROM runs"));
            // Another target is free; and once the first run ends, its target is free again.
            second.StartOrResume(Info("Sqlite:/other.db"), null, false);
            first.FinishRun(run, success: true);
            using var third = new MigrationLedger(path);
            third.StartOrResume(Info("Sqlite:/t.db"), null, false);
            Assert.Null(third.LeaseTakenOver);
        }

        [Fact]
        public void ADeadHoldersRunIsTakenOverAtOnceAndASilentOneAfterTheTimeout()
        {
            using var dir = new TempDir();
            string path = dir.File("ledger.sqlite");
            using (var l = new MigrationLedger(path)) { }
            string now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            // A process of this machine that no longer runs (a pid far beyond any real one) held a run that still looks alive.
            Exec(path, $"INSERT INTO runs(run_id, status, started_at, target, attempts) VALUES ('r1', 'Running', '{now}', 'T1', 1);" +
                       $"INSERT INTO leases VALUES ('T1', 'r1', 'gone', '{Environment.MachineName}', 2147483600, '{now}', '{now}')");
            using (var l = new MigrationLedger(path))
            {
                var (run, resumed) = l.StartOrResume(Info("T1"), null, true);
                Assert.Equal(("r1", true), (run, resumed));
                Assert.Contains("no longer runs", l.LeaseTakenOver);
            }
            // A holder on another machine, silent for longer than the timeout.
            string old = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Exec(path, $"INSERT INTO runs(run_id, status, started_at, target, attempts) VALUES ('r2', 'Running', '{old}', 'T2', 1);" +
                       $"INSERT INTO leases VALUES ('T2', 'r2', 'far', 'another-host', 12, '{old}', '{old}')");
            using (var l = new MigrationLedger(path))
            {
                l.StartOrResume(Info("T2"), null, true);
                Assert.Contains("silent for", l.LeaseTakenOver);
            }
            // ... but not while its heartbeat is fresh.
            Exec(path, $"INSERT INTO runs(run_id, status, started_at, target, attempts) VALUES ('r3', 'Running', '{now}', 'T3', 1);" +
                       $"INSERT INTO leases VALUES ('T3', 'r3', 'far', 'another-host', 12, '{now}', '{now}')");
            using (var l = new MigrationLedger(path))
            {
                Assert.Equal("RunLeaseHeld", Assert.Throws<CrmException>(() => l.StartOrResume(Info("T3"), null, true)).Error.Code);
            }
        }

        [Fact]
        public void AHolderWhoseRunWasTakenOverRecordsNothingMore()
        {
            using var dir = new TempDir();
            string path = dir.File("ledger.sqlite");
            using var slow = new MigrationLedger(path);
            var (run, _) = slow.StartOrResume(Info("T"), null, false);
            var entry = new LedgerEntry("contacts", "1", "1", new CrmRecordOutcome("contacts", "1", CrmOutcome.Inserted), 42);
            slow.RecordBatch(run, "contacts", 1, new[] { entry });
            // Another process decided the holder was dead and took the run over.
            Exec(path, "UPDATE leases SET holder = 'someone else', pid = 1, host = 'another-host'");
            var lost = Assert.Throws<CrmException>(() => slow.RecordBatch(run, "contacts", 2, new[] { entry }));
            Assert.Equal("RunLeaseLost", lost.Error.Code);
            Assert.Equal(1L, Count(path, "SELECT COUNT(*) FROM batches"));
            Assert.Empty(slow.Verify(run));
        }

        [Fact]
        public void AServerTargetsLedgerIsInTheStateFolderWhateverTheWorkingDirectory()
        {
            using var dir = new TempDir();
            var target = ProviderFactory.ForServer(CrmProviderKind.PostgreSql, "db01", 5432, "crm", null, null);
            string? before = Environment.GetEnvironmentVariable("CRMMIGRATION_STATE_HOME");
            try
            {
                Environment.SetEnvironmentVariable("CRMMIGRATION_STATE_HOME", dir.File("state"));
                string path = MigrationLedger.DefaultPath(target);
                Assert.True(Path.IsPathRooted(path));
                Assert.Equal(Path.Combine(dir.File("state"), "ledgers", MigrationLedger.LegacyDefaultPath(target)), path);
                string Resolve(string p) => Path.GetFullPath(p, dir.Path);
                Assert.Equal(path, MigrationLedger.Locate(target, null, Resolve, out var note));
                Assert.Null(note);
                // A ledger an earlier version left in the working directory is still found, with a note where to move it.
                File.WriteAllText(dir.File(MigrationLedger.LegacyDefaultPath(target)), "");
                Assert.Equal(dir.File(MigrationLedger.LegacyDefaultPath(target)), MigrationLedger.Locate(target, null, Resolve, out note));
                Assert.Contains(path, note);
                Assert.Equal(dir.File("mine.sqlite"), MigrationLedger.Locate(target, "mine.sqlite", Resolve, out _));
                // A file target keeps its ledger next to it.
                var file = new CrmConnection(CrmProviderKind.Sqlite, dir.File("new.db"));
                Assert.Equal(dir.File("new.db") + ".crm-ledger.sqlite", MigrationLedger.DefaultPath(file));
            }
            finally
            {
                Environment.SetEnvironmentVariable("CRMMIGRATION_STATE_HOME", before);
            }
        }

        private static List<CrmImportSummary> Import(string db, string ledgerPath, CrmWriteMode mode, IEnumerable<CrmRecord> records, out List<string> warnings, out List<ImportResult> results)
        {
            using var p = Provider(db);
            using var ledger = new MigrationLedger(ledgerPath);
            using var session = new ImportSession(p, new ImportOptions { Ledger = ledger, CreateIfMissing = true, Mode = mode, BatchSize = 3 });
            results = new List<ImportResult>();
            foreach (var r in records) session.Add(r, results);
            var summaries = session.Complete(results).ToList();
            warnings = new List<string>(session.Warnings);
            return summaries;
        }

        private static IEnumerable<CrmRecord> Contacts(int n)
        {
            for (int i = 1; i <= n; i++)
            {
                var r = Rec("contacts", ("id", (long)i), ("name", "n" + i));
                r.Key = new CrmKey(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) { FieldNames = new[] { "id" } };
                yield return r;
            }
        }

        [Fact]
        public void RowsDeletedOutOfBandAreWrittenBackExactlyAndNothingElseIsTouched()
        {
            using var dir = new TempDir();
            string db = dir.File("new.db"), ledger = dir.File("ledger.sqlite");
            Import(db, ledger, CrmWriteMode.Insert, Contacts(10), out _, out _);
            Exec(db, "DELETE FROM contacts WHERE id IN (4, 7)");
            var again = Import(db, ledger, CrmWriteMode.Insert, Contacts(10), out var warnings, out var results).Single();
            Assert.Equal((10L, 2L, 8L, 0L), (again.Read, again.Inserted, again.Skipped, again.Rejected));
            Assert.Equal(new[] { "4", "7" }, results.Where(r => r.Outcome.Outcome == CrmOutcome.Inserted).Select(r => r.Outcome.Key).ToArray());
            var warning = Assert.Single(warnings);
            Assert.Contains("lacks 2 of the 10", warning);
            Assert.Contains("4, 7", warning);
            Assert.Equal(10L, Count(db, "SELECT COUNT(*) FROM contacts"));
        }

        [Fact]
        public void AnSqliteTargetIsLeftWholeInItsOwnFile()
        {
            using var dir = new TempDir();
            string db = dir.File("new.db"), ledger = dir.File("new.db.crm-ledger.sqlite");
            Import(db, ledger, CrmWriteMode.Insert, Contacts(2000), out _, out _);
            Assert.False(File.Exists(db + "-wal"));
            Assert.False(File.Exists(db + "-shm"));
            Assert.False(File.Exists(ledger + "-wal"));
            Assert.Equal("delete", Scalar(db, "PRAGMA journal_mode"));
            // The .db file alone, copied as people do, holds every record.
            File.Copy(db, dir.File("copy.db"));
            Assert.Equal(2000L, Count(dir.File("copy.db"), "SELECT COUNT(*) FROM contacts"));
        }
    }
}
