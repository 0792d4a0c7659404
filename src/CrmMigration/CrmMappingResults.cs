using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration
{
    /// <summary>One value a mapping step changed, dropped or flagged (Convert-CrmRecord -Explain).</summary>
    public sealed class CrmChange
    {
        /// <summary>Creates a change.</summary>
        public CrmChange(string field, object? oldValue, object? newValue, string transform, string? note = null)
        {
            Field = field;
            OldValue = oldValue;
            NewValue = newValue;
            Transform = transform;
            Note = note;
        }

        /// <summary>The target field.</summary>
        public string Field { get; }
        /// <summary>The value before the step.</summary>
        public object? OldValue { get; }
        /// <summary>The value after the step (null when the step dropped it).</summary>
        public object? NewValue { get; }
        /// <summary>The step: a transform name, or Split, ValueMap, Default, Type, MaxLength.</summary>
        public string Transform { get; }
        /// <summary>Why, when the step did more than reformat (an invalid value kept or dropped, a suspected typo).</summary>
        public string? Note { get; }

        /// <inheritdoc/>
        public override string ToString()
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"{Field}: '{CrmRecord.FormatValue(OldValue)}' -> '{CrmRecord.FormatValue(NewValue)}' ({Transform})");
            return Note is null ? text : text + ": " + Note;
        }
    }

    /// <summary>Per source entity accounting of Convert-CrmRecord (-SummaryVariable).</summary>
    public sealed class CrmConvertSummary
    {
        /// <summary>Creates a summary.</summary>
        public CrmConvertSummary(string entity, string? target)
        {
            Entity = entity;
            Target = target;
        }

        /// <summary>The source entity.</summary>
        public string Entity { get; }
        /// <summary>The target entity (a source that feeds several has one summary per target), or null when the mapping does not name the source entity.</summary>
        public string? Target { get; }
        /// <summary>Records received.</summary>
        public long Read { get; set; }
        /// <summary>Records converted and written to the output.</summary>
        public long Converted { get; set; }
        /// <summary>Records that broke a rule (written as errors and, with -RejectPath, to the reject file).</summary>
        public long Rejected { get; set; }
        /// <summary>Records left out by the entity's Where conditions.</summary>
        public long Filtered { get; set; }
        /// <summary>Rows merged into an earlier row with the same target key (the entity mapping's OnRepeat = 'Merge').</summary>
        public long Merged { get; set; }
        /// <summary>Records of an entity the mapping does not name, passed on unchanged.</summary>
        public long PassedThrough { get; set; }
        /// <summary>Warnings about values (suspected e-mail typos, truncations).</summary>
        public long Warnings { get; set; }
        /// <summary>Elapsed time from the first record to the end.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Records per second.</summary>
        public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? Math.Round(Read / Elapsed.TotalSeconds, 1) : Read;
        /// <summary>Whether read = converted + merged + rejected + filtered + passed through.</summary>
        public bool Balanced => Read == Converted + Merged + Rejected + Filtered + PassedThrough;
        /// <summary>Rejections per reason code.</summary>
        public IDictionary<string, long> RejectReasons { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);
        /// <summary>Filtered records per reason code.</summary>
        public IDictionary<string, long> FilterReasons { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);
    }

    /// <summary>How serious a mapping finding is.</summary>
    public enum CrmFindingSeverity
    {
        /// <summary>The mapping will fail or lose data; fix it before migrating.</summary>
        Error,
        /// <summary>Worth a look; the migration may still work.</summary>
        Warning,
    }

    /// <summary>One problem Test-CrmMapping found in a mapping against the source and target schemas.</summary>
    public sealed class CrmMappingFinding
    {
        /// <summary>Creates a finding.</summary>
        public CrmMappingFinding(CrmFindingSeverity severity, string code, string entity, string? field, string message)
        {
            Severity = severity;
            Code = code;
            Entity = entity;
            Field = field;
            Message = message;
        }

        /// <summary>Error or Warning.</summary>
        public CrmFindingSeverity Severity { get; }
        /// <summary>Stable id: UnknownSourceEntity, UnknownTargetEntity, UnknownSourceField, UnknownTargetField, TypeClash, UnmappedRequiredField, UnknownReference.</summary>
        public string Code { get; }
        /// <summary>The target entity (or the source entity for UnknownSourceEntity).</summary>
        public string Entity { get; }
        /// <summary>The field concerned, if any.</summary>
        public string? Field { get; }
        /// <summary>What is wrong and what to do.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString() => Severity + " " + Code + ": " + Message;
    }
}
