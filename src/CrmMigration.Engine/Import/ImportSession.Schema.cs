using System;
using System.Collections.Generic;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Schema;

namespace CrmMigration.Engine.Import
{
    public sealed partial class ImportSession
    {
        private readonly ICrmSchemaTarget? _schemaTarget;
        private readonly Dictionary<string, CrmEntitySchema> _designs = new(StringComparer.OrdinalIgnoreCase);
        private int _savedPending;
        /// <summary>Entities this import created (or, with WhatIf, would create) from a source's schema.</summary>
        private readonly HashSet<string> _created = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Problems with the schema steps that run after the data (a foreign key the data breaks, say): the records are written, the constraint is not.</summary>
        public List<CrmDataError> SchemaErrors { get; } = new();

        /// <summary>
        /// Creates the target entities that do not exist yet from their schemas, before any record (empty entities
        /// included), when the import may create; with WhatIf only reports the statements. Records of these entities
        /// are then written into tables made from the source's schema rather than guessed from the first records.
        /// </summary>
        /// <summary>
        /// Whether the target's designs may get their types after the copy started (<see cref="TypeLater"/>): a CSV folder or file,
        /// whose writer needs the types only for the sidecar it writes when the file completes.
        /// </summary>
        internal bool TypesLater => !_durableTarget && !_options.WhatIf && _provider.Connection.Provider == CrmProviderKind.Csv;

        /// <summary>Designs with the types inferred beside the copy, asked for before the writers complete (see <see cref="ReviseDesigns"/>).</summary>
        private Func<IReadOnlyList<CrmEntitySchema>>? _lateDesigns;

        /// <summary>Gives the designs that replace those of <see cref="CreateEntities"/> once their types are known (before the files complete).</summary>
        internal void TypeLater(Func<IReadOnlyList<CrmEntitySchema>> designs) => _lateDesigns = designs;

        /// <summary>Replaces the designs (and the open writers' schemas) with the typed ones, waiting for them if need be.</summary>
        private void ReviseDesigns()
        {
            if (_lateDesigns is not { } late) return;
            _lateDesigns = null;
            foreach (var design in late())
            {
                _designs[design.Name] = design;
                if (_entities.TryGetValue(design.Name, out var state) && state.Writer is Providers.Csv.CsvEntityWriter csv) csv.ReviseSchema(design);
            }
        }

        public void CreateEntities(IReadOnlyList<CrmEntitySchema> schemas)
        {
            Drain();
            foreach (var s in schemas) _designs[s.Name] = s;
            if (!_options.CreateIfMissing || _schemaTarget is null || schemas.Count == 0) return;
            Created(_schemaTarget.CreateEntities(schemas, _options.WhatIf, _options.OnSchema));
            SavePendingSchema();
        }

        /// <summary>
        /// Before an entity's writer opens: when the records bring their source's schema (it travels on their shape) and
        /// the target lacks the entity, creates it from that schema, so the first batch already meets the real types,
        /// keys and, on SQLite, foreign keys.
        /// </summary>
        private void EnsureEntity(string entity, IReadOnlyList<string>? keyFields, CrmRecord? record)
        {
            if (!_options.CreateIfMissing || _schemaTarget is null) return;
            if (!_designs.ContainsKey(entity))
            {
                if (record?.Shape.Schema is not { } known) return;
                _designs[entity] = SchemaDesign.FromRecords(entity, new[] { record }, known, keyFields);
            }
            Created(_schemaTarget.CreateEntities(new[] { _designs[entity] }, _options.WhatIf, _options.OnSchema));
        }

        /// <summary>
        /// Remembers the entities a script created. Their foreign keys come from the source, whose data may not meet them:
        /// the import copies the records as they are (no MissingParent from these keys, no enforcement while loading) and
        /// the keys are created, or checked, after the data, where a broken one is an error of its own.
        /// </summary>
        private void Created(IReadOnlyList<SchemaStatement> statements)
        {
            bool keep = _ledger is not null && _runId is not null && _durableTarget && !_options.WhatIf;
            foreach (var s in statements)
            {
                if (s.What != "table") continue;
                _created.Add(s.Entity);
                if (keep) _ledger!.RecordCreated(_runId!, s.Entity); // an undo of the run drops it again when it is left empty
            }
        }

