using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Dedupe;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Engine.Import
{
    /// <summary>How far a copy has come: the source entity being read, its records so far and the rate.</summary>
    public readonly struct CopyProgress
    {
        public CopyProgress(string entity, long records, long total, double seconds)
        {
            Entity = entity;
            Records = records;
            Total = total;
            Seconds = seconds;
        }

        /// <summary>The source entity being read.</summary>
        public string Entity { get; }
        /// <summary>Records read of this entity so far.</summary>
        public long Records { get; }
        /// <summary>Records read of all entities so far.</summary>
        public long Total { get; }
        /// <summary>Seconds since the copy started.</summary>
        public double Seconds { get; }
        /// <summary>Records per second over the whole copy.</summary>
        public double Rate => Seconds > 0 ? Total / Seconds : 0;
    }

    /// <summary>Options of a copy (the import's own options are in <see cref="Import"/>).</summary>
    public sealed class CopyOptions
    {
        /// <summary>The mapping, or null to copy records as they are.</summary>
        public CompiledMapping? Mapping { get; set; }
        /// <summary>Source entities to copy (null: all; with a mapping, the mapping's source entities). Copied parents first whatever the order here.</summary>
        public IReadOnlyList<string>? Entities { get; set; }
        /// <summary>Field conditions every source record must meet to be read (as Export-CrmData -Filter).</summary>
        public IReadOnlyList<CrmFieldFilter> Filters { get; set; } = Array.Empty<CrmFieldFilter>();
        /// <summary>Batching, mode, ledger, resume, -WhatIf and cancellation of the import side.</summary>
        public ImportOptions Import { get; set; } = new();
        /// <summary>Where rejected records go (null: nowhere but the error callback).</summary>
        public RejectFileWriter? Rejects { get; set; }
        /// <summary>Asked once per target entity before its first record; false declines the entity (its records count as rejected, NotConfirmed).</summary>
        public Func<string, bool>? Confirm { get; set; }
        /// <summary>Each problem with a record, as it happens: malformed source rows, mapping rejections, records the target refused.</summary>
        public Action<CrmDataError>? OnError { get; set; }
        /// <summary>Each record's outcome, as its batch completes (only when someone wants them: it costs an object per record downstream).</summary>
        public Action<CrmRecordOutcome>? OnOutcome { get; set; }
        /// <summary>Called every <see cref="ProgressInterval"/> records and at the end of each entity.</summary>
        public Action<CopyProgress>? OnProgress { get; set; }
        public int ProgressInterval { get; set; } = 4096;
        /// <summary>Value warnings of the mapping (typos, truncations) reported one by one before only counting them.</summary>
        public int MaxValueWarnings { get; set; } = 100;
        /// <summary>The dedupe (-Dedupe): the mapped records of each entity it has rules for are merged before they are imported.</summary>
        public DedupeRunner? Dedupe { get; set; }
        /// <summary>A delta run: only records changed since the last completed run are carried, and records deleted in the source are found.</summary>
        public bool Incremental { get; set; }
        /// <summary>A delta run: what happens to target records whose source record was deleted.</summary>
        public CrmDeletedRecordAction DeletedRecords { get; set; } = CrmDeletedRecordAction.Report;
        /// <summary>With <see cref="CrmDeletedRecordAction.SoftDelete"/>: the target field set to true.</summary>
        public string? SoftDeleteField { get; set; }
        /// <summary>A delta run re-reads records modified this long before the watermark (clocks and transactions that commit late).</summary>
        public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(5);
        /// <summary>A partitioned run: only the source records of this slice are copied (the import options carry the partition for the ledger).</summary>
        public PartitionSlice? Partition { get; set; }
        /// <summary>
        /// How many source entities are read at once (Copy-CrmData -ThrottleLimit): above 1, a source read in batches (CSV) is
        /// read on threads of its own, the entity being copied and the next ones in the plan's order up to this many, while the
        /// calling thread maps and writes them one after another as it does with 1. Not with -Incremental or -Dedupe (read as with 1).
        /// </summary>
        public int ThrottleLimit { get; set; } = 1;
    }

    /// <summary>
    /// One slice of a partitioned run: the source records whose key hash (<see cref="Ledger.ContentHash.OfKey"/> of the key's
    /// canonical text, the ledger's own key hash) modulo <see cref="Parts"/> is <see cref="Part"/> - 1. A record without a key
    /// goes by its content's hash, so identical keyless rows fall in the same slice; a malformed row by its file and line.
    /// </summary>
    public sealed class PartitionSlice
    {
        /// <summary>Slice <paramref name="part"/> (1-based) of <paramref name="parts"/>.</summary>
        public PartitionSlice(int part, int parts)
        {
            if (parts < 1 || part < 1 || part > parts) throw new ArgumentOutOfRangeException(nameof(part), "A partition is k/n with 1 <= k <= n.");
            Part = part;
            Parts = parts;
        }

        /// <summary>The slice, 1-based.</summary>
        public int Part { get; }

        /// <summary>How many slices there are.</summary>
        public int Parts { get; }

        /// <summary>Parses "k/n" (digits only, invariant); null when it is not a valid partition.</summary>
        public static PartitionSlice? Parse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == text.Length - 1) return null;
            const System.Globalization.NumberStyles digits = System.Globalization.NumberStyles.None;
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            if (!int.TryParse(text.AsSpan(0, slash).Trim(), digits, culture, out int k) || !int.TryParse(text.AsSpan(slash + 1).Trim(), digits, culture, out int n)) return null;
            if (n < 1 || k < 1 || k > n) return null;
            return new PartitionSlice(k, n);
        }

        /// <summary>Whether a key hash falls in this slice.</summary>
        public bool Holds(long hash) => (int)((ulong)hash % (ulong)Parts) == Part - 1;

        /// <summary>Whether a key (its canonical text) falls in this slice.</summary>
        public bool Holds(string key) => Holds(Ledger.ContentHash.OfKey(key));

        /// <summary>Whether a source record falls in this slice (by its key, or its content when it has none).</summary>
        public bool Holds(CrmRecord record) => record.Key is { } key ? Holds(key.ToString()) : Holds(Ledger.ContentHash.Of(record));

        /// <inheritdoc/>
        public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Part}/{Parts}");
    }

    /// <summary>
    /// A whole migration inside the engine: reads the source entities parents first, maps each record,
    /// and feeds the import session, with no per-record object crossing into PowerShell. Everything that
    /// enters is accounted for in the target entity's books and the ledger: records the mapping rejects or
    /// filters (as decided outcomes), malformed source rows (rejected with the reader's code, file and line),
    /// and what the target does with the rest.
    /// </summary>
    public sealed partial class MigrationCopier : IDisposable
    {
        private readonly ICrmProvider _source;
        private readonly ICrmProvider _target;
        private readonly CopyOptions _options;
        private readonly CompiledMapping? _mapping;
        private readonly ImportSession _session;
        private readonly List<ImportResult> _results = new();
        private readonly MapScratch _scratch = new();
        private readonly OutcomeReporter _reporter;
        private readonly Dictionary<string, bool> _confirmed = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, long> _malformed = new(StringComparer.OrdinalIgnoreCase);
        private readonly Stopwatch _clock = new();
        private readonly RepeatMerger _repeats = new();
        private long _repeatConflicts;
        private long _total;
        private long _valueWarnings;
        private IReadOnlyList<(string Source, string Target)>? _plan;
        private PartitionSlice? Slice => _options.Partition;
        private readonly Dictionary<string, CrmEntitySchema> _sourceSchemas = new(StringComparer.OrdinalIgnoreCase);
        private bool _completed;

        /// <summary>Starts the import session on <paramref name="target"/> (and with it the ledger run).</summary>
        public MigrationCopier(ICrmProvider source, ICrmProvider target, CopyOptions options)
        {
            _source = source;
            _options = options;
            _mapping = options.Mapping;
            _target = target;
            if (options.Incremental) StartDelta(target, options);
            _session = new ImportSession(target, options.Import);
            _reporter = new OutcomeReporter(options.Rejects, options.OnError, options.OnOutcome);
            TargetName = target.Connection.DisplayName;
        }

        /// <summary>The ledger run id, when the ledger is on.</summary>
        public string? RunId => _session.RunId;

        /// <summary>True when the copy continues an earlier run.</summary>
        public bool Resumed => _session.Resumed;

        /// <summary>For a resumed run: how long after the start the first record not yet accounted for was written.</summary>
        public TimeSpan? FirstNewRecordAfter => _session.FirstNewRecordAfter;

        /// <summary>The target as printed (no secrets).</summary>
        public string TargetName { get; }

        /// <summary>Things the user should know that do not stop the copy. The caller may empty the list as it goes.</summary>
        public List<string> Warnings { get; } = new();

        /// <summary>Notes on how the sources were read (each file's encoding and why), for verbose output. The caller may empty the list as it goes.</summary>
        public List<string> Notes { get; } = new();

        /// <summary>Schema steps after the data that failed (a foreign key the data breaks): the records are written, the constraint is not.</summary>
        public IReadOnlyList<CrmDataError> SchemaErrors => _session.SchemaErrors;

        /// <summary>Malformed source rows per source entity (each is also a rejected record in the books).</summary>
        public IReadOnlyDictionary<string, long> MalformedRows => _malformed;

        /// <summary>Records read from the source so far.</summary>
        public long RecordsRead => _total;

        /// <summary>
        /// The source entities to copy, parents first, each with the target entity it goes to. Parents are
        /// known from the source's relations and, with a mapping, from its Reference fields.
        /// </summary>
        public IReadOnlyList<(string Source, string Target)> Plan() => _plan ??= MakePlan();

        private IReadOnlyList<(string Source, string Target)> MakePlan()
        {
            var available = _source.ListEntities();
            var names = new List<string>();
            if (_options.Entities is not null)
            {
                foreach (var e in _options.Entities)
                {
                    if (_mapping is not null && _mapping.ForSource(e) is null)
                    {
                        Warnings.Add($"The mapping does not name the source entity '{e}'; it is not copied.");
                        continue;
                    }
                    names.Add(e);
                }
            }
            else if (_mapping is not null)
            {
                foreach (var m in _mapping.Definition.Entities)
                {
                    string? found = Find(available, m.Source);
                    if (found is null) Warnings.Add($"The mapping reads the source entity '{m.Source}' (for {m.Target}), which the source does not hold; nothing is copied for it.");
                    else if (Find(names, found) is null) names.Add(found); // a source that feeds several targets is read once
                }
            }
            else
            {
                names.AddRange(available);
            }

            var schemas = new List<CrmEntitySchema>(names.Count);
            foreach (var n in names)
            {
                var s = _source.DescribeEntity(n, includeRowCount: false);
                if (s is null)
                {
                    Warnings.Add($"The source entity '{n}' cannot be described; it is not copied.");
                    continue;
                }
                _sourceSchemas[s.Name] = s;
                RequireFields(s);
                schemas.Add(WithMappedParents(s));
            }
            var plan = new List<(string, string)>(schemas.Count);
            foreach (var s in EntityOrder.ParentsFirst(schemas))
            {
                if (_mapping is null || _mapping.TargetCount(s.Name) == 0) plan.Add((s.Name, _mapping?.TargetOf(s.Name) ?? s.Name));
                else foreach (var t in _mapping.TargetsOf(s.Name)) plan.Add((s.Name, t.Target));
            }
            return plan;
        }

        /// <summary>Before anything is read: -Filter fields and the mapping's Where fields must be fields of the source entity.</summary>
        private void RequireFields(CrmEntitySchema schema)
        {
            RecordFilter.RequireFields(_options.Filters, schema);
            if (_mapping is null) return;
            foreach (var mapped in _mapping.TargetsOf(schema.Name))
            {
                if (mapped.Modified is string modified && schema.GetField(modified) is null)
                {
                    throw new CrmException(new CrmDataError("MappingModifiedFieldNotFound", CrmErrorKind.InvalidArgument,
                        $"The mapping of {mapped.Target} names '{modified}' as the field that says when a record changed (Modified), but the source entity '{schema.Name}' has no such field. Fix the mapping.")
                    { Entity = schema.Name, Field = modified, File = _mapping.Definition.SourcePath });
                }
                foreach (var w in mapped.Where)
                {
                    if (schema.GetField(w.Field) is not null) continue;
                    throw new CrmException(new CrmDataError("MappingWhereFieldNotFound", CrmErrorKind.InvalidArgument,
                        $"A Where condition of {mapped.Target} tests '{w.Field}', which the source entity '{schema.Name}' does not have, so every record would be rejected. Fix the mapping (Test-CrmMapping lists such problems).")
                    { Entity = schema.Name, Field = w.Field, File = _mapping.Definition.SourcePath });
                }
            }
        }

        private static string? Find(IReadOnlyList<string> available, string name)
        {
            foreach (var a in available) if (string.Equals(a, name, StringComparison.OrdinalIgnoreCase)) return a;
            return null;
        }

        /// <summary>The source entity's relations plus those the mapping declares (a Reference to a target entity is a reference to its source entity).</summary>
        private CrmEntitySchema WithMappedParents(CrmEntitySchema schema)
        {
            if (_mapping is null) return schema;
            List<CrmRelation>? relations = null;
            foreach (var mapped in _mapping.TargetsOf(schema.Name))
            {
                foreach (var kv in mapped.References)
                {
                    foreach (var other in _mapping.Definition.Entities)
                    {
                        // A reference between two targets of this same source (a denormalised file) orders nothing here.
                        if (!string.Equals(other.Target, kv.Value, StringComparison.OrdinalIgnoreCase) || string.Equals(other.Source, schema.Name, StringComparison.OrdinalIgnoreCase)) continue;
                        (relations ??= new List<CrmRelation>(schema.Relations)).Add(new CrmRelation(schema.Name, new[] { kv.Key }, other.Source, Array.Empty<string>()));
                    }
                }
            }
            if (relations is null) return schema;
            return new CrmEntitySchema(schema.Name, schema.Fields) { System = schema.System, Key = schema.Key, Relations = relations, RowCount = schema.RowCount };
        }

        /// <summary>
        /// Copies every planned entity, completes the target and the reject files, and returns one summary per
        /// target entity (the whole run's, with the ledger), then one per declined entity.
        /// </summary>
        public IReadOnlyList<CrmImportSummary> Run()
        {
            _clock.Start();
            var ct = _options.Import.CancellationToken;
            var readOptions = new CrmReadOptions { Filters = _options.Filters };
            var plan = Plan();
            // Asked for every entity first: the target's schema is made for the confirmed ones before any record moves.
            PrepareTarget(plan);
            StartLanes(plan, readOptions);
            var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (source, _) in plan)
            {
                if (!done.Add(source)) continue;
                ct.ThrowIfCancellationRequested();
                // A source is read once, for every target it feeds that the user confirmed.
                var targets = ConfirmedTargets(plan, source, target => Decline(source, target, readOptions));
                if (targets.Count == 0) continue;
                foreach (var (_, target) in targets) _session.Expect(target);
                CopyEntity(source, targets, readOptions);
            }
            ApplyDeletions();
            EndLanes();
            var summaries = new List<CrmImportSummary>(_session.Complete(_results));
            Drain();
            _completed = true;
            _options.Rejects?.Complete();
            summaries.AddRange(_reporter.Declined);
            return summaries;
        }

        /// <summary>The targets a source feeds that the user confirmed, each with its index among the source's targets; <paramref name="declined"/> gets the others.</summary>
        private List<(int Index, string Target)> ConfirmedTargets(IReadOnlyList<(string Source, string Target)> plan, string source, Action<string>? declined)
        {
            var targets = new List<(int Index, string Target)>();
            int index = 0;
            foreach (var (s, target) in plan)
            {
                if (!string.Equals(s, source, StringComparison.OrdinalIgnoreCase)) continue;
                if (Confirmed(target)) targets.Add((index, target));
                else declined?.Invoke(target);
                index++;
            }
            return targets;
        }

        /// <summary>
        /// The target schemas of the confirmed entities, designed from the source schemas and the mapping: existing tables
        /// are checked for every field (TargetFieldsMissing before anything is written), missing ones are created (or,
        /// with -WhatIf, their DDL reported), empty entities included.
        /// </summary>
        private void PrepareTarget(IReadOnlyList<(string Source, string Target)> plan)
        {
            var sources = new List<(CrmEntitySchema, string)>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            List<(int Index, CrmEntitySchema Schema)>? late = null;
            for (int i = 0; i < plan.Count; i++)
            {
                var (source, target) = plan[i];
                if (!Confirmed(target) || !_sourceSchemas.TryGetValue(source, out var schema) || !seen.Add(target)) continue;
                if (Untyped(schema) && _options.Import.CreateIfMissing && !_session.EntityExists(target))
                {
                    // A file target needs the types only for its sidecar, written when the file completes: they are inferred
                    // while the copy runs (another core reads the file once more) instead of before it.
                    if (_session.TypesLater && Slice is null) (late ??= new()).Add((sources.Count, schema));
                    else schema = Infer(schema, _source, _options.Import.CancellationToken, Notes.Add);
                }
                sources.Add((schema, target));
            }
            if (sources.Count == 0) return;
            if (late is not null) InferLater(sources, late);
            var designs = Schema.TargetDesigner.Design(sources, _mapping);
            if (Slice is not null && _options.Import.Ledger is { } ledger && !_options.Import.WhatIf)
            {
                // Workers of a partitioned run create the tables one at a time: the first creates them, the others find them.
                ledger.Exclusively(() =>
                {
                    _session.CheckColumns(designs);
                    _session.CreateEntities(designs);
                });
                return;
            }
            _session.CheckColumns(designs);
            _session.CreateEntities(designs);
        }

        /// <summary>A CSV file without a metadata sidecar: every field is text of unknown type.</summary>
        private bool Untyped(CrmEntitySchema schema)
        {
            if (_source.Connection.Provider != CrmProviderKind.Csv || schema.Fields.Count == 0) return false;
            foreach (var f in schema.Fields) if (f.Type != CrmFieldType.String || !string.Equals(f.SourceType, "text", StringComparison.Ordinal)) return false;
            return true;
        }

        /// <summary>The inference running beside the copy (<see cref="InferLater"/>), and what stops it when the copy ends early.</summary>
        private Task? _typing;
        private CancellationTokenSource? _typingStop;

        /// <summary>
        /// Infers the types of the <paramref name="late"/> sources on a thread of its own, from a provider of their own (readers share
        /// nothing with the copy's), while the copy runs; the session revises the file targets' designs with them before the files
        /// complete, so the sidecars are what an inference before the copy made. Its notes are added then, on the copy's thread.
        /// </summary>
        private void InferLater(List<(CrmEntitySchema, string)> sources, List<(int Index, CrmEntitySchema Schema)> late)
        {
            var stop = _typingStop = CancellationTokenSource.CreateLinkedTokenSource(_options.Import.CancellationToken);
            var connection = _source.Connection;
            var notes = new List<string>();
            var typing = Task.Run(() =>
            {
                using var reader = ProviderFactory.Open(connection);
                var typed = new List<(int Index, CrmEntitySchema Schema)>(late.Count);
                foreach (var (index, schema) in late) typed.Add((index, Infer(schema, reader, stop.Token, notes.Add)));
                return typed;
            }, stop.Token);
            _typing = typing;
            var untyped = new List<(CrmEntitySchema, string)>(sources);
            _session.TypeLater(() =>
            {
                var revised = new List<(CrmEntitySchema, string)>(untyped);
                foreach (var (index, schema) in typing.GetAwaiter().GetResult()) revised[index] = (schema, revised[index].Item2);
                Notes.AddRange(notes);
                return Schema.TargetDesigner.Design(revised, _mapping);
            });
        }

        /// <summary>Types for a schema-less source from every value of the whole entity (one extra read; see <see cref="Schema.TypeInference"/>).</summary>
        private CrmEntitySchema Infer(CrmEntitySchema schema, ICrmProvider source, CancellationToken ct, Action<string> note)
        {
            var inference = new Schema.TypeInference();
            var readOptions = new CrmReadOptions { Filters = _options.Filters };
            if (source is Providers.Csv.CsvProvider csv && PartedInference.Infer(csv, schema.Name, readOptions, ct) is { } parted)
            {
                // A big UTF-8 file: its parts read at once, one per core.
                inference = parted;
            }
            else if (source is ICrmBatchSource batchSource)
            {
                // The rows as the reader holds them: no record, key or origin per row, no string per text cell.
                foreach (var batch in batchSource.ReadBatches(schema.Name, readOptions, new BatchReadOptions { BatchSize = 2048 }, _ => { }, ct)) inference.Add(batch);
            }
            else
            {
                foreach (var record in source.Read(schema.Name, readOptions, _ => { }, ct)) inference.Add(record);
            }
            var typed = inference.Apply(schema);
            note(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{schema.Name} has no metadata sidecar: its types were inferred from all {inference.Records:N0} rows: {inference.Describe(typed)}."));
            return typed;
        }

        private bool Confirmed(string target)
        {
            if (_options.Confirm is null) return true;
            // Asked once per target entity, even when two source entities go into it.
            if (!_confirmed.TryGetValue(target, out bool yes)) _confirmed[target] = yes = _options.Confirm(target);
            return yes;
        }

        private void CopyEntity(string source, List<(int Index, string Target)> targets, CrmReadOptions readOptions)
        {
            var ct = _options.Import.CancellationToken;
            long count = 0;
            // With -Dedupe, the mapped records of each target it has rules for are held by the dedupe until the source entity is read, then merged and landed.
            _dedupers.Clear();
            if (_options.Dedupe is { } runner)
            {
                foreach (var (_, t) in targets)
                {
                    string target = t;
                    if (runner.Handles(target) && !_dedupers.ContainsKey(target)) _dedupers[target] = runner.Start(target, record => Emerged(target, record));
                }
            }
            int every = Math.Max(1, _options.ProgressInterval);
            var mapped = _mapping?.TargetsOf(source);
            var change = StartChanges(source);
            var slice = Slice;
            if (change is null && _source is ICrmBatchSource batchSource && CopiesInBatches(source, targets, mapped, batchSource, readOptions))
            {
                // A table copied without a mapping hands its read batches to the session as they are (no mapped entities).
                count = CopyBatches(source, targets, _mapping is not null && mapped!.Count > 0 ? mapped : null, readOptions, batchSource, every);
            }
            else
            {
                // A table read in key order or a sheet keeps its read position, so a resumed run starts after it; another source
                // whose records are keyed keeps its row ordinal, so a resumed run passes over the rows before it without mapping them.
                var resumable = change is null ? ResumableSource(source, targets, mapped) : null;
                RecordPositions? positions = null;
                IEnumerable<CrmRecord> records;
                Action<CrmDataError> onError = e => Malformed(source, targets, e);
                if (resumable is not null)
                {
                    (positions, var from) = StartPositions(source, resumable);
                    records = ReadAheadOf(source, (report, token) => resumable.ReadFrom(source, readOptions, from, report, token), onError);
                }
                else if (change is null && KeepsPositions(targets, mapped, _sourceSchemas.GetValueOrDefault(source)))
                {
                    positions = new RecordPositions(null, 0, SaveEvery);
                    records = CountedRead(source, readOptions, onError, positions);
                }
                else records = ReadAheadOf(source, (report, token) => _source.Read(source, readOptions, report, token), onError);
                foreach (var record in records)
                {
                    if (slice is not null && !slice.Holds(record))
                    {
                        if (positions is not null) Advance(source, positions, record);
                        continue;
                    }
                    count++;
                    _total++;
                    if (change is not null && !Changed(change, record)) continue;
                    if (_mapping is null || mapped!.Count == 0)
                    {
                        Land(targets[0].Target, record);
                    }
                    else
                    {
                        foreach (var (index, target) in targets) MapInto(record, index, mapped[index], target);
                    }
                    if (_results.Count > 0 || _session.Warnings.Count > 0) Drain();
                    if (count % every == 0) _options.OnProgress?.Invoke(new CopyProgress(source, count, _total, _clock.Elapsed.TotalSeconds));
                    if (positions is not null) Advance(source, positions, record);
                }
                // The end of the source: a resumed run finds nothing left to read of it.
                if (positions?.Last is not null) Advance(source, positions, positions.Last, end: true);
            }
            if (_dedupers.Count > 0)
            {
                var open = new List<string>(_dedupers.Keys);
                _dedupers.Clear();
                foreach (var target in open) _options.Dedupe!.Complete(target);
                Warnings.AddRange(_options.Dedupe!.Warnings);
                _options.Dedupe.Warnings.Clear();
            }
            Drain();
            if (change is not null) EndChanges(change, targets);
            if (count == 0 && _options.Filters.Count > 0) Warnings.Add($"{source}: -Filter matched no record, so nothing was copied into {string.Join(", ", targets.ConvertAll(t => t.Target))}.");
            _options.OnProgress?.Invoke(new CopyProgress(source, count, _total, _clock.Elapsed.TotalSeconds));
        }

        private readonly Dictionary<string, EntityDeduper> _dedupers = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Whether a source entity is copied in batches: a CSV file, through a mapping or not (a plain file's key, when it has one,
        /// keeps its byte position as a mapped one's does); a database table (no profile, no -Filter),
        /// through a mapping or not, when its read position is not kept or is a keyset one (a table in the order of a primary key of
        /// integer or text columns). Otherwise it is read record by record: a table whose position is kept by its row ordinal
        /// (no such key) passes over the rows before it as records, and a filter or a profile reads records.
        /// </summary>
        private bool CopiesInBatches(string source, List<(int Index, string Target)> targets, IReadOnlyList<EntityMapping>? mapped, ICrmBatchSource batchSource, CrmReadOptions readOptions)
        {
            if (!DatabaseSource) return batchSource.ReadsInBatches(source, readOptions);
            if (!DatabaseBatches || !batchSource.ReadsInBatches(source, readOptions)) return false;
            return !KeepsPositions(targets, mapped, _sourceSchemas.GetValueOrDefault(source)) || ResumableSource(source, targets, mapped) is not null;
        }

        /// <summary>Whether database tables are copied in batches (off only to compare with records: tests, and benchmarks with CRMMIGRATION_DB_BATCHES=0).</summary>
        internal bool DatabaseBatches { get; set; } = Environment.GetEnvironmentVariable("CRMMIGRATION_DB_BATCHES") != "0";

        /// <summary>Maps a source record into one of the targets it feeds and hands the result to the session.</summary>
        private void MapInto(CrmRecord record, int index, EntityMapping definition, string target)
        {
            _scratch.Clear();
            var status = _mapping!.Map(record, index, false, out var output, _scratch);
            if (_scratch.Warnings.Count > 0) ValueWarnings(record);
            switch (status)
            {
                case MapStatus.Mapped:
                    output!.MappingHash = _mapping.Definition.Hash;
                    if (_repeats.Check(definition, output, out string? conflict) is { } repeat)
                    {
                        if (conflict is not null) RepeatWarning(repeat);
                        if (repeat.Outcome == CrmOutcome.Rejected)
                        {
                            _scratch.Errors.Add(new CrmDataError(repeat.ReasonCode!, CrmErrorKind.InvalidValue, repeat.Message!)
                            {
                                Entity = record.Entity, Key = record.Key?.ToString(), File = record.Origin?.File, Line = record.Origin?.Line ?? 0, Record = record,
                            });
                            MappingRejected(target, record);
                        }
                        else Decide(target, output, repeat);
                        break;
                    }
                    Land(target, output);
                    break;
                case MapStatus.Rejected:
                    MappingRejected(target, record);
                    break;
                case MapStatus.Filtered:
                    Decide(target, record, new CrmRecordOutcome(target, record.Key?.ToString(), CrmOutcome.Filtered)
                    {
                        ReasonCode = _scratch.FilterReason,
                        Message = _scratch.FilterMessage,
                        Field = _scratch.FilterField,
                        Value = _scratch.FilterValue,
                        Origin = record.Origin,
                    });
                    break;
                default:
                    Land(target, record);
                    break;
            }
        }

        private void RepeatWarning(CrmRecordOutcome repeat)
        {
            _repeatConflicts++;
            if (_repeatConflicts <= _options.MaxValueWarnings) Warnings.Add(repeat.Origin is null ? repeat.Message! : $"{repeat.Origin}: {repeat.Message}");
            else if (_repeatConflicts == _options.MaxValueWarnings + 1) Warnings.Add($"More than {_options.MaxValueWarnings} repeated rows differ from their first row; the rest are not listed (Get-CrmMigrationRecord -Outcome Merged lists every merged row).");
        }

        private void Land(string target, CrmRecord record)
        {
            Seen(record);
            // A file's row without its key is refused before the dedupe, as without one (it has no identity to merge under).
            if (_dedupers.Count > 0 && _dedupers.TryGetValue(target, out var deduper) && !_session.RefusesForItsKey(record)) deduper.Add(record);
            else _session.Add(record, _results);
        }

        /// <summary>A record the dedupe sends on: survivors and records without duplicates land; merged ones are decided.</summary>
        private void Emerged(string target, CrmRecord record)
        {
            if (record.Decided is { } decided) Decide(target, record, decided);
            else _session.Add(record, _results);
            if (_results.Count > 0) Drain();
        }

        private void MappingRejected(string target, CrmRecord record)
        {
            var errors = _scratch.Errors;
            var message = new StringBuilder();
            for (int i = 0; i < errors.Count; i++)
            {
                if (i > 0) message.Append(" | ");
                message.Append(errors[i].Code).Append(": ").Append(errors[i].FullMessage);
            }
            foreach (var e in errors) _options.OnError?.Invoke(e);
            if (_options.Rejects is not null && !_options.Rejects.Write(record, errors))
            {
                Warnings.Add($"A rejected {record.Entity} record ({record.Key}) has fields the reject file's columns lack; it is reported as an error only.");
            }
            Decide(target, record, new CrmRecordOutcome(target, record.Key?.ToString(), CrmOutcome.Rejected)
            {
                ReasonCode = errors[0].Code,
                Message = message.ToString(),
                Field = errors[0].Field,
                Value = errors[0].Value,
                Origin = record.Origin,
            });
        }

        /// <summary>A row the source reader could not turn into a record: reported, and rejected in the books with the reader's code.</summary>
        private void Malformed(string source, List<(int Index, string Target)> targets, CrmDataError error)
        {
            error.Entity ??= source;
            if (error.Severity == CrmErrorSeverity.Information)
            {
                Notes.Add(error.FullMessage);
                if (error.Code == "CsvEncoding" || error.Code == "CsvEncodingGuessed") EncodingNote(error);
                return;
            }
            if (error.Severity == CrmErrorSeverity.Warning)
            {
                Warnings.Add(error.FullMessage);
                if (error.Code == "CsvEncodingGuessed") EncodingNote(error);
                return;
            }
            if (!DropsRow(error))
            {
                // A note about the header, or a value passed on unconverted: the record itself still comes.
                _options.OnError?.Invoke(error);
                return;
            }
            if (Slice is { } slice && !slice.Holds(error.File + ":" + error.Line.ToString(System.Globalization.CultureInfo.InvariantCulture))) return;
            _malformed[source] = _malformed.TryGetValue(source, out long n) ? n + 1 : 1;
            _total++;
            _options.OnError?.Invoke(error);
            var row = new CrmRecord(source + "-malformed")
            {
                Origin = new CrmOrigin(_source.Connection.DisplayName, source, null, error.File, error.Line),
            };
            row["File"] = error.File;
            row["Line"] = error.Line;
            row["Raw"] = error.Raw;
            if (_options.Rejects is not null && !_options.Rejects.Write(row, new[] { error }))
            {
                Warnings.Add($"The malformed {source} row at {error.File}:{error.Line} could not be added to the reject files; it is reported as an error only.");
            }
            // The row is lost to every target the source feeds: each one's books count it.
            foreach (var (_, target) in targets)
            {
                Decide(target, row, new CrmRecordOutcome(target, null, CrmOutcome.Rejected)
                {
                    ReasonCode = error.Code,
                    Message = error.FullMessage,
                    Field = error.Line > 0 ? "Line" : null,
                    Value = error.Line > 0 ? (object?)error.Raw : null,
                    Origin = row.Origin,
                });
            }
        }

        /// <summary>The encoding a file was read with goes into the ledger's run parameters, so the run says how it read its sources.</summary>
        private void EncodingNote(CrmDataError error)
        {
            string message = error.Message;
            int start = message.IndexOf("Read as ", StringComparison.Ordinal);
            int end = message.IndexOf(':', start < 0 ? 0 : start);
            if (start < 0 || end < 0) return;
            string name = System.IO.Path.GetFileName(error.File ?? error.Entity ?? "");
            _session.NoteRunParameter("Encoding[" + name + "]=" + message.Substring(start + 8, end - start - 8));
        }

        /// <summary>Reader problems after which the record still comes (the others cost the row).</summary>
        private static readonly HashSet<string> RowKept = new(StringComparer.Ordinal) { "SqliteValueConversion", "ExcelValueWithoutHeader" };

        /// <summary>
        /// Whether a reader's problem cost a row. Problems with a record number are about a row; of those, a value
        /// passed on unconverted or a cell without a header leave the record in the stream. Problems without one
        /// are about the file or its header.
        /// </summary>
        public static bool DropsRow(CrmDataError error) => error.Severity == CrmErrorSeverity.Error && error.RecordNumber > 0 && !RowKept.Contains(error.Code);

        /// <summary>Hands a decided record (rejected or filtered by the mapping) to the session's books and ledger.</summary>
        private void Decide(string target, CrmRecord record, CrmRecordOutcome outcome)
        {
            Seen(record);
            _session.AddDecided(target, record, outcome, _results);
        }

        private void Decline(string source, string target, CrmReadOptions readOptions)
        {
            bool whatIf = _options.Import.WhatIf;
            foreach (var record in _source.Read(source, readOptions, e => { if (DropsRow(e)) _reporter.Decline(target, TargetName, null, whatIf, "copy"); }, _options.Import.CancellationToken))
            {
                _reporter.Decline(target, TargetName, record, whatIf, "copy");
            }
        }

        private void ValueWarnings(CrmRecord input)
        {
            foreach (var w in _scratch.Warnings)
            {
                _valueWarnings++;
                if (_valueWarnings <= _options.MaxValueWarnings) Warnings.Add(input.Origin is null ? $"{input.Entity} {input.Key}: {w}" : $"{input.Entity} {input.Key} ({input.Origin}): {w}");
                else if (_valueWarnings == _options.MaxValueWarnings + 1) Warnings.Add($"More than {_options.MaxValueWarnings} value warnings; the rest are not listed (Convert-CrmRecord -Explain lists them per record).");
            }
        }

        /// <summary>Reports what the session decided: records the target refused become errors and reject rows; every outcome goes to OnOutcome.</summary>
        private void Drain()
        {
            if (_session.Warnings.Count > 0)
            {
                Warnings.AddRange(_session.Warnings);
                _session.Warnings.Clear();
            }
            _reporter.Report(_results);
        }

        /// <summary>Marks the ledger run failed when the copy did not complete (an error, Ctrl+C), and closes the target's writers.</summary>
        public void Dispose()
        {
            // Readers ahead stop (Ctrl+C, an error) and their threads end before anything they read from is closed.
            EndLanes();
            if (_typing is not null)
            {
                // A copy that ended early stops the inference beside it (a finished one awaited it already).
                _typingStop!.Cancel();
                try { _typing.Wait(); } catch (AggregateException) { }
                _typingStop.Dispose();
            }
            if (!_completed) _session.Abandon();
            _session.Dispose();
        }
    }
}
