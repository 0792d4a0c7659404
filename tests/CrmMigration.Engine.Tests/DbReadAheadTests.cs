using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// Database sources read on a thread of their own (<see cref="RecordReadAhead"/>): the records and the reader's problems in the
    /// reader's order, its exception where it happened, a reader stopped when the consumer stops; a whole MariaDB → PostgreSQL copy
    /// reads the same with it and without it.
    /// </summary>
    public class DbReadAheadTests
    {
        private static readonly CrmFieldShape Shape = new CrmFieldShape(new[] { "id" });

        private static CrmRecord Rec(int i) => new CrmRecord("t", Shape, new object?[] { (long)i });

        [Fact]
        public void RecordsAndProblemsComeInTheReadersOrder_ReadOnAnotherThread()
        {
            int consumer = Environment.CurrentManagedThreadId, opened = -1, reader = -1;
            IEnumerable<CrmRecord> Source(Action<CrmDataError> report)
            {
                reader = Environment.CurrentManagedThreadId;
                report(new CrmDataError("First", CrmErrorKind.InvalidValue, "before 0"));
                for (int i = 0; i < 20; i++)
                {
                    if (i % 3 == 0) report(new CrmDataError("P", CrmErrorKind.InvalidValue, "before " + i));
                    yield return Rec(i);
                }
                report(new CrmDataError("Last", CrmErrorKind.InvalidValue, "after 19"));
            }
            var seen = new List<string>();
            foreach (var r in RecordReadAhead.Read("t", (report, _) => { opened = Environment.CurrentManagedThreadId; return Source(report); },
                e => seen.Add(e.Message), chunk: 4, depth: 2, CancellationToken.None))
            {
                seen.Add(r["id"]!.ToString()!);
            }
            var expected = new List<string> { "before 0" };
            for (int i = 0; i < 20; i++)
            {
                if (i % 3 == 0) expected.Add("before " + i);
                expected.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            expected.Add("after 19");
            Assert.Equal(expected, seen);
            Assert.Equal(consumer, opened);
            Assert.NotEqual(consumer, reader);
        }

        [Fact]
        public void TheReadersExceptionComesAfterTheRecordsBeforeIt()
        {
            IEnumerable<CrmRecord> Source()
            {
                for (int i = 0; i < 10; i++) yield return Rec(i);
                throw new CrmException("SourceReadFailed", CrmErrorKind.ConnectionError, "gone");
            }
            var got = new List<long>();
            var ex = Assert.Throws<CrmException>(() =>
            {
                foreach (var r in RecordReadAhead.Read("t", (_, _) => Source(), _ => { }, 3, 2, CancellationToken.None)) got.Add((long)r["id"]!);
            });
            Assert.Equal("gone", ex.Message);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), got);
        }

        [Fact]
        public void AConsumerThatStopsStopsTheReader_AndCtrlCEndsTheWait()
        {
            bool ended = false;
            int produced = 0;
            IEnumerable<CrmRecord> Endless(CancellationToken token)
            {
                try
                {
                    for (int i = 0; ; i++)
                    {
                        token.ThrowIfCancellationRequested();
                        Interlocked.Increment(ref produced);
                        yield return Rec(i);
                    }
                }
                finally { ended = true; }
            }
            foreach (var r in RecordReadAhead.Read("t", (_, token) => Endless(token), _ => { }, 8, 2, CancellationToken.None))
            {
                if ((long)r["id"]! == 5) break;
            }
            // The lane's thread was waited for: the reader's enumeration ended, and it never ran more than the queue ahead.
            Assert.True(ended);
            Assert.InRange(produced, 6, 8 * 4 + 1);

            using var cts = new CancellationTokenSource();
            var slow = new ManualResetEventSlim();
            IEnumerable<CrmRecord> Stuck(CancellationToken token)
            {
                yield return Rec(0);
                token.WaitHandle.WaitOne();
                slow.Set();
                token.ThrowIfCancellationRequested();
            }
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var r in RecordReadAhead.Read("t", (_, token) => Stuck(token), _ => { }, 1, 1, cts.Token)) cts.Cancel();
            });
            Assert.True(slow.IsSet);
        }

        [Theory]
        [InlineData(CrmProviderKind.MySql)]
        [InlineData(CrmProviderKind.PostgreSql)]
        public void ACopyFromADatabaseIsTheSameReadAheadOrNot(CrmProviderKind kind)
        {
            using var source = new TestDatabase(kind);
            source.Exec("CREATE TABLE accounts (id int PRIMARY KEY, name varchar(40) NOT NULL, credit decimal(12,2))");
            source.Exec("CREATE TABLE notes (body varchar(40), n int)");
            var rows = string.Join(", ", Enumerable.Range(1, 2500).Select(i => $"({i}, 'Account {i}', {(i % 7 == 0 ? "NULL" : i + ".25")})"));
            source.Exec("INSERT INTO accounts VALUES " + rows);
            source.Exec("INSERT INTO notes VALUES ('a', 1), ('a', 1), ('b', NULL)");
            var dumps = new List<string>();
            var summaries = new List<string>();
            bool? before = MigrationCopier.DatabaseReadAhead;
            try
            {
                foreach (bool ahead in new[] { false, true })
                {
                    MigrationCopier.DatabaseReadAhead = ahead;
                    using var dir = new TempDir();
                    string db = dir.File("new.db");
                    using var ledger = new MigrationLedger(dir.File("ledger.sqlite"));
                    using var s = ProviderFactory.Open(source.Connection());
                    using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
                    using var copier = new MigrationCopier(s, target, new CopyOptions
                    {
                        Import = new ImportOptions { BatchSize = 300, CreateIfMissing = true, Ledger = ledger },
                    });
                    var result = copier.Run();
                    summaries.Add(string.Join("; ", result.Select(x => $"{x.Entity} {x.Read} {x.Inserted} {x.Rejected}")));
                    Assert.Empty(ledger.Verify(copier.RunId!));
                    dumps.Add(SqliteTestUtil.Scalar(db, "SELECT group_concat(id || ':' || name || ':' || ifnull(credit, '-'), ',') FROM (SELECT * FROM accounts ORDER BY id)") + "|"
                        + SqliteTestUtil.Scalar(db, "SELECT group_concat(ifnull(body, '-') || ifnull(n, '-'), ',') FROM (SELECT * FROM notes ORDER BY body, n)"));
                }
            }
            finally { MigrationCopier.DatabaseReadAhead = before; }
            Assert.Equal(summaries[0], summaries[1]);
            Assert.Contains("accounts 2500 2500 0", summaries[1], StringComparison.Ordinal);
            Assert.Equal(dumps[0], dumps[1]);
            Assert.Contains("2500:Account 2500:2500.25", dumps[1], StringComparison.Ordinal);
        }
    }
}
