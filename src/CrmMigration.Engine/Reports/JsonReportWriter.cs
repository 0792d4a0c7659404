using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CrmMigration.Engine.Reports
{
    /// <summary>
    /// Writes the report for machines: the same content as the HTML and XLSX, as JSON that follows
    /// docs/report.schema.json (schemaVersion 1). Property names are camelCase, enums are strings, times are
    /// ISO 8601 UTC, counts are exact integers, absent values are null. Labels are not repeated here; the
    /// findings carry their text in the report's language next to a stable code.
    /// </summary>
    public static class JsonReportWriter
    {
        /// <summary>Writes the report to a stream as UTF-8 without a BOM.</summary>
        public static void Write(MigrationReport report, Stream stream)
        {
            var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            using var w = new Utf8JsonWriter(stream, options);
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", report.SchemaVersion);
            S(w, "kind", report.Kind);
            S(w, "title", report.Title);
            S(w, "generatedAt", Time(report.GeneratedAt));
            S(w, "culture", report.Culture);
            S(w, "verdict", report.Verdict.ToString());
            S(w, "operator", report.Operator);
            S(w, "host", report.Host);
            S(w, "moduleVersion", report.ModuleVersion);
            S(w, "source", report.Source);
            S(w, "target", report.Target);
            w.WriteNumber("exampleCap", report.ExampleCap);

            w.WriteStartArray("findings");
            foreach (var f in report.Findings)
            {
                w.WriteStartObject();
                S(w, "code", f.Code);
                S(w, "severity", f.Severity.ToString());
                S(w, "entity", f.Entity);
                S(w, "text", f.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            if (report.Run is ReportRun r)
            {
                w.WriteStartObject("run");
                S(w, "runId", r.RunId);
                S(w, "status", r.Status);
                S(w, "startedAt", Time(r.StartedAt));
                S(w, "finishedAt", r.FinishedAt is DateTimeOffset f ? Time(f) : null);
                w.WriteNumber("durationSeconds", Math.Round(r.Duration.TotalSeconds, 3));
                w.WriteNumber("attempts", r.Attempts);
                w.WriteNumber("read", r.Read);
                w.WriteNumber("recordsPerSecond", r.RecordsPerSecond);
                w.WriteBoolean("balanced", r.Balanced);
                S(w, "user", r.User);
                S(w, "host", r.Host);
                S(w, "source", r.Source);
                S(w, "target", r.Target);
                S(w, "mappingHash", r.MappingHash);
                S(w, "moduleVersion", r.ModuleVersion);
                S(w, "parameters", r.Parameters);
                S(w, "ledgerPath", r.LedgerPath);
                S(w, "rejectFolder", r.RejectFolder);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("run");
            }

            w.WriteStartArray("entities");
            foreach (var e in report.Entities)
            {
                w.WriteStartObject();
                S(w, "name", e.Name);
                w.WriteNumber("read", e.Read);
                w.WriteNumber("inserted", e.Inserted);
                w.WriteNumber("updated", e.Updated);
                w.WriteNumber("skipped", e.Skipped);
                w.WriteNumber("merged", e.Merged);
                w.WriteNumber("rejected", e.Rejected);
                w.WriteNumber("filtered", e.Filtered);
                w.WriteNumber("deleted", e.Deleted);
                w.WriteBoolean("balanced", e.Balanced);
                w.WriteStartArray("reasons");
                foreach (var reason in e.Reasons)
                {
                    w.WriteStartObject();
                    S(w, "outcome", reason.Outcome.ToString());
                    S(w, "code", reason.Code);
                    w.WriteNumber("count", reason.Count);
                    w.WriteStartArray("examples");
                    foreach (var x in reason.Examples)
                    {
                        w.WriteStartObject();
                        S(w, "key", x.Key);
                        S(w, "field", x.Field);
                        S(w, "value", x.Value);
                        S(w, "message", x.Message);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                Strings(w, "rejectFiles", e.RejectFiles);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteBoolean("validated", report.Validated);
            w.WriteStartArray("checks");
            foreach (var c in report.Checks)
            {
                w.WriteStartObject();
                S(w, "check", c.Check);
                S(w, "entity", c.Entity);
                S(w, "status", c.Status);
                if (c.Expected is long ex) w.WriteNumber("expected", ex); else w.WriteNull("expected");
                if (c.Actual is long ac) w.WriteNumber("actual", ac); else w.WriteNull("actual");
                S(w, "details", c.Details);
                if (c.SourceRows is long sr) w.WriteNumber("sourceRows", sr); else w.WriteNull("sourceRows");
                if (c.TargetRows is long tr) w.WriteNumber("targetRows", tr); else w.WriteNull("targetRows");
                Strings(w, "samples", c.Samples);
                w.WriteStartArray("differences");
                foreach (var diff in c.Differences)
                {
                    w.WriteStartObject();
                    S(w, "key", diff.Key);
                    S(w, "field", diff.Field);
                    S(w, "source", diff.Source);
                    S(w, "target", diff.Target);
                    S(w, "note", diff.Note);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("merges");
            w.WriteNumber("groups", report.Merges.Groups);
            w.WriteNumber("records", report.Merges.Records);
            w.WriteStartArray("shown");
            foreach (var g in report.Merges.Shown)
            {
                w.WriteStartObject();
                S(w, "entity", g.Entity);
                S(w, "survivor", g.Survivor);
                Strings(w, "members", g.Members);
                S(w, "rule", g.Rule);
                if (g.Score is double score) w.WriteNumber("score", score); else w.WriteNull("score");
                S(w, "details", g.Details);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();

            if (report.Mapping is ReportMapping m)
            {
                w.WriteStartObject("mapping");
                S(w, "hash", m.Hash);
                S(w, "path", m.Path);
                w.WriteStartArray("entities");
                foreach (var e in m.Entities)
                {
                    w.WriteStartObject();
                    S(w, "source", e.Source);
                    S(w, "target", e.Target);
                    S(w, "key", e.Key);
                    S(w, "filters", e.Filters);
                    w.WriteStartArray("fields");
                    foreach (var f in e.Fields)
                    {
                        w.WriteStartObject();
                        S(w, "target", f.Target);
                        S(w, "source", f.Source);
                        S(w, "type", f.Type);
                        S(w, "rules", f.Rules);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("mapping");
            }

            if (report.Decommission is ReportDecommission d)
            {
                w.WriteStartObject("decommission");
                S(w, "system", d.System);
                S(w, "provider", d.Provider);
                S(w, "statePath", d.StatePath);
                S(w, "archivePath", d.ArchivePath);
                S(w, "archiveId", d.ArchiveId);
                S(w, "tagManifestSha512", d.TagManifestSha512);
                w.WriteBoolean("archiveVerified", d.ArchiveVerified);
                S(w, "retainUntil", d.RetainUntil?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.WriteBoolean("legalHold", d.LegalHold);
                w.WriteBoolean("findingsAcknowledged", d.FindingsAcknowledged);
                Strings(w, "findings", d.Findings);
                Strings(w, "exclusions", d.Exclusions);
                w.WriteStartArray("stages");
                foreach (var s in d.Stages)
                {
                    w.WriteStartObject();
                    S(w, "stage", s.Stage);
                    S(w, "status", s.Status);
                    w.WriteNumber("attempts", s.Attempts);
                    S(w, "startedAt", s.StartedUtc is DateTime a ? Time(a) : null);
                    S(w, "completedAt", s.CompletedUtc is DateTime b ? Time(b) : null);
                    S(w, "notes", s.Notes);
                    Strings(w, "actions", s.Actions);
                    w.WriteStartObject("evidence");
                    foreach (var kv in s.Evidence) S(w, kv.Key, kv.Value);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("inventory");
                foreach (var i in d.Inventory)
                {
                    w.WriteStartObject();
                    S(w, "kind", i.Kind);
                    S(w, "name", i.Name);
                    S(w, "status", i.Status);
                    if (i.Records is long n) w.WriteNumber("records", n); else w.WriteNull("records");
                    S(w, "contentHash", i.ContentHash);
                    S(w, "detail", i.Detail);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("decommission");
            }

            if (report.AuditLog is ReportAuditLog log)
            {
                w.WriteStartObject("auditLog");
                S(w, "path", log.Path);
                w.WriteBoolean("valid", log.Valid);
                w.WriteNumber("lines", log.Lines);
                S(w, "headHash", log.HeadHash);
                S(w, "details", log.Details);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("auditLog");
            }
            w.WriteEndObject();
            w.Flush();
        }

        private static void S(Utf8JsonWriter w, string name, string? value)
        {
            if (value is null) w.WriteNull(ReportValues.Clean(name));
            else w.WriteString(ReportValues.Clean(name), ReportValues.Clean(value));
        }

        private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
        {
            w.WriteStartArray(name);
            foreach (var v in values) w.WriteStringValue(ReportValues.Clean(v));
            w.WriteEndArray();
        }

        private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
