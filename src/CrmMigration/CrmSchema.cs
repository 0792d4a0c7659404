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
        /// <summary>Maximum length for text, when declared.</summary>
        public int? MaxLength { get; set; }

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
        /// <summary>References to other entities.</summary>
        public IReadOnlyList<CrmRelation> Relations { get; set; } = Array.Empty<CrmRelation>();
        /// <summary>Number of records, when known.</summary>
        public long? RowCount { get; set; }
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
