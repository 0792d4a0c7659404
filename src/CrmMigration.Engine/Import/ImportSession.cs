using System;
using System.Collections.Generic;
using System.Diagnostics;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    /// <summary>One record and what happened to it.</summary>
    public readonly struct ImportResult
    {
        public ImportResult(CrmRecord record, CrmRecordOutcome outcome)
        {
            Record = record;
            Outcome = outcome;
        }

        public CrmRecord Record { get; }
        public CrmRecordOutcome Outcome { get; }
    }

    /// <summary>Options of an import.</summary>
    public sealed class ImportOptions
    {
        public CrmWriteMode Mode { get; set; } = CrmWriteMode.Insert;
        public int BatchSize { get; set; } = 1000;
        public bool CreateIfMissing { get; set; }
        /// <summary>Writes nothing; outcomes say what would happen.</summary>
        public bool WhatIf { get; set; }
        /// <summary>Renames every record's entity (null keeps each record's own).</summary>
        public string? Entity { get; set; }
        public string? Encoding { get; set; }
    }

    /// <summary>
    /// Streams records into a target: one writer and one batch per entity, flushed when full and at
    /// the end, with per-entity accounting (read = inserted + updated + skipped + rejected).
    /// </summary>
    public sealed class ImportSession : IDisposable
    {
        private readonly ICrmProvider _provider;
        private readonly ImportOptions _options;
        private readonly Dictionary<string, EntityState> _entities = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<CrmRecordOutcome> _scratch = new();

        public ImportSession(ICrmProvider provider, ImportOptions options)
        {
            _provider = provider;
            _options = options;
            if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        }

        /// <summary>Adds a record; when its entity's batch is full, writes it and adds the results to <paramref name="results"/>.</summary>
        public void Add(CrmRecord record, List<ImportResult> results)
        {
            if (_options.Entity is not null && !string.Equals(record.Entity, _options.Entity, StringComparison.Ordinal))
            {
                record = record.Clone();
                record.Entity = _options.Entity;
            }
            var state = GetState(record.Entity, record.Key?.FieldNames);
            state.Summary.Read++;
            if (state.OpenError is not null)
            {
                var outcome = new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Rejected)
                {
                    ReasonCode = state.OpenError.Error.Code,
                    Message = state.OpenError.Error.Message,
                    WhatIf = _options.WhatIf,
                    Origin = record.Origin,
                };
                Count(state, outcome);
                results.Add(new ImportResult(record, outcome));
                return;
            }
            state.Batch.Add(record);
            if (state.Batch.Count >= _options.BatchSize) FlushEntity(state, results);
        }

        /// <summary>Writes every pending batch.</summary>
        public void Flush(List<ImportResult> results)
        {
            foreach (var state in _entities.Values) FlushEntity(state, results);
        }

        /// <summary>Writes what is pending, completes every writer and returns the per-entity summaries.</summary>
        public IReadOnlyList<CrmImportSummary> Complete(List<ImportResult> results)
        {
            Flush(results);
            var summaries = new List<CrmImportSummary>();
            foreach (var state in _entities.Values)
            {
                if (!_options.WhatIf) state.Writer?.Complete();
                state.Clock.Stop();
                state.Summary.Elapsed = state.Clock.Elapsed;
                summaries.Add(state.Summary);
            }
            return summaries;
        }

        /// <summary>Per-entity summaries so far (for progress).</summary>
        public IEnumerable<CrmImportSummary> Summaries
        {
            get { foreach (var s in _entities.Values) yield return s.Summary; }
        }

        private EntityState GetState(string entity, IReadOnlyList<string>? keyFields)
        {
            if (_entities.TryGetValue(entity, out var state)) return state;
            state = new EntityState(new CrmImportSummary(entity, _provider.Connection.DisplayName) { WhatIf = _options.WhatIf });
            try
            {
                state.Writer = _provider.OpenWriter(entity, new CrmWriteOptions
                {
                    Mode = _options.Mode,
                    CreateIfMissing = _options.CreateIfMissing,
                    KeyFields = keyFields,
                    Encoding = _options.Encoding,
                });
            }
            catch (CrmException ex) when (ex.Error.Kind != CrmErrorKind.ConnectionError)
            {
                state.OpenError = ex;
            }
            _entities.Add(entity, state);
            return state;
        }

        private void FlushEntity(EntityState state, List<ImportResult> results)
        {
            if (state.Batch.Count == 0 || state.Writer is null) return;
            state.BatchNumber++;
            _scratch.Clear();
            if (_options.WhatIf) state.Writer.PlanBatch(state.Batch, _scratch);
            else state.Writer.WriteBatch(state.Batch, _scratch);
            if (_scratch.Count != state.Batch.Count)
            {
                throw new InvalidOperationException($"The writer for {state.Summary.Entity} returned {_scratch.Count} outcomes for {state.Batch.Count} records.");
            }
            for (int i = 0; i < _scratch.Count; i++)
            {
                var outcome = _scratch[i];
                outcome.Batch = state.BatchNumber;
                outcome.WhatIf = _options.WhatIf;
                outcome.Origin ??= state.Batch[i].Origin;
                Count(state, outcome);
                results.Add(new ImportResult(state.Batch[i], outcome));
            }
            state.Batch.Clear();
        }

        private static void Count(EntityState state, CrmRecordOutcome outcome)
        {
            var s = state.Summary;
            switch (outcome.Outcome)
            {
                case CrmOutcome.Inserted: s.Inserted++; break;
                case CrmOutcome.Updated: s.Updated++; break;
                case CrmOutcome.Skipped: s.Skipped++; break;
                default:
                    s.Rejected++;
                    string reason = outcome.ReasonCode ?? "Unknown";
                    s.RejectReasons[reason] = s.RejectReasons.TryGetValue(reason, out long n) ? n + 1 : 1;
                    break;
            }
        }

        public void Dispose()
        {
            foreach (var state in _entities.Values) state.Writer?.Dispose();
        }

        private sealed class EntityState
        {
            public EntityState(CrmImportSummary summary) { Summary = summary; }
            public CrmImportSummary Summary { get; }
            public ICrmEntityWriter? Writer { get; set; }
            public CrmException? OpenError { get; set; }
            public List<CrmRecord> Batch { get; } = new();
            public int BatchNumber { get; set; }
            public Stopwatch Clock { get; } = Stopwatch.StartNew();
        }
    }
}
