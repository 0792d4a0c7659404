using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>Where a resumed run's read of a source starts: after the row of <see cref="SourceEntity"/> whose key text is <see cref="SourceKey"/> (a keyset position).</summary>
    public readonly record struct ResumePoint(string SourceEntity, string SourceKey);

    /// <summary>
    /// What an import of a target entity knows from the ledger: the fingerprints of what the target holds (<see cref="Content"/>)
    /// and, for a resumed run, what the run already accounted for (<see cref="Landed"/>: target key hash → fingerprint;
    /// <see cref="Rejected"/>: source key hashes). The caller takes the indexes it keeps (<see cref="Take"/>) and disposes the rest.
    /// </summary>
    public sealed class LedgerIndexes : IDisposable
    {
        internal LedgerIndexes(HashIndex content, HashIndex? landed, HashIndex? rejected, bool afterPoint)
        {
            Content = content;
            Landed = landed;
            Rejected = rejected;
            AfterPoint = afterPoint;
        }

        /// <summary>Target key hash → fingerprint of what the ledger last recorded as landed in the target entity.</summary>
        public HashIndex? Content { get; private set; }
        /// <summary>A resumed run's landed records (target key hash → fingerprint); null for a new run.</summary>
        public HashIndex? Landed { get; private set; }
        /// <summary>A resumed run's rejected records (source key hashes); null for a new run.</summary>
        public HashIndex? Rejected { get; private set; }

        /// <summary>
        /// True when the indexes hold only what the run recorded after its resume point (the target entity holds nothing
        /// another run recorded): the rows before the point are not read again, so nothing asks for them.
        /// </summary>
        public bool AfterPoint { get; }

        /// <summary>Hands the three indexes to the caller (who disposes them); this object then holds none.</summary>
        public (HashIndex? Content, HashIndex? Landed, HashIndex? Rejected) Take()
        {
            var taken = (Content, Landed, Rejected);
            Content = Landed = Rejected = null;
            return taken;
        }

        /// <summary>Deletes the temporary files of the indexes not taken.</summary>
        public void Dispose()
        {
            Content?.Dispose();
            Landed?.Dispose();
            Rejected?.Dispose();
            Content = Landed = Rejected = null;
        }
    }

    public sealed partial class MigrationLedger
    {
        /// <summary>
        /// The indexes an import of <paramref name="entity"/> in <paramref name="target"/> needs, from one pass over the ledger's
        /// batches: the target's fingerprints (batches of live runs after the entity's last reset; later batches win, a deletion
        /// removes the key) and, when <paramref name="runId"/> is given (a resumed run), what that run accounted for in the entity.
        /// <para>
        /// With a <paramref name="resumePoint"/> (the resumed read of that source starts after the row with that key), when no
        /// other live run recorded anything in the target entity, the indexes hold only what the run recorded after the last
        /// entry of that row: a position is saved only once every row up to it is recorded and nothing waits, so every entry
        /// after that one is of a row past the position, and the rows up to it are not read again. The batches are read newest
        /// first, to that entry, so a run resumed at 90% reads its last few batches, not all of them (<see cref="LedgerIndexes.AfterPoint"/>).
        /// If the row is not found, or another run wrote the entity, the whole ledger is read.
        /// </para>
        /// Each index is a <see cref="HashIndex"/> of at most <paramref name="maxInMemory"/> entries in memory (null: the default),
        /// or one dictionary sized once when the entries the ledger recorded fit in <see cref="HashIndex.KnownSizeInMemory"/>.
        /// </summary>
        public LedgerIndexes Indexes(string target, string entity, string? runId = null, ResumePoint? resumePoint = null, int? maxInMemory = null)
        {
            long run = runId is null ? -1 : RunNumber(runId, required: false) ?? -1;
            long reset = ResetSeq(target, entity);
            if (run >= 0 && resumePoint is { } point && !OtherRunsWrote(target, entity, run, reset))
            {
                var after = AfterPoint(entity, run, reset, point, maxInMemory);
                if (after is not null) return after;
            }
            return WholeIndexes(target, entity, runId is null ? null : run, reset, maxInMemory);
        }

        /// <summary>
        /// At least how many records of <paramref name="entity"/> a run's landing left in the target: those it inserted less those
        /// it deleted (its counters, kept in the same transactions as its batches). A target holding fewer changed since.
        /// </summary>
        public long LandedAtLeast(string runId, string entity)
        {
            if (RunNumber(runId, required: false) is not long run) return 0;
            using var cmd = Command("SELECT COALESCE(SUM(inserted - deleted), 0) FROM counters WHERE run_no = @r AND " + _store.EqualsNoCase("entity", "@e"));
            Add(cmd, "@r", run);
            Add(cmd, "@e", entity);
            return Scalar(cmd) is { } n ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : 0;
        }

        /// <summary>The sequence number after which a target entity's batches count (its last reset), or 0.</summary>
        private long ResetSeq(string target, string entity)
        {
            using var cmd = Command("SELECT after_seq FROM content_reset WHERE target = @t AND entity = @e");
            Add(cmd, "@t", target);
            Add(cmd, "@e", entity);
            return Scalar(cmd) is { } n ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : 0;
        }

        /// <summary>The condition on b (batches) and r (runs) of the batches whose records the target holds (see <see cref="TargetBatches"/>).</summary>
        private const string LiveTargetBatch = "r.target = @t AND b.entity = @e AND r.status <> 'Undone' AND COALESCE(r.kind, 'Import') <> 'Undo' AND b.seq > @after";

        /// <summary>True when a live run other than <paramref name="run"/> recorded a batch of the target entity after its last reset.</summary>
        private bool OtherRunsWrote(string target, string entity, long run, long reset)
        {
            using var cmd = Command("SELECT 1 FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE " + LiveTargetBatch + " AND b.run_no <> @r LIMIT 1");
            Add(cmd, "@t", target);
            Add(cmd, "@e", entity);
            Add(cmd, "@after", reset);
            Add(cmd, "@r", run);
            return Scalar(cmd) is not null;
        }

        /// <summary>One pass over every batch either index needs, oldest first.</summary>
        private LedgerIndexes WholeIndexes(string target, string entity, long? run, long reset, int? maxInMemory)
        {
            string ofRun = "b.run_no = @r AND " + _store.EqualsNoCase("b.entity", "@e");
            string where = " FROM batches b JOIN runs r ON r.run_no = b.run_no WHERE (" + LiveTargetBatch + ") OR (" + ofRun + ")";
            void Parameters(System.Data.Common.DbCommand c)
            {
                Add(c, "@t", target);
                Add(c, "@e", entity);
                Add(c, "@after", reset);
                Add(c, "@r", run ?? -1);
            }
            long inContent = 0, inRun = 0;
            using (var size = Command("SELECT COALESCE(SUM(CASE WHEN " + LiveTargetBatch + " THEN b.records ELSE 0 END), 0), COALESCE(SUM(CASE WHEN " + ofRun + " THEN b.records ELSE 0 END), 0)" + where))
            {
                Parameters(size);
                using var r = size.ExecuteReader();
                if (r.Read()) { inContent = Long(r, 0); inRun = Long(r, 1); }
            }
            HashIndex? content = null, landed = null, rejected = null;
            try
            {
                content = HashIndex.ForAtMost(inContent, maxInMemory);
                if (run is not null)
                {
                    landed = HashIndex.ForAtMost(inRun, maxInMemory);
                    rejected = HashIndex.ForAtMost(inRun, maxInMemory);
                }
                var entries = new List<ScannedEntry>();
                using var cmd = Command("SELECT b.data, CASE WHEN " + LiveTargetBatch + " THEN 1 ELSE 0 END, CASE WHEN " + ofRun + " THEN 1 ELSE 0 END" + where + " ORDER BY b.seq");
                Parameters(cmd);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    // Keys are hashed from the blob's bytes: no string is made per record.
                    BatchCodec.Scan((byte[])reader.GetValue(0), entries);
                    if (Long(reader, 1) != 0) AddToContent(content, entries, 0);
                    if (landed is not null && Long(reader, 2) != 0) AddToRun(landed, rejected!, entries, 0);
                }
                // Read-only from here: one run on disk (if any) makes a lookup one small read.
                landed?.Compact();
                rejected?.Compact();
                return new LedgerIndexes(content, landed, rejected, afterPoint: false);
            }
            catch
            {
                content?.Dispose();
                landed?.Dispose();
                rejected?.Dispose();
                throw;
            }
        }

        /// <summary>
        /// The indexes of what the run recorded after the last entry of the resume point's row (see <see cref="Indexes"/>), or
        /// null when the run recorded no entry of that row in the entity.
        /// </summary>
        private LedgerIndexes? AfterPoint(string entity, long run, long reset, ResumePoint point, int? maxInMemory)
        {
            long keyHash = ContentHash.OfKey(point.SourceKey);
            // Newest first, down to the batch that holds the row: what lies after it is a few batches at most.
            var newer = new List<(byte[] Data, bool Content)>();
            int from = -1;
            // The batches' numbers first, newest first, from the index alone: an ORDER BY over the blobs themselves would sort
            // every batch the run recorded (a run resumed at 90% of 1M rows read 17 MB that way) to use the last few.
            var seqs = new List<(long Seq, bool Content)>();
            using (var cmd = Command("SELECT b.seq, CASE WHEN b.entity = @e AND b.seq > @after THEN 1 ELSE 0 END FROM batches b WHERE b.run_no = @r AND "
                + _store.EqualsNoCase("b.entity", "@e") + " ORDER BY b.seq DESC"))
            {
                Add(cmd, "@e", entity);
                Add(cmd, "@after", reset);
                Add(cmd, "@r", run);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) seqs.Add((Long(reader, 0), Long(reader, 1) != 0));
            }
            using (var cmd = Command("SELECT data FROM batches WHERE seq = @s"))
            {
                var seq = Add(cmd, "@s", 0L);
                long held = 0;
                foreach (var (s, isContent) in seqs)
                {
                    seq.Value = s;
                    if (Scalar(cmd) is not byte[] data) continue;
                    newer.Add((data, isContent));
                    from = BatchCodec.LastOf(data, point.SourceEntity, keyHash);
                    if (from >= 0) break;
                    // Not within what a few batches hold (the row lies further back than a saved position can): read it all once instead.
                    held += data.Length;
                    if (held > MaxHeldAfterPoint) return null;
                }
            }
            if (from < 0) return null;
            long bound = -(from + 1);
            var entries = new List<ScannedEntry>();
            foreach (var (data, _) in newer) bound += BatchCodec.EntryCount(data);
            HashIndex? content = null, landed = null, rejected = null;
            try
            {
                content = HashIndex.ForAtMost(bound, maxInMemory);
                landed = HashIndex.ForAtMost(bound, maxInMemory);
                rejected = HashIndex.ForAtMost(bound, maxInMemory);
                // Oldest first (later entries win); in the batch of the row, only the entries after it.
                for (int b = newer.Count - 1; b >= 0; b--)
                {
                    BatchCodec.Scan(newer[b].Data, entries);
                    int start = b == newer.Count - 1 ? from + 1 : 0;
                    if (newer[b].Content) AddToContent(content, entries, start);
                    AddToRun(landed, rejected, entries, start);
                }
                return new LedgerIndexes(content, landed, rejected, afterPoint: true);
            }
            catch
            {
                content?.Dispose();
                landed?.Dispose();
                rejected?.Dispose();
                throw;
            }
        }

        /// <summary>Bytes of batches held while looking for a resume point's row, at most (64 batches of 10,000 records hold about 26 MB).</summary>
        private const long MaxHeldAfterPoint = 32L << 20;

        private static void AddToContent(HashIndex index, List<ScannedEntry> entries, int start)
        {
            for (int i = start; i < entries.Count; i++)
            {
                var d = entries[i];
                if (d.TargetKeyHash is not long key) continue;
                if (d.ContentHash is long h && d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) index.Set(key, h);
                else if (d.Outcome == CrmOutcome.Deleted) index.Remove(key);
            }
        }

        private static void AddToRun(HashIndex landed, HashIndex rejected, List<ScannedEntry> entries, int start)
        {
            for (int i = start; i < entries.Count; i++)
            {
                var d = entries[i];
                bool ok = d.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped;
                if (ok && d.TargetKeyHash is long key) landed.Set(key, d.ContentHash ?? 0);
                else if (!ok) rejected.Set(d.SourceKeyHash, 0);
            }
        }
    }
}
