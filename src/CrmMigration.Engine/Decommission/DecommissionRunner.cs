using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>Parameters of a decommission run (no secrets).</summary>
    public sealed class DecommissionOptions
    {
        public string ArchivePath { get; set; } = "";
        public string StatePath { get; set; } = "";
        public string AuditLogPath { get; set; } = "";
        /// <summary>Set or change the retention date (null: leave as recorded).</summary>
        public DateTime? RetainUntil { get; set; }
        /// <summary>Set (true) or release (false) a legal hold (null: leave as recorded).</summary>
        public bool? LegalHold { get; set; }
        public string? SourceOrganization { get; set; }
        /// <summary>Allows a later run to move a recorded retention date earlier (-Force).</summary>
        public bool AllowShorterRetention { get; set; }
        /// <summary>Database servers: the roles (PostgreSQL) or accounts (MySQL) the CRM connects as; empty: discovered.</summary>
        public IReadOnlyList<string> ApplicationRoles { get; set; } = Array.Empty<string>();
        /// <summary>Database servers: Purge drops the whole database instead of its tables.</summary>
        public bool DropDatabase { get; set; }
        /// <summary>The parameters as given, for the audit log (names and non-secret values only).</summary>
        public Dictionary<string, string?> AuditParameters { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Runs the stages Freeze → Archive → Verify → Revoke → Retain → Purge against one system, recording each
    /// in the state file and the audit log. A stage is marked Started (and saved) before it acts and Done
    /// after; a re-run skips Done stages and redoes a Started one from the beginning (each stage's work is
    /// idempotent, and the archive is rebuilt from scratch in a temporary folder), so nothing is doubled.
    /// </summary>
    public sealed class DecommissionRunner
    {
        private readonly CrmConnection _connection;
        private readonly DecommissionOptions _options;
        private readonly ISystemAccessStrategy _strategy;
        private DecommissionState _state;

        public DecommissionRunner(CrmConnection connection, DecommissionOptions options)
        {
            _connection = connection;
            _options = options;
            _strategy = AccessStrategies.For(connection);
            if (_strategy is DbAccessStrategy) _strategy = new DbAccessStrategy(options.ApplicationRoles, options.DropDatabase);
            _options.ArchivePath = Path.GetFullPath(options.ArchivePath);
            _options.StatePath = Path.GetFullPath(options.StatePath);
            _options.AuditLogPath = Path.GetFullPath(options.AuditLogPath);
            var loaded = DecommissionState.Load(_options.StatePath);
            if (loaded is not null)
            {
                if (!string.Equals(loaded.System, connection.DisplayName, StringComparison.Ordinal) || !string.Equals(loaded.ArchivePath, _options.ArchivePath, StringComparison.Ordinal))
                {
                    throw new CrmException("StateSystemMismatch", CrmErrorKind.InvalidArgument,
                        $"The state file '{_options.StatePath}' belongs to '{loaded.System}' archived to '{loaded.ArchivePath}', not to '{connection.DisplayName}' archived to '{_options.ArchivePath}'. Use the state file of this system, or a new one.");
                }
                _state = loaded;
            }
            else
            {
                _state = new DecommissionState { System = connection.DisplayName, Provider = connection.Provider.ToString(), ArchivePath = _options.ArchivePath };
            }
        }

        public DecommissionState State => _state;
        public string StrategyName => _strategy.Name;

        /// <summary>The exact actions a stage would take now (for -WhatIf and the confirmation prompt).</summary>
        public IReadOnlyList<string> Plan(CrmDecommissionStage stage)
        {
            var rec = _state.Get(stage);
            if (rec is not null && rec.Finished && stage != CrmDecommissionStage.Retain) return new[] { $"nothing: {stage} finished on {Stamp(rec.CompletedUtc)} (state file '{_options.StatePath}')" };
            var list = new List<string>();
            switch (stage)
            {
                case CrmDecommissionStage.Freeze: list.AddRange(_strategy.Freeze(_connection, plan: true).Actions); break;
                case CrmDecommissionStage.Archive:
                    list.Add($"read every entity of {_connection.DisplayName} and write a BagIt 1.0 bag to '{_options.ArchivePath}' (built in a hidden .partial folder, renamed into place when complete)");
                    list.Add("record the bag's External-Identifier and the SHA-512 of its tagmanifest-sha512.txt in the state file");
                    break;
                case CrmDecommissionStage.Verify:
                    list.Add($"check '{_options.ArchivePath}' against RFC 8493 (every manifest entry present and matching, Payload-Oxum, tag manifest)");
                    list.Add("re-count records and recompute content hashes from the archive's CSV files, restore them into a scratch SQLite database and compare again");
                    list.Add($"recompute counts and content hashes from the frozen source {_connection.DisplayName} and compare them with the archive");
                    break;
                case CrmDecommissionStage.Revoke: list.AddRange(_strategy.Revoke(_connection, plan: true).Actions); break;
                case CrmDecommissionStage.Retain:
                    var until = _options.RetainUntil ?? _state.RetainUntil;
                    bool hold = _options.LegalHold ?? _state.LegalHold;
                    list.Add($"record retention until {(until is null ? "(no date: no retention period)" : until.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))} and legal hold {(hold ? "ON" : "off")}");
                    break;
                case CrmDecommissionStage.Purge:
                    list.Add($"re-check the archive '{_options.ArchivePath}' and that its tagmanifest-sha512.txt still hashes to the value recorded at Verify");
                    list.AddRange(_strategy.Purge(_connection, plan: true).Actions);
                    list.Add("write a certificate of sanitisation (JSON and HTML) next to the state file");
                    break;
            }
            return list;
        }

        /// <summary>Why Purge may not run now, or null when it may.</summary>
        public string? PurgeRefusal()
        {
            var reasons = new List<string>();
            if (_state.Get(CrmDecommissionStage.Verify) is not { Status: "Done" } || !_state.ArchiveVerified) reasons.Add("the archive has not been verified (run the Verify stage)");
            if (_state.Get(CrmDecommissionStage.Retain) is not { Status: "Done" }) reasons.Add("the retention stage has not been recorded (run the Retain stage)");
            if (_state.LegalHold) reasons.Add("a legal hold is recorded (release it with -LegalHold:$false)");
            if (_state.RetainUntil is DateTime until && until.Date >= DateTime.UtcNow.Date) reasons.Add($"the retention period runs until {until:yyyy-MM-dd}");
            return reasons.Count == 0 ? null : string.Join("; ", reasons);
        }

        /// <summary>Whether a stage finished in an earlier run.</summary>
        public bool IsFinished(CrmDecommissionStage stage) => _state.Get(stage)?.Finished == true;

        public CrmDecommissionReport AlreadyDone(CrmDecommissionStage stage)
        {
            var rec = _state.Get(stage)!;
            var report = new CrmDecommissionReport(stage, CrmStageStatus.AlreadyDone) { System = _connection.DisplayName, CompletedUtc = rec.CompletedUtc, Notes = rec.Notes };
            foreach (var a in rec.Actions) report.Actions.Add(a);
            foreach (var kv in rec.Evidence) report.Evidence[kv.Key] = kv.Value;
            return report;
        }

        public CrmDecommissionReport Described(CrmDecommissionStage stage, CrmStageStatus status, string notes)
        {
            var report = new CrmDecommissionReport(stage, status) { System = _connection.DisplayName, Notes = notes };
            foreach (var a in Plan(stage)) report.Actions.Add(a);
            return report;
        }

        /// <summary>Runs one stage (its predecessors must be finished). Throws CrmException when it fails; the stage stays Started.</summary>
        public CrmDecommissionReport Run(CrmDecommissionStage stage, Action<string, long>? progress, CancellationToken ct)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (stage == CrmDecommissionStage.Purge && PurgeRefusal() is string why)
            {
                Audit(stage, "Refused", new Dictionary<string, string> { ["reason"] = why });
                throw new CrmException("PurgeRefused", CrmErrorKind.InvalidArgument, "Purge refused: " + why + ". Nothing was deleted.");
            }
            for (var s = CrmDecommissionStage.Freeze; s < stage; s++)
            {
                if (s == CrmDecommissionStage.Purge) break;
                if (!IsFinished(s)) throw new CrmException("StageOutOfOrder", CrmErrorKind.InvalidArgument, $"{stage} cannot run before {s} has finished.");
            }
            var rec = _state.Get(stage) ?? new StageRecord();
            rec.Status = "Started";
            rec.Attempts++;
            rec.StartedUtc = DateTime.UtcNow;
            rec.Actions.Clear();
            rec.Evidence.Clear();
            _state.Stages[stage.ToString()] = rec;
            _state.Save(_options.StatePath);
            Audit(stage, "Started", null);
            StageOutcome outcome;
            try
            {
                outcome = stage switch
                {
                    CrmDecommissionStage.Freeze => _strategy.Freeze(_connection, plan: false),
                    CrmDecommissionStage.Archive => DoArchive(rec, progress, ct),
                    CrmDecommissionStage.Verify => DoVerify(ct),
                    CrmDecommissionStage.Revoke => _strategy.Revoke(_connection, plan: false),
                    CrmDecommissionStage.Retain => DoRetain(),
                    _ => DoPurge(),
                };
            }
            catch (Exception ex) when (ex is CrmException or IOException or UnauthorizedAccessException)
            {
                Audit(stage, "Failed", new Dictionary<string, string> { ["error"] = ex.Message });
                throw;
            }
            rec.Status = outcome.NotApplicable ? "NotApplicable" : "Done";
            rec.CompletedUtc = DateTime.UtcNow;
            rec.Actions.AddRange(outcome.Actions);
            foreach (var kv in outcome.Evidence) rec.Evidence[kv.Key] = kv.Value;
            rec.Notes = outcome.Notes;
            _state.Save(_options.StatePath);
            Audit(stage, rec.Status, rec.Evidence);
            var report = new CrmDecommissionReport(stage, outcome.NotApplicable ? CrmStageStatus.NotApplicable : CrmStageStatus.Done)
            {
                System = _connection.DisplayName,
                CompletedUtc = rec.CompletedUtc,
                Notes = rec.Notes,
                Elapsed = clock.Elapsed,
            };
            foreach (var a in rec.Actions) report.Actions.Add(a);
            foreach (var kv in rec.Evidence) report.Evidence[kv.Key] = kv.Value;
            return report;
        }

        /// <summary>Updates retention and legal hold after Retain finished (a hold can be set or released later).</summary>
        public CrmDecommissionReport? UpdateRetention()
        {
            if (_options.RetainUntil is null && _options.LegalHold is null) return null;
            bool changed = (_options.RetainUntil is DateTime d && d.Date != _state.RetainUntil?.Date) || (_options.LegalHold is bool h && h != _state.LegalHold);
            if (!changed) return null;
            if (_options.RetainUntil is DateTime shorter && _state.RetainUntil is DateTime recorded && shorter.Date < recorded.Date && !_options.AllowShorterRetention)
            {
                throw new CrmException("RetentionShortened", CrmErrorKind.InvalidArgument,
                    $"The recorded retention runs until {recorded:yyyy-MM-dd}; -RetainUntil {shorter:yyyy-MM-dd} would shorten it. Pass -Force to shorten a retention period on purpose (it is recorded in the audit log).");
            }
            var outcome = DoRetain();
            var rec = _state.Get(CrmDecommissionStage.Retain)!;
            rec.Actions.AddRange(outcome.Actions);
            foreach (var kv in outcome.Evidence) rec.Evidence[kv.Key] = kv.Value;
            _state.Save(_options.StatePath);
            Audit(CrmDecommissionStage.Retain, "Updated", outcome.Evidence);
            var report = new CrmDecommissionReport(CrmDecommissionStage.Retain, CrmStageStatus.Done) { System = _connection.DisplayName, CompletedUtc = DateTime.UtcNow, Notes = outcome.Notes };
            foreach (var a in outcome.Actions) report.Actions.Add(a);
            foreach (var kv in outcome.Evidence) report.Evidence[kv.Key] = kv.Value;
            return report;
        }

        private StageOutcome DoArchive(StageRecord rec, Action<string, long>? progress, CancellationToken ct)
        {
            var o = new StageOutcome();
            ArchiveWriter.CleanPartials(_options.ArchivePath);
            if (Directory.Exists(_options.ArchivePath))
            {
                if (rec.Attempts <= 1)
                {
                    throw new CrmException("ArchiveExists", CrmErrorKind.InvalidArgument, $"'{_options.ArchivePath}' exists but this state file never started an archive there. Choose a new -ArchivePath; an existing folder is never overwritten.");
                }
                // Our own earlier attempt renamed the bag into place but was killed before recording it: rebuild it.
                Directory.Delete(_options.ArchivePath, recursive: true);
                o.Actions.Add($"removed the bag left by an interrupted attempt at '{_options.ArchivePath}' (never recorded as complete)");
            }
            using var provider = ProviderFactory.Open(_connection);
            var info = ArchiveWriter.Write(provider, new ArchiveOptions
            {
                Destination = _options.ArchivePath,
                SourceOrganization = _options.SourceOrganization,
                Description = "Final archive of " + _connection.DisplayName + " before decommissioning",
                OnProgress = progress,
            }, ct);
            o.Actions.Add($"wrote the bag '{info.Path}': {info.Entities.Count} entities, {info.TotalRecords} records, Payload-Oxum {info.PayloadOctets}.{info.PayloadFiles}");
            o.Evidence["archive.externalIdentifier"] = info.ExternalIdentifier;
            o.Evidence["archive.tagmanifest-sha512"] = info.TagManifestSha512;
            o.Evidence["archive.records"] = info.TotalRecords.ToString(CultureInfo.InvariantCulture);
            foreach (var e in info.Entities) o.Evidence["entity " + e.Entity] = e.Records.ToString(CultureInfo.InvariantCulture) + " records, content hash " + e.ContentHash;
            _state.ArchiveExternalIdentifier = info.ExternalIdentifier;
            _state.ArchiveTagManifestSha512 = info.TagManifestSha512;
            _state.ArchiveVerified = false;
            return o;
        }

        private StageOutcome DoVerify(CancellationToken ct)
        {
            var o = new StageOutcome();
            var v = ArchiveValidator.Verify(_options.ArchivePath, restore: true, ct);
            int fails = 0;
            foreach (var c in v.Checks) if (c.Status == CrmArchiveCheckStatus.Fail) { fails++; o.Actions.Add("FAIL " + c.Check + " " + c.Subject + ": " + c.Details); }
            if (!v.Valid || v.Manifest.Count == 0)
            {
                throw new CrmException("ArchiveVerificationFailed", CrmErrorKind.InvalidData, $"The archive '{_options.ArchivePath}' failed {fails} check(s); run Test-CrmArchive -Restore for details. " + string.Join(" | ", o.Actions));
            }
            if (!string.Equals(v.TagManifestSha512, _state.ArchiveTagManifestSha512, StringComparison.Ordinal))
            {
                throw new CrmException("ArchiveReplaced", CrmErrorKind.InvalidData, $"The archive's tagmanifest-sha512.txt hashes to {v.TagManifestSha512}, not to {_state.ArchiveTagManifestSha512} recorded when it was written: it was replaced or edited.");
            }
            o.Actions.Add($"checked the archive: {v.Checks.Count} checks, none failed (BagIt, counts, content hashes, restore into scratch SQLite)");
            using var live = ProviderFactory.Open(_connection);
            var mismatches = new List<string>();
            foreach (var kv in v.Manifest)
            {
                var (count, hash, errors) = ArchiveValidator.HashEntity(live, kv.Key, ct);
                bool same = count == kv.Value.Records && hash == kv.Value.Hash && errors == 0;
                o.Evidence["live " + kv.Key] = $"{count} records, content hash {hash}" + (same ? " = archive" : $" ≠ archive ({kv.Value.Records} records, {kv.Value.Hash})");
                if (!same) mismatches.Add(kv.Key);
            }
            if (mismatches.Count > 0)
            {
                throw new CrmException("ArchiveSourceMismatch", CrmErrorKind.InvalidData, "The frozen source differs from the archive for: " + string.Join(", ", mismatches) + ". It changed after Freeze, or the archive is incomplete; do not purge.");
            }
            o.Actions.Add($"compared {v.Manifest.Count} entities of the frozen source with the archive: counts and content hashes equal");
            o.Evidence["archive.tagmanifest-sha512"] = v.TagManifestSha512 ?? "";
            _state.ArchiveVerified = true;
            return o;
        }

        private StageOutcome DoRetain()
        {
            var o = new StageOutcome();
            if (_options.RetainUntil is DateTime d) _state.RetainUntil = d.Date;
            if (_options.LegalHold is bool h) _state.LegalHold = h;
            o.Actions.Add($"recorded retention until {(_state.RetainUntil is null ? "(none)" : _state.RetainUntil.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}, legal hold {(_state.LegalHold ? "ON" : "off")}");
            o.Evidence["retainUntil"] = _state.RetainUntil?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
            o.Evidence["legalHold"] = _state.LegalHold ? "true" : "false";
            o.Notes = "Purge is refused until the retention date has passed and while a legal hold is recorded.";
            return o;
        }

        private StageOutcome DoPurge()
        {
            var v = ArchiveValidator.Verify(_options.ArchivePath, restore: false, CancellationToken.None);
            if (!v.Valid || !string.Equals(v.TagManifestSha512, _state.ArchiveTagManifestSha512, StringComparison.Ordinal))
            {
                throw new CrmException("PurgeRefused", CrmErrorKind.InvalidData, $"Purge refused: the archive '{_options.ArchivePath}' no longer passes its checks or is not the one verified. Nothing was deleted.");
            }
            var o = _strategy.Purge(_connection, plan: false);
            o.Actions.Insert(0, "re-checked the archive: valid, and tagmanifest-sha512.txt unchanged since Verify");
            var (json, html) = WriteCertificate(o);
            o.Evidence["certificate.json"] = json;
            o.Evidence["certificate.html"] = html;
            o.Actions.Add($"wrote the certificate of sanitisation '{json}' and '{html}'");
            o.Notes = o.MethodDetail is not null ? "Method: Clear. " + o.MethodDetail + " Sanitise or destroy the media separately when it leaves your control." : "Method: Clear, by logical deletion (file-system unlink). Not NIST SP 800-88 Purge or Destroy: the blocks are not overwritten, and copies in snapshots, backups, SSD spare areas or copy-on-write file systems may remain. Sanitise or destroy the media separately when it leaves your control.";
            return o;
        }

        private (string Json, string Html) WriteCertificate(StageOutcome purge)
        {
            string stem = Path.Combine(Path.GetDirectoryName(_options.StatePath)!, Path.GetFileNameWithoutExtension(_options.StatePath) + ".sanitization");
            var fields = new List<(string Name, string Value)>
            {
                ("Certificate", "Certificate of Sanitization (fields after NIST SP 800-88 Rev. 1, Appendix G)"),
                ("Certificate ID", "urn:uuid:" + Guid.NewGuid().ToString("D")),
                ("System", _connection.DisplayName),
                ("Media type", _strategy.MediaType),
                ("Sanitization method", "Clear"),
                ("Method detail", purge.MethodDetail ?? "Logical deletion of the files through the file system (unlink). Not Purge or Destroy: no overwrite, no cryptographic erase; the storage media itself was not sanitised."),
                ("Tool", "CrmMigration " + ArchiveWriter.ToolVersion + " (Disable-CrmSystem -Purge)"),
                ("Verification", purge.Evidence.TryGetValue("verification", out var ver) ? ver : ""),
                ("Post-sanitization destination", "The media remains in service."),
                ("Operator", Environment.UserName),
                ("Host", Environment.MachineName),
                ("Date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                ("Archive", _options.ArchivePath),
                ("Archive identifier", _state.ArchiveExternalIdentifier ?? ""),
                ("Archive tagmanifest-sha512.txt SHA-512", _state.ArchiveTagManifestSha512 ?? ""),
            };
            foreach (var kv in purge.Evidence) if (kv.Key.StartsWith("deleted ", StringComparison.Ordinal)) fields.Add(("Deleted: " + kv.Key.Substring(8), kv.Value));
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartObject();
                    foreach (var (n, v) in fields) w.WriteString(n, v);
                    w.WriteEndObject();
                }
                File.WriteAllBytes(stem + ".json", ms.ToArray());
            }
            var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Certificate of Sanitization</title></head><body>\n<h1>Certificate of Sanitization</h1>\n<table border=\"1\" cellpadding=\"4\">\n");
            foreach (var (n, v) in fields) html.Append("<tr><th align=\"left\">").Append(WebUtility.HtmlEncode(n)).Append("</th><td>").Append(WebUtility.HtmlEncode(v)).Append("</td></tr>\n");
            html.Append("</table>\n<p>Signature: ______________________ &nbsp; Date: ____________</p>\n</body></html>\n");
            File.WriteAllText(stem + ".html", html.ToString(), new UTF8Encoding(false));
            return (stem + ".json", stem + ".html");
        }

        private void Audit(CrmDecommissionStage stage, string result, IReadOnlyDictionary<string, string>? evidence)
        {
            AuditLog.Append(_options.AuditLogPath, "Decommission." + stage, _connection.DisplayName, _options.AuditParameters, result, evidence);
        }

        private static string Stamp(DateTime? t) => t?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "?";

        /// <summary>Writes the run's HTML and JSON reports next to the state file; returns their paths.</summary>
        public (string Json, string Html) WriteReports(IReadOnlyList<CrmDecommissionReport> reports)
        {
            string stem = Path.Combine(Path.GetDirectoryName(_options.StatePath)!, Path.GetFileNameWithoutExtension(_options.StatePath) + ".report");
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartObject();
                    w.WriteString("system", _connection.DisplayName);
                    w.WriteString("archive", _options.ArchivePath);
                    w.WriteString("generatedUtc", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    w.WriteString("operator", Environment.UserName);
                    w.WriteString("host", Environment.MachineName);
                    w.WriteString("tool", "CrmMigration " + ArchiveWriter.ToolVersion);
                    w.WriteString("auditLog", _options.AuditLogPath);
                    w.WriteStartArray("stages");
                    foreach (var r in reports)
                    {
                        w.WriteStartObject();
                        w.WriteString("stage", r.Stage.ToString());
                        w.WriteString("status", r.Status.ToString());
                        w.WriteString("completedUtc", r.CompletedUtc?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                        w.WriteStartArray("actions");
                        foreach (var a in r.Actions) w.WriteStringValue(a);
                        w.WriteEndArray();
                        w.WriteStartObject("evidence");
                        foreach (var kv in r.Evidence) w.WriteString(kv.Key, kv.Value);
                        w.WriteEndObject();
                        w.WriteString("notes", r.Notes);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                File.WriteAllBytes(stem + ".json", ms.ToArray());
            }
            static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
            var h = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Decommission report</title></head><body>\n");
            h.Append("<h1>Decommission report: ").Append(E(_connection.DisplayName)).Append("</h1>\n<p>Archive: ").Append(E(_options.ArchivePath))
             .Append("<br>Audit log: ").Append(E(_options.AuditLogPath)).Append("<br>Operator: ").Append(E(Environment.UserName)).Append(" on ").Append(E(Environment.MachineName))
             .Append("<br>Generated (UTC): ").Append(E(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))).Append("</p>\n");
            foreach (var r in reports)
            {
                h.Append("<h2>").Append(E(r.Stage.ToString())).Append(": ").Append(E(r.Status.ToString())).Append("</h2>\n<ul>\n");
                foreach (var a in r.Actions) h.Append("<li>").Append(E(a)).Append("</li>\n");
                h.Append("</ul>\n");
                if (r.Evidence.Count > 0)
                {
                    h.Append("<table border=\"1\" cellpadding=\"3\">\n");
                    foreach (var kv in r.Evidence) h.Append("<tr><th align=\"left\">").Append(E(kv.Key)).Append("</th><td>").Append(E(kv.Value)).Append("</td></tr>\n");
                    h.Append("</table>\n");
                }
                if (r.Notes.Length > 0) h.Append("<p>").Append(E(r.Notes)).Append("</p>\n");
            }
            h.Append("</body></html>\n");
            File.WriteAllText(stem + ".html", h.ToString(), new UTF8Encoding(false));
            return (stem + ".json", stem + ".html");
        }
    }
}
