using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration
{
    /// <summary>Where a record came from: system, source key, and file line or table row.</summary>
    public sealed class CrmOrigin
    {
        /// <summary>Creates an origin.</summary>
        public CrmOrigin(string system, string? entity, string? sourceKey, string? file, long line)
        {
            System = system;
            Entity = entity;
            SourceKey = sourceKey;
            File = file;
            Line = line;
        }

        /// <summary>The source system (provider and location, never credentials).</summary>
        public string System { get; }
        /// <summary>The source entity (table, sheet or file).</summary>
        public string? Entity { get; }
        /// <summary>The record's key in the source.</summary>
        public string? SourceKey { get; }
        /// <summary>The file the record was read from, if any.</summary>
        public string? File { get; }
        /// <summary>1-based line (CSV), row (Excel) or row ordinal (database); 0 when unknown.</summary>
        public long Line { get; }

        /// <inheritdoc/>
        public override string ToString()
        {
            string where = File ?? System;
            return Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{where}:{Line}") : where;
        }
    }

    /// <summary>
    /// One CRM record: an entity name, a key, ordered case-insensitive typed fields, and its origin.
    /// Field values are null, string, long, decimal, double, bool, DateTime, DateTimeOffset, Guid or byte[].
    /// In PowerShell, fields read as properties ($r.Email).
    /// </summary>
    public sealed class CrmRecord
    {
        private CrmFieldShape _shape;
        private object?[] _values;

        /// <summary>Creates an empty record of an entity.</summary>
        public CrmRecord(string entity) : this(entity, CrmFieldShape.Empty, Array.Empty<object?>()) { }

        /// <summary>Creates a record over a shared shape and its own values (the array is taken, not copied).</summary>
        public CrmRecord(string entity, CrmFieldShape shape, object?[] values)
        {
            Entity = entity ?? throw new ArgumentNullException(nameof(entity));
            _shape = shape ?? throw new ArgumentNullException(nameof(shape));
            if (values is null) throw new ArgumentNullException(nameof(values));
            if (values.Length < shape.Count) Array.Resize(ref values, shape.Count);
            _values = values;
        }

        /// <summary>The entity (Contact, Account, a table or sheet name).</summary>
        internal string Entity { get; set; }

        /// <summary>The record's key, or null when the entity has none.</summary>
        internal CrmKey? Key { get; set; }

        /// <summary>Where the record came from.</summary>
        internal CrmOrigin? Origin { get; set; }

        /// <summary>The field shape (names in order).</summary>
        internal CrmFieldShape Shape => _shape;

        /// <summary>Number of fields.</summary>
        internal int FieldCount => _shape.Count;

        /// <summary>Field names in order.</summary>
        internal IReadOnlyList<string> FieldNames => _shape.Names;

        /// <summary>The hash of the mapping that produced the record (Convert-CrmRecord), recorded in the ledger.</summary>
        internal string? MappingHash { get; set; }

        /// <summary>What the mapping changed or dropped, field by field (Convert-CrmRecord -Explain); null when not explained.</summary>
        internal List<CrmChange>? Changes { get; set; }

        /// <summary>
        /// Set on a source record the mapping rejected or filtered (Convert-CrmRecord -IncludeRejected): the outcome,
        /// in the target entity, with its reason. Import-CrmData accounts for such a record in its books and
        /// ledger without writing it. Null on every record meant to be written.
        /// </summary>
        internal CrmRecordOutcome? Decided { get; set; }

        /// <summary>Gets or sets a field by name (case-insensitive); a missing field reads as null, setting adds it.</summary>
        public object? this[string name]
        {
            get
            {
                int i = _shape.IndexOf(name);
                return i >= 0 ? _values[i] : null;
            }
            set => Set(name, value);
        }

        /// <summary>The entity, also when a field named Entity hides it from $r.Entity in PowerShell.</summary>
        public string GetEntity() => Entity;

        /// <summary>The key, also when a field named Key hides it from $r.Key in PowerShell.</summary>
        public CrmKey? GetKey() => Key;

        /// <summary>The origin, also when a field named Origin hides it from $r.Origin in PowerShell.</summary>
        public CrmOrigin? GetOrigin() => Origin;

        /// <summary>The value at a field position.</summary>
        public object? GetValue(int index) => _values[index];

        /// <summary>Sets the value at a field position.</summary>
        public void SetValue(int index, object? value) => _values[index] = value;

        /// <summary>True when the record has the field.</summary>
        public bool HasField(string name) => _shape.IndexOf(name) >= 0;

        /// <summary>Reads a field; false when it is absent.</summary>
        public bool TryGetValue(string name, out object? value)
        {
            int i = _shape.IndexOf(name);
            value = i >= 0 ? _values[i] : null;
            return i >= 0;
        }

        /// <summary>Sets a field, adding it at the end when absent.</summary>
        public void Set(string name, object? value)
        {
            int i = _shape.IndexOf(name);
            if (i < 0)
            {
                _shape = _shape.With(name);
                i = _shape.Count - 1;
                if (_values.Length < _shape.Count) Array.Resize(ref _values, Math.Max(4, _shape.Count + 2));
            }
            _values[i] = value;
        }

        /// <summary>Removes a field; false when it was absent.</summary>
        public bool Remove(string name)
        {
            int i = _shape.IndexOf(name);
            if (i < 0) return false;
            var names = new List<string>(_shape.Names);
            names.RemoveAt(i);
            var values = new object?[names.Count];
            for (int s = 0, d = 0; s < _shape.Count; s++) if (s != i) values[d++] = _values[s];
            _shape = new CrmFieldShape(names) { References = _shape.References };
            _values = values;
            return true;
        }

        /// <summary>The fields as name/value pairs, in order.</summary>
        internal IEnumerable<KeyValuePair<string, object?>> Fields
        {
            get
            {
                for (int i = 0; i < _shape.Count; i++) yield return new KeyValuePair<string, object?>(_shape.Names[i], _values[i]);
            }
        }

        /// <summary>A short text of the first few fields, for table views.</summary>
        internal string Preview
        {
            get
            {
                var sb = new StringBuilder();
                int n = Math.Min(_shape.Count, 4);
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) sb.Append("; ");
                    sb.Append(_shape.Names[i]).Append('=').Append(FormatValue(_values[i]));
                }
                if (_shape.Count > n) sb.Append("; …");
                return sb.ToString();
            }
        }

        /// <summary>A shallow copy with its own values (the shape is shared).</summary>
        public CrmRecord Clone()
        {
            var values = new object?[_values.Length];
            Array.Copy(_values, values, _values.Length);
            return new CrmRecord(Entity, _shape, values) { Key = Key, Origin = Origin, MappingHash = MappingHash, Changes = Changes is null ? null : new List<CrmChange>(Changes), Decided = Decided };
        }

        /// <inheritdoc/>
        public override string ToString() => Key is null ? Entity : Entity + " " + Key;

        /// <summary>
        /// The invariant format of a date: yyyy-MM-dd without a time of day, else to the tick. The one place this rule
        /// stands: writers and fingerprints that format into buffers of their own use it too, so their bytes stay the text's.
        /// </summary>
        internal static string DateFormat(DateTime value) => value.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF";

        /// <summary>Invariant text of a field value, as views and reports print it.</summary>
        public static string FormatValue(object? value) => value switch
        {
            null => "",
            string s => s,
            DateTime d => d.ToString(DateFormat(d), CultureInfo.InvariantCulture),
            DateTimeOffset o => o.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            byte[] bytes => Convert.ToBase64String(bytes),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
