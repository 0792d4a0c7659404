using System;
using System.Collections.Generic;
using System.Globalization;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Delta runs (Copy-CrmData -Incremental). A source entity with a modified-at field (the names CRM products use for it)
    /// is carried from its watermark: the newest value the last completed run read, less a safety overlap; older records are
    /// not carried. Without such a field every record is read and the ledger's fingerprints skip the unchanged ones. Either
    /// way every run with the ledger keeps the newest value it read as the next watermark. The source keys a run sees are
    /// compared with those the ledger says the target holds: records deleted in the source are deleted, marked or reported,
    /// children before parents, and counted in the books as Deleted (or Filtered, DeletedInSource, when only reported).
    /// </summary>
    public sealed partial class MigrationCopier
    {
        /// <summary>Modified-at fields as CRM products and common schemas name them, most specific first.</summary>
        private static readonly string[] ModifiedFields =
        {
            "date_modified",          // SuiteCRM / SugarCRM
            "write_date",             // Odoo
            "modifiedon",             // Dynamics 365
            "LastModifiedDate",       // Salesforce
            "SystemModstamp",         // Salesforce
            "hs_lastmodifieddate",    // HubSpot
            "lastmodifieddate",
            "modified_at", "updated_at", "last_modified", "modified_date", "ModifiedAt", "UpdatedAt",
        };

        private string? _deltaTarget;
        private HashSet<string>? _seen;
        private readonly List<(string Source, List<(int Index, string Target)> Targets, HashSet<string> Seen)> _pendingDeletes = new();
        private readonly Dictionary<string, long> _notCarried = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Per source entity: records a delta run did not carry because they were not modified since the watermark.</summary>
        public IReadOnlyDictionary<string, long> NotCarried => _notCarried;

        private sealed class ChangeState
        {
            public ChangeState(string source, string? field, DateTimeOffset? since)
            {
                Source = source;
                Field = field;
                Since = since;
            }

            public string Source { get; }
            public string? Field { get; }
            public DateTimeOffset? Since { get; }
            public DateTimeOffset? Newest { get; set; }
            public int Slot = -1;
            public CrmFieldShape? Shape;
            public bool Unidentified;
        }

        /// <summary>A delta run continues from the last completed run of the target, and upserts.</summary>
        private static void StartDelta(ICrmProvider target, CopyOptions options)
        {
            var ledger = options.Import.Ledger;
            if (ledger is null)
            {
                throw new CrmException("IncrementalNeedsLedger", CrmErrorKind.InvalidArgument,
                    "-Incremental compares with what the ledger recorded of the last run: remove -NoLedger.");
            }
            if (target is not ICrmRowEditor)
            {
                throw new CrmException("IncrementalNeedsDatabase", CrmErrorKind.InvalidArgument,
                    $"{target.Connection.DisplayName} is a file target, written whole by each run; -Incremental needs a database target.");
            }
            if (options.DeletedRecords == CrmDeletedRecordAction.SoftDelete && string.IsNullOrEmpty(options.SoftDeleteField))
            {
                throw new CrmException("SoftDeleteFieldMissing", CrmErrorKind.InvalidArgument, "-DeletedRecords SoftDelete needs -SoftDeleteField: the target field to set to true.");
            }
            string? previous = options.Import.Resume || options.Import.RunId is not null ? null : ledger.LastCompletedRun(target.Connection.DisplayName);
            if (previous is null && !options.Import.Resume && options.Import.RunId is null)
            {
                throw new CrmException("IncrementalWithoutBaseRun", CrmErrorKind.InvalidArgument,
                    $"The ledger {ledger.Path} has no completed run into {target.Connection.DisplayName} to carry changes from. Run Copy-CrmData without -Incremental first (the bulk load).");
            }
            options.Import.Kind = "Delta";
            options.Import.PreviousRunId = previous;
            options.Import.Mode = CrmWriteMode.Upsert;
        }

        /// <summary>
        /// How a source entity's changes are found: its modified-at field and, for a delta run, the watermark to carry from.
        /// Null when there is nothing to do (no ledger, -WhatIf of a full run, or a full run of an entity without such a field).
        /// </summary>
        private ChangeState? StartChanges(string source)
        {
            _session.Drain(); // the ledger and the target are used here: nothing is written on another thread meanwhile
            var ledger = _options.Import.Ledger;
            if (ledger is null) return null;
            _deltaTarget ??= _target.Connection.DisplayName;
            string? field = null;
            // The mapping names it (Modified), else the names CRM products use are looked for.
            if (_mapping is not null) foreach (var m in _mapping.TargetsOf(source)) field ??= m.Modified;
            if (field is not null && _sourceSchemas.TryGetValue(source, out var named) && named.GetField(field) is { } found) field = found.Name;
            if (field is null && _sourceSchemas.TryGetValue(source, out var schema))
            {
                foreach (var name in ModifiedFields)
                {
                    if (schema.GetField(name) is { } f && f.Type is CrmFieldType.DateTime or CrmFieldType.Date or CrmFieldType.String) { field = f.Name; break; }
                }
            }
            DateTimeOffset? since = null;
            if (_options.Incremental && field is not null && ledger.LatestWatermark(_deltaTarget, source) is { } mark
                && string.Equals(mark.Field, field, StringComparison.OrdinalIgnoreCase)
                && DateTimeOffset.TryParse(mark.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                since = at - _options.Overlap;
                Notes.Add($"{source}: carrying records whose {field} is {since.Value.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} or later (the last run's watermark {mark.Value} less {_options.Overlap.TotalMinutes:0.#} minutes).");
            }
            else if (_options.Incremental)
            {
                Notes.Add(field is null
                    ? $"{source}: no modified-at field; every record is read and the ledger's fingerprints skip the unchanged ones."
                    : $"{source}: no watermark of {field} from an earlier run; every record is read and the ledger's fingerprints skip the unchanged ones.");
            }
            if (field is null && !_options.Incremental) return null;
            _seen = _options.Incremental ? new HashSet<string>(StringComparer.Ordinal) : null;
            return new ChangeState(source, field, since);
        }

        /// <summary>Whether the record is carried: not older than the watermark. Keeps the newest modified-at value and the source keys seen.</summary>
        private bool Changed(ChangeState change, CrmRecord record)
        {
            if (change.Field is null) return true;
            if (!ReferenceEquals(change.Shape, record.Shape))
            {
                change.Shape = record.Shape;
                change.Slot = record.Shape.IndexOf(change.Field);
            }
            if (change.Slot < 0) return true;
            DateTimeOffset? at = record.GetValue(change.Slot) switch
            {
                DateTimeOffset o => o,
                DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d.ToUniversalTime()),
                string t when DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var p) => p,
                _ => null,
            };
            if (at is { } v && (change.Newest is null || v > change.Newest)) change.Newest = v;
            if (change.Since is { } since && at is { } when && when < since)
            {
                _notCarried[change.Source] = _notCarried.TryGetValue(change.Source, out long n) ? n + 1 : 1;
                if (_seen is not null)
                {
                    string? key = record.Origin?.SourceKey ?? record.Key?.ToString();
                    if (key is null) change.Unidentified = true;
                    else _seen.Add(key);
                }
                return false;
            }
            return true;
        }

        /// <summary>The source key the ledger records for a record handed to the session (as the session computes it).</summary>
        private void Seen(CrmRecord record)
        {
            if (_seen is null) return;
            string? key = record.Origin?.SourceKey ?? record.Key?.ToString();
            if (key is not null) _seen.Add(key);
        }

        /// <summary>After a source entity: its watermark for the next run; for a delta run, its keys wait for the deletions at the end.</summary>
        private void EndChanges(ChangeState change, List<(int Index, string Target)> targets)
        {
            _session.Drain(); // the ledger and the target are used here: nothing is written on another thread meanwhile
            var ledger = _options.Import.Ledger!;
            if (change.Field is not null && change.Newest is { } newest && _session.RunId is string run)
            {
                ledger.SaveWatermark(run, change.Source, change.Field, newest.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            }
            if (_seen is null) return;
            if (change.Unidentified)
            {
                Warnings.Add($"{change.Source}: some records have no key to tell them by, so records deleted in the source cannot be found; none are deleted or reported.");
            }
            else _pendingDeletes.Add((change.Source, targets, _seen));
            _seen = null;
        }

        /// <summary>Deletes, marks or reports what the source deleted, children before parents (the reverse of the copy order), in batches.</summary>
        private void ApplyDeletions()
        {
            _session.Drain(); // the ledger and the target are used here: nothing is written on another thread meanwhile
            var ledger = _options.Import.Ledger;
            if (ledger is null || _pendingDeletes.Count == 0) return;
            var editor = (ICrmRowEditor)_target;
            int batch = 0;
            for (int p = _pendingDeletes.Count - 1; p >= 0; p--)
            {
                var (source, targets, seen) = _pendingDeletes[p];
                for (int t = targets.Count - 1; t >= 0; t--)
                {
                    string target = targets[t].Target;
                    var landed = ledger.LandedSourceKeys(_deltaTarget!, target, source);
                    var gone = new List<(string SourceKey, string TargetKey)>();
                    foreach (var kv in landed) if (!seen.Contains(kv.Key)) gone.Add((kv.Key, kv.Value));
                    if (gone.Count == 0) continue;
                    gone.Sort((a, b) => string.CompareOrdinal(a.TargetKey, b.TargetKey));
                    var action = _options.DeletedRecords;
                    if (action == CrmDeletedRecordAction.SoftDelete && _target.DescribeEntity(target, includeRowCount: false)?.GetField(_options.SoftDeleteField!) is null)
                    {
                        // An entity without the flag cannot be marked: its deletions are reported instead.
                        Warnings.Add($"{target} has no field '{_options.SoftDeleteField}' to mark records deleted in the source; they are reported instead.");
                        action = CrmDeletedRecordAction.Report;
                    }
                    if (action == CrmDeletedRecordAction.Report)
                    {
                        var examples = new List<string>();
                        for (int i = 0; i < gone.Count && i < 5; i++) examples.Add(gone[i].TargetKey);
                        Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                            $"{target}: {gone.Count:N0} record(s) are no longer in the source {source} (e.g. {string.Join(", ", examples)}); they are left in the target and counted as Filtered (DeletedInSource). Give -DeletedRecords Delete or SoftDelete to remove or mark them."));
                    }
                    const int chunk = 1000;
                    for (int start = 0; start < gone.Count; start += chunk)
                    {
                        _options.Import.CancellationToken.ThrowIfCancellationRequested();
                        int end = Math.Min(gone.Count, start + chunk);
                        var keys = new List<string>(end - start);
                        for (int i = start; i < end; i++) keys.Add(gone[i].TargetKey);
                        IReadOnlyList<bool>? changed = null;
                        if (action != CrmDeletedRecordAction.Report && !_options.Import.WhatIf)
                        {
                            int number = ++batch;
                            string? soft = action == CrmDeletedRecordAction.SoftDelete ? _options.SoftDeleteField : null;
                            changed = editor.Delete(target, _session.KeyFieldsOf(target), keys, soft, images => ledger.RecordImages(_session.RunId!, images.Entity, number, images));
                        }
                        for (int i = start; i < end; i++)
                        {
                            var record = new CrmRecord(target) { Key = CrmKey.Parse(gone[i].TargetKey), Origin = new CrmOrigin(_source.Connection.DisplayName, source, gone[i].SourceKey, null, 0) };
                            CrmRecordOutcome outcome = action switch
                            {
                                CrmDeletedRecordAction.Report => new CrmRecordOutcome(target, gone[i].TargetKey, CrmOutcome.Filtered)
                                {
                                    ReasonCode = "DeletedInSource",
                                    Message = $"The record is no longer in the source {source}; it is left in the target (-DeletedRecords Report).",
                                },
                                _ => new CrmRecordOutcome(target, gone[i].TargetKey, CrmOutcome.Deleted)
                                {
                                    ReasonCode = changed is not null && !changed[i - start] ? "AlreadyGone" : action == CrmDeletedRecordAction.SoftDelete ? "SoftDeleted" : "DeletedInSource",
                                    Message = action == CrmDeletedRecordAction.SoftDelete
                                        ? $"The record is no longer in the source {source}; {_options.SoftDeleteField} is set to true in the target."
                                        : $"The record is no longer in the source {source}; it is deleted from the target.",
                                },
                            };
                            outcome.Origin = record.Origin;
                            _session.AddDecided(target, record, outcome, _results);
                        }
                        Drain();
                    }
                }
            }
        }
    }
}
