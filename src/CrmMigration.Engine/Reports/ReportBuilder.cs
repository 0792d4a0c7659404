using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Decommission;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Reports
{
    /// <summary>What a report is built from. Everything is optional; what is given decides the sections.</summary>
    public sealed class ReportRequest
    {
        /// <summary>The migration ledger holding the run.</summary>
        public MigrationLedger? Ledger { get; set; }
        /// <summary>The run to report on; null takes the newest run (of <see cref="RunTarget"/> when given).</summary>
        public string? RunId { get; set; }
        /// <summary>With no run id: the newest run of this target (its display name).</summary>
        public string? RunTarget { get; set; }
        /// <summary>True when a ledger without a matching run is an error (Export-CrmReport), false when the run is a bonus (Test-CrmMigration).</summary>
        public bool RequireRun { get; set; }
        /// <summary>Books without a ledger (an import run with -NoLedger): counts and reject reasons, no examples.</summary>
        public IReadOnlyList<CrmImportSummary>? Summaries { get; set; }
        /// <summary>Test-CrmMigration's results; null when validation was not part of this report.</summary>
        public IReadOnlyList<CrmValidationResult>? Checks { get; set; }
        /// <summary>Merge groups given explicitly (else the ledger's Merged outcomes are grouped by survivor).</summary>
        public IReadOnlyList<ReportMergeGroup>? MergeGroups { get; set; }
        /// <summary>The mapping the records went through.</summary>
        public MappingDefinition? Mapping { get; set; }
        /// <summary>The reject folder of the run.</summary>
        public string? RejectFolder { get; set; }
        /// <summary>A Disable-CrmSystem state file: makes a decommission report.</summary>
        public string? DecommissionStatePath { get; set; }
        /// <summary>The hash-chained audit log (default for a decommission: the state file's .audit.jsonl).</summary>
        public string? AuditLogPath { get; set; }
        /// <summary>The source's display name (when no run records it).</summary>
        public string? Source { get; set; }
        /// <summary>The target's display name (when no run records it).</summary>
        public string? Target { get; set; }
        /// <summary>The module version writing the report.</summary>
        public string ModuleVersion { get; set; } = "";
        /// <summary>The language of labels and verdicts (any Chinese culture gives zh-CN, anything else English).</summary>
        public CultureInfo? Culture { get; set; }
        /// <summary>The most example records shown per reason (and samples per check).</summary>
        public int MaxExamples { get; set; } = 5;
        /// <summary>The most merge groups listed (counts stay exact).</summary>
        public int MaxMergeGroups { get; set; } = 100;
        /// <summary>Stops a long read of the ledger.</summary>
        public CancellationToken CancellationToken { get; set; }
    }

    /// <summary>
    /// Builds the one report model from a ledger run (books, per-record outcomes and reasons with capped
    /// examples, merges), Test-CrmMigration results, a mapping and a decommission state file, and judges it:
    /// Failed when anything failed, PassedWithWarnings when every difference is explained, Passed otherwise.
    /// Export-CrmReport and every cmdlet's -ReportPath call this, then <see cref="ReportWriter"/>.
    /// </summary>
    public static class ReportBuilder
    {
        /// <summary>Builds and judges the report.</summary>
        public static MigrationReport Build(ReportRequest request)
        {
            var text = ReportText.For(request.Culture ?? CultureInfo.CurrentUICulture);
            var report = new MigrationReport
            {
                Culture = text.Name,
                Operator = Environment.UserName,
                Host = Environment.MachineName,
                ModuleVersion = request.ModuleVersion,
                Source = request.Source ?? "",
                Target = request.Target ?? "",
                ExampleCap = Math.Max(0, request.MaxExamples),
                Validated = request.Checks is not null,
            };
            var findings = new List<ReportFinding>();

            if (request.Ledger is not null) FromLedger(request, report, text, findings);
            else if (request.Summaries is not null) FromSummaries(request, report);
            if (request.Checks is not null) AddChecks(request.Checks, report);
            if (request.MergeGroups is not null) SetMerges(request.MergeGroups, report, request.MaxMergeGroups);
            if (request.Mapping is not null) report.Mapping = MapMapping(request.Mapping);
            else if (report.Run?.MappingHash is string hash) report.Mapping = new ReportMapping { Hash = hash };
            if (request.DecommissionStatePath is not null) FromDecommission(request, report, text, findings);
            else if (request.AuditLogPath is not null) report.AuditLog = ReadAuditLog(request.AuditLogPath, text, findings, required: true);

            report.Kind = report.Decommission is not null ? "Decommission" : report.Run is null && request.Summaries is null && report.Validated ? "Validation" : "Migration";
            report.Title = text["Title." + report.Kind];
            Judge(request, report, text, findings);
            return report;
        }

        private static void FromLedger(ReportRequest request, MigrationReport report, ReportText text, List<ReportFinding> findings)
        {
            var ledger = request.Ledger!;
            string? runId = request.RunId ?? ledger.LatestRunId(request.RunTarget);
            if (runId is null)
            {
                if (request.RequireRun)
                {
                    throw new CrmException(new CrmDataError("RunNotFound", CrmErrorKind.NotFound,
                        request.RunTarget is null ? $"The ledger {ledger.Path} has no run." : $"The ledger {ledger.Path} has no run for {request.RunTarget}.") { File = ledger.Path });
                }
                return;
            }
            var runs = ledger.Runs(runId, verify: false);
            if (runs.Count == 0) throw new CrmException(new CrmDataError("RunNotFound", CrmErrorKind.NotFound, $"The ledger {ledger.Path} has no run '{runId}'.") { File = ledger.Path });
            var run = runs[0];
            DateTimeOffset end = run.FinishedAt ?? DateTimeOffset.UtcNow;
            var r = new ReportRun
            {
                RunId = run.RunId,
                Status = run.Status,
                StartedAt = run.StartedAt,
                FinishedAt = run.FinishedAt,
                Duration = end > run.StartedAt ? end - run.StartedAt : TimeSpan.Zero,
                Attempts = run.Attempts,
                User = run.User,
                Host = run.Host,
                Source = run.Source,
                Target = run.Target,
                MappingHash = run.MappingHash,
                ModuleVersion = run.ModuleVersion,
                Parameters = WithoutSecrets(run.Parameters),
                LedgerPath = ledger.Path,
                RejectFolder = RunFolder(request.RejectFolder ?? RejectFolderOf(run.Parameters), run.RunId),
            };
            report.Run = r;
            if (report.Source.Length == 0) report.Source = run.Source;
            if (report.Target.Length == 0) report.Target = run.Target;
            // Who ran it, where, with which version: the run's, not the report's.
            if (run.User.Length > 0) report.Operator = run.User;
            if (run.Host.Length > 0) report.Host = run.Host;
            if (run.ModuleVersion.Length > 0) report.ModuleVersion = run.ModuleVersion;

            var byName = new Dictionary<string, ReportEntity>(StringComparer.OrdinalIgnoreCase);
            foreach (var s in run.Entities)
            {
                var e = new ReportEntity(s.Entity)
                {
                    Read = s.Read, Inserted = s.Inserted, Updated = s.Updated, Skipped = s.Skipped,
                    Merged = s.Merged, Rejected = s.Rejected, Filtered = s.Filtered, Deleted = s.Deleted,
                };
                byName[s.Entity] = e;
                report.Entities.Add(e);
                r.Read += s.Read;
            }
            r.RecordsPerSecond = r.Duration.TotalSeconds > 0 ? Math.Round(r.Read / r.Duration.TotalSeconds, 1) : r.Read;

            // One pass over the run's recorded outcomes: exact counts per outcome (to check the counters), per reason,
            // the first examples of each reason, the merge groups, and the source entities behind each entity's rejects.
            var counted = new Dictionary<string, long[]>(StringComparer.OrdinalIgnoreCase);
            var reasons = new Dictionary<(string, CrmOutcome, string), ReportReason>();
            var sources = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            var groups = new HashSet<(string, string)>();
            var shown = new Dictionary<(string, string), ReportMergeGroup>();
            long merged = 0;
            int cap = report.ExampleCap;
            long n = 0;
            foreach (var (entity, d) in ledger.RunEntries(runId))
            {
                if ((++n & 0xFFFF) == 0) request.CancellationToken.ThrowIfCancellationRequested();
                if (!counted.TryGetValue(entity, out var c)) counted[entity] = c = new long[(int)CrmOutcome.Deleted + 1];
                c[(int)d.Outcome]++;
                switch (d.Outcome)
                {
                    case CrmOutcome.Rejected:
                    case CrmOutcome.Filtered:
                        string code = d.ReasonCode ?? "(none)";
                        var k = (entity, d.Outcome, code);
                        if (!reasons.TryGetValue(k, out var reason))
                        {
                            reasons[k] = reason = new ReportReason(d.Outcome, code);
                            if (!byName.TryGetValue(entity, out var owner)) byName[entity] = owner = AddEntity(report, entity);
                            owner.Reasons.Add(reason);
                        }
                        reason.Count++;
                        if (reason.Examples.Count < cap) reason.Examples.Add(Example(d));
                        if (d.Outcome == CrmOutcome.Rejected)
                        {
                            if (!sources.TryGetValue(entity, out var set)) sources[entity] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                            set.Add(d.SourceEntity);
                        }
                        break;
                    case CrmOutcome.Merged:
                        merged++;
                        string survivor = d.TargetKey ?? "";
                        var g = (entity, survivor);
                        groups.Add(g);
                        if (!shown.TryGetValue(g, out var group))
                        {
                            if (shown.Count >= request.MaxMergeGroups) break;
                            shown[g] = group = new ReportMergeGroup { Entity = entity, Survivor = survivor, Rule = d.ReasonCode ?? "", Details = d.Message ?? "" };
                            report.Merges.Shown.Add(group);
                        }
                        group.Members.Add(d.SourceKey);
                        break;
                }
            }
            report.Merges.Groups = groups.Count;
            report.Merges.Records = merged;

            var problems = new List<string>();
            foreach (var e in report.Entities)
            {
                e.Reasons.Sort((a, b) => a.Outcome != b.Outcome ? a.Outcome.CompareTo(b.Outcome) : b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Code, b.Code));
                counted.TryGetValue(e.Name, out var c);
                c ??= new long[(int)CrmOutcome.Deleted + 1];
                long recorded = c[0] + c[1] + c[2] + c[3] + c[4] + c[5] + c[6];
                if (recorded != e.Read || c[(int)CrmOutcome.Inserted] != e.Inserted || c[(int)CrmOutcome.Updated] != e.Updated || c[(int)CrmOutcome.Skipped] != e.Skipped
                    || c[(int)CrmOutcome.Rejected] != e.Rejected || c[(int)CrmOutcome.Merged] != e.Merged || c[(int)CrmOutcome.Filtered] != e.Filtered || c[(int)CrmOutcome.Deleted] != e.Deleted)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{e.Name}: counters read {e.Read} (inserted {e.Inserted}, updated {e.Updated}, skipped {e.Skipped}, rejected {e.Rejected}, merged {e.Merged}, filtered {e.Filtered}, deleted {e.Deleted}) but {recorded} outcomes are recorded (inserted {c[0]}, updated {c[1]}, skipped {c[2]}, rejected {c[3]}, merged {c[4]}, filtered {c[5]}, deleted {c[6]})."));
                }
                if (r.RejectFolder is not null && sources.TryGetValue(e.Name, out var names)) AddRejectFiles(e, r.RejectFolder, names);
            }
            r.Balanced = problems.Count == 0;
            foreach (var e in report.Entities) if (!e.Balanced) r.Balanced = false;
            if (problems.Count > 0) findings.Add(new ReportFinding("LedgerMismatch", FindingSeverity.Fail, text.F("Find.LedgerMismatch", string.Join(" ", problems))));
        }

        /// <summary>The longest key and message an example shows (the reject file holds them whole).</summary>
        public const int MaxExampleKey = 500, MaxExampleMessage = 1000;

        private static ReportExample Example(DecodedEntry d) => new(
            ReportValues.Clean(d.SourceKey, MaxExampleKey), d.Field, d.Value, d.Message is null ? null : ReportValues.Clean(d.Message, MaxExampleMessage));

        private static ReportEntity AddEntity(MigrationReport report, string name)
        {
            var e = new ReportEntity(name);
            report.Entities.Add(e);
            return e;
        }

        private static void AddRejectFiles(ReportEntity entity, string folder, HashSet<string> sourceEntities)
        {
            var candidates = new SortedSet<string>(StringComparer.OrdinalIgnoreCase) { entity.Name };
            foreach (var s in sourceEntities)
            {
                candidates.Add(s);
                candidates.Add(s + "-malformed");
            }
            foreach (var name in candidates)
            {
                string file = Path.Combine(folder, name + ".csv");
                if (File.Exists(file)) entity.RejectFiles.Add(file);
            }
        }

        private static void FromSummaries(ReportRequest request, MigrationReport report)
        {
            foreach (var s in request.Summaries!)
            {
                var e = new ReportEntity(s.Entity)
                {
                    Read = s.Read, Inserted = s.Inserted, Updated = s.Updated, Skipped = s.Skipped,
                    Merged = s.Merged, Rejected = s.Rejected, Filtered = s.Filtered, Deleted = s.Deleted,
                };
                foreach (var kv in s.RejectReasons) e.Reasons.Add(new ReportReason(CrmOutcome.Rejected, kv.Key) { Count = kv.Value });
                e.Reasons.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Code, b.Code));
                if (request.RejectFolder is not null) AddRejectFiles(e, request.RejectFolder, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                report.Entities.Add(e);
                if (report.Target.Length == 0) report.Target = s.Target;
            }
        }

        private static void AddChecks(IReadOnlyList<CrmValidationResult> checks, MigrationReport report)
        {
            foreach (var c in checks)
            {
                var row = new ReportCheck
                {
                    Check = c.Check,
                    Entity = c.Entity,
                    Status = c.Status.ToString(),
                    Expected = c.Expected,
                    Actual = c.Actual,
                    Details = c.Details,
                    SourceRows = c.SourceRows,
                    TargetRows = c.TargetRows,
                };
                for (int i = 0; i < c.Samples.Count && i < report.ExampleCap; i++) row.Samples.Add(ReportValues.Clean(c.Samples[i], MaxExampleKey));
                for (int i = 0; i < c.Differences.Count && i < report.ExampleCap; i++)
                {
                    var d = c.Differences[i];
                    row.Differences.Add(new ReportDifference
                    {
                        Key = d.Key is null ? null : ReportValues.Clean(d.Key, MaxExampleKey),
                        Field = d.Field,
                        Source = SecretNames.LooksSecret(d.Field) ? "" : ReportValues.Clean(d.Source, BatchCodec.MaxValueLength),
                        Target = SecretNames.LooksSecret(d.Field) ? "" : ReportValues.Clean(d.Target, BatchCodec.MaxValueLength),
                        Note = d.Note,
                    });
                }
                report.Checks.Add(row);
            }
        }

        private static void SetMerges(IReadOnlyList<ReportMergeGroup> groups, MigrationReport report, int max)
        {
            report.Merges.Shown.Clear();
            report.Merges.Groups = groups.Count;
            long records = 0;
            foreach (var g in groups)
            {
                records += g.Members.Count;
                if (report.Merges.Shown.Count < max) report.Merges.Shown.Add(g);
            }
            report.Merges.Records = records;
        }

        private static ReportMapping MapMapping(MappingDefinition mapping)
        {
            var m = new ReportMapping { Hash = mapping.Hash, Path = mapping.SourcePath };
            foreach (var e in mapping.Entities)
            {
                var me = new ReportMappedEntity { Source = e.Source, Target = e.Target, Key = string.Join(", ", e.Key) };
                var filters = new List<string>();
                foreach (var w in e.Where) filters.Add(w.Describe() + " → " + w.Reason);
                me.Filters = string.Join("; ", filters);
                foreach (var f in e.Fields)
                {
                    me.Fields.Add(new ReportMappedField
                    {
                        Target = f.Target,
                        Source = f.HasConstant ? "= " + (CrmValues.ToText(f.Constant) ?? "null") : string.Join(" + ", f.Source),
                        Type = f.Type?.ToString() ?? "",
                        Rules = Describe(f),
                    });
                }
                m.Entities.Add(me);
            }
            return m;
        }

        /// <summary>A field's transforms and rules in words (the mapping language's own names).</summary>
        private static string Describe(FieldMapping f)
        {
            var parts = new List<string>();
            foreach (var t in f.Transforms) parts.Add(t);
            foreach (var c in f.CustomTransforms) if (c is not null) parts.Add(c.ToString());
            if (f.Split is not null) parts.Add(string.Create(CultureInfo.InvariantCulture, $"Split '{f.Split}' part {f.Part}"));
            if (f.ValueMap is not null) parts.Add(string.Create(CultureInfo.InvariantCulture, $"ValueMap ({f.ValueMap.Count})"));
            if (f.HasDefault) parts.Add("Default " + (CrmValues.ToText(f.Default) ?? "null"));
            if (f.Required) parts.Add("Required");
            if (f.MaxLength is int max) parts.Add(string.Create(CultureInfo.InvariantCulture, $"MaxLength {max} ({f.OnTooLong})"));
            if (f.Pattern is not null) parts.Add("Pattern " + f.Pattern);
            if (f.Min is not null) parts.Add("Min " + CrmValues.ToText(f.Min));
            if (f.Max is not null) parts.Add("Max " + CrmValues.ToText(f.Max));
            if (f.Reference is not null) parts.Add("Reference " + f.Reference + " (" + f.OnMissingParent + ")");
            if (f.Formats.Count > 0) parts.Add("Formats " + string.Join(" | ", f.Formats));
            return string.Join("; ", parts);
        }

        private static void FromDecommission(ReportRequest request, MigrationReport report, ReportText text, List<ReportFinding> findings)
        {
            string path = Path.GetFullPath(request.DecommissionStatePath!);
            var state = DecommissionState.Load(path)
                ?? throw new CrmException(new CrmDataError("StateFileNotFound", CrmErrorKind.NotFound, $"There is no decommission state file at '{path}'.") { File = path });
            var d = new ReportDecommission
            {
                System = state.System,
                Provider = state.Provider,
                StatePath = path,
                ArchivePath = state.ArchivePath,
                ArchiveId = state.ArchiveExternalIdentifier,
                TagManifestSha512 = state.ArchiveTagManifestSha512,
                ArchiveVerified = state.ArchiveVerified,
                RetainUntil = state.RetainUntil,
                LegalHold = state.LegalHold,
                FindingsAcknowledged = state.FindingsAcknowledged,
            };
            d.Findings.AddRange(state.Findings);
            foreach (var x in state.Exclusions)
            {
                d.Exclusions.Add(string.Create(CultureInfo.InvariantCulture, $"{x.Pattern}: {x.Reason} ({x.Operator}, {x.RecordedUtc:yyyy-MM-dd})"));
            }
            var pending = new List<string>();
            foreach (CrmDecommissionStage stage in Enum.GetValues(typeof(CrmDecommissionStage)))
            {
                var s = state.Get(stage);
                var row = new ReportStage { Stage = stage.ToString(), Status = s?.Status ?? "NotRun" };
                if (s is not null)
                {
                    row.Attempts = s.Attempts;
                    row.StartedUtc = s.StartedUtc;
                    row.CompletedUtc = s.CompletedUtc;
                    row.Notes = s.Notes;
                    row.Actions.AddRange(s.Actions);
                    foreach (var kv in s.Evidence) if (!SecretNames.LooksSecret(kv.Key)) row.Evidence[kv.Key] = kv.Value;
                    if (!s.Finished) findings.Add(new ReportFinding("StageUnfinished", FindingSeverity.Fail, text.F("Find.StageUnfinished", stage), stage.ToString()));
                }
                else
                {
                    pending.Add(stage.ToString());
                }
                d.Stages.Add(row);
            }
            if (pending.Count > 0)
            {
                // Purge is optional (it waits for the retention date): only the stages before it make a decommission incomplete.
                bool onlyPurge = pending.Count == 1 && pending[0] == nameof(CrmDecommissionStage.Purge);
                findings.Add(new ReportFinding("StagesPending", onlyPurge ? FindingSeverity.Info : FindingSeverity.Warning, text.F("Find.StagesPending", string.Join(", ", pending))));
            }
            long left = 0;
            foreach (var i in state.Inventory)
            {
                d.Inventory.Add(i);
                if (string.Equals(i.Status, nameof(CrmInventoryStatus.Missing), StringComparison.OrdinalIgnoreCase)) left++;
            }
            if (left > 0) findings.Add(new ReportFinding("InventoryLeft", FindingSeverity.Fail, text.F("Find.InventoryLeft", left)));
            if (state.Findings.Count > 0)
            {
                findings.Add(new ReportFinding("DecommissionFindings", FindingSeverity.Warning, text.F("Find.DecommissionFindings", state.Findings.Count, text.YesNo(state.FindingsAcknowledged))));
            }
            var archive = state.Get(CrmDecommissionStage.Archive);
            if (archive is not null && archive.Finished && !state.ArchiveVerified)
            {
                findings.Add(new ReportFinding("ArchiveNotVerified", FindingSeverity.Warning, text["Find.ArchiveNotVerified"]));
            }
            report.Decommission = d;
            if (report.Source.Length == 0) report.Source = state.System;
            string log = request.AuditLogPath ?? Path.ChangeExtension(path, ".audit.jsonl");
            report.AuditLog = ReadAuditLog(log, text, findings, required: false);
        }

        private static ReportAuditLog? ReadAuditLog(string path, ReportText text, List<ReportFinding> findings, bool required)
        {
            string full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                if (required) throw new CrmException(new CrmDataError("AuditLogNotFound", CrmErrorKind.NotFound, $"The audit log '{full}' does not exist.") { File = full });
                findings.Add(new ReportFinding("AuditLogMissing", FindingSeverity.Warning, text.F("Find.AuditLogMissing", full)));
                return null;
            }
            var v = AuditLog.Verify(full, null);
            if (!v.Valid) findings.Add(new ReportFinding("AuditLogBroken", FindingSeverity.Fail, text.F("Find.AuditLogBroken", v.Details)));
            return new ReportAuditLog { Path = full, Valid = v.Valid, Lines = v.LineCount, HeadHash = v.HeadHash, Details = v.Details };
        }

        private static void Judge(ReportRequest request, MigrationReport report, ReportText text, List<ReportFinding> findings)
        {
            var ordered = new List<ReportFinding>();
            if (report.Run is ReportRun run)
            {
                if (string.Equals(run.Status, "Failed", StringComparison.OrdinalIgnoreCase)) ordered.Add(new ReportFinding("RunFailed", FindingSeverity.Fail, text.F("Find.RunFailed", run.Status)));
                else if (!string.Equals(run.Status, "Completed", StringComparison.OrdinalIgnoreCase)) ordered.Add(new ReportFinding("RunIncomplete", FindingSeverity.Fail, text.F("Find.RunIncomplete", run.Status)));
                if (request.Mapping is not null && run.MappingHash is not null && !string.Equals(request.Mapping.Hash, run.MappingHash, StringComparison.OrdinalIgnoreCase))
                {
                    ordered.Add(new ReportFinding("MappingMismatch", FindingSeverity.Warning, text.F("Find.MappingMismatch", request.Mapping.Hash, run.MappingHash)));
                }
            }
            foreach (var e in report.Entities)
            {
                long accounted = e.Inserted + e.Updated + e.Skipped + e.Merged + e.Rejected + e.Filtered + e.Deleted;
                if (!e.Balanced) ordered.Add(new ReportFinding("BooksUnbalanced", FindingSeverity.Fail, text.F("Find.BooksUnbalanced", e.Name, e.Read, accounted), e.Name));
            }
            foreach (var c in report.Checks)
            {
                switch (c.Status)
                {
                    case nameof(CrmCheckStatus.Pass):
                        break;
                    case nameof(CrmCheckStatus.Fail):
                        ordered.Add(new ReportFinding("CheckFailed", FindingSeverity.Fail, text.F("Find.CheckFailed", c.Entity, c.Check, c.Details), c.Entity));
                        break;
                    case nameof(CrmCheckStatus.Warning):
                        ordered.Add(new ReportFinding("CheckWarning", FindingSeverity.Warning, text.F("Find.CheckWarning", c.Entity, c.Check, c.Details), c.Entity));
                        break;
                    default:
                        // NotChecked (or any status a later validator adds): it could not compare what it claims to, so it cannot pass.
                        ordered.Add(new ReportFinding("CheckNotCompared", FindingSeverity.Fail, text.F("Find.CheckNotCompared", c.Entity, c.Check, c.Status, c.Details), c.Entity));
                        break;
                }
            }
            ordered.AddRange(findings);
            foreach (var e in report.Entities)
            {
                if (e.Rejected > 0) ordered.Add(new ReportFinding("RecordsRejected", FindingSeverity.Warning, text.F("Find.RecordsRejected", e.Name, e.Rejected), e.Name));
            }
            if (report.Decommission is null)
            {
                if (report.Checks.Count == 0)
                {
                    ordered.Add(report.Validated
                        ? new ReportFinding("NoChecksProduced", FindingSeverity.Warning, text["Find.NoChecksProduced"])
                        : new ReportFinding("NotValidated", FindingSeverity.Warning, text["Find.NotValidated"]));
                }
                if (report.Run is null && request.Summaries is null) ordered.Add(new ReportFinding("NoRun", FindingSeverity.Info, text["Find.NoRun"]));
            }
            foreach (var e in report.Entities)
            {
                if (e.Filtered > 0) ordered.Add(new ReportFinding("RecordsFiltered", FindingSeverity.Info, text.F("Find.RecordsFiltered", e.Name, e.Filtered), e.Name));
                if (e.Merged > 0) ordered.Add(new ReportFinding("RecordsMerged", FindingSeverity.Info, text.F("Find.RecordsMerged", e.Name, e.Merged), e.Name));
            }
            bool fail = false, warn = false;
            foreach (var f in ordered)
            {
                if (f.Severity == FindingSeverity.Fail) fail = true;
                else if (f.Severity == FindingSeverity.Warning) warn = true;
            }
            report.Verdict = fail ? CrmReportVerdict.Failed : warn ? CrmReportVerdict.PassedWithWarnings : CrmReportVerdict.Passed;
            if (report.Verdict == CrmReportVerdict.Passed) report.Findings.Add(new ReportFinding("Passed", FindingSeverity.Info, text["Find.Passed"]));
            // Failures first, then warnings, then notes; in the order found within each.
            foreach (var severity in new[] { FindingSeverity.Fail, FindingSeverity.Warning, FindingSeverity.Info })
            {
                foreach (var f in ordered) if (f.Severity == severity) report.Findings.Add(f);
            }
        }

        /// <summary>The ledger's "Name=value; Name=value" parameters without any whose name looks secret.</summary>
        public static string WithoutSecrets(string parameters)
        {
            if (string.IsNullOrEmpty(parameters)) return "";
            var kept = new StringBuilder();
            foreach (var part in parameters.Split("; ", StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                string name = eq > 0 ? part.Substring(0, eq) : part;
                if (SecretNames.LooksSecret(name)) continue;
                if (kept.Length > 0) kept.Append("; ");
                kept.Append(part);
            }
            return kept.ToString();
        }

        /// <summary>A run's rejects are in a folder named after the run inside the -RejectPath folder, when it is there.</summary>
        private static string? RunFolder(string? folder, string runId)
        {
            if (folder is null) return null;
            string run = Path.Combine(folder, runId);
            return Directory.Exists(run) ? run : folder;
        }

        /// <summary>The run's reject folder from its recorded parameters, when it was given as a full path that exists.</summary>
        private static string? RejectFolderOf(string parameters)
        {
            foreach (var part in parameters.Split("; ", StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.StartsWith("RejectPath=", StringComparison.Ordinal)) continue;
                string folder = part.Substring("RejectPath=".Length);
                if (Path.IsPathFullyQualified(folder) && Directory.Exists(folder)) return folder;
            }
            return null;
        }
    }
}
