using System;
using System.Collections.Generic;
using System.Threading;
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

        public MigrationValidator(ICrmProvider source, ICrmProvider target, CompiledMapping? mapping)
        {
            _source = source;
            _target = target;
            _mapping = mapping;
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
                    if (status == MapStatus.Mapped) effective = mapped!;
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
                        differing++;
                        if (differ.Count < MaxSamples) differ.Add(key);
                    }
                }
                if ((targetCount & 0xFFFF) == 0) progress?.Invoke("target " + targetEntity, targetCount);
            }

            var missing = new List<string>();
            long missingCount = 0;
            foreach (var key in sourceKeys.Keys)
            {
                if (!targetSeen.Contains(key))
                {
                    missingCount++;
                    if (missing.Count < MaxSamples) missing.Add(key);
                }
            }
            missing.Sort(StringComparer.Ordinal);
            extra.Sort(StringComparer.Ordinal);

            string notes = "";
            if (mappingRejected > 0) notes += $" {mappingRejected} source record(s) are rejected or filtered by the mapping and not expected in the target.";
            if (sourceReadErrors > 0) notes += $" {sourceReadErrors} source row(s) could not be read.";
            if (sourceDuplicates > 0) notes += $" The source has {sourceDuplicates} duplicate key(s).";
            if (sourceNoKey > 0) notes += $" {sourceNoKey} source record(s) have no key.";

            results.Add(new CrmValidationResult("Count", label, sourceCount == targetCount ? CrmCheckStatus.Pass : CrmCheckStatus.Fail)
            {
                Expected = sourceCount,
                Actual = targetCount,
                Details = $"source {sourceCount}, target {targetCount}.{notes}",
            });
            results.Add(new CrmValidationResult("MissingKeys", label, missingCount == 0 ? CrmCheckStatus.Pass : CrmCheckStatus.Fail)
            {
                Expected = 0,
                Actual = missingCount,
                Details = missingCount == 0 ? "Every source key is in the target." : $"{missingCount} source key(s) are not in the target.",
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
                Details = differing == 0
                    ? $"Every record present on both sides has the same values in {(compared is null ? 0 : compared.Count)} field(s): {fieldList}."
                    : $"{differing} record(s) differ. " + Explain(sourceEntity, targetEntity, differ, compared!, ct),
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
                    effective = mapped!;
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
    }
}
