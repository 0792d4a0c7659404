using System;
using System.IO;
using System.IO.Compression;
using System.Text.Json;

namespace CrmMigration.Engine.Formats
{
    /// <summary>How a path is recognised as a SaaS file set: by its contents, never by name alone.</summary>
    public static class FormatDetection
    {
        /// <summary>Whether a .json file is an `sf data tree` plan: a JSON array of objects with "sobject" and "files".</summary>
        public static bool IsTreePlan(string path)
        {
            if (!File.Exists(path)) return path.EndsWith("-plan.json", StringComparison.OrdinalIgnoreCase) || path.EndsWith("plan.json", StringComparison.OrdinalIgnoreCase);
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                if (doc.RootElement.ValueKind != JsonValueKind.Array) return false;
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("sobject", out _) || !e.TryGetProperty("files", out _)) return false;
                }
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>Whether a .zip is a Configuration Migration data file (holds data_schema.xml), or a new .zip to write one.</summary>
        public static bool IsCmtZip(string path)
        {
            if (!File.Exists(path)) return true;
            try
            {
                using var zip = ZipFile.OpenRead(path);
                return zip.GetEntry("data_schema.xml") is not null;
            }
            catch (InvalidDataException)
            {
                return false;
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>The kind of an existing folder: data_schema.xml → Dynamics; a crm-metadata.json of ours names its format; otherwise CSV.</summary>
        public static CrmProviderKind FolderKind(string folder)
        {
            if (File.Exists(Path.Combine(folder, "data_schema.xml"))) return CrmProviderKind.Dynamics;
            var sidecar = FormatSidecar.Load(Path.Combine(folder, "crm-metadata.json"));
            if (sidecar is not null && Enum.TryParse<CrmProviderKind>(sidecar.Format, true, out var kind) && kind is CrmProviderKind.Salesforce or CrmProviderKind.HubSpot) return kind;
            return CrmProviderKind.Csv;
        }
    }
}
