using System;
using System.Collections.Generic;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// -ThrottleLimit: source entities read ahead, each on a thread of its own (see <see cref="ReadAheadLanes{T}"/>). Only the
    /// reading moves: a lane's reader puts its problems into its batches (<see cref="BatchReadOptions.ProblemsInBatch"/>), and
    /// this thread tells them before the batch's rows, as it does when it reads itself, so errors, rejects, books, the ledger
    /// and saved read positions come out as with one entity at a time. The reader is opened here, on the calling thread (the
    /// provider's own state is never touched from two threads); only its enumeration runs on the lane's thread.
    /// </summary>
    public sealed partial class MigrationCopier
    {
        /// <summary>Batches a lane holds read ahead, at most (of the session's batch size or 2,048 rows each).</summary>
        private const int LaneDepth = 4;

        private ReadAheadLanes<RowBatch>? _lanes;
        private readonly Dictionary<string, LaneRead> _laneReads = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>How a lane's read started: its options and kept file, and what it had to say then, told when its entity's copy starts.</summary>
        private sealed class LaneRead
        {
            public LaneRead(BatchReadOptions read, BatchPositions? positions)
            {
                Read = read;
                Positions = positions;
            }

            public BatchReadOptions Read { get; }
            public BatchPositions? Positions { get; }
            public List<string> Notes { get; } = new();
            public List<string> Warnings { get; } = new();
        }

        /// <summary>
        /// Whether this copy reads files ahead: a limit above 1, a source of files read in batches (a database reads one entity
        /// ahead at a time, see <see cref="BatchesOf"/>), a mapping, not a delta run or a dedupe.
        /// </summary>
        private bool ReadsAhead => _options.ThrottleLimit > 1 && _source is ICrmBatchSource && !DatabaseSource && _mapping is not null && !_options.Incremental && _options.Dedupe is null;

        /// <summary>A database source read table by table (PostgreSQL, MySQL/MariaDB, no profile).</summary>
        private bool DatabaseSource => _source is Providers.Db.DbProvider && Providers.Db.Profiles.CrmProfile.ForConnection(_source.Connection) is null;

        /// <summary>Whether a database source is read ahead, on a thread of its own (see <see cref="DatabaseReadAhead"/>).</summary>
        private bool DatabaseAhead => DatabaseSource && (DatabaseReadAhead ?? _options.ThrottleLimit > 1);

        private void StartLanes(IReadOnlyList<(string Source, string Target)> plan, CrmReadOptions readOptions)
        {
            if (!ReadsAhead) return;
            var order = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (source, _) in plan) if (seen.Add(source)) order.Add(source);
            _lanes = new ReadAheadLanes<RowBatch>(order, _options.ThrottleLimit, source => StartLane(plan, source, readOptions));
        }

        /// <summary>Starts reading a source entity ahead, or null when it is not read in batches (no confirmed target, no mapped target).</summary>
        private ReadAheadLane<RowBatch>? StartLane(IReadOnlyList<(string Source, string Target)> plan, string source, CrmReadOptions readOptions)
        {
            var batchSource = (ICrmBatchSource)_source;
            var mapped = _mapping!.TargetsOf(source);
            if (mapped.Count == 0) return null;
            var targets = ConfirmedTargets(plan, source, null);
            if (targets.Count == 0) return null;
            int notes = Notes.Count, warnings = Warnings.Count;
            var (read, positions) = BatchRead(source, targets, mapped, batchSource);
            var started = new LaneRead(read, positions);
            // What the start said (a resumed position, a changed file) is told when the entity's copy starts, in its place.
            started.Notes.AddRange(Notes.GetRange(notes, Notes.Count - notes));
            Notes.RemoveRange(notes, Notes.Count - notes);
            started.Warnings.AddRange(Warnings.GetRange(warnings, Warnings.Count - warnings));
            Warnings.RemoveRange(warnings, Warnings.Count - warnings);
            read.ProblemsInBatch = true;
            _laneReads[source] = started;
            return new ReadAheadLane<RowBatch>(source, (rent, token) =>
            {
                read.Rent = rent;
                return batchSource.ReadBatches(source, readOptions, read, _ => { }, token);
            }, LaneDepth, _options.Import.CancellationToken, batch => batch.Clear());
        }

        /// <summary>
        /// Whether a database source is read on a thread of its own while this one maps and writes: null (the default) when the user
        /// asked for threads (-ThrottleLimit above 1); measured on 2 shared cores it cost 5-10% more CPU and its wall-clock gain was
        /// within the noise (docs/benchmarks-db.md), so it is not on unasked; true or false for every database source
        /// (CRMMIGRATION_READ_AHEAD=1 or 0, to compare).
        /// </summary>
        internal static bool? DatabaseReadAhead { get; set; } = Environment.GetEnvironmentVariable("CRMMIGRATION_READ_AHEAD") switch
        {
            "0" => false,
            "1" => true,
            _ => null,
        };

        /// <summary>Records a database source reads ahead at a time (in chunks of this many), and chunks held ahead at most.</summary>
        private const int ReadAheadChunk = 1024, ReadAheadDepth = 4;

        /// <summary>
        /// A database table's records, read on a thread of their own (see <see cref="DatabaseReadAhead"/>) up to <see cref="ReadAheadDepth"/> chunks ahead of this thread (see
        /// <see cref="RecordReadAhead"/>): only the server's rows are read and made records there; the read is opened (its
        /// resume position chosen) here, and everything after it (mapping, the session, the ledger, the writers, saved positions,
        /// errors in their place) stays on this thread. Another source, or with read-ahead off, is read here.
        /// </summary>
        private IEnumerable<CrmRecord> ReadAheadOf(string source, Func<Action<CrmDataError>, System.Threading.CancellationToken, IEnumerable<CrmRecord>> open, Action<CrmDataError> onError)
        {
            var ct = _options.Import.CancellationToken;
            if (!DatabaseAhead) return open(onError, ct);
            return RecordReadAhead.Read(source, open, onError, ReadAheadChunk, ReadAheadDepth, ct);
        }

        /// <summary>
        /// The batches of a source read here, or, for a database table read ahead (<see cref="DatabaseAhead"/>), on a thread of its
        /// own up to <see cref="LaneDepth"/> batches ahead of this one: the read is opened here (its query and resume position
        /// settled), only its rows are read there; the reader's problems come in the batches and are told here before their
        /// rows; ending the enumeration (done, failed or Ctrl+C) cancels the read and joins its thread.
        /// </summary>
        private IEnumerable<RowBatch> BatchesOf(string source, ICrmBatchSource batchSource, CrmReadOptions readOptions, BatchReadOptions read, Action<CrmDataError> onError)
        {
            var ct = _options.Import.CancellationToken;
            if (!DatabaseAhead) return batchSource.ReadBatches(source, readOptions, read, onError, ct);
            return Ahead(source, batchSource, readOptions, read, ct);
        }

        private static IEnumerable<RowBatch> Ahead(string source, ICrmBatchSource batchSource, CrmReadOptions readOptions, BatchReadOptions read, System.Threading.CancellationToken ct)
        {
            read.ProblemsInBatch = true;
            using var lane = new ReadAheadLane<RowBatch>(source, (rent, token) =>
            {
                read.Rent = rent;
                return batchSource.ReadBatches(source, readOptions, read, _ => { }, token);
            }, LaneDepth, ct, batch => batch.Clear());
            foreach (var batch in lane.Take(ct)) yield return batch;
        }

        private void EndLane(string source)
        {
            _lanes!.End(source);
            _laneReads.Remove(source);
        }

        private void EndLanes()
        {
            _lanes?.Dispose();
            _lanes = null;
            _laneReads.Clear();
        }
    }
}
