using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// The way back: before a batch commits in a database target, the rows it inserts (absent before) and updates (their
    /// values before) are kept here, one compact row per batch (<see cref="RowImageCodec"/>); an undo run writes the earliest
    /// image of every row a run touched back, and the run is then Undone: its outcomes no longer count for what the target
    /// holds (fingerprints, explanations, merges) and the crosswalk entries it made are taken back.
    /// </summary>
    public sealed partial class MigrationLedger
    {
        /// <summary>Keeps a batch's before-images (in their own transaction, committed before the target commits the batch).</summary>
        public void RecordImages(string runId, string entity, int batch, RowImageBatch images, int? part = null)
        {
            if (images.Count == 0) return;
            long run = RunNumber(runId)!.Value;
            var blob = RowImageCodec.EncodeInPlace(images);
            using var tx = _store.Begin(exclusive: false);
            using (var cmd = Command("INSERT INTO images(run_no, entity, batch, part, records, recorded_at, data) VALUES (@r, @e, @b, @p, @n, @at, " + BlobValue + ")" + BlobReturning, tx))
            {
                Add(cmd, "@r", run);
                Add(cmd, "@e", entity);
                Add(cmd, "@b", (long)batch);
                AddLong(cmd, "@p", part);
                Add(cmd, "@n", (long)images.Count);
                Add(cmd, "@at", Now());
                AddBlob(cmd);
                PutBlob(cmd, cmd.Parameters["@d"], "images", blob);
            }
            RenewLease(tx);
            tx.Commit();
        }

        /// <summary>Whether a run kept before-images (runs of file targets, of -WhatIf or of earlier versions did not).</summary>
        public bool HasImages(string runId)
        {
            using var cmd = Command("SELECT COUNT(*) FROM images WHERE run_no = @r");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
        }

        /// <summary>A run's before-images batch by batch with their ledger sequence, oldest or newest first (decoded one at a time: memory stays flat).</summary>
        public IEnumerable<(long Seq, RowImageBatch Images)> Images(string runId, bool newestFirst = false)
        {
            using var cmd = Command("SELECT seq, entity, data FROM images WHERE run_no = @r ORDER BY seq" + (newestFirst ? " DESC" : ""));
            Add(cmd, "@r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) yield return (Long(reader, 0), RowImageCodec.Decode(reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        /// <summary>
        /// The ledger sequence numbers of a run's image batches, newest first: an undo reads them one at a time by
        /// <see cref="ImageBatch"/>, so no read stays open while it records (a heartbeat committed meanwhile would make the
        /// ledger refuse the write of a connection still reading an older snapshot).
        /// </summary>
        public List<long> ImageSeqsNewestFirst(string runId)
        {
            var list = new List<long>();
            using var cmd = Command("SELECT seq FROM images WHERE run_no = @r ORDER BY seq DESC");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(Long(reader, 0));
            return list;
        }

        /// <summary>One image batch by its sequence number.</summary>
        public RowImageBatch ImageBatch(long seq)
        {
            using var cmd = Command("SELECT entity, data FROM images WHERE seq = @s");
            Add(cmd, "@s", seq);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) throw new InvalidOperationException("No image batch " + seq.ToString(CultureInfo.InvariantCulture) + ".");
            return RowImageCodec.Decode(reader.GetString(0), (byte[])reader.GetValue(1));
        }

        /// <summary>Remembers that a run created a table (an undo of the run drops it again when it is left empty).</summary>
        public void RecordCreated(string runId, string entity)
        {
            using var cmd = Command("INSERT INTO created(run_no, entity) VALUES (@r, @e) ON CONFLICT(run_no, entity) DO NOTHING");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            Add(cmd, "@e", entity);
            cmd.ExecuteNonQuery();
        }

        /// <summary>The tables a run created.</summary>
        public List<string> CreatedTables(string runId)
        {
            var list = new List<string>();
            using var cmd = Command("SELECT entity FROM created WHERE run_no = @r ORDER BY entity");
            Add(cmd, "@r", RunNumber(runId)!.Value);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(reader.GetString(0));
            return list;
        }

        /// <summary>The run as a row: its target, status and kind (null when the ledger has no such run).</summary>
        public (string Target, string Status, string Kind, string? UndoneBy)? RunState(string runId)
        {
            using var cmd = Command("SELECT target, status, kind, undone_by FROM runs WHERE run_id = @r");
            Add(cmd, "@r", runId);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return null;
            return (Text(reader, 0) ?? "", reader.GetString(1), Text(reader, 2) ?? "Import", Text(reader, 3));
        }

        /// <summary>The runs after <paramref name="runId"/> on the same target that still count (not undone, not undo runs), oldest first.</summary>
        public List<string> LaterRuns(string runId)
        {
            var list = new List<string>();
            using var cmd = Command(@"SELECT r.run_id FROM runs r JOIN runs me ON me.run_id = @r
WHERE r.target = me.target AND r.run_no > me.run_no AND r.status <> 'Undone' AND COALESCE(r.kind, 'Import') <> 'Undo' ORDER BY r.run_no");
            Add(cmd, "@r", runId);
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(reader.GetString(0));
            return list;
        }

        /// <summary>The key hashes of the rows a run changed, per table (from its before-images).</summary>
        public Dictionary<string, HashSet<long>> ImageKeys(string runId)
        {
            var result = new Dictionary<string, HashSet<long>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (_, batch) in Images(runId))
            {
                if (!result.TryGetValue(batch.Entity, out var set)) result[batch.Entity] = set = new HashSet<long>();
                foreach (var row in batch.Rows) if (row.Key is not null) set.Add(ContentHash.OfKey(row.Key));
            }
            return result;
        }

        /// <summary>
        /// Starts the undo run of <paramref name="undoneRunId"/>, or continues the one that was stopped (an undo run of that run
        /// that did not complete). Takes the target's lease, so no import and no other undo works on the target meanwhile.
        /// </summary>
        public (string RunId, bool Resumed) StartUndo(LedgerRunInfo info, string undoneRunId)
        {
            string? open;
            using (var find = Command("SELECT run_id FROM runs WHERE kind = 'Undo' AND undoes = @u AND status <> 'Completed' ORDER BY run_no DESC LIMIT 1"))
            {
                Add(find, "@u", undoneRunId);
                open = Scalar(find) as string;
            }
            if (open is not null)
            {
                AcquireLease(info.Target, open);
                using var upd = Command("UPDATE runs SET status = 'Running', attempts = attempts + 1, finished_at = NULL WHERE run_id = @r");
                Add(upd, "@r", open);
                upd.ExecuteNonQuery();
                return (open, true);
            }
            string runId = NewRunId();
            AcquireLease(info.Target, runId);
            info.Kind = "Undo";
            info.Undoes = undoneRunId;
            InsertRun(runId, info, null);
            return (runId, false);
        }

        /// <summary>The keys an undo run already put back, per table (hashes), so a continued undo passes over them (a row that failed is tried again).</summary>
        public Dictionary<string, HashSet<long>> UndoneKeys(string undoRunId)
        {
            var result = new Dictionary<string, HashSet<long>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (entity, _, _, entries) in Batches(undoRunId, null))
            {
                if (!result.TryGetValue(entity, out var set)) result[entity] = set = new HashSet<long>();
                foreach (var e in entries) if (e.TargetKey is not null && e.Outcome != CrmOutcome.Rejected) set.Add(ContentHash.OfKey(e.TargetKey));
            }
            return result;
        }

        /// <summary>
        /// Ends an undo: the undone run becomes Undone (its outcomes stop counting for what the target holds), the crosswalk
        /// entries it made are taken back (an earlier run's entry for the same key, if any, comes back), and the undo run is
        /// Completed. One transaction.
        /// </summary>
        public void CompleteUndo(string undoRunId, string undoneRunId)
        {
            long undone = RunNumber(undoneRunId)!.Value;
            string target = RunState(undoneRunId)?.Target ?? "";
            // The crosswalk keys the undone run wrote, before they are deleted.
            var moved = new HashSet<(string SourceEntity, string SourceKey, string TargetEntity)>();
            using (var cmd = Command("SELECT source_entity, source_key, target_entity FROM crosswalk WHERE run_no = @r"))
            {
                Add(cmd, "@r", undone);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) moved.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
            using var tx = _store.Begin(exclusive: false);
            using (var mark = Command("UPDATE runs SET status = 'Undone', undone_by = @u WHERE run_no = @r", tx))
            {
                Add(mark, "@u", undoRunId);
                Add(mark, "@r", undone);
                mark.ExecuteNonQuery();
            }
            using (var del = Command("DELETE FROM crosswalk WHERE run_no = @r", tx))
            {
                Add(del, "@r", undone);
                del.ExecuteNonQuery();
            }
            if (moved.Count > 0) RestoreCrosswalk(target, moved, tx);
            using (var done = Command("UPDATE runs SET status = 'Completed', finished_at = @at WHERE run_id = @r", tx))
            {
                Add(done, "@at", Now());
                Add(done, "@r", undoRunId);
                done.ExecuteNonQuery();
            }
            tx.Commit();
            ReleaseLease();
        }

        /// <summary>The crosswalk entries earlier live runs of the target made for keys an undone run had overwritten (latest wins).</summary>
        private void RestoreCrosswalk(string target, HashSet<(string SourceEntity, string SourceKey, string TargetEntity)> keys, DbTransaction tx)
        {
            var entities = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in keys) entities.Add(k.TargetEntity);
            var found = new Dictionary<(string, string, string), (string TargetKey, long Run)>();
            foreach (var entity in entities)
            {
                using var cmd = Command("SELECT b.data, b.run_no FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE r.target = @t AND r.status <> 'Undone' AND COALESCE(r.kind, 'Import') <> 'Undo' AND b.entity = @e ORDER BY b.seq", tx);
                Add(cmd, "@t", target);
                Add(cmd, "@e", entity);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    long run = Long(reader, 1);
                    foreach (var e in BatchCodec.Decode((byte[])reader.GetValue(0)))
                    {
                        var id = (e.SourceEntity, e.SourceKey, entity);
                        if (!keys.Contains(id)) continue;
                        bool landed = e.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped or CrmOutcome.Merged;
                        if (landed && e.TargetKey is not null && !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal)) found[id] = (e.TargetKey, run);
                        else if (landed || e.Outcome == CrmOutcome.Deleted) found.Remove(id);
                    }
                }
            }
            foreach (var ((se, sk, te), (tk, run)) in found)
            {
                using var put = Command(@"INSERT INTO crosswalk(source_entity, source_key, target_entity, target_key, run_no) VALUES (@se, @sk, @te, @tk, @run)
ON CONFLICT(source_entity, source_key, target_entity) DO UPDATE SET target_key = excluded.target_key, run_no = excluded.run_no", tx);
                Add(put, "@se", se);
                Add(put, "@sk", sk);
                Add(put, "@te", te);
                Add(put, "@tk", tk);
                Add(put, "@run", run);
                put.ExecuteNonQuery();
            }
        }
    }
}
