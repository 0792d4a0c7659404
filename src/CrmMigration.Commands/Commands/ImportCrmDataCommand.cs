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
    public sealed class ImportCrmDataCommand : CrmImportCmdlet
    {
        private CrmConnection? _connection;
        private ICrmProvider? _provider;
        private ImportSession? _session;
        private MigrationLedger? _ledger;
        private RejectFileWriter? _rejects;
        private OutcomeReporter? _reporter;
        private RecordBinder? _binder;
        private bool _completed;
        private bool _whatIf;
        private string? _lastEntity;
        private bool _lastConsent;

        /// <inheritdoc/>
        protected override bool IsWhatIf => _whatIf;
        private readonly List<ImportResult> _results = new();
        private readonly Dictionary<string, bool> _consent = new(StringComparer.OrdinalIgnoreCase);
        private readonly Stopwatch _clock = new();
        private long _received;

        /// <summary>The records to write: CrmRecord objects, or any objects and hashtables with -Entity.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The target system (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>A path to an SQLite file, CSV folder or file, or Excel workbook; wildcards must match one existing item.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>Writes every record into this entity instead of the record's own; required for objects that are not CrmRecords.</summary>
        [Parameter]
        public string? Entity { get; set; }

        /// <summary>The key fields of objects that are not CrmRecords (their values become each record's key).</summary>
        [Parameter]
        public string[]? Key { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            _connection = WithWriteOptions(ResolveConnection(Connection, Path, LiteralPath));
            _binder = new RecordBinder(Entity, Key);
            RequireLedgerFor(NoLedger.IsPresent, Resume.IsPresent, RunId);
            try
            {
                _provider = OpenProvider(_connection);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, _connection);
            }
            _clock.Start();
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            _received++;
            CrmRecord record;
            try
            {
                record = _binder!.Bind(InputObject!);
            }
            catch (CrmException ex)
            {
                WriteCrmError(ex.Error, InputObject);
                return;
            }
            string entity = Entity ?? record.Decided?.Entity ?? record.Entity;
            if (!Consented(entity))
            {
                _reporter!.Decline(entity, _provider!.Connection.DisplayName, record, _whatIf);
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
            if ((_received & 1023) == 0) WriteThrottledProgress(2, "Import-CrmData", _whatIf ? "Planning" : "Writing", _received, _clock.Elapsed.TotalSeconds);
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var summaries = new List<CrmImportSummary>();
            if (_session is not null)
            {
                try
                {
                    summaries.AddRange(_session.Complete(_results));
                    _completed = true;
                    WriteSchemaErrors(_session.SchemaErrors);
                    if (_session.FirstNewRecordAfter is TimeSpan first)
                    {
                        WriteVerbose(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Resumed run {_session.RunId}: first new record written {first.TotalSeconds:F3} s after the restart."));
                    }
                    Drain();
                    WriteDuplicateKeys(_provider!.Connection.DisplayName);
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
            }
            CompleteProgress(2, "Import-CrmData");
            RequireBalanced(summaries);
            if (_reporter is not null) summaries.AddRange(_reporter.Declined);
            if (PassThru.IsPresent) return;
            foreach (var s in summaries) WriteObject(s);
        }

        /// <summary>
        /// Asked once per entity. The first answer also starts the session: under -WhatIf (typed, by preference or
        /// inherited) without a ledger or reject folder, so nothing is created; otherwise with them.
        /// </summary>
        private bool Consented(string entity)
        {
            // Records of one entity come in runs: the last answer is reused without hashing the name per record.
            if (ReferenceEquals(entity, _lastEntity)) return _lastConsent;
            if (_consent.TryGetValue(entity, out bool yes)) return Remember(entity, yes);
            var answer = Ask($"{entity} in {_provider!.Connection.DisplayName}", $"Import records ({Mode})");
            yes = answer != Consent.No;
            _consent[entity] = yes;
            if (_session is null) Start(answer == Consent.WhatIf);
            return Remember(entity, yes);
        }

        private bool Remember(string entity, bool yes)
        {
            _lastEntity = entity;
            _lastConsent = yes;
            return yes;
        }

        private void Start(bool whatIf)
        {
            _whatIf = whatIf;
            try
            {
                _ledger = OpenLedger(_connection!, whatIf);
                _rejects = OpenRejects(whatIf);
                _reporter = NewReporter(_rejects);
                var options = NewImportOptions(_connection!, whatIf, _ledger, LedgerParameters("InputObject"));
                options.Entity = Entity;
                _session = new ImportSession(_provider!, options);
                if (_session.RunId is not null) WriteVerbose((_session.Resumed ? "Resuming" : "Starting") + $" run {_session.RunId}; ledger {_ledger!.Path}.");
                if (_rejects is not null && _session.RunId is not null) _rejects.Run = _session.RunId;
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, _connection);
            }
        }

        private void Drain()
        {
            foreach (var w in _session!.Warnings) WriteWarning(w);
            _session.Warnings.Clear();
            _reporter!.Report(_results);
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
