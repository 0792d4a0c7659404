using System;
using System.Collections.Generic;
using CrmMigration.Engine.Decommission;

namespace CrmMigration.Engine.Reports
{
    /// <summary>How serious a finding is: it decides the verdict.</summary>
    public enum FindingSeverity
    {
        /// <summary>Worth knowing; does not change the verdict.</summary>
        Info,
        /// <summary>Explained, but a person should read it: the verdict is at best PassedWithWarnings.</summary>
        Warning,
        /// <summary>The migration or decommission cannot be signed off: the verdict is Failed.</summary>
        Fail,
    }

    /// <summary>One reason behind the verdict: a stable code, its severity, and its text in the report's language.</summary>
    public sealed class ReportFinding
    {
        public ReportFinding(string code, FindingSeverity severity, string text, string? entity = null)
        {
            Code = code;
            Severity = severity;
            Text = text;
            Entity = entity;
        }

        /// <summary>Stable PascalCase code (BooksUnbalanced, RecordsRejected, NotValidated...).</summary>
        public string Code { get; }
        public FindingSeverity Severity { get; }
        /// <summary>What it means, in the report's language.</summary>
        public string Text { get; }
        /// <summary>The entity (or stage) concerned, when there is one.</summary>
        public string? Entity { get; }
    }

    /// <summary>The ledger's run: who, where, when, how fast, from what to what (never a secret).</summary>
    public sealed class ReportRun
    {
        public string RunId { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTimeOffset StartedAt { get; set; }
        public DateTimeOffset? FinishedAt { get; set; }
        /// <summary>Wall-clock time from start to finish (or to the report, for an unfinished run).</summary>
        public TimeSpan Duration { get; set; }
        public int Attempts { get; set; }
        public long Read { get; set; }
        public double RecordsPerSecond { get; set; }
        /// <summary>Whether the books balance and agree with the recorded outcomes.</summary>
        public bool Balanced { get; set; }
        public string User { get; set; } = "";
        public string Host { get; set; } = "";
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        public string? MappingHash { get; set; }
        public string ModuleVersion { get; set; } = "";
        /// <summary>The run's parameters as recorded, with anything that looks secret removed.</summary>
        public string Parameters { get; set; } = "";
        /// <summary>The ledger file the run is recorded in.</summary>
        public string? LedgerPath { get; set; }
        /// <summary>Where the run's reject files are, when known.</summary>
        public string? RejectFolder { get; set; }
    }

    /// <summary>One record shown as an example of a reason.</summary>
    public sealed class ReportExample
    {
        public ReportExample(string key, string? field, string? value, string? message)
        {
            Key = key;
            Field = field;
            Value = value;
            Message = message;
        }

        public string Key { get; }
        public string? Field { get; }
        public string? Value { get; }
        public string? Message { get; }
    }

    /// <summary>All records of an entity with one outcome and reason: an exact count and a few examples.</summary>
    public sealed class ReportReason
    {
        public ReportReason(CrmOutcome outcome, string code)
        {
            Outcome = outcome;
            Code = code;
        }

        public CrmOutcome Outcome { get; }
        public string Code { get; }
        public long Count { get; set; }
        /// <summary>At most the report's example cap, in the order the run recorded them.</summary>
        public List<ReportExample> Examples { get; } = new();
    }

    /// <summary>One entity's books.</summary>
    public sealed class ReportEntity
    {
        public ReportEntity(string name) { Name = name; }

        public string Name { get; }
        public long Read { get; set; }
        public long Inserted { get; set; }
        public long Updated { get; set; }
        public long Skipped { get; set; }
        public long Merged { get; set; }
        public long Rejected { get; set; }
        public long Filtered { get; set; }
        /// <summary>Removed from the target (deleted in the source since the last run, or undone).</summary>
        public long Deleted { get; set; }
        public bool Balanced => Read == Inserted + Updated + Skipped + Merged + Rejected + Filtered + Deleted;
        /// <summary>Rejected and filtered records by reason code, largest first.</summary>
        public List<ReportReason> Reasons { get; } = new();
        /// <summary>Reject files that hold this entity's rejected records.</summary>
        public List<string> RejectFiles { get; } = new();
    }

    /// <summary>One Test-CrmMigration check.</summary>
    public sealed class ReportCheck
    {
        public string Check { get; set; } = "";
        public string Entity { get; set; } = "";
        /// <summary>Pass, Fail, Warning, or whatever status the check reported (NotChecked...).</summary>
        public string Status { get; set; } = "";
        public long? Expected { get; set; }
        public long? Actual { get; set; }
        public string Details { get; set; } = "";
        /// <summary>Rows read from each side, when the check counted them.</summary>
        public long? SourceRows { get; set; }
        public long? TargetRows { get; set; }
        public List<string> Samples { get; } = new();
        /// <summary>The differences behind the result (capped), each side as the validator shows it: NULL apart from text in quotes.</summary>
        public List<ReportDifference> Differences { get; } = new();
    }

