using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

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
