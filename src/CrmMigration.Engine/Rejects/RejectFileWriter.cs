using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Rejects
{
    /// <summary>
    /// Writes rejected records to one CSV per entity (&lt;entity&gt;.rejects.csv) in a folder: the record's
    /// fields as they arrived plus RejectReason and RejectMessage, ready to fix and re-import. Uses the
    /// CSV provider, so files are UTF-8 with BOM, formula-injection safe, and appear only when complete.
    /// </summary>
    public sealed class RejectFileWriter : IDisposable
    {
        private const int BatchSize = 1000;
        private readonly CsvProvider _provider;
        private readonly Dictionary<string, (ICrmEntityWriter Writer, List<CrmRecord> Pending)> _entities = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<CrmRecordOutcome> _scratch = new();
        private readonly List<CrmDataError> _problems = new();

        public RejectFileWriter(string folder)
        {
            Directory.CreateDirectory(folder);
            Folder = Path.GetFullPath(folder);
            _provider = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, Folder));
        }

        public string Folder { get; }

        /// <summary>Records written so far.</summary>
        public long Count { get; private set; }

        public void Add(CrmRecord record, string reasonCode, string? message)
        {
            string entity = record.Entity + ".rejects";
            if (!_entities.TryGetValue(entity, out var slot))
            {
                slot = (_provider.OpenWriter(entity, new CrmWriteOptions { CreateIfMissing = true }), new List<CrmRecord>(BatchSize));
                _entities[entity] = slot;
            }
            var copy = record.Clone();
            copy.Set("RejectReason", reasonCode);
            copy.Set("RejectMessage", message ?? "");
            slot.Pending.Add(copy);
            Count++;
            if (slot.Pending.Count >= BatchSize) Flush(slot.Writer, slot.Pending);
        }

        /// <summary>Writes everything and puts the files in place; returns records that could not be written (a field the file's columns lack).</summary>
        public IReadOnlyList<CrmDataError> Complete()
        {
            foreach (var (writer, pending) in _entities.Values)
            {
                Flush(writer, pending);
                writer.Complete();
            }
            return _problems;
        }

        private void Flush(ICrmEntityWriter writer, List<CrmRecord> pending)
        {
            if (pending.Count == 0) return;
            _scratch.Clear();
            writer.WriteBatch(pending, _scratch);
            for (int i = 0; i < _scratch.Count; i++)
            {
                if (_scratch[i].Outcome == CrmOutcome.Rejected)
                {
                    _problems.Add(new CrmDataError("RejectFileWriteFailed", CrmErrorKind.WriteError,
                        $"The rejected record could not be added to its reject file: {_scratch[i].Message}") { Entity = pending[i].Entity, Key = pending[i].Key?.ToString(), Record = pending[i] });
                }
            }
            pending.Clear();
        }

        public void Dispose()
        {
            foreach (var (writer, _) in _entities.Values) writer.Dispose();
            _provider.Dispose();
        }
    }
}
