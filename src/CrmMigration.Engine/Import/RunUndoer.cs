using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    /// <summary>Options of an undo.</summary>
    public sealed class UndoOptions
    {
        /// <summary>The run to undo.</summary>
        public string RunId { get; set; } = "";
        /// <summary>Undo the later runs that changed the same records first (newest first) instead of refusing.</summary>
        public bool Force { get; set; }
        /// <summary>Change nothing: the summaries count what would be deleted and restored, per entity.</summary>
        public bool WhatIf { get; set; }
        /// <summary>The parameters as the user gave them (never credentials), for the ledger.</summary>
        public string Parameters { get; set; } = "";
        /// <summary>The module version, for the ledger.</summary>
        public string ModuleVersion { get; set; } = "";
        /// <summary>Stops between batches.</summary>
        public CancellationToken CancellationToken { get; set; }
        /// <summary>Called after each batch of images is put back: the run being undone, the rows done so far.</summary>
        public Action<string, long>? Progress { get; set; }
    }

    /// <summary>A row an undo could not put back (the target refused it); the undo run stays unfinished.</summary>
    public sealed record UndoFailure(string RunId, string Entity, string? Key, string Message);

    /// <summary>
    /// Undoes runs of a database target from the before-images the ledger kept: every row a run inserted is deleted, every
    /// row it updated gets its earliest before-image back, newest batch first (so children go before their parents), and
    /// tables the run created are dropped when left empty. The undo is a run of its own with books (deleted, restored as
    /// Updated, written back as Inserted, already as before as Skipped, refused as Rejected), resumable: a continued undo
    /// passes over the rows it already put back. The undone run is then Undone in the ledger: its fingerprints and
    /// crosswalk entries no longer count for what the target holds. Later runs that changed the same rows make it refuse
    /// (UndoLaterRunsChanged), unless Force undoes them first.
    /// </summary>
    public static class RunUndoer
    {
        /// <summary>Undoes the run (and, with Force, the later runs in its way); returns the per-entity books of each undo run, the later runs' first.</summary>
        public static List<CrmImportSummary> Undo(MigrationLedger ledger, ICrmProvider target, UndoOptions options, List<UndoFailure> failures, List<string> warnings)
        {
            string runId = options.RunId;
            var state = ledger.RunState(runId) ?? throw new CrmException("UndoRunNotFound", CrmErrorKind.NotFound,
                $"The ledger {ledger.Path} has no run '{runId}'. Get-CrmMigrationRun -StatePath {ledger.Path} lists its runs.");
            string display = target.Connection.DisplayName;
            if (string.Equals(state.Kind, "Undo", StringComparison.Ordinal))
            {
                throw new CrmException("UndoOfUndoRun", CrmErrorKind.InvalidArgument,
                    $"Run {runId} is itself an undo; to bring the records it took back, run the import again.");
            }
            if (!string.Equals(state.Target, display, StringComparison.Ordinal))
            {
                throw new CrmException("UndoTargetMismatch", CrmErrorKind.InvalidArgument,
                    $"Run {runId} wrote to {state.Target}, not to {display}. Give -Connection the target the run wrote to.");
            }
            if (target is not ICrmRowEditor)
            {
                throw new CrmException("UndoNotSupported", CrmErrorKind.InvalidArgument,
                    $"{display} is a file target, written whole by each run; there is nothing to undo row by row. Keep or delete the files themselves.");
            }
            if (string.Equals(state.Status, "Undone", StringComparison.Ordinal))
            {
                warnings.Add($"Run {runId} was already undone (by {state.UndoneBy}); nothing to do.");
                return new List<CrmImportSummary>();
            }

            // The later runs that changed the same rows (and the runs that changed theirs), oldest first.
            var chain = LaterRunsInTheWay(ledger, runId);
            if (chain.Count > 0 && !options.Force)
            {
                throw new CrmException("UndoLaterRunsChanged", CrmErrorKind.InvalidArgument,
                    $"Later runs changed records that run {runId} wrote: {string.Join(", ", chain)}. Nothing was undone. Undo them first, or give -Force to undo them (newest first) and then {runId}.");
            }
            var order = new List<string>();
            for (int i = chain.Count - 1; i >= 0; i--) order.Add(chain[i]);
            order.Add(runId);
            foreach (var run in order) RequireImages(ledger, run);

            var summaries = new List<CrmImportSummary>();
            foreach (var run in order)
            {
                options.CancellationToken.ThrowIfCancellationRequested();
                summaries.AddRange(options.WhatIf ? Plan(ledger, run, display) : UndoOne(ledger, (ICrmRowEditor)target, run, display, options, failures));
                if (failures.Count > 0) break; // a run that could not be undone wholly stops the ones before it
            }
            return summaries;
        }

        /// <summary>Later live runs of the target whose before-images share rows with the run's (or with another run in the way), oldest first.</summary>
        private static List<string> LaterRunsInTheWay(MigrationLedger ledger, string runId)
        {
            var result = new List<string>();
            var later = ledger.LaterRuns(runId);
            if (later.Count == 0) return result;
            var touched = ledger.ImageKeys(runId);
            foreach (var run in later)
            {
                var keys = ledger.ImageKeys(run);
                bool overlaps = false;
                foreach (var (entity, set) in keys)
                {
                    if (touched.TryGetValue(entity, out var mine) && mine.Overlaps(set)) { overlaps = true; break; }
                }
                if (!overlaps) continue;
                result.Add(run);
                foreach (var (entity, set) in keys)
                {
                    if (touched.TryGetValue(entity, out var mine)) mine.UnionWith(set);
                    else touched[entity] = set;
                }
            }
            return result;
        }

        /// <summary>A run that changed rows but kept no before-images (a run of an earlier version) cannot be undone.</summary>
        private static void RequireImages(MigrationLedger ledger, string runId)
        {
            if (ledger.HasImages(runId)) return;
            long changed = 0;
            foreach (var s in ledger.Counters(runId, "")) changed += s.Inserted + s.Updated;
            if (changed == 0) return;
            throw new CrmException("UndoNoBeforeImages", CrmErrorKind.InvalidArgument,
                $"Run {runId} changed {changed.ToString("N0", CultureInfo.InvariantCulture)} records but the ledger kept no before-images for it (it ran before this version kept them), so it cannot be undone. Restore the target from a backup instead.");
        }

        /// <summary>
        /// Per entity and key, the sequence of the run's earliest image of the row: that image is the row before the run.
        /// Rows without a key are each their own (every image is applied).
        /// </summary>
        private static Dictionary<string, Dictionary<long, long>> Earliest(MigrationLedger ledger, string runId)
        {
            var first = new Dictionary<string, Dictionary<long, long>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (seq, batch) in ledger.Images(runId))
            {
                if (!first.TryGetValue(batch.Entity, out var map)) first[batch.Entity] = map = new Dictionary<long, long>();
                foreach (var row in batch.Rows) if (row.Key is not null) map.TryAdd(ContentHash.OfKey(row.Key), seq);
            }
            return first;
        }

        private static bool Applies(Dictionary<string, Dictionary<long, long>> first, string entity, long seq, RowImage row) =>
            row.Key is null || (first.TryGetValue(entity, out var map) && map.TryGetValue(ContentHash.OfKey(row.Key), out long s) && s == seq);

        private static string IdentityOf(RowImage row, long seq, int index) =>
            row.Key ?? "\u2205image:" + seq.ToString(CultureInfo.InvariantCulture) + "#" + index.ToString(CultureInfo.InvariantCulture);

        /// <summary>-WhatIf: what an undo of the run would delete and restore, per entity, without touching the target.</summary>
        private static List<CrmImportSummary> Plan(MigrationLedger ledger, string runId, string display)
        {
            var first = Earliest(ledger, runId);
            var byEntity = new Dictionary<string, CrmImportSummary>(StringComparer.OrdinalIgnoreCase);
            foreach (var (seq, batch) in ledger.Images(runId))
            {
                if (!byEntity.TryGetValue(batch.Entity, out var s)) byEntity[batch.Entity] = s = new CrmImportSummary(batch.Entity, display) { WhatIf = true, RunId = runId };
                foreach (var row in batch.Rows)
                {
                    if (!Applies(first, batch.Entity, seq, row)) continue;
                    s.Read++;
                    if (row.Existed) s.Updated++;
                    else s.Deleted++;
                }
            }
            return new List<CrmImportSummary>(byEntity.Values);
        }

        private static List<CrmImportSummary> UndoOne(MigrationLedger ledger, ICrmRowEditor editor, string runId, string display, UndoOptions options, List<UndoFailure> failures)
        {
            var clock = Stopwatch.StartNew();
            var (undoRunId, resumed) = ledger.StartUndo(new LedgerRunInfo
            {
                Target = display,
                ModuleVersion = options.ModuleVersion,
                Parameters = options.Parameters,
            }, runId);
            var done = resumed ? ledger.UndoneKeys(undoRunId) : new Dictionary<string, HashSet<long>>(StringComparer.OrdinalIgnoreCase);
            var first = Earliest(ledger, runId);
            long rows = 0;
            int batches = 0;
            try
            {
                // Newest batch first: a child inserted after its parent is deleted before it.
                foreach (long seq in ledger.ImageSeqsNewestFirst(runId))
                {
                    var batch = ledger.ImageBatch(seq);
                    options.CancellationToken.ThrowIfCancellationRequested();
                    done.TryGetValue(batch.Entity, out var already);
                    var todo = new RowImageBatch(batch.Entity, batch.Columns, batch.KeyColumns);
                    var ids = new List<string>();
                    for (int i = 0; i < batch.Rows.Count; i++)
                    {
                        var row = batch.Rows[i];
                        if (!Applies(first, batch.Entity, seq, row)) continue;
                        string id = IdentityOf(row, seq, i);
                        if (already is not null && already.Contains(ContentHash.OfKey(id))) continue;
                        todo.Rows.Add(row);
                        ids.Add(id);
                    }
                    if (todo.Rows.Count == 0) continue;
                    var outcomes = editor.Restore(todo);
                    Util.FaultPoints.Hit("undo-target", ++batches);
                    var entries = new List<LedgerEntry>(outcomes.Count);
                    for (int i = 0; i < outcomes.Count; i++)
                    {
                        var (what, message) = outcomes[i];
                        var outcome = new CrmRecordOutcome(batch.Entity, ids[i], what switch
                        {
                            RowUndo.Deleted => CrmOutcome.Deleted,
                            RowUndo.Restored => CrmOutcome.Updated,
                            RowUndo.Reinserted => CrmOutcome.Inserted,
                            RowUndo.AlreadyAsBefore => CrmOutcome.Skipped,
                            _ => CrmOutcome.Rejected,
                        });
                        if (what == RowUndo.Failed)
                        {
                            outcome.ReasonCode = "UndoRowRefused";
                            outcome.Message = message;
                            failures.Add(new UndoFailure(runId, batch.Entity, todo.Rows[i].Key, message ?? "The target refused the row."));
                        }
                        else if (what == RowUndo.AlreadyAsBefore)
                        {
                            outcome.ReasonCode = "AlreadyAsBefore";
                        }
                        entries.Add(new LedgerEntry(batch.Entity, ids[i], ids[i], outcome, null));
                    }
                    ledger.RecordBatch(undoRunId, batch.Entity, (int)Math.Min(seq, int.MaxValue), entries);
                    Util.FaultPoints.Hit("undo-ledger", batches);
                    rows += outcomes.Count;
                    options.Progress?.Invoke(runId, rows);
                }
                if (failures.Count == 0)
                {
                    DropCreated(ledger, editor, runId);
                    var problems = ledger.Verify(undoRunId);
                    if (problems.Count > 0)
                    {
                        throw new CrmException("LedgerAccountingMismatch", CrmErrorKind.WriteError,
                            $"The books of undo run {undoRunId} do not balance: {string.Join(" ", problems)} The ledger is {ledger.Path}.");
                    }
                    ledger.CompleteUndo(undoRunId, runId);
                }
                else
                {
                    ledger.FinishRun(undoRunId, success: false);
                }
            }
            catch
            {
                ledger.FinishRun(undoRunId, success: false);
                throw;
            }
            var summaries = ledger.Counters(undoRunId, display);
            foreach (var s in summaries)
            {
                s.RunId = undoRunId;
                s.Elapsed = clock.Elapsed;
            }
            return summaries;
        }

        /// <summary>Drops the tables the run created, when they are empty again; a table others still reference waits for a later pass.</summary>
        private static void DropCreated(MigrationLedger ledger, ICrmRowEditor editor, string runId)
        {
            var left = ledger.CreatedTables(runId);
            for (int pass = 0; pass <= left.Count && left.Count > 0; pass++)
            {
                var next = new List<string>();
                foreach (var table in left)
                {
                    try { editor.DropIfEmpty(table); }
                    catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.WriteError) { next.Add(table); }
                }
                if (next.Count == left.Count) break;
                left = next;
            }
        }
    }
}
