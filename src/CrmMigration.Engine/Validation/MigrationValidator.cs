using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// Compares a source and a target entity by entity, and never passes without comparing: every result
    /// says how many rows it read on each side, a side that is missing or unreadable fails, rows a reader
    /// could not read fail unless the import's ledger recorded each as a reject, and a check that could not
    /// compare what it names says NotChecked.
    /// <para>
    /// Entities with a key are compared by key (missing, extra and duplicated keys on either side, and the
    /// values of every field both sides have); entities without one as multisets of whole rows (counted
    /// content fingerprints), so missing, extra and duplicated rows are found and no row number is taken for
    /// a key. With a mapping, the source is compared as the mapping turns it. Column aggregates (rows, nulls,
    /// distinct, min, max, sum, text length) and the two schemas side by side complete the picture.
    /// </para>
    /// <para>
    /// Memory stays flat: each side's keys and 128-bit fingerprints go into 64 partitions by key hash, held
    /// in memory up to a budget and spilled to files past it; partitions are then compared one at a time.
    /// Only the samples shown (at most <see cref="ValidationOptions.MaxSamples"/> per result) are read again
    /// to show their values.
    /// </para>
    /// </summary>
    public sealed class MigrationValidator
    {
        private readonly ICrmProvider _source;
        private readonly ICrmProvider _target;
        private readonly CompiledMapping? _mapping;
        private readonly MigrationLedger? _ledger;
        private readonly ValidationOptions _options;
        /// <summary>Per target entity: the keys the mapping changed (source key → target key), for translating references.</summary>
        private readonly Dictionary<string, Dictionary<string, string>> _keyChanges = new(StringComparer.OrdinalIgnoreCase);

        public MigrationValidator(ICrmProvider source, ICrmProvider target, CompiledMapping? mapping, MigrationLedger? ledger = null, ValidationOptions? options = null)
        {
            _source = source;
            _target = target;
            _mapping = mapping;
            _ledger = ledger;
            _options = options ?? new ValidationOptions();
        }

        /// <summary>The source entities to check: those named, else those the mapping reads, else all.</summary>
        public IReadOnlyList<string> ResolveEntities(IReadOnlyList<string>? requested)
        {
            if (requested is not null && requested.Count > 0) return requested;
            if (_mapping is not null)
            {
                var list = new List<string>();
                foreach (var e in _mapping.Definition.Entities)
                {
                    // A source feeding several targets (a denormalised export) is checked once, against each of them.
                    if (!list.Exists(x => string.Equals(x, e.Source, StringComparison.OrdinalIgnoreCase))) list.Add(e.Source);
                }
                return list;
            }
            return _source.ListEntities();
        }

        /// <summary>
        /// Checks every entity (those named, else the mapping's, else all the source has). A source that holds
        /// nothing to compare, or cannot be listed, is a failed result, never an empty (passing) set.
        /// </summary>
        public IEnumerable<CrmValidationResult> CheckAll(IReadOnlyList<string>? requested, Action<string, long>? progress, CancellationToken ct)
        {
            IReadOnlyList<string> entities;
            CrmValidationResult? failure = null;
            try
            {
                entities = ResolveEntities(requested);
                if (entities.Count == 0)
                {
                    failure = new CrmValidationResult("EntityExists", _source.Connection.DisplayName, CrmCheckStatus.Fail)
                    {
                        Details = $"The source {_source.Connection.DisplayName} holds no entity to compare (does '{_source.Connection.Location}' exist?). Nothing was compared.",
                    };
                }
            }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.InvalidArgument)
            {
                entities = Array.Empty<string>();
                failure = new CrmValidationResult("SourceRead", _source.Connection.DisplayName, CrmCheckStatus.Fail)
                {
                    Details = $"The source cannot be read ({ex.Error.Code}): {ex.Error.Message} Nothing was compared.",
                };
            }
            if (failure is not null)
            {
                yield return failure;
                yield break;
            }
            foreach (var entity in entities)
            {
                foreach (var r in Check(entity, progress, ct)) yield return r;
            }
        }

        /// <summary>Runs the checks for one source entity, against each target entity it feeds.</summary>
        public IReadOnlyList<CrmValidationResult> Check(string sourceEntity, Action<string, long>? progress, CancellationToken ct)
        {
            int targets = _mapping?.TargetCount(sourceEntity) ?? 0;
            if (targets <= 1) return Check(sourceEntity, 0, progress, ct);
            var all = new List<CrmValidationResult>();
            for (int t = 0; t < targets; t++) all.AddRange(Check(sourceEntity, t, progress, ct));
            return all;
        }

        /// <summary>The index of a target among the targets of its source (for CompiledMapping.Map), 0 when not found.</summary>
        private int IndexOf(string sourceEntity, string targetEntity)
        {
            var list = _mapping!.TargetsOf(sourceEntity);
            for (int i = 0; i < list.Count; i++) if (string.Equals(list[i].Target, targetEntity, StringComparison.OrdinalIgnoreCase)) return i;
            return 0;
        }

        private IReadOnlyList<CrmValidationResult> Check(string sourceEntity, int index, Action<string, long>? progress, CancellationToken ct)
        {
            var definition = _mapping is null || _mapping.TargetCount(sourceEntity) == 0 ? null : _mapping.TargetsOf(sourceEntity)[index];
            string targetEntity = definition?.Target ?? sourceEntity;
            string label = string.Equals(sourceEntity, targetEntity, StringComparison.OrdinalIgnoreCase) ? targetEntity : sourceEntity + " -> " + targetEntity;
            var results = new List<CrmValidationResult>();

            CrmEntitySchema? sourceSchema, targetSchema;
            try { sourceSchema = _source.DescribeEntity(sourceEntity, includeRowCount: false); }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.InvalidArgument)
            {
                results.Add(Unreadable("SourceRead", label, "source", ex));
                return results;
            }
            if (sourceSchema is null)
            {
                results.Add(new CrmValidationResult("EntityExists", label, CrmCheckStatus.Fail) { Details = $"The source {_source.Connection.DisplayName} has no entity '{sourceEntity}'. Nothing was compared." });
                return results;
            }
            try { targetSchema = _target.DescribeEntity(targetEntity, includeRowCount: false); }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.InvalidArgument)
            {
                results.Add(Unreadable("TargetRead", label, "target", ex));
                return results;
            }
            if (targetSchema is null)
            {
                results.Add(new CrmValidationResult("EntityExists", label, CrmCheckStatus.Fail) { Details = $"The target {_target.Connection.DisplayName} has no entity '{targetEntity}'. Nothing was compared." });
                return results;
            }

            string folder = Path.Combine(_options.SpillDirectory ?? Path.GetTempPath(), "crm-validate-" + Guid.NewGuid().ToString("N"));
            var run = new EntityRun(this, sourceEntity, index, definition, label, sourceSchema, targetSchema, folder, progress, ct);
            try
            {
                run.Execute(results);
            }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.InvalidArgument)
            {
                results.Add(Unreadable(run.ReadingTarget ? "TargetRead" : "SourceRead", label, run.ReadingTarget ? "target" : "source", ex));
            }
            finally
            {
                run.Dispose();
                try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            return results;
        }

        private static CrmValidationResult Unreadable(string check, string label, string side, CrmException ex) =>
            new(check, label, CrmCheckStatus.Fail) { Details = $"The {side} cannot be read ({ex.Error.Code}): {ex.Error.Message} Nothing more was compared for this entity." };

        /// <summary>The comparison of one entity: both passes, the partition join, the explanations and the results.</summary>
        private sealed class EntityRun : IDisposable
        {
            private readonly MigrationValidator _v;
            private readonly string _sourceEntity, _targetEntity, _label;
            private readonly int _index;
            private readonly bool _merges;
            private long _merged;
            private readonly CrmEntitySchema _sourceSchema, _targetSchema;
            private readonly Action<string, long>? _progress;
            private readonly CancellationToken _ct;
            private readonly ValidationOptions _o;
            private readonly SpillPartitions _sourceSpill, _targetSpill;
            private readonly bool _compareRows;
            private readonly int _max;

            private FieldComparer? _comparer;
            private bool _keyless;
            private IReadOnlyList<string>? _keyFields;
            private ColumnStats[]? _sourceStats, _targetStats;
            private Dictionary<string, (CrmOutcome Outcome, string? ReasonCode, string? IntoKey)>? _notLanded;
            private List<(string Field, Dictionary<string, string> Changes)>? _references;
            private Dictionary<string, string>? _changes;

            // Figures.
            private long _sourceRows, _targetRows, _mappingRejected, _keyMissing, _sourceNullKeys, _targetNullKeys;
            private readonly ErrorTally _sourceErrors = new(), _targetErrors = new();
            private readonly List<string> _sourceNullKeySamples = new();
            private long _missing, _extra, _targetDupKeys, _targetDupDiffer, _sourceDupKeys, _sourceDupCopies, _sourceDupDiffer, _differing;
            private long _explained;
            // Dedupe: the merges the ledger recorded; survivors that differ from their own source record are checked against their group.
            private MergeCheck? _dedupeMerges;
            private readonly HashSet<string> _survivorsDiffering = new(StringComparer.Ordinal);
            private long _mergeExplained;
            private readonly Dictionary<string, CrmRecord> _mergedSurvivors = new(StringComparer.Ordinal);
            private readonly SortedDictionary<string, long> _explainedReasons = new(StringComparer.Ordinal);
            private readonly List<string> _explainedSamples = new();
            private readonly List<string> _missingSamples = new(), _extraSamples = new(), _differSamples = new(), _targetDupSamples = new(), _sourceDupSamples = new();
            private readonly HashSet<UInt128>? _explainedKeyHashes;
            // Keyless.
            private readonly List<(UInt128 Row, long Source, long Target)> _rowSamplesMissing = new(), _rowSamplesExtra = new();
            private long _duplicatedRows;

            public EntityRun(MigrationValidator v, string sourceEntity, int index, EntityMapping? definition, string label, CrmEntitySchema sourceSchema, CrmEntitySchema targetSchema,
                string folder, Action<string, long>? progress, CancellationToken ct)
            {
                _v = v;
                _o = v._options;
                _sourceEntity = sourceEntity;
                _targetEntity = definition?.Target ?? sourceEntity;
                _index = index;
                _merges = definition?.OnRepeat == RepeatAction.Merge;
                _label = label;
                _sourceSchema = sourceSchema;
                _targetSchema = targetSchema;
                _progress = progress;
                _ct = ct;
                _max = Math.Max(1, _o.MaxSamples);
                _compareRows = _o.Runs(CrmValidationCheck.Keys) || _o.Runs(CrmValidationCheck.Values);
                _sourceSpill = new SpillPartitions(folder, "source", _o.SpillBudgetBytes);
                _targetSpill = new SpillPartitions(folder, "target", _o.SpillBudgetBytes);
                _explainedKeyHashes = v._ledger is null ? null : new HashSet<UInt128>();
            }

            public bool ReadingTarget { get; private set; }

            public void Execute(List<CrmValidationResult> results)
            {
                if (_v._ledger is not null) _notLanded = _v._ledger.NotLanded(_v._target.Connection.DisplayName, _targetEntity);
                _dedupeMerges = MergeCheck.Load(_v._ledger, _v._target.Connection.DisplayName, _targetEntity);
                _references = _v.ReferencesOf(_targetEntity, _ct);
                _changes = _v._mapping is null ? null : new Dictionary<string, string>(StringComparer.Ordinal);

                SourcePass();
                if (_changes is not null) _v._keyChanges[_targetEntity] = _changes;
                EnsureComparer(null);
                ReadingTarget = true;
                TargetPass();
                ReadingTarget = false;

                if (_compareRows)
                {
                    if (_keyless) JoinRows();
                    else JoinKeys();
                    if (_survivorsDiffering.Count > 0) CheckSurvivors();
                }
                var differences = ExplainSamples();
                if ((_explained > 0 || _mergedSurvivors.Count > 0) && _o.Runs(CrmValidationCheck.Aggregates)) RecomputeSourceStats();
                Report(results, differences);
            }

            // ---------------------------------------------------------------- reading

            /// <summary>The source records as the mapping turns them (references translated as the import writes them).</summary>
            private IEnumerable<CrmRecord> SourceRecords(Action<CrmDataError> onError, bool count)
            {
                var scratch = new MapScratch();
                // OnRepeat = 'Merge': the import wrote the first row of each key and merged the others into it.
                var seen = _merges ? new HashSet<string>(StringComparer.Ordinal) : null;
                foreach (var record in _v._source.Read(_sourceEntity, new CrmReadOptions(), onError, _ct))
                {
                    CrmRecord effective = record;
                    if (_v._mapping is not null)
                    {
                        scratch.Clear();
                        var status = _v._mapping.Map(record, _index, false, out var mapped, scratch);
                        if (status == MapStatus.Rejected || status == MapStatus.Filtered)
                        {
                            if (count) _mappingRejected++;
                            continue;
                        }
                        if (status == MapStatus.Mapped)
                        {
                            if (seen is not null && mapped!.Key?.ToString() is string repeated && !seen.Add(repeated))
                            {
                                if (count) _merged++;
                                continue;
                            }
                            effective = Translate(mapped!, _references);
                            if (count && _changes is not null && (mapped!.Origin?.SourceKey ?? record.Key?.ToString()) is string was && effective.Key?.ToString() is string now && !string.Equals(was, now, StringComparison.Ordinal)) _changes[was] = now;
                        }
                    }
                    else if (FileKeyRule.AppliesTo(_v._target.Connection.Provider) && FileKeyRule.EmptyKeyField(record) >= 0)
                    {
                        // A file's row without a key value: the import rejected it before the target (RecordKeyMissing), as a mapping's reject.
                        if (count) _keyMissing++;
                        continue;
                    }
                    yield return effective;
                }
            }

            private IEnumerable<CrmRecord> TargetRecords(Action<CrmDataError> onError) => _v._target.Read(_targetEntity, new CrmReadOptions(), onError, _ct);

            private void EnsureComparer(CrmRecord? first)
            {
                if (_comparer is not null) return;
                var compared = new List<string>();
                if (first is not null)
                {
                    _firstFields = new List<string>(first.FieldNames);
                    foreach (var name in first.FieldNames) if (_targetSchema.GetField(name) is not null) compared.Add(name);
                    _keyless = first.Key is null;
                    var names = first.Key?.FieldNames;
                    if (names is { Count: > 0 })
                    {
                        bool all = true;
                        foreach (var n in names) all &= _targetSchema.GetField(n) is not null;
                        _keyFields = all ? names : null;
                    }
                }
                else
                {
                    // Nothing came from the source: compare by the target's key (every target row is extra) over the columns both schemas have.
                    foreach (var f in _sourceSchema.Fields) if (_targetSchema.GetField(f.Name) is not null) compared.Add(f.Name);
                    if (_v._mapping is not null && compared.Count == 0) foreach (var f in _targetSchema.Fields) compared.Add(f.Name);
                    _keyless = _targetSchema.Key.Count == 0;
                    _keyFields = _targetSchema.Key.Count > 0 ? _targetSchema.Key : null;
                }
                _comparer = new FieldComparer(compared, _targetSchema, _o);
                _sourceStats = NewStats(compared.Count);
                _targetStats = NewStats(compared.Count);
            }

            private static ColumnStats[] NewStats(int n)
            {
                var s = new ColumnStats[n];
                for (int i = 0; i < n; i++) s[i] = new ColumnStats();
                return s;
            }

            private void SourcePass()
            {
                var entry = new ByteWriter();
                foreach (var record in SourceRecords(e => _sourceErrors.Add(e, this, source: true), count: true))
                {
                    EnsureComparer(record);
                    _sourceRows++;
                    var c = _comparer!;
                    c.Load(record);
                    AddStats(_sourceStats!, c);
                    if (_compareRows)
                    {
                        if (_keyless)
                        {
                            WriteRowEntry(_sourceSpill, c, entry);
                        }
                        else if (record.Key?.ToString() is string key)
                        {
                            WriteKeyEntry(_sourceSpill, key, c, entry);
                            _dedupeMerges?.Observe(key, c);
                        }
                        else
                        {
                            _sourceNullKeys++;
                            if (_sourceNullKeySamples.Count < _max) _sourceNullKeySamples.Add(record.Origin?.ToString() ?? "#" + _sourceRows.ToString(CultureInfo.InvariantCulture));
                        }
                    }
                    if ((_sourceRows & 0xFFFF) == 0) _progress?.Invoke("source " + _sourceEntity, _sourceRows);
                }
            }

            private void TargetPass()
            {
                var entry = new ByteWriter();
                var c = _comparer!;
                foreach (var record in TargetRecords(e => _targetErrors.Add(e, this, source: false)))
                {
                    _targetRows++;
                    c.Load(record);
                    AddStats(_targetStats!, c);
                    if (_compareRows)
                    {
                        if (_keyless) WriteRowEntry(_targetSpill, c, entry);
                        else if (TargetKey(record) is string key) WriteKeyEntry(_targetSpill, key, c, entry);
                        else _targetNullKeys++;
                    }
                    if ((_targetRows & 0xFFFF) == 0) _progress?.Invoke("target " + _targetEntity, _targetRows);
                }
            }

            /// <summary>A target record's key: the values of the source key's fields, else the target's own key.</summary>
            private string? TargetKey(CrmRecord record)
            {
                var names = _keyFields;
                if (names is null) return record.Key?.ToString();
                var parts = new string[names.Count];
                for (int k = 0; k < parts.Length; k++)
                {
                    string? text = Util.CrmValues.ToText(record[names[k]]);
                    if (text is null) return null;
                    parts[k] = text;
                }
                return new CrmKey(parts).ToString();
            }

            private static void AddStats(ColumnStats[] stats, FieldComparer c)
            {
                for (int i = 0; i < stats.Length; i++) stats[i].Add(c.Values[i], c.Canonicals[i], c.Hashes[i]);
            }

            private static UInt128 KeyHash(string key)
            {
                return XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(key));
            }

            /// <summary>Keyed entry: key hash, fingerprint, tolerant numbers, key text.</summary>
            private static void WriteKeyEntry(SpillPartitions spill, string key, FieldComparer c, ByteWriter entry)
            {
                entry.Clear();
                UInt128 kh = KeyHash(key);
                entry.UInt128(kh);
                entry.UInt128(c.Fingerprint());
                if (c.TolerantCount > 0) c.WriteTolerant(entry);
                entry.Text(key);
                spill.Add(SpillPartitions.PartitionOf(kh), entry.Span);
            }

            private static void WriteRowEntry(SpillPartitions spill, FieldComparer c, ByteWriter entry)
            {
                entry.Clear();
                UInt128 row = c.RowFingerprint();
                entry.UInt128(row);
                spill.Add(SpillPartitions.PartitionOf(row), entry.Span);
            }

            // ---------------------------------------------------------------- joining

            private struct KeyState
            {
                public int SourceAt;   // offset of the first source entry in the partition's source array, -1 when none
                public int TargetAt;
                public int SourceCount;
                public int TargetCount;
                public bool SourceCopiesDiffer;
                public bool TargetCopiesDiffer;
            }

            private void JoinKeys()
            {
                var c = _comparer!;
                int payload = 0;
                for (int i = 0; i < c.Fields.Count; i++) if (c.Tolerant[i]) payload++;
                var map = new Dictionary<UInt128, KeyState>();
                byte[] src = Array.Empty<byte>(), tgt = Array.Empty<byte>();
                for (int p = 0; p < SpillPartitions.Count; p++)
                {
                    _ct.ThrowIfCancellationRequested();
                    int srcLength = _sourceSpill.Read(p, ref src);
                    _sourceSpill.Release(p);
                    int tgtLength = _targetSpill.Read(p, ref tgt);
                    _targetSpill.Release(p);
                    map.Clear();
                    for (int at = 0; at < srcLength;)
                    {
                        int len = ByteReader.Int32At(src, at);
                        int e = at + 4;
                        UInt128 kh = ByteReader.UInt128At(src, e);
                        ref var st = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, kh, out bool exists);
                        if (!exists) { st.SourceAt = e; st.TargetAt = -1; }
                        else if (!SameValues(src, st.SourceAt, src, e)) st.SourceCopiesDiffer = true;
                        st.SourceCount++;
                        at = e + len;
                    }
                    for (int at = 0; at < tgtLength;)
                    {
                        int len = ByteReader.Int32At(tgt, at);
                        int e = at + 4;
                        UInt128 kh = ByteReader.UInt128At(tgt, e);
                        ref var st = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, kh, out bool exists);
                        if (!exists) { st.SourceAt = -1; st.TargetAt = e; }
                        else if (st.TargetCount == 0) st.TargetAt = e;
                        else if (!SameValues(tgt, st.TargetAt, tgt, e)) st.TargetCopiesDiffer = true;
                        st.TargetCount++;
                        at = e + len;
                    }
                    foreach (var (_, st) in map)
                    {
                        if (st.SourceCount > 1)
                        {
                            _sourceDupKeys++;
                            _sourceDupCopies += st.SourceCount - 1;
                            if (st.SourceCopiesDiffer) _sourceDupDiffer++;
                            if (_sourceDupSamples.Count < _max) _sourceDupSamples.Add(KeyText(src, st.SourceAt));
                        }
                        if (st.TargetCount > 1)
                        {
                            _targetDupKeys++;
                            if (st.TargetCopiesDiffer) _targetDupDiffer++;
                            if (_targetDupSamples.Count < _max) _targetDupSamples.Add(KeyText(tgt, st.TargetAt));
                        }
                        if (st.SourceCount == 0)
                        {
                            _extra++;
                            if (_extraSamples.Count < _max) _extraSamples.Add(KeyText(tgt, st.TargetAt));
                        }
                        else if (st.TargetCount == 0)
                        {
                            _missing++;
                            string key = KeyText(src, st.SourceAt);
                            if (_notLanded is not null && _notLanded.TryGetValue(key, out var why))
                            {
                                _explained++;
                                string reason = why.Outcome == CrmOutcome.Rejected ? "rejected " + (why.ReasonCode ?? "Unknown")
                                    : why.Outcome == CrmOutcome.Merged ? "merged" : why.Outcome.ToString().ToLowerInvariant() + (why.ReasonCode is null ? "" : " " + why.ReasonCode);
                                _explainedReasons[reason] = _explainedReasons.TryGetValue(reason, out long n) ? n + 1 : 1;
                                if (_explainedSamples.Count < _max) _explainedSamples.Add(key + " (" + reason + (why.IntoKey is null ? "" : " into " + why.IntoKey) + ")");
                                _explainedKeyHashes?.Add(KeyHash(key));
                            }
                            else if (_missingSamples.Count < _max) _missingSamples.Add(key);
                        }
                        else if (!(st.SourceCount > 1 && st.SourceCopiesDiffer) && !SameValues(src, st.SourceAt, tgt, st.TargetAt))
                        {
                            string key = KeyText(src, st.SourceAt);
                            if (_dedupeMerges is not null && _dedupeMerges.IsSurvivor(key)) _survivorsDiffering.Add(key);
                            _differing++;
                            if (_differSamples.Count < _max) _differSamples.Add(key);
                        }
                    }
                }
                _progress?.Invoke("compared " + _targetEntity, _targetRows);

                bool SameValues(byte[] a, int ea, byte[] b, int eb)
                {
                    if (ByteReader.UInt128At(a, ea + 16) != ByteReader.UInt128At(b, eb + 16)) return false;
                    if (payload == 0) return true;
                    int la = TolerantLength(a, ea + 32), lb = TolerantLength(b, eb + 32);
                    return c.TolerantEqual(a.AsSpan(ea + 32, la), b.AsSpan(eb + 32, lb));
                }

                int TolerantLength(byte[] a, int at)
                {
                    int i = at;
                    for (int f = 0; f < payload; f++)
                    {
                        byte tag = a[i++];
                        i += tag == 1 ? 16 : tag == 2 ? 8 : 0;
                    }
                    return i - at;
                }

                string KeyText(byte[] a, int e)
                {
                    int at = e + 32;
                    if (payload > 0) at += TolerantLength(a, at);
                    return ByteReader.TextAt(a, at, out _);
                }
            }

            private void JoinRows()
            {
                var counts = new Dictionary<UInt128, (long Source, long Target)>();
                byte[] src = Array.Empty<byte>(), tgt = Array.Empty<byte>();
                for (int p = 0; p < SpillPartitions.Count; p++)
                {
                    _ct.ThrowIfCancellationRequested();
                    int srcLength = _sourceSpill.Read(p, ref src);
                    _sourceSpill.Release(p);
                    int tgtLength = _targetSpill.Read(p, ref tgt);
                    _targetSpill.Release(p);
                    counts.Clear();
                    for (int at = 0; at < srcLength; at += 4 + ByteReader.Int32At(src, at))
                    {
                        ref var n = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, ByteReader.UInt128At(src, at + 4), out _);
                        n.Source++;
                    }
                    for (int at = 0; at < tgtLength; at += 4 + ByteReader.Int32At(tgt, at))
                    {
                        ref var n = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, ByteReader.UInt128At(tgt, at + 4), out _);
                        n.Target++;
                    }
                    foreach (var (row, n) in counts)
                    {
                        if (n.Source > n.Target)
                        {
                            _missing += n.Source - n.Target;
                            if (_rowSamplesMissing.Count < _max) _rowSamplesMissing.Add((row, n.Source, n.Target));
                        }
                        else if (n.Target > n.Source)
                        {
                            _extra += n.Target - n.Source;
                            if (n.Target > 1) _duplicatedRows += n.Target - Math.Max(1, n.Source);
                            if (_rowSamplesExtra.Count < _max) _rowSamplesExtra.Add((row, n.Source, n.Target));
                        }
                        if (n.Source > 1) { _sourceDupKeys++; _sourceDupCopies += n.Source - 1; }
                    }
                }
            }

            // ---------------------------------------------------------------- explaining

            private sealed class Differences
            {
                public readonly List<CrmValueDifference> Values = new(), SourceDuplicates = new(), TargetDuplicates = new(), MissingRows = new(), ExtraRows = new();
                public readonly List<string> MissingRowTexts = new(), ExtraRowTexts = new();
            }

            /// <summary>Reads both sides once more, only when there are samples to show, and keeps the sampled records.</summary>
            /// <summary>
            /// Survivors of merges whose values differ from their own source record: one more pass over the target for them;
            /// a survivor whose every differing value is one of its group's source values is explained, not a difference.
            /// </summary>
            private void CheckSurvivors()
            {
                foreach (var record in TargetRecords(_ => { }))
                {
                    if (record.Key?.ToString() is not string key || !_survivorsDiffering.Remove(key)) continue;
                    if (!_dedupeMerges!.Explains(key, record, _comparer!)) continue;
                    _mergeExplained++;
                    _mergedSurvivors[key] = record;
                    _differing--;
                    _differSamples.Remove(key);
                    if (_survivorsDiffering.Count == 0) break;
                }
            }

            private Differences ExplainSamples()
            {
                var d = new Differences();
                var c = _comparer!;
                if (_keyless)
                {
                    if (_rowSamplesMissing.Count + _rowSamplesExtra.Count == 0) return d;
                    var wanted = new Dictionary<UInt128, string?>();
                    foreach (var s in _rowSamplesMissing) wanted[s.Row] = null;
                    foreach (var s in _rowSamplesExtra) wanted[s.Row] = null;
                    int found = 0;
                    foreach (var r in SourceRecords(_ => { }, count: false))
                    {
                        if (found == wanted.Count) break;
                        c.Load(r);
                        var fp = c.RowFingerprint();
                        if (wanted.TryGetValue(fp, out var text) && text is null) { wanted[fp] = RowText(c); found++; }
                    }
                    foreach (var r in TargetRecords(_ => { }))
                    {
                        if (found == wanted.Count) break;
                        c.Load(r);
                        var fp = c.RowFingerprint();
                        if (wanted.TryGetValue(fp, out var text) && text is null) { wanted[fp] = RowText(c); found++; }
                    }
                    foreach (var (row, s, t) in _rowSamplesMissing)
                    {
                        string text = wanted[row] ?? "(row not found again)";
                        d.MissingRowTexts.Add(text);
                        d.MissingRows.Add(new CrmValueDifference(null, "(row)", text, t == 0 ? "(absent)" : $"(present {t} time(s))") { Note = $"the source has this row {s} time(s), the target {t}" });
                    }
                    foreach (var (row, s, t) in _rowSamplesExtra)
                    {
                        string text = wanted[row] ?? "(row not found again)";
                        d.ExtraRowTexts.Add(text);
                        d.ExtraRows.Add(new CrmValueDifference(null, "(row)", s == 0 ? "(absent)" : $"(present {s} time(s))", text)
                        {
                            Note = s > 0 || t > 1 ? $"duplicated: the target has this row {t} time(s), the source {s}" : $"the target has this row {t} time(s), the source {s}",
                        });
                    }
                    return d;
                }

                var keys = new HashSet<string>(StringComparer.Ordinal);
                keys.UnionWith(_differSamples);
                keys.UnionWith(_sourceDupSamples);
                keys.UnionWith(_targetDupSamples);
                if (keys.Count == 0) return d;
                var source = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
                var target = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
                foreach (var r in SourceRecords(_ => { }, count: false))
                {
                    if (r.Key?.ToString() is not string k || !keys.Contains(k)) continue;
                    Keep(source, k, r);
                }
                foreach (var r in TargetRecords(_ => { }))
                {
                    if (TargetKey(r) is not string k || !keys.Contains(k)) continue;
                    Keep(target, k, r);
                }
                foreach (var k in _differSamples)
                {
                    if (source.TryGetValue(k, out var s) && target.TryGetValue(k, out var t)) Compare(d.Values, k, s[0], t[0], null);
                }
                foreach (var k in _sourceDupSamples)
                {
                    if (!source.TryGetValue(k, out var s)) continue;
                    int before = d.SourceDuplicates.Count;
                    for (int i = 1; i < s.Count; i++) Compare(d.SourceDuplicates, k, s[0], s[i], $"source copy 1 / copy {i + 1}");
                    if (d.SourceDuplicates.Count == before) d.SourceDuplicates.Add(new CrmValueDifference(k, "(all)", "copy 1", "copy 2") { Note = $"{s.Count} identical copies in the source" });
                }
                foreach (var k in _targetDupSamples)
                {
                    if (!target.TryGetValue(k, out var t)) continue;
                    int before = d.TargetDuplicates.Count;
                    for (int i = 1; i < t.Count; i++) Compare(d.TargetDuplicates, k, t[0], t[i], $"target copy 1 / copy {i + 1}");
                    if (d.TargetDuplicates.Count == before) d.TargetDuplicates.Add(new CrmValueDifference(k, "(all)", "copy 1", "copy 2") { Note = $"{t.Count} identical copies in the target" });
                }
                return d;

                void Keep(Dictionary<string, List<object?[]>> into, string k, CrmRecord r)
                {
                    if (!into.TryGetValue(k, out var list)) into[k] = list = new List<object?[]>(2);
                    if (list.Count >= 5) return;
                    c.Load(r);
                    list.Add((object?[])c.Values.Clone());
                }
            }

            private void Compare(List<CrmValueDifference> into, string key, object?[] a, object?[] b, string? note)
            {
                var c = _comparer!;
                for (int i = 0; i < c.Fields.Count; i++)
                {
                    if (c.Equal(a[i], b[i], i)) continue;
                    into.Add(new CrmValueDifference(key, c.Fields[i], FieldComparer.Display(a[i]), FieldComparer.Display(b[i])) { Note = note });
                }
            }

            private static string RowText(FieldComparer c)
            {
                var sb = new StringBuilder();
                for (int i = 0; i < c.Fields.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(c.Fields[i]).Append('=').Append(FieldComparer.Display(c.Values[i]));
                }
                return sb.ToString();
            }

            /// <summary>The source aggregates again, leaving out the records the ledger explains as not landed.</summary>
            private void RecomputeSourceStats()
            {
                var c = _comparer!;
                var stats = NewStats(c.Fields.Count);
                foreach (var r in SourceRecords(_ => { }, count: false))
                {
                    string? k = r.Key?.ToString();
                    if (k is not null && _explainedKeyHashes is not null && _explainedKeyHashes.Contains(KeyHash(k))) continue;
                    // A survivor whose merged values were checked against its group counts with those values.
                    c.Load(k is not null && _mergedSurvivors.TryGetValue(k, out var merged) ? merged : r);
                    AddStats(stats, c);
                }
                _sourceStats = stats;
            }

            // ---------------------------------------------------------------- results

            private CrmValidationResult Result(string check, CrmCheckStatus status, string details) =>
                new(check, _label, status) { SourceRows = _sourceRows, TargetRows = _targetRows, Details = details };

            private void Report(List<CrmValidationResult> results, Differences d)
            {
                var c = _comparer!;
                string rows = $"source {N(_sourceRows)} row(s), target {N(_targetRows)}";

                if (_o.Runs(CrmValidationCheck.Schema)) results.Add(SchemaResult());

                // Rows the readers could not read.
                results.Add(_sourceErrors.Result(this, "SourceRead", "source"));
                results.Add(_targetErrors.Result(this, "TargetRead", "target"));

                if (_o.Runs(CrmValidationCheck.Count))
                {
                    string notes = "";
                    if (_mappingRejected > 0) notes += $" {N(_mappingRejected)} source record(s) are rejected or filtered by the mapping and not expected in the target.";
                    if (_keyMissing > 0) notes += $" {N(_keyMissing)} source row(s) have an empty key field, which the import rejects (RecordKeyMissing): not expected in the target.";
                    if (_merged > 0) notes += $" {N(_merged)} source row(s) repeat a key and are merged into the first (OnRepeat = 'Merge').";
                    if (_sourceErrors.Dropped > 0) notes += $" {N(_sourceErrors.Dropped)} source row(s) could not be read (see SourceRead).";
                    long expected = _sourceRows - _explained - (_keyless ? 0 : _sourceDupCopies);
                    CrmCheckStatus status = _sourceRows == _targetRows ? CrmCheckStatus.Pass
                        : expected == _targetRows && _compareRows && _sourceDupDiffer == 0 ? CrmCheckStatus.Warning : CrmCheckStatus.Fail;
                    string explained = "";
                    if (status == CrmCheckStatus.Warning)
                    {
                        explained = " The difference is explained:" + (_explained > 0 ? $" {N(_explained)} record(s) the import did not land ({Reasons()})." : "")
                            + (_sourceDupCopies > 0 && !_keyless ? $" {N(_sourceDupCopies)} identical copy(ies) of keys the source holds twice." : "");
                    }
                    var r = Result("Count", status, rows + "." + notes + explained);
                    r.Expected = _sourceRows;
                    r.Actual = _targetRows;
                    results.Add(r);
                }

                if (_compareRows && _keyless)
                {
                    string what = $"Compared as whole rows (the entity has no key) over {c.Fields.Count} field(s): {string.Join(", ", c.Fields)}; {rows}.";
                    if (_o.Tolerance > 0) what += " -Tolerance does not apply to rows without a key: they match exactly (after the target's scale).";
                    var missing = Result("MissingRows", _missing == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                        _missing == 0 ? "Every source row is in the target as often as in the source. " + what : $"{N(_missing)} source row(s) are not in the target. " + what);
                    missing.Expected = 0; missing.Actual = _missing; missing.Samples = d.MissingRowTexts; missing.Differences = d.MissingRows;
                    results.Add(missing);
                    var extra = Result("ExtraRows", _extra == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                        _extra == 0 ? "The target has no row the source lacks, and no row more often than the source. " + what
                            : $"{N(_extra)} target row(s) are not in the source" + (_duplicatedRows > 0 ? $", {N(_duplicatedRows)} of them duplicated copies" : "") + ". " + what);
                    extra.Expected = 0; extra.Actual = _extra; extra.Samples = d.ExtraRowTexts; extra.Differences = d.ExtraRows;
                    results.Add(extra);
                }
                else if (_compareRows)
                {
                    bool keysMissing = _sourceRows > 0 && _keyFields is null && _targetRows > 0 && _targetNullKeys == _targetRows;
                    if (keysMissing)
                    {
                        foreach (var name in new[] { "MissingKeys", "ExtraKeys", "DuplicateKeys", "FieldValues" })
                        {
                            results.Add(Result(name, CrmCheckStatus.NotChecked, $"The target records have no key to match the source's by (the source key is {KeyName()}, which the target lacks). Nothing was compared by key; {rows}."));
                        }
                    }
                    else
                    {
                        KeyResults(results, d, rows);
                    }
                }

                if (_o.Runs(CrmValidationCheck.Aggregates)) results.Add(AggregateResult());
            }

            private string KeyName() => _keyFields is null ? "(the source's key)" : string.Join(", ", _keyFields);

            private void KeyResults(List<CrmValidationResult> results, Differences d, string rows)
            {
                var c = _comparer!;
                if (_o.Runs(CrmValidationCheck.Keys))
                {
                    bool allExplained = _missing > 0 && _explained == _missing;
                    string why = _explained == 0 ? "" : $" The import's ledger records {N(_explained)} of them as not landed: {Reasons()} (Get-CrmMigrationRecord lists them).";
                    var missing = Result("MissingKeys", _missing == 0 ? CrmCheckStatus.Pass : allExplained ? CrmCheckStatus.Warning : CrmCheckStatus.Fail,
                        (_missing == 0 ? "Every source key is in the target" : $"{N(_missing)} source key(s) are not in the target") + $" (keys compared: {KeyName()}; {rows}).{why}");
                    missing.Expected = 0; missing.Actual = _missing;
                    var samples = new List<string>(_missingSamples);
                    if (samples.Count < _max) foreach (var s in _explainedSamples) { if (samples.Count >= _max) break; samples.Add(s); }
                    missing.Samples = samples;
                    results.Add(missing);

                    var extra = Result("ExtraKeys", _extra == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                        (_extra == 0 ? "The target has no key the source lacks" : $"{N(_extra)} target key(s) are not in the source") + $" ({rows}).");
                    extra.Expected = 0; extra.Actual = _extra; extra.Samples = _extraSamples;
                    results.Add(extra);

                    var dup = Result("DuplicateKeys", _targetDupKeys == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                        _targetDupKeys == 0 ? $"No key appears twice in the target ({N(_targetRows)} row(s))."
                            : $"{N(_targetDupKeys)} key(s) appear more than once in the target" + (_targetDupDiffer > 0 ? $", {N(_targetDupDiffer)} of them with differing values" : ", the copies identical") + ".");
                    dup.Expected = 0; dup.Actual = _targetDupKeys; dup.Samples = _targetDupSamples; dup.Differences = d.TargetDuplicates;
                    results.Add(dup);

                    var sdup = Result("SourceDuplicateKeys", _sourceDupKeys == 0 ? CrmCheckStatus.Pass : _sourceDupDiffer == 0 ? CrmCheckStatus.Warning : CrmCheckStatus.Fail,
                        _sourceDupKeys == 0 ? $"No key appears twice in the source ({N(_sourceRows)} row(s))."
                            : $"{N(_sourceDupKeys)} key(s) appear more than once in the source ({N(_sourceDupCopies)} extra copy(ies))"
                              + (_sourceDupDiffer > 0 ? $"; {N(_sourceDupDiffer)} of them with differing values, so the target cannot hold what the source holds: their values are not compared in FieldValues." : "; the copies are identical."));
                    sdup.Expected = 0; sdup.Actual = _sourceDupKeys; sdup.Samples = _sourceDupSamples; sdup.Differences = d.SourceDuplicates;
                    results.Add(sdup);

                    if (_sourceNullKeys > 0 || _targetNullKeys > 0)
                    {
                        var nk = Result("NullKeys", CrmCheckStatus.Fail,
                            $"{N(_sourceNullKeys)} source record(s) and {N(_targetNullKeys)} target record(s) have no key ({KeyName()} empty): they could not be compared by key.");
                        nk.Expected = 0; nk.Actual = _sourceNullKeys + _targetNullKeys; nk.Samples = _sourceNullKeySamples;
                        results.Add(nk);
                    }
                }
                if (_o.Runs(CrmValidationCheck.Values))
                {
                    long both = _sourceRows - _missing - _sourceDupCopies - _sourceNullKeys;
                    string how = HowCompared();
                    CrmValidationResult values;
                    if (c.Fields.Count == 0)
                    {
                        values = Result("FieldValues", CrmCheckStatus.NotChecked, $"The source and the target share no field: no value could be compared ({rows}).");
                    }
                    else
                    {
                        values = Result("FieldValues", _differing == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                            (_differing == 0 ? $"Every record on both sides ({N(Math.Max(0, both))}) has the same values" : $"{N(_differing)} of {N(Math.Max(0, both))} record(s) on both sides differ")
                            + $" in {c.Fields.Count} field(s): {string.Join(", ", c.Fields)}. {how}"
                            + (_sourceDupDiffer > 0 ? $" Not compared here: {N(_sourceDupDiffer)} key(s) the source holds more than once with differing values (see SourceDuplicateKeys)." : "")
                            + (_targetDupKeys > 0 ? $" A key the target holds more than once is compared by its first copy (see DuplicateKeys)." : "")
                            + (_differing > 0 && d.Values.Count > 0 ? " For example: " + Summarize(d.Values, 5) + "." : "")
                            + (_mergeExplained > 0 ? $" {N(_mergeExplained)} survivor(s) of merges hold values taken from the records merged into them (each such value checked against the group's source records)." : ""));
                        values.Samples = _differSamples;
                        values.Differences = d.Values;
                    }
                    values.Expected = 0; values.Actual = _differing;
                    results.Add(values);
                }
            }

            private string HowCompared()
            {
                var parts = new List<string>();
                parts.Add(_o.NullEqualsEmpty ? "NULL equals empty text (-NullEqualsEmpty)" : "NULL differs from empty text");
                if (_o.Tolerance > 0) parts.Add("numbers within " + _o.Tolerance.ToString(CultureInfo.InvariantCulture) + " are equal (-Tolerance)");
                var scaled = new List<string>();
                foreach (var f in _comparer!.Fields)
                {
                    var tf = _targetSchema.GetField(f);
                    if (tf is not null && tf.Type is CrmFieldType.Decimal or CrmFieldType.Double && FieldComparer.DeclaredScale(tf.SourceType) is int s) scaled.Add(f + " to " + s.ToString(CultureInfo.InvariantCulture));
                }
                if (scaled.Count > 0) parts.Add("numbers rounded to the target's declared scale (" + string.Join(", ", scaled) + ")");
                return string.Join("; ", parts) + ".";
            }

            private static string Summarize(List<CrmValueDifference> list, int max)
            {
                var sb = new StringBuilder();
                for (int i = 0; i < list.Count && i < max; i++)
                {
                    if (i > 0) sb.Append("; ");
                    var x = list[i];
                    sb.Append("key ").Append(x.Key).Append(" field ").Append(x.Field).Append(": source ").Append(x.Source).Append(", target ").Append(x.Target);
                }
                return sb.ToString();
            }

            private string Reasons()
            {
                var sb = new StringBuilder();
                foreach (var (k, n) in _explainedReasons)
                {
                    if (sb.Length > 0) sb.Append(", ");
                    sb.Append(k).Append('=').Append(N(n));
                }
                return sb.ToString();
            }

            private CrmValidationResult SchemaResult()
            {
                var c = _comparer!;
                var diffs = new List<CrmValueDifference>();
                var missing = new List<string>();
                var lossy = new List<string>();
                var sourceFields = new List<string>();
                if (_v._mapping is null) foreach (var f in _sourceSchema.Fields) sourceFields.Add(f.Name);
                else foreach (var f in c.Fields) sourceFields.Add(f);
                if (_v._mapping is not null && _firstFields is not null) { sourceFields.Clear(); sourceFields.AddRange(_firstFields); }
                foreach (var name in sourceFields)
                {
                    // With a mapping the source field is what the mapping made (renamed, converted): its type is not the source column's.
                    var sf = _v._mapping is null ? _sourceSchema.GetField(name) : null;
                    var tf = _targetSchema.GetField(name);
                    string st = sf is null ? "(mapped)" : (sf.SourceType ?? sf.Type.ToString()) + " [" + sf.Type + "]";
                    if (tf is null)
                    {
                        missing.Add(name);
                        diffs.Add(new CrmValueDifference(null, name, st, "(no such column)") { Note = "the target cannot hold this field" });
                        continue;
                    }
                    string tt = (tf.SourceType ?? tf.Type.ToString()) + " [" + tf.Type + "]";
                    string? loss = sf is null ? null : Lossy(sf, tf);
                    if (loss is not null) lossy.Add(name + ": " + loss);
                    diffs.Add(new CrmValueDifference(null, name, st, tt) { Note = loss });
                }
                foreach (var tf in _targetSchema.Fields)
                {
                    bool listed = false;
                    foreach (var n in sourceFields) listed |= string.Equals(n, tf.Name, StringComparison.OrdinalIgnoreCase);
                    if (!listed) diffs.Add(new CrmValueDifference(null, tf.Name, "(not in the source)", (tf.SourceType ?? tf.Type.ToString()) + " [" + tf.Type + "]") { Note = "target only: not compared" });
                }
                var status = missing.Count > 0 ? CrmCheckStatus.Fail : lossy.Count > 0 ? CrmCheckStatus.Warning : CrmCheckStatus.Pass;
                string details = $"{sourceFields.Count} source field(s), {_targetSchema.Fields.Count} target column(s); key {(_keyless ? "none (compared as whole rows)" : KeyName())}."
                    + (missing.Count > 0 ? $" Not in the target: {string.Join(", ", missing)}." : "")
                    + (lossy.Count > 0 ? $" May lose data: {string.Join("; ", lossy)}." : "")
                    + " Differences lists the columns side by side.";
                var r = Result("Schema", status, details);
                r.Expected = 0;
                r.Actual = missing.Count;
                r.Samples = missing;
                r.Differences = diffs;
                return r;
            }

            private List<string>? _firstFields;

            private static string? Lossy(CrmFieldSchema s, CrmFieldSchema t)
            {
                if (s.Type == t.Type)
                {
                    if (s.Type == CrmFieldType.String && t.MaxLength is int tl && (s.MaxLength is null || s.MaxLength > tl)) return $"text up to {(s.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "any length")} into {tl} characters";
                    return null;
                }
                if (t.Type == CrmFieldType.String) return null;
                if (s.Type == CrmFieldType.Integer && t.Type is CrmFieldType.Decimal or CrmFieldType.Double) return null;
                if (s.Type == CrmFieldType.Date && t.Type is CrmFieldType.DateTime or CrmFieldType.DateTimeOffset) return null;
                if (s.Type == CrmFieldType.DateTime && t.Type == CrmFieldType.DateTimeOffset) return null;
                return $"{s.Type} into {t.Type}";
            }

            private CrmValidationResult AggregateResult()
            {
                var c = _comparer!;
                if (c.Fields.Count == 0) return Result("Aggregates", CrmCheckStatus.NotChecked, "The source and the target share no column: no aggregate could be compared.");
                var diffs = new List<CrmValueDifference>();
                var differing = new List<string>();
                for (int i = 0; i < c.Fields.Count; i++)
                {
                    var s = _sourceStats![i];
                    var t = _targetStats![i];
                    string f = c.Fields[i];
                    int before = diffs.Count;
                    if (s.Rows != t.Rows) diffs.Add(new CrmValueDifference(null, f + ".count", N(s.Rows), N(t.Rows)));
                    if (s.Nulls != t.Nulls) diffs.Add(new CrmValueDifference(null, f + ".nulls", N(s.Nulls), N(t.Nulls)));
                    if (s.DistinctExact && t.DistinctExact)
                    {
                        if (s.Distinct != t.Distinct) diffs.Add(new CrmValueDifference(null, f + ".distinct", N(s.Distinct), N(t.Distinct)));
                    }
                    else if (!s.SameSketch(t))
                    {
                        diffs.Add(new CrmValueDifference(null, f + ".distinct", "≈" + N(s.Distinct), "≈" + N(t.Distinct)) { Note = "estimated (HyperLogLog); the sketches differ, so the sets of values differ" });
                    }
                    if (!Near(s.Min, s.MinCanonical, t.Min, t.MinCanonical, i)) diffs.Add(new CrmValueDifference(null, f + ".min", FieldComparer.Display(s.Min), FieldComparer.Display(t.Min)));
                    if (!Near(s.Max, s.MaxCanonical, t.Max, t.MaxCanonical, i)) diffs.Add(new CrmValueDifference(null, f + ".max", FieldComparer.Display(s.Max), FieldComparer.Display(t.Max)));
                    if (s.Numbers > 0 || t.Numbers > 0)
                    {
                        bool same = s.Overflowed || t.Overflowed ? s.SumText == t.SumText : Math.Abs(s.Sum - t.Sum) <= _o.Tolerance * Math.Max(s.Numbers, t.Numbers);
                        if (!same) diffs.Add(new CrmValueDifference(null, f + ".sum", s.SumText, t.SumText));
                    }
                    if (s.MinLength != t.MinLength) diffs.Add(new CrmValueDifference(null, f + ".minLength", s.MinLength?.ToString(CultureInfo.InvariantCulture) ?? "-", t.MinLength?.ToString(CultureInfo.InvariantCulture) ?? "-"));
                    if (s.MaxLength != t.MaxLength) diffs.Add(new CrmValueDifference(null, f + ".maxLength", s.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "-", t.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "-"));
                    if (diffs.Count > before) differing.Add(f);
                }
                string scope = _explained > 0 ? $" The source side leaves out the {N(_explained)} record(s) the import's ledger records as not landed." : "";
                var r = Result("Aggregates", differing.Count == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail,
                    (differing.Count == 0
                        ? $"count, nulls, distinct, min, max, sum and text length agree in all {c.Fields.Count} column(s)"
                        : $"{differing.Count} of {c.Fields.Count} column(s) differ: " + Summarize(diffs))
                    + $" (after the mapping; {HowCompared().TrimEnd('.')}).{scope}");
                r.Expected = 0;
                r.Actual = differing.Count;
                r.Samples = differing;
                r.Differences = diffs;
                return r;

                static string Summarize(List<CrmValueDifference> list)
                {
                    var sb = new StringBuilder();
                    for (int i = 0; i < list.Count && i < 6; i++)
                    {
                        if (i > 0) sb.Append("; ");
                        sb.Append(list[i].Field).Append(' ').Append(list[i].Source).Append(" / ").Append(list[i].Target);
                    }
                    if (list.Count > 6) sb.Append("; …");
                    return sb.ToString();
                }
            }

            private bool Near(object? a, string? ca, object? b, string? cb, int field)
            {
                if (a is null || b is null) return a is null && b is null;
                if (_comparer!.Tolerant[field] && FieldComparer.TryNumber(a, out decimal x) && FieldComparer.TryNumber(b, out decimal y)) return Math.Abs(x - y) <= _o.Tolerance;
                return string.Equals(ca, cb, StringComparison.Ordinal);
            }

            private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

            /// <summary>Rows a reader reported and left out (or notes about the file), with the first examples.</summary>
            private sealed class ErrorTally
            {
                public long Dropped, Explained, Notes;
                public readonly List<string> Samples = new();
                public readonly SortedDictionary<string, long> Codes = new(StringComparer.Ordinal);

                public void Add(CrmDataError e, EntityRun run, bool source)
                {
                    if (e.Severity == CrmErrorSeverity.Information) return; // how the file was read (its encoding), not a problem
                    bool drops = MigrationCopier.DropsRow(e);
                    if (!drops)
                    {
                        Notes++;
                        if (Samples.Count < run._max) Samples.Add("note: " + e.FullMessage);
                        return;
                    }
                    Dropped++;
                    Codes[e.Code] = Codes.TryGetValue(e.Code, out long n) ? n + 1 : 1;
                    // The import records a row it could not read as a reject keyed by file:line (ImportSession), so the ledger can explain it.
                    if (source && run._notLanded is not null && e.Line > 0 && e.File is not null
                        && run._notLanded.TryGetValue(e.File + ":" + e.Line.ToString(CultureInfo.InvariantCulture), out var why) && why.Outcome == CrmOutcome.Rejected)
                    {
                        Explained++;
                        return;
                    }
                    if (Samples.Count < run._max) Samples.Add(e.FullMessage);
                }

                public CrmValidationResult Result(EntityRun run, string check, string side)
                {
                    string codes = "";
                    foreach (var (k, n) in Codes) codes += (codes.Length > 0 ? ", " : "") + k + "=" + N(n);
                    CrmCheckStatus status = Dropped == 0 ? (Notes > 0 ? CrmCheckStatus.Warning : CrmCheckStatus.Pass) : Dropped == Explained ? CrmCheckStatus.Warning : CrmCheckStatus.Fail;
                    long read = side == "source" ? run._sourceRows + run._mappingRejected + run._keyMissing : run._targetRows;
                    string details = Dropped == 0
                        ? $"The {side} reader read {N(read)} row(s) and left none out" + (Notes > 0 ? $"; {N(Notes)} note(s) about the file or values passed on unconverted." : ".")
                        : $"{N(Dropped)} {side} row(s) could not be read ({codes}) and were left out of every comparison; {N(read)} row(s) were read."
                          + (Explained > 0 ? $" The import's ledger records {N(Explained)} of them as rejected." : "")
                          + (Dropped == Explained ? "" : " They are not in the comparison: fix them or import them and check again.");
                    var r = run.Result(check, status, details);
                    r.Expected = 0;
                    r.Actual = Dropped - Explained;
                    r.Samples = Samples;
                    return r;
                }
            }

            public void Dispose()
            {
                _sourceSpill.Dispose();
                _targetSpill.Dispose();
            }
        }

        /// <summary>
        /// The mapping's references of a target entity whose parent had its keys changed by the mapping, with
        /// those changes (field → old key → new key). The parent's changes are collected when it is checked,
        /// or here by mapping its source once when it was not checked first.
        /// </summary>
        private List<(string Field, Dictionary<string, string> Changes)>? ReferencesOf(string targetEntity, CancellationToken ct)
        {
            if (_mapping is null) return null;
            List<(string, Dictionary<string, string>)>? list = null;
            foreach (var (field, parent) in _mapping.ReferencesOf(targetEntity))
            {
                if (!_keyChanges.TryGetValue(parent, out var changes))
                {
                    string? parentSource = null;
                    foreach (var e in _mapping.Definition.Entities) if (string.Equals(e.Target, parent, StringComparison.OrdinalIgnoreCase)) parentSource = e.Source;
                    changes = parentSource is null ? new Dictionary<string, string>(StringComparer.Ordinal) : KeyChangesOf(parentSource, IndexOf(parentSource, parent), ct);
                    // A self-reference: the entity's own changes are collected again while it is checked.
                    if (!string.Equals(parent, targetEntity, StringComparison.OrdinalIgnoreCase)) _keyChanges[parent] = changes;
                }
                if (MergeCheck.Load(_ledger, _target.Connection.DisplayName, parent) is { } parentMerges)
                {
                    // Children of merged parents were re-pointed to the survivors on import.
                    changes = new Dictionary<string, string>(changes, StringComparer.Ordinal);
                    foreach (var (merged, survivor) in parentMerges.MergedInto) changes[merged] = survivor;
                }
                if (changes.Count > 0) (list ??= new()).Add((field, changes));
            }
            return list;
        }

        /// <summary>The keys the mapping changes in a source entity (source key → target key).</summary>
        private Dictionary<string, string> KeyChangesOf(string sourceEntity, int index, CancellationToken ct)
        {
            var changes = new Dictionary<string, string>(StringComparer.Ordinal);
            var errors = new List<CrmDataError>();
            foreach (var record in _source.Read(sourceEntity, new CrmReadOptions(), _ => { }, ct))
            {
                errors.Clear();
                if (_mapping!.Map(record, index, false, out var mapped, new MapScratch(errors)) != MapStatus.Mapped) continue;
                if ((mapped!.Origin?.SourceKey ?? record.Key?.ToString()) is string was && mapped.Key?.ToString() is string now && !string.Equals(was, now, StringComparison.Ordinal)) changes[was] = now;
            }
            return changes;
        }

        /// <summary>The mapped record with its references holding the new keys of their parents, as the import writes them.</summary>
        private static CrmRecord Translate(CrmRecord record, List<(string Field, Dictionary<string, string> Changes)>? references)
        {
            if (references is null) return record;
            CrmRecord? copy = null;
            foreach (var (field, changes) in references)
            {
                int i = record.Shape.IndexOf(field);
                if (i < 0 || Util.CrmValues.ToText(record.GetValue(i)) is not string old || !changes.TryGetValue(new CrmKey(old).ToString(), out var now)) continue;
                copy ??= record.Clone();
                copy.SetValue(i, now);
            }
            return copy ?? record;
        }
    }
}
