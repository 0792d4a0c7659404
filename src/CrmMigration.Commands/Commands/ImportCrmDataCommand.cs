using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Commands
{
    /// <summary>Writes records into a system in batches, inserting or upserting by key, and accounts for every record.</summary>
    [Cmdlet(VerbsData.Import, "CrmData", SupportsShouldProcess = true, DefaultParameterSetName = "Connection")]
    [OutputType(typeof(CrmImportSummary), typeof(CrmRecordOutcome))]
    public sealed class ImportCrmDataCommand : CrmCmdlet
    {
        private ICrmProvider? _provider;
        private ImportSession? _session;
        private MigrationLedger? _ledger;
        private RejectFileWriter? _rejects;
        private bool _completed;
        private readonly List<ImportResult> _results = new();
        private readonly HashSet<string> _confirmed = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _declined = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, CrmImportSummary> _declinedSummaries = new(StringComparer.OrdinalIgnoreCase);
        private readonly Stopwatch _clock = new();
        private long _received;
        private bool _whatIf;

        /// <summary>The records to write.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public CrmRecord? InputObject { get; set; }

        /// <summary>The target system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>A path to an SQLite file, CSV folder or file, or Excel workbook.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [Alias("PSPath", "LiteralPath")]
        public string? Path { get; set; }

        /// <summary>Insert (default) or Upsert by key.</summary>
        [Parameter]
        public CrmImportMode Mode { get; set; } = CrmImportMode.Insert;

        /// <summary>Records per batch (one transaction each). Default 1000.</summary>
        [Parameter]
        [ValidateRange(1, 1_000_000)]
        public int BatchSize { get; set; } = 1000;

        /// <summary>Writes every record into this entity instead of the record's own.</summary>
        [Parameter]
        public string? Entity { get; set; }

        /// <summary>Creates the target table when it does not exist (file targets are always created).</summary>
        [Parameter]
        public SwitchParameter Create { get; set; }

        /// <summary>Emit one outcome per record instead of the per-entity summaries.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The migration ledger file. Default: next to the target (&lt;file&gt;.crm-ledger.sqlite, or .crm-ledger.sqlite in a folder target).</summary>
        [Parameter]
        public string? StatePath { get; set; }

        /// <summary>Run without the migration ledger: no per-record record, no resume, no skipping of unchanged records by fingerprint.</summary>
        [Parameter]
        public SwitchParameter NoLedger { get; set; }

        /// <summary>Continue the newest unfinished run for this target (after a crash or a kill): records it already accounted for are passed over.</summary>
        [Parameter]
        public SwitchParameter Resume { get; set; }

        /// <summary>Start a run with this id, or continue it when the ledger already has it.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9._:-]{1,100}$")]
        public string? RunId { get; set; }

        /// <summary>A folder for rejected records: one &lt;entity&gt;.csv each, with the original fields plus RejectReason and RejectMessage.</summary>
        [Parameter]
        public string? RejectPath { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            var connection = ResolveConnection(Connection, Path);
            _whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter sp && sp.IsPresent;
            RequireLedgerFor(NoLedger.IsPresent, Resume.IsPresent, RunId);
            try
            {
                _provider = ConnectionFactory.Open(connection);
                if (!NoLedger.IsPresent && !_whatIf)
                {
                    _ledger = new MigrationLedger(ResolvePath(StatePath ?? MigrationLedger.DefaultPath(connection)));
                }
                if (RejectPath is not null && !_whatIf) _rejects = new RejectFileWriter(ResolvePath(RejectPath));
                _session = new ImportSession(_provider, new ImportOptions
                {
                    Mode = Mode == CrmImportMode.Upsert ? CrmWriteMode.Upsert : CrmWriteMode.Insert,
                    BatchSize = BatchSize,
                    CreateIfMissing = Create.IsPresent || connection.Provider != CrmProviderKind.Sqlite,
                    WhatIf = _whatIf,
                    Entity = Entity,
                    Encoding = connection.Encoding,
                    Ledger = _ledger,
                    RunId = RunId,
                    Resume = Resume.IsPresent,
                    Parameters = LedgerParameters("InputObject"),
                    ModuleVersion = ModuleVersion,
                    CancellationToken = CancellationToken,
                });
                if (_session.RunId is not null) WriteVerbose((_session.Resumed ? "Resuming" : "Starting") + $" run {_session.RunId}; ledger {_ledger!.Path}.");
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, connection);
            }
            _clock.Start();
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var record = InputObject!;
            string entity = Entity ?? record.Entity;
            _received++;
            if (!Confirm(entity))
            {
                Decline(record, entity);
                return;
            }
            try
            {
                if (record.Decided is { } decided)
                {
                    // Rejected or filtered by Convert-CrmRecord -IncludeRejected, or merged by Merge-CrmRecord: into the books and the ledger, not the target.
                    var outcome = new CrmRecordOutcome(Entity ?? decided.Entity, decided.Key, decided.Outcome)
                    {
                        ReasonCode = decided.ReasonCode,
                        Message = decided.Message,
                        Origin = decided.Origin ?? record.Origin,
                        MergedInto = decided.MergedInto,
                    };
                    _session!.AddDecided(decided.Entity, record, outcome, _results);
                }
                else
                {
                    _session!.Add(record, _results);
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, record);
            }
            Drain();
            if (_session!.Warnings.Count > 0)
            {
                foreach (var w in _session.Warnings) WriteWarning(w);
                _session.Warnings.Clear();
            }
            if ((_received & 1023) == 0) WriteThrottledProgress(2, "Import-CrmData", _whatIf ? "Planning" : "Writing", _received, _clock.Elapsed.TotalSeconds);
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            if (_session is null) return;
            IReadOnlyList<CrmImportSummary> summaries;
            try
            {
                summaries = _session.Complete(_results);
                _completed = true;
                foreach (var w in _session.Warnings) WriteWarning(w);
                _session.Warnings.Clear();
                if (_session.FirstNewRecordAfter is TimeSpan first)
                {
                    WriteVerbose(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Resumed run {_session.RunId}: first new record written {first.TotalSeconds:F3} s after the restart."));
                }
                Drain();
                if (_rejects is not null)
                {
                    _rejects.Complete();
                    if (_rejects.Total > 0) WriteVerbose($"{_rejects.Total} rejected record(s) written to {_rejects.Folder}.");
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
                return;
            }
            CompleteProgress(2, "Import-CrmData");
            RequireBalanced(summaries);
            if (PassThru.IsPresent) return;
            foreach (var s in summaries) WriteObject(s);
            foreach (var s in _declinedSummaries.Values) WriteObject(s);
        }

        private bool Confirm(string entity)
        {
            if (_confirmed.Contains(entity)) return true;
            if (_declined.Contains(entity)) return false;
            string target = _provider!.Connection.DisplayName;
            if (_whatIf)
            {
                // -WhatIf: say once what would happen, then plan every record without writing.
                ShouldProcess($"{entity} in {target}", $"Import records ({Mode})");
                _confirmed.Add(entity);
                return true;
            }
            if (ShouldProcess($"{entity} in {target}", $"Import records ({Mode})"))
            {
                _confirmed.Add(entity);
                return true;
            }
            _declined.Add(entity);
            return false;
        }

        private void Decline(CrmRecord record, string entity)
        {
            if (!_declinedSummaries.TryGetValue(entity, out var summary))
            {
                summary = new CrmImportSummary(entity, _provider!.Connection.DisplayName);
                _declinedSummaries[entity] = summary;
            }
            summary.Read++;
            summary.Rejected++;
            summary.RejectReasons["NotConfirmed"] = summary.Read;
            if (PassThru.IsPresent)
            {
                WriteObject(new CrmRecordOutcome(entity, record.Key?.ToString(), CrmOutcome.Rejected) { ReasonCode = "NotConfirmed", Message = "The user declined the import of this entity.", Origin = record.Origin });
            }
        }

        private void Drain()
        {
            if (_results.Count == 0) return;
            foreach (var r in _results)
            {
                var o = r.Outcome;
                // A record Convert-CrmRecord rejected was reported there (error, and its own reject file in the source's shape).
                if (o.Outcome == CrmOutcome.Rejected && !o.WhatIf && r.Record.Decided is null)
                {
                    var error = new CrmDataError(o.ReasonCode ?? "ImportRejected", CrmErrorKind.WriteError, o.Message ?? "The target refused the record.")
                    {
                        Entity = o.Entity,
                        Key = o.Key,
                        File = r.Record.Origin?.File,
                        Line = r.Record.Origin?.Line ?? 0,
                        Record = r.Record,
                    };
                    WriteCrmError(error, r.Record);
                    if (_rejects is not null && !_rejects.Write(r.Record, new[] { error }))
                    {
                        WriteCrmError(new CrmDataError("RejectFileWriteFailed", CrmErrorKind.WriteError,
                            $"The rejected record could not be added to its reject file in {_rejects.Folder} (it has a field the file's columns lack).") { Entity = o.Entity, Key = o.Key, Record = r.Record }, r.Record);
                    }
                }
                if (PassThru.IsPresent) WriteObject(o);
            }
            _results.Clear();
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (!_completed) _session?.Abandon();
            _session?.Dispose();
            _rejects?.Dispose();
            _ledger?.Dispose();
            _provider?.Dispose();
        }
    }
}
