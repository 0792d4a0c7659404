using System;
using System.Collections.Generic;
using CrmMigration.Engine.Batches;
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
            var read = new BatchReadOptions { BatchSize = 1024 };
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
            }
            return count;
        }

        /// <summary>A row of a batch as a record, made once however many targets map it.</summary>
        private CrmRecord RecordOf(RowBatch batch, int row) => _rowRecords[row] ??= batch.ToRecord(row);
    }
}
