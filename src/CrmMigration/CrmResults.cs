using System;
using System.Collections.Generic;

namespace CrmMigration
{
    /// <summary>What happened to one record on import.</summary>
    public enum CrmOutcome
    {
        /// <summary>Written as a new record.</summary>
        Inserted,
        /// <summary>An existing record was changed.</summary>
        Updated,
        /// <summary>Already present and unchanged; nothing written.</summary>
        Skipped,
        /// <summary>Not written; see the reason code.</summary>
        Rejected,
        /// <summary>Merged into another record.</summary>
        Merged,
        /// <summary>Left out by a filter, with a reason.</summary>
        Filtered,
        /// <summary>Removed from the target (or marked deleted there): the source deleted it (a delta run), or an undo removed what a run had inserted.</summary>
        Deleted,
    }

    /// <summary>One record's outcome (Import-CrmData -PassThru).</summary>
    public sealed class CrmRecordOutcome
    {
        /// <summary>Creates an outcome.</summary>
        public CrmRecordOutcome(string entity, string? key, CrmOutcome outcome)
        {
            Entity = entity;
            Key = key;
            Outcome = outcome;
        }

        /// <summary>Entity.</summary>
        public string Entity { get; }
        /// <summary>Record key.</summary>
        public string? Key { get; }
        /// <summary>Outcome.</summary>
        public CrmOutcome Outcome { get; }
        /// <summary>Stable reason code for Rejected/Filtered/Skipped.</summary>
        public string? ReasonCode { get; set; }
        /// <summary>Human-readable detail.</summary>
        public string? Message { get; set; }
        /// <summary>The field a rejection is about, when one field is to blame.</summary>
        public string? Field { get; set; }
        /// <summary>That field's value as it arrived, when known.</summary>
        public object? Value { get; set; }
        /// <summary>True when -WhatIf: the outcome is what would happen.</summary>
        public bool WhatIf { get; set; }
        /// <summary>The batch the record was written in (1-based).</summary>
        public int Batch { get; set; }
        /// <summary>The record's origin.</summary>
        public CrmOrigin? Origin { get; set; }
        /// <summary>For a Merged record: the key of the survivor it was merged into (the ledger's crosswalk maps the record's key to it).</summary>
        public string? MergedInto { get; set; }

        /// <summary>
        /// For a record the import rejected before the target (a file row without a key value): the error it is reported with, as a
        /// mapping's reject is; null when the target refused the record (its error is made from this outcome).
        /// </summary>
        internal CrmDataError? Error { get; set; }
    }

    /// <summary>Per-entity accounting of an import (Import-CrmData default output).</summary>
    public sealed class CrmImportSummary
    {
        /// <summary>Creates a summary.</summary>
        public CrmImportSummary(string entity, string target)
        {
            Entity = entity;
            Target = target;
        }

        /// <summary>Entity.</summary>
        public string Entity { get; }
        /// <summary>Target system (no secrets).</summary>
        public string Target { get; }
        /// <summary>Records received.</summary>
        public long Read { get; set; }
        /// <summary>Records inserted.</summary>
        public long Inserted { get; set; }
        /// <summary>Records updated.</summary>
        public long Updated { get; set; }
        /// <summary>Records unchanged and skipped.</summary>
        public long Skipped { get; set; }
        /// <summary>Records rejected.</summary>
        public long Rejected { get; set; }
        /// <summary>Records merged into others (dedupe).</summary>
        public long Merged { get; set; }
        /// <summary>Records left out by a mapping condition.</summary>
        public long Filtered { get; set; }
        /// <summary>Records removed from the target (or marked deleted there): deleted in the source since the last run (a delta run), or undone.</summary>
        public long Deleted { get; set; }
        /// <summary>The partition of a partitioned run this summary covers ("3/8"), or null.</summary>
        public string? Partition { get; set; }
        /// <summary>The ledger run the import belongs to, when the ledger is on.</summary>
        public string? RunId { get; set; }
        /// <summary>Elapsed time.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Records per second.</summary>
        public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? Math.Round(Read / Elapsed.TotalSeconds, 1) : Read;
        /// <summary>True when -WhatIf: counts are what would happen.</summary>
        public bool WhatIf { get; set; }
        /// <summary>Whether read = inserted + updated + skipped + rejected + merged + filtered + deleted.</summary>
        public bool Balanced => Read == Inserted + Updated + Skipped + Rejected + Merged + Filtered + Deleted;

