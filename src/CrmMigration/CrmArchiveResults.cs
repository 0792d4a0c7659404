using System;
using System.Collections.Generic;

namespace CrmMigration
{
    /// <summary>One entity in an archive: its file, record count and order-independent content hash.</summary>
    public sealed class CrmArchiveEntity
    {
        /// <summary>Creates an entity entry.</summary>
        public CrmArchiveEntity(string entity, string file)
        {
            Entity = entity;
            File = file;
        }

        /// <summary>The entity name in the source.</summary>
        public string Entity { get; }
        /// <summary>The payload file, relative to the bag (data/…csv).</summary>
        public string File { get; }
        /// <summary>Records written.</summary>
        public long Records { get; set; }
        /// <summary>The content hash (see about_CrmMigration_Decommission), lowercase hex.</summary>
        public string ContentHash { get; set; } = "";
    }

    /// <summary>What Export-CrmArchive wrote.</summary>
    public sealed class CrmArchiveInfo
    {
        /// <summary>Creates the description.</summary>
        public CrmArchiveInfo(string path)
        {
            Path = path;
        }

        /// <summary>The bag folder.</summary>
        public string Path { get; }
        /// <summary>The .zip of the bag, when -Zip was used.</summary>
        public string? ZipPath { get; set; }
        /// <summary>The source system (provider and location, no secrets).</summary>
        public string Source { get; set; } = "";
        /// <summary>The External-Identifier of the bag.</summary>
        public string ExternalIdentifier { get; set; } = "";
        /// <summary>Entities archived.</summary>
        public IList<CrmArchiveEntity> Entities { get; } = new List<CrmArchiveEntity>();
        /// <summary>Total records.</summary>
        public long TotalRecords { get; set; }
        /// <summary>Payload bytes (Payload-Oxum octets).</summary>
        public long PayloadOctets { get; set; }
        /// <summary>Payload files (Payload-Oxum stream count).</summary>
        public long PayloadFiles { get; set; }
        /// <summary>SHA-512 of tagmanifest-sha512.txt: one value that pins the whole bag.</summary>
        public string TagManifestSha512 { get; set; } = "";
        /// <summary>Whole-schema archives: every object of the source and whether it was archived, excluded or is missing.</summary>
        public IList<CrmInventoryItem> Inventory { get; } = new List<CrmInventoryItem>();
        /// <summary>Attachment files archived (-AttachmentPath).</summary>
        public long AttachmentFiles { get; set; }
        /// <summary>Elapsed time.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Records per second.</summary>
        public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? Math.Round(TotalRecords / Elapsed.TotalSeconds, 1) : TotalRecords;
    }

    /// <summary>The outcome of one archive check (Test-CrmArchive output).</summary>
    public enum CrmArchiveCheckStatus
    {
        /// <summary>The check passed.</summary>
        Pass,
        /// <summary>The check failed: the archive is not valid or not what its manifest says.</summary>
        Fail,
        /// <summary>A lint finding: valid, but weaker than it should be.</summary>
        Warning,
        /// <summary>The check does not apply (e.g. CRM checks on a bag written by another tool).</summary>
        NotApplicable,
    }

    /// <summary>One check of an archive (Test-CrmArchive output).</summary>
    public sealed class CrmArchiveCheck
    {
        /// <summary>Creates a check result.</summary>
        public CrmArchiveCheck(string check, string subject, CrmArchiveCheckStatus status, string details)
        {
            Check = check;
            Subject = subject;
            Status = status;
            Details = details;
        }

        /// <summary>Stable check name (BagDeclaration, ManifestEntry, PayloadOxum, RecordCount…).</summary>
        public string Check { get; }
        /// <summary>What was checked: a file, manifest or entity.</summary>
        public string Subject { get; }
        /// <summary>Pass, Fail, Warning or NotApplicable.</summary>
        public CrmArchiveCheckStatus Status { get; }
        /// <summary>What was compared and found.</summary>
        public string Details { get; }
        /// <summary>The archive checked.</summary>
        public string Archive { get; set; } = "";
    }

    /// <summary>The result of verifying an audit log's hash chain (Test-CrmAuditLog output).</summary>
    public sealed class CrmAuditLogReport
    {
        /// <summary>Creates the report.</summary>
        public CrmAuditLogReport(string path)
        {
            Path = path;
        }

        /// <summary>The log file.</summary>
        public string Path { get; }
        /// <summary>True when every line links to the previous one (and the head matches -ExpectedHead, when given).</summary>
        public bool Valid { get; set; }
        /// <summary>Lines in the log.</summary>
        public long LineCount { get; set; }
        /// <summary>SHA-256 of the last line: store it elsewhere to detect truncation at the end later.</summary>
        public string HeadHash { get; set; } = "";
        /// <summary>The first line that breaks the chain (1-based), 0 when none.</summary>
        public long FirstBadLine { get; set; }
        /// <summary>What is wrong, or that the chain holds.</summary>
        public string Details { get; set; } = "";
    }

