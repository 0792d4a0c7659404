using System;
using System.Collections.Generic;
using System.Globalization;
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
    }

    /// <summary>A mapping compiled once: per entity, field readers and converters resolved ahead of the records.</summary>
    public sealed class CompiledMapping
    {
        private readonly Dictionary<string, CompiledEntity> _bySource = new(StringComparer.OrdinalIgnoreCase);

        public CompiledMapping(MappingDefinition definition)
        {
            Definition = definition;
            foreach (var e in definition.Entities)
            {
                if (_bySource.ContainsKey(e.Source))
                {
                    throw new CrmException(new CrmDataError("MappingDuplicateSource", CrmErrorKind.InvalidArgument,
                        $"Two target entities read the source entity '{e.Source}'; one source entity maps to one target entity in this version.") { File = definition.SourcePath });
                }
                _bySource[e.Source] = new CompiledEntity(e);
            }
        }

        public MappingDefinition Definition { get; }

        /// <summary>The target entity name for a source entity, or null.</summary>
        public string? TargetOf(string sourceEntity) => _bySource.TryGetValue(sourceEntity, out var c) ? c.Definition.Target : null;

        /// <summary>The entity mapping reading a source entity, or null.</summary>
        public EntityMapping? ForSource(string sourceEntity) => _bySource.TryGetValue(sourceEntity, out var c) ? c.Definition : null;

        /// <summary>
        /// Maps one record. On success <paramref name="output"/> is the new record; on rejection the
        /// problems are added to <paramref name="errors"/> (one per failing field).
        /// </summary>
        public MapStatus Map(CrmRecord input, bool explain, out CrmRecord? output, List<CrmDataError> errors)
        {
            if (!_bySource.TryGetValue(input.Entity, out var entity))
            {
                output = null;
                return MapStatus.NotMapped;
            }
            return entity.Map(input, explain, out output, errors);
        }

        private sealed class CompiledEntity
        {
            private readonly CompiledField[] _fields;
            private readonly CrmFieldShape _shape;
            private readonly int[] _keyIndexes;
            private readonly HashSet<string> _namedSources = new(StringComparer.OrdinalIgnoreCase);
            private CrmFieldShape? _lastShape;
            private int[][] _lastIndexes = Array.Empty<int[]>();

            public CompiledEntity(EntityMapping definition)
            {
                Definition = definition;
                _fields = new CompiledField[definition.Fields.Count];
                var names = new string[_fields.Length];
                for (int i = 0; i < _fields.Length; i++)
                {
                    _fields[i] = new CompiledField(definition.Fields[i]);
                    names[i] = definition.Fields[i].Target;
                    foreach (var s in definition.Fields[i].Source) _namedSources.Add(s);
                }
                _shape = new CrmFieldShape(names);
                _keyIndexes = new int[definition.Key.Count];
                for (int k = 0; k < _keyIndexes.Length; k++) _keyIndexes[k] = _shape.IndexOf(definition.Key[k]);
            }

            public EntityMapping Definition { get; }

            public MapStatus Map(CrmRecord input, bool explain, out CrmRecord? output, List<CrmDataError> errors)
            {
                int[][] indexes = ResolveIndexes(input.Shape);
                var values = new object?[_fields.Length];
                List<string>? changes = explain ? new List<string>() : null;
                int before = errors.Count;
                for (int i = 0; i < _fields.Length; i++)
                {
                    values[i] = _fields[i].Evaluate(input, indexes[i], errors, changes);
                }
                var record = new CrmRecord(Definition.Target, _shape, values) { Origin = input.Origin, Changes = changes };
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
                    var parts = new string[_keyIndexes.Length];
                    for (int k = 0; k < parts.Length; k++)
                    {
                        object? v = _keyIndexes[k] >= 0 ? values[_keyIndexes[k]] : record[Definition.Key[k]];
                        string? text = CrmValues.ToText(v);
                        if (string.IsNullOrEmpty(text))
                        {
                            errors.Add(Problem(input, "RecordKeyMissing", Definition.Key[k], $"The key field '{Definition.Key[k]}' of {Definition.Target} is empty."));
                            parts[k] = "";
                        }
                        else
                        {
                            parts[k] = text;
                        }
                    }
                    record.Key = new CrmKey(parts) { FieldNames = Definition.Key };
                }
                if (errors.Count > before)
                {
                    output = null;
                    return MapStatus.Rejected;
                }
                output = record;
                return MapStatus.Mapped;
            }

            private int[][] ResolveIndexes(CrmFieldShape shape)
            {
                if (ReferenceEquals(shape, _lastShape)) return _lastIndexes;
                var result = new int[_fields.Length][];
                for (int i = 0; i < _fields.Length; i++)
                {
                    var src = _fields[i].Definition.Source;
                    var idx = new int[src.Count];
                    for (int s = 0; s < idx.Length; s++) idx[s] = shape.IndexOf(src[s]);
                    result[i] = idx;
                }
                _lastShape = shape;
                _lastIndexes = result;
                return result;
            }
        }

        private sealed class CompiledField
        {
            private readonly Func<object?, object?>[] _transforms;
            private readonly CultureInfo _culture;
            private readonly string[] _formats;

            public CompiledField(FieldMapping definition)
            {
                Definition = definition;
                _transforms = new Func<object?, object?>[definition.Transforms.Count];
                for (int i = 0; i < _transforms.Length; i++) _transforms[i] = Transforms.Get(definition.Transforms[i]);
                _culture = definition.Culture is null ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(definition.Culture);
                _formats = new string[definition.Formats.Count];
                for (int i = 0; i < _formats.Length; i++) _formats[i] = definition.Formats[i];
            }

            public FieldMapping Definition { get; }

            public object? Evaluate(CrmRecord input, int[] sourceIndexes, List<CrmDataError> errors, List<string>? changes)
            {
                var d = Definition;
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

                object? original = value;
                for (int t = 0; t < _transforms.Length; t++) value = _transforms[t](value);

                if (d.ValueMap is not null && value is not null)
                {
                    string key = CrmValues.ToText(value) ?? "";
                    if (d.ValueMap.TryGetValue(key, out object? mapped)) value = mapped;
                    else if (d.ValueMap.TryGetValue("*", out object? fallback)) value = fallback;
                    else
                    {
                        errors.Add(Problem(input, "RecordValueNotInMap", d.Target, $"The value '{CrmValues.Truncate(key, 60)}' of {d.Target} is not in its ValueMap; add it, or a '*' entry for everything else."));
                        return null;
                    }
                }

                if ((value is null || value is string s0 && s0.Length == 0) && d.HasDefault) value = d.Default;

                if (d.Type is CrmFieldType type && value is not null)
                {
                    try
                    {
                        value = ConvertTo(value, type);
                    }
                    catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
                    {
                        errors.Add(Problem(input, "RecordTypeConversion", d.Target,
                            $"Cannot convert {Describe(d)} to {type}: {ex.Message}"));
                        return null;
                    }
                }

                if (d.Required && (value is null || value is string s1 && s1.Trim().Length == 0))
                {
                    errors.Add(Problem(input, "RecordRequiredFieldMissing", d.Target, $"{d.Target} is required and {Describe(d)} is empty."));
                    return null;
                }

                if (changes is not null && !CrmValues.AreEqual(original, value))
                {
                    changes.Add($"{d.Target}: '{CrmValues.ToText(original)}' -> '{CrmValues.ToText(value)}'");
                }
                return value;
            }

            private object? ConvertTo(object value, CrmFieldType type)
            {
                if (value is string text)
                {
                    text = text.Trim();
                    if (text.Length == 0) return type == CrmFieldType.String ? value : null;
                    switch (type)
                    {
                        case CrmFieldType.Date:
                        case CrmFieldType.DateTime:
                            if (_formats.Length > 0)
                            {
                                if (DateTime.TryParseExact(text, _formats, _culture, DateTimeStyles.AllowWhiteSpaces, out DateTime dt)) return type == CrmFieldType.Date ? dt.Date : dt;
                                throw new FormatException($"'{CrmValues.Truncate(text, 60)}' matches none of the formats {string.Join(", ", _formats)}.");
                            }
                            break;
                        case CrmFieldType.DateTimeOffset:
                            if (_formats.Length > 0)
                            {
                                if (DateTimeOffset.TryParseExact(text, _formats, _culture, DateTimeStyles.AllowWhiteSpaces, out DateTimeOffset dto)) return dto;
                                throw new FormatException($"'{CrmValues.Truncate(text, 60)}' matches none of the formats {string.Join(", ", _formats)}.");
                            }
                            break;
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

        private static CrmDataError Problem(CrmRecord input, string code, string field, string message)
        {
            return new CrmDataError(code, CrmErrorKind.InvalidValue, message)
            {
                Entity = input.Entity,
                Key = input.Key?.ToString(),
                Field = field,
                File = input.Origin?.File,
                Line = input.Origin?.Line ?? 0,
                Record = input,
            };
        }
    }
}