        /// <summary>Counts one record: Read and the counter of its outcome. True when the outcome is a rejection (the caller counts its reason).</summary>
        internal bool Count(CrmOutcome outcome)
        {
            Read++;
            switch (outcome)
            {
                case CrmOutcome.Inserted: Inserted++; return false;
                case CrmOutcome.Updated: Updated++; return false;
                case CrmOutcome.Skipped: Skipped++; return false;
                case CrmOutcome.Merged: Merged++; return false;
                case CrmOutcome.Filtered: Filtered++; return false;
                case CrmOutcome.Deleted: Deleted++; return false;
                default: Rejected++; return true;
            }
        }
        /// <summary>Rejections per reason code.</summary>
        public IDictionary<string, long> RejectReasons { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

        /// <inheritdoc/>
        public override string ToString() =>
            FormattableString.Invariant($"{Entity}: read {Read}, inserted {Inserted}, updated {Updated}, skipped {Skipped}, rejected {Rejected}, merged {Merged}, filtered {Filtered}")
            + (Deleted != 0 ? FormattableString.Invariant($", deleted {Deleted}") : "");
    }

    /// <summary>Pass or fail.</summary>
    public enum CrmCheckStatus
    {
        /// <summary>The check passed.</summary>
        Pass,
        /// <summary>The check failed.</summary>
        Fail,
        /// <summary>A difference that is explained (e.g. by the import's recorded rejects); it does not fail -Quiet.</summary>
        Warning,
        /// <summary>The check could not compare what it claims to compare (a side missing or unreadable, no key to match by); -Quiet returns $false.</summary>
        NotChecked,
    }

    /// <summary>Which groups of checks Test-CrmMigration runs (-Check).</summary>
    public enum CrmValidationCheck
    {
        /// <summary>Columns and types of the mapped source and the target, side by side.</summary>
        Schema,
        /// <summary>Rows read on each side.</summary>
        Count,
        /// <summary>Keys missing, extra or duplicated (rows, for entities without a key).</summary>
        Keys,
        /// <summary>Field values of every record on both sides.</summary>
        Values,
        /// <summary>Per column: count, nulls, distinct values, min, max, sum, text length.</summary>
        Aggregates,
    }

    /// <summary>One difference behind a validation result: a field of a key, a duplicated key's copies, a row, a column aggregate or a column's type.</summary>
    public sealed class CrmValueDifference
    {
        /// <summary>Creates a difference.</summary>
        public CrmValueDifference(string? key, string field, string source, string target)
        {
            Key = key;
            Field = field;
            Source = source;
            Target = target;
        }

        /// <summary>The record key (null for a whole row of an entity without a key, or a column aggregate).</summary>
        public string? Key { get; }
        /// <summary>The field, "column.aggregate" or "(row)".</summary>
        public string Field { get; }
        /// <summary>The source side as shown: NULL, or text in single quotes, or a number or date.</summary>
        public string Source { get; }
        /// <summary>The target side, shown the same way.</summary>
        public string Target { get; }
        /// <summary>What the two sides are (e.g. "copy 1 / copy 2" for a duplicate).</summary>
        public string? Note { get; set; }

        /// <inheritdoc/>
        public override string ToString() => (Key is null ? "" : "key " + Key + " ") + Field + ": " + Source + " / " + Target + (Note is null ? "" : " (" + Note + ")");
    }

    /// <summary>One validation check (Test-CrmMigration output).</summary>
    public sealed class CrmValidationResult
    {
        /// <summary>Creates a result.</summary>
        public CrmValidationResult(string check, string entity, CrmCheckStatus status)
        {
            Check = check;
            Entity = entity;
            Status = status;
        }

