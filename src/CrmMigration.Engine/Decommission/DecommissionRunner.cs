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
        /// <summary>What Revoke does with the CRM's administrators.</summary>
        public AdministratorChoice Administrators { get; set; } = AdministratorChoice.Keep;
        /// <summary>Objects left out of the final archive on purpose (who and why are recorded).</summary>
        public List<ExcludeRule> Exclusions { get; } = new();
        /// <summary>The application's uploaded files, archived with the data.</summary>
        public string? AttachmentPath { get; set; }
        /// <summary>Acknowledges Freeze findings (-Force).</summary>
        public bool AcknowledgeFindings { get; set; }
        /// <summary>Takes the Archive stage again (into a new -ArchivePath), and Verify after it.</summary>
        public bool RestartArchive { get; set; }
        /// <summary>The Notify stage's settings.</summary>
        public NotifyOptions Notify { get; set; } = new();
        /// <summary>The parameters as given, for the audit log (names and non-secret values only).</summary>
        public Dictionary<string, string?> AuditParameters { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>What the host (the cmdlet) answered when asked whether a stage may run.</summary>
    public enum StageConsent
    {
        /// <summary>Run it.</summary>
        Yes,
        /// <summary>Declined: stop here.</summary>
        No,
        /// <summary>-WhatIf (typed, $WhatIfPreference or inherited): describe this and every later stage, change nothing.</summary>
        WhatIf,
    }

    /// <summary>What the decommission runner needs from its host: consent, output, progress.</summary>
    public interface IDecommissionHost
    {
        /// <summary>Asks whether a stage may run; destructive stages need a second, explicit yes (or -Force).</summary>
        StageConsent Consent(CrmDecommissionStage stage, string target, string action, bool destructive, string warning);
        /// <summary>One stage's report.</summary>
        void Report(CrmDecommissionReport report);
        /// <summary>A non-terminating error (the stage's report is its target).</summary>
        void Error(CrmException error, CrmDecommissionReport report);
        /// <summary>Progress (entity, records so far) of the running stage.</summary>
        void Progress(CrmDecommissionStage stage, string entity, long records);
        /// <summary>The running stage finished its progress.</summary>
        void ProgressDone(CrmDecommissionStage stage);
        /// <summary>Verbose text.</summary>
        void Verbose(string text);
    }

    /// <summary>
    /// Runs the stages Notify → Freeze → Archive → Verify → Revoke → Retain → Purge against one system, recording each
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
            if (_strategy is DbAccessStrategy) _strategy = new DbAccessStrategy(options.ApplicationRoles, options.DropDatabase, options.Administrators);
            _options.ArchivePath = Path.GetFullPath(options.ArchivePath);
            _options.StatePath = Path.GetFullPath(options.StatePath);
            _options.AuditLogPath = Path.GetFullPath(options.AuditLogPath);
            var loaded = DecommissionState.Load(_options.StatePath);
            if (loaded is not null)
            {
                bool newArchive = options.RestartArchive && !string.Equals(loaded.ArchivePath, _options.ArchivePath, StringComparison.Ordinal);
                if (options.RestartArchive && !newArchive && loaded.Get(CrmDecommissionStage.Archive)?.Finished == true)
                {
                    throw new CrmException("ArchiveExists", CrmErrorKind.InvalidArgument, $"-RestartArchive takes a new archive: give a new -ArchivePath (the archive at '{loaded.ArchivePath}' is kept, never overwritten).");
                }
                if (!string.Equals(loaded.System, connection.DisplayName, StringComparison.Ordinal) || (!newArchive && !string.Equals(loaded.ArchivePath, _options.ArchivePath, StringComparison.Ordinal)))
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

        private bool RestartPending => _options.RestartArchive && !string.Equals(_state.ArchivePath, _options.ArchivePath, StringComparison.Ordinal);

        public DecommissionState State => _state;
        public string StrategyName => _strategy.Name;

        /// <summary>The exact actions a stage would take now (for -WhatIf and the confirmation prompt).</summary>
        public IReadOnlyList<string> Plan(CrmDecommissionStage stage)
        {
            var rec = _state.Get(stage);
            if (rec is not null && rec.Finished && stage != CrmDecommissionStage.Retain && !(RestartPending && stage is CrmDecommissionStage.Archive or CrmDecommissionStage.Verify)) return new[] { $"nothing: {stage} finished on {Stamp(rec.CompletedUtc)} (state file '{_options.StatePath}')" };
            var list = new List<string>();
            switch (stage)
            {
                case CrmDecommissionStage.Notify: list.AddRange(Notifier.Run(_connection, _options.Notify, _options.ArchivePath, NotifyFolder, plan: true, CancellationToken.None).Actions); break;
                case CrmDecommissionStage.Freeze: list.AddRange(_strategy.Freeze(_connection, plan: true).Actions); break;
                case CrmDecommissionStage.Archive:
                    list.Add($"read every entity of {_connection.DisplayName} and write a BagIt 1.0 bag to '{_options.ArchivePath}' (built in a hidden .partial folder, renamed into place when complete)");
                    list.Add("list every object of the source (tables, views, routines, triggers, sequences, roles); write every table raw (all rows, soft-deleted included) to data/tables/ and every definition to data/schema/" + SchemaInventory.Engine(_connection) + ".sql"
                        + (_options.Exclusions.Count > 0 ? "; leave out what -Exclude names (" + string.Join(", ", _options.Exclusions.ConvertAll(x => x.Pattern)) + "), recording who and why" : "")
                        + (_options.AttachmentPath is null ? "" : $"; copy the attachments under '{_options.AttachmentPath}' to data/attachments/"));
                    list.Add("record the bag's External-Identifier and the SHA-512 of its tagmanifest-sha512.txt in the state file");
                    break;
                case CrmDecommissionStage.Verify:
                    list.Add($"check '{_options.ArchivePath}' against RFC 8493 (every manifest entry present and matching, Payload-Oxum, tag manifest)");
                    list.Add("re-count records and recompute content hashes from the archive's CSV files, restore them into a scratch SQLite database and compare again");
                    list.Add($"recompute counts and content hashes of every archived entity and table from the frozen source {_connection.DisplayName} and compare them with the archive");
                    break;
                case CrmDecommissionStage.Revoke: list.AddRange(_strategy.Revoke(_connection, plan: true).Actions); break;
                case CrmDecommissionStage.Retain:
                    var until = _options.RetainUntil ?? _state.RetainUntil;
                    bool hold = _options.LegalHold ?? _state.LegalHold;
                    list.Add($"record retention until {(until is null ? "(no date: no retention period)" : until.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))} and legal hold {(hold ? "ON" : "off")}");
                    break;
                case CrmDecommissionStage.Purge:
                    list.Add($"re-check the archive '{_options.ArchivePath}' and that its tagmanifest-sha512.txt still hashes to the value recorded at Verify");
                    list.Add("list the source's tables again and refuse (deleting nothing) if any is neither in the verified archive nor excluded by a recorded rule");
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

        /// <summary>
        /// Runs the stages from Notify up to <paramref name="last"/> (Purge only with <paramref name="purge"/>), asking the host
        /// before each. A WhatIf answer describes that stage and every later one and changes nothing (no state file, archive
        /// or audit log is created). Reports go to the host as they happen; the run's HTML and JSON reports are written when
        /// anything ran. Throws CrmException (after reporting the failed stage) when a stage fails.
        /// </summary>
        public void Drive(CrmDecommissionStage last, bool purge, IDecommissionHost host, CancellationToken ct)
        {
            var reports = new List<CrmDecommissionReport>();
            bool anyRan = false, whatIf = false;
            void Emit(CrmDecommissionReport r) { reports.Add(r); host.Report(r); }
            try
            {
                for (var stage = CrmDecommissionStage.Notify; stage <= last; stage++)
                {
                    if (stage == CrmDecommissionStage.Purge && !purge) { Emit(Described(stage, CrmStageStatus.Skipped, "Purge runs only with -Purge.")); continue; }
                    if (IsFinished(stage))
                    {
                        var done = AlreadyDone(stage);
                        if (stage == CrmDecommissionStage.Retain && (_options.RetainUntil is not null || _options.LegalHold is not null))
                        {
                            var c = whatIf ? StageConsent.WhatIf : host.Consent(stage, _connection.DisplayName, "Retain: " + string.Join("; ", Plan(stage)), false, "");
                            if (c == StageConsent.WhatIf) whatIf = true;
                            if (c == StageConsent.Yes && UpdateRetention() is { } updated) { done = updated; anyRan = true; }
                        }
                        Emit(done);
                        continue;
                    }
                    bool destructive = stage == CrmDecommissionStage.Purge || (stage == CrmDecommissionStage.Notify && _options.Notify.SmtpServer is not null);
                    string action = stage + ": " + string.Join("; ", Plan(stage));
                    string warning = stage == CrmDecommissionStage.Purge
                        ? $"Delete the data of {_connection.DisplayName}? The archive '{_options.ArchivePath}' was verified; this cannot be undone."
                        : $"Send the shutdown announcement of {_connection.DisplayName} by e-mail? Mail cannot be recalled.";
                    var consent = whatIf ? StageConsent.WhatIf : host.Consent(stage, _connection.DisplayName, action, destructive, warning);
                    if (consent != StageConsent.Yes)
                    {
                        string? refusal = stage == CrmDecommissionStage.Purge ? PurgeRefusal() : FindingsRefusal(stage);
                        var r = Described(stage, CrmStageStatus.WhatIf, refusal is null ? "Not run (-WhatIf or not confirmed)." : "Not run; it would also be refused now: " + refusal + ".");
                        if (stage is CrmDecommissionStage.Archive or CrmDecommissionStage.Verify or CrmDecommissionStage.Purge) AddInventory(r);
                        Emit(r);
                        if (consent == StageConsent.WhatIf) { whatIf = true; continue; }
                        break;
                    }
                    if (stage == CrmDecommissionStage.Purge && (PurgeRefusal() ?? UnarchivedRefusal()) is string why)
                    {
                        anyRan = true;
                        try { Run(stage, null, ct); }
                        catch (CrmException ex)
                        {
                            var refused = Described(stage, CrmStageStatus.Refused, why);
                            AddInventory(refused);
                            Emit(refused);
                            host.Error(ex, refused);
                            break;
                        }
                    }
                    anyRan = true;
                    var s2 = stage;
                    var report = Run(stage, (entity, n) => host.Progress(s2, entity, n), ct);
                    host.ProgressDone(stage);
                    Emit(report);
                }
            }
            catch (CrmException ex)
            {
                var failed = new CrmDecommissionReport(FirstUnfinished(last), ex.Error.Code is "PurgeRefused" or "PurgeObjectNotArchived" or "FreezeFindingUnacknowledged" ? CrmStageStatus.Refused : CrmStageStatus.Failed)
                {
                    System = _connection.DisplayName,
                    Notes = ex.Error.Message,
                };
                if (failed.Stage == CrmDecommissionStage.Purge) AddInventory(failed);
                Emit(failed);
                if (anyRan && !whatIf) { var (j, h) = WriteReports(reports); host.Verbose($"Reports: {h} and {j}."); }
                throw;
            }
            if (anyRan && !whatIf) { var (j, h) = WriteReports(reports); host.Verbose($"Reports: {h} and {j}."); }
        }

        /// <summary>Revoke -Undo, asked of the host first.</summary>
        public void DriveUndo(IDecommissionHost host)
        {
            string action = "Revoke -Undo: restore the previous values of " + _state.Revoked.Count.ToString(CultureInfo.InvariantCulture) + " recorded change(s) from the state file '" + _options.StatePath + "'";
            var consent = host.Consent(CrmDecommissionStage.Revoke, _connection.DisplayName, action, false, "");
            if (consent != StageConsent.Yes)
            {
                var r = new CrmDecommissionReport(CrmDecommissionStage.Revoke, CrmStageStatus.WhatIf) { System = _connection.DisplayName, Notes = "Not run (-WhatIf or not confirmed)." };
                foreach (var c in _state.Revoked) r.Actions.Add($"{c.What}: write back {string.Join(", ", c.Columns)} of {c.Rows.Count} row(s) of {c.Table}" + (c.UndoStatements.Count > 0 ? "; " + string.Join("; ", c.UndoStatements) : ""));
                host.Report(r);
                return;
            }
            var report = UndoRevoke();
            host.Report(report);
            var (j, h) = WriteReports(new[] { report });
            host.Verbose($"Reports: {h} and {j}.");
        }

        private CrmDecommissionStage FirstUnfinished(CrmDecommissionStage last)
        {
            for (var s = CrmDecommissionStage.Notify; s <= last; s++) if (!IsFinished(s)) return s;
            return last;
        }

        /// <summary>Whether a stage finished in an earlier run.</summary>
        public bool IsFinished(CrmDecommissionStage stage) => _state.Get(stage)?.Finished == true && !(RestartPending && stage is CrmDecommissionStage.Archive or CrmDecommissionStage.Verify);

        private string NotifyFolder => Path.Combine(Path.GetDirectoryName(_options.StatePath)!, Path.GetFileNameWithoutExtension(_options.StatePath) + ".notify");

        /// <summary>Why a stage after Freeze may not run yet (unacknowledged findings), or null.</summary>
        public string? FindingsRefusal(CrmDecommissionStage stage)
        {
            if (stage <= CrmDecommissionStage.Freeze || _state.Findings.Count == 0 || _state.FindingsAcknowledged || _options.AcknowledgeFindings) return null;
            return "Freeze reported findings that are not acknowledged: " + string.Join(" | ", _state.Findings) + ". Fix them, or acknowledge them with -Force (recorded in the audit log)";
        }

        public CrmDecommissionReport AlreadyDone(CrmDecommissionStage stage)
        {
            var rec = _state.Get(stage)!;
            var report = new CrmDecommissionReport(stage, CrmStageStatus.AlreadyDone) { System = _connection.DisplayName, CompletedUtc = rec.CompletedUtc, Notes = rec.Notes };
            foreach (var a in rec.Actions) report.Actions.Add(a);
            foreach (var kv in rec.Evidence) report.Evidence[kv.Key] = kv.Value;
            if (stage is CrmDecommissionStage.Archive or CrmDecommissionStage.Verify or CrmDecommissionStage.Purge) AddInventory(report);
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
            if (stage == CrmDecommissionStage.Purge && UnarchivedRefusal() is string missing)
            {
                Audit(stage, "Refused", new Dictionary<string, string> { ["reason"] = missing });
                throw new CrmException("PurgeObjectNotArchived", CrmErrorKind.InvalidData, "Purge refused: " + missing + ". Nothing was deleted. Take a new archive (-RestartArchive with a new -ArchivePath) or exclude them with -Exclude and -ExcludeReason.");
            }
            for (var s = CrmDecommissionStage.Notify; s < stage; s++)
            {
                if (s == CrmDecommissionStage.Purge) break;
                if (!IsFinished(s)) throw new CrmException("StageOutOfOrder", CrmErrorKind.InvalidArgument, $"{stage} cannot run before {s} has finished.");
            }
            if (FindingsRefusal(stage) is string unack)
            {
                Audit(stage, "Refused", new Dictionary<string, string> { ["reason"] = unack });
                throw new CrmException("FreezeFindingUnacknowledged", CrmErrorKind.InvalidArgument, unack + ".");
            }
            if (stage > CrmDecommissionStage.Freeze && _state.Findings.Count > 0 && !_state.FindingsAcknowledged)
            {
                _state.FindingsAcknowledged = true;
                _state.Save(_options.StatePath);
                Audit(CrmDecommissionStage.Freeze, "FindingsAcknowledged", new Dictionary<string, string> { ["findings"] = string.Join(" | ", _state.Findings) });
            }
            if (stage == CrmDecommissionStage.Archive && RestartPending)
            {
                _state.PreviousArchives.Add(_state.ArchivePath);
                Audit(stage, "Restarted", new Dictionary<string, string> { ["previousArchive"] = _state.ArchivePath, ["archive"] = _options.ArchivePath });
                _state.ArchivePath = _options.ArchivePath;
                _state.ArchiveVerified = false;
                _state.Stages.Remove(CrmDecommissionStage.Archive.ToString());
                _state.Stages.Remove(CrmDecommissionStage.Verify.ToString());
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
                    CrmDecommissionStage.Notify => Notifier.Run(_connection, _options.Notify, _options.ArchivePath, NotifyFolder, plan: false, ct),
                    CrmDecommissionStage.Freeze => DoFreeze(),
                    CrmDecommissionStage.Archive => DoArchive(rec, progress, ct),
                    CrmDecommissionStage.Verify => DoVerify(ct),
                    CrmDecommissionStage.Revoke => _strategy is DbAccessStrategy db ? db.Revoke(_connection, false, _state.Revoked, () => _state.Save(_options.StatePath)) : _strategy.Revoke(_connection, plan: false),
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
            if (stage is CrmDecommissionStage.Archive or CrmDecommissionStage.Verify or CrmDecommissionStage.Purge) AddInventory(report);
            return report;
        }

        /// <summary>The state's inventory, as report items.</summary>
        public void AddInventory(CrmDecommissionReport report)
        {
            foreach (var i in _state.Inventory)
            {
                report.Inventory.Add(new CrmInventoryItem(i.Kind, i.Name, Enum.Parse<CrmInventoryStatus>(i.Status)) { Records = i.Records, ContentHash = i.ContentHash, Detail = i.Detail });
            }
        }

        private StageOutcome DoFreeze()
        {
            var o = _strategy.Freeze(_connection, plan: false);
            _state.Findings = new List<string>(o.Findings);
            _state.FindingsAcknowledged = o.Findings.Count > 0 && _options.AcknowledgeFindings;
            foreach (var f in o.Findings) o.Actions.Add("FINDING: " + f);
            if (o.Findings.Count > 0) o.Evidence["findings"] = o.Findings.Count.ToString(CultureInfo.InvariantCulture) + (_state.FindingsAcknowledged ? " (acknowledged with -Force)" : " (not acknowledged: later stages are refused until -Force)");
            return o;
        }

        /// <summary>Revoke -Undo: writes back every value Revoke changed; Revoke runs again on the next run.</summary>
        public CrmDecommissionReport UndoRevoke()
        {
            if (_state.Get(CrmDecommissionStage.Purge)?.Finished == true) throw new CrmException("UndoAfterPurge", CrmErrorKind.InvalidArgument, "The system was purged: there is nothing left to restore.");
            var rec = _state.Get(CrmDecommissionStage.Revoke);
            if (rec is null || _state.Revoked.Count == 0 && !rec.Finished)
                throw new CrmException("NothingToUndo", CrmErrorKind.InvalidArgument, $"Revoke has not changed anything recorded in '{_options.StatePath}': there is nothing to undo.");
            Audit(CrmDecommissionStage.Revoke, "UndoStarted", null);
            StageOutcome o;
            try
            {
                o = _strategy is DbAccessStrategy db ? db.UndoRevoke(_connection, _state.Revoked) : new StageOutcome { Notes = "Revoke changed nothing on this kind of system; nothing to restore." };
            }
            catch (CrmException ex)
            {
                Audit(CrmDecommissionStage.Revoke, "UndoFailed", new Dictionary<string, string> { ["error"] = ex.Message });
                throw;
            }
            _state.Revoked.Clear();
            rec.Status = "Undone";
            rec.CompletedUtc = DateTime.UtcNow;
            rec.Actions.Clear();
            rec.Actions.AddRange(o.Actions);
            rec.Evidence.Clear();
            foreach (var kv in o.Evidence) rec.Evidence[kv.Key] = kv.Value;
            rec.Notes = o.Notes;
            _state.Save(_options.StatePath);
            Audit(CrmDecommissionStage.Revoke, "Undone", o.Evidence);
            var report = new CrmDecommissionReport(CrmDecommissionStage.Revoke, CrmStageStatus.Undone) { System = _connection.DisplayName, CompletedUtc = rec.CompletedUtc, Notes = o.Notes };
            foreach (var a in o.Actions) report.Actions.Add(a);
            foreach (var kv in o.Evidence) report.Evidence[kv.Key] = kv.Value;
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
            var objects = SchemaInventory.Read(_connection, withDdl: true);
            var profile = Providers.Db.Profiles.CrmProfile.ForConnection(_connection);
            bool raw = profile is not null;
            var tables = new List<string>();
            foreach (var obj in objects)
            {
                if (obj.Kind != "Table") continue;
                bool excluded = false;
                foreach (var x in _options.Exclusions) if (x.Matches(obj.Name)) excluded = true;
                if (!excluded) tables.Add(obj.Name);
            }
            ICrmProvider? rawProvider = null;
            IReadOnlyList<string>? entities = null;
            if (raw) rawProvider = ProviderFactory.Open(WithoutProfile(_connection));
            else if (_connection.Provider is CrmProviderKind.PostgreSql or CrmProviderKind.MySql or CrmProviderKind.Sqlite) entities = tables;
            else
            {
                var kept = new List<string>();
                foreach (var e in provider.ListEntities()) { bool ex = false; foreach (var x in _options.Exclusions) if (x.Matches(e)) ex = true; if (!ex) kept.Add(e); }
                entities = kept;
            }
            CrmArchiveInfo info;
            try
            {
                info = ArchiveWriter.Write(provider, new ArchiveOptions
                {
                    Destination = _options.ArchivePath,
                    SourceOrganization = _options.SourceOrganization,
                    Description = "Final archive of " + _connection.DisplayName + " before decommissioning",
                    OnProgress = progress,
                    Entities = entities,
                    EntitiesAreTables = !raw,
                    RawProvider = rawProvider,
                    RawTables = raw ? tables : Array.Empty<string>(),
                    Redactions = profile?.Secrets,
                    Objects = objects,
                    Engine = SchemaInventory.Engine(_connection),
                    Exclusions = _options.Exclusions,
                    AttachmentPath = _options.AttachmentPath,
                }, ct);
            }
            finally
            {
                rawProvider?.Dispose();
            }
            _state.Exclusions.Clear();
            foreach (var x in _options.Exclusions) _state.Exclusions.Add(new ExcludeRuleState { Pattern = x.Pattern, Reason = x.Reason, Operator = x.Operator, RecordedUtc = x.RecordedUtc });
            _state.Inventory.Clear();
            int archivedN = 0, excludedN = 0, missingN = 0;
            foreach (var i in info.Inventory)
            {
                _state.Inventory.Add(new InventoryEntry { Kind = i.Kind, Name = i.Name, Status = i.Status.ToString(), Records = i.Records, ContentHash = i.ContentHash, Detail = i.Detail });
                if (i.Status == CrmInventoryStatus.Archived) archivedN++; else if (i.Status == CrmInventoryStatus.Excluded) excludedN++; else missingN++;
            }
            o.Actions.Add($"wrote the bag '{info.Path}': {info.Entities.Count} entities and tables, {info.TotalRecords} records, Payload-Oxum {info.PayloadOctets}.{info.PayloadFiles}");
            o.Actions.Add($"inventory of the source: {info.Inventory.Count} objects — {archivedN} archived, {excludedN} excluded by rule, {missingN} missing" + (info.AttachmentFiles > 0 ? $"; {info.AttachmentFiles} attachment file(s)" : ""));
            o.Evidence["inventory"] = $"{archivedN} archived, {excludedN} excluded, {missingN} missing";
            if (missingN > 0) o.Notes = "Some objects are missing from the archive (see the inventory): Purge will refuse while any table is neither archived nor excluded. ";
            foreach (var notice in provider.Notices) o.Notes += notice + " ";
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
            var profile = Providers.Db.Profiles.CrmProfile.ForConnection(_connection);
            using var liveRaw = profile is null ? null : ProviderFactory.Open(WithoutProfile(_connection));
            var mismatches = new List<string>();
            foreach (var kv in v.Manifest)
            {
                long count, errors = 0;
                string hash;
                if (kv.Key.StartsWith("table:", StringComparison.Ordinal) && liveRaw is not null)
                {
                    string table = kv.Key.Substring(6);
                    IReadOnlyCollection<string>? redact = null;
                    profile!.Secrets.TryGetValue(table, out redact);
                    var h = new ContentHash();
                    foreach (var rec in ArchiveWriter.ReadRaw(liveRaw, table, redact, _ => errors++, ct)) h.Add(rec);
                    count = h.Count;
                    hash = h.Value;
                }
                else (count, hash, errors) = ArchiveValidator.HashEntity(live, kv.Key, ct);
                bool same = count == kv.Value.Records && hash == kv.Value.Hash && errors == 0;
                o.Evidence["live " + kv.Key] = $"{count} records, content hash {hash}" + (same ? " = archive" : $" ≠ archive ({kv.Value.Records} records, {kv.Value.Hash})");
                if (!same) mismatches.Add(kv.Key);
            }
            if (mismatches.Count > 0)
            {
                throw new CrmException("ArchiveSourceMismatch", CrmErrorKind.InvalidData, "The frozen source differs from the archive for: " + string.Join(", ", mismatches) + ". It changed after Freeze, or the archive is incomplete; do not purge.");
            }
            o.Actions.Add($"compared {v.Manifest.Count} entities and tables of the frozen source with the archive: counts and content hashes equal");
            int missing = 0;
            foreach (var i in _state.Inventory) if (i.Kind == "Table" && i.Status == nameof(CrmInventoryStatus.Missing)) missing++;
            if (missing > 0) o.Notes = $"{missing} table(s) of the source are not in the archive (inventory: Missing): Purge will refuse until they are archived (-RestartArchive) or excluded by a rule.";
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
            o.Actions.Insert(1, "listed the source's tables: every one is in the verified archive or excluded by a recorded rule");
            foreach (var i in _state.Inventory)
            {
                if (i.Kind != "Table") continue;
                i.Detail = (i.Status == nameof(CrmInventoryStatus.Excluded) ? "destroyed without an archive copy, " + i.Detail : "destroyed; archived as " + i.Detail);
                i.Status = nameof(CrmInventoryStatus.Destroyed);
            }
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
            foreach (var kv in purge.Evidence) if (kv.Key.StartsWith("deleted ", StringComparison.Ordinal)) fields.Add(("Deleted: " + kv.Key.Substring(8), kv.Value + ArchivedAs(kv.Key.Substring(8))));
            foreach (var i in _state.Inventory)
            {
                if (i.Kind == "Table" && i.Status == nameof(CrmInventoryStatus.Destroyed))
                    fields.Add(("Destroyed table: " + i.Name, i.Records is long r ? $"archived: {r.ToString(CultureInfo.InvariantCulture)} records, content hash {i.ContentHash}" : i.Detail));
            }
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

        /// <summary>" — archived: N records, content hash H" for a destroyed table (its name may carry the schema).</summary>
        private string ArchivedAs(string deleted)
        {
            string name = deleted;
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            foreach (var i in _state.Inventory)
            {
                if (i.Kind != "Table") continue;
                if (string.Equals(i.Name, name, StringComparison.Ordinal) || (dot > 0 && string.Equals(i.Name, name.Substring(dot + 1), StringComparison.Ordinal)))
                    return i.Records is long r ? $"; archived: {r.ToString(CultureInfo.InvariantCulture)} records, content hash {i.ContentHash}" : "; " + i.Detail;
            }
            return "";
        }

        /// <summary>Why Purge may not drop the source's tables (some are not in the verified archive), or null.</summary>
        public string? UnarchivedRefusal()
        {
            var unarchived = Unarchived();
            return unarchived.Count == 0 ? null : $"{unarchived.Count} table(s) of {_connection.DisplayName} are not in the verified archive and not excluded by a recorded rule: {string.Join(", ", unarchived)}";
        }

        /// <summary>The source's tables that are neither archived (and verified) nor excluded by a recorded rule.</summary>
        public List<string> Unarchived()
        {
            var known = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in _state.Inventory)
            {
                if (i.Kind == "Table" && i.Status is nameof(CrmInventoryStatus.Archived) or nameof(CrmInventoryStatus.Excluded) or nameof(CrmInventoryStatus.Destroyed)) known.Add(i.Name);
            }
            var list = new List<string>();
            if (_state.Inventory.Count == 0 && _connection.Provider is CrmProviderKind.Csv or CrmProviderKind.Excel) return list; // archives from before the inventory: files are their entities
            foreach (var t in SchemaInventory.Tables(_connection)) if (!known.Contains(t)) list.Add(t);
            return list;
        }

        internal static CrmConnection WithoutProfile(CrmConnection c)
        {
            var copy = new CrmConnection(c.Provider, c.Location) { Name = c.Name, Encoding = c.Encoding, Delimiter = c.Delimiter };
            foreach (var kv in c.Options) if (!string.Equals(kv.Key, "Profile", StringComparison.OrdinalIgnoreCase)) copy.Options[kv.Key] = kv.Value;
            copy.SetCredential(c.GetCredential());
            return copy;
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
                    w.WriteStartArray("inventory");
                    foreach (var i in _state.Inventory)
                    {
                        w.WriteStartObject();
                        w.WriteString("kind", i.Kind);
                        w.WriteString("name", i.Name);
                        w.WriteString("status", i.Status);
                        if (i.Records is long n) w.WriteNumber("records", n);
                        if (i.ContentHash is not null) w.WriteString("contentHash", i.ContentHash);
                        w.WriteString("detail", i.Detail);
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
            if (_state.Inventory.Count > 0)
            {
                int a = 0, x = 0, m = 0, d = 0;
                foreach (var i in _state.Inventory)
                {
                    if (i.Status == nameof(CrmInventoryStatus.Archived)) a++; else if (i.Status == nameof(CrmInventoryStatus.Excluded)) x++; else if (i.Status == nameof(CrmInventoryStatus.Missing)) m++; else d++;
                }
                h.Append("<h2>Inventory of the source</h2>\n<p>").Append(a).Append(" archived, ").Append(x).Append(" excluded, ").Append(m).Append(" missing, ").Append(d).Append(" destroyed.</p>\n");
                h.Append("<table border=\"1\" cellpadding=\"3\">\n<tr><th>Kind</th><th>Name</th><th>Status</th><th>Records</th><th>Content hash</th><th>Detail</th></tr>\n");
                foreach (var i in _state.Inventory)
                {
                    h.Append("<tr><td>").Append(E(i.Kind)).Append("</td><td>").Append(E(i.Name)).Append("</td><td>").Append(E(i.Status)).Append("</td><td align=\"right\">")
                     .Append(i.Records?.ToString(CultureInfo.InvariantCulture) ?? "").Append("</td><td><code>").Append(E(i.ContentHash)).Append("</code></td><td>").Append(E(i.Detail)).Append("</td></tr>\n");
                }
                h.Append("</table>\n");
            }
            h.Append("</body></html>\n");
            File.WriteAllText(stem + ".html", h.ToString(), new UTF8Encoding(false));
            return (stem + ".json", stem + ".html");
        }
    }
}
