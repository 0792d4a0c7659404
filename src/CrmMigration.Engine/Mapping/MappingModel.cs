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
        /// <summary>The column type -Create gives the target field (varchar(120), numeric(14,2), ...), read through the type table; null takes it from the source.</summary>
        public string? ColumnType { get; set; }
        /// <summary><see cref="ColumnType"/> as a portable description.</summary>
        public CrmFieldSchema? ColumnSchema { get; set; }
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
        /// <summary>What a value the ValueMap does not list does (when it has no '*' entry): Reject (RecordValueNotInMap) or Keep as it is.</summary>
        public UnlistedAction OnUnlisted { get; set; }
        /// <summary>Transforms applied in order, by name (see <see cref="Mapping.Transforms"/>).</summary>
        public IReadOnlyList<string> Transforms { get; set; } = Array.Empty<string>();
        /// <summary>Code transforms given directly in a hashtable, by their position in <see cref="Transforms"/> (null entries are named transforms).</summary>
        public IReadOnlyList<CustomTransform?> CustomTransforms { get; set; } = Array.Empty<CustomTransform?>();
        /// <summary>Splits the source text on this separator and keeps <see cref="Part"/>.</summary>
        public string? Split { get; set; }
        /// <summary>The 0-based part kept after <see cref="Split"/>; negative counts from the end (-1 = last).</summary>
        public int Part { get; set; }
        /// <summary>The most parts Split makes; the last part keeps the rest of the text (0 = no limit).</summary>
        public int SplitLimit { get; set; }
        /// <summary>The target entity this field references (its key); the import translates it through the crosswalk.</summary>
        public string? Reference { get; set; }
        /// <summary>What the import does when the referenced parent is neither imported nor in the target: Reject (MissingParent), Clear or Keep.</summary>
        public CrmMissingParentAction OnMissingParent { get; set; }
        /// <summary>The longest text allowed.</summary>
        public int? MaxLength { get; set; }
        /// <summary>What a text longer than MaxLength does: Reject (default) or Truncate.</summary>
        public TooLongAction OnTooLong { get; set; }
        /// <summary>A regular expression the text must match (whole value).</summary>
        public string? Pattern { get; set; }
        /// <summary>The smallest value allowed (number or date).</summary>
        public object? Min { get; set; }
        /// <summary>The largest value allowed (number or date).</summary>
        public object? Max { get; set; }
        /// <summary>What the validating transforms (Email, Phone, Date, Number) do with an invalid value.</summary>
        public InvalidAction OnInvalid { get; set; }
        /// <summary>The region phone numbers without a country code belong to (ISO 3166 two letters, e.g. CN).</summary>
        public string? DefaultRegion { get; set; }
        /// <summary>The time zone (IANA or Windows id) of date texts without an offset.</summary>
        public string? TimeZone { get; set; }
        /// <summary>The last year a two-digit year stands for (e.g. 2029: 30 is 1930, 29 is 2029). Required for formats with yy.</summary>
        public int? TwoDigitYearMax { get; set; }
        /// <summary>Correct well-known e-mail domain typos (gmial.com) instead of only reporting them.</summary>
        public bool FixTypos { get; set; }
    }

    /// <summary>What a value a ValueMap does not list does.</summary>
    public enum UnlistedAction
    {
        /// <summary>The record is rejected with RecordValueNotInMap (the default).</summary>
        Reject,
        /// <summary>The value passes as it is.</summary>
        Keep,
    }

    /// <summary>What a text longer than MaxLength does.</summary>
    public enum TooLongAction
    {
        /// <summary>The record is rejected with RecordTooLong.</summary>
        Reject,
        /// <summary>The text is cut to MaxLength and the cut is reported.</summary>
        Truncate,
    }

    /// <summary>What a validating transform does with a value it finds invalid.</summary>
    public enum InvalidAction
    {
        /// <summary>The record is rejected with the transform's error id.</summary>
        Reject,
        /// <summary>The original value is kept and the problem is reported in Changes.</summary>
        KeepRaw,
        /// <summary>The value becomes null and the drop is reported in Changes.</summary>
        Null,
    }

    /// <summary>A transform written as code (a scriptblock in a hashtable mapping), wrapped by the cmdlet layer.</summary>
    public sealed class CustomTransform
    {
        /// <summary>Creates a code transform.</summary>
        public CustomTransform(string text, Func<object?, CrmRecord, object?> function)
        {
            Text = text;
            Function = function;
        }

        /// <summary>The code's text (part of the mapping hash).</summary>
        public string Text { get; }
        /// <summary>Takes the value and the source record, returns the new value.</summary>
        public Func<object?, CrmRecord, object?> Function { get; }

        /// <inheritdoc/>
        public override string ToString() => "{ " + Text + " }";
    }

    /// <summary>The comparison of a Where condition.</summary>
    public enum WhereOperator
    {
        /// <summary>The value equals the text (ignoring case).</summary>
        Equals,
        /// <summary>The value does not equal the text.</summary>
        NotEquals,
        /// <summary>The value is one of the texts.</summary>
        In,
        /// <summary>The value is none of the texts.</summary>
        NotIn,
        /// <summary>The value matches a wildcard pattern (* and ?).</summary>
        Like,
        /// <summary>The value does not match the wildcard pattern.</summary>
        NotLike,
        /// <summary>The value is null or blank.</summary>
        IsEmpty,
        /// <summary>The value is not null or blank.</summary>
        NotEmpty,
    }

    /// <summary>A condition a source record must meet to be converted; a record failing it is filtered with a reason.</summary>
    public sealed class WhereCondition
    {
        /// <summary>Creates a condition.</summary>
        public WhereCondition(string field, WhereOperator op, IReadOnlyList<string> values, string reason)
        {
            Field = field;
            Operator = op;
            Values = values;
            Reason = reason;
        }

        /// <summary>The source field tested.</summary>
        public string Field { get; }
        /// <summary>The comparison.</summary>
        public WhereOperator Operator { get; }
        /// <summary>The texts compared with (none for IsEmpty/NotEmpty).</summary>
        public IReadOnlyList<string> Values { get; }
        /// <summary>The reason code a filtered record is counted under.</summary>
        public string Reason { get; }

        /// <summary>A readable form, e.g. status NotIn (Deleted, Spam).</summary>
        public string Describe() => Values.Count == 0 ? Field + " " + Operator : Field + " " + Operator + " (" + string.Join(", ", Values) + ")";
    }

    /// <summary>What an entity mapping does with source rows that give a target key it already produced.</summary>
    public enum RepeatAction
    {
        /// <summary>Every row is written; a repeated key is the target's business (DuplicateKey on insert). The default.</summary>
        Write,
        /// <summary>Rows with the same target key are one record: the first row's is written, the others are Merged into it (a denormalised file's parent columns).</summary>
        Merge,
    }

    /// <summary>What a merged repeat whose values differ from the first row's does.</summary>
    public enum RepeatConflictAction
    {
        /// <summary>The first row's values are kept; the differing values are reported as warnings. The default.</summary>
        First,
        /// <summary>The repeat is rejected (RecordRepeatConflict) so the difference can be fixed at the source.</summary>
        Reject,
    }

    /// <summary>How one source entity becomes one target entity (a source entity may feed several).</summary>
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
        /// <summary>Conditions every converted record meets; the others are filtered with the failing condition's reason.</summary>
        public IReadOnlyList<WhereCondition> Where { get; set; } = Array.Empty<WhereCondition>();
        /// <summary>Rows that repeat a target key: written each (default) or merged into the first.</summary>
        public RepeatAction OnRepeat { get; set; }
        /// <summary>With OnRepeat = Merge: what a repeat with different values does.</summary>
        public RepeatConflictAction OnConflict { get; set; }
        /// <summary>The source field that says when a record last changed: a delta run (Copy-CrmData -Incremental) carries records from its watermark. Null: the names CRM products use are looked for.</summary>
        public string? Modified { get; set; }

        /// <summary>Target fields that reference another target entity: field name → entity.</summary>
        public IReadOnlyDictionary<string, string> References
        {
            get
            {
                var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var f in Fields) if (f.Reference is not null) result[f.Target] = f.Reference;
                return result;
            }
        }
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