    /// <summary>One difference behind a check: a field of a key, a row, an aggregate or a type.</summary>
    public sealed class ReportDifference
    {
        public string? Key { get; set; }
        public string Field { get; set; } = "";
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        public string? Note { get; set; }
    }

    /// <summary>One merge group: the survivor and the records merged into it.</summary>
    public sealed class ReportMergeGroup
    {
        public string Entity { get; set; } = "";
        public string Survivor { get; set; } = "";
        public List<string> Members { get; } = new();
        /// <summary>The rule or reason that merged them.</summary>
        public string Rule { get; set; } = "";
        public double? Score { get; set; }
        public string Details { get; set; } = "";
    }

    /// <summary>The merges: exact counts, capped groups.</summary>
    public sealed class ReportMerges
    {
        public long Groups { get; set; }
        public long Records { get; set; }
        public List<ReportMergeGroup> Shown { get; } = new();
    }

    /// <summary>One mapped field.</summary>
    public sealed class ReportMappedField
    {
        public string Target { get; set; } = "";
        public string Source { get; set; } = "";
        public string Type { get; set; } = "";
        /// <summary>Transforms, value maps, defaults and rules in words.</summary>
        public string Rules { get; set; } = "";
    }

    /// <summary>One mapped entity.</summary>
    public sealed class ReportMappedEntity
    {
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        public string Key { get; set; } = "";
        public string Filters { get; set; } = "";
        public List<ReportMappedField> Fields { get; } = new();
    }

    /// <summary>The mapping the records went through.</summary>
    public sealed class ReportMapping
    {
        public string Hash { get; set; } = "";
        public string? Path { get; set; }
        public List<ReportMappedEntity> Entities { get; } = new();
    }

    /// <summary>One decommission stage.</summary>
    public sealed class ReportStage
    {
        public string Stage { get; set; } = "";
        public string Status { get; set; } = "";
        public int Attempts { get; set; }
        public DateTime? StartedUtc { get; set; }
        public DateTime? CompletedUtc { get; set; }
        public string Notes { get; set; } = "";
        public List<string> Actions { get; } = new();
        public SortedDictionary<string, string> Evidence { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A decommission as its state file records it.</summary>
    public sealed class ReportDecommission
    {
        public string System { get; set; } = "";
        public string Provider { get; set; } = "";
        public string StatePath { get; set; } = "";
        public string ArchivePath { get; set; } = "";
        public string? ArchiveId { get; set; }
        public string? TagManifestSha512 { get; set; }
        public bool ArchiveVerified { get; set; }
        public DateTime? RetainUntil { get; set; }
        public bool LegalHold { get; set; }
        public bool FindingsAcknowledged { get; set; }
        public List<string> Findings { get; } = new();
        public List<string> Exclusions { get; } = new();
        public List<ReportStage> Stages { get; } = new();
        /// <summary>Every object of the decommissioned system as the state file inventories it: archived, excluded (with why) or destroyed.</summary>
        public List<InventoryEntry> Inventory { get; } = new();
    }

    /// <summary>The hash-chained audit log: its head hash is what an auditor compares.</summary>
    public sealed class ReportAuditLog
    {
        public string Path { get; set; } = "";
        public bool Valid { get; set; }
        public long Lines { get; set; }
        public string HeadHash { get; set; } = "";
        public string Details { get; set; } = "";
    }

    /// <summary>
    /// A migration report: one model that the HTML, XLSX and JSON writers render the same way. Counts are exact;
    /// examples and groups are capped, so a report of a run of millions stays a few megabytes.
    /// </summary>
    public sealed class MigrationReport
    {
        /// <summary>The JSON schema version (docs/report.schema.json).</summary>
        public const int CurrentSchemaVersion = 1;

        public int SchemaVersion => CurrentSchemaVersion;
        /// <summary>Migration, Validation or Decommission: what the report is mainly about.</summary>
        public string Kind { get; set; } = "Migration";
        public string Title { get; set; } = "";
        public DateTimeOffset GeneratedAt { get; set; } = DateTimeOffset.UtcNow;
        /// <summary>The language of labels and verdict texts (en or zh-CN); record values are never translated.</summary>
        public string Culture { get; set; } = "en";
        public CrmReportVerdict Verdict { get; set; }
        public List<ReportFinding> Findings { get; } = new();
        public string Operator { get; set; } = "";
        public string Host { get; set; } = "";
        public string ModuleVersion { get; set; } = "";
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
        /// <summary>The most examples shown per reason.</summary>
        public int ExampleCap { get; set; }
        public ReportRun? Run { get; set; }
        public List<ReportEntity> Entities { get; } = new();
        /// <summary>Whether validation results were given (an empty list then means none were produced).</summary>
        public bool Validated { get; set; }
        public List<ReportCheck> Checks { get; } = new();
        public ReportMerges Merges { get; } = new();
        public ReportMapping? Mapping { get; set; }
        public ReportDecommission? Decommission { get; set; }
        public ReportAuditLog? AuditLog { get; set; }

        /// <summary>Records read in all entities.</summary>
        public long TotalRead { get { long n = 0; foreach (var e in Entities) n += e.Read; return n; } }
    }
}
