using System;
using System.Collections.Generic;
using System.IO.Hashing;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// The batch lane: rows of a mapped <see cref="RowBatch"/> enter the session as rows and leave as rows. Keys and fingerprints
    /// are computed from the columns, the writer writes the columns (<see cref="ICrmRowWriter"/>), outcomes are arrays with an
    /// outcome object only for the rare row that needs one (a reject, a skip with a reason), and the ledger records the batch from
    /// those arrays. Everything else is the record path's: the same keys, fingerprints, outcomes, books, ledger entries, batch
    /// numbers and fault points. A batch the lane cannot take (records pending, references to resolve, records waiting for
    /// parents, -WhatIf, a file target, a table still to be created or widened) is made into records and goes the record way.
    /// </summary>
    public sealed partial class ImportSession
    {
        private readonly LedgerRows _ledgerRows = new();
        private readonly RowOutcomes _rowOutcomes = new();
        private Utf8Buffer _rowKeys = new(1 << 16);
        private Utf8Buffer _rowScratch = new(1024);
        private int[] _which = new int[1024];
        private long[] _rowHashes = new long[1024];
        private int[] _sourceStart = new int[1024], _sourceLength = new int[1024], _targetStart = new int[1024], _targetLength = new int[1024];
        private byte[] _rowState = new byte[1024];
        private CrmRecordOutcome?[] _rowDecided = new CrmRecordOutcome?[1024];

        private const byte RowWrite = 0, RowDone = 1, RowDecided = 2;

        /// <summary>Rows the batch lane wrote (for the tests: the lane was taken).</summary>
        internal long LaneRows { get; private set; }

        /// <summary>
        /// Adds rows <paramref name="from"/> to <paramref name="to"/> (exclusive) of a mapped batch to their entity's batch, writing it
        /// when full; false, with nothing added, when the entity's state does not allow the lane now (the caller makes a record per
        /// row and adds those instead). Rows the mapping rejected or filtered are not among them: they come through
        /// <see cref="AddDecided"/> in their place in the stream, and join the pending rows as record-backed rows with their outcome,
        /// so the session batch holds what the record path's would, in the same order.
        /// </summary>
        internal bool AddBatch(RowBatch mapped, int from, int to, List<ImportResult> results)
        {
            if (to <= from) return true;
            if (_options.WhatIf || _options.Entity is not null || mapped.HasRecords) return false;
            if (!_entities.TryGetValue(mapped.Entity, out var state) || !ReferenceEquals(state.Summary.Entity, mapped.Entity) && !string.Equals(state.Summary.Entity, mapped.Entity, StringComparison.Ordinal)) return false;
            // Records pending ahead of these rows: decided ones (rejected or filtered before the target) join the rows; a record to
            // write keeps this session batch on the record path (the next one may take the lane again).
            if (state.Batch.Count > 0 && !DecidedOnly(state, mapped) || !LaneOpen(state, mapped)) return false;
            var rows = state.Rows ??= new RowBatch(mapped.Entity, mapped.Shape, _options.BatchSize);
            if (rows.Count > 0 && !SameSource(rows, mapped))
            {
                MaterializeRows(state);
                return false;
            }
            _current = state;
            if (state.Batch.Count > 0)
            {
                Prepare(rows, mapped);
                for (int i = 0; i < state.Batch.Count; i++) rows.AddRecord(state.Batch[i], state.Preset[i]);
                state.Batch.Clear();
                state.Preset.Clear();
            }
            bool fileKeys = _fileKeysRequired && FileKeyRule.Applies(mapped.Shape);
            for (int r = from; r < to;)
            {
                if (rows.Count == 0) Prepare(rows, mapped);
                int end = Math.Min(to, r + Math.Max(1, _options.BatchSize - rows.Count));
                int k = -1, take = fileKeys ? r : end;
                while (take < end && (k = FileKeyRule.EmptyKeyField(mapped, take)) < 0) take++;
                if (take > r)
                {
                    rows.CopyRows(mapped, r, take);
                    state.Received += take - r;
                    r = take;
                }
                else
                {
                    // A file's row without a key value has no identity: rejected before the target, waiting in its place as the
                    // record path's would (see Add).
                    var (refused, outcome) = FileKeyRule.Reject(mapped.ToRecord(r), k, state.Summary.Entity);
                    rows.AddRecord(refused, outcome);
                    state.Received++;
                    r++;
                }
                if (rows.Count >= _options.BatchSize) FlushEntity(state, results);
            }
            return true;
        }

        /// <summary>
        /// Whether a record decided before the target can wait among an entity's pending rows (a record-backed row with its
        /// outcome): rejected or filtered (a merge re-points children; those stay records), from the rows' source entity (a
        /// ledger batch of rows names one).
        /// </summary>
        private static bool JoinsRows(CrmRecord record, CrmRecordOutcome outcome, RowBatch rows) =>
            outcome.Outcome is CrmOutcome.Rejected or CrmOutcome.Filtered
            && string.Equals(record.Origin?.Entity ?? record.Entity, rows.SourceEntity ?? rows.Entity, StringComparison.Ordinal);

        /// <summary>True when every record an entity holds is decided and can join rows like <paramref name="mapped"/>'s.</summary>
        private static bool DecidedOnly(EntityState state, RowBatch mapped)
        {
            for (int i = 0; i < state.Batch.Count; i++)
            {
                if (state.Preset[i] is not { } outcome || !JoinsRows(state.Batch[i], outcome, mapped)) return false;
            }
            return true;
        }

        /// <summary>Whether an entity's rows of this shape can go the lane's way: a writer of rows that takes them, nothing to resolve or release.</summary>
        private bool LaneOpen(EntityState state, RowBatch rows)
        {
            if (_finalPass || !state.WriterOpened || state.OpenError is not null || _spill is not null) return false;
            if (state.Writer is not ICrmRowWriter writer || !writer.CanWriteRows(rows)) return false;
            if (rows.Shape.References is not null || BindingsOf(state, rows.Shape).Length > 0) return false;
            return !_waiting.TryGetValue(state.Summary.Entity, out var waiting) || waiting.Count == 0;
        }

        private static bool SameSource(RowBatch rows, RowBatch mapped) =>
            ReferenceEquals(rows.Shape, mapped.Shape) && string.Equals(rows.Entity, mapped.Entity, StringComparison.Ordinal)
            && string.Equals(rows.System, mapped.System, StringComparison.Ordinal) && string.Equals(rows.SourceEntity, mapped.SourceEntity, StringComparison.Ordinal)
            && string.Equals(rows.File, mapped.File, StringComparison.Ordinal) && ReferenceEquals(rows.KeyColumns, mapped.KeyColumns)
            && ReferenceEquals(rows.KeyNames, mapped.KeyNames) && rows.KeylessSource == mapped.KeylessSource
            && string.Equals(rows.MappingHash, mapped.MappingHash, StringComparison.Ordinal);

        private static void Prepare(RowBatch rows, RowBatch mapped)
        {
            rows.ResetLike(mapped);
        }

        /// <summary>Rows and records an entity holds, not yet written.</summary>
        private static int Pending(EntityState state) => state.Batch.Count + (state.Rows?.Count ?? 0);

        /// <summary>The entity's pending rows become records (decided ones with their outcome), ahead of any records pending (they came first).</summary>
        private static void MaterializeRows(EntityState state)
        {
            var rows = state.Rows;
            if (rows is null || rows.Count == 0) return;
            var made = new List<CrmRecord>(rows.Count);
            var decided = new CrmRecordOutcome?[rows.Count];
            for (int r = 0; r < rows.Count; r++)
            {
                made.Add(rows.ToRecord(r));
                decided[r] = rows.DecidedAt(r);
            }
            state.Batch.InsertRange(0, made);
            state.Preset.InsertRange(0, decided);
            rows.Clear();
        }

        /// <summary>Writes an entity's pending rows the lane's way, if it still may (true), else makes them records (false).</summary>
        private bool FlushRows(EntityState state, List<ImportResult> results)
        {
            var rows = state.Rows!;
            if (state.Batch.Count > 0 || !LaneOpen(state, rows))
            {
                MaterializeRows(state);
                return false;
            }
            int n = rows.Count;
            state.BatchNumber++;
            int number = state.BatchNumber;
            _options.CancellationToken.ThrowIfCancellationRequested();
            Grow(n);

            // 1. Keys and fingerprints, from the columns: the bytes of the text the record path makes (see FlushEntity). Without a
            // ledger nothing asks for them (no index to look in, no entries to record) unless children look for this entity's rows
            // among what a file target was given (RememberLanded).
            bool track = _ledger is not null && _durableTarget;
            bool needKeys = _ledger is not null || !_durableTarget && _landedHere.ContainsKey(state.Summary.Entity);
            _rowKeys.Clear();
            int decidedRows = 0;
            for (int r = 0; r < n; r++)
            {
                // A row decided before the target (a record-backed row) keeps the keys and fingerprint of its record, as FlushEntity's.
                bool decided = rows.HasDecided && rows.DecidedAt(r) is not null;
                if (decided) decidedRows++;
                if (!needKeys)
                {
                    _rowHashes[r] = 0;
                    _targetLength[r] = -1;
                    continue;
                }
                long hash = track ? rows.Fingerprint(r, ref _rowScratch) : 0;
                _rowHashes[r] = hash;
                int t = _rowKeys.Length;
                bool hasTarget = AppendKey(rows, r, source: false);
                _targetStart[r] = t;
                _targetLength[r] = hasTarget ? _rowKeys.Length - t : -1;
                if (!hasTarget && track && !decided)
                {
                    // A row without a key is known by its content and which copy of it it is.
                    _rowKeys.Append(ContentKey(state, hash));
                    _targetLength[r] = _rowKeys.Length - t;
                }
                int s = _rowKeys.Length;
                if (AppendKey(rows, r, source: true))
                {
                    _sourceStart[r] = s;
                    _sourceLength[r] = _rowKeys.Length - s;
                }
                else if (_targetLength[r] >= 0)
                {
                    _sourceStart[r] = _targetStart[r];
                    _sourceLength[r] = _targetLength[r];
                }
                else
                {
                    _rowKeys.Append(rows.PositionText(r, state.Received - n + r + 1));
                    _sourceStart[r] = s;
                    _sourceLength[r] = _rowKeys.Length - s;
                }
            }

            // 2. A resumed run passes over what it already accounted for; unchanged rows are skipped; the rest are written.
            var run = _resumed ? state.RunIndex : null;
            var known = state.ContentIndex;
            int count = 0;
            for (int r = 0; r < n; r++)
            {
                _rowDecided[r] = null;
                _rowState[r] = RowWrite;
                bool hasTarget = _targetLength[r] >= 0;
                long targetHash = hasTarget ? KeyHash(_targetStart[r], _targetLength[r]) : 0;
                if (run is { } index)
                {
                    bool landedHere = hasTarget && index.Landed.TryGetValue(targetHash, out long h) && (!track || h == _rowHashes[r]);
                    if (landedHere || index.Rejected.ContainsKey(KeyHash(_sourceStart[r], _sourceLength[r])))
                    {
                        state.AlreadyRecorded++;
                        _rowState[r] = RowDone;
                        if (rows.HasDecided && rows.DecidedAt(r) is { } passed) _decided.Remove(passed);
                        continue;
                    }
                }
                if (rows.HasDecided && rows.DecidedAt(r) is { } preset)
                {
                    _rowDecided[r] = preset;
                    _rowState[r] = RowDecided;
                    continue;
                }
                if (known is not null && hasTarget && known.TryGetValue(targetHash, out long previous))
                {
                    string tk = KeyText(_targetStart[r], _targetLength[r]);
                    if (previous == _rowHashes[r])
                    {
                        _rowDecided[r] = new CrmRecordOutcome(rows.Entity, tk, CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "The target already holds this record unchanged (per the ledger)." };
                        _rowState[r] = RowDecided;
                        continue;
                    }
                    if (_options.Mode == CrmWriteMode.Insert && !_resumed)
                    {
                        _rowDecided[r] = new CrmRecordOutcome(rows.Entity, tk, CrmOutcome.Rejected)
                        {
                            ReasonCode = "DuplicateKey",
                            Message = "A record with this key was imported before with different content; use -Mode Upsert to update it.",
                        };
                        _rowState[r] = RowDecided;
                        continue;
                    }
                }
                _which[count++] = r;
            }

            // 3. Write, retrying transient failures; a batch that fails for good is written record by record.
            if (count > 0)
            {
                if (_resumed && FirstNewRecordAfter is null) FirstNewRecordAfter = _sinceStart.Elapsed;
                FaultPoints.Hit("before-target", number);
                WriteRows(state, rows, count);
                FaultPoints.Hit("after-target", number);
            }

            // 4. Account, then record in the ledger (after the target committed).
            var entries = _ledger is null ? null : _ledgerRows;
            entries?.Reset(rows.SourceEntity ?? rows.Entity, track);
            for (int r = 0, w = 0; r < n; r++)
            {
                if (_rowState[r] == RowDone) continue; // already recorded by the run being resumed
                CrmOutcome code;
                CrmRecordOutcome? detail;
                if (_rowState[r] == RowDecided)
                {
                    detail = _rowDecided[r];
                    code = detail!.Outcome;
                }
                else
                {
                    code = _rowOutcomes.CodeAt(w);
                    detail = _rowOutcomes.DetailAt(w);
                    w++;
                }
                if (detail is not null)
                {
                    detail.Batch = number;
                    detail.WhatIf = false;
                    var record = rows.RecordAt(r);
                    detail.Origin ??= record is null ? rows.OriginAt(r) : record.Origin;
                    Count(state, detail);
                    // A row decided before the target was reported where it was decided (its result says so); a row the target (or the
                    // ledger) refused becomes an error and a reject-file row, with its record made here.
                    if (record is not null && rows.DecidedAt(r) is not null) results.Add(new ImportResult(record, detail, decided: _decided.Remove(detail)));
                    else if (code == CrmOutcome.Rejected) results.Add(new ImportResult(rows.ToRecord(r), detail));
                }
                else if (state.Summary.Count(code))
                {
                    state.Summary.RejectReasons["Unknown"] = state.Summary.RejectReasons.TryGetValue("Unknown", out long u) ? u + 1 : 1;
                }
                if (entries is null) continue;
                entries.Add(code, _rowHashes[r], detail);
                ref var keys = ref entries.Keys;
                int at = keys.Length;
                keys.Append(_rowKeys.Written.Slice(_sourceStart[r], _sourceLength[r]));
                entries.SourceKey(at);
                if (_targetLength[r] >= 0)
                {
                    at = keys.Length;
                    keys.Append(_rowKeys.Written.Slice(_targetStart[r], _targetLength[r]));
                    entries.TargetKey(at);
                }
            }
            if (!_durableTarget) RememberLanded(state, rows, n);
            LaneRows += n - decidedRows;
            if (entries is not null) _ledger!.RecordRows(_runId!, state.Summary.Entity, number, entries, _options.Partition);
            SavePendingSchema();
            FaultPoints.Hit("after-ledger", number);
            rows.Clear();
            return true;
        }

        /// <summary>
        /// A file target cannot be asked which parents it holds: where children look for this entity's rows among what this import
        /// wrote (<see cref="_landedHere"/>, as <see cref="Landed"/> keeps it), the rows that landed are added.
        /// </summary>
        private void RememberLanded(EntityState state, RowBatch rows, int n)
        {
            if (!_landedHere.TryGetValue(state.Summary.Entity, out var here)) return;
            for (int r = 0, w = 0; r < n; r++)
            {
                if (_rowState[r] == RowDone) continue;
                CrmOutcome code = _rowState[r] == RowDecided ? _rowDecided[r]!.Outcome : _rowOutcomes.CodeAt(w++);
                if (code is (CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) && _targetLength[r] >= 0) here.Add(KeyHash(_targetStart[r], _targetLength[r]));
            }
        }

        /// <summary>The lane's rows the target refused as duplicates in a resumed insert run, written again as upserts (see RetakeDuplicates).</summary>
        private void RetakeDuplicateRows(EntityState state, RowBatch rows, int count)
        {
            List<int>? at = null;
            for (int w = 0; w < count; w++)
            {
                if (_rowOutcomes.CodeAt(w) == CrmOutcome.Rejected && RefusedAsDuplicate(_rowOutcomes.DetailAt(w))) (at ??= new List<int>()).Add(w);
            }
            if (at is null) return;
            var records = new List<CrmRecord>(at.Count);
            var outcomes = new List<CrmRecordOutcome>(at.Count);
            foreach (int w in at)
            {
                records.Add(rows.ToRecord(_which[w]));
                outcomes.Add(_rowOutcomes.DetailAt(w)!);
            }
            RetakeDuplicates(state, records, outcomes);
            for (int k = 0; k < at.Count; k++) _rowOutcomes.Set(at[k], outcomes[k]);
        }

        /// <summary>Writes the rows <see cref="_which"/> names into <see cref="_rowOutcomes"/>, as <see cref="Write"/> writes records.</summary>
        private void WriteRows(EntityState state, RowBatch rows, int count)
        {
            var writer = (ICrmRowWriter)state.Writer!;
            for (int attempt = 1; ; attempt++)
            {
                if (!writer.CanWriteRows(rows))
                {
                    // A failed attempt rolled back what the table knew (the writer reads it again the record way): this batch's rows
                    // become records and are written as records are, retries included.
                    var made = new List<CrmRecord>(count);
                    for (int i = 0; i < count; i++) made.Add(rows.ToRecord(_which[i]));
                    var written = Write(state, made);
                    _rowOutcomes.Reset(count);
                    for (int i = 0; i < count; i++) _rowOutcomes.Set(i, written[i]);
                    return;
                }
                try
                {
                    writer.WriteRows(rows, _which, count, _rowOutcomes);
                    if (_rowOutcomes.Count != count)
                    {
                        throw new InvalidOperationException($"The writer for {state.Summary.Entity} returned {_rowOutcomes.Count} outcomes for {count} rows.");
                    }
                    if (state.RetakesDuplicates) RetakeDuplicateRows(state, rows, count);
                    return;
                }
                catch (CrmException ex) when (IsTransient(ex) && attempt < _options.MaxAttempts)
                {
                    var pause = Backoff(attempt);
                    Warnings.Add($"{state.Summary.Entity}: batch {state.BatchNumber} failed with a transient error ({ex.Error.Code}: {ex.Error.Message}); attempt {attempt + 1} of {_options.MaxAttempts} in {pause.TotalMilliseconds:F0} ms.");
                    if (_options.CancellationToken.WaitHandle.WaitOne(pause)) _options.CancellationToken.ThrowIfCancellationRequested();
                }
                catch (CrmException ex) when (!IsTransient(ex) && count > 1 && ex.Error.Kind is not (CrmErrorKind.InvalidArgument or CrmErrorKind.NotFound or CrmErrorKind.Busy))
                {
                    // The batch failed as a whole: its rows become records (this batch's only) and are written one by one.
                    var records = new List<CrmRecord>(count);
                    for (int i = 0; i < count; i++) records.Add(rows.ToRecord(_which[i]));
                    var outcomes = WriteOneByOne(state, records);
                    _rowOutcomes.Reset(count);
                    for (int i = 0; i < count; i++) _rowOutcomes.Set(i, outcomes[i]);
                    return;
                }
            }
        }

        /// <summary>Appends a row's key (or source key) text as UTF-8 to the key buffer, as the string the record path makes would encode.</summary>
        private bool AppendKey(RowBatch rows, int r, bool source)
        {
            int start = _rowKeys.Length;
            bool has = source ? rows.AppendSourceKey(r, ref _rowKeys) : rows.AppendKey(r, ref _rowKeys);
            if (!has) return false;
            var written = _rowKeys.Written.Slice(start);
            if (!System.Text.Unicode.Utf8.IsValid(written))
            {
                // Bytes that are not UTF-8 spell the string decoding them makes (with replacement characters): those are its bytes.
                string text = Encoding.UTF8.GetString(written);
                _rowKeys.Truncate(start);
                _rowKeys.Append(text);
            }
            return true;
        }

        /// <summary><see cref="ContentHash.OfKey"/> of the key text whose UTF-8 is at <paramref name="start"/>.</summary>
        private long KeyHash(int start, int length) => (long)XxHash3.HashToUInt64(_rowKeys.Written.Slice(start, length));

        private string KeyText(int start, int length) => Encoding.UTF8.GetString(_rowKeys.Written.Slice(start, length));

        private void Grow(int n)
        {
            if (_which.Length >= n) return;
            int size = Math.Max(n, _which.Length * 2);
            Array.Resize(ref _which, size);
            Array.Resize(ref _rowHashes, size);
            Array.Resize(ref _sourceStart, size);
            Array.Resize(ref _sourceLength, size);
            Array.Resize(ref _targetStart, size);
            Array.Resize(ref _targetLength, size);
            Array.Resize(ref _rowState, size);
            Array.Resize(ref _rowDecided, size);
        }
    }
}
