using System;
using System.Collections.Generic;
using System.Globalization;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Formats
{
    /// <summary>How one format writes and reads typed values as text (dates, booleans, numbers).</summary>
    internal abstract class ValueCodec
    {
        /// <summary>How the format writes true and false.</summary>
        protected abstract string TrueText { get; }
        /// <inheritdoc cref="TrueText"/>
        protected abstract string FalseText { get; }
        /// <summary>The format of a date-only value (a .NET custom format).</summary>
        protected abstract string DateFormat { get; }
        /// <summary>The format of a date and time, written in UTC.</summary>
        protected abstract string DateTimeFormat { get; }

        /// <summary>The vendor text of a canonical value; null for null (and for empty text, which these products store as null).</summary>
        public string? Format(object? value, CrmFieldType type)
        {
            value = Coerce(value, type);
            switch (value)
            {
                case null: return null;
                case string s: return s.Length == 0 ? null : s;
                case bool b: return b ? TrueText : FalseText;
                case DateTime d when type == CrmFieldType.Date || (type != CrmFieldType.DateTime && type != CrmFieldType.DateTimeOffset && d.TimeOfDay == TimeSpan.Zero && d.Kind != DateTimeKind.Utc):
                    return d.ToString(DateFormat, CultureInfo.InvariantCulture);
                case DateTimeOffset o when type == CrmFieldType.Date:
                    return o.ToString(DateFormat, CultureInfo.InvariantCulture);
                case DateTime or DateTimeOffset:
                    return Utc(value).ToString(DateTimeFormat, CultureInfo.InvariantCulture);
                case byte[] bytes: return Convert.ToBase64String(bytes);
                case Guid g: return g.ToString("D");
                default: return Number(value);
            }
        }

        /// <summary>The canonical value of vendor text (never empty).</summary>
        public virtual object? Parse(string text, CrmFieldType type)
        {
            switch (type)
            {
                case CrmFieldType.String: return text;
                case CrmFieldType.Boolean:
                    if (CrmValues.TryParseBool(text, out bool b)) return b;
                    throw new FormatException($"'{CrmValues.Truncate(text, 40)}' is not a boolean.");
                case CrmFieldType.Date:
                case CrmFieldType.DateTime:
                case CrmFieldType.DateTimeOffset:
                    if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
                    {
                        throw new FormatException($"'{CrmValues.Truncate(text, 40)}' is not a date.");
                    }
                    if (type == CrmFieldType.Date)
                    {
                        // A date-only value written with a time and a zone (Dataverse) or without (Salesforce): the calendar date as written.
                        int t = text.IndexOf('T', StringComparison.Ordinal);
                        if (t > 0 && DateTime.TryParseExact(text.Substring(0, t), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
                        return dto.UtcDateTime.Date;
                    }
                    return type == CrmFieldType.DateTime ? DateTime.SpecifyKind(dto.UtcDateTime, DateTimeKind.Unspecified) : dto;
                default:
                    return CrmValues.Parse(text, type);
            }
        }

        /// <summary>Invariant text of a number; decimals without exponent.</summary>
        protected static string Number(object value) => value switch
        {
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

        /// <summary>A date-time as UTC: DateTime without a zone is taken as UTC (the canonical convention for UTC timestamps).</summary>
        protected static DateTime Utc(object value) => value switch
        {
            DateTimeOffset o => o.UtcDateTime,
            DateTime d => d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : DateTime.SpecifyKind(d, DateTimeKind.Utc),
            _ => throw new FormatException("not a date"),
        };

        /// <summary>Converts a canonical value to the profile's type before formatting (text "2024-01-02" for a Date field).</summary>
        protected static object? Coerce(object? value, CrmFieldType type)
        {
            if (value is null) return null;
            if (value is string s && type != CrmFieldType.String) return s.Length == 0 ? null : CrmValues.Convert(s, type);
            return value;
        }
    }

    /// <summary>Where one canonical field of a vendor object comes from when read.</summary>
    internal enum ColumnRole
    {
        Key,
        VendorId,
        Plain,
        Reference,
        Custom,
        Constant,
    }

    /// <summary>
    /// Reads vendor rows (vendor field → text, references already turned into the parent's key) as canonical records
    /// through a profile entity; without one (an object the profile does not name) every column is a String field.
    /// </summary>
    internal sealed class CanonicalReader
    {
        private readonly struct Source
        {
            public Source(string column, ColumnRole role, FormatField? field, CrmFieldType type)
            {
                Column = column;
                Role = role;
                Field = field;
                Type = type;
            }

            public string Column { get; }
            public ColumnRole Role { get; }
            public FormatField? Field { get; }
            public CrmFieldType Type { get; }
        }

        private readonly string _entity;
        private readonly ValueCodec _codec;
        private readonly string? _nullText;
        private readonly Func<string, string>? _normalizeId;
        private readonly string? _keyColumn;
        private readonly string? _idColumn;
        private readonly bool _preferId;
        private readonly List<Source> _sources = new();
        private readonly CrmFieldShape _shape;
        private readonly string[] _keyFields = { "Id" };

        /// <summary>Builds the reader for one object's columns; <paramref name="relationshipColumn"/> turns a column that names a reference (Salesforce Account.Legacy_Id__c) into its profile field.</summary>
        public CanonicalReader(FormatProfile profile, FormatEntity? entity, string entityName, IReadOnlyList<string> columns, FormatSidecar.ObjectInfo? sidecar,
            ValueCodec codec, Func<string, string>? normalizeId, bool preferId, Func<FormatEntity, string, FormatField?>? relationshipColumn = null)
        {
            _entity = entityName;
            _codec = codec;
            _nullText = profile.NullText.Length > 0 ? profile.NullText : null;
            _normalizeId = normalizeId;
            _preferId = preferId;
            var names = new List<string> { "Id" };
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Id" };
            // (column index, order within the column, canonical name, source): fields come out in the file's column order.
            var found = new List<(int Column, int Order, string Name, Source Source)>();
            for (int c = 0; c < columns.Count; c++)
            {
                string column = columns[c];
                if (entity is not null && entity.KeyField is not null && string.Equals(column, entity.KeyField, StringComparison.OrdinalIgnoreCase)) { _keyColumn = column; continue; }
                if (entity is not null && entity.IdField is not null && string.Equals(column, entity.IdField, StringComparison.OrdinalIgnoreCase)) { _idColumn = column; continue; }
                if (entity is not null && entity.Constants.ContainsKey(column)) continue;
                bool matched = false;
                if (entity is not null)
                {
                    var rel = relationshipColumn?.Invoke(entity, column);
                    if (rel is not null)
                    {
                        found.Add((c, 0, rel.Canonical, new Source(column, ColumnRole.Reference, rel, CrmFieldType.String)));
                        matched = true;
                    }
                    else
                    {
                        for (int i = 0; i < entity.Fields.Count; i++)
                        {
                            var f = entity.Fields[i];
                            if (!string.Equals(f.Field, column, StringComparison.OrdinalIgnoreCase)) continue;
                            found.Add((c, i, f.Canonical, new Source(column, f.Reference is null ? ColumnRole.Plain : ColumnRole.Reference, f, f.Reference is null ? f.Type : CrmFieldType.String)));
                            matched = true;
                        }
                    }
                }
                if (matched) continue;
                var info = sidecar?.Column(column);
                string name = info?.Name ?? (entity is null ? null : profile.CanonicalOfCustom(column)) ?? column;
                found.Add((c, 0, name, new Source(column, ColumnRole.Custom, null, info?.Type ?? CrmFieldType.String)));
            }
            if (entity is null && _keyColumn is null && _idColumn is null)
            {
                // A raw object: its Id column (Salesforce Id, a Dataverse primary id) is the key when there is one.
                foreach (string column in columns) if (string.Equals(column, "Id", StringComparison.OrdinalIgnoreCase)) _idColumn = column;
                found.RemoveAll(f => string.Equals(f.Source.Column, _idColumn, StringComparison.OrdinalIgnoreCase));
            }
            found.Sort((a, b) => a.Column != b.Column ? a.Column.CompareTo(b.Column) : a.Order.CompareTo(b.Order));
            foreach (var (_, _, candidate, source) in found)
            {
                string name = candidate;
                if (!used.Add(name))
                {
                    name = source.Column; // a custom column whose canonical name is taken keeps its vendor name
                    if (!used.Add(name)) continue;
                }
                _sources.Add(source);
                names.Add(name);
            }
            _shape = new CrmFieldShape(names);
            var fields = new List<CrmFieldSchema> { new CrmFieldSchema("Id", CrmFieldType.String) { IsKey = true, Nullable = false, SourceType = _keyColumn ?? _idColumn } };
            var relations = new List<CrmRelation>();
            for (int i = 0; i < _sources.Count; i++)
            {
                var s = _sources[i];
                fields.Add(new CrmFieldSchema(names[i + 1], s.Type) { SourceType = s.Column });
                if (s.Role == ColumnRole.Reference && s.Field?.Reference is string parent)
                {
                    relations.Add(new CrmRelation(entityName, new[] { names[i + 1] }, parent, new[] { "Id" }));
                }
            }
            Schema = new CrmEntitySchema(entityName, fields) { Key = _keyFields, Relations = relations };
        }

        /// <summary>The canonical schema (types, key Id, references as relations).</summary>
        public CrmEntitySchema Schema { get; }

        /// <summary>
        /// Reads one row; null (after reporting) when a value cannot be read as its type or the row has no key.
        /// </summary>
        public CrmRecord? Read(Func<string, string?> row, CrmOrigin origin, Action<CrmDataError> onError)
        {
            string? key = null;
            string? idText = _idColumn is null ? null : row(_idColumn);
            string? id = !string.IsNullOrEmpty(idText) ? Normalize(idText) : null;
            string? k = _keyColumn is null ? null : row(_keyColumn);
            string? external = !string.IsNullOrEmpty(k) ? k : null;
            key = _preferId ? id ?? external : external ?? id;
            if (key is null)
            {
                onError(new CrmDataError("SaasRecordKeyMissing", CrmErrorKind.InvalidData,
                    $"The record has no key: neither {_keyColumn ?? "(no key field)"} nor {_idColumn ?? "(no id field)"} holds a value.") { Entity = _entity, File = origin.File, Line = origin.Line });
                return null;
            }
            var values = new object?[_shape.Count];
            values[0] = key;
            for (int i = 0; i < _sources.Count; i++)
            {
                var s = _sources[i];
                string? text = row(s.Column);
                if (string.IsNullOrEmpty(text) || (_nullText is not null && string.Equals(text, _nullText, StringComparison.Ordinal))) continue;
                if (s.Role == ColumnRole.Reference)
                {
                    if (s.Field?.IdPrefix is string prefix && !s.Column.Contains('.', StringComparison.Ordinal) && !text.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    values[i + 1] = s.Column.Contains('.', StringComparison.Ordinal) ? text : Normalize(text);
                    continue;
                }
                string vendor = s.Field is { HasValues: true } f ? f.ToCanonical(text) : text;
                try
                {
                    values[i + 1] = _codec.Parse(vendor, s.Type);
                }
                catch (FormatException ex)
                {
                    onError(new CrmDataError("SaasValueInvalid", CrmErrorKind.InvalidValue, ex.Message + " The record is left out; fix the value in the file.")
                    { Entity = _entity, File = origin.File, Line = origin.Line, Field = s.Column, Key = key });
                    return null;
                }
            }
            return new CrmRecord(_entity, _shape, values) { Key = new CrmKey(key) { FieldNames = _keyFields }, Origin = origin };
        }

        private string Normalize(string id) => _normalizeId is null ? id : _normalizeId(id);
    }

    /// <summary>One column a writer puts out for a canonical entity.</summary>
    internal sealed class VendorColumn
    {
        public VendorColumn(string name, string canonical, ColumnRole role, FormatField? field, CrmFieldType type)
        {
            Name = name;
            Canonical = canonical;
            Role = role;
            Field = field;
            Type = type;
        }

        /// <summary>The header / vendor field name written.</summary>
        public string Name { get; }
        /// <summary>The canonical field it comes from.</summary>
        public string Canonical { get; }
        /// <summary>Key, Plain, Reference or Custom.</summary>
        public ColumnRole Role { get; }
        /// <summary>The profile field, when the profile names it.</summary>
        public FormatField? Field { get; }
        /// <summary>The canonical type written (the profile's, or what the records hold for a custom field).</summary>
        public CrmFieldType Type { get; set; }
    }

    /// <summary>
    /// Turns canonical records into vendor values through a profile entity: the key into the key field, profile fields
    /// into their vendor fields (picklists mapped, types formatted by the format's codec), references into the column the
    /// format uses for them, and any other field into a custom field (Salesforce Origin__c).
    /// </summary>
    internal sealed class CanonicalWriter
    {
        private readonly FormatProfile _profile;
        private readonly ValueCodec _codec;
        private readonly Func<FormatField, string> _referenceColumn;
        private readonly CrmFieldShape _shape;
        private readonly HashSet<string> _keyNames = new(StringComparer.OrdinalIgnoreCase) { "Id" };

        public CanonicalWriter(FormatProfile profile, FormatEntity entity, IReadOnlyList<string> canonicalFields, IReadOnlyList<string>? keyFields,
            ValueCodec codec, Func<FormatField, string> referenceColumn)
        {
            _profile = profile;
            Entity = entity;
            _codec = codec;
            _referenceColumn = referenceColumn;
            if (keyFields is not null) foreach (var k in keyFields) _keyNames.Add(k);
            Columns.Add(new VendorColumn(entity.KeyField ?? entity.IdField ?? "Id", "Id", ColumnRole.Key, null, CrmFieldType.String));
            foreach (var (name, value) in entity.Constants) Columns.Add(new VendorColumn(name, value, ColumnRole.Constant, null, CrmFieldType.String));
            var names = new List<string>();
            foreach (string name in canonicalFields)
            {
                if (_keyNames.Contains(name)) continue;
                var f = entity.ByCanonical(name);
                if (f is null) Columns.Add(new VendorColumn(profile.CustomField(name), name, ColumnRole.Custom, null, CrmFieldType.String));
                else if (f.Reference is not null) Columns.Add(new VendorColumn(referenceColumn(f), name, ColumnRole.Reference, f, CrmFieldType.String));
                else Columns.Add(new VendorColumn(f.Field, name, ColumnRole.Plain, f, f.Type));
                names.Add(name);
            }
            _shape = new CrmFieldShape(names);
        }

        /// <summary>The profile entity.</summary>
        public FormatEntity Entity { get; }

        /// <summary>Key first, then the record's fields in order.</summary>
        public List<VendorColumn> Columns { get; } = new();

        /// <summary>The first canonical field of a record that has no column, or null.</summary>
        public string? Unknown(CrmRecord record)
        {
            for (int i = 0; i < record.FieldCount; i++)
            {
                string n = record.FieldNames[i];
                if (!_keyNames.Contains(n) && _shape.IndexOf(n) < 0) return n;
            }
            return null;
        }

        /// <summary>The key text written for a record.</summary>
        public static string? KeyText(CrmRecord record) => record.Key is null ? null : record.Key.IsComposite ? record.Key.ToString() : record.Key.Parts[0];

        /// <summary>
        /// The vendor texts of a record, aligned with <see cref="Columns"/> (null = no value). References hold the parent's key.
        /// Throws FormatException for a value the column's type cannot take.
        /// </summary>
        public string?[] Values(CrmRecord record)
        {
            var texts = new string?[Columns.Count];
            texts[0] = KeyText(record);
            for (int c = 1; c < Columns.Count; c++)
            {
                var col = Columns[c];
                if (col.Role == ColumnRole.Constant) { texts[c] = col.Canonical; continue; }
                object? v = record[col.Canonical];
                if (v is null || (v is string s0 && s0.Length == 0)) continue;
                switch (col.Role)
                {
                    case ColumnRole.Reference:
                        texts[c] = v as string ?? CrmValues.ToText(v);
                        break;
                    case ColumnRole.Custom:
                        var t = CrmValues.TypeOf(v);
                        col.Type = col.Type == CrmFieldType.String && c > 0 && !_typed.Contains(c) ? t : (col.Type == t ? t : CrmValues.Widen(col.Type, t));
                        _typed.Add(c);
                        texts[c] = _codec.Format(v, t);
                        break;
                    default:
                        var f = col.Field!;
                        if (f.Multi && v is string multi)
                        {
                            var parts = multi.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                            for (int i = 0; i < parts.Length; i++) parts[i] = f.ToVendor(parts[i]);
                            texts[c] = string.Join(";", parts);
                            break;
                        }
                        if (f.HasValues)
                        {
                            string canonical = v as string ?? CrmValues.ToText(v) ?? "";
                            texts[c] = f.ToVendor(canonical);
                            break;
                        }
                        texts[c] = _codec.Format(v, f.Type);
                        break;
                }
            }
            return texts;
        }

        private readonly HashSet<int> _typed = new();
    }
}
