using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Commands
{
    /// <summary>Prepares records for the target: maps, cleanses and checks them, filters with reasons, and rejects records that break a rule.</summary>
    [Cmdlet(VerbsData.Convert, "CrmRecord")]
    [OutputType(typeof(CrmRecord))]
    public sealed class ConvertCrmRecordCommand : CrmCmdlet
    {
        private const int MaxWarnings = 100;
        private CompiledMapping? _mapping;
        private RejectFileWriter? _rejects;
        private readonly MapScratch _scratch = new();
        private readonly RepeatMerger _repeats = new();
        private readonly HashSet<string> _warnedEntities = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, CrmConvertSummary> _summaries = new(StringComparer.OrdinalIgnoreCase);
        private readonly Stopwatch _clock = new();
        private CrmConvertSummary? _last;
        private long _warnings;
        private string? _lastSource;
        private int _lastTargets;
        private IReadOnlyList<EntityMapping>? _lastDefinitions;

        /// <summary>The records to convert.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public CrmRecord? InputObject { get; set; }

        /// <summary>The mapping: a .psd1 or .json file, or a hashtable.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public object? Mapping { get; set; }

        /// <summary>Attach to each record the list of values the mapping changed or dropped (record.Changes).</summary>
        [Parameter]
        public SwitchParameter Explain { get; set; }

        /// <summary>A folder for rejected records: one CSV per source entity with RejectReason and RejectMessage.</summary>
        [Parameter]
        public string? RejectPath { get; set; }

        /// <summary>Also send rejected and filtered source records down the pipeline, marked with their outcome (record.Decided), so Import-CrmData accounts for them in its books and ledger.</summary>
        [Parameter]
        public SwitchParameter IncludeRejected { get; set; }

        /// <summary>The name of a variable that receives the per-entity accounting at the end.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SummaryVariable { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            try
            {
                _mapping = MappingLoader.Load(Mapping!, ResolvePath);
                WriteVerbose($"Mapping {_mapping.Definition.SourcePath ?? "(table)"} hash {_mapping.Definition.Hash}.");
                if (RejectPath is not null)
                {
                    _rejects = new RejectFileWriter(ResolvePath(RejectPath));
                    WriteVerbose($"Rejected records go to {_rejects.Folder} (made with the first one).");
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Mapping);
            }
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var input = InputObject!;
            if (!_clock.IsRunning) _clock.Start();
            if (!ReferenceEquals(input.Entity, _lastSource))
            {
                // Records of one source come in runs: its targets are looked up once per run, not per record.
                _lastTargets = Math.Max(1, _mapping!.TargetCount(input.Entity));
                _lastDefinitions = _mapping.TargetsOf(input.Entity);
                _lastSource = input.Entity;
            }
            int targets = _lastTargets;
            var definitions = _lastDefinitions!;
            // A source entity that feeds several targets (a denormalised file) gives one output per target.
            for (int t = 0; t < targets; t++)
            {
                var summary = SummaryOf(input.Entity, definitions.Count > 0 ? definitions[t].Target : null);
                summary.Read++;
                _scratch.Clear();
                var status = _mapping!.Map(input, t, Explain.IsPresent, out var output, _scratch);
                if (_scratch.Warnings.Count > 0) Warn(summary, input);
                if (status == MapStatus.Mapped && _repeats.Check(definitions[t], output!, out string? conflict) is { } repeat)
                {
                    // OnRepeat = 'Merge': a later row with the same key is merged into the first (or rejected on conflict).
                    if (conflict is not null) WriteWarning(input.Origin is null ? repeat.Message : $"{input.Origin}: {repeat.Message}");
                    if (repeat.Outcome == CrmOutcome.Merged)
                    {
                        summary.Merged++;
                        if (IncludeRejected.IsPresent) PassDecided(input, definitions[t].Target, CrmOutcome.Merged, repeat.ReasonCode!, repeat.Message);
                        continue;
                    }
                    status = MapStatus.Rejected;
                    _scratch.Errors.Add(new CrmDataError(repeat.ReasonCode!, CrmErrorKind.InvalidValue, repeat.Message!) { Entity = input.Entity, Key = input.Key?.ToString(), File = input.Origin?.File, Line = input.Origin?.Line ?? 0, Record = input });
                }
                switch (status)
                {
                    case MapStatus.Mapped:
                        summary.Converted++;
                        output!.MappingHash = _mapping.Definition.Hash;
                        WriteObject(output);
                        break;
                    case MapStatus.Rejected:
                        summary.Rejected++;
                        string code = _scratch.Errors[0].Code;
                        summary.RejectReasons[code] = summary.RejectReasons.TryGetValue(code, out long n) ? n + 1 : 1;
                        if (_rejects is not null && !_rejects.Write(input, _scratch.Errors))
                        {
                            WriteWarning($"A rejected {input.Entity} record ({input.Key}) has fields the reject file's columns lack; it is reported as an error only.");
                        }
                        foreach (var e in _scratch.Errors) WriteCrmError(e, input);
                        if (IncludeRejected.IsPresent) PassDecided(input, definitions[t].Target, CrmOutcome.Rejected, code, RejectMessage(_scratch.Errors));
                        break;
                    case MapStatus.Filtered:
                        summary.Filtered++;
                        string reason = _scratch.FilterReason!;
                        summary.FilterReasons[reason] = summary.FilterReasons.TryGetValue(reason, out long f) ? f + 1 : 1;
                        WriteVerbose(_scratch.FilterMessage!);
                        if (IncludeRejected.IsPresent) PassDecided(input, definitions[t].Target, CrmOutcome.Filtered, reason, _scratch.FilterMessage);
                        break;
                    default:
                        summary.PassedThrough++;
                        if (_warnedEntities.Add(input.Entity))
                        {
                            WriteWarning($"The mapping does not name the entity '{input.Entity}'; its records pass through unchanged.");
                        }
                        WriteObject(input);
                        break;
                }
            }
        }

        /// <summary>Sends a source record the mapping did not convert, marked with its outcome in the target entity.</summary>
        private void PassDecided(CrmRecord input, string entity, CrmOutcome outcome, string reason, string? message)
        {
            var marked = input.Clone();
            marked.Decided = new CrmRecordOutcome(entity, input.Key?.ToString(), outcome) { ReasonCode = reason, Message = message, Origin = input.Origin };
            marked.MappingHash = _mapping!.Definition.Hash;
            WriteObject(marked);
        }

        private static string RejectMessage(List<CrmDataError> errors)
        {
            if (errors.Count == 1) return errors[0].Message;
            var parts = new List<string>(errors.Count);
            foreach (var e in errors) parts.Add(e.Message);
            return string.Join(" ", parts);
        }

        private CrmConvertSummary SummaryOf(string entity, string? target)
        {
            if (_last is not null && string.Equals(_last.Entity, entity, StringComparison.OrdinalIgnoreCase) && string.Equals(_last.Target, target, StringComparison.OrdinalIgnoreCase)) return _last;
            string id = entity + "\u0001" + target;
            if (!_summaries.TryGetValue(id, out var s))
            {
                s = new CrmConvertSummary(entity, target);
                _summaries[id] = s;
            }
            _last = s;
            return s;
        }

        private void Warn(CrmConvertSummary summary, CrmRecord input)
        {
            foreach (var w in _scratch.Warnings)
            {
                summary.Warnings++;
                if (++_warnings <= MaxWarnings) WriteWarning(input.Origin is null ? $"{input.Entity} {input.Key}: {w}" : $"{input.Entity} {input.Key} ({input.Origin}): {w}");
                else if (_warnings == MaxWarnings + 1) WriteWarning($"More than {MaxWarnings} value warnings; the rest are counted in the summary (-SummaryVariable) and listed per record with -Explain.");
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            _clock.Stop();
            try
            {
                _rejects?.Complete();
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, RejectPath);
            }
            if (_rejects is not null && _rejects.Total > 0) WriteVerbose($"{_rejects.Total} rejected record(s) written to {_rejects.Folder}.");
            var list = new List<CrmConvertSummary>(_summaries.Values);
            foreach (var s in list)
            {
                s.Elapsed = _clock.Elapsed;
                WriteVerbose($"{s.Entity}{(s.Target is null ? "" : " -> " + s.Target)}: read {s.Read}, converted {s.Converted}, merged {s.Merged}, rejected {s.Rejected}, filtered {s.Filtered}, passed through {s.PassedThrough}, warnings {s.Warnings}{Reasons(s)}.");
            }
            if (SummaryVariable is not null) SessionState.PSVariable.Set(SummaryVariable, list.ToArray());
        }

        private static string Reasons(CrmConvertSummary s)
        {
            var parts = new List<string>();
            foreach (var kv in s.RejectReasons) parts.Add(kv.Key + "=" + kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var kv in s.FilterReasons) parts.Add(kv.Key + "=" + kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")";
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing && _rejects is not null)
            {
                // A stopped pipeline keeps the rejects written so far.
                try { _rejects.Complete(); } catch (CrmException) { } catch (System.IO.IOException) { }
                _rejects.Dispose();
                _rejects = null;
            }
        }
    }
}
