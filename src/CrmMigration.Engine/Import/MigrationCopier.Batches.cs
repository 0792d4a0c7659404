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
        private CrmRecord?[] _rowRecords = Array.Empty<CrmRecord?>();

        /// <summary>
        /// Copies a source that reads in batches (CSV) through the mapping batch to batch: the rows stay UTF-8 columns from the
        /// reader through the mapping (a field copied as it is shares the reader's column; nothing is parsed or copied for it),
        /// and a record is made for each mapped row only where it enters the import session. Rows the mapping rejects or
        /// filters, and rows mapped with value warnings, take the record path's own steps (their source record made once).
        /// Entity mappings that cannot map columns (unmapped fields kept, rows merged by key, no key) map each row as a record.
        /// Returns the rows read.
        /// </summary>
        private long CopyBatches(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping> mapped, CrmReadOptions readOptions,
            ICrmBatchSource batchSource, int every)
        {
            var ct = _options.Import.CancellationToken;
            var result = _mapResult ??= new BatchMapResult();
            var output = _mappedRows ??= new RowBatch(source, CrmFieldShape.Empty, 1024);
            string hash = _mapping!.Definition.Hash;
            long count = 0;
            // Read batches that divide the session's: when every row makes one record per target, a session batch is written
            // exactly as a read batch ends, so nothing is pending then and the read position can be saved without a forced write.
            var read = new BatchReadOptions { BatchSize = ReadBatchSize(_options.Import.BatchSize) };
            string? file = Seekable(source, targets, mapped, batchSource);
            if (file is not null && _session.Resumed) read.ResumeAt = SavedPosition(source, file);
            int sincePosition = 0, forceEvery = Math.Max(8, 8 * _options.Import.BatchSize / read.BatchSize);
            foreach (var batch in batchSource.ReadBatches(source, readOptions, read, e => Malformed(source, targets, e), ct))
            {
                int rows = batch.Count;
                if (_rowRecords.Length < rows) _rowRecords = new CrmRecord?[Math.Max(rows, 1024)];
                else Array.Clear(_rowRecords, 0, rows);
                foreach (var (index, target) in targets)
                {
                    if (!_mapping.CanMapBatch(batch, source, index))
                    {
                        for (int r = 0; r < rows; r++) MapInto(RecordOf(batch, r), index, mapped[index], target);
                        continue;
                    }
                    _mapping.MapBatch(batch, source, index, output, result);
                    output.MappingHash = hash;
                    var issues = result.Issues;
                    int next = 0;
                    for (int r = 0; r < output.Count; r++)
                    {
                        var issue = next < issues.Count && issues[next].Row == r ? issues[next++] : null;
                        if (issue is null)
                        {
                            Land(target, output.ToRecord(r));
                            continue;
                        }
                        _scratch.Clear();
                        _scratch.Errors.AddRange(issue.Errors);
                        _scratch.Warnings.AddRange(issue.Warnings);
                        if (_scratch.Warnings.Count > 0) ValueWarnings(issue.Source);
                        switch (issue.Status)
                        {
                            case MapStatus.Mapped:
                                Land(target, output.ToRecord(r));
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
                long before = count;
                count += rows;
                _total += rows;
                if (_results.Count > 0 || _session.Warnings.Count > 0) Drain();
                if (count / every != before / every) _options.OnProgress?.Invoke(new CopyProgress(source, count, _total, _clock.Elapsed.TotalSeconds));
                if (file is not null && rows > 0)
                {
                    // Saved after every read batch that leaves the session settled; at least every 8 session batches, flushing what is pending.
                    if (_session.Settled || ++sincePosition >= forceEvery)
                    {
                        sincePosition = 0;
                        SavePosition(source, file, batch.SourcePositionAt(rows - 1, inclusive: false));
                    }
                }
            }
            return count;
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
        /// The file of a source whose read position is saved as the copy goes, so a resumed run seeks past what it recorded: a
        /// ledger run (not -WhatIf, no dedupe holding records) whose every target keys its records by mapped fields and does not
        /// merge repeated rows (those need the rows before the position: a keyless row's identity counts the copies of its
        /// content, a merge compares with the first row of its key). Null when the position is not kept.
        /// </summary>
        private string? Seekable(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping> mapped, ICrmBatchSource batchSource)
        {
            if (_session.RunLedger is null || _session.RunId is null || _options.Import.WhatIf || _dedupers.Count > 0) return null;
            foreach (var (index, _) in targets)
            {
                if (mapped[index].Key.Count == 0 || mapped[index].OnRepeat == RepeatAction.Merge) return null;
            }
            return batchSource.FileOf(source);
        }

        /// <summary>Where the resumed run's read of a source starts: the position the run saved, when the file is still the one it read.</summary>
        private SourcePosition? SavedPosition(string source, string file)
        {
            if (_session.RunLedger!.SourcePositionOf(_session.RunId!, source) is not { } saved) return null;
            if (saved.Stamp != Stamp(file))
            {
                Warnings.Add($"{source}: the file changed since the run was interrupted, so it is read again from the start (what the run recorded is passed over by its fingerprints).");
                return null;
            }
            var p = saved.Position;
            Notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{source}: resumed after row {p.Ordinal:N0} (line {p.Line:N0}{(p.Offset >= 0 ? $", byte {p.Offset:N0}" : "")}); the rows before it were recorded by the run."));
            return p;
        }

        /// <summary>Writes what the session holds, and when nothing is left waiting, saves the read position in the ledger (never ahead of the books).</summary>
        private void SavePosition(string source, string file, SourcePosition position)
        {
            _session.Flush(_results);
            Drain();
            if (_session.Settled) _session.RunLedger!.SaveSourcePosition(_session.RunId!, source, position, Stamp(file));
        }

        private static SourceFileStamp Stamp(string file)
        {
            var info = new System.IO.FileInfo(file);
            return new SourceFileStamp(info.Length, info.LastWriteTimeUtc.Ticks);
        }

        /// <summary>A row of a batch as a record, made once however many targets map it.</summary>
        private CrmRecord RecordOf(RowBatch batch, int row) => _rowRecords[row] ??= batch.ToRecord(row);
    }
}