        /// <summary>Check name: Schema, SourceRead, TargetRead, Count, MissingKeys, ExtraKeys, DuplicateKeys, SourceDuplicateKeys, NullKeys, FieldValues, MissingRows, ExtraRows, Aggregates, EntityExists.</summary>
        public string Check { get; }
        /// <summary>Entity.</summary>
        public string Entity { get; }
        /// <summary>Pass, Fail, Warning (explained) or NotChecked.</summary>
        public CrmCheckStatus Status { get; }
        /// <summary>Rows read from the source entity (after the mapping's rejects and filters), or null when it could not be read.</summary>
        public long? SourceRows { get; set; }
        /// <summary>Rows read from the target entity, or null when it could not be read.</summary>
        public long? TargetRows { get; set; }
        /// <summary>The source-side figure.</summary>
        public long? Expected { get; set; }
        /// <summary>The target-side figure.</summary>
        public long? Actual { get; set; }
        /// <summary>What was compared and found.</summary>
        public string Details { get; set; } = "";
        /// <summary>Up to 20 example keys (or rows, or file positions) that differ.</summary>
        public IReadOnlyList<string> Samples { get; set; } = Array.Empty<string>();
        /// <summary>The differences behind the samples: field by field, with both values.</summary>
        public IReadOnlyList<CrmValueDifference> Differences { get; set; } = Array.Empty<CrmValueDifference>();
    }
}

namespace CrmMigration
{
    /// <summary>What a delta run (Copy-CrmData -Incremental) does with target records whose source record was deleted.</summary>
    public enum CrmDeletedRecordAction
    {
        /// <summary>Leave them in the target; each is counted (Filtered, DeletedInSource) and listed in one warning.</summary>
        Report,
        /// <summary>Delete them from the target (their before-images are kept, so Undo-CrmMigration can bring them back).</summary>
        Delete,
        /// <summary>Set the target's -SoftDeleteField to true.</summary>
        SoftDelete,
    }

    /// <summary>How Import-CrmData treats records whose key already exists in the target.</summary>
    public enum CrmImportMode
    {
        /// <summary>Insert only; an existing key is rejected with DuplicateKey.</summary>
        Insert,
        /// <summary>Insert new keys, update changed records, skip unchanged ones.</summary>
        Upsert,
    }
}

namespace CrmMigration
{
    /// <summary>What New-CrmSampleData wrote: records per entity and how much of each kind of mess.</summary>
    public sealed class CrmSampleDataInfo
    {
        /// <summary>Creates the description.</summary>
        public CrmSampleDataInfo(string path, CrmProviderKind provider, int seed, int scale)
        {
            Path = path;
            Provider = provider;
            Seed = seed;
            Scale = scale;
        }

        /// <summary>The database file or folder written.</summary>
        public string Path { get; }
        /// <summary>Sqlite or Csv.</summary>
        public CrmProviderKind Provider { get; }
        /// <summary>The seed: the same seed and scale write the same data.</summary>
        public int Seed { get; }
        /// <summary>Number of contacts; other entities scale with it.</summary>
        public int Scale { get; }
        /// <summary>Records written per entity.</summary>
        public System.Collections.Generic.IDictionary<string, long> Counts { get; } = new System.Collections.Generic.SortedDictionary<string, long>(System.StringComparer.Ordinal);
        /// <summary>Planted problems per kind (duplicates, bad e-mails, orphaned references...).</summary>
        public System.Collections.Generic.IDictionary<string, long> Mess { get; } = new System.Collections.Generic.SortedDictionary<string, long>(System.StringComparer.Ordinal);
        /// <summary>Total records written.</summary>
        public long Total { get { long t = 0; foreach (var v in Counts.Values) t += v; return t; } }
        /// <summary>Time taken.</summary>
        public System.TimeSpan Elapsed { get; set; }
        /// <summary>
        /// The truth table of the planted duplicates (CSV: Entity, Key, DuplicateOf, Variation): which records repeat
        /// which, so a dedupe can be scored. Written next to the data as &lt;path&gt;.duplicates.csv.
        /// </summary>
        public string? TruthPath { get; set; }
        /// <summary>Planted duplicate records per entity (rows of the truth table).</summary>
        public System.Collections.Generic.IDictionary<string, long> Duplicates { get; } = new System.Collections.Generic.SortedDictionary<string, long>(System.StringComparer.Ordinal);
    }
}

namespace CrmMigration
{
    /// <summary>One import run as the migration ledger recorded it (Get-CrmMigrationRun).</summary>
    public sealed class CrmMigrationRun
    {
        /// <summary>Creates a run description.</summary>
        public CrmMigrationRun(string runId) { RunId = runId; }

