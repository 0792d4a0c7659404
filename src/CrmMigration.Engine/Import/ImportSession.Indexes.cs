using System.Collections.Generic;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// The ledger's indexes of an entity (the target's fingerprints; for a resumed run, what it accounted for), built in one pass
    /// when the entity's first batch asks for them. A resumed read that starts after a keyset position says so first
    /// (<see cref="ResumingAfter"/>): the run's records up to it are then not read again, and the indexes hold only what the run
    /// recorded after it (<see cref="MigrationLedger.Indexes"/>).
    /// </summary>
    public sealed partial class ImportSession
    {
        private ResumePoint? _resumePoint;

        /// <summary>
        /// The resumed read of <paramref name="sourceEntity"/> starts after its row with key <paramref name="sourceKey"/> (the
        /// run saved that position once every row up to it was recorded). Entities whose indexes are not built yet build them
        /// from what the run recorded after that row, when no other run wrote them.
        /// </summary>
        internal void ResumingAfter(string sourceEntity, string sourceKey)
        {
            if (_resumed) _resumePoint = new ResumePoint(sourceEntity, sourceKey);
        }

        /// <summary>
        /// The resumed read of <paramref name="sourceEntity"/> found that the source changed under its position after it had begun
        /// (the check ran beside the read): the source is read again from its start, so the indexes built from what the run
        /// recorded after the position are built again from the whole ledger (what the run recorded up to now is passed over).
        /// </summary>
        internal void ForgetResumePoint(string sourceEntity)
        {
            Drain();
            if (_resumePoint is { } point && string.Equals(point.SourceEntity, sourceEntity, System.StringComparison.OrdinalIgnoreCase)) _resumePoint = null;
            foreach (var state in _entities.Values)
            {
                if (string.Equals(state.IndexesAfterPointOf, sourceEntity, System.StringComparison.OrdinalIgnoreCase)) state.ReloadIndexes();
            }
        }

        /// <summary>Builds an entity's indexes (see <see cref="EntityState.LoadIndexes"/>).</summary>
        private void LoadIndexes(EntityState state, string entity, IReadOnlyList<string>? keyFields)
        {
            var ledger = _ledger!;
            var indexes = ledger.Indexes(_target, entity, _resumed ? _runId : null, _resumed ? _resumePoint : null, _options.MaxIndexInMemory);
            try
            {
                if (indexes.AfterPoint && TargetLacks(entity, ledger.LandedAtLeast(_runId!, entity)))
                {
                    // The target holds fewer records than the run inserted: what it lacks is found with every fingerprint, as without a position.
                    indexes.Dispose();
                    indexes = ledger.Indexes(_target, entity, _runId, null, _options.MaxIndexInMemory);
                }
                var (content, landed, rejected) = indexes.Take();
                try
                {
                    // Checked against the target when they are all the ledger knows (after a position, the target was counted above).
                    var kept = indexes.AfterPoint || content is null ? content : LoadContentIndex(content, entity, keyFields, state);
                    content = null;
                    if (landed is not null && rejected is not null)
                    {
                        foreach (long repaired in state.Repaired) landed.Remove(repaired);
                        state.RunIndex = (landed, rejected);
                    }
                    state.ContentIndex = kept;
                    state.IndexesAfterPointOf = indexes.AfterPoint ? _resumePoint?.SourceEntity : null;
                }
                catch
                {
                    content?.Dispose();
                    landed?.Dispose();
                    rejected?.Dispose();
                    throw;
                }
            }
            finally
            {
                indexes.Dispose();
            }
        }

        /// <summary>
        /// For a resumed run: what the target lacks of the records the run wrote (the first entity holding fewer than the run
        /// inserted), or null when it holds them all. A saved read position is used only when it is null: the records before a
        /// position are not read again, so a record lost from the target there could never be written again.
        /// </summary>
        internal string? TargetLacksWhatTheRunWrote()
        {
            Drain();
            if (!_resumed || _ledger is null) return null;
            foreach (var counted in _ledger.Counters(_runId!, _target))
            {
                long landed = _ledger.LandedAtLeast(_runId!, counted.Entity);
                if (landed <= 0) continue;
                long actual = TargetCount(counted.Entity);
                if (actual < landed)
                {
                    return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{_target} holds {actual:N0} {counted.Entity} records but the run wrote {landed:N0}");
                }
            }
            return null;
        }

        /// <summary>True when the target holds fewer records of <paramref name="entity"/> than <paramref name="atLeast"/>.</summary>
        private bool TargetLacks(string entity, long atLeast) => atLeast > 0 && TargetCount(entity) < atLeast;

        /// <summary>The records the target holds of an entity: 0 when it has no such table or cannot count it (so it is never taken to hold what it may not).</summary>
        private long TargetCount(string entity)
        {
            try
            {
                return _provider.DescribeEntity(entity, includeRowCount: true)?.RowCount ?? 0;
            }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound)
            {
                return 0;
            }
        }
    }
}
