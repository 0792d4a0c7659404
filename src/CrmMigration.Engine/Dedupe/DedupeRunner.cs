using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>Options of a dedupe over a stream of several entities.</summary>
    public sealed class DedupeRunOptions
    {
        /// <summary>Decisions from a filled-in review file (-Decisions).</summary>
        public IReadOnlyList<MergeDecision> Decisions { get; set; } = Array.Empty<MergeDecision>();
        /// <summary>Where the decisions came from (recorded in the ledger).</summary>
        public string? DecisionsSource { get; set; }
        /// <summary>The ledger that remembers decisions (and applies those of earlier runs); null: this run only.</summary>
        public MigrationLedger? Ledger { get; set; }
        /// <summary>Record the given decisions in the ledger (false under -WhatIf: they apply to this run only).</summary>
        public bool RememberDecisions { get; set; } = true;
        /// <summary>Where grey-zone pairs are written: a folder (one CSV per entity) or an .xlsx workbook (one sheet per entity); null: nowhere.</summary>
        public string? ReviewPath { get; set; }
        /// <summary>Records already in this system are matched too (-Target): an incoming duplicate updates the existing record.</summary>
        public ICrmProvider? Target { get; set; }
        public bool Explain { get; set; }
        public bool KeepGroups { get; set; }
        public string SpoolFolder { get; set; } = Path.GetTempPath();
        public int InMemoryLimit { get; set; } = 10_000;
        public CancellationToken CancellationToken { get; set; }
    }

    /// <summary>
    /// Dedupes a stream of records entity by entity, as Merge-CrmRecord and Copy-CrmData -Dedupe share it:
    /// entities without rules go straight through; an entity with rules is held until its last record (the
    /// caller says when), then merged and sent on. At the end the review file is written and people's new
    /// decisions are remembered in the ledger.
    /// </summary>
    public sealed class DedupeRunner : IDisposable
    {
        private readonly DedupeRuleSet _rules;
        private readonly DedupeRunOptions _options;
        private readonly Dictionary<string, EntityDeduper> _open = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<MergeDecision> _allDecisions = new();
        private readonly List<(CrmMatchPair Pair, CrmRecord A, CrmRecord B)> _review = new();

        public DedupeRunner(DedupeRuleSet rules, DedupeRunOptions options)
        {
            _rules = rules;
            _options = options;
            // The ledger's remembered decisions first; the file's (newer) win on the same pair.
            if (options.Ledger is not null) _allDecisions.AddRange(options.Ledger.Decisions());
            _allDecisions.AddRange(options.Decisions);
            if (options.Ledger is not null && options.RememberDecisions && options.Decisions.Count > 0) NewDecisionsRecorded = options.Ledger.RecordDecisions(options.Decisions, options.DecisionsSource);
        }

        public DedupeRuleSet Rules => _rules;

        /// <summary>Decisions written to (or changed in) the ledger by this run.</summary>
        public int NewDecisionsRecorded { get; }

        /// <summary>Decisions known to this run (ledger and file).</summary>
        public int DecisionsKnown => _allDecisions.Count;

        /// <summary>Per entity, what the dedupe did.</summary>
        public List<CrmMergeSummary> Summaries { get; } = new();

        /// <summary>The merge groups (with KeepGroups or Explain).</summary>
        public List<CrmMergeGroup> Groups { get; } = new();

        /// <summary>Things the user should know. The caller may empty the list as it goes.</summary>
        public List<string> Warnings { get; } = new();

        /// <summary>True when the rules name the entity.</summary>
        public bool Handles(string entity) => _rules.For(entity) is not null;

        /// <summary>The dedupe of an entity (started on first use); records it sends on go to <paramref name="emit"/>.</summary>
        public EntityDeduper Start(string entity, Action<CrmRecord> emit)
        {
            if (_open.TryGetValue(entity, out var open)) return open;
            var rules = _rules.For(entity) ?? throw new ArgumentException("No rules for " + entity, nameof(entity));
            var deduper = new EntityDeduper(entity, rules, new DedupeOptions
            {
                Decisions = MergeDecisions.ForEntity(_allDecisions, entity),
                Explain = _options.Explain,
                KeepGroups = _options.KeepGroups,
                KeepReviewPairs = _options.ReviewPath is not null,
                SpoolFolder = _options.SpoolFolder,
                InMemoryLimit = _options.InMemoryLimit,
                RulesHash = _rules.Hash,
                CancellationToken = _options.CancellationToken,
            }, emit);
            _open[entity] = deduper;
            return deduper;
        }

        /// <summary>The entities started and not yet completed.</summary>
        public IReadOnlyCollection<string> OpenEntities => _open.Keys;

        /// <summary>
        /// Completes an entity: with -Target, its records already in the target join; then blocking, scoring,
        /// grouping, merging, and every record is sent on.
        /// </summary>
        public CrmMergeSummary Complete(string entity)
        {
            if (!_open.Remove(entity, out var deduper)) throw new ArgumentException("Not started: " + entity, nameof(entity));
            try
            {
                if (_options.Target is { } target) AddTargetRecords(deduper, target, entity);
                deduper.Complete();
                deduper.Summary.RulesHash = _rules.Hash;
                Summaries.Add(deduper.Summary);
                Groups.AddRange(deduper.Groups);
                _review.AddRange(deduper.ReviewPairs);
                Warnings.AddRange(deduper.Warnings);
                return deduper.Summary;
            }
            finally
            {
                deduper.Dispose();
            }
        }

        private void AddTargetRecords(EntityDeduper deduper, ICrmProvider target, string entity)
        {
            string? name = null;
            foreach (var e in target.ListEntities()) if (string.Equals(e, entity, StringComparison.OrdinalIgnoreCase)) name = e;
            if (name is null) return;
            long bad = 0;
            foreach (var r in target.Read(name, new CrmReadOptions(), _ => bad++, _options.CancellationToken))
            {
                r.Entity = entity;
                deduper.AddExisting(r);
            }
            if (bad > 0) Warnings.Add($"{bad} {entity} row(s) of {target.Connection.DisplayName} could not be read and were not matched against.");
        }

        /// <summary>Writes the review file (grey-zone pairs, and pairs people decided, with their decision). Returns the pairs written.</summary>
        public int WriteReview()
        {
            if (_options.ReviewPath is null) return 0;
            return ReviewFile.Write(_options.ReviewPath, _review, _allDecisions);
        }

        public void Dispose()
        {
            foreach (var d in _open.Values) d.Dispose();
            _open.Clear();
        }
    }
}