        /// <summary>The run's id (resume with Import-CrmData -RunId).</summary>
        public string RunId { get; }
        /// <summary>The ledger file the run is recorded in, so a run piped to Get-CrmMigrationRecord reads the same ledger.</summary>
        public string? StatePath { get; set; }
        /// <summary>Running, Completed, Failed, or Undone (an undo run restored the target to before it).</summary>
        public string Status { get; set; } = "Running";
        /// <summary>When it started (UTC).</summary>
        public DateTimeOffset StartedAt { get; set; }
        /// <summary>When it finished (UTC), if it did.</summary>
        public DateTimeOffset? FinishedAt { get; set; }
        /// <summary>Who ran it.</summary>
        public string User { get; set; } = "";
        /// <summary>On which machine.</summary>
        public string Host { get; set; } = "";
        /// <summary>The source system (no secrets).</summary>
        public string Source { get; set; } = "";
        /// <summary>The target system (no secrets).</summary>
        public string Target { get; set; } = "";
        /// <summary>The hash of the mapping the records went through, if any.</summary>
        public string? MappingHash { get; set; }
        /// <summary>The module version that ran it.</summary>
        public string ModuleVersion { get; set; } = "";
        /// <summary>The import parameters (never credentials).</summary>
        public string Parameters { get; set; } = "";
        /// <summary>How many times the run was started (1 + resumes).</summary>
        public int Attempts { get; set; }
        /// <summary>Import (a full run), Delta (only what changed since <see cref="PreviousRunId"/>), or Undo (it undid <see cref="Undoes"/>).</summary>
        public string Kind { get; set; } = "Import";
        /// <summary>For a delta run: the run it carries on from (the chain of a cutover: bulk run, deltas, final delta).</summary>
        public string? PreviousRunId { get; set; }
        /// <summary>For an undo run: the run it undid.</summary>
        public string? Undoes { get; set; }
        /// <summary>For a run that was undone (Status Undone): the undo run that did it.</summary>
        public string? UndoneBy { get; set; }
        /// <summary>For a partitioned run: how many partitions it has.</summary>
        public int? Partitions { get; set; }
        /// <summary>For a partitioned run: how many of its partitions are done (the run is Completed only when all are).</summary>
        public int? PartitionsDone { get; set; }
        /// <summary>For a partitioned run: "done/total" (e.g. "3/4"); null for a whole run.</summary>
        public string? PartitionProgress => Partitions is int n ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{PartitionsDone ?? 0}/{n}") : null;
        /// <summary>Per-entity accounting.</summary>
        public System.Collections.Generic.IReadOnlyList<CrmImportSummary> Entities { get; set; } = Array.Empty<CrmImportSummary>();
        /// <summary>Records read in all entities.</summary>
        public long Read { get { long n = 0; foreach (var e in Entities) n += e.Read; return n; } }
        /// <summary>Records rejected in all entities.</summary>
        public long Rejected { get { long n = 0; foreach (var e in Entities) n += e.Rejected; return n; } }
        /// <summary>True when every entity's books balance and agree with the per-record outcomes.</summary>
        public bool Balanced { get; set; }
    }

    /// <summary>What happened to one source record in one run (Get-CrmMigrationRecord).</summary>
    public sealed class CrmMigrationRecord
    {
        /// <summary>Creates the entry.</summary>
        public CrmMigrationRecord(string runId, string entity, string sourceKey, CrmOutcome outcome)
        {
            RunId = runId;
            Entity = entity;
            SourceKey = sourceKey;
            Outcome = outcome;
        }

        /// <summary>The run.</summary>
        public string RunId { get; }
        /// <summary>The target entity.</summary>
        public string Entity { get; }
        /// <summary>The record's key in the source (or its file position when it had none).</summary>
        public string SourceKey { get; }
        /// <summary>Its key in the target.</summary>
        public string? TargetKey { get; set; }
        /// <summary>The outcome.</summary>
        public CrmOutcome Outcome { get; }
        /// <summary>The reason code, for rejects and skips.</summary>
        public string? ReasonCode { get; set; }
        /// <summary>Detail.</summary>
        public string? Message { get; set; }
        /// <summary>The field a rejection is about, when one field was to blame.</summary>
        public string? Field { get; set; }
        /// <summary>That field's value as text (at most 200 characters; never kept for a field named like a secret).</summary>
        public string? Value { get; set; }
        /// <summary>The batch (1-based) within the run.</summary>
        public int Batch { get; set; }
        /// <summary>When the outcome was recorded (UTC).</summary>
        public DateTimeOffset RecordedAt { get; set; }
    }
}
