using System;
using System.Collections.Generic;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Turns what an import decided into what the user sees, the same way for Import-CrmData, Copy-CrmData and
    /// every other writer: one error and one reject-file row per record the target refused (or the import refused before it: a
    /// file's row without a key, see <see cref="FileKeyRule"/>), each outcome to
    /// whoever asked for outcomes, and the books of entities the user declined at a -Confirm prompt. Records
    /// decided before the target (mapping rejects, filters, merges) were reported where they were decided and
    /// are only passed on as outcomes here.
    /// </summary>
    public sealed class OutcomeReporter
    {
        private readonly RejectFileWriter? _rejects;
        private readonly Action<CrmDataError>? _onError;
        private readonly Action<CrmRecordOutcome>? _onOutcome;
        private readonly Dictionary<string, CrmImportSummary> _declined = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Creates a reporter; any of the sinks may be null.</summary>
        public OutcomeReporter(RejectFileWriter? rejects, Action<CrmDataError>? onError, Action<CrmRecordOutcome>? onOutcome)
        {
            _rejects = rejects;
            _onError = onError;
            _onOutcome = onOutcome;
        }

        /// <summary>True when each outcome is wanted (it costs an object per record downstream).</summary>
        public bool WantsOutcomes => _onOutcome is not null;

        /// <summary>One summary per entity the user declined, with every declined record counted as rejected (NotConfirmed).</summary>
        public IReadOnlyCollection<CrmImportSummary> Declined => _declined.Values;

        /// <summary>Reports a batch of results and empties the list.</summary>
        public void Report(List<ImportResult> results)
        {
            if (results.Count == 0) return;
            foreach (var r in results)
            {
                var o = r.Outcome;
                // A record rejected before the target (a file's row without a key) is reported under -WhatIf too, as a mapping's rejects are.
                if (!r.Decided && o.Outcome == CrmOutcome.Rejected && (!o.WhatIf || o.Error is not null)) Refused(r.Record, o);
                _onOutcome?.Invoke(o);
            }
            results.Clear();
        }

        private void Refused(CrmRecord record, CrmRecordOutcome o)
        {
            var error = o.Error ?? new CrmDataError(o.ReasonCode ?? "ImportRejected", CrmErrorKind.WriteError, o.Message ?? "The target refused the record.")
            {
                Entity = o.Entity,
                Key = o.Key,
                File = record.Origin?.File,
                Line = record.Origin?.Line ?? 0,
                Record = record,
            };
            _onError?.Invoke(error);
            if (_rejects is not null && !_rejects.Write(record, new[] { error }))
            {
                _onError?.Invoke(new CrmDataError("RejectFileWriteFailed", CrmErrorKind.WriteError,
                    $"The rejected record could not be added to its reject file in {_rejects.Folder} (it has a field the file's columns lack).")
                { Entity = o.Entity, Key = o.Key, Record = record });
            }
        }

        /// <summary>
        /// Accounts for one record of an entity the user declined: read and rejected with NotConfirmed. A null
        /// <paramref name="record"/> is a source row that could not be read (counted, no outcome of its own).
        /// </summary>
        public void Decline(string entity, string targetName, CrmRecord? record, bool whatIf, string what = "import")
        {
            if (!_declined.TryGetValue(entity, out var summary))
            {
                _declined[entity] = summary = new CrmImportSummary(entity, targetName) { WhatIf = whatIf };
            }
            summary.Read++;
            summary.Rejected++;
            summary.RejectReasons["NotConfirmed"] = summary.Rejected;
            if (record is not null && _onOutcome is not null)
            {
                _onOutcome(new CrmRecordOutcome(entity, record.Key?.ToString(), CrmOutcome.Rejected)
                {
                    ReasonCode = "NotConfirmed",
                    Message = $"The user declined the {what} of this entity.",
                    Origin = record.Origin,
                    WhatIf = whatIf,
                });
            }
        }
    }
}
