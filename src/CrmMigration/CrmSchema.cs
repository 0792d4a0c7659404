using System;
using System.Collections.Generic;

namespace CrmMigration
{
    /// <summary>The portable type of a field's values.</summary>
    public enum CrmFieldType
    {
        /// <summary>Text (string).</summary>
        String,
        /// <summary>64-bit integer (long).</summary>
        Integer,
        /// <summary>Exact decimal (decimal).</summary>
        Decimal,
        /// <summary>Floating point (double).</summary>
        Double,
        /// <summary>True or false (bool).</summary>
        Boolean,
        /// <summary>A calendar date without time (DateTime, time 00:00).</summary>
        Date,
        /// <summary>A date and time without offset (DateTime).</summary>
        DateTime,
        /// <summary>A date and time with offset (DateTimeOffset).</summary>
        DateTimeOffset,
        /// <summary>A UUID (Guid).</summary>
        Guid,
        /// <summary>Bytes (byte[]).</summary>
        Binary,
    }

    /// <summary>One field of an entity.</summary>
    public sealed class CrmFieldSchema
    {
        /// <summary>Creates a field description.</summary>
        public CrmFieldSchema(string name, CrmFieldType type)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Type = type;
        }

        /// <summary>Field name.</summary>
        public string Name { get; }
        /// <summary>Portable type.</summary>
        public CrmFieldType Type { get; set; }
        /// <summary>The type as the source declares it (e.g. VARCHAR(80)).</summary>
        public string? SourceType { get; set; }
        /// <summary>Whether nulls are allowed.</summary>
        public bool Nullable { get; set; } = true;
        /// <summary>Whether the field is part of the key.</summary>
        public bool IsKey { get; set; }
        /// <summary>Maximum length for text (characters) or binary (bytes), when declared.</summary>
        public int? MaxLength { get; set; }
        /// <summary>Text or binary padded to <see cref="MaxLength"/> (char(n), binary(n)).</summary>
        public bool FixedLength { get; set; }
        /// <summary>Storage size in bytes: of an integer (1 tinyint, 2 smallint, 3 mediumint, 4 integer, 8 bigint) or of a floating-point number (4 real/float4, 8 double precision).</summary>
        public int? Size { get; set; }
        /// <summary>An unsigned integer (MySQL/MariaDB).</summary>
        public bool Unsigned { get; set; }
        /// <summary>Total digits of a decimal (numeric(p,s)), or the digits of fractional seconds of a date-time or time (timestamp(p)).</summary>
        public int? Precision { get; set; }
        /// <summary>Digits after the decimal point of a decimal (numeric(p,s)).</summary>
        public int? Scale { get; set; }
        /// <summary>
        /// What a String or Binary field holds when that is more than text or bytes: json, jsonb, xml, time, interval,
        /// enum or set (see about_CrmMigration_Schema). Null for plain text.
        /// </summary>
        public string? Format { get; set; }
        /// <summary>The values an enum or set field may hold, in their declared order.</summary>
        public IReadOnlyList<string>? AllowedValues { get; set; }
        /// <summary>The database numbers new records itself (identity, serial, AUTO_INCREMENT, SQLite's rowid alias).</summary>
        public bool AutoIncrement { get; set; }
        /// <summary>The comment (description) the source gives the field.</summary>
        public string? Comment { get; set; }
        /// <summary>
        /// Not data: a note CrmMigration added (the RejectReason and RejectMessage columns of a reject file). Never
        /// written to a target, never created as a column.
        /// </summary>
        public bool IsAnnotation { get; set; }

        /// <summary>A copy of this description under another name.</summary>
        public CrmFieldSchema CopyAs(string name) => new CrmFieldSchema(name, Type)
        {
            SourceType = SourceType,
            Nullable = Nullable,
            IsKey = IsKey,
            MaxLength = MaxLength,
            FixedLength = FixedLength,
            Size = Size,
            Unsigned = Unsigned,
            Precision = Precision,
            Scale = Scale,
            Format = Format,
            AllowedValues = AllowedValues,
            AutoIncrement = AutoIncrement,
            Comment = Comment,
            IsAnnotation = IsAnnotation,
        };

