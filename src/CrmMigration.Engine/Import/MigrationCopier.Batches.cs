using System;
using System.Collections.Generic;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    public sealed partial class MigrationCopier
    {
        private BatchMapResult? _mapResult;
        private RowBatch? _mappedRows;

        /// <summary>Rows the import session's batch lane took (for the tests).</summary>
        internal long LaneRows => _session.LaneRows;

        /// <summary>Session batches written on another thread while the next was read (the tests).</summary>
        internal long OverlappedBatches => _session.OverlappedBatches;
        private CrmRecord?[] _rowRecords = Array.Empty<CrmRecord?>();

        /// <summary>
        /// Copies a source that reads in batches (CSV, a database table) through the mapping batch to batch, or, with no mapped
        /// entities (a table copied without a mapping), hands each read batch to the session as it is. The rows stay columns from the
        /// reader through the mapping (a field copied as it is shares the reader's column; nothing is parsed or copied for it),
        /// and a record is made for a mapped row only where the import session needs one (see <see cref="MappedRows"/>). Rows the
        /// mapping rejects or filters take the record path's own steps (their source record made once) between the rows that land.
        /// Entity mappings that cannot map columns (unmapped fields kept, rows merged by key, no key) map each row as a record.
        /// Returns the rows read.
        /// </summary>
        private long CopyBatches(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped, CrmReadOptions readOptions,
            ICrmBatchSource batchSource, int every)
        {
            var ct = _options.Import.CancellationToken;
            var lane = _lanes?.Take(source);
            BatchReadOptions read;
            BatchPositions? positions;
            IEnumerable<RowBatch> batches;
            if (lane is not null)
            {
                // Read ahead on the lane's thread, with what the read said when it started told now, where the entity's copy starts.
                var started = _laneReads[source];
                (read, positions) = (started.Read, started.Positions);
                Notes.AddRange(started.Notes);
                Warnings.AddRange(started.Warnings);
                batches = lane.Take(ct);
            }
            else
            {
                (read, positions) = BatchRead(source, targets, mapped, batchSource);
                batches = BatchesOf(source, batchSource, readOptions, read, e => Malformed(source, targets, e));
            }
            try
            {
                long count = CopyBatches(source, targets, mapped, batches, read, positions, every);
                EndPositions(source, positions);
                if (ChangedUnderItsPosition(source))
                {
                    // The rows after the position are in; now every row from the first, as a check before the read would have had it.
                    var again = new BatchReadOptions { BatchSize = read.BatchSize };
                    positions = BatchPositions.Keyset();
                    count = CopyBatches(source, targets, mapped, BatchesOf(source, batchSource, readOptions, again, e => Malformed(source, targets, e)), again, positions, every);
                    EndPositions(source, positions);
                }
                return count;
            }
            finally
            {
                LeaveResumeCheck(source);
                if (lane is not null) EndLane(source);
            }
        }

        /// <summary>
        /// How a source is read in batches: read batches that divide the session's (when every row makes one record per target,
        /// a session batch is written exactly as a read batch ends, so nothing is pending then and the read position can be saved
        /// without a forced write), from the saved position of a resumed run; how its position is kept (a file's offset, a
        /// table's keyset position; see <see cref="CopiesInBatches"/>), or null when it is not.
        /// </summary>
        private (BatchReadOptions Read, BatchPositions? Positions) BatchRead(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped, ICrmBatchSource batchSource)
        {
            var read = new BatchReadOptions { BatchSize = ReadBatchSize(_options.Import.BatchSize) };
            if (DatabaseSource)
            {
                if (ResumableSource(source, targets, mapped) is not { } table) return (read, null);
                // A partitioned run's slices check their positions before they read (the workers share the run's ledger).
                read.ResumeAt = Slice is null && table is Providers.Db.DbProvider db ? ResumedAtCheckedAside(source, db) : ResumedAt(source, table);
                return (read, BatchPositions.Keyset());
            }
            string? file = KeepsPositions(targets, mapped, _sourceSchemas.GetValueOrDefault(source)) ? batchSource.FileOf(source) : null;
            if (file is not null && _session.Resumed) read.ResumeAt = SavedPosition(source, FileStamp(file), (_, _) => "the file changed since the run was interrupted");
            return (read, file is null ? null : BatchPositions.InFile(file));
        }

        private long CopyBatches(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped, IEnumerable<RowBatch> batches,
            BatchReadOptions read, BatchPositions? positions, int every)
        {
            var result = _mapResult ??= new BatchMapResult();
            var output = _mappedRows ??= new RowBatch(source, CrmFieldShape.Empty, 1024);
            string? hash = mapped is null ? null : _mapping!.Definition.Hash;
            long count = 0;
            int sincePosition = 0, forceEvery = ForcedSaveEvery(read);
            var slice = Slice;
            foreach (var readBatch in batches)
            {
                // A batch read ahead brings the reader's problems with it: told here, before its rows, as the reader tells them.
                if (readBatch.Problems is { } problems) foreach (var e in problems) Malformed(source, targets, e);
                if (readBatch.Count == 0) continue;
                // A partitioned run maps only its slice's rows (the others are read and passed over, as the record path does).
                var batch = slice is null ? readBatch : SliceOf(readBatch, slice);
                int rows = batch.Count;
                if (mapped is null)
                {
                    // A table copied without a mapping: its read batch is what lands (its one target).
                    MappedRows(targets[0].Target, batch, Array.Empty<BatchMapResult.Issue>());
                }
                else
                {
                    if (_rowRecords.Length < rows) _rowRecords = new CrmRecord?[Math.Max(rows, 1024)];
                    else Array.Clear(_rowRecords, 0, rows);
                    foreach (var (index, target) in targets)
                    {
                        if (!_mapping!.CanMapBatch(batch, source, index))
                        {
                            for (int r = 0; r < rows; r++) MapInto(RecordOf(batch, r), index, mapped[index], target);
                            continue;
                        }
                        _mapping!.MapBatch(batch, source, index, output, result);
                        output.MappingHash = hash;
                        MappedRows(target, output, result.Issues);
                    }
                }
                long before = count;
                count += rows;
                _total += rows;
                if (_results.Count > 0 || _session.Warnings.Count > 0) Drain();
                if (count / every != before / every) _options.OnProgress?.Invoke(new CopyProgress(source, count, _total, _clock.Elapsed.TotalSeconds));
                // Saved after every read batch that leaves the session settled; at least every 8 session batches, flushing what is pending
                // (a partition's session is rarely settled at the end of a read batch: its batches fill with one read row in n).
                KeepPosition(source, positions, readBatch, ref sincePosition, forceEvery);
            }
            return count;
        }

        /// <summary>
        /// Hands a mapped batch to the session in row order. The batch lane (every row lands and no one asks for each outcome):
        /// runs of rows that land, rows mapped with value warnings among them (their warnings told as each is met), enter the
        /// session as rows, and each row the mapping rejected or filtered goes its own way between them (reported, decided), so
        /// one bad row no longer sends its whole read batch the record way. Where the session says no (the entity's state wants
        /// records), or off the lane, each row makes its record.
        /// </summary>
        private void MappedRows(string target, RowBatch output, IReadOnlyList<BatchMapResult.Issue> issues)
        {
            bool lane = !_reporter.WantsOutcomes && _seen is null && !_dedupers.ContainsKey(target);
            int from = 0;
            for (int next = 0; ; next++)
            {
                var issue = next < issues.Count ? issues[next] : null;
                if (lane && issue is { Status: MapStatus.Mapped })
                {
                    Told(issue);
                    continue;
                }
                int end = issue?.Row ?? output.Count;
                if (end > from && !(lane && LaneTakes(output, from, end)))
                {
                    for (int r = from; r < end; r++) Land(target, output.ToRecord(r));
                }
                if (issue is null) return;
                from = end + 1;
                Told(issue);
                switch (issue.Status)
                {
                    case MapStatus.Mapped:
                        Land(target, output.ToRecord(end));
                        break;
                    case MapStatus.Rejected:
                        MappingRejected(target, issue.Source);
                        break;
                    default:
                        Decide(target, issue.Source, new CrmRecordOutcome(target, issue.Source.Key?.ToString(), CrmOutcome.Filtered)
                        {
                            ReasonCode = issue.FilterReason,
                            Message = issue.FilterMessage,
                            Field = issue.FilterField,
                            Value = issue.FilterValue,
                            Origin = issue.Source.Origin,
                        });
                        break;
                }
            }
        }

        /// <summary>The session takes rows <paramref name="from"/> to <paramref name="end"/> on the lane; an entity's first rows open its target first, as its first record would.</summary>
        private bool LaneTakes(RowBatch output, int from, int end) =>
            _session.AddBatch(output, from, end, _results) || _session.OpenForRows(output, from, _results) && _session.AddBatch(output, from, end, _results);

        /// <summary>A mapped row's errors and warnings in the scratch (what MappingRejected reports), its warnings told.</summary>
        private void Told(BatchMapResult.Issue issue)
        {
            _scratch.Clear();
            _scratch.Errors.AddRange(issue.Errors);
            _scratch.Warnings.AddRange(issue.Warnings);
            if (_scratch.Warnings.Count > 0) ValueWarnings(issue.Source);
        }

        /// <summary>Rows per read batch: the largest divisor of the session's batch size up to 2,048 rows (1,024 when none is at least 256).</summary>
        private static int ReadBatchSize(int sessionBatch)
        {
            if (sessionBatch <= 2048) return sessionBatch;
            for (int k = (sessionBatch + 2047) / 2048; sessionBatch / k >= 256; k++)
            {
                if (sessionBatch % k == 0) return sessionBatch / k;
            }
            return 1024;
        }

        /// <summary>
        /// The rows of a read batch that fall in this partition's slice, by the hash of their key's text (or of their content
        /// when they have none): the same hashes <see cref="PartitionSlice.Holds(CrmRecord)"/> takes of the records the rows make.
        /// </summary>
        private RowBatch SliceOf(RowBatch read, PartitionSlice slice)
        {
            var part = _sliceRows ??= new RowBatch(read.Entity, read.Shape, read.Capacity);
            part.ResetLike(read);
            for (int r = 0; r < read.Count; r++)
            {
                _sliceKey.Clear();
                long hash = read.AppendKey(r, ref _sliceKey) ? (long)System.IO.Hashing.XxHash3.HashToUInt64(_sliceKey.Written) : read.Fingerprint(r, ref _sliceKey);
                if (slice.Holds(hash)) part.CopyRow(read, r);
            }
            return part;
        }

        private RowBatch? _sliceRows;
        private Utf8Buffer _sliceKey = new(64);

        /// <summary>A row of a batch as a record, made once however many targets map it.</summary>
        private CrmRecord RecordOf(RowBatch batch, int row) => _rowRecords[row] ??= batch.ToRecord(row);
    }
}
