using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Import
{
    /// <summary>One record and what happened to it.</summary>
    public readonly struct ImportResult
    {
        public ImportResult(CrmRecord record, CrmRecordOutcome outcome, bool decided = false)
        {
            Record = record;
            Outcome = outcome;
            Decided = decided;
        }

        public CrmRecord Record { get; }
        public CrmRecordOutcome Outcome { get; }
        /// <summary>True when the outcome was decided before the target (AddDecided: a mapping reject, a filter, a merge), so it was reported where it was decided.</summary>
        public bool Decided { get; }
    }

    /// <summary>Options of an import.</summary>
    public sealed class ImportOptions
    {
        public CrmWriteMode Mode { get; set; } = CrmWriteMode.Insert;
        public int BatchSize { get; set; } = 1000;
        public bool CreateIfMissing { get; set; }
        /// <summary>Writes nothing; outcomes say what would happen.</summary>
        public bool WhatIf { get; set; }
        /// <summary>Renames every record's entity (null keeps each record's own).</summary>
        public string? Entity { get; set; }
        public string? Encoding { get; set; }
        /// <summary>The migration ledger, or null to run without one.</summary>
        public MigrationLedger? Ledger { get; set; }
        /// <summary>A run id to start or resume.</summary>
        public string? RunId { get; set; }
        /// <summary>Resume the newest unfinished run for this target.</summary>
        public bool Resume { get; set; }
        /// <summary>The parameters as the user gave them (never credentials), for the ledger.</summary>
        public string Parameters { get; set; } = "";
        public string ModuleVersion { get; set; } = "";
        /// <summary>Add columns for fields an existing table lacks (otherwise TargetFieldsMissing before anything is written).</summary>
        public bool AddColumns { get; set; }
        /// <summary>Each schema statement run (or, with WhatIf, that would run): CREATE TABLE, comments, indexes, foreign keys.</summary>
        public Action<Schema.SchemaStatement>? OnSchema { get; set; }
        /// <summary>Import, or Delta (a run that carries what changed since <see cref="PreviousRunId"/>), for the ledger.</summary>
        public string Kind { get; set; } = "Import";
        /// <summary>The run a delta run continues from.</summary>
        public string? PreviousRunId { get; set; }
        /// <summary>Attempts for a batch that fails with a transient error (lock, busy, dropped connection).</summary>
        public int MaxAttempts { get; set; } = 5;
        /// <summary>Records waiting for their parents held in memory at most; past it they wait in a temporary file (see <see cref="ImportSession"/>).</summary>
        public int MaxWaitingInMemory { get; set; } = 100_000;
        /// <summary>Entries each of an entity's indexes (keyless copy counter, the ledger's fingerprints, a resumed run's accounted records) holds in memory at most; past it they go to temporary files (<see cref="HashIndex"/>). Tests lower it to cross it with small data.</summary>
        internal int MaxIndexInMemory { get; set; } = HashIndex.DefaultMaxInMemory;
        public CancellationToken CancellationToken { get; set; }
        /// <summary>The partition (1-based, of <see cref="Partitions"/>) this worker copies in a partitioned run; null for a whole run.</summary>
        public int? Partition { get; set; }
        /// <summary>How many partitions the partitioned run has.</summary>
        public int? Partitions { get; set; }
        /// <summary>"k/n" for a partitioned run, else null.</summary>
        public string? PartitionText => Partition is int k && Partitions is int n ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{k}/{n}") : null;
    }

    /// <summary>
    /// Streams records into a target: one writer and one batch per entity, flushed when full and at
    /// the end, with per-entity accounting (read = inserted + updated + skipped + rejected + merged +
    /// filtered). With a ledger, every outcome is recorded after the target commits, unchanged records
    /// are skipped without touching the target, and a resumed run skips what the run already recorded.
    /// Transient failures are retried with backoff; a batch that fails for good is written record by
    /// record so one bad row never sinks the others.
    /// </summary>
    public sealed partial class ImportSession : IDisposable
    {
        /// <summary>Outcomes handed in through AddDecided (reported where they were decided), until their batch is accounted.</summary>
        private readonly HashSet<CrmRecordOutcome> _decided = new(ReferenceEqualityComparer.Instance);

        private readonly ICrmProvider _provider;
        private readonly ImportOptions _options;
        private readonly Dictionary<string, EntityState> _entities = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<CrmRecordOutcome> _scratch = new();
        private readonly List<LedgerEntry> _entries = new();
        private readonly MigrationLedger? _ledger;
        private readonly bool _durableTarget;

        /// <summary>Whether the target keeps each committed batch (a database); a file target is written whole at the end and cannot be resumed.</summary>
        internal bool ResumableTarget => _durableTarget;
        private readonly string _target;
        private readonly string? _runId;
        private readonly bool _resumed;
        /// <summary>Whether a file's row without a key value is rejected before the target (<see cref="FileKeyRule.AppliesTo"/>).</summary>
        private readonly bool _fileKeysRequired;
        private bool _described;
        private EntityState? _current;
        private readonly Stopwatch _sinceStart = Stopwatch.StartNew();

        public ImportSession(ICrmProvider provider, ImportOptions options)
        {
            _provider = provider;
            _options = options;
            _schemaTarget = provider as ICrmSchemaTarget;
            if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
            _target = provider.Connection.DisplayName;
            // Files are written whole when the import completes; databases keep each committed batch.
            _durableTarget = provider.Connection.Provider is not (CrmProviderKind.Csv or CrmProviderKind.Excel);
            _fileKeysRequired = FileKeyRule.AppliesTo(provider.Connection.Provider);
            _ledger = options.WhatIf ? null : options.Ledger;
            if (_ledger is not null)
            {
                if ((options.Resume || options.RunId is not null) && !_durableTarget)
                {
                    throw new CrmException("ResumeNotSupported", CrmErrorKind.InvalidArgument,
                        $"{_target} is a file target, written whole when the import completes; an interrupted import left nothing to resume. Run the import again without -Resume.");
                }
                (_runId, _resumed) = _ledger.StartOrResume(new LedgerRunInfo
                {
                    Target = _target,
                    ModuleVersion = options.ModuleVersion,
                    Parameters = options.Parameters,
                    Kind = options.Kind,
                    PreviousRunId = options.PreviousRunId,
                    Part = options.Partition,
                    Partitions = options.Partitions,
                }, options.RunId, options.Resume);
                if (_ledger.LeaseTakenOver is string takeover) Warnings.Add(takeover);
                if (_resumed && _schemaTarget is not null)
                {
                    // What the interrupted run created and had still to finish: its foreign keys come after the data.
                    var pending = _ledger.PendingSchema(_runId);
                    _schemaTarget.QueueAfterData(pending);
                    foreach (var s in pending) if (s.What is "foreign key" or Schema.SchemaScripter.ForeignKeyCheck) _created.Add(s.Entity);
                }
            }
        }

        /// <summary>The ledger run id, when the ledger is on.</summary>
        public string? RunId => _runId;

        /// <summary>The key fields the records of a target entity named (null: the target's primary key).</summary>
        public IReadOnlyList<string>? KeyFieldsOf(string entity) => _entities.TryGetValue(entity, out var state) ? state.KeyFields : null;

        /// <summary>True when this session continues an earlier run.</summary>
        public bool Resumed => _resumed;

        /// <summary>Things the user should know that do not stop the import (e.g. a target that lost records the ledger recorded).</summary>
        public List<string> Warnings { get; } = new();

        /// <summary>For a resumed run: how long after the session started the first record not yet accounted for was written.</summary>
        public TimeSpan? FirstNewRecordAfter { get; private set; }

        /// <summary>Adds a record; when its entity's batch is full, writes it and adds the results to <paramref name="results"/>.</summary>
        public void Add(CrmRecord record, List<ImportResult> results)
        {
            Drain();
            if (_options.Entity is not null && !string.Equals(record.Entity, _options.Entity, StringComparison.Ordinal))
            {
                record = record.Clone();
                record.Entity = _options.Entity;
            }
            Describe(record);
            if (_fileKeysRequired && FileKeyRule.EmptyKeyField(record) is int k and >= 0)
            {
                // A file's row without a key value has no identity: rejected here, before the target, and reported as it is refused.
                var (refused, outcome) = FileKeyRule.Reject(record, k, record.Entity);
                Preset(GetState(record.Entity, null, openWriter: false), refused, outcome, results);
                return;
            }
            var state = Enter(record, results);
            state.Received++;
            if (state.Rows is { Count: > 0 }) MaterializeRows(state);
            state.Batch.Add(record);
            state.Preset.Add(null);
            if (state.Batch.Count >= _options.BatchSize) FlushEntity(state, results);
        }

        /// <summary>The first record the session sees describes the run in the ledger (its source system, its mapping).</summary>
        private void Describe(CrmRecord record)
        {
            if (_described || _ledger is null) return;
            _described = true;
            _ledger.DescribeRun(_runId!, record.Origin?.System, record.MappingHash);
        }

        /// <summary>
        /// The state of the entity a record goes to, its target opened by its first record (the table made with -Create, the
        /// writer opened), and the stream moved on to it.
        /// </summary>
        private EntityState Enter(CrmRecord record, List<ImportResult> results)
        {
            EntityState state;
            bool first;
            if (_current is { WriterOpened: true } current && ReferenceEquals(record.Entity, current.Summary.Entity))
            {
                // The next record of the entity the stream is on (records of one reader or mapping share the entity's string):
                // no lookups by name, which hash the name case-insensitively twice per record.
                state = current;
                first = false;
            }
            else
            {
                first = !_entities.TryGetValue(record.Entity, out var known) || !known.WriterOpened;
                state = GetState(record.Entity, record.Key?.FieldNames, record: record);
            }
            if (!ReferenceEquals(state, _current))
            {
                // The stream moved on to a new entity (Export-CrmData sends parents before children): write what
                // the others hold first, so a child rarely has to wait for its parent. A stream that alternates
                // between entities it has seen (one denormalised source feeding Account and Contact) keeps its
                // batches: a child whose parent is still in a pending batch waits for it (see ResolveReferences).
                if (first) foreach (var other in _entities.Values) if (!ReferenceEquals(other, state)) FlushEntity(other, results);
                _current = state;
            }
            state.KeyFields ??= record.Key?.FieldNames;
            return state;
        }

        /// <summary>
        /// True when <see cref="Add"/> would refuse the record before its batch: a file's row whose key is empty, into a database
        /// (<see cref="FileKeyRule"/>). The copier hands such a row to the session instead of a dedupe.
        /// </summary>
        internal bool RefusesForItsKey(CrmRecord record) => _fileKeysRequired && FileKeyRule.EmptyKeyField(record) >= 0;

        /// <summary>
        /// Accounts for a record that was decided before the target (rejected or filtered by the mapping, say):
        /// it counts in <paramref name="entity"/>'s books and the ledger records it with the entity's next batch,
        /// so read = inserted + updated + skipped + rejected + merged + filtered holds for everything that entered.
        /// </summary>
        public void AddDecided(string entity, CrmRecord record, CrmRecordOutcome outcome, List<ImportResult> results)
        {
            Drain();
            if (outcome.Outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped)
            {
                throw new ArgumentException("A decided record is rejected, filtered or merged; landed records go through Add.", nameof(outcome));
            }
            var state = GetState(_options.Entity ?? entity, null, openWriter: false);
            _decided.Add(outcome);
            Preset(state, record, outcome, results);
        }

        /// <summary>
        /// A record with an outcome decided before the target into its entity's next batch: in the books and the ledger with it, in its
        /// place. A decided one (<see cref="AddDecided"/>) was reported where it was decided; any other is reported as the target's
        /// refusals are (an error and a reject-file row).
        /// </summary>
        private void Preset(EntityState state, CrmRecord record, CrmRecordOutcome outcome, List<ImportResult> results)
        {
            state.Received++;
            if (state.Rows is { Count: > 0 } rows)
            {
                // Rows of the batch lane are pending: the decided record waits among them, in its place (see AddBatch).
                if (JoinsRows(record, outcome, rows))
                {
                    rows.AddRecord(record, outcome);
                    if (rows.Count >= _options.BatchSize) FlushEntity(state, results);
                    return;
                }
                MaterializeRows(state);
            }
            state.Batch.Add(record);
            state.Preset.Add(outcome);
            if (state.Batch.Count >= _options.BatchSize) FlushEntity(state, results);
        }

        /// <summary>Makes sure the entity has a summary at the end, even when no record comes for it (an empty source, a filter that matched nothing).</summary>
        public void Expect(string entity)
        {
            GetState(_options.Entity ?? entity, null, openWriter: false);
        }

        /// <summary>Writes every pending batch.</summary>
        public void Flush(List<ImportResult> results)
        {
            Drain();
            // Flushing a parent can release children that waited for it into their batches: repeat until nothing is pending.
            for (bool pending = true; pending;)
            {
                pending = false;
                foreach (var state in _entities.Values) FlushEntity(state, results);
                Drain();
                foreach (var state in _entities.Values) pending |= Pending(state) > 0;
            }
        }

        /// <summary>
        /// Writes what is pending, completes every writer, closes the books and returns the per-entity
        /// summaries (for a ledger run: the whole run's, resumed attempts included). Throws
        /// ImportAccountingMismatch or LedgerAccountingMismatch when the books do not balance.
        /// </summary>
        public IReadOnlyList<CrmImportSummary> Complete(List<ImportResult> results)
        {
            Drain();
            _closing = true; // from here on every batch is written on this thread (see FlushRows)
            Flush(results);
            DrainSpill(results);
            AwaitOtherPartitions(results);
            ResolveWaiting(results);
            ReviseDesigns();
            foreach (var state in _entities.Values)
            {
                if (!_options.WhatIf) state.Writer?.Complete();
            }
            // A partitioned run's foreign keys and indexes come after every partition's data: the last worker makes them.
            bool lastPartition = false;
            if (Partitioned)
            {
                // The run's books are verified by the last worker only: while others still record, counters and outcomes move.
                CheckReceived();
                lastPartition = _ledger!.FinishPartition(_runId!, _options.Partition!.Value, success: true);
                if (!lastPartition)
                {
                    _partitionFinished = true;
                    return PartitionSummaries();
                }
                if (_schemaTarget is not null && _schemaTarget.PendingAfterData.Count == 0) _schemaTarget.QueueAfterData(_ledger.PendingSchema(_runId!));
            }
            CompleteSchema();
            CheckReceived();
            if (!_options.WhatIf && _entities.Count > 0 && _provider is ICrmFileSet fileSet)
            {
                // A SaaS load file set is checked against its format's rules as soon as it is written (Test-CrmFile does the same).
                foreach (var finding in fileSet.CheckFiles()) Warnings.Add("Test-CrmFile: " + finding);
            }
            if (_ledger is null)
            {
                var plain = new List<CrmImportSummary>();
                foreach (var state in _entities.Values) plain.Add(state.Summary);
                return plain;
            }
            VerifyBooks();
            if (lastPartition)
            {
                _ledger.CompletePartitionedRun(_runId!, _options.Partition!.Value, success: true);
                _partitionFinished = true;
                return PartitionSummaries();
            }
            _ledger.FinishRun(_runId!, success: true);
            var summaries = _ledger.Counters(_runId!, _target);
            foreach (var state in _entities.Values)
            {
                // An entity nothing came for has no counters in the ledger: it still gets its (empty) summary.
                bool listed = false;
                foreach (var s in summaries) listed |= string.Equals(s.Entity, state.Summary.Entity, StringComparison.OrdinalIgnoreCase);
                if (!listed) summaries.Add(state.Summary);
            }
            foreach (var s in summaries)
            {
                s.RunId = _runId;
                if (_entities.TryGetValue(s.Entity, out var state))
                {
                    s.Elapsed = state.Clock.Elapsed;
                    foreach (var kv in state.Summary.RejectReasons) s.RejectReasons[kv.Key] = kv.Value;
                }
            }
            return summaries;
        }

        /// <summary>Records how the run read a source (e.g. "contacts.csv encoding=windows-1252 (guessed)") with the run's parameters in the ledger.</summary>
        public void NoteRunParameter(string text)
        {
            Drain();
            if (_ledger is not null && _runId is not null) _ledger.AppendRunParameters(_runId, text);
        }

        /// <summary>Marks the ledger run failed (the command stopped with an error); for a partitioned run, only this worker's partition.</summary>
        public void Abandon()
        {
            // A batch still being written is accounted for where it can be (it may have committed); else only waited for.
            try
            {
                Drain();
            }
            catch (Exception)
            {
                // The error that stopped the command is the one told.
            }
            if (_ledger is null || _runId is null) return;
            if (!Partitioned) _ledger.FinishRun(_runId, success: false);
            else if (!_partitionFinished) _ledger.FinishPartition(_runId, _options.Partition!.Value, success: false);
        }

        private bool _partitionFinished;
        private bool _closing;

        /// <summary>True when this session is one worker of a partitioned ledger run.</summary>
        private bool Partitioned => _ledger is not null && _runId is not null && _options.Partition is not null && _options.Partitions is not null;

        /// <summary>Every record this session received is accounted for in its entity's books (ImportAccountingMismatch otherwise).</summary>
        private void CheckReceived()
        {
            foreach (var state in _entities.Values)
            {
                state.Clock.Stop();
                state.Summary.Elapsed = state.Clock.Elapsed;
                var s = state.Summary;
                long accounted = s.Inserted + s.Updated + s.Skipped + s.Rejected + s.Merged + s.Filtered + s.Deleted + state.AlreadyRecorded;
                if (accounted != state.Received)
                {
                    throw new CrmException("ImportAccountingMismatch", CrmErrorKind.WriteError,
                        $"{s.Entity}: {state.Received} records received but {accounted} accounted for (difference {state.Received - accounted}).");
                }
            }
        }

        /// <summary>The run's books (every partition's so far) balance and agree with the recorded outcomes, or LedgerAccountingMismatch (the run Failed).</summary>
        private void VerifyBooks()
        {
            var problems = _ledger!.Verify(_runId!);
            if (problems.Count == 0) return;
            if (Partitioned)
            {
                _ledger.FinishPartition(_runId!, _options.Partition!.Value, success: false);
                _partitionFinished = true;
            }
            else _ledger.FinishRun(_runId!, success: false);
            throw new CrmException("LedgerAccountingMismatch", CrmErrorKind.WriteError,
                $"The books of run {_runId} do not balance: {string.Join(" ", problems)} The ledger is {_ledger.Path}.");
        }

        /// <summary>A partitioned worker's summaries: its partition's books (every attempt of it), each saying its Partition.</summary>
        private IReadOnlyList<CrmImportSummary> PartitionSummaries()
        {
            var summaries = _ledger!.PartitionCounters(_runId!, _options.Partition!.Value, _target);
            foreach (var state in _entities.Values)
            {
                bool listed = false;
                foreach (var s in summaries) listed |= string.Equals(s.Entity, state.Summary.Entity, StringComparison.OrdinalIgnoreCase);
                if (!listed) summaries.Add(state.Summary);
            }
            foreach (var s in summaries)
            {
                s.RunId = _runId;
                s.Partition = _options.PartitionText;
                if (_entities.TryGetValue(s.Entity, out var state))
                {
                    s.Elapsed = state.Clock.Elapsed;
                    foreach (var kv in state.Summary.RejectReasons) s.RejectReasons[kv.Key] = kv.Value;
                }
            }
            return summaries;
        }

        private EntityState GetState(string entity, IReadOnlyList<string>? keyFields, bool openWriter = true, CrmRecord? record = null)
        {
            if (_entities.TryGetValue(entity, out var state))
            {
                if (openWriter && !state.WriterOpened)
                {
                    EnsureEntity(entity, keyFields, record);
                    OpenWriter(state, keyFields);
                    state.TargetReferences = TargetReferencesOf(entity);
                }
                return state;
            }
            state = new EntityState(new CrmImportSummary(entity, _target) { WhatIf = _options.WhatIf, RunId = _runId });
            _entities.Add(entity, state);
            try
            {
                // Records decided before the target (AddDecided) do not open the writer: the first record to write
                // does, with its key fields, so a CSV target's sidecar still names the key.
                if (openWriter)
                {
                    EnsureEntity(entity, keyFields, record);
                    OpenWriter(state, keyFields);
                }
                state.TargetReferences = TargetReferencesOf(entity);
                if (_ledger is not null && _durableTarget)
                {
                    // Built when the entity's first batch asks for them: by then a resumed read knows where it starts.
                    state.IndexLoader = s => LoadIndexes(s, entity, keyFields);
                    state.LoadIndexes = state.IndexLoader;
                }
            }
            catch
            {
                _entities.Remove(entity);
                state.Dispose();
                throw;
            }
            SavePendingSchema();
            return state;
        }

        private void OpenWriter(EntityState state, IReadOnlyList<string>? keyFields)
        {
            state.WriterOpened = true;
            // Undo-CrmMigration: a table the writer is about to create, and the before-images of every batch, go to the ledger.
            bool keep = _ledger is not null && _durableTarget && !_options.WhatIf && _provider is ICrmRowEditor;
            if (keep && _options.CreateIfMissing && !CreatedHere(state.Summary.Entity))
            {
                // A target that cannot be reached says so when the writer opens (TargetConnectionFailed), not here.
                try { if (!EntityExists(state.Summary.Entity)) _ledger!.RecordCreated(_runId!, state.Summary.Entity); }
                catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.ConnectionError) { }
            }
            // A resumed run may send again records the target committed just before a crash (the batch the ledger had not recorded):
            // an insert run writes as it was asked and sends the rows the target refuses as duplicates again as upserts, which find
            // them unchanged (see RetakeDuplicates), so the rest is not written row by row as upserts. Rows without a key in a table
            // without one cannot be upserted: they are inserted (the ledger's copy identities skip what it recorded).
            // Only a resumed run, which has a ledger, so never under -WhatIf (which has none).
            state.RetakesDuplicates = _resumed && _durableTarget && _options.Mode == CrmWriteMode.Insert && !KeylessTarget(state.Summary.Entity, keyFields);
            try
            {
                state.Writer = _provider.OpenWriter(state.Summary.Entity, state.WriteOptions = new CrmWriteOptions
                {
                    Mode = _options.Mode,
                    CreateIfMissing = _options.CreateIfMissing,
                    KeyFields = keyFields,
                    Encoding = _options.Encoding,
                    Schema = _designs.TryGetValue(state.Summary.Entity, out var design) ? design : null,
                    AddColumns = _options.AddColumns,
                    OnSchema = _options.OnSchema,
                    EnforceForeignKeys = CreatedHere(state.Summary.Entity) ? false : null,
                    OnBeforeCommit = keep ? images => { lock (_ledgerGate) _ledger!.RecordImages(_runId!, images.Entity, state.BatchNumber, images); } : null,
                });
            }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.ConnectionError)
            {
                state.OpenError = ex;
            }
        }

        /// <summary>True when the records name no key and the target table has none (or does not exist yet, so it is made without one).</summary>
        private bool KeylessTarget(string entity, IReadOnlyList<string>? keyFields)
        {
            if (keyFields is { Count: > 0 }) return false;
            try
            {
                return _provider.DescribeEntity(entity, includeRowCount: false) is not { Key.Count: > 0 };
            }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound)
            {
                return true;
            }
        }

        /// <summary>
        /// The ledger skips records it fingerprinted as written. If the target now holds fewer records than the ledger
        /// fingerprinted (rows deleted out of band, a table restored from an old backup), the run finds which keys the
        /// target lacks and forgets only those fingerprints: exactly the missing records are written again, the rest are
        /// still skipped as unchanged, and one warning says how many were repaired. A target that cannot be asked for keys
        /// loses all the entity's fingerprints instead (every record is written again).
        /// </summary>
        /// <returns>The fingerprint index to skip unchanged records by, or null when there is nothing to skip.</returns>
        private HashIndex? LoadContentIndex(HashIndex index, string entity, IReadOnlyList<string>? keyFields, EntityState state)
        {
            try
            {
                var kept = CheckContentIndex(index, entity, keyFields, state);
                if (!ReferenceEquals(kept, index)) index.Dispose();
                return kept;
            }
            catch
            {
                index.Dispose();
                throw;
            }
        }

        private HashIndex? CheckContentIndex(HashIndex index, string entity, IReadOnlyList<string>? keyFields, EntityState state)
        {
            long believed = index.Count;
            if (believed == 0) return null;
            long actual;
            try
            {
                actual = _provider.DescribeEntity(entity, includeRowCount: true)?.RowCount ?? 0;
            }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound)
            {
                actual = 0; // the database itself is gone
            }
            if (actual >= believed) return index;
            HashSet<string>? present = null;
            List<string>? known = null;
            if (Lookup is { } lookup && actual > 0)
            {
                known = _ledger!.ContentKeys(_target, entity);
                present = lookup.ExistingKeys(entity, keyFields, known);
            }
            if (present is null || known is null)
            {
                if (_resumed)
                {
                    throw new CrmException("ResumeTargetChanged", CrmErrorKind.InvalidArgument,
                        $"{_target} holds {actual} {entity} records but the ledger recorded {believed} written: the target changed since the run stopped. Start a new run (without -Resume).");
                }
                _ledger!.ForgetContent(_target, entity);
                Warnings.Add($"{_target} holds {actual} {entity} records but the ledger recorded {believed} as written; the ledger's fingerprints for {entity} are discarded and every record is written again.");
                return null;
            }
            var missing = new List<string>();
            foreach (var key in known)
            {
                if (present.Contains(key)) continue;
                missing.Add(key);
                long hash = ContentHash.OfKey(key);
                index.Remove(hash);
                state.Repaired.Add(hash);
            }
            if (missing.Count > 0)
            {
                string examples = string.Join(", ", missing.GetRange(0, Math.Min(5, missing.Count)));
                Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{entity}: {_target} lacks {missing.Count:N0} of the {believed:N0} records the ledger recorded as written (e.g. {examples}); exactly those are written again, the others are skipped as unchanged."));
            }
            return index;
        }


        private void FlushEntity(EntityState state, List<ImportResult> results)
        {
            // Rows of the batch lane are written as rows where the entity's state still allows it, else they become records here
            // (FlushRows finishes a batch being written first, and accounts for it once the next is on its way).
            if (state.Rows is { Count: > 0 } && FlushRows(state, results)) return;
            Drain();
            if (state.Batch.Count == 0) return;
            if (state.OpenError is null) ResolveReferences(state);
            var batch = state.Batch;
            var preset = state.Preset;
            if (batch.Count == 0) return;
            state.BatchNumber++;
            int number = state.BatchNumber;
            _options.CancellationToken.ThrowIfCancellationRequested();

            // 1. Keys: the source key identifies the record in the ledger; the target key in the target.
            var sourceKeys = new string[batch.Count];
            var targetKeys = new string?[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                var r = batch[i];
                targetKeys[i] = r.Key?.ToString();
                sourceKeys[i] = r.Origin?.SourceKey ?? targetKeys[i] ?? PositionOf(r, state, i);
                // A merged record lives on in its survivor: the ledger's crosswalk maps it there.
                if (preset[i] is { Outcome: CrmOutcome.Merged, MergedInto: string survivor }) targetKeys[i] = survivor;
            }

            // 2. Fingerprints (database targets with the ledger): they tell unchanged records from changed ones.
            bool track = _ledger is not null && _durableTarget;
            long[]? hashes = null;
            if (track)
            {
                hashes = new long[batch.Count];
                for (int i = 0; i < batch.Count; i++)
                {
                    hashes[i] = ContentHash.Of(batch[i]);
                    // A record without a key is known by its content: the n-th copy of a content in this entity is
                    // one identity, so importing the same keyless table again finds every row already written
                    // (skipped as unchanged) instead of doubling the table, and two identical rows stay two.
                    if (targetKeys[i] is null && preset[i] is null)
                    {
                        targetKeys[i] = ContentKey(state, hashes[i]);
                        if (batch[i].Origin?.SourceKey is null) sourceKeys[i] = targetKeys[i]!;
                    }
                }
            }

            // 3. A resumed run passes over what it already accounted for: landed with this very content, or rejected.
            HashSet<string>? done = null;
            if (_resumed && state.RunIndex is { } run)
            {
                done = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < batch.Count; i++)
                {
                    bool landedHere = targetKeys[i] is string tk && run.Landed.TryGetValue(ContentHash.OfKey(tk), out long h) && (hashes is null || h == hashes[i]);
                    if (landedHere || run.Rejected.ContainsKey(ContentHash.OfKey(sourceKeys[i]))) done.Add(sourceKeys[i]);
                }
            }

            // 4. Unchanged records (same fingerprint as the ledger last recorded for the target key) are skipped.
            var known = state.ContentIndex;

            var outcomes = new CrmRecordOutcome?[batch.Count];
            var toWrite = new List<CrmRecord>(batch.Count);
            var writeIndex = new List<int>(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                if (done is not null && done.Contains(sourceKeys[i])) { state.AlreadyRecorded++; continue; }
                if (preset[i] is { } decided)
                {
                    outcomes[i] = decided;
                    continue;
                }
                if (state.OpenError is not null)
                {
                    outcomes[i] = new CrmRecordOutcome(batch[i].Entity, targetKeys[i], CrmOutcome.Rejected) { ReasonCode = state.OpenError.Error.Code, Message = state.OpenError.Error.Message };
                    continue;
                }
                if (known is not null && targetKeys[i] is string tk && known.TryGetValue(ContentHash.OfKey(tk), out long previous))
                {
                    if (previous == hashes![i])
                    {
                        outcomes[i] = new CrmRecordOutcome(batch[i].Entity, tk, CrmOutcome.Skipped) { ReasonCode = "Unchanged", Message = "The target already holds this record unchanged (per the ledger)." };
                        continue;
                    }
                    if (_options.Mode == CrmWriteMode.Insert && !_resumed)
                    {
                        outcomes[i] = new CrmRecordOutcome(batch[i].Entity, tk, CrmOutcome.Rejected)
                        {
                            ReasonCode = "DuplicateKey",
                            Message = "A record with this key was imported before with different content; use -Mode Upsert to update it.",
                        };
                        continue;
                    }
                }
                toWrite.Add(batch[i]);
                writeIndex.Add(i);
            }

            // 5. Write (or plan) what is left, retrying transient failures, record by record if the batch fails for good.
            if (toWrite.Count > 0)
            {
                if (_resumed && FirstNewRecordAfter is null) FirstNewRecordAfter = _sinceStart.Elapsed;
                FaultPoints.Hit("before-target", number);
                var written = Write(state, toWrite);
                for (int w = 0; w < written.Count; w++) outcomes[writeIndex[w]] = written[w];
                FaultPoints.Hit("after-target", number);
            }

            // 6. Account, then record in the ledger (after the target committed).
            // One list kept for the session: a new one per batch was a large-object-heap array (10,000 entries of 64 bytes) each time.
            var entries = _ledger is null ? null : _entries;
            entries?.Clear();
            for (int i = 0; i < batch.Count; i++)
            {
                var outcome = outcomes[i];
                if (outcome is null) continue; // already recorded by the run being resumed
                outcome.Batch = number;
                outcome.WhatIf = _options.WhatIf;
                outcome.Origin ??= batch[i].Origin;
                Count(state, outcome);
                results.Add(new ImportResult(batch[i], outcome, _decided.Count > 0 && _decided.Remove(outcome)));
                entries?.Add(new LedgerEntry(batch[i].Origin?.Entity ?? batch[i].Entity, sourceKeys[i], targetKeys[i], outcome, hashes is null ? null : hashes[i]));
            }
            if (entries is not null)
            {
                _ledger!.RecordBatch(_runId!, state.Summary.Entity, number, entries, _options.Partition);
                entries.Clear(); // holds no record past its batch
            }
            SavePendingSchema();
            FaultPoints.Hit("after-ledger", number);
            var released = Landed(state, batch, outcomes, sourceKeys, targetKeys);
            batch.Clear();
            preset.Clear();
            Requeue(released);
        }

        /// <summary>The ledger identity of a record without a key: its content hash and which copy of that content it is.</summary>
        private string ContentKey(EntityState state, long hash)
        {
            // Counted per distinct content: past the cap the counter lives in temporary files, so memory stays flat at any row count.
            state.Copies ??= new HashIndex(_options.MaxIndexInMemory);
            long n = state.Copies.Increment(hash);
            return "\u2205row:" + hash.ToString("x16", CultureInfo.InvariantCulture) + "#" + n.ToString(CultureInfo.InvariantCulture);
        }

        private static string PositionOf(CrmRecord r, EntityState state, int index)
        {
            if (r.Origin is { Line: > 0 } o) return (o.File ?? o.System) + ":" + o.Line.ToString(CultureInfo.InvariantCulture);
            return "#" + (state.Received - state.Batch.Count + index + 1).ToString(CultureInfo.InvariantCulture);
        }

        private List<CrmRecordOutcome> Write(EntityState state, List<CrmRecord> records)
        {
            var writer = state.Writer!;
            for (int attempt = 1; ; attempt++)
            {
                _scratch.Clear();
                try
                {
                    if (_options.WhatIf) writer.PlanBatch(records, _scratch);
                    else writer.WriteBatch(records, _scratch);
                    if (_scratch.Count != records.Count)
                    {
                        throw new InvalidOperationException($"The writer for {state.Summary.Entity} returned {_scratch.Count} outcomes for {records.Count} records.");
                    }
                    var outcomes = new List<CrmRecordOutcome>(_scratch);
                    if (state.RetakesDuplicates) RetakeDuplicates(state, records, outcomes);
                    return outcomes;
                }
                catch (CrmException ex) when (IsTransient(ex) && attempt < _options.MaxAttempts)
                {
                    var pause = Backoff(attempt);
                    Warnings.Add($"{state.Summary.Entity}: batch {state.BatchNumber} failed with a transient error ({ex.Error.Code}: {ex.Error.Message}); attempt {attempt + 1} of {_options.MaxAttempts} in {pause.TotalMilliseconds:F0} ms.");
                    // Ctrl+C ends the wait at once.
                    if (_options.CancellationToken.WaitHandle.WaitOne(pause)) _options.CancellationToken.ThrowIfCancellationRequested();
                }
                catch (CrmException ex) when (!IsTransient(ex) && records.Count > 1 && ex.Error.Kind is not (CrmErrorKind.InvalidArgument or CrmErrorKind.NotFound or CrmErrorKind.Busy))
                {
                    // The batch failed as a whole: write record by record so only the bad ones are rejected.
                    return WriteOneByOne(state, records);
                }
            }
        }

        /// <summary>
        /// A resumed insert run (<see cref="EntityState.RetakesDuplicates"/>): the records the target refused as duplicates are written
        /// again as upserts, which is what the whole resumed run wrote before: one the crashed run committed is found unchanged, one
        /// that differs is updated. Their outcomes replace the refusals. Only the batch the crash left unrecorded has such rows (and
        /// keys the target held already), so the rest of the run keeps the insert path.
        /// </summary>
        private void RetakeDuplicates(EntityState state, IReadOnlyList<CrmRecord> records, IList<CrmRecordOutcome> outcomes)
        {
            List<int>? at = null;
            for (int i = 0; i < outcomes.Count; i++)
            {
                if (RefusedAsDuplicate(outcomes[i])) (at ??= new List<int>()).Add(i);
            }
            if (at is null) return;
            var again = new List<CrmRecord>(at.Count);
            foreach (int i in at) again.Add(records[i]);
            var options = state.WriteOptions!;
            state.RetakesDuplicates = false;
            options.Mode = CrmWriteMode.Upsert;
            try
            {
                var retaken = Write(state, again);
                for (int k = 0; k < at.Count; k++) outcomes[at[k]] = retaken[k];
            }
            finally
            {
                options.Mode = CrmWriteMode.Insert;
                state.RetakesDuplicates = true;
            }
        }

        /// <summary>Whether the target refused the record as a key it already holds (what a resumed insert run takes again).</summary>
        private static bool RefusedAsDuplicate(CrmRecordOutcome? outcome) => outcome is { Outcome: CrmOutcome.Rejected, ReasonCode: "DuplicateKey" };

        /// <summary>Writes records one at a time (a batch that failed as a whole), so only the bad ones are rejected.</summary>
        private List<CrmRecordOutcome> WriteOneByOne(EntityState state, List<CrmRecord> records)
        {
            var one = new List<CrmRecord>(1);
            var result = new List<CrmRecordOutcome>(records.Count);
            foreach (var r in records)
            {
                one.Clear();
                one.Add(r);
                try
                {
                    result.AddRange(Write(state, one));
                }
                catch (CrmException single) when (!IsTransient(single))
                {
                    result.Add(new CrmRecordOutcome(r.Entity, r.Key?.ToString(), CrmOutcome.Rejected) { ReasonCode = single.Error.Code, Message = single.Error.Message });
                }
            }
            return result;
        }

        private static bool IsTransient(CrmException ex)
        {
            if (ex.Error.Kind == CrmErrorKind.ConnectionError) return true;
            for (Exception? e = ex.InnerException; e is not null; e = e.InnerException)
            {
                if (e is Microsoft.Data.Sqlite.SqliteException s && (s.SqliteErrorCode == 5 || s.SqliteErrorCode == 6)) return true; // BUSY, LOCKED
                if (e is TimeoutException) return true;
            }
            return false;
        }

        private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(attempt, 10))));

        private static void Count(EntityState state, CrmRecordOutcome outcome)
        {
            var s = state.Summary;
            if (!s.Count(outcome.Outcome)) return;
            string reason = outcome.ReasonCode ?? "Unknown";
            s.RejectReasons[reason] = s.RejectReasons.TryGetValue(reason, out long n) ? n + 1 : 1;
        }

        public void Dispose()
        {
            Abort();
            foreach (var state in _entities.Values)
            {
                state.Writer?.Dispose();
                state.Dispose();
            }
            DisposeSpill();
        }

        private sealed class EntityState : IDisposable
        {
            public EntityState(CrmImportSummary summary) { Summary = summary; }
            public CrmImportSummary Summary { get; }
            public ICrmEntityWriter? Writer { get; set; }
            /// <summary>The options <see cref="Writer"/> was opened with (the session switches their Mode, see RetakeDuplicates).</summary>
            public CrmWriteOptions? WriteOptions { get; set; }
            /// <summary>Whether rows the target refuses as duplicates are written again as upserts: a resumed insert run (see RetakeDuplicates).</summary>
            public bool RetakesDuplicates { get; set; }
            public bool WriterOpened { get; set; }
            public CrmException? OpenError { get; set; }
            public List<CrmRecord> Batch { get; } = new();
            /// <summary>Rows of the batch lane not yet written (never at once with records in <see cref="Batch"/>), or null.</summary>
            public Batches.RowBatch? Rows { get; set; }
            /// <summary>The other batch of rows, given back when the batch written on another thread is accounted for (see FlushRows).</summary>
            public Batches.RowBatch? SpareRows { get; set; }
            /// <summary>Parallel to Batch: an outcome decided before the target (null = write the record).</summary>
            public List<CrmRecordOutcome?> Preset { get; } = new();
            /// <summary>The key fields the records of this entity name (from their keys), for looking parents up.</summary>
            public IReadOnlyList<string>? KeyFields { get; set; }
            /// <summary>References the target declares (foreign keys), bound per record shape below.</summary>
            public List<CrmReference>? TargetReferences { get; set; }
            public Dictionary<CrmFieldShape, ReferenceBinding[]> Bindings { get; } = new(ReferenceEqualityComparer.Instance);
            public int BatchNumber { get; set; }
            public long Received { get; set; }
            public long AlreadyRecorded { get; set; }
            /// <summary>Builds <see cref="ContentIndex"/> and <see cref="RunIndex"/> when either is first asked for (null once built).</summary>
            public Action<EntityState>? LoadIndexes { get; set; }
            /// <summary>What <see cref="LoadIndexes"/> was, to build the indexes again (<see cref="ReloadIndexes"/>).</summary>
            public Action<EntityState>? IndexLoader { get; set; }
            /// <summary>The source entity whose resume point the indexes were built after (they hold only what the run recorded after it), or null.</summary>
            public string? IndexesAfterPointOf { get; set; }
            private bool _loading;
            private HashIndex? _contentIndex;
            private (HashIndex Landed, HashIndex Rejected)? _runIndex;

            public HashIndex? ContentIndex
            {
                get { Load(); return _contentIndex; }
                set => _contentIndex = value;
            }
            /// <summary>Target key hashes the ledger recorded as written that the target no longer holds: written again.</summary>
            public HashSet<long> Repaired { get; } = new();
            /// <summary>Records without a key: how many copies of each content this run has seen (their ledger identity).</summary>
            public HashIndex? Copies { get; set; }
            public (HashIndex Landed, HashIndex Rejected)? RunIndex
            {
                get { Load(); return _runIndex; }
                set => _runIndex = value;
            }

            /// <summary>Drops the indexes built so far; they are built again, from the whole ledger, when next asked for.</summary>
            public void ReloadIndexes()
            {
                _contentIndex?.Dispose();
                _contentIndex = null;
                if (_runIndex is { } run)
                {
                    run.Landed.Dispose();
                    run.Rejected.Dispose();
                    _runIndex = null;
                }
                IndexesAfterPointOf = null;
                LoadIndexes = IndexLoader;
            }

            /// <summary>Runs <see cref="LoadIndexes"/> once (again after a failure: nothing is passed over without its index).</summary>
            private void Load()
            {
                if (_loading || LoadIndexes is not { } load) return;
                _loading = true;
                try
                {
                    load(this);
                    LoadIndexes = null;
                }
                finally
                {
                    _loading = false;
                }
            }
            public Stopwatch Clock { get; } = Stopwatch.StartNew();

            /// <summary>Deletes the indexes' temporary files.</summary>
            public void Dispose()
            {
                LoadIndexes = null;
                _contentIndex?.Dispose();
                Copies?.Dispose();
                if (_runIndex is { } run)
                {
                    run.Landed.Dispose();
                    run.Rejected.Dispose();
                }
            }
        }
    }
}
