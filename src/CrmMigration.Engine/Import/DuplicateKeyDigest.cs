using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Records an Insert refused because their key already exists (DuplicateKey) make one error per entity, with the
    /// count and the first keys, instead of one error per record: re-running an Insert over a target that holds the
    /// records is one line, not thousands. Every record still has its outcome in the books, the ledger and the reject
    /// files; the per-record errors come back with -PassThru or -ErrorAction Stop.
    /// </summary>
    public sealed class DuplicateKeyDigest
    {
        private const int Examples = 5;
        private readonly Dictionary<string, (long Count, List<string> Keys, CrmRecord? First)> _byEntity = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Counts a DuplicateKey error and returns true (report nothing now); false for any other error.</summary>
        public bool Absorb(CrmDataError error)
        {
            if (!string.Equals(error.Code, "DuplicateKey", StringComparison.Ordinal)) return false;
            string entity = error.Entity ?? "";
            if (!_byEntity.TryGetValue(entity, out var e)) e = (0, new List<string>(Examples), error.Record);
            if (e.Keys.Count < Examples && error.Key is not null) e.Keys.Add(error.Key);
            _byEntity[entity] = (e.Count + 1, e.Keys, e.First);
            return true;
        }

        /// <summary>One error per entity that had duplicates, in the order they were first seen; the digest is then empty.</summary>
        public List<CrmDataError> Summaries(string target)
        {
            var list = new List<CrmDataError>(_byEntity.Count);
            foreach (var (entity, e) in _byEntity)
            {
                string keys = e.Keys.Count == 0 ? "" : " (keys " + string.Join(", ", e.Keys) + (e.Count > e.Keys.Count ? ", ..." : "") + ")";
                list.Add(new CrmDataError("DuplicateKey", CrmErrorKind.WriteError, string.Create(CultureInfo.InvariantCulture,
                    $"{e.Count:N0} record(s) already exist in {target}{keys}; Insert mode leaves existing records as they are. Use -Mode Upsert to update them. Each one is in the books as rejected (DuplicateKey), in the ledger (Get-CrmMigrationRecord -Outcome Rejected) and in the reject files; -PassThru or -ErrorAction Stop reports them one by one."))
                {
                    Entity = entity,
                    Record = e.First,
                });
            }
            _byEntity.Clear();
            return list;
        }
    }
}