        /// <summary>Whether this import created the entity from a source's schema.</summary>
        private bool CreatedHere(string entity) => _created.Contains(entity);

        /// <summary>The ledger keeps after-data statements as they appear, so a run stopped before its end still makes them on -Resume.</summary>
        private void SavePendingSchema()
        {
            if (_schemaTarget is null || _ledger is null || _runId is null || _options.WhatIf) return;
            var pending = _schemaTarget.PendingAfterData;
            if (pending.Count == _savedPending) return;
            _ledger.SavePendingSchema(_runId, pending);
            _savedPending = pending.Count;
        }

        /// <summary>Runs the after-data statements (indexes, foreign keys, sequences) once every record is written.</summary>
        private void CompleteSchema()
        {
            if (_options.WhatIf) return;
            if (_schemaTarget is null)
            {
                // File targets: an entity no record reached still gets its file (the header and the sidecar).
                if (!_options.CreateIfMissing) return;
                foreach (var design in _designs.Values)
                {
                    if (_entities.ContainsKey(design.Name)) continue;
                    using var writer = _provider.OpenWriter(design.Name, new CrmWriteOptions { Schema = design, CreateIfMissing = true, KeyFields = design.Key, Encoding = _options.Encoding });
                    writer.Complete();
                }
                return;
            }
            SavePendingSchema();
            SchemaErrors.AddRange(_schemaTarget.CompleteSchema(_options.OnSchema));
            _savedPending = 0;
            if (_ledger is not null && _runId is not null) _ledger.ClearPendingSchema(_runId);
        }

        /// <summary>Whether the target holds the entity (a missing database file or folder holds none).</summary>
        public bool EntityExists(string entity)
        {
            Drain();
            try { return _provider.DescribeEntity(entity, includeRowCount: false) is not null; }
            catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound) { return false; }
        }

        /// <summary>
        /// Fields of the designed entities that existing target tables lack: TargetFieldsMissing naming them all, before
        /// anything is written (unless AddColumns). File targets are rewritten whole and have no columns to lack.
        /// </summary>
        public void CheckColumns(IReadOnlyList<CrmEntitySchema> schemas)
        {
            Drain();
            if (!_durableTarget || _schemaTarget is null) return; // files (CSV, Excel, CRM import files) take whatever comes
            var problems = new List<string>();
            var absent = new List<string>();
            string? first = null;
            foreach (var s in schemas)
            {
                CrmEntitySchema? existing;
                try { existing = _provider.DescribeEntity(s.Name, includeRowCount: false); }
                catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound) { existing = null; } // the database file is not there yet
                if (existing is null)
                {
                    if (!_options.CreateIfMissing) absent.Add(s.Name);
                    continue;
                }
                if (_options.AddColumns) continue;
                var missing = new List<string>();
                foreach (var f in s.Fields) if (!f.IsAnnotation && existing.GetField(f.Name) is null) missing.Add(f.Name);
                if (missing.Count == 0) continue;
                first ??= s.Name;
                problems.Add($"'{existing.Name}' lacks '{string.Join("', '", missing)}'");
            }
            if (absent.Count > 0)
            {
                throw new CrmException(new CrmDataError("TargetEntityNotFound", CrmErrorKind.NotFound,
                    $"{_target} has no {(absent.Count == 1 ? "table" : "tables")} '{string.Join("', '", absent)}'. Nothing was written. Give -Create to create {(absent.Count == 1 ? "it" : "them")} from the source's schema, or map to existing tables.") { Entity = absent[0] });
            }
            if (problems.Count == 0) return;
            throw new CrmException(new CrmDataError("TargetFieldsMissing", CrmErrorKind.InvalidArgument,
                $"{_target}: {string.Join("; ", problems)}. Nothing was written. Map or drop those fields, or give -AddColumns to add them to the tables.") { Entity = first });
        }
    }
}
