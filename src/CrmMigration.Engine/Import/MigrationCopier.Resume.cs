using System;
using System.Collections.Generic;
using System.Globalization;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Fast resume: the copier saves how far it has read each source entity in the ledger (after the batches before it are
    /// recorded, never ahead of the books), and a resumed run starts its read there. A CSV file seeks to the byte offset (or
    /// passes over earlier rows without making cells); a database table read in key order starts its query after the last key
    /// (keyset); a sheet passes over its earlier rows without making records. Where the source changed under the position
    /// (as far as it can be told) the read starts from the beginning with a warning, and what the run recorded is passed over
    /// by its fingerprints, as before.
    /// </summary>
    public sealed partial class MigrationCopier
    {
        /// <summary>
        /// Whether the read position of a source is kept: a ledger run (not -WhatIf, no dedupe holding records, not a delta
        /// run) whose every target keys its records by mapped fields (without a mapping: the source's own key) and does not
        /// merge repeated rows. Those need the rows before the position: a keyless row's identity counts the copies of its
        /// content, a merge compares with the first row of its key. A file target is never resumed (it is written whole at the
        /// end): a position saved for it would be a ledger write per batch that nothing reads.
        /// </summary>
        private bool KeepsPositions(List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped, CrmEntitySchema? sourceSchema = null)
        {
            if (_session.RunLedger is null || _session.RunId is null || _options.Import.WhatIf || _dedupers.Count > 0 || _options.Incremental) return false;
            if (!_session.ResumableTarget) return false;
            if (_mapping is null || mapped is null || mapped.Count == 0) return sourceSchema is { Key.Count: > 0 };
            foreach (var (index, _) in targets)
            {
                if (mapped[index].Key.Count == 0 || mapped[index].OnRepeat == RepeatAction.Merge) return false;
            }
            return true;
        }

        /// <summary>The name a source's position is saved under: the source entity, and the partition of a partitioned run (workers share the run).</summary>
        private string PositionName(string source) => Slice is { } slice ? source + " (partition " + slice + ")" : source;

        /// <summary>
        /// Where the resumed run's read of a source starts: the position the run saved, when the source is still as it was under
        /// it (<paramref name="changed"/> says what changed, or null). Null reads from the start.
        /// </summary>
        private SourcePosition? SavedPosition(string source, SourceFileStamp? now, Func<SourcePosition, SourceFileStamp, string?> changed)
        {
            if (_session.RunLedger!.SourcePositionOf(_session.RunId!, PositionName(source)) is not { } saved) return null;
            if (!TargetHoldsWhatTheRunWrote(source)) return null;
            string? why = now is { } stamp && stamp == saved.Stamp ? null : changed(saved.Position, saved.Stamp);
            if (why is not null)
            {
                Warnings.Add($"{source}: {why}, so it is read again from the start (what the run recorded is passed over by its fingerprints).");
                return null;
            }
            var p = saved.Position;
            string where = p.Offset >= 0 ? string.Create(CultureInfo.InvariantCulture, $"line {p.Line:N0}, byte {p.Offset:N0}")
                : p.KeyParts is not null ? "key " + p.Key
                : string.Create(CultureInfo.InvariantCulture, $"sheet row {p.Line:N0}");
            Notes.Add(string.Create(CultureInfo.InvariantCulture, $"{source}: resumed after row {p.Ordinal:N0} ({where}); the rows before it were recorded by the run."));
            return p;
        }

        private string? _targetLacks;
        private bool _targetChecked;

        /// <summary>
        /// False (with a warning) when the target lacks records the resumed run wrote: the source is then read from its start,
        /// so what the target holds is passed over by its fingerprints and what it lost is written again.
        /// </summary>
        private bool TargetHoldsWhatTheRunWrote(string source)
        {
            if (!_targetChecked)
            {
                _targetChecked = true;
                _targetLacks = _session.TargetLacksWhatTheRunWrote();
            }
            if (_targetLacks is null) return true;
            Warnings.Add($"{source}: {_targetLacks}, so it is read again from the start (what the target holds is passed over by its fingerprints, what it lacks is written again).");
            return false;
        }

        /// <summary>Writes what the session holds, and when nothing is left waiting, saves the read position in the ledger (never ahead of the books).</summary>
        private void SavePosition(string source, SourcePosition position, SourceFileStamp stamp)
        {
            _session.Flush(_results);
            Drain();
            if (_session.Settled) _session.RunLedger!.SaveSourcePosition(_session.RunId!, PositionName(source), position, stamp);
        }

        private static SourceFileStamp FileStamp(string file)
        {
            var info = new System.IO.FileInfo(file);
            return new SourceFileStamp(info.Length, info.LastWriteTimeUtc.Ticks);
        }

        /// <summary>
        /// The source of a record-by-record copy when its read position is kept (a database table with an integer or text
        /// primary key, a sheet), or null. -Filter is not combined with a position: the rows a database filter passes over are
        /// not among those a position counts.
        /// </summary>
        private ICrmResumableSource? ResumableSource(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped)
        {
            if (_source is not ICrmResumableSource resumable || _options.Filters.Count > 0) return null;
            _sourceSchemas.TryGetValue(source, out var schema);
            if (!KeepsPositions(targets, mapped, schema)) return null;
            return resumable.CanResume(source) ? resumable : null;
        }

        /// <summary>
        /// Keeps a record-by-record read's position as it goes: saved every session batch when settled, at least every 8.
        /// With a resumable source (a table in key order, a sheet) the source makes the position; otherwise the position is
        /// the row's ordinal with the content hash of the row at it (<see cref="CountedStamp"/>), and a resumed read passes
        /// over the rows before it without mapping them.
        /// </summary>
        private sealed class RecordPositions
        {
            public RecordPositions(ICrmResumableSource? source, long ordinal, int every)
            {
                Source = source;
                Ordinal = ordinal;
                Every = every;
            }

            public ICrmResumableSource? Source { get; }
            public long Ordinal { get; set; }
            public int Every { get; }
            public int SinceSaved { get; set; }
            public CrmRecord? Last { get; set; }
        }

        /// <summary>The stamp length of a counted position: the stamp's other half is the content hash of the row at the position.</summary>
        private const long CountedStamp = -2;

        /// <summary>Starts the kept position of a record-by-record read: the saved one when resumed (and the source did not change under it).</summary>
        private (RecordPositions Positions, SourcePosition? From) StartPositions(string source, ICrmResumableSource resumable)
        {
            var from = ResumedAt(source, resumable);
            return (new RecordPositions(resumable, from is null ? 0 : from.FirstOrdinal - 1, SaveEvery), from);
        }

        /// <summary>Where a resumed read of a resumable source (a table in key order, a sheet) starts: the saved position when the source did not change under it, or null.</summary>
        private SourcePosition? ResumedAt(string source, ICrmResumableSource resumable)
        {
            SourcePosition? from = _session.Resumed ? SavedPosition(source, null, (p, s) => resumable.Changed(source, p, s)) : null;
            // The rows up to a keyset position are not read again: the session's indexes need only what the run recorded after it.
            if (from is { KeyParts: not null, Key: string key }) _session.ResumingAfter(source, key);
            return from;
        }

        /// <summary>Checks of resumed tables still running beside their reads (<see cref="ResumedAtCheckedAside"/>), by source entity, with the note the start made.</summary>
        private readonly Dictionary<string, (System.Threading.Tasks.Task<string?> Verdict, string Note)> _resumeChecks = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Where the resumed read of a database table starts, as <see cref="ResumedAt"/>, but with the check that the table did not
        /// change under the saved position (the row at its key, a count of the rows up to it: a scan of the table's first 90%,
        /// a quarter of a second at 1M rows, before anything new was written) running on its own connection beside the read.
        /// The rows after the position are new whatever it finds; when it finds the table changed, the table is read again from
        /// its start once they are copied (<see cref="ChangedUnderItsPosition"/>), as a check before the read would have had it.
        /// </summary>
        private SourcePosition? ResumedAtCheckedAside(string source, Providers.Db.DbProvider table)
        {
            if (!_session.Resumed) return null;
            System.Threading.Tasks.Task<string?>? check = null;
            var from = SavedPosition(source, null, (p, s) =>
            {
                check = System.Threading.Tasks.Task.Run(table.ChangedCheck(source, p, s));
                return null;
            });
            if (from is null || check is null) return from;
            if (from is { KeyParts: not null, Key: string key }) _session.ResumingAfter(source, key);
            _resumeChecks[source] = (check, Notes[^1]);
            return from;
        }

        /// <summary>
        /// The end of a read that started beside its check (<see cref="ResumedAtCheckedAside"/>): waits for the check. True when
        /// the table changed under the position: it says so (the note that the read resumed is taken back), the indexes built
        /// after the position are dropped, and the caller reads the table again from the start (what the run recorded, before
        /// the stop and just now, is passed over by its fingerprints).
        /// </summary>
        private bool ChangedUnderItsPosition(string source)
        {
            if (!_resumeChecks.Remove(source, out var check)) return false;
            string? why = check.Verdict.GetAwaiter().GetResult();
            if (why is null) return false;
            Notes.Remove(check.Note);
            Warnings.Add($"{source}: {why}, so it is read again from the start once the rows after the position are copied (what the run recorded is passed over by its fingerprints).");
            _session.ForgetResumePoint(source);
            return true;
        }

        /// <summary>A read that stopped (failed, Ctrl+C) before its check answered: the check is left to end on its own, its failure observed.</summary>
        private void LeaveResumeCheck(string source)
        {
            if (!_resumeChecks.Remove(source, out var check)) return;
            _ = check.Verdict.ContinueWith(t => _ = t.Exception, System.Threading.Tasks.TaskContinuationOptions.OnlyOnFaulted | System.Threading.Tasks.TaskContinuationOptions.ExecuteSynchronously);
        }

        /// <summary>
        /// Keeps the read position of a source read in batches: after the last row of each read batch, a CSV file's byte offset
        /// (stamped with the file's length and time) or a table's keyset position (stamped with the content hash of the row at it,
        /// exactly what a record-by-record read of the table saves, <see cref="KeysetPosition"/>).
        /// </summary>
        private sealed class BatchPositions
        {
            private BatchPositions(string? file) => File = file;

            /// <summary>Positions in a file (byte offsets).</summary>
            public static BatchPositions InFile(string file) => new(file);

            /// <summary>Keyset positions of a table read in key order.</summary>
            public static BatchPositions Keyset() => new(null);

            /// <summary>The file whose offsets are kept, or null for keyset positions.</summary>
            public string? File { get; }

            /// <summary>Where the read stands after the last read batch passed, and its stamp; null before any.</summary>
            public (SourcePosition At, SourceFileStamp Stamp)? Last { get; private set; }

            /// <summary>Notes where the read stands after a read batch (its last row), for the position saved next.</summary>
            public void Passed(RowBatch batch)
            {
                if (batch.Count == 0) return;
                int last = batch.Count - 1;
                // A keyset position is taken now: the batch is filled again before the position may be saved.
                Last = File is { } file
                    ? (batch.SourcePositionAt(last, inclusive: false), FileStamp(file))
                    : (KeysetPosition.After(batch, last), KeysetPosition.StampOf(batch, last));
            }
        }

        /// <summary>
        /// Read batches after which a kept position is saved even when the session is not settled: 8 session batches' worth (a
        /// partition's session sees one read row in n: the forced save waits for as many of its own rows).
        /// </summary>
        private int ForcedSaveEvery(BatchReadOptions read) => Math.Max(8, 8 * _options.Import.BatchSize * (Slice?.Parts ?? 1) / read.BatchSize);

        /// <summary>
        /// After a read batch: notes the position after it, and saves it when the session is settled, or at least every
        /// <paramref name="forceEvery"/> read batches (flushing what is pending).
        /// </summary>
        private void KeepPosition(string source, BatchPositions? positions, RowBatch readBatch, ref int sincePosition, int forceEvery)
        {
            if (positions is null || readBatch.Count == 0) return;
            bool settled = _session.Settled, writing = !settled && _session.SettledButWriting;
            bool save = settled || writing || ++sincePosition >= forceEvery;
            // A table's position is noted after every batch (the end saves the last one); a file's only when saved.
            if (save || positions.File is null) positions.Passed(readBatch);
            if (!save) return;
            sincePosition = 0;
            var (at, stamp) = (positions.Last!.Value.At, positions.Last.Value.Stamp);
            // Everything up to here is in the batch still being written: the position is saved once that batch is recorded.
            if (writing) _session.WhenWritten(ledger => ledger.SaveSourcePosition(_session.RunId!, PositionName(source), at, stamp));
            else SavePosition(source, at, stamp);
        }

        /// <summary>
        /// The end of a table read in batches: the position after its last row is saved (flushing what is pending), as a
        /// record-by-record read of it does, so a resumed run finds nothing left to read of it.
        /// </summary>
        private void EndPositions(string source, BatchPositions? positions)
        {
            if (positions is { File: null, Last: { } last }) SavePosition(source, last.At, last.Stamp);
        }

        private int SaveEvery => Math.Max(1, _options.Import.BatchSize * (Slice?.Parts ?? 1));

        /// <summary>
        /// The read of a source that cannot seek (a table without a usable key, a view, a profile's query), when its position
        /// is kept by ordinal: a resumed read passes over the rows up to the saved one without mapping them (only the row at
        /// the position is hashed: it must be the row that was there). A source that ends before it, or holds another row
        /// there, is read again from the start with a warning (what the run recorded is then passed over by fingerprints).
        /// </summary>
        private IEnumerable<CrmRecord> CountedRead(string source, CrmReadOptions readOptions, Action<CrmDataError> onError, RecordPositions positions)
        {
            var ct = _options.Import.CancellationToken;
            var saved = _session.Resumed ? _session.RunLedger!.SourcePositionOf(_session.RunId!, PositionName(source)) : null;
            if (saved is not { } at || at.Stamp.Length != CountedStamp || at.Position.Inclusive || at.Position.Ordinal < 1 || !TargetHoldsWhatTheRunWrote(source))
            {
                foreach (var record in _source.Read(source, readOptions, onError, ct)) yield return record;
                yield break;
            }
            long upTo = at.Position.Ordinal;
            bool passing = true, same = false;
            foreach (var record in _source.Read(source, readOptions, e => { if (!passing) onError(e); }, ct))
            {
                if (passing)
                {
                    positions.Ordinal++;
                    if (positions.Ordinal < upTo) continue;
                    passing = false;
                    same = ContentHash.Of(record) == at.Stamp.LastWriteTicks;
                    if (!same) break;
                    positions.Last = record;
                    Notes.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{source}: resumed after row {upTo:N0} (read, not mapped, up to it; the row there is the one recorded); the rows before it were recorded by the run."));
                    continue;
                }
                yield return record;
            }
            if (same) yield break;
            Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{source}: the source holds {(passing ? $"fewer than {upTo:N0} rows" : $"another row at row {upTo:N0}")} now, so it is read again from the start (what the run recorded is passed over by its fingerprints)."));
            positions.Ordinal = 0;
            positions.Last = null;
            foreach (var record in _source.Read(source, readOptions, onError, ct)) yield return record;
        }

        /// <summary>After each record read: counts it, and every session batch saves the position after it when the session is settled.</summary>
        private void Advance(string source, RecordPositions positions, CrmRecord record, bool end = false)
        {
            if (!end)
            {
                positions.Ordinal++;
                positions.Last = record;
                if (positions.Ordinal % positions.Every != 0) return;
            }
            if (!end && !_session.Settled && ++positions.SinceSaved < 8) return;
            positions.SinceSaved = 0;
            var last = positions.Last!;
            if (positions.Source is { } resumable) SavePosition(source, resumable.PositionOf(last, positions.Ordinal), resumable.StampOf(source, last));
            else SavePosition(source, new SourcePosition(positions.Ordinal, -1, last.Origin?.Line ?? 0, null, inclusive: false), new SourceFileStamp(CountedStamp, ContentHash.Of(last)));
        }
    }
}
