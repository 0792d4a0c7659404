using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>Writes records into a system in batches, inserting or upserting by key, and accounts for every record.</summary>
    [Cmdlet(VerbsData.Import, "CrmData", SupportsShouldProcess = true, DefaultParameterSetName = "Connection")]
    [OutputType(typeof(CrmImportSummary), typeof(CrmRecordOutcome))]
    public sealed class ImportCrmDataCommand : CrmCmdlet
    {
        private ICrmProvider? _provider;
        private ImportSession? _session;
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

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            CrmConnection connection;
            try
            {
                connection = Connection ?? ConnectionFactory.FromPath(ResolvePath(Path!));
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Path);
                return;
            }
            _whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter sp && sp.IsPresent;
            try
            {
                _provider = ConnectionFactory.Open(connection);
                _session = new ImportSession(_provider, new ImportOptions
                {
                    Mode = Mode == CrmImportMode.Upsert ? CrmWriteMode.Upsert : CrmWriteMode.Insert,
                    BatchSize = BatchSize,
                    CreateIfMissing = Create.IsPresent || connection.Provider != CrmProviderKind.Sqlite,
                    WhatIf = _whatIf,
                    Entity = Entity,
                    Encoding = connection.Encoding,
                });
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
                _session!.Add(record, _results);
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
            if (_session is null) return;
            IReadOnlyList<CrmImportSummary> summaries;
            try
            {
                summaries = _session.Complete(_results);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex);
                return;
            }
            Drain();
            CompleteProgress(2, "Import-CrmData");
            foreach (var s in summaries)
            {
                if (!s.Balanced)
                {
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                        $"The accounting for {s.Entity} does not balance: read {s.Read} != inserted {s.Inserted} + updated {s.Updated} + skipped {s.Skipped} + rejected {s.Rejected}."),
                        "ImportAccountingMismatch", ErrorCategory.InvalidResult, s));
                }
            }
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
                if (o.Outcome == CrmOutcome.Rejected && !o.WhatIf)
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
                }
                if (PassThru.IsPresent) WriteObject(o);
            }
            _results.Clear();
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            _session?.Dispose();
            _provider?.Dispose();
        }
    }
}
