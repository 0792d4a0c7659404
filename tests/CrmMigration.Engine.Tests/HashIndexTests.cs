using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The import's indexes (keyless copy counter, the ledger's fingerprints, a resumed run's accounted records) keep at most a
    /// fixed number of entries in memory and the rest in temporary files: they must answer exactly what the dictionaries they
    /// replace answered, before the cap, past it, and across a resumed run.
    /// </summary>
    public class HashIndexTests
    {
        [Theory]
        [InlineData(1, 300)]
        [InlineData(16, 3000)]
        [InlineData(64, 20000)]
        public void AnIndexAnswersWhatADictionaryAnswers_BeforeAndPastItsCap(int cap, int keys)
        {
            var random = new Random(cap * 7919 + keys);
            var expected = new Dictionary<long, long>();
            using var index = new HashIndex(cap);
            // Keys drawn from a range smaller than the operations, so most are set again, removed and set again on both sides
            // of the cap; a few extreme values too (the sort is by the key's bits, not its sign).
            long[] pool = new long[keys];
            for (int i = 0; i < keys; i++) pool[i] = random.NextInt64(long.MinValue, long.MaxValue);
            pool[0] = long.MinValue; pool[1] = long.MaxValue; pool[2] = 0; pool[3] = -1;
            for (int op = 0; op < keys * 4; op++)
            {
                long key = pool[random.Next(keys)];
                switch (random.Next(10))
                {
                    case < 4:
                        long value = random.NextInt64();
                        index.Set(key, value);
                        expected[key] = value;
                        break;
                    case < 7:
                        long n = index.Increment(key);
                        expected[key] = expected.TryGetValue(key, out long had) ? had + 1 : 1;
                        Assert.Equal(expected[key], n);
                        break;
                    case 7:
                        index.Remove(key);
                        expected.Remove(key);
                        break;
                    default:
                        Assert.Equal(expected.TryGetValue(key, out long want), index.TryGetValue(key, out long got));
                        Assert.Equal(want, got);
                        break;
                }
                if (op % 997 == 0) Assert.Equal(expected.Count, index.Count);
            }
            Assert.True(index.Spilled);
            Assert.InRange(index.Runs, 1, HashIndex.MaxRuns);
            Assert.Equal(expected.Count, index.Count);
            foreach (long key in pool)
            {
                Assert.Equal(expected.TryGetValue(key, out long want), index.TryGetValue(key, out long got));
                Assert.Equal(want, got);
            }
            // A key never set is not found, whatever the Bloom filter says.
            for (int i = 0; i < 1000; i++)
            {
                long stranger = random.NextInt64();
                if (!expected.ContainsKey(stranger)) Assert.False(index.ContainsKey(stranger));
            }
        }

        [Fact]
        public void AnIndexOfAKnownSizeIsOneDictionaryThatNeverSpills_UnlessTheCapIsLowered()
        {
            using (var sized = HashIndex.ForAtMost(300_000))
            {
                for (long k = 1; k <= 300_000; k++) sized.Set(k * 7919, k);
                Assert.False(sized.Spilled);
                Assert.Equal(300_000, sized.Count);
                Assert.True(sized.TryGetValue(7919L * 12345, out long v));
                Assert.Equal(12345L, v);
            }
            // Past what is held in memory for a known size, or with a lowered cap, it spills at its cap as any index.
            using (var large = HashIndex.ForAtMost(HashIndex.KnownSizeInMemory + 1L))
            {
                Assert.Equal(HashIndex.DefaultMaxInMemory, large.MaxInMemory);
            }
            using var lowered = HashIndex.ForAtMost(100, maxInMemory: 4);
            for (long k = 1; k <= 100; k++) lowered.Set(k, k);
            Assert.True(lowered.Spilled);
            Assert.Equal(100, lowered.Count);
        }

        [Fact]
        public void UnderItsCapAnIndexNeverTouchesTheDisk()
        {
            using var index = new HashIndex(1000);
            for (long k = 0; k < 999; k++) Assert.Equal(1, index.Increment(k * 31));
            Assert.Equal(2, index.Increment(0));
            index.Remove(31);
            Assert.False(index.ContainsKey(31));
            Assert.Equal((false, 0, 998L), (index.Spilled, index.Runs, index.Count));
        }

        [Fact]
        public void AfterCompactingTheRunsAreOneAndRemovedKeysAreGone()
        {
            using var index = new HashIndex(10);
            for (long k = 1; k <= 100; k++) index.Set(k, k * 10);
            for (long k = 1; k <= 100; k += 2) index.Remove(k);
            index.Set(3, 33);
            Assert.Equal(51, index.Count);
            Assert.Equal(1, index.Runs);
            Assert.True(index.TryGetValue(3, out long three));
            Assert.Equal(33, three);
            Assert.False(index.ContainsKey(5));
            Assert.True(index.TryGetValue(100, out long hundred));
            Assert.Equal(1000, hundred);
        }

        // A CSV without a key column as an export tool writes it (CRLF, a quoted field with a comma): rows repeated inside a
        // batch (lines 2 and 3), across batches (line 2 again at line 9), a row repeated many times across the cap, and
        // rows that differ only in case or in a trailing space (not copies).
        private static string KeylessCsv()
        {
            var text = new StringBuilder("at,who,what\r\n");
            text.Append("2024-01-01,ann,login\r\n");
            text.Append("2024-01-01,ann,login\r\n");
            text.Append("2024-01-02,\"Brown, Bob\",logout\r\n");
            text.Append("2024-01-02,Ann,login\r\n");
            text.Append("2024-01-02,ann,login \r\n");
            for (int i = 0; i < 40; i++)
            {
                text.Append("2024-02-").Append((i % 7 + 1).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).Append(",eve,view ")
                    .Append((i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
                if (i % 5 == 0) text.Append("2024-01-01,ann,login\r\n");
            }
            text.Append("2024-01-01,ann,login\r\n");
            return text.ToString();
        }

        private sealed record Copied(IReadOnlyList<(string SourceKey, string? TargetKey, CrmOutcome Outcome, string? Reason)> Ledger, IReadOnlyList<string> Rows, CrmImportSummary Summary);

        private static Copied Copy(TempDir dir, string name, int cap, int? stopAfter = null, bool resume = false)
        {
            string csv = dir.File("in/log.csv");
            string db = dir.File(name + ".db");
            using var ledger = new MigrationLedger(dir.File(name + ".ledger.sqlite"));
            using var cts = new CancellationTokenSource();
            using var source = ProviderFactory.Open(ProviderFactory.FromPath(csv));
            using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
            using var copier = new MigrationCopier(source, target, new CopyOptions
            {
                ProgressInterval = 5,
                OnProgress = p => { if (stopAfter is int n && p.Records >= n) cts.Cancel(); },
                Import = new ImportOptions { BatchSize = 4, CreateIfMissing = true, Ledger = ledger, MaxIndexInMemory = cap, Resume = resume, CancellationToken = cts.Token },
            });
            if (stopAfter is not null)
            {
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
                return new Copied(Array.Empty<(string, string?, CrmOutcome, string?)>(), Array.Empty<string>(), new CrmImportSummary("log", db));
            }
            var summary = Assert.Single(copier.Run());
            Assert.Empty(ledger.Verify(copier.RunId!));
            var records = ledger.Records(copier.RunId!, null, null, null, null)
                .Select(r => (r.SourceKey, r.TargetKey, r.Outcome, r.ReasonCode))
                .OrderBy(r => r.SourceKey, StringComparer.Ordinal).ThenBy(r => r.Outcome).ToList();
            // The target read with sqlite3's own library, not our provider: every row with its rowid order.
            var rows = new List<string>();
            using (var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + db))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT at || '|' || who || '|' || what FROM log ORDER BY at, who, what";
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) rows.Add(reader.GetString(0));
            }
            return new Copied(records, rows, summary);
        }

        [Fact]
        public void AKeylessCopyPastTheCapGivesTheSameIdentitiesOutcomesAndRows_AndACopyAgainSkipsEveryRow()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("in"));
            File.WriteAllText(dir.File("in/log.csv"), KeylessCsv());
            var wide = Copy(dir, "wide", cap: 1 << 20);
            var narrow = Copy(dir, "narrow", cap: 3);
            Assert.Equal(54, wide.Summary.Read);
            Assert.Equal(54, wide.Summary.Inserted);
            Assert.Equal(wide.Ledger, narrow.Ledger);
            Assert.Equal(wide.Rows, narrow.Rows);
            Assert.Equal(54, narrow.Rows.Count);
            // Eleven copies of one row: identities #1 to #11, each once.
            string login = Assert.Single(wide.Ledger, r => r.SourceKey.EndsWith("#11", StringComparison.Ordinal)).SourceKey;
            string hash = login.Substring(0, login.IndexOf('#', StringComparison.Ordinal));
            Assert.Equal(Enumerable.Range(1, 11).Select(i => hash + "#" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(k => k, StringComparer.Ordinal),
                wide.Ledger.Where(r => r.SourceKey.StartsWith(hash + "#", StringComparison.Ordinal)).Select(r => r.SourceKey));
            Assert.Equal(11, narrow.Rows.Count(r => r == "2024-01-01|ann|login"));

            // The same file again into the same target: the fingerprints (past the cap too) say every row is there.
            var again = Copy(dir, "narrow", cap: 3);
            Assert.Equal((0L, 54L), (again.Summary.Inserted, again.Summary.Skipped));
            Assert.Equal(wide.Rows, again.Rows);
        }

        [Fact]
        public void AKeylessCopyStoppedAndResumedPastTheCapEndsAsAnUninterruptedOne()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.File("in"));
            File.WriteAllText(dir.File("in/log.csv"), KeylessCsv());
            var whole = Copy(dir, "whole", cap: 1 << 20);
            Copy(dir, "resumed", cap: 3, stopAfter: 30);
            long landed = SqliteTestUtil.Count(dir.File("resumed.db"), "SELECT count(*) FROM log");
            Assert.InRange(landed, 8, 40);
            var resumed = Copy(dir, "resumed", cap: 3, resume: true);
            // The whole run's books and the target: every row once, under the identities an uninterrupted run gives.
            Assert.Equal((54L, 54L), (resumed.Summary.Read, resumed.Summary.Inserted));
            Assert.Equal(whole.Ledger, resumed.Ledger);
            Assert.Equal(whole.Rows, resumed.Rows);
        }
    }
}
