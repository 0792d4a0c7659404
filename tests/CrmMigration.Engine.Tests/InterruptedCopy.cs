using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    /// <summary>What the resumed attempt of an interrupted copy did.</summary>
    internal sealed record ResumedCopy(long LandedBefore, long ReadAfter, IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings,
        CrmImportSummary Summary, bool Verified, string RunId, long LaneRowsBefore, long LaneRowsAfter);

    /// <summary>
    /// The crash-and-resume setup the resume tests share: a copy into an SQLite file stopped (Ctrl+C) once it has read
    /// <c>stopAt</c> rows, then resumed with -Resume (both with -ThrottleLimit <c>throttle</c>); the target's rows in between and the resumed copier's figures.
    /// </summary>
    internal static class InterruptedCopy
    {
        public static ResumedCopy Run(CrmConnection source, string db, string table, MigrationLedger ledger, long stopAt,
            Func<CompiledMapping?>? mapping = null, int batchSize = 100, Action? between = null, int throttle = 1)
        {
            long laneBefore;
            using (var cts = new CancellationTokenSource())
            {
                using var s = ProviderFactory.Open(source);
                using var target = ProviderFactory.Open(ProviderFactory.FromPath(db));
                using var copier = new MigrationCopier(s, target, new CopyOptions
                {
                    Mapping = mapping?.Invoke(),
                    ThrottleLimit = throttle,
                    ProgressInterval = 500,
                    OnProgress = p => { if (p.Records >= stopAt) cts.Cancel(); },
                    Import = new ImportOptions { BatchSize = batchSize, CreateIfMissing = true, Ledger = ledger, CancellationToken = cts.Token },
                });
                Assert.ThrowsAny<OperationCanceledException>(() => copier.Run());
                laneBefore = copier.LaneRows;
            }
            long landed = SqliteTestUtil.Count(db, "SELECT count(*) FROM \"" + table + "\"");
            between?.Invoke();
            using (var s = ProviderFactory.Open(source))
            using (var target = ProviderFactory.Open(ProviderFactory.FromPath(db)))
            using (var copier = new MigrationCopier(s, target, new CopyOptions
            {
                Mapping = mapping?.Invoke(),
                ThrottleLimit = throttle,
                Import = new ImportOptions { BatchSize = batchSize, CreateIfMissing = true, Ledger = ledger, Resume = true },
            }))
            {
                var summary = Assert.Single(copier.Run());
                Assert.True(copier.Resumed);
                return new ResumedCopy(landed, copier.RecordsRead, copier.Notes.ToList(), copier.Warnings.ToList(), summary,
                    ledger.Verify(copier.RunId!).Count == 0, copier.RunId!, laneBefore, copier.LaneRows);
            }
        }
    }
}
