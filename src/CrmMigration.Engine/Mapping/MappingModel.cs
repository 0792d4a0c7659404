using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>What happens to source fields a mapping does not name.</summary>
    public enum UnmappedFields
    {
        /// <summary>Left out of the target record (the default).</summary>
        Drop,
        /// <summary>Copied across under their own names.</summary>
        Keep,
    }

    /// <summary>One target field: where its value comes from and how it is converted.</summary>
    public sealed class FieldMapping
    {
        public FieldMapping(string target) { Target = target; }

        /// <summary>Target field name.</summary>
        public string Target { get; }
        /// <summary>Source field(s); several are joined with <see cref="Separator"/>.</summary>
        public IReadOnlyList<string> Source { get; set; } = Array.Empty<string>();
        /// <summary>Separator for several source fields (default a space).</summary>
        public string Separator { get; set; } = " ";
        /// <summary>Target type; null keeps the source value's type.</summary>
        public CrmFieldType? Type { get; set; }
        /// <summary>Input formats for text → date/number conversion (.NET format strings).</summary>
        public IReadOnlyList<string> Formats { get; set; } = Array.Empty<string>();
        /// <summary>Culture of the input text (default invariant).</summary>
        public string? Culture { get; set; }
        /// <summary>True when the value is a constant.</summary>
        public bool HasConstant { get; set; }
        /// <summary>The constant value.</summary>
        public object? Constant { get; set; }
        /// <summary>Value used when the source is null or empty.</summary>
        public object? Default { get; set; }
        /// <summary>True when a default is given.</summary>
        public bool HasDefault { get; set; }
        /// <summary>A null or empty result rejects the record.</summary>
        public bool Required { get; set; }
        /// <summary>Picklist translation, compared ignoring case.</summary>
        public IReadOnlyDictionary<string, object?>? ValueMap { get; set; }
        /// <summary>Transforms applied in order (names; the cleansing library grows in later versions).</summary>
        public IReadOnlyList<string> Transforms { get; set; } = Array.Empty<string>();
    }

    /// <summary>How one source entity becomes one target entity.</summary>
    public sealed class EntityMapping
    {
        public EntityMapping(string target, string source)
        {
            Target = target;
            Source = source;
        }

        /// <summary>Target entity name.</summary>
        public string Target { get; }
        /// <summary>Source entity name.</summary>
        public string Source { get; }
        /// <summary>Target key fields; empty keeps the source key.</summary>
        public IReadOnlyList<string> Key { get; set; } = Array.Empty<string>();
        /// <summary>Field mappings in target order.</summary>
        public IReadOnlyList<FieldMapping> Fields { get; set; } = Array.Empty<FieldMapping>();
        /// <summary>What to do with source fields not named.</summary>
        public UnmappedFields Unmapped { get; set; }
    }

    /// <summary>A whole mapping: entity mappings plus a version hash of its canonical form.</summary>
    public sealed class MappingDefinition
    {
        public MappingDefinition(IReadOnlyList<EntityMapping> entities, string hash, string? sourcePath)
        {
            Entities = entities;
            Hash = hash;
            SourcePath = sourcePath;
        }

        public IReadOnlyList<EntityMapping> Entities { get; }
        /// <summary>SHA-256 of the canonical JSON of the mapping (independent of file format and layout).</summary>
        public string Hash { get; }
        /// <summary>The file it came from, if any.</summary>
        public string? SourcePath { get; }
    }
}