    /// <summary>The stages of decommissioning, in the order they run.</summary>
    public enum CrmDecommissionStage
    {
        /// <summary>Announce the shutdown to the system's active users (SMTP, or .eml files and a recipient list).</summary>
        Notify,
        /// <summary>Make the source read-only.</summary>
        Freeze,
        /// <summary>Write the final BagIt archive.</summary>
        Archive,
        /// <summary>Check the archive, restore it to scratch, compare with the frozen source.</summary>
        Verify,
        /// <summary>Revoke users, scheduled jobs, queues, API clients and tokens, mail accounts and webhooks (reversible with -Undo).</summary>
        Revoke,
        /// <summary>Record the retention period and legal hold.</summary>
        Retain,
        /// <summary>Delete the source data and write a certificate of sanitisation.</summary>
        Purge,
    }

    /// <summary>What happened in one stage of a decommission run.</summary>
    public enum CrmStageStatus
    {
        /// <summary>The stage ran and finished in this run.</summary>
        Done,
        /// <summary>Finished in an earlier run; not repeated.</summary>
        AlreadyDone,
        /// <summary>Nothing to do for this kind of system; recorded as such.</summary>
        NotApplicable,
        /// <summary>-WhatIf (or a declined confirmation): the actions were only described.</summary>
        WhatIf,
        /// <summary>Not run (beyond -Stage, or -Purge not given).</summary>
        Skipped,
        /// <summary>A precondition did not hold (unverified archive, retention, legal hold).</summary>
        Refused,
        /// <summary>The stage ran and failed.</summary>
        Failed,
        /// <summary>The stage's changes were undone (-Undo); it runs again on the next run.</summary>
        Undone,
    }

    /// <summary>What Revoke does with a CRM's administrators (Disable-CrmSystem -Administrator).</summary>
    public enum AdministratorChoice
    {
        /// <summary>Administrators stay active, so the CRM can still be administered until Purge (the default).</summary>
        Keep,
        /// <summary>Administrators are deactivated like every other user.</summary>
        Disable,
    }

    /// <summary>What became of one object of the source (table, view, routine, trigger, sequence, role) in a decommission.</summary>
    public enum CrmInventoryStatus
    {
        /// <summary>Its rows (tables) or definition (other objects) are in the archive.</summary>
        Archived,
        /// <summary>Left out by an explicit -Exclude rule, recorded with who and why.</summary>
        Excluded,
        /// <summary>Neither archived nor excluded: Purge refuses while any table is missing.</summary>
        Missing,
        /// <summary>Dropped by Purge, after its archived copy was verified.</summary>
        Destroyed,
    }

    /// <summary>One object of the source system and what the decommission did with it.</summary>
    public sealed class CrmInventoryItem
    {
        /// <summary>Creates an item.</summary>
        public CrmInventoryItem(string kind, string name, CrmInventoryStatus status)
        {
            Kind = kind;
            Name = name;
            Status = status;
        }

        /// <summary>Table, View, Routine, Trigger, Sequence, Event or Role.</summary>
        public string Kind { get; }
        /// <summary>The object's name in the source.</summary>
        public string Name { get; }
        /// <summary>Archived, Excluded, Missing or Destroyed.</summary>
        public CrmInventoryStatus Status { get; set; }
        /// <summary>Tables: rows archived.</summary>
        public long? Records { get; set; }
        /// <summary>Tables: the archived content hash.</summary>
        public string? ContentHash { get; set; }
        /// <summary>Where it is in the archive, or the exclusion rule (who, why), or why it is missing.</summary>
        public string Detail { get; set; } = "";
    }

    /// <summary>One stage's report (Disable-CrmSystem output).</summary>
    public sealed class CrmDecommissionReport
    {
        /// <summary>Creates a report.</summary>
        public CrmDecommissionReport(CrmDecommissionStage stage, CrmStageStatus status)
        {
            Stage = stage;
            Status = status;
        }

        /// <summary>The stage.</summary>
        public CrmDecommissionStage Stage { get; }
        /// <summary>What happened.</summary>
        public CrmStageStatus Status { get; set; }
        /// <summary>The system (provider and location, no secrets).</summary>
        public string System { get; set; } = "";
        /// <summary>The exact actions taken (or, with -WhatIf, planned).</summary>
        public IList<string> Actions { get; } = new List<string>();
        /// <summary>Findings, limits and notes an auditor should read.</summary>
        public string Notes { get; set; } = "";
        /// <summary>Evidence: hashes, permissions before/after, file paths.</summary>
        public IDictionary<string, string> Evidence { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>When the stage finished (UTC).</summary>
        public DateTime? CompletedUtc { get; set; }
        /// <summary>Elapsed time in this run.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>The source's objects and what became of each (Archive, Verify and Purge fill it).</summary>
        public IList<CrmInventoryItem> Inventory { get; } = new List<CrmInventoryItem>();
    }
}