        /// <summary>The type with its details, e.g. String(80), Decimal(12,2), Integer(2 bytes), Double(4 bytes), DateTime(3), String json.</summary>
        public string TypeText
        {
            get
            {
                var sb = new System.Text.StringBuilder(Type.ToString());
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                switch (Type)
                {
                    case CrmFieldType.String:
                    case CrmFieldType.Binary:
                        if (MaxLength is int n) sb.Append('(').Append(n.ToString(inv)).Append(')');
                        if (FixedLength) sb.Append(" fixed");
                        break;
                    case CrmFieldType.Decimal:
                        if (Precision is int p) sb.Append('(').Append(p.ToString(inv)).Append(Scale is int sc ? "," + sc.ToString(inv) : "").Append(')');
                        break;
                    case CrmFieldType.Integer:
                    case CrmFieldType.Double:
                        if (Size is int size) sb.Append('(').Append(size.ToString(inv)).Append(" bytes)");
                        if (Unsigned) sb.Append(" unsigned");
                        break;
                    case CrmFieldType.DateTime:
                    case CrmFieldType.DateTimeOffset:
                        if (Precision is int fp) sb.Append('(').Append(fp.ToString(inv)).Append(')');
                        break;
                }
                if (Format is not null) sb.Append(' ').Append(Format);
                if (AllowedValues is { Count: > 0 }) sb.Append(" (").Append(string.Join(", ", AllowedValues)).Append(')');
                return sb.ToString();
            }
        }

        /// <inheritdoc/>
        public override string ToString() => Name + ":" + Type;
    }

    /// <summary>A reference from fields of one entity to the key of another (a foreign key).</summary>
    public sealed class CrmRelation
    {
        /// <summary>Creates a relation.</summary>
        public CrmRelation(string entity, IReadOnlyList<string> fields, string referencedEntity, IReadOnlyList<string> referencedFields)
        {
            Entity = entity;
            Fields = fields;
            ReferencedEntity = referencedEntity;
            ReferencedFields = referencedFields;
        }

        /// <summary>The entity holding the reference.</summary>
        public string Entity { get; }
        /// <summary>The referencing fields.</summary>
        public IReadOnlyList<string> Fields { get; }
        /// <summary>The referenced entity.</summary>
        public string ReferencedEntity { get; }
        /// <summary>The referenced fields.</summary>
        public IReadOnlyList<string> ReferencedFields { get; }
        /// <summary>What deleting the referenced record does, when the source says (CASCADE, SET NULL, SET DEFAULT, RESTRICT); null is NO ACTION.</summary>
        public string? OnDelete { get; init; }
        /// <summary>What changing the referenced key does, when the source says; null is NO ACTION.</summary>
        public string? OnUpdate { get; init; }

        /// <inheritdoc/>
        public override string ToString() => $"{string.Join(",", Fields)} -> {ReferencedEntity}({string.Join(",", ReferencedFields)})";
    }

    /// <summary>One entity of a system: fields, key, relations and row count (Get-CrmSchema output).</summary>
    public sealed class CrmEntitySchema
    {
        /// <summary>Creates an entity description.</summary>
        public CrmEntitySchema(string name, IReadOnlyList<CrmFieldSchema> fields)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Fields = fields ?? throw new ArgumentNullException(nameof(fields));
        }

        /// <summary>Entity name (table, sheet or file name without extension).</summary>
        public string Name { get; }
        /// <summary>The system it belongs to (provider and location, no secrets).</summary>
        public string? System { get; set; }
        /// <summary>The connection the schema was read through (Get-CrmSchema sets it), so a schema piped to Export-CrmData exports that entity of that system.</summary>
        public CrmConnection? Connection { get; set; }
        /// <summary>Fields in order.</summary>
        public IReadOnlyList<CrmFieldSchema> Fields { get; }
        /// <summary>Key fields in order; empty when the entity has no key.</summary>
        public IReadOnlyList<string> Key { get; set; } = Array.Empty<string>();
        /// <summary>Other sets of fields whose values are unique (unique constraints), each in order.</summary>
        public IReadOnlyList<IReadOnlyList<string>> UniqueKeys { get; set; } = Array.Empty<IReadOnlyList<string>>();
        /// <summary>References to other entities.</summary>
        public IReadOnlyList<CrmRelation> Relations { get; set; } = Array.Empty<CrmRelation>();
        /// <summary>Number of records, when known.</summary>
        public long? RowCount { get; set; }
        /// <summary>The comment (description) the source gives the entity.</summary>
        public string? Comment { get; set; }
        /// <summary>The kind of system the description comes from (its types are that engine's), when known.</summary>
        public CrmProviderKind? Provider { get; set; }
        /// <summary>Rows the reader found while counting but could not read (not in <see cref="RowCount"/>), when counted.</summary>
        public long? UnreadableRows { get; set; }

        /// <summary>Finds a field by name (case-insensitive).</summary>
        public CrmFieldSchema? GetField(string name)
        {
            foreach (var f in Fields) if (string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) return f;
            return null;
        }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }
}
