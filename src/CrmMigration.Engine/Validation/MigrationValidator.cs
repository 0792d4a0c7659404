using System;
using System.Collections.Generic;
using System.Threading;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Mapping;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// Compares a source and a target entity by entity: counts, keys missing from the target, keys the
    /// target has that the source does not, duplicate keys, and the values of every field the two share.
    /// With a mapping, the source is compared as the mapping turns it (entity names, keys, cleansed and
    /// converted values, rejects and filters), so a reformatted phone or date is not a false alarm.
    /// Memory: one key and one 128-bit fingerprint per source record.
    /// </summary>
    public sealed class MigrationValidator
    {
        private const int MaxSamples = 20;
        private readonly ICrmProvider _source;
        private readonly ICrmProvider _target;
        private readonly CompiledMapping? _mapping;
        private readonly MigrationLedger? _ledger;
        /// <summary>Per target entity: the keys the mapping changed (source key → target key), for translating references.</summary>
        private readonly Dictionary<string, Dictionary<string, string>> _keyChanges = new(StringComparer.OrdinalIgnoreCase);

        public MigrationValidator(ICrmProvider source, ICrmProvider target, CompiledMapping? mapping, MigrationLedger? ledger = null)
        {
            _source = source;
            _target = target;
            _mapping = mapping;
            _ledger = ledger;
        }

        /// <summary>The source entities to check: those named, else those the mapping reads, else all.</summary>
        public IReadOnlyList<string> ResolveEntities(IReadOnlyList<string>? requested)
        {
            if (requested is not null && requested.Count > 0) return requested;
            if (_mapping is not null)
            {
                var list = new List<string>();
                foreach (var e in _mapping.Definition.Entities) list.Add(e.Source);
                return list;
            }
            return _source.ListEntities();
        }

        /// <summary>Runs the checks for one source entity.</summary>
        public IReadOnlyList<CrmValidationResult> Check(string sourceEntity, Action<string, long>? progress, CancellationToken ct)
        {
            string targetEntity = _mapping?.TargetOf(sourceEntity) ?? sourceEntity;
            var results = new List<CrmValidationResult>();
            string label = string.Equals(sourceEntity, targetEntity, StringComparison.OrdinalIgnoreCase) ? targetEntity : sourceEntity + " -> " + targetEntity;

            if (_target.DescribeEntity(targetEntity, includeRowCount: false) is null)
            {
                results.Add(new CrmValidationResult("EntityExists", label, CrmCheckStatus.Fail) { Details = $"The target has no entity '{targetEntity}'." });
                return results;
            }

            var targetSchema = _target.DescribeEntity(targetEntity, includeRowCount: false)!;
            var references = ReferencesOf(targetEntity, ct);
            // Records a dedupe merged (the ledger's crosswalk): their keys are explained, their survivors checked field by field.
            var merges = MergeCheck.Load(_ledger, _target.Connection.DisplayName, targetEntity);
            long mergeExplained = 0;
            var changes = _mapping is null ? null : new Dictionary<string, string>(StringComparer.Ordinal);
            var sourceKeys = new Dictionary<string, UInt128>(StringComparer.Ordinal);
            List<string>? compared = null;
            long sourceCount = 0, mappingRejected = 0, sourceReadErrors = 0, sourceDuplicates = 0, sourceNoKey = 0;
            var errors = new List<CrmDataError>();
            foreach (var record in _source.Read(sourceEntity, new CrmReadOptions(), _ => sourceReadErrors++, ct))
            {
                CrmRecord effective = record;
                if (_mapping is not null)
                {
                    errors.Clear();
                    var status = _mapping.Map(record, false, out var mapped, errors);
                    if (status == MapStatus.Rejected || status == MapStatus.Filtered) { mappingRejected++; continue; }
                    if (status == MapStatus.Mapped)
                    {
                        effective = Translate(mapped!, references);
                        if (record.Key?.ToString() is string was && effective.Key?.ToString() is string now && !string.Equals(was, now, StringComparison.Ordinal)) changes![was] = now;
                    }
                }
                sourceCount++;
                if (compared is null)
                {
                    // The fields both sides have, in the source's (mapped) order.
                    compared = new List<string>();
                    foreach (var name in effective.FieldNames) if (targetSchema.GetField(name) is not null) compared.Add(name);
                }
                string? key = effective.Key?.ToString();
                if (key is null) sourceNoKey++;
                else if (!sourceKeys.TryAdd(key, ValueFingerprint.Of(effective, compared))) sourceDuplicates++;
                else merges?.Observe(key, effective, compared);
                if ((sourceCount & 0xFFFF) == 0) progress?.Invoke("source " + sourceEntity, sourceCount);
            }

            long targetCount = 0, targetDuplicates = 0;
            var targetSeen = new HashSet<string>(StringComparer.Ordinal);
            var extra = new List<string>();
            long extraCount = 0, differing = 0;
            var differ = new List<string>();
            foreach (var record in _target.Read(targetEntity, new CrmReadOptions(), _ => { }, ct))
            {
                targetCount++;
                string? key = record.Key?.ToString();
                if (key is not null)
                {
                    if (!targetSeen.Add(key)) targetDuplicates++;
                    else if (!sourceKeys.TryGetValue(key, out UInt128 expected))
                    {
                        extraCount++;
                        if (extra.Count < MaxSamples) extra.Add(key);
                    }
                    else if (compared is not null && ValueFingerprint.Of(record, compared) != expected)
                    {
                        if (merges is not null && merges.IsSurvivor(key) && merges.Explains(key, record)) { mergeExplained++; continue; }
                        differing++;
                        if (differ.Count < MaxSamples) differ.Add(key);
                    }
                }
                if ((targetCount & 0xFFFF) == 0) progress?.Invoke("target " + targetEntity, targetCount);
            }

            if (changes is not null) _keyChanges[targetEntity] = changes;
            var missing = new List<string>();
            var missingAll = _ledger is null ? null : new HashSet<string>(StringComparer.Ordinal);
            long missingCount = 0;
            foreach (var key in sourceKeys.Keys)
            {
                if (!targetSeen.Contains(key))
                {
                    missingCount++;
                    missingAll?.Add(key);
                    if (missing.Count < MaxSamples) missing.Add(key);
                }
            }
            // With the import's ledger: keys the target lacks because the import rejected them (with a reason) are explained, not lost.
            long explained = 0;
            var explainedReasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
            if (missingAll is { Count: > 0 })
            {
                foreach (var (_, (outcome, reason)) in _ledger!.LatestOutcomes(_target.Connection.DisplayName, targetEntity, missingAll))
                {
                    if (outcome is CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) continue;
                    explained++;
                    string r = outcome == CrmOutcome.Merged ? "Merged" : reason ?? outcome.ToString();
                    explainedReasons[r] = explainedReasons.TryGetValue(r, out long n) ? n + 1 : 1;
                }
            }
            string why = explained == 0 ? "" : $" The import's ledger records {explained} of them as rejected or merged into a survivor: {string.Join(", ", System.Linq.Enumerable.Select(explainedReasons, kv => kv.Key + "=" + kv.Value))} (Get-CrmMigrationRecord -Outcome Rejected, -Outcome Merged list them).";
            missing.Sort(StringComparer.Ordinal);
            extra.Sort(StringComparer.Ordinal);

            string notes = "";
            if (mappingRejected > 0) notes += $" {mappingRejected} source record(s) are rejected or filtered by the mapping and not expected in the target.";
            if (sourceReadErrors > 0) notes += $" {sourceReadErrors} source row(s) could not be read.";
            if (sourceDuplicates > 0) notes += $" The source has {sourceDuplicates} duplicate key(s).";
            if (sourceNoKey > 0) notes += $" {sourceNoKey} source record(s) have no key.";

            // A difference the ledger explains entirely (every missing key rejected at import, with its reason) is a warning, not a failure.
            bool allExplained = missingCount > 0 && explained == missingCount;
            results.Add(new CrmValidationResult("Count", label, sourceCount == targetCount ? CrmCheckStatus.Pass
                : allExplained && sourceCount - explained == targetCount ? CrmCheckStatus.Warning : CrmCheckStatus.Fail)
            {
                Expected = sourceCount,
                Actual = targetCount,
                Details = $"source {sourceCount}, target {targetCount}.{notes}{(allExplained && sourceCount - explained == targetCount ? $" The difference, {explained}, is the records the import rejected or merged." : "")}",
            });
            results.Add(new CrmValidationResult("MissingKeys", label, missingCount == 0 ? CrmCheckStatus.Pass : allExplained ? CrmCheckStatus.Warning : CrmCheckStatus.Fail)
            {
                Expected = 0,
                Actual = missingCount,
                Details = missingCount == 0 ? "Every source key is in the target." : $"{missingCount} source key(s) are not in the target.{why}",
                Samples = missing,
            });
            results.Add(new CrmValidationResult("ExtraKeys", label, extraCount == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail)
            {
                Expected = 0,
                Actual = extraCount,
                Details = extraCount == 0 ? "The target has no key the source lacks." : $"{extraCount} target key(s) are not in the source.",
                Samples = extra,
            });
            results.Add(new CrmValidationResult("DuplicateKeys", label, targetDuplicates == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail)
            {
                Expected = 0,
                Actual = targetDuplicates,
                Details = targetDuplicates == 0 ? "No key appears twice in the target." : $"{targetDuplicates} key(s) appear more than once in the target.",
            });
            string fieldList = compared is null ? "" : string.Join(", ", compared);
            results.Add(new CrmValidationResult("FieldValues", label, differing == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail)
            {
                Expected = 0,
                Actual = differing,
                Details = (differing == 0
                    ? $"Every record present on both sides has the same values in {(compared is null ? 0 : compared.Count)} field(s): {fieldList}."
                    : $"{differing} record(s) differ. " + Explain(sourceEntity, targetEntity, differ, compared!, ct))
                    + (mergeExplained == 0 ? "" : $" {mergeExplained} survivor(s) of merges hold values taken from the records merged into them (each such value checked against the group's source records)."),
                Samples = differ,
            });
            return results;
        }

        /// <summary>Field-by-field differences of a few keys (re-reads both sides, only when something differs).</summary>
        private string Explain(string sourceEntity, string targetEntity, List<string> keys, List<string> fields, CancellationToken ct)
        {
            var wanted = new HashSet<string>(keys, StringComparer.Ordinal);
            var sourceRecords = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
            var errors = new List<CrmDataError>();
            foreach (var record in _source.Read(sourceEntity, new CrmReadOptions(), _ => { }, ct))
            {
                CrmRecord effective = record;
                if (_mapping is not null)
                {
                    errors.Clear();
                    if (_mapping.Map(record, false, out var mapped, errors) != MapStatus.Mapped) continue;
                    effective = Translate(mapped!, ReferencesOf(targetEntity, ct));
                }
                if (effective.Key?.ToString() is string k && wanted.Contains(k)) sourceRecords[k] = effective;
            }
            var notes = new List<string>();
            foreach (var record in _target.Read(targetEntity, new CrmReadOptions(), _ => { }, ct))
            {
                if (notes.Count >= 5) break;
                if (record.Key?.ToString() is not string k || !sourceRecords.TryGetValue(k, out var src)) continue;
                foreach (var f in fields)
                {
                    string a = ValueFingerprint.Canonical(src[f]), b = ValueFingerprint.Canonical(record[f]);
                    if (!string.Equals(a, b, StringComparison.Ordinal))
                    {
                        notes.Add($"key {k} field {f}: source '{Util.CrmValues.Truncate(Util.CrmValues.ToText(src[f]) ?? "null", 40)}' target '{Util.CrmValues.Truncate(Util.CrmValues.ToText(record[f]) ?? "null", 40)}'");
                        break;
                    }
                }
            }
            return "For example: " + string.Join("; ", notes) + ".";
        }

        /// <summary>
        /// The mapping's references of a target entity whose parent had its keys changed by the mapping, with
        /// those changes (field → old key → new key). The parent's changes are collected when it is checked,
        /// or here by mapping its source once when it was not checked first.
        /// </summary>
        private List<(string Field, Dictionary<string, string> Changes)>? ReferencesOf(string targetEntity, CancellationToken ct)
        {
            if (_mapping is null) return null;
            List<(string, Dictionary<string, string>)>? list = null;
            foreach (var (field, parent) in _mapping.ReferencesOf(targetEntity))
            {
                if (!_keyChanges.TryGetValue(parent, out var changes))
                {
                    string? parentSource = null;
                    foreach (var e in _mapping.Definition.Entities) if (string.Equals(e.Target, parent, StringComparison.OrdinalIgnoreCase)) parentSource = e.Source;
                    changes = parentSource is null ? new Dictionary<string, string>(StringComparer.Ordinal) : KeyChangesOf(parentSource, ct);
                    // A self-reference: the entity's own changes are collected again while it is checked.
                    if (!string.Equals(parent, targetEntity, StringComparison.OrdinalIgnoreCase)) _keyChanges[parent] = changes;
                }
                if (MergeCheck.Load(_ledger, _target.Connection.DisplayName, parent) is { } parentMerges)
                {
                    // Children of merged parents were re-pointed to the survivors on import.
                    changes = new Dictionary<string, string>(changes, StringComparer.Ordinal);
                    foreach (var (merged, survivor) in parentMerges.MergedInto) changes[merged] = survivor;
                }
                if (changes.Count > 0) (list ??= new()).Add((field, changes));
            }
            return list;
        }

        /// <summary>The keys the mapping changes in a source entity (source key → target key).</summary>
        private Dictionary<string, string> KeyChangesOf(string sourceEntity, CancellationToken ct)
        {
            var changes = new Dictionary<string, string>(StringComparer.Ordinal);
            var errors = new List<CrmDataError>();
            foreach (var record in _source.Read(sourceEntity, new CrmReadOptions(), _ => { }, ct))
            {
                errors.Clear();
                if (_mapping!.Map(record, false, out var mapped, errors) != MapStatus.Mapped) continue;
                if (record.Key?.ToString() is string was && mapped!.Key?.ToString() is string now && !string.Equals(was, now, StringComparison.Ordinal)) changes[was] = now;
            }
            return changes;
        }

        /// <summary>The mapped record with its references holding the new keys of their parents, as the import writes them.</summary>
        private static CrmRecord Translate(CrmRecord record, List<(string Field, Dictionary<string, string> Changes)>? references)
        {
            if (references is null) return record;
            CrmRecord? copy = null;
            foreach (var (field, changes) in references)
            {
                int i = record.Shape.IndexOf(field);
                if (i < 0 || Util.CrmValues.ToText(record.GetValue(i)) is not string old || !changes.TryGetValue(new CrmKey(old).ToString(), out var now)) continue;
                copy ??= record.Clone();
                copy.SetValue(i, now);
            }
            return copy ?? record;
        }
    }
}
