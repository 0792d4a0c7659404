using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>The result of mapping one record.</summary>
    public enum MapStatus
    {
        /// <summary>A target record was produced.</summary>
        Mapped,
        /// <summary>The record broke a rule; see the errors.</summary>
        Rejected,
        /// <summary>The mapping does not name the record's entity; the record passes unchanged.</summary>
        NotMapped,
        /// <summary>The record failed one of the entity's Where conditions; see the filter reason.</summary>
        Filtered,
    }

    /// <summary>What mapping one record left besides the output: errors, warnings, the filter reason. Reused from record to record.</summary>
    public sealed class MapScratch
    {
        /// <summary>Creates scratch space, optionally over an existing error list.</summary>
        public MapScratch(List<CrmDataError>? errors = null) { Errors = errors ?? new List<CrmDataError>(); }

        /// <summary>One error per failing rule (the record is rejected when there is any).</summary>
        public List<CrmDataError> Errors { get; }
        /// <summary>Values kept or dropped with a note: suspected typos, truncations, invalid values kept raw or nulled.</summary>
        public List<CrmChange> Warnings { get; } = new();
        /// <summary>The reason code of the Where condition that filtered the record.</summary>
        public string? FilterReason { get; set; }
        /// <summary>The condition, in words.</summary>
        public string? FilterMessage { get; set; }
        /// <summary>The field the filtering condition looked at.</summary>
        public string? FilterField { get; set; }
        /// <summary>Its value in the filtered record.</summary>
        public object? FilterValue { get; set; }

        /// <summary>Empties the scratch space for the next record.</summary>
        public void Clear()
        {
            Errors.Clear();
            Warnings.Clear();
            FilterReason = null;
            FilterMessage = null;
            FilterField = null;
            FilterValue = null;
        }

        /// <summary>The source of the record being mapped: one per scratch (one per caller), pointed at each record in turn.</summary>
        internal MapSource SourceOf(CrmRecord record)
        {
            var source = _source ??= MapSource.ForBatches();
            source.Set(record);
            return source;
        }

        private MapSource? _source;
    }

    /// <summary>What mapping a batch left besides the output rows: the rows that were not mapped, or mapped with warnings.</summary>
    internal sealed class BatchMapResult
    {
        private readonly List<Issue> _issues = new();

        /// <summary>One row's status and what the mapping said about it (errors, warnings, the filter's reason), copied off the scratch.</summary>
        internal sealed class Issue
        {
            public Issue(int row, MapStatus status, MapScratch scratch, CrmRecord source)
            {
                Row = row;
                Status = status;
                Errors = scratch.Errors.Count == 0 ? Array.Empty<CrmDataError>() : scratch.Errors.ToArray();
                Warnings = scratch.Warnings.Count == 0 ? Array.Empty<CrmChange>() : scratch.Warnings.ToArray();
                FilterReason = scratch.FilterReason;
                FilterMessage = scratch.FilterMessage;
                FilterField = scratch.FilterField;
                FilterValue = scratch.FilterValue;
                Source = source;
            }

            public int Row { get; }
            public MapStatus Status { get; }
            public IReadOnlyList<CrmDataError> Errors { get; }
            public IReadOnlyList<CrmChange> Warnings { get; }
            public string? FilterReason { get; }
            public string? FilterMessage { get; }
            public string? FilterField { get; }
            public object? FilterValue { get; }
            /// <summary>The source row as a record (what a reject file and the books keep of a row that was not mapped).</summary>
            public CrmRecord Source { get; }
        }

        /// <summary>Scratch space for one row at a time.</summary>
        public MapScratch Scratch { get; } = new MapScratch();

        /// <summary>The rows that were not mapped, or were mapped with warnings, in row order.</summary>
        public IReadOnlyList<Issue> Issues => _issues;

        public void Clear() => _issues.Clear();

        internal void Add(int row, MapStatus status, MapSource source) => _issues.Add(new Issue(row, status, Scratch, source.Record));
    }

    /// <summary>
    /// A mapping compiled once: per entity, field readers, transforms and rules resolved ahead of the records. A
    /// source entity may feed several target entities (a denormalised export: account columns on every contact
    /// row); its targets are mapped in an order where a referenced target comes before the targets that refer to it.
    /// </summary>
    public sealed class CompiledMapping
    {
        private readonly Dictionary<string, CompiledEntity[]> _bySource = new(StringComparer.OrdinalIgnoreCase);

        public CompiledMapping(MappingDefinition definition)
        {
            Definition = definition;
            bool anyReferences = false;
            foreach (var e in definition.Entities) foreach (var f in e.Fields) anyReferences |= f.Reference is not null;
            var lists = new Dictionary<string, List<CompiledEntity>>(StringComparer.OrdinalIgnoreCase);
            var targets = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in definition.Entities)
            {
                if (!lists.TryGetValue(e.Source, out var list)) lists[e.Source] = list = new List<CompiledEntity>();
                foreach (var other in list)
                {
                    if (string.Equals(other.Definition.Target, e.Target, StringComparison.OrdinalIgnoreCase))
                    {
                        throw new CrmException(new CrmDataError("MappingDuplicateSource", CrmErrorKind.InvalidArgument,
                            $"The source entity '{e.Source}' is mapped to the target entity '{e.Target}' twice; merge the two entity mappings into one.") { File = definition.SourcePath });
                    }
                }
                list.Add(new CompiledEntity(e, anyReferences, ForSource));
            }
            foreach (var kv in lists) _bySource[kv.Key] = ParentsFirst(kv.Value);
        }

        /// <summary>The targets of one source, each after the targets it references (stable otherwise).</summary>
        private static CompiledEntity[] ParentsFirst(List<CompiledEntity> list)
        {
            if (list.Count == 1) return list.ToArray();
            var result = new List<CompiledEntity>(list.Count);
            var placed = new HashSet<CompiledEntity>();
            void Place(CompiledEntity e, int depth)
            {
                if (placed.Contains(e) || depth > list.Count) return;
                foreach (var parent in e.Definition.References.Values)
                {
                    foreach (var p in list) if (!ReferenceEquals(p, e) && string.Equals(p.Definition.Target, parent, StringComparison.OrdinalIgnoreCase)) Place(p, depth + 1);
                }
                if (placed.Add(e)) result.Add(e);
            }
            foreach (var e in list) Place(e, 0);
            return result.ToArray();
        }

        public MappingDefinition Definition { get; }

        /// <summary>The (first) target entity name for a source entity, or null.</summary>
        public string? TargetOf(string sourceEntity) => _bySource.TryGetValue(sourceEntity, out var c) ? c[0].Definition.Target : null;

        /// <summary>The (first) entity mapping reading a source entity, or null.</summary>
        public EntityMapping? ForSource(string sourceEntity) => _bySource.TryGetValue(sourceEntity, out var c) ? c[0].Definition : null;

        /// <summary>Every entity mapping reading a source entity, referenced targets first; empty when the mapping does not name it.</summary>
        public IReadOnlyList<EntityMapping> TargetsOf(string sourceEntity)
        {
            if (!_bySource.TryGetValue(sourceEntity, out var c)) return Array.Empty<EntityMapping>();
            var list = new EntityMapping[c.Length];
            for (int i = 0; i < c.Length; i++) list[i] = c[i].Definition;
            return list;
        }

        /// <summary>How many target entities a source entity feeds (0 when the mapping does not name it).</summary>
        public int TargetCount(string sourceEntity) => _bySource.TryGetValue(sourceEntity, out var c) ? c.Length : 0;

        /// <summary>The fields of a target entity that reference other target entities (field → entity), for key translation on import.</summary>
        public IReadOnlyDictionary<string, string> ReferencesOf(string targetEntity)
        {
            foreach (var e in Definition.Entities) if (string.Equals(e.Target, targetEntity, StringComparison.OrdinalIgnoreCase)) return e.References;
            return new Dictionary<string, string>();
        }

        /// <summary>Maps one record into its source's first target; problems go to <paramref name="errors"/> (one per failing field). Filtered records report as Filtered.</summary>
        public MapStatus Map(CrmRecord input, bool explain, out CrmRecord? output, List<CrmDataError> errors)
        {
            return Map(input, 0, explain, out output, new MapScratch(errors));
        }

        /// <summary>Maps one record into its source's first target (see the overload with a target index).</summary>
        public MapStatus Map(CrmRecord input, bool explain, out CrmRecord? output, MapScratch scratch) => Map(input, 0, explain, out output, scratch);

        /// <summary>
        /// Maps one record into the <paramref name="target"/>-th target entity its source feeds (0 ≤ target &lt;
        /// <see cref="TargetCount"/>). On success <paramref name="output"/> is the new record; on rejection the
        /// problems are in the scratch's errors; when filtered, its filter reason says why.
        /// </summary>
        public MapStatus Map(CrmRecord input, int target, bool explain, out CrmRecord? output, MapScratch scratch)
        {
            if (!_bySource.TryGetValue(input.Entity, out var entities) || target >= entities.Length)
            {
                output = null;
                return MapStatus.NotMapped;
            }
            return entities[target].Map(input, explain, out output, scratch);
        }

        /// <summary>Whether the rows of <paramref name="input"/> can be mapped into the <paramref name="target"/>-th target of their source as columns (see <see cref="MapBatch"/>).</summary>
        internal bool CanMapBatch(RowBatch input, string sourceEntity, int target) =>
            _bySource.TryGetValue(sourceEntity, out var entities) && target < entities.Length && entities[target].CanMapBatch(input);

        /// <summary>
        /// Maps every row of <paramref name="input"/> (rows of <paramref name="sourceEntity"/>) into the <paramref name="target"/>-th
        /// target entity it feeds, into <paramref name="output"/>: one output row per input row, in order; the rows filtered or
        /// rejected (and those with value warnings) are listed in <paramref name="result"/>, which is emptied first.
        /// </summary>
        internal void MapBatch(RowBatch input, string sourceEntity, int target, RowBatch output, BatchMapResult result)
        {
            result.Clear();
            _bySource[sourceEntity][target].MapBatch(input, output, result);
        }

        /// <summary>True when some field runs a scriptblock (it must run on the thread of the PowerShell that gave it).</summary>
        public bool HasCode
        {
            get
            {
                foreach (var e in Definition.Entities) foreach (var f in e.Fields) if (f.CustomTransforms.Count > 0) foreach (var c in f.CustomTransforms) if (c is not null) return true;
                return false;
            }
        }

        private sealed class CompiledEntity
        {
            private readonly CompiledField[] _fields;
            private readonly CompiledCondition[] _where;
            private readonly CrmFieldShape _shape;
            private CrmFieldShape _outShape;
            private readonly Func<string, EntityMapping?> _mappingOf;
            private readonly int[] _keyIndexes;
            private readonly HashSet<string> _namedSources = new(StringComparer.OrdinalIgnoreCase);
            private CrmFieldShape? _lastShape;
            private int[][] _lastIndexes = Array.Empty<int[]>();
            private int[] _lastWhere = Array.Empty<int>();

            public CompiledEntity(EntityMapping definition, bool anyReferences, Func<string, EntityMapping?> mappingOf)
            {
                Definition = definition;
                _mappingOf = mappingOf;
                _fields = new CompiledField[definition.Fields.Count];
                var names = new string[_fields.Length];
                for (int i = 0; i < _fields.Length; i++)
                {
                    _fields[i] = new CompiledField(definition.Fields[i]);
                    names[i] = definition.Fields[i].Target;
                    foreach (var s in definition.Fields[i].Source) _namedSources.Add(s);
                }
                _where = new CompiledCondition[definition.Where.Count];
                for (int i = 0; i < _where.Length; i++) _where[i] = new CompiledCondition(definition.Where[i]);
                // Every entity of a mapping with references gets a list (maybe empty): an import then remembers what
                // landed in a file target, so children can find their parents there.
                List<CrmReference>? references = anyReferences ? new List<CrmReference>() : null;
                foreach (var f in definition.Fields)
                {
                    if (f.Reference is not null) references!.Add(new CrmReference(new[] { f.Target }, f.Reference, f.OnMissingParent));
                }
                _shape = new CrmFieldShape(names) { References = references };
                _outShape = _shape;
                _keyIndexes = new int[definition.Key.Count];
                for (int k = 0; k < _keyIndexes.Length; k++) _keyIndexes[k] = _shape.IndexOf(definition.Key[k]);
            }

            public EntityMapping Definition { get; }

            public MapStatus Map(CrmRecord input, bool explain, out CrmRecord? output, MapScratch scratch)
            {
                ResolveIndexes(input.Shape);
                int[][] indexes = _lastIndexes;
                var errors = scratch.Errors;
                output = null;
                var source = scratch.SourceOf(input);
                var filtered = Filter(source, scratch);
                if (filtered is MapStatus status) return status;
                var values = new object?[_fields.Length];
                List<CrmChange>? changes = explain ? new List<CrmChange>() : null;
                int before = errors.Count;
                for (int i = 0; i < _fields.Length; i++)
                {
                    values[i] = _fields[i].Evaluate(source, indexes[i], scratch, changes);
                }
                var record = new CrmRecord(Definition.Target, _outShape, values) { Origin = input.Origin, Changes = changes };
                if (Definition.Unmapped == UnmappedFields.Keep)
                {
                    var names = input.FieldNames;
                    for (int i = 0; i < names.Count; i++)
                    {
                        if (!_namedSources.Contains(names[i]) && !record.HasField(names[i])) record.Set(names[i], input.GetValue(i));
                    }
                }
                if (_keyIndexes.Length == 0)
                {
                    record.Key = input.Key;
                }
                else
                {
                    // A key of one field (the usual) is made from its text alone: no parts array to copy.
                    if (_keyIndexes.Length == 1) record.Key = new CrmKey(KeyPart(0, values, record, source, errors)) { FieldNames = Definition.Key };
                    else
                    {
                        var parts = new string[_keyIndexes.Length];
                        for (int k = 0; k < parts.Length; k++) parts[k] = KeyPart(k, values, record, source, errors);
                        record.Key = new CrmKey(parts) { FieldNames = Definition.Key };
                    }
                    if (Definition.OnRepeat == RepeatAction.Merge && input.Origin is { } o)
                    {
                        // Rows merged by this key are one record: its source identity is the key, not the row's
                        // (so the ledger's crosswalk never mistakes a row's key for this record's).
                        record.Origin = new CrmOrigin(o.System, o.Entity, record.Key.ToString(), o.File, o.Line);
                    }
                }
                if (errors.Count > before) return MapStatus.Rejected;
                output = record;
                return MapStatus.Mapped;
            }

            /// <summary>The text of the k-th key field of a mapped record; "" (and a RecordKeyMissing error) when it is empty.</summary>
            private string KeyPart(int k, object?[] values, CrmRecord record, MapSource source, List<CrmDataError> errors)
            {
                object? v = _keyIndexes[k] >= 0 ? values[_keyIndexes[k]] : record[Definition.Key[k]];
                string? text = CrmValues.ToText(v);
                if (!string.IsNullOrEmpty(text)) return text;
                errors.Add(KeyMissing(source, k));
                return "";
            }

            private CrmDataError KeyMissing(MapSource source, int k) =>
                Problem(source, "RecordKeyMissing", Definition.Key[k], $"The key field '{Definition.Key[k]}' of {Definition.Target} is empty.");

            /// <summary>The Where conditions: null when the row meets them, else Filtered (or Rejected, for a condition on a field the source lacks).</summary>
            private MapStatus? Filter(MapSource source, MapScratch scratch)
            {
                for (int w = 0; w < _where.Length; w++)
                {
                    int at = _lastWhere[w];
                    if (at < 0)
                    {
                        scratch.Errors.Add(Problem(source, "RecordSourceFieldMissing", _where[w].Definition.Field,
                            $"The source record has no field '{_where[w].Definition.Field}' (needed by a Where condition of {Definition.Target})."));
                        return MapStatus.Rejected;
                    }
                    object? value = source.GetValue(at);
                    if (!_where[w].Holds(value))
                    {
                        scratch.FilterReason = _where[w].Definition.Reason;
                        scratch.FilterField = _where[w].Definition.Field;
                        scratch.FilterValue = value;
                        scratch.FilterMessage = $"{Definition.Source} record {source.KeyText ?? source.OriginText ?? "?"} filtered ({_where[w].Definition.Reason}): it does not meet {_where[w].Definition.Describe()}; its value is '{CrmValues.Truncate(CrmValues.ToText(value) ?? "", 60)}'.";
                        return MapStatus.Filtered;
                    }
                }
                return null;
            }

            /// <summary>
            /// Whether the rows of a batch can be mapped as columns: the batch holds no records, every key field is a mapped
            /// field, no source field is kept beyond the mapped ones, and rows are not merged by key. Otherwise each row is
            /// mapped as a record.
            /// </summary>
            public bool CanMapBatch(RowBatch input)
            {
                if (input.HasRecords || Definition.Unmapped == UnmappedFields.Keep || Definition.OnRepeat == RepeatAction.Merge || _keyIndexes.Length == 0) return false;
                foreach (int k in _keyIndexes) if (k < 0) return false;
                return true;
            }

            private FieldPlan[] _plans = Array.Empty<FieldPlan>();
            private CrmFieldShape? _planShape;
            private MapSource? _batchSource;

            /// <summary>How a field is mapped over a batch: its source column passed on as it is, an integer parsed from text, or evaluated row by row.</summary>
            private enum FieldPlan { Pass, Integer, Evaluate }

            /// <summary>
            /// Maps the rows of <paramref name="input"/> (see <see cref="CanMapBatch"/>) into <paramref name="output"/>, one output row
            /// per input row, in order. A field copied as it is shares the input's column (nothing is copied); the others are
            /// evaluated per row into the output's own columns. Rows that are filtered or rejected, and rows with value warnings,
            /// are listed in <paramref name="result"/>.
            /// </summary>
            public void MapBatch(RowBatch input, RowBatch output, BatchMapResult result)
            {
                ResolveIndexes(input.Shape);
                int[][] indexes = _lastIndexes;
                if (!ReferenceEquals(_planShape, input.Shape)) PlanBatch(input.Shape, indexes);
                output.Reset(Definition.Target, _outShape);
                for (int i = 0; i < _fields.Length; i++)
                {
                    if (_plans[i] == FieldPlan.Pass) output.ShareColumn(i, input.Columns[indexes[i][0]]);
                }
                output.System = input.System;
                output.SourceEntity = input.SourceEntity;
                output.File = input.File;
                output.KeyColumns = _keyIndexes;
                output.KeyNames = Definition.Key;
                output.KeysAreSeekable = input.KeysAreSeekable;
                output.SourceKeys = input.SourceKeyColumn();
                output.KeylessSource = output.SourceKeys is null;
                var columns = output.Columns;
                var source = _batchSource ??= MapSource.ForBatches();
                var scratch = result.Scratch;
                for (int r = 0; r < input.Count; r++)
                {
                    int o = output.AddRow(input.LineAt(r), input.PositionAt(r), input.OffsetAt(r));
                    source.Set(input, r);
                    scratch.Clear();
                    var filtered = _where.Length == 0 ? null : Filter(source, scratch);
                    if (filtered is MapStatus status)
                    {
                        result.Add(o, status, source);
                        continue;
                    }
                    for (int i = 0; i < _fields.Length; i++)
                    {
                        switch (_plans[i])
                        {
                            case FieldPlan.Pass:
                                continue;
                            case FieldPlan.Integer:
                                var from = input.Columns[indexes[i][0]];
                                if (from.KindAt(r) == CellKind.Text && long.TryParse(from.TextAt(r), NumberStyles.Integer, CultureInfo.InvariantCulture, out long number))
                                {
                                    columns[i].SetInt64(o, number);
                                    continue;
                                }
                                goto default;
                            default:
                                columns[i].SetValue(o, _fields[i].Evaluate(source, indexes[i], scratch, null));
                                break;
                        }
                    }
                    for (int k = 0; k < _keyIndexes.Length; k++)
                    {
                        var key = columns[_keyIndexes[k]];
                        if (key.IsNull(o) || key.IsEmptyText(o) || key.KindAt(o) == CellKind.Object && string.IsNullOrEmpty(CrmValues.ToText(key.ObjectAt(o)))) scratch.Errors.Add(KeyMissing(source, k));
                    }
                    if (scratch.Errors.Count > 0) result.Add(o, MapStatus.Rejected, source);
                    else if (scratch.Warnings.Count > 0) result.Add(o, MapStatus.Mapped, source);
                }
            }

            private void PlanBatch(CrmFieldShape shape, int[][] indexes)
            {
                var plans = new FieldPlan[_fields.Length];
                for (int i = 0; i < plans.Length; i++)
                {
                    var d = _fields[i].Definition;
                    bool single = !d.HasConstant && indexes[i].Length == 1 && indexes[i][0] >= 0 && d.Split is null && d.Transforms.Count == 0 && d.ValueMap is null
                        && !d.HasDefault && d.MaxLength is null && d.Pattern is null && d.Min is null && d.Max is null && !d.Required;
                    plans[i] = !single ? FieldPlan.Evaluate
                        : d.Type is null || d.Type == CrmFieldType.String && IsText(shape, indexes[i][0]) ? FieldPlan.Pass
                        : d.Type == CrmFieldType.Integer && (d.Culture is null) ? FieldPlan.Integer
                        : FieldPlan.Evaluate;
                }
                _plans = plans;
                _planShape = shape;
            }

            /// <summary>True when the source field is known to hold text (a String field of the source's schema, or a schema-less CSV field).</summary>
            private static bool IsText(CrmFieldShape shape, int index)
            {
                var field = shape.Schema?.GetField(shape.Names[index]);
                return field is null ? shape.Schema is null : field.Type == CrmFieldType.String;
            }

            private void ResolveIndexes(CrmFieldShape shape)
            {
                if (ReferenceEquals(shape, _lastShape)) return;
                var result = new int[_fields.Length][];
                for (int i = 0; i < _fields.Length; i++)
                {
                    var src = _fields[i].Definition.Source;
                    var idx = new int[src.Count];
                    for (int s = 0; s < idx.Length; s++) idx[s] = shape.IndexOf(src[s]);
                    result[i] = idx;
                }
                var where = new int[_where.Length];
                for (int w = 0; w < where.Length; w++) where[w] = shape.IndexOf(_where[w].Definition.Field);
                _lastIndexes = result;
                _lastWhere = where;
                _lastShape = shape;
                // The source's schema travels on: the output shape carries the target schema the mapping makes of it.
                _outShape = shape.Schema is null ? _shape
                    : _shape.WithSchema(Schema.TargetDesigner.Design(new[] { (shape.Schema, Definition.Target) }, (_, _) => Definition, _mappingOf)[0]);
            }
        }

        private sealed class CompiledCondition
        {
            private readonly HashSet<string>? _set;
            private readonly Regex? _like;

            public CompiledCondition(WhereCondition definition)
            {
                Definition = definition;
                if (definition.Operator is WhereOperator.In or WhereOperator.NotIn or WhereOperator.Equals or WhereOperator.NotEquals)
                {
                    _set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (string v in definition.Values) _set.Add(v.Trim());
                }
                else if (definition.Operator is WhereOperator.Like or WhereOperator.NotLike)
                {
                    string pattern = "^" + Regex.Escape(definition.Values[0].Trim()).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
                    _like = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
                }
            }

            public WhereCondition Definition { get; }

            public bool Holds(object? value)
            {
                string text = (CrmValues.ToText(value) ?? "").Trim();
                switch (Definition.Operator)
                {
                    case WhereOperator.Equals:
                    case WhereOperator.In: return _set!.Contains(text);
                    case WhereOperator.NotEquals:
                    case WhereOperator.NotIn: return !_set!.Contains(text);
                    case WhereOperator.Like: return _like!.IsMatch(text);
                    case WhereOperator.NotLike: return !_like!.IsMatch(text);
                    case WhereOperator.IsEmpty: return text.Length == 0;
                    default: return text.Length > 0;
                }
            }
        }

        private sealed class CompiledField
        {
            private readonly ValueTransform[] _transforms;
            private readonly CultureInfo _culture;
            private readonly string[] _formats;
            private readonly DateCleaner? _dates;
            private readonly Regex? _pattern;
            private readonly decimal? _minNumber, _maxNumber;
            private readonly DateTime? _minDate, _maxDate;

            public CompiledField(FieldMapping definition)
            {
                Definition = definition;
                _transforms = new ValueTransform[definition.Transforms.Count];
                for (int i = 0; i < _transforms.Length; i++)
                {
                    CustomTransform? code = i < definition.CustomTransforms.Count ? definition.CustomTransforms[i] : null;
                    _transforms[i] = code is not null ? new CodeTransform(code) : Transforms.Create(definition.Transforms[i], definition);
                }
                _culture = definition.Culture is null ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(definition.Culture);
                _formats = new string[definition.Formats.Count];
                for (int i = 0; i < _formats.Length; i++) _formats[i] = definition.Formats[i];
                if (definition.Type is CrmFieldType.Date or CrmFieldType.DateTime or CrmFieldType.DateTimeOffset)
                {
                    _dates = new DateCleaner(definition.Formats, definition.Culture, definition.TimeZone, definition.TwoDigitYearMax);
                }
                if (definition.Pattern is not null) _pattern = new Regex("\\A(?:" + definition.Pattern + ")\\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                (_minNumber, _minDate) = Bound(definition.Min);
                (_maxNumber, _maxDate) = Bound(definition.Max);
            }

            private static (decimal?, DateTime?) Bound(object? v)
            {
                if (v is null) return (null, null);
                string text = CrmValues.ToText(v) ?? "";
                if (decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out decimal m)) return (m, null);
                if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime d)) return (null, d);
                return (null, null);
            }

            public FieldMapping Definition { get; }

            public object? Evaluate(MapSource input, int[] sourceIndexes, MapScratch scratch, List<CrmChange>? changes)
            {
                var d = Definition;
                var errors = scratch.Errors;
                object? value;
                if (d.HasConstant)
                {
                    value = d.Constant;
                }
                else if (sourceIndexes.Length == 1)
                {
                    if (sourceIndexes[0] < 0)
                    {
                        errors.Add(Problem(input, "RecordSourceFieldMissing", d.Source[0],
                            $"The source record has no field '{d.Source[0]}' (needed for {d.Target}). Check the mapping's Source names against Get-CrmSchema."));
                        return null;
                    }
                    value = input.GetValue(sourceIndexes[0]);
                }
                else
                {
                    var parts = new List<string>(sourceIndexes.Length);
                    for (int s = 0; s < sourceIndexes.Length; s++)
                    {
                        if (sourceIndexes[s] < 0)
                        {
                            errors.Add(Problem(input, "RecordSourceFieldMissing", d.Source[s], $"The source record has no field '{d.Source[s]}' (needed for {d.Target})."));
                            return null;
                        }
                        string? t = CrmValues.ToText(input.GetValue(sourceIndexes[s]));
                        if (!string.IsNullOrEmpty(t)) parts.Add(t);
                    }
                    value = parts.Count == 0 ? null : string.Join(d.Separator, parts);
                }

                if (d.Split is not null && value is not null)
                {
                    object? whole = value;
                    string[] pieces = (CrmValues.ToText(value) ?? "").Split(d.Split, d.SplitLimit > 0 ? d.SplitLimit : int.MaxValue, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    int at = d.Part >= 0 ? d.Part : pieces.Length + d.Part;
                    value = at >= 0 && at < pieces.Length ? pieces[at] : null;
                    changes?.Add(new CrmChange(d.Target, whole, value, "Split", value is null ? $"there is no part {d.Part.ToString(CultureInfo.InvariantCulture)}" : null));
                }

                for (int t = 0; t < _transforms.Length; t++)
                {
                    var step = _transforms[t];
                    object? before = value;
                    if (step.Apply(ref value, input, out string? note))
                    {
                        if (note is not null)
                        {
                            var warning = new CrmChange(d.Target, before, value, step.Name, note);
                            scratch.Warnings.Add(warning);
                            changes?.Add(warning);
                        }
                        else if (changes is not null && !ReferenceEquals(before, value) && !CrmValues.AreEqual(before, value))
                        {
                            changes.Add(new CrmChange(d.Target, before, value, step.Name));
                        }
                        continue;
                    }
                    switch (d.OnInvalid)
                    {
                        case InvalidAction.KeepRaw:
                            value = before;
                            Warn(scratch, changes, new CrmChange(d.Target, before, before, step.Name, "kept as it was: " + note));
                            break;
                        case InvalidAction.Null:
                            value = null;
                            Warn(scratch, changes, new CrmChange(d.Target, before, null, step.Name, "dropped: " + note));
                            break;
                        default:
                            errors.Add(Problem(input, step.InvalidCode, d.Target, $"{d.Target}: {note}", before));
                            return null;
                    }
                }

                if (d.ValueMap is not null && value is not null && !(value is string blank0 && blank0.Length == 0))
                {
                    // Empty values are not looked up (as the mapping language says): an empty picklist stays empty.
                    string key = CrmValues.ToText(value) ?? "";
                    object? before = value;
                    if (d.ValueMap.TryGetValue(key, out object? mapped)) value = mapped;
                    else if (d.ValueMap.TryGetValue("*", out object? fallback)) value = fallback;
                    else if (d.OnUnlisted == UnlistedAction.Keep) { /* an unlisted value passes as it is */ }
                    else
                    {
                        errors.Add(Problem(input, "RecordValueNotInMap", d.Target, $"The value '{CrmValues.Truncate(key, 60)}' of {d.Target} is not in its ValueMap; add it, a '*' entry for everything else, or OnUnlisted = 'Keep' to pass unlisted values as they are.", key));
                        return null;
                    }
                    if (changes is not null && !CrmValues.AreEqual(before, value)) changes.Add(new CrmChange(d.Target, before, value, "ValueMap"));
                }

                if ((value is null || value is string s0 && s0.Length == 0) && d.HasDefault)
                {
                    changes?.Add(new CrmChange(d.Target, value, d.Default, "Default"));
                    value = d.Default;
                }

                if (d.Type is CrmFieldType type && value is not null)
                {
                    object? before = value;
                    try
                    {
                        value = ConvertTo(value, type);
                    }
                    catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
                    {
                        errors.Add(Problem(input, "RecordTypeConversion", d.Target,
                            $"Cannot convert {Describe(d)} to {type}: {ex.Message}", before));
                        return null;
                    }
                    if (changes is not null && !CrmValues.AreEqual(before, value)) changes.Add(new CrmChange(d.Target, before, value, "Type"));
                }

                if (d.MaxLength is int max && value is string text && text.Length > max)
                {
                    if (d.OnTooLong == TooLongAction.Truncate)
                    {
                        int cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
                        value = text.Substring(0, cut);
                        Warn(scratch, changes, new CrmChange(d.Target, text, value, "MaxLength",
                            string.Create(CultureInfo.InvariantCulture, $"cut from {text.Length} to {cut} characters")));
                    }
                    else
                    {
                        errors.Add(Problem(input, "RecordTooLong", d.Target,
                            string.Create(CultureInfo.InvariantCulture, $"{d.Target} has {text.Length} characters; at most {max} are allowed. Shorten it at the source, or set OnTooLong = 'Truncate'."), text));
                        return null;
                    }
                }

                if (_pattern is not null && value is not null)
                {
                    string t = CrmValues.ToText(value) ?? "";
                    if (t.Length > 0 && !_pattern.IsMatch(t))
                    {
                        errors.Add(Problem(input, "RecordPatternMismatch", d.Target, $"{d.Target} '{CrmValues.Truncate(t, 60)}' does not match the pattern {d.Pattern}.", t));
                        return null;
                    }
                }

                if ((d.Min is not null || d.Max is not null) && value is not null && !(value is string blank && blank.Trim().Length == 0))
                {
                    string? problem = CheckRange(value);
                    if (problem is not null)
                    {
                        errors.Add(Problem(input, "RecordOutOfRange", d.Target, $"{d.Target} {problem}", value));
                        return null;
                    }
                }

                if (d.Required && (value is null || value is string s1 && s1.Trim().Length == 0))
                {
                    errors.Add(Problem(input, "RecordRequiredFieldMissing", d.Target, $"{d.Target} is required and {Describe(d)} is empty."));
                    return null;
                }
                return value;
            }

            private static void Warn(MapScratch scratch, List<CrmChange>? changes, CrmChange change)
            {
                scratch.Warnings.Add(change);
                changes?.Add(change);
            }

            private string? CheckRange(object value)
            {
                string range = $"[{CrmValues.ToText(Definition.Min) ?? "…"}, {CrmValues.ToText(Definition.Max) ?? "…"}]";
                if (_minDate is not null || _maxDate is not null)
                {
                    DateTime? date = value switch { DateTime dt => dt, DateTimeOffset dto => dto.DateTime, _ => null };
                    if (date is null) return $"'{CrmValues.ToText(value)}' is not a date to compare with {range}.";
                    if (date < _minDate || date > _maxDate) return $"{CrmRecord.FormatValue(date)} is outside {range}.";
                    return null;
                }
                decimal number;
                switch (value)
                {
                    case long l: number = l; break;
                    case int i: number = i; break;
                    case decimal m: number = m; break;
                    case double dd when !double.IsNaN(dd) && dd < 7.9e28 && dd > -7.9e28: number = (decimal)dd; break;
                    default:
                        if (!decimal.TryParse(CrmValues.ToText(value), NumberStyles.Number, CultureInfo.InvariantCulture, out number))
                        {
                            return $"'{CrmValues.Truncate(CrmValues.ToText(value) ?? "", 60)}' is not a number to compare with {range}.";
                        }
                        break;
                }
                if (number < _minNumber || number > _maxNumber) return $"{number.ToString(CultureInfo.InvariantCulture)} is outside {range}.";
                return null;
            }

            private object? ConvertTo(object value, CrmFieldType type)
            {
                if (_dates is not null && (value is string || value is DateTime))
                {
                    if (value is string str && str.Trim().Length == 0) return null;
                    if (!_dates.TryParse(value, out object? parsed, out string? problem)) throw new FormatException(problem + ".");
                    switch (parsed)
                    {
                        case DateTime dt when type == CrmFieldType.DateTimeOffset:
                            throw new FormatException($"'{CrmValues.ToText(value)}' has no offset and the mapping gives no TimeZone, so its instant is unknown. Add TimeZone (e.g. 'Asia/Shanghai') or a Format with zzz.");
                        case DateTime dt:
                            return type == CrmFieldType.Date ? dt.Date : dt;
                        case DateTimeOffset dto:
                            return type == CrmFieldType.DateTimeOffset ? dto : type == CrmFieldType.Date ? dto.DateTime.Date : dto.DateTime;
                    }
                }
                if (value is string text)
                {
                    text = text.Trim();
                    if (text.Length == 0) return type == CrmFieldType.String ? value : null;
                    switch (type)
                    {
                        case CrmFieldType.Decimal:
                            if (!ReferenceEquals(_culture, CultureInfo.InvariantCulture))
                            {
                                if (decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowCurrencySymbol, _culture, out decimal m)) return m;
                                throw new FormatException($"'{CrmValues.Truncate(text, 60)}' is not a number in culture {_culture.Name}.");
                            }
                            break;
                        case CrmFieldType.Double:
                            if (!ReferenceEquals(_culture, CultureInfo.InvariantCulture))
                            {
                                if (double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, _culture, out double dd)) return dd;
                                throw new FormatException($"'{CrmValues.Truncate(text, 60)}' is not a number in culture {_culture.Name}.");
                            }
                            break;
                    }
                    return CrmValues.Parse(text, type);
                }
                return CrmValues.Convert(value, type);
            }

            private static string Describe(FieldMapping d) => d.HasConstant ? "the constant" : "source '" + string.Join("+", d.Source) + "'";
        }

        private static CrmDataError Problem(MapSource source, string code, string field, string message, object? value = null)
        {
            var input = source.Record;
            return new CrmDataError(code, CrmErrorKind.InvalidValue, message)
            {
                Entity = input.Entity,
                Key = input.Key?.ToString(),
                Field = field,
                Value = value,
                File = input.Origin?.File,
                Line = input.Origin?.Line ?? 0,
                Record = input,
            };
        }
    }
}
