using System;
using System.Collections.Generic;
using System.Globalization;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Import
{
    /// <summary>One reference bound to a record shape: the positions of its fields.</summary>
    internal sealed class ReferenceBinding
    {
        public ReferenceBinding(CrmReference reference, int[] positions)
        {
            Reference = reference;
            Positions = positions;
        }

        public CrmReference Reference { get; }
        public int[] Positions { get; }
    }

    /// <summary>
    /// References between records: a record's reference fields (declared by the mapping's Reference, or
    /// by the target's foreign keys) hold its parent's source key. Before a batch is written, each is
    /// translated through the ledger's crosswalk (the parent's key may have changed on the way) and the
    /// parent is looked up in the target (or among the records this import wrote, for file targets).
    /// A record whose parent is not there yet waits in memory until the parent lands; at the end, a
    /// record whose parent never came is rejected with MissingParent (or kept with the reference cleared,
    /// or kept as is, as the mapping says), and records that wait on each other (a cycle, or a parent
    /// account later in the same stream) are written with those references empty and filled in a
    /// second pass.
    /// </summary>
    public sealed partial class ImportSession
    {
        /// <summary>Most parent keys remembered as resolved before the cache starts over.</summary>
        private const int ResolvedCacheLimit = 200_000;

        private readonly Dictionary<string, Dictionary<string, List<WaitingRecord>>> _waiting = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Dictionary<string, string>> _resolved = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, HashSet<long>> _landedHere = new(StringComparer.OrdinalIgnoreCase);
        /// <summary>Without a ledger: the keys this import changed (source → target), per entity, when references are in play.</summary>
        private readonly Dictionary<string, Dictionary<string, string>> _memoryCrosswalk = new(StringComparer.OrdinalIgnoreCase);
        private int _resolvedCount;
        private long _waitingNow, _waitingPeak, _released, _filledLater, _clearedMissing;
        private bool _finalPass;

        private sealed class WaitingRecord
        {
            public WaitingRecord(EntityState state, CrmRecord record) { State = state; Record = record; }
            public EntityState State { get; }
            public CrmRecord Record { get; set; }
        }

        private ICrmReferenceTarget? Lookup => _durableTarget ? _provider as ICrmReferenceTarget : null;

        /// <summary>The target's foreign keys of an entity, when the target enforces them.</summary>
        private List<CrmReference>? TargetReferencesOf(string entity)
        {
            if (Lookup is not { ForeignKeysEnforced: true } || CreatedHere(entity)) return null;
            CrmEntitySchema? schema;
            try
            {
                schema = _provider.DescribeEntity(entity, includeRowCount: false);
            }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound)
            {
                return null;
            }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.ConnectionError && ex.Error.Code != "TargetConnectionFailed")
            {
                throw new CrmException("TargetConnectionFailed", CrmErrorKind.ConnectionError, ex.Error.Message, ex);
            }
            if (schema is null || schema.Relations.Count == 0) return null;
            var list = new List<CrmReference>();
            foreach (var r in schema.Relations)
            {
                list.Add(new CrmReference(r.Fields, r.ReferencedEntity) { ParentFields = r.ReferencedFields.Count > 0 ? r.ReferencedFields : null });
            }
            return list;
        }

        private ReferenceBinding[] BindingsOf(EntityState state, CrmFieldShape shape)
        {
            if (state.Bindings.TryGetValue(shape, out var known)) return known;
            var list = new List<ReferenceBinding>();
            var claimed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Bind(CrmReference r)
            {
                var positions = new int[r.Fields.Count];
                for (int i = 0; i < positions.Length; i++)
                {
                    positions[i] = shape.IndexOf(r.Fields[i]);
                    if (positions[i] < 0 || claimed.Contains(r.Fields[i])) return;
                }
                foreach (var f in r.Fields) claimed.Add(f);
                list.Add(new ReferenceBinding(r, positions));
            }
            // The mapping's declarations come first: they carry what to do with a missing parent.
            if (shape.References is { } declared) foreach (var r in declared) Bind(r);
            if (state.TargetReferences is { } fks) foreach (var r in fks) Bind(r);
            var result = list.ToArray();
            state.Bindings[shape] = result;
            return result;
        }

        /// <summary>The parent key a reference holds (CrmKey text), or null when the reference is empty.</summary>
        private static string? ParentKeyOf(CrmRecord record, ReferenceBinding b)
        {
            if (b.Positions.Length == 1)
            {
                string? t = CrmValues.ToText(record.GetValue(b.Positions[0]));
                return string.IsNullOrEmpty(t) ? null : new CrmKey(t).ToString();
            }
            var parts = new string[b.Positions.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                string? t = CrmValues.ToText(record.GetValue(b.Positions[i]));
                if (string.IsNullOrEmpty(t)) return null; // a partly empty composite reference refers to nothing
                parts[i] = t;
            }
            return new CrmKey(parts).ToString();
        }

        /// <summary>The name the session (and the ledger) uses for an entity.</summary>
        private string EntityName(string entity) => _entities.TryGetValue(entity, out var s) ? s.Summary.Entity : entity;

        private IReadOnlyList<string>? ParentKeyFields(CrmReference r) =>
            r.ParentFields ?? (_entities.TryGetValue(r.Entity, out var s) ? s.KeyFields : null);

        /// <summary>
        /// Finds the target keys of parents by their source keys: the cache, then the crosswalk, then the
        /// target (or what this import wrote). Returns source key → target key for the parents found.
        /// </summary>
        private Dictionary<string, string> FindParents(CrmReference reference, HashSet<string> keys)
        {
            string parent = EntityName(reference.Entity);
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!_resolved.TryGetValue(parent, out var cache)) _resolved[parent] = cache = new Dictionary<string, string>(StringComparer.Ordinal);
            var ask = new List<string>();
            foreach (var k in keys)
            {
                if (cache.TryGetValue(k, out var t)) found[k] = t;
                else ask.Add(k);
            }
            if (ask.Count == 0) return found;
            var translated = _ledger?.TranslateKeys(parent, ask) ?? new Dictionary<string, string>(StringComparer.Ordinal);
            if (_ledger is null && _memoryCrosswalk.TryGetValue(parent, out var memory))
            {
                foreach (var k in ask) if (memory.TryGetValue(k, out var t)) translated[k] = t;
            }
            var candidates = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var k in ask) candidates[k] = translated.TryGetValue(k, out var t) ? t : k;
            var present = new HashSet<string>(StringComparer.Ordinal);
            if (_landedHere.TryGetValue(parent, out var here)) foreach (var c in candidates.Values) if (here.Contains(Ledger.ContentHash.OfKey(c))) present.Add(c);
            if (Lookup is { } lookup && present.Count < candidates.Count)
            {
                var unknown = new HashSet<string>(StringComparer.Ordinal);
                foreach (var c in candidates.Values) if (!present.Contains(c)) unknown.Add(c);
                var inTarget = lookup.ExistingKeys(parent, ParentKeyFields(reference), unknown);
                if (inTarget is not null) present.UnionWith(inTarget);
            }
            if (_resolvedCount > ResolvedCacheLimit)
            {
                foreach (var c in _resolved.Values) c.Clear();
                _resolvedCount = 0;
            }
            foreach (var (k, t) in candidates)
            {
                if (!present.Contains(t)) continue;
                found[k] = t;
                cache[k] = t;
                _resolvedCount++;
            }
            return found;
        }

        /// <summary>Writes a parent's target key into the reference fields (cloning the record once).</summary>
        private static CrmRecord SetReference(CrmRecord record, ReferenceBinding b, string? targetKey, ref bool cloned)
        {
            string[]? parts = targetKey is null ? null : (b.Positions.Length == 1 ? new[] { targetKey } : ToParts(targetKey));
            bool same = true;
            for (int i = 0; i < b.Positions.Length && same; i++)
            {
                object? v = record.GetValue(b.Positions[i]);
                same = parts is null ? v is null : string.Equals(CrmValues.ToText(v), parts[i], StringComparison.Ordinal);
            }
            if (same) return record;
            if (!cloned) { record = record.Clone(); cloned = true; }
            for (int i = 0; i < b.Positions.Length; i++) record.SetValue(b.Positions[i], parts?[i]);
            return record;
        }

        private static string[] ToParts(string keyText)
        {
            var p = CrmKey.Parse(keyText).Parts;
            var parts = new string[p.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = p[i];
            return parts;
        }

        /// <summary>
        /// Before a batch is written: translates every reference whose parent is found; moves records whose
        /// parent is not (yet) there out of the batch to wait for it.
        /// </summary>
        private void ResolveReferences(EntityState state)
        {
            if (_finalPass) return; // the records of the last pass were resolved by ResolveWaiting
            var batch = state.Batch;
            var preset = state.Preset;
            // Records of one source share a shape: look each distinct shape up once.
            bool any = false;
            CrmFieldShape? seen = null;
            for (int i = 0; i < batch.Count && !any; i++)
            {
                if (preset[i] is not null || ReferenceEquals(batch[i].Shape, seen)) continue;
                seen = batch[i].Shape;
                any = BindingsOf(state, seen).Length > 0;
            }
            if (!any) return;

            // 1. The parent keys the batch refers to, per reference.
            var asked = new Dictionary<CrmReference, HashSet<string>>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < batch.Count; i++)
            {
                if (preset[i] is not null) continue;
                foreach (var b in BindingsOf(state, batch[i].Shape))
                {
                    string? key = ParentKeyOf(batch[i], b);
                    if (key is null) continue;
                    if (!asked.TryGetValue(b.Reference, out var set)) asked[b.Reference] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(key);
                }
            }
            var found = new Dictionary<CrmReference, Dictionary<string, string>>(ReferenceEqualityComparer.Instance);
            foreach (var (r, keys) in asked) found[r] = FindParents(r, keys);

            // 2. Translate, or wait.
            int kept = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                var record = batch[i];
                string? waitFor = null, waitEntity = null;
                if (preset[i] is null)
                {
                    bool cloned = false;
                    foreach (var b in BindingsOf(state, record.Shape))
                    {
                        string? key = ParentKeyOf(record, b);
                        if (key is null || !found.TryGetValue(b.Reference, out var map)) continue;
                        if (map.TryGetValue(key, out var target)) record = SetReference(record, b, target, ref cloned);
                        else if (b.Reference.OnMissingParent != CrmMissingParentAction.Keep && waitFor is null) { waitFor = key; waitEntity = EntityName(b.Reference.Entity); }
                    }
                }
                if (waitFor is not null)
                {
                    Wait(state, record, waitEntity!, waitFor);
                    continue;
                }
                batch[kept] = record;
                preset[kept] = preset[i];
                kept++;
            }
            batch.RemoveRange(kept, batch.Count - kept);
            preset.RemoveRange(kept, preset.Count - kept);
        }

        private void Wait(EntityState state, CrmRecord record, string parentEntity, string parentKey)
        {
            if (Spill(state, record)) return;
            if (!_waiting.TryGetValue(parentEntity, out var byKey)) _waiting[parentEntity] = byKey = new Dictionary<string, List<WaitingRecord>>(StringComparer.Ordinal);
            if (!byKey.TryGetValue(parentKey, out var list)) byKey[parentKey] = list = new List<WaitingRecord>(1);
            list.Add(new WaitingRecord(state, record));
            if (++_waitingNow > _waitingPeak) _waitingPeak = _waitingNow;
        }

        /// <summary>After a batch is recorded: remembers what landed and releases the records that waited for it.</summary>
        private List<WaitingRecord>? Landed(EntityState state, List<CrmRecord> batch, CrmRecordOutcome?[] outcomes, string[] sourceKeys, string?[] targetKeys)
        {
            // Without a target to ask (files, -WhatIf), what landed is remembered, as 64-bit key hashes, when references are in play.
            // (-WhatIf remembers always: a plan writes nothing, so the target cannot say which planned parents exist.)
            bool remember = _options.WhatIf || !_durableTarget && (_landedHere.ContainsKey(state.Summary.Entity) || batch.Count > 0 && batch[0].Shape.References is not null);
            _waiting.TryGetValue(state.Summary.Entity, out var waiting);
            bool crosswalk = _ledger is null && batch.Count > 0 && batch[0].Shape.References is not null;
            bool merges = false;
            for (int i = 0; i < outcomes.Length && !merges; i++) merges = outcomes[i] is { Outcome: CrmOutcome.Merged };
            if (!remember && !crosswalk && !merges && (waiting is null || waiting.Count == 0)) return null;
            Dictionary<string, string>? memory = null;
            if (crosswalk && !_memoryCrosswalk.TryGetValue(state.Summary.Entity, out memory)) _memoryCrosswalk[state.Summary.Entity] = memory = new Dictionary<string, string>(StringComparer.Ordinal);
            HashSet<long>? here = null;
            if (remember && !_landedHere.TryGetValue(state.Summary.Entity, out here)) _landedHere[state.Summary.Entity] = here = new HashSet<long>();
            List<WaitingRecord>? released = null;
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] is { Outcome: CrmOutcome.Merged, MergedInto: string survivor })
                {
                    // Children of a merged record are re-pointed to its survivor: without a ledger, through the in-memory crosswalk;
                    // those already waiting for it go round again and find the survivor.
                    string merged = batch[i].Origin?.SourceKey ?? batch[i].Key?.ToString() ?? "";
                    if (_ledger is null)
                    {
                        if (!_memoryCrosswalk.TryGetValue(state.Summary.Entity, out var mine)) _memoryCrosswalk[state.Summary.Entity] = mine = new Dictionary<string, string>(StringComparer.Ordinal);
                        mine[merged] = survivor;
                        if (batch[i].Key?.ToString() is string own) mine[own] = survivor;
                    }
                    if (waiting is not null && waiting.Count > 0)
                    {
                        foreach (var k in new[] { merged, batch[i].Key?.ToString() })
                        {
                            if (k is null || !waiting.Remove(k, out var list)) continue;
                            (released ??= new List<WaitingRecord>()).AddRange(list);
                            _waitingNow -= list.Count;
                            _released += list.Count;
                        }
                    }
                    continue;
                }
                if (outcomes[i] is not { } o || o.Outcome is not (CrmOutcome.Inserted or CrmOutcome.Updated or CrmOutcome.Skipped) || targetKeys[i] is not string target) continue;
                here?.Add(Ledger.ContentHash.OfKey(target));
                string source = batch[i].Origin?.SourceKey ?? target;
                if (memory is not null && !string.Equals(source, target, StringComparison.Ordinal)) memory[source] = target;
                if (waiting is null || waiting.Count == 0) continue;
                foreach (var k in source == target ? new[] { target } : new[] { source, target })
                {
                    if (!waiting.Remove(k, out var list)) continue;
                    if (_resolved.TryGetValue(state.Summary.Entity, out var cache)) { cache[k] = target; _resolvedCount++; }
                    else _resolved[state.Summary.Entity] = new Dictionary<string, string>(StringComparer.Ordinal) { [k] = target };
                    (released ??= new List<WaitingRecord>()).AddRange(list);
                    _waitingNow -= list.Count;
                    _released += list.Count;
                }
            }
            return released;
        }

        private static void Requeue(List<WaitingRecord>? released)
        {
            if (released is null) return;
            foreach (var w in released)
            {
                w.State.Batch.Add(w.Record);
                w.State.Preset.Add(null);
            }
        }

        /// <summary>
        /// At the end of the stream: the records still waiting. Those whose parent never came are rejected
        /// (MissingParent), cleared or kept, as their reference says; those waiting on one another are written
        /// with those references empty, then the references are filled in a second pass.
        /// </summary>
        private void ResolveWaiting(List<ImportResult> results)
        {
            if (_released > 0)
            {
                Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{_released} record(s) arrived before the parent they reference and were written once it arrived (at most {_waitingPeak} record(s) waited at once, in memory); sending parents first avoids the wait."));
                _released = 0;
            }
            if (_waitingNow == 0) return;

            // 1. Everything still waiting, and which waiting record each (entity, key) is.
            var all = new List<WaitingRecord>();
            foreach (var byKey in _waiting.Values) foreach (var list in byKey.Values) all.AddRange(list);
            _waiting.Clear();
            _waitingNow = 0;
            var byIdentity = new Dictionary<string, WaitingRecord>(StringComparer.Ordinal);
            foreach (var w in all)
            {
                string? target = w.Record.Key?.ToString();
                if (target is null) continue;
                byIdentity[Identity(w.State.Summary.Entity, target)] = w;
                if (w.Record.Origin?.SourceKey is string source) byIdentity.TryAdd(Identity(w.State.Summary.Entity, source), w);
            }

            // 2. Look every reference up once more (a parent may have been found under another key form).
            var asked = new Dictionary<CrmReference, HashSet<string>>(ReferenceEqualityComparer.Instance);
            foreach (var w in all)
            {
                foreach (var b in BindingsOf(w.State, w.Record.Shape))
                {
                    if (ParentKeyOf(w.Record, b) is not string key) continue;
                    if (!asked.TryGetValue(b.Reference, out var set)) asked[b.Reference] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(key);
                }
            }
            var found = new Dictionary<CrmReference, Dictionary<string, string>>(ReferenceEqualityComparer.Instance);
            foreach (var (r, keys) in asked) found[r] = FindParents(r, keys);

            // 3. Doomed: a reference that must not dangle points at nothing, or at a doomed record. Repeat to a fixed point.
            var doomed = new Dictionary<WaitingRecord, string>(ReferenceEqualityComparer.Instance);
            var blame = new Dictionary<WaitingRecord, (string Field, string Key)>(ReferenceEqualityComparer.Instance);
            for (bool changed = true; changed;)
            {
                changed = false;
                foreach (var w in all)
                {
                    if (doomed.ContainsKey(w)) continue;
                    foreach (var b in BindingsOf(w.State, w.Record.Shape))
                    {
                        if (b.Reference.OnMissingParent != CrmMissingParentAction.Reject) continue;
                        if (ParentKeyOf(w.Record, b) is not string key || found[b.Reference].ContainsKey(key)) continue;
                        string parent = EntityName(b.Reference.Entity);
                        if (byIdentity.TryGetValue(Identity(parent, key), out var p) && !doomed.ContainsKey(p)) continue;
                        doomed[w] = p is null
                            ? $"{w.State.Summary.Entity} {w.Record.Key?.ToString() ?? "(no key)"}: {string.Join(", ", b.Reference.Fields)} references {parent} '{key}', which is neither in this import nor in {_target}."
                            : $"{w.State.Summary.Entity} {w.Record.Key?.ToString() ?? "(no key)"}: {string.Join(", ", b.Reference.Fields)} references {parent} '{key}', which is rejected (it references a missing parent itself).";
                        blame[w] = (string.Join(", ", b.Reference.Fields), key);
                        changed = true;
                        break;
                    }
                }
            }

            // 4. The others: translate what is found; clear what may dangle; leave references to other waiting records empty for the second pass.
            var fills = new Dictionary<(EntityState State, ReferenceBinding Binding), List<(CrmRecord Record, WaitingRecord Parent)>>();
            foreach (var w in all)
            {
                if (doomed.TryGetValue(w, out string? why))
                {
                    w.State.Batch.Add(w.Record);
                    w.State.Preset.Add(new CrmRecordOutcome(w.State.Summary.Entity, w.Record.Key?.ToString(), CrmOutcome.Rejected) { ReasonCode = "MissingParent", Message = why, Field = blame[w].Field, Value = blame[w].Key });
                    continue;
                }
                var record = w.Record;
                bool cloned = false;
                List<(ReferenceBinding Binding, WaitingRecord Parent)>? later = null;
                foreach (var b in BindingsOf(w.State, record.Shape))
                {
                    if (ParentKeyOf(record, b) is not string key) continue;
                    if (found[b.Reference].TryGetValue(key, out var target)) { record = SetReference(record, b, target, ref cloned); continue; }
                    if (byIdentity.TryGetValue(Identity(EntityName(b.Reference.Entity), key), out var p) && !doomed.ContainsKey(p))
                    {
                        if (_durableTarget)
                        {
                            // The parent is written in this same pass: empty now, filled once both exist.
                            record = SetReference(record, b, null, ref cloned);
                            (later ??= new()).Add((b, p));
                        }
                        else
                        {
                            record = SetReference(record, b, p.Record.Key?.ToString(), ref cloned); // files hold no constraint: write it as is
                        }
                        continue;
                    }
                    if (b.Reference.OnMissingParent == CrmMissingParentAction.Clear)
                    {
                        record = SetReference(record, b, null, ref cloned);
                        _clearedMissing++;
                        (record.Changes ??= new List<CrmChange>()).Add(new CrmChange(string.Join(",", b.Reference.Fields), key, null, "MissingParent",
                            $"{EntityName(b.Reference.Entity)} '{key}' is neither in this import nor in {_target}; the reference is cleared (OnMissingParent = Clear)."));
                    }
                }
                if (later is not null)
                {
                    foreach (var (b, p) in later)
                    {
                        if (!fills.TryGetValue((w.State, b), out var list)) fills[(w.State, b)] = list = new List<(CrmRecord, WaitingRecord)>();
                        list.Add((record, p));
                    }
                }
                w.Record = record;
                w.State.Batch.Add(record);
                w.State.Preset.Add(null);
            }
            _finalPass = true;
            try { Flush(results); }
            finally { _finalPass = false; }
            if (_clearedMissing > 0)
            {
                Warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{_clearedMissing} reference(s) were cleared because the parent is in neither the import nor {_target} (OnMissingParent = Clear); the records' Changes say which."));
                _clearedMissing = 0;
            }

            // 5. Second pass: fill the references left empty, now that parents and children are written.
            if (fills.Count == 0 || _options.WhatIf || Lookup is not { } lookup) return;
            foreach (var ((state, b), list) in fills)
            {
                string parent = EntityName(b.Reference.Entity);
                var parentKeys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (_, p) in list) if (p.Record.Key?.ToString() is string pk) parentKeys.Add(pk);
                var present = lookup.ExistingKeys(parent, ParentKeyFields(b.Reference), parentKeys) ?? new HashSet<string>(StringComparer.Ordinal);
                var rows = new List<(string Key, object?[] Values)>();
                foreach (var (child, p) in list)
                {
                    if (child.Key?.ToString() is not string ck || p.Record.Key?.ToString() is not string pk || !present.Contains(pk)) continue;
                    var values = b.Positions.Length == 1 ? new object?[] { pk } : Array.ConvertAll(ToParts(pk), x => (object?)x);
                    rows.Add((ck, values));
                }
                int filled = rows.Count == 0 ? 0 : lookup.SetFields(state.Summary.Entity, state.KeyFields, b.Reference.Fields, rows);
                _filledLater += filled;
                if (filled < list.Count)
                {
                    Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{state.Summary.Entity}: {list.Count - filled} reference(s) in {string.Join(", ", b.Reference.Fields)} stay empty because the record or its {parent} parent was not written (see the rejected records)."));
                }
            }
            if (_filledLater > 0)
            {
                Warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{_filledLater} reference(s) between records that referenced each other were written empty and filled in a second pass."));
            }
        }

        private static string Identity(string entity, string key) => entity.ToUpperInvariant() + "\u0001" + key;
    }
}
