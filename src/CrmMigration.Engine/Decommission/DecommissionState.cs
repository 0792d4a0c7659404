using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>One stage in the state file.</summary>
    public sealed class StageRecord
    {
        /// <summary>Started, Done or NotApplicable.</summary>
        public string Status { get; set; } = "Started";
        public int Attempts { get; set; }
        public DateTime? StartedUtc { get; set; }
        public DateTime? CompletedUtc { get; set; }
        public List<string> Actions { get; set; } = new();
        public SortedDictionary<string, string> Evidence { get; set; } = new(StringComparer.Ordinal);
        public string Notes { get; set; } = "";

        [JsonIgnore]
        public bool Finished => Status is "Done" or "NotApplicable";
    }

    /// <summary>An exclusion rule as recorded in the state file.</summary>
    public sealed class ExcludeRuleState
    {
        public string Pattern { get; set; } = "";
        public string Reason { get; set; } = "";
        public string Operator { get; set; } = "";
        public DateTime RecordedUtc { get; set; }
    }

    /// <summary>One object of the source in the state file's inventory.</summary>
    public sealed class InventoryEntry
    {
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
        public string Status { get; set; } = "";
        public long? Records { get; set; }
        public string? ContentHash { get; set; }
        public string Detail { get; set; } = "";
    }

    /// <summary>A value as stored in the state file: its type and invariant text, so it is restored with the same type.</summary>
    public sealed class StoredValue
    {
        /// <summary>n (null), s (text), l (integer), d (decimal), f (double), b (boolean), t (date and time), o (date, time and offset), x (bytes, base64).</summary>
        public string T { get; set; } = "n";
        public string? V { get; set; }
    }

    /// <summary>The rows one revoke rule changed, with their keys and previous values.</summary>
    public sealed class RevokedChange
    {
        /// <summary>What the rule revokes (users, schedulers, oauth tokens, ...).</summary>
        public string What { get; set; } = "";
        public string Table { get; set; } = "";
        public List<string> KeyColumns { get; set; } = new();
        public List<string> Columns { get; set; } = new();
        public List<RevokedRow> Rows { get; set; } = new();
        /// <summary>Statements that undo a change outside the tables (a database login disabled by Revoke).</summary>
        public List<string> UndoStatements { get; set; } = new();
    }

    /// <summary>One changed row: its key and the previous value of each changed column.</summary>
    public sealed class RevokedRow
    {
        public List<StoredValue> Key { get; set; } = new();
        public List<StoredValue> Before { get; set; } = new();
    }

    /// <summary>
    /// The decommission state file: which stages are finished, with their evidence. Written atomically
    /// (a temp file renamed over the old one) before and after every stage, so a killed run leaves either
    /// the old or the new state and a re-run continues where it stopped.
    /// </summary>
    public sealed class DecommissionState
    {
        public int Version { get; set; } = 1;
        public string System { get; set; } = "";
        public string Provider { get; set; } = "";
        public string ArchivePath { get; set; } = "";
        public string? ArchiveExternalIdentifier { get; set; }
        public string? ArchiveTagManifestSha512 { get; set; }
        public bool ArchiveVerified { get; set; }
        public DateTime? RetainUntil { get; set; }
        public bool LegalHold { get; set; }
        /// <summary>Archives replaced by a restarted Archive stage (kept, never deleted by CrmMigration).</summary>
        public List<string> PreviousArchives { get; set; } = new();
        /// <summary>Exclusion rules in force for the archive (who and why).</summary>
        public List<ExcludeRuleState> Exclusions { get; set; } = new();
        /// <summary>What the archive holds and what it left out: every object of the source (Archive), marked Destroyed by Purge.</summary>
        public List<InventoryEntry> Inventory { get; set; } = new();
        /// <summary>Freeze findings that block later stages until acknowledged with -Force.</summary>
        public List<string> Findings { get; set; } = new();
        /// <summary>Whether a run with -Force acknowledged the findings.</summary>
        public bool FindingsAcknowledged { get; set; }
        /// <summary>Every value Revoke changed, with its previous value, so -Undo can restore it exactly.</summary>
        public List<RevokedChange> Revoked { get; set; } = new();
        public Dictionary<string, StageRecord> Stages { get; set; } = new(StringComparer.Ordinal);

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        public static DecommissionState? Load(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                return JsonSerializer.Deserialize<DecommissionState>(File.ReadAllBytes(path), Json)
                    ?? throw new CrmException("StateFileInvalid", CrmErrorKind.InvalidData, $"The state file '{path}' is empty.");
            }
            catch (JsonException ex)
            {
                throw new CrmException("StateFileInvalid", CrmErrorKind.InvalidData, $"The state file '{path}' cannot be read: {ex.Message}. Restore it from a backup; do not delete it (it records what was already done).", ex);
            }
        }

        public void Save(string path)
        {
            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            if (dir is not null) Directory.CreateDirectory(dir);
            string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(f, this, Json);
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }

        public StageRecord? Get(CrmDecommissionStage stage) => Stages.TryGetValue(stage.ToString(), out var r) ? r : null;
    }
}
