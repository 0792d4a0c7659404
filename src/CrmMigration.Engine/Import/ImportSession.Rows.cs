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
        private Utf8Buffer _rowScratch = new(1024);
        private LaneBuffers _lane = new(), _otherLane = new();
        private InFlight? _inFlight;
        private readonly object _ledgerGate = new();

        private const byte RowWrite = 0, RowDone = 1, RowDecided = 2;

        /// <summary>Rows the batch lane wrote (for the tests: the lane was taken).</summary>
        internal long LaneRows { get; private set; }

        /// <summary>Batches written on another thread while the next was read (for the tests: see <see cref="Overlaps"/>).</summary>
        internal long OverlappedBatches { get; private set; }

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
                if (rows.Count >= _options.BatchSize)
                {
                    FlushEntity(state, results);
                    rows = state.Rows!; // the written batch may still be being written: the next rows go into the other
                }
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

        /// <summary>
        /// Opens the target of an entity none of whose records came yet for the batch lane (<see cref="AddBatch"/> declines an
        /// entity that is not open), as its first record would open it (<see cref="Enter"/>: the table made with -Create, the writer
        /// opened, the run described), so an entity's first batch takes the lane too; it went the record way, and so did a resumed
        /// run's first new batch. The record of row <paramref name="row"/> stands for the rows (their shape, their key's field names);
        /// it is not added. False when the entity is open already, or the lane is not for this session, or the row would be refused
        /// before the target (a file's row without its key: the record way reports it).
        /// </summary>
        internal bool OpenForRows(RowBatch rows, int row, List<ImportResult> results)
        {
            if (_options.WhatIf || _options.Entity is not null || rows.HasRecords) return false;
            if (_entities.TryGetValue(rows.Entity, out var known) && known.WriterOpened) return false;
            Drain();
            var sample = rows.ToRecord(row);
            if (_fileKeysRequired && FileKeyRule.EmptyKeyField(sample) >= 0) return false;
            Describe(sample);
            var state = Enter(sample, results);
            return state.WriterOpened && state.OpenError is null && state.Writer is ICrmRowWriter writer && writer.PrepareRows(rows);
        }

        /// <summary>Whether an entity's rows of this shape can go the lane's way: a writer of rows that takes them, nothing to resolve or release.</summary>
        private bool LaneOpen(EntityState state, RowBatch rows)
        {
            if (_finalPass || !state.WriterOpened || state.OpenError is not null || _spill is not null) return false;
            // The writer of a batch being written on another thread is not asked (FlushRows asks again once it is done).
            if (state.Writer is not ICrmRowWriter writer || !(ReferenceEquals(_inFlight?.State, state) || writer.CanWriteRows(rows))) return false;
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
            // The batch before (this entity's or another's) is finished first: one batch is written at a time, in order. It is
            // accounted for once this one is on its way (its books and ledger entries while the target takes this one), else now.
            Finish();
            var rows = state.Rows!;
            if (state.Batch.Count > 0 || !LaneOpen(state, rows))
            {
                AccountFinished();
                MaterializeRows(state);
                return false;
            }
            int n = rows.Count;
            state.BatchNumber++;
            int number = state.BatchNumber;
            _options.CancellationToken.ThrowIfCancellationRequested();
            _lane.Grow(n);

            // 1. Keys and fingerprints, from the columns: the bytes of the text the record path makes (see FlushEntity). Without a
            // ledger nothing asks for them (no index to look in, no entries to record) unless children look for this entity's rows
            // among what a file target was given (RememberLanded).
            bool track = _ledger is not null && _durableTarget;
            bool needKeys = _ledger is not null || !_durableTarget && _landedHere.ContainsKey(state.Summary.Entity);
            _lane.Keys.Clear();
            int decidedRows = 0;
            for (int r = 0; r < n; r++)
            {
                // A row decided before the target (a record-backed row) keeps the keys and fingerprint of its record, as FlushEntity's.
                bool decided = rows.HasDecided && rows.DecidedAt(r) is not null;
                if (decided) decidedRows++;
                if (!needKeys)
                {
                    _lane.Hashes[r] = 0;
                    _lane.TargetLength[r] = -1;
                    continue;
                }
                long hash = track ? rows.Fingerprint(r, ref _rowScratch) : 0;
                _lane.Hashes[r] = hash;
                int t = _lane.Keys.Length;
                bool hasTarget = AppendKey(rows, r, source: false);
                _lane.TargetStart[r] = t;
                _lane.TargetLength[r] = hasTarget ? _lane.Keys.Length - t : -1;
                if (!hasTarget && track && !decided)
                {
                    // A row without a key is known by its content and which copy of it it is.
                    _lane.Keys.Append(ContentKey(state, hash));
                    _lane.TargetLength[r] = _lane.Keys.Length - t;
                }
                int s = _lane.Keys.Length;
                if (AppendKey(rows, r, source: true))
                {
                    _lane.SourceStart[r] = s;
                    _lane.SourceLength[r] = _lane.Keys.Length - s;
                }
                else if (_lane.TargetLength[r] >= 0)
                {
                    _lane.SourceStart[r] = _lane.TargetStart[r];
                    _lane.SourceLength[r] = _lane.TargetLength[r];
                }
                else
                {
                    _lane.Keys.Append(rows.PositionText(r, state.Received - n + r + 1));
                    _lane.SourceStart[r] = s;
                    _lane.SourceLength[r] = _lane.Keys.Length - s;
                }
            }

            // 2. A resumed run passes over what it already accounted for; unchanged rows are skipped; the rest are written.
            var run = _resumed ? state.RunIndex : null;
            var known = state.ContentIndex;
            int count = 0;
            for (int r = 0; r < n; r++)
            {
                _lane.Decided[r] = null;
                _lane.State[r] = RowWrite;
                bool hasTarget = _lane.TargetLength[r] >= 0;
                long targetHash = hasTarget ? KeyHash(_lane.TargetStart[r], _lane.TargetLength[r]) : 0;
                if (run is { } index)
                {
                    bool landedHere = hasTarget && index.Landed.TryGetValue(targetHash, out long h) && (!track || h == _lane.Hashes[r]);
                    if (landedHere || index.Rejected.ContainsKey(KeyHash(_lane.SourceStart[r], _lane.SourceLength[r])))
                    {
                        state.AlreadyRecorded++;
                        _lane.State[r] = RowDone;
                        if (rows.HasDecided && rows.DecidedAt(r) is { } passed) _decided.Remove(passed);
                        continue;
                    }
                }
                if (rows.HasDecided && rows.DecidedAt(r) is { } preset)
                {
                    _lane.Decided[r] = preset;
                    _lane.State[r] = RowDecided;
                    continue;
                }
                if (known is not null && hasTarget && known.TryGetValue(targetHash, out long previous))
                {
                    string tk = KeyText(_lane.TargetStart[r], _lane.TargetLength[r]);
                    if (previous == _lane.Hashes[r])
                    {
                        _lane.Decided[r] = new CrmRecordOutcome(rows.Entity, tk, CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "The target already holds this record unchanged (per the ledger)." };
                        _lane.State[r] = RowDecided;
                        continue;
                    }
                    if (_options.Mode == CrmWriteMode.Insert && !_resumed)
                    {
                        _lane.Decided[r] = new CrmRecordOutcome(rows.Entity, tk, CrmOutcome.Rejected)
                        {
                            ReasonCode = "DuplicateKey",
                            Message = "A record with this key was imported before with different content; use -Mode Upsert to update it.",
                        };
                        _lane.State[r] = RowDecided;
                        continue;
                    }
                }
                _lane.Which[count++] = r;
            }

            // 3. Write, retrying transient failures; a batch that fails for good is written record by record. Where the writer
            // can, it writes on another thread while this one reads and maps the next batch (see OverlapsHere); the batch is then
            // accounted for when the next one is flushed, or by anything else the session is asked (Drain).
            if (count > 0)
            {
                if (_resumed && FirstNewRecordAfter is null) FirstNewRecordAfter = _sinceStart.Elapsed;
                FaultPoints.Hit("before-target", number);
                if (OverlapsHere && !_closing && state.Writer is ICrmRowWriter writer && writer.CanWriteRows(rows))
                {
                    var lane = _lane;
                    var started = System.Threading.Tasks.Task.Run(() => writer.WriteRows(rows, lane.Which, count, lane.Outcomes));
                    _inFlight = new InFlight(state, rows, n, number, count, decidedRows, track, lane, started, results);
                    OverlappedBatches++;
                    (_lane, _otherLane) = (_otherLane, _lane);
                    state.Rows = state.SpareRows ?? new RowBatch(rows.Entity, rows.Shape, _options.BatchSize);
                    state.SpareRows = null;
                    AccountFinished();
                    return true;
                }
                AccountFinished();
                WriteRows(state, rows, count);
                FaultPoints.Hit("after-target", number);
            }
            else AccountFinished();
            Account(state, rows, n, number, decidedRows, track, results);
            return true;
        }

        /// <summary>
        /// Whether a batch of rows is written on another thread while the next is read and mapped: true or false decides (the tests;
        /// CRMMIGRATION_OVERLAP=1 or 0), null lets <see cref="OverlapsHere"/> choose.
        /// </summary>
        internal static bool? Overlaps { get; set; } = Environment.GetEnvironmentVariable("CRMMIGRATION_OVERLAP") switch
        {
            "1" => true,
            "0" => false,
            _ => null,
        };

        /// <summary>
        /// Into a database server with two cores or more (its writer mostly waits for the server; on 2 cores PostgreSQL was 2–18% faster
        /// in 6 pairs of 6, MariaDB faster in 4 of 6 and within 1% in the others, docs/benchmarks.md, stop 31); into SQLite or a file,
        /// whose writing is this process's CPU, with four or more (on two it was as often slower as faster).
        /// </summary>
        private bool OverlapsHere => Overlaps ?? (_provider.Connection.Provider is CrmProviderKind.PostgreSql or CrmProviderKind.MySql
            ? Environment.ProcessorCount >= 2
            : Environment.ProcessorCount >= 4);

        /// <summary>
        /// Finishes the batch being written on another thread, if any: waits for it (a failed attempt is retried or written record by
        /// record here, as <see cref="WriteRows"/> does), then accounts for it and records it in the ledger. Everything that reads or
        /// writes the target, the ledger, the books or the results calls it first, so only reading and mapping overlap a write.
        /// </summary>
        internal void Drain()
        {
            if (_inFlight is null && _unaccounted is null) return; // the record path asks for every record
            Finish();
            AccountFinished();
        }

        /// <summary>
        /// A batch finished (committed) but not yet accounted for: FlushRows accounts for it right after starting the next write; if
        /// something stops it in between (Ctrl+C), <see cref="Abandon"/>'s drain records it, so the ledger holds what the target does.
        /// </summary>
        private InFlight? _unaccounted;

        /// <summary>
        /// Waits for the batch being written on another thread, if any (retrying or writing it record by record as <see cref="WriteRows"/>
        /// does); it is then <see cref="_unaccounted"/>.
        /// </summary>
        private void Finish()
        {
            if (_inFlight is not { } f) return;
            AccountFinished(); // one left by a stop between Finish and its accounting is older: it goes first
            _inFlight = null;
            var free = _lane;
            _lane = f.Lane;
            try
            {
                WriteRows(f.State, f.Rows, f.Count, f.Write);
                _unaccounted = f;
                FaultPoints.Hit("after-target", f.Number);
            }
            finally
            {
                _lane = free;
            }
        }

        /// <summary>The books, results and ledger entries of the finished batch (see <see cref="Finish"/>), then what was to follow it.</summary>
        private void AccountFinished()
        {
            if (_unaccounted is not { } f) return;
            _unaccounted = null;
            var free = _lane;
            _lane = f.Lane;
            try
            {
                Account(f.State, f.Rows, f.N, f.Number, f.DecidedRows, f.Track, f.Results);
                f.State.SpareRows = f.Rows;
                if (f.Then is { } then) lock (_ledgerGate) then();
            }
            finally
            {
                _lane = free;
            }
        }

        /// <summary>Waits for a batch being written without accounting for it (the session is being given up after an error).</summary>
        private void Abort()
        {
            if (_inFlight is not { } f) return;
            AccountFinished(); // one left by a stop between Finish and its accounting is older: it goes first
            _inFlight = null;
            try
            {
                f.Write.Wait();
            }
            catch (AggregateException)
            {
                // The error that stopped the session is the one told; the target rolled this batch back or holds it, as after a kill.
            }
        }

        /// <summary>Step 4 of <see cref="FlushRows"/>: the books, the results and the ledger, after the target committed.</summary>
        private void Account(EntityState state, RowBatch rows, int n, int number, int decidedRows, bool track, List<ImportResult> results)
        {
            // 4. Account, then record in the ledger (after the target committed).
            var entries = _ledger is null ? null : _ledgerRows;
            entries?.Reset(rows.SourceEntity ?? rows.Entity, track);
            for (int r = 0, w = 0; r < n; r++)
            {
                if (_lane.State[r] == RowDone) continue; // already recorded by the run being resumed
                CrmOutcome code;
                CrmRecordOutcome? detail;
                if (_lane.State[r] == RowDecided)
                {
                    detail = _lane.Decided[r];
                    code = detail!.Outcome;
                }
                else
                {
                    code = _lane.Outcomes.CodeAt(w);
                    detail = _lane.Outcomes.DetailAt(w);
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
                entries.Add(code, _lane.Hashes[r], detail);
                ref var keys = ref entries.Keys;
                int at = keys.Length;
                keys.Append(_lane.Keys.Written.Slice(_lane.SourceStart[r], _lane.SourceLength[r]));
                entries.SourceKey(at);
                if (_lane.TargetLength[r] >= 0)
                {
                    at = keys.Length;
                    keys.Append(_lane.Keys.Written.Slice(_lane.TargetStart[r], _lane.TargetLength[r]));
                    entries.TargetKey(at);
                }
            }
            if (!_durableTarget) RememberLanded(state, rows, n);
            LaneRows += n - decidedRows;
            // The ledger is shared with the thread writing the next batch (its before-images): one at a time.
            lock (_ledgerGate)
            {
                if (entries is not null) _ledger!.RecordRows(_runId!, state.Summary.Entity, number, entries, _options.Partition);
                SavePendingSchema();
            }
            FaultPoints.Hit("after-ledger", number);
            rows.Clear();
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
                if (_lane.State[r] == RowDone) continue;
                CrmOutcome code = _lane.State[r] == RowDecided ? _lane.Decided[r]!.Outcome : _lane.Outcomes.CodeAt(w++);
                if (code is (CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) && _lane.TargetLength[r] >= 0) here.Add(KeyHash(_lane.TargetStart[r], _lane.TargetLength[r]));
            }
        }

        /// <summary>The lane's rows the target refused as duplicates in a resumed insert run, written again as upserts (see RetakeDuplicates).</summary>
        private void RetakeDuplicateRows(EntityState state, RowBatch rows, int count)
        {
            List<int>? at = null;
            for (int w = 0; w < count; w++)
            {
                if (_lane.Outcomes.CodeAt(w) == CrmOutcome.Rejected && RefusedAsDuplicate(_lane.Outcomes.DetailAt(w))) (at ??= new List<int>()).Add(w);
            }
            if (at is null) return;
            var records = new List<CrmRecord>(at.Count);
            var outcomes = new List<CrmRecordOutcome>(at.Count);
            foreach (int w in at)
            {
                records.Add(rows.ToRecord(_lane.Which[w]));
                outcomes.Add(_lane.Outcomes.DetailAt(w)!);
            }
            RetakeDuplicates(state, records, outcomes);
            for (int k = 0; k < at.Count; k++) _lane.Outcomes.Set(at[k], outcomes[k]);
        }

        /// <summary>Writes the rows the lane's Which names into its Outcomes, as <see cref="Write"/> writes records.</summary>
        private void WriteRows(EntityState state, RowBatch rows, int count, System.Threading.Tasks.Task? started = null)
        {
            var writer = (ICrmRowWriter)state.Writer!;
            for (int attempt = 1; ; attempt++)
            {
                if (started is null && !writer.CanWriteRows(rows))
                {
                    // A failed attempt rolled back what the table knew (the writer reads it again the record way): this batch's rows
                    // become records and are written as records are, retries included.
                    var made = new List<CrmRecord>(count);
                    for (int i = 0; i < count; i++) made.Add(rows.ToRecord(_lane.Which[i]));
                    var written = Write(state, made);
                    _lane.Outcomes.Reset(count);
                    for (int i = 0; i < count; i++) _lane.Outcomes.Set(i, written[i]);
                    return;
                }
                try
                {
                    if (started is not null)
                    {
                        // The first attempt, made on another thread (see FlushRows): its error is handled as this thread's would be.
                        var first = started;
                        started = null;
                        try
                        {
                            first.Wait();
                        }
                        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
                        {
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
                        }
                    }
                    else writer.WriteRows(rows, _lane.Which, count, _lane.Outcomes);
                    if (_lane.Outcomes.Count != count)
                    {
                        throw new InvalidOperationException($"The writer for {state.Summary.Entity} returned {_lane.Outcomes.Count} outcomes for {count} rows.");
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
                    for (int i = 0; i < count; i++) records.Add(rows.ToRecord(_lane.Which[i]));
                    var outcomes = WriteOneByOne(state, records);
                    _lane.Outcomes.Reset(count);
                    for (int i = 0; i < count; i++) _lane.Outcomes.Set(i, outcomes[i]);
                    return;
                }
            }
        }

        /// <summary>Appends a row's key (or source key) text as UTF-8 to the key buffer, as the string the record path makes would encode.</summary>
        private bool AppendKey(RowBatch rows, int r, bool source)
        {
            int start = _lane.Keys.Length;
            bool has = source ? rows.AppendSourceKey(r, ref _lane.Keys) : rows.AppendKey(r, ref _lane.Keys);
            if (!has) return false;
            var written = _lane.Keys.Written.Slice(start);
            if (!System.Text.Unicode.Utf8.IsValid(written))
            {
                // Bytes that are not UTF-8 spell the string decoding them makes (with replacement characters): those are its bytes.
                string text = Encoding.UTF8.GetString(written);
                _lane.Keys.Truncate(start);
                _lane.Keys.Append(text);
            }
            return true;
        }

        /// <summary><see cref="ContentHash.OfKey"/> of the key text whose UTF-8 is at <paramref name="start"/>.</summary>
        private long KeyHash(int start, int length) => (long)XxHash3.HashToUInt64(_lane.Keys.Written.Slice(start, length));

        private string KeyText(int start, int length) => Encoding.UTF8.GetString(_lane.Keys.Written.Slice(start, length));

        /// <summary>A batch's working arrays (keys, fingerprints, which rows to write, outcomes): two, so one batch is written while the next is made.</summary>
        private sealed class LaneBuffers
        {
            public readonly RowOutcomes Outcomes = new();
            public Utf8Buffer Keys = new(1 << 16);
            public int[] Which = new int[1024];
            public long[] Hashes = new long[1024];
            public int[] SourceStart = new int[1024], SourceLength = new int[1024], TargetStart = new int[1024], TargetLength = new int[1024];
            public byte[] State = new byte[1024];
            public CrmRecordOutcome?[] Decided = new CrmRecordOutcome?[1024];

            public void Grow(int n)
            {
                if (Which.Length >= n) return;
                int size = Math.Max(n, Which.Length * 2);
                Array.Resize(ref Which, size);
                Array.Resize(ref Hashes, size);
                Array.Resize(ref SourceStart, size);
                Array.Resize(ref SourceLength, size);
                Array.Resize(ref TargetStart, size);
                Array.Resize(ref TargetLength, size);
                Array.Resize(ref State, size);
                Array.Resize(ref Decided, size);
            }
        }

        /// <summary>The batch being written on another thread: what <see cref="Drain"/> needs to finish and account for it.</summary>
        private sealed record InFlight(EntityState State, RowBatch Rows, int N, int Number, int Count, int DecidedRows, bool Track, LaneBuffers Lane,
            System.Threading.Tasks.Task Write, List<ImportResult> Results)
        {
            /// <summary>What to do once the batch is recorded (save a reader's position), or null.</summary>
            public Action? Then { get; set; }
        }
    }
}
