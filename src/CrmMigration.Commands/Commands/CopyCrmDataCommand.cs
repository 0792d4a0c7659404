using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CrmMigration.Engine.Dedupe;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Commands
{
    /// <summary>
    /// The whole migration in one command: Export-CrmData | Convert-CrmRecord | Import-CrmData run inside
    /// the engine, with the same meaning, books and ledger, and no per-record PowerShell objects.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "CrmData", SupportsShouldProcess = true)]
    [OutputType(typeof(CrmImportSummary), typeof(CrmRecordOutcome))]
    public sealed class CopyCrmDataCommand : CrmImportCmdlet
    {
        private ICrmProvider? _source;
        private ICrmProvider? _target;
        private MigrationLedger? _ledger;
        private RejectFileWriter? _rejects;
        private MigrationCopier? _copier;
        private DedupeRunner? _dedupe;
        private bool _whatIf;
        private string _entity = "";

        /// <inheritdoc/>
        protected override bool IsWhatIf => _whatIf;

        /// <summary>The system to read (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [CrmConnectionTransformation]
        public CrmConnection? Source { get; set; }

        /// <summary>The system to write (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [CrmConnectionTransformation]
        [Alias("Destination")]
        public CrmConnection? Target { get; set; }

        /// <summary>Source entities to copy; wildcards allowed. All (or the mapping's) when omitted; always parents first.</summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EntityCompleter))]
        public string[]? Entity { get; set; }

        /// <summary>The mapping: a .psd1 or .json file, or a hashtable. Without it records are copied as they are.</summary>
        [Parameter]
        public object? Mapping { get; set; }

        /// <summary>Field = value conditions every source record must meet to be read; * and ? in text values are wildcards.</summary>
        [Parameter]
        public Hashtable? Filter { get; set; }

        /// <summary>Also write a report of the run at its end: .html, .xlsx or .json (several at once); not under -WhatIf.</summary>
        [Parameter]
        public string[]? ReportPath { get; set; }

        /// <summary>Dedupe rules (.psd1, .json or a hashtable): the mapped records of each entity they name are merged before import, as Merge-CrmRecord does.</summary>
        [Parameter]
        public object? Dedupe { get; set; }

        /// <summary>With -Dedupe: also match against the records already in the target; a match updates the existing record (needs -Mode Upsert).</summary>
        [Parameter]
        public SwitchParameter MatchTarget { get; set; }

        /// <summary>With -Dedupe: where the grey-zone pairs go for people to decide (a folder, one CSV per entity, or an .xlsx workbook).</summary>
        [Parameter]
        public string? ReviewPath { get; set; }

        /// <summary>With -Dedupe: a filled-in review file whose Match / NoMatch decisions apply and are remembered in the ledger.</summary>
        [Parameter]
        public string? Decisions { get; set; }

        /// <summary>A delta run: carry only what changed since the last completed run into the target (watermark or fingerprints), and find records deleted in the source.</summary>
        [Parameter]
        public SwitchParameter Incremental { get; set; }

        /// <summary>With -Incremental: what happens to target records whose source record was deleted (Report, Delete, SoftDelete).</summary>
        [Parameter]
        public CrmDeletedRecordAction DeletedRecords { get; set; } = CrmDeletedRecordAction.Report;

        /// <summary>With -DeletedRecords SoftDelete: the target field set to true for records deleted in the source.</summary>
        [Parameter]
        public string? SoftDeleteField { get; set; }

        /// <summary>
        /// One slice of a partitioned run, "k/n" (1 &lt;= k &lt;= n): this worker copies the source records whose key hash modulo n
        /// is k - 1. Workers give the same -RunId and -StatePath (a shared ledger) and each its own k.
        /// </summary>
        [Parameter]
        public string? Partition { get; set; }

        /// <summary>
        /// How many source entities are read at once (1, the default: one after another). Above 1, a CSV source's entities are read
        /// ahead on threads of their own, the one being copied and the next ones parents first, while the mapping and the writes
        /// stay one entity at a time in the same order, so results, errors, rejects, the ledger and a resume are as with 1.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 1;

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            RequireLedgerFor(NoLedger.IsPresent, Resume.IsPresent, RunId);
            var slice = CheckPartition();
            if (!Incremental.IsPresent && (DeletedRecords != CrmDeletedRecordAction.Report || SoftDeleteField is not null))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-DeletedRecords and -SoftDeleteField say what a delta run does with records deleted in the source: add -Incremental."), "DeletedRecordsNeedIncremental", ErrorCategory.InvalidArgument, null));
            }
            var reportPaths = ResolveReportPaths(ReportPath);
            var source = Source!;
            var target = WithWriteOptions(Target!);
            // One question for the whole copy decides -WhatIf (typed, by preference or inherited) before anything is
            // created; -Confirm then asks once more per target entity.
            var answer = Ask(target.DisplayName, $"Copy records from {source.DisplayName} ({Mode})");
            if (answer == Consent.No) return;
            _whatIf = answer == Consent.WhatIf;
            IReadOnlyList<CrmImportSummary> summaries;
            CompiledMapping? mapping = null;
            try
            {
                if (Mapping is not null)
                {
                    mapping = MappingLoader.Load(Mapping, ResolvePath);
                    WriteVerbose($"Mapping {mapping.Definition.SourcePath ?? "(table)"} hash {mapping.Definition.Hash}.");
                }
                // Dedupe rules and decisions are checked before anything is opened or read.
                var dedupe = PrepareDedupe();
                _source = OpenSourceProvider(source);
                List<string>? entities = null;
                if (Entity is not null && Entity.Length > 0)
                {
                    entities = new List<string>(EntitySelector.Select(ListEntities(_source), Entity, this));
                }
                _target = OpenProvider(target);
                // A delta run under -WhatIf still reads the ledger (its watermarks and what the target holds); it writes nothing there.
                _ledger = Incremental.IsPresent && _whatIf && !NoLedger.IsPresent ? LedgerLocator.Open(StatePath, target, ResolvePath) : OpenLedger(target, _whatIf);
                _rejects = OpenRejects(_whatIf);
                _dedupe = OpenDedupe(dedupe);
                _copier = new MigrationCopier(_source, _target, new CopyOptions
                {
                    Mapping = mapping,
                    Entities = entities,
                    Filters = FieldFilters(Filter),
                    Rejects = _rejects,
                    Confirm = Confirm,
                    OnError = WriteRefusal,
                    OnOutcome = PassThru.IsPresent ? o => WriteObject(o) : null,
                    OnProgress = Progress,
                    Dedupe = _dedupe,
                    Incremental = Incremental.IsPresent,
                    DeletedRecords = DeletedRecords,
                    SoftDeleteField = SoftDeleteField,
                    Import = WithPartition(NewImportOptions(target, _whatIf, _ledger, LedgerParameters() + (dedupe is { } rules ? "; DedupeRulesHash=" + rules.Rules.Hash : "")), slice),
                    Partition = slice,
                    ThrottleLimit = ThrottleLimit,
                });
                if (_copier.RunId is not null) WriteVerbose((_copier.Resumed ? "Resuming" : "Starting") + $" run {_copier.RunId}; ledger {_ledger!.Path}.");
                if (_rejects is not null && _copier.RunId is not null) _rejects.Run = _copier.RunId;
                summaries = _copier.Run();
                Warnings();
                WriteDuplicateKeys(_target.Connection.DisplayName);
                WriteSchemaErrors(_copier.SchemaErrors);
                if (_copier.FirstNewRecordAfter is TimeSpan first)
                {
                    WriteVerbose(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Resumed run {_copier.RunId}: first new record written {first.TotalSeconds:F3} s after the restart."));
                }
                foreach (var kv in _copier.MalformedRows) WriteVerbose($"{kv.Key}: {kv.Value} malformed source row(s), counted as rejected.");
                foreach (var kv in _copier.NotCarried) WriteVerbose($"{kv.Key}: {kv.Value} record(s) not modified since the watermark, not carried.");
                if (_dedupe is not null)
                {
                    foreach (var d in _dedupe.Summaries) WriteVerbose("Dedupe " + d);
                    if (ReviewPath is not null && !_whatIf) WriteVerbose($"{_dedupe.WriteReview()} pair(s) written to the review file {ResolvePath(ReviewPath)}.");
                }
                if (_rejects is not null && _rejects.Total > 0) WriteVerbose($"{_rejects.Total} rejected record(s) written to {_rejects.Folder}.");
            }
            catch (CrmException ex)
            {
                if (_copier is not null) Warnings();
                if (_target is not null) WriteDuplicateKeys(_target.Connection.DisplayName);
                // The report of a run that stopped says so (the ledger marked it Failed).
                if (!_whatIf && _ledger is not null && _copier?.RunId is not null && reportPaths is not null)
                {
                    CompleteRejects();
                    WriteRunReport(reportPaths, () => RunReport(null, mapping));
                }
                ThrowCrm(ex, _entity.Length > 0 ? _entity : target);
                return;
            }
            CompleteProgress(3, "Copy-CrmData");
            if (!_whatIf && reportPaths is not null)
            {
                CompleteRejects();
                WriteRunReport(reportPaths, () => RunReport(summaries, mapping));
            }
            RequireBalanced(summaries);
            if (PassThru.IsPresent) return;
            foreach (var s in summaries) WriteObject(s);
        }

        /// <summary>-Partition checked before anything is opened: k/n with 1 &lt;= k &lt;= n, with -RunId and the ledger, not with a delta run or -Dedupe.</summary>
        private PartitionSlice? CheckPartition()
        {
            if (Partition is null) return null;
            var slice = PartitionSlice.Parse(Partition);
            if (slice is null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Partition '{Partition}' is not a partition: give k/n with whole numbers 1 <= k <= n, e.g. 3/8."), "PartitionInvalid", ErrorCategory.InvalidArgument, Partition));
            }
            string? refused = NoLedger.IsPresent ? "-NoLedger (the workers share their books in the ledger)"
                : Incremental.IsPresent ? "-Incremental (a delta run finds deletions from every source key)"
                : Dedupe is not null ? "-Dedupe (duplicates are found across the whole entity)"
                : null;
            if (refused is not null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Partition does not go with {refused}."), "PartitionNotSupported", ErrorCategory.InvalidArgument, Partition));
            }
            if (RunId is null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Every worker of a partitioned run gives the same -RunId (any text, e.g. 'accounts-2026-05'): the first one starts the run, the others join it."), "PartitionNeedsRunId", ErrorCategory.InvalidArgument, Partition));
            }
            return slice;
        }

        private static ImportOptions WithPartition(ImportOptions options, PartitionSlice? slice)
        {
            if (slice is null) return options;
            options.Partition = slice.Part;
            options.Partitions = slice.Parts;
            return options;
        }

        private Engine.Reports.ReportRequest RunReport(IReadOnlyList<CrmImportSummary>? summaries, CompiledMapping? mapping) => new()
        {
            Ledger = _ledger,
            RunId = _copier?.RunId,
            RequireRun = _ledger is not null,
            Summaries = _ledger is null ? summaries : null,
            Mapping = mapping?.Definition,
            RejectFolder = _rejects?.Folder,
            Source = Source!.DisplayName,
            Target = Target!.DisplayName,
        };

        /// <summary>The rules and decisions of -Dedupe, checked before anything is opened; null without -Dedupe.</summary>
        private (DedupeRuleSet Rules, List<MergeDecision> Decisions, string? From)? PrepareDedupe()
        {
            if (Dedupe is null)
            {
                if (MatchTarget.IsPresent || ReviewPath is not null || Decisions is not null)
                {
                    throw new CrmException("DedupeRulesMissing", CrmErrorKind.InvalidArgument, "-MatchTarget, -ReviewPath and -Decisions work with -Dedupe: give the dedupe rules.");
                }
                return null;
            }
            if (MatchTarget.IsPresent && Mode != CrmImportMode.Upsert)
            {
                throw new CrmException("DedupeTargetNeedsUpsert", CrmErrorKind.InvalidArgument, "-MatchTarget updates records already in the target: use -Mode Upsert.");
            }
            var rules = DedupeRulesLoader.Load(Dedupe, ResolvePath);
            WriteVerbose($"Dedupe rules {rules.SourcePath ?? "(table)"} hash {rules.Hash}.");
            string? from = Decisions is null ? null : ResolvePath(Decisions);
            var decisions = from is null ? new List<MergeDecision>() : MergeDecisions.ReadFile(from, out _);
            return (rules, decisions, from);
        }

        /// <summary>The dedupe of -Dedupe over the opened target and ledger, or null.</summary>
        private DedupeRunner? OpenDedupe((DedupeRuleSet Rules, List<MergeDecision> Decisions, string? From)? prepared)
        {
            if (prepared is not { } p) return null;
            return new DedupeRunner(p.Rules, new DedupeRunOptions
            {
                Decisions = p.Decisions,
                DecisionsSource = p.From,
                Ledger = _ledger,
                RememberDecisions = !_whatIf,
                ReviewPath = ReviewPath is null ? null : ResolvePath(ReviewPath),
                Target = MatchTarget.IsPresent ? _target : null,
                CancellationToken = CancellationToken,
            });
        }

        private bool Confirm(string entity)
        {
            _entity = entity;
            // Under -WhatIf this says once per entity what would happen; every record is then planned, not written.
            return Ask($"{entity} in {_target!.Connection.DisplayName}", $"Copy records from {_source!.Connection.DisplayName} ({Mode})") != Consent.No;
        }

        private void Progress(CopyProgress p)
        {
            Warnings();
            WriteThrottledProgress(3, "Copy-CrmData " + p.Entity, _whatIf ? "Planning" : "Copying", p.Total, p.Seconds);
        }

        private void Warnings()
        {
            var notes = _copier!.Notes;
            foreach (var n in notes) WriteVerbose(n);
            notes.Clear();
            var list = _copier.Warnings;
            if (list.Count == 0) return;
            foreach (var w in list) WriteWarning(w);
            list.Clear();
        }

        /// <summary>Moves the reject files into place (the report names them); a stopped copy keeps the rejects written so far.</summary>
        private void CompleteRejects()
        {
            if (_rejects is null) return;
            try { _rejects.Complete(); } catch (CrmException) { } catch (System.IO.IOException) { }
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            _copier?.Dispose();
            _dedupe?.Dispose();
            if (_rejects is not null)
            {
                CompleteRejects();
                _rejects.Dispose();
            }
            _ledger?.Dispose();
            _target?.Dispose();
            _source?.Dispose();
        }
    }
}
