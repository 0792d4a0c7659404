using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Import
{
    public sealed partial class ImportSession
    {
        private WaitingSpool? _spill;
        private bool _draining;
        private long _spilled;

        /// <summary>
        /// Past <see cref="ImportOptions.MaxWaitingInMemory"/> records waiting for their parents, the next ones go to a spool file
        /// instead of memory (their values, key and origin; shapes stay in memory, shared). They come back when the stream ends,
        /// once every parent the stream holds has landed: then they find their parents in the ledger or the target like any
        /// later record, or wait again (in memory) for the end-of-stream resolution. Returns false when the record stays in
        /// memory (under the cap, the spool being read back, or a value the spool cannot hold).
        /// </summary>
        private bool Spill(EntityState state, CrmRecord record)
        {
            if (_draining || _waitingNow < _options.MaxWaitingInMemory || !WaitingSpool.Holds(record)) return false;
            (_spill ??= new WaitingSpool()).Add(state, record);
            _spilled++;
            return true;
        }

        /// <summary>At the end of the stream: the spooled records enter their entities' batches again, a batch at a time.</summary>
        private void DrainSpill(List<ImportResult> results)
        {
            if (_spill is not { } spill) return;
            _spill = null;
            _draining = true;
            using (spill)
            {
                foreach (var (state, record) in spill.ReadBack())
                {
                    state.Batch.Add(record);
                    state.Preset.Add(null);
                    if (state.Batch.Count >= _options.BatchSize) FlushEntity(state, results);
                }
            }
            Flush(results);
            Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{_spilled:N0} record(s) waited for their parents in a temporary file (more than {_options.MaxWaitingInMemory:N0} waited at once); they were written after the rest of the stream. Sending parents first avoids the wait."));
        }

        /// <summary>
        /// True when everything the session was given is recorded: no batch pending, no record waiting for a parent (in memory
        /// or spooled). A reader's position saved now is never ahead of the books.
        /// </summary>
        internal bool Settled => _inFlight is null && _unaccounted is null && SettledApartFromWrite();

        /// <summary>
        /// True when the only thing not yet recorded is the batch being written on another thread (see FlushRows): a position
        /// saved once it is recorded (<see cref="WhenWritten"/>) is never ahead of the books.
        /// </summary>
        internal bool SettledButWriting => _inFlight is not null && SettledApartFromWrite();

        /// <summary>Runs <paramref name="then"/> with the ledger once the batch being written is recorded (now when there is none).</summary>
        internal void WhenWritten(Action<Ledger.MigrationLedger> then)
        {
            if (_ledger is null) return;
            if (_inFlight is { } f) f.Then += () => then(_ledger);
            else then(_ledger);
        }

        private bool SettledApartFromWrite()
        {
            if (_waitingNow > 0 || _spill is not null) return false;
            foreach (var state in _entities.Values) if (Pending(state) > 0) return false;
            return true;
        }

        /// <summary>The ledger the session records into, or null; a batch being written is accounted for first (the caller uses the ledger now).</summary>
        internal Ledger.MigrationLedger? RunLedger
        {
            get
            {
                Drain();
                return _ledger;
            }
        }

        private void DisposeSpill()
        {
            _spill?.Dispose();
            _spill = null;
        }

        /// <summary>
        /// Records waiting for parents, on disk: per record its template (entity state, shape, key field names, origin's system,
        /// entity and file, mapping hash: a few shared objects, kept in memory), its values (<see cref="ValueCodec"/>), key parts,
        /// source key and line.
        /// </summary>
        private sealed class WaitingSpool : IDisposable
        {
            private readonly List<Template> _templates = new();
            private FileStream? _stream;
            private BinaryWriter? _writer;
            private long _rows;

            private sealed record Template(EntityState State, string Entity, CrmFieldShape Shape, IReadOnlyList<string>? KeyNames, string? System, string? SourceEntity, string? File, string? MappingHash);

            public WaitingSpool()
            {
                string path = Path.Combine(Path.GetTempPath(), ".crm-waiting-" + Guid.NewGuid().ToString("N") + ".tmp");
                _stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                _writer = new BinaryWriter(_stream, System.Text.Encoding.UTF8, leaveOpen: true);
            }

            /// <summary>True when every value of the record is one the codec holds (anything else waits in memory).</summary>
            public static bool Holds(CrmRecord record)
            {
                int n = record.Shape.Count;
                for (int i = 0; i < n; i++)
                {
                    switch (record.GetValue(i))
                    {
                        case null or string or long or decimal or double or bool or DateTime or DateTimeOffset or Guid or byte[] or int: continue;
                        default: return false;
                    }
                }
                return record.Changes is null && record.Decided is null;
            }

            public void Add(EntityState state, CrmRecord record)
            {
                var w = _writer ?? throw new ObjectDisposedException(nameof(WaitingSpool));
                var o = record.Origin;
                int t = TemplateOf(state, record.Entity, record.Shape, record.Key?.FieldNames, o?.System, o?.Entity, o?.File, record.MappingHash);
                w.Write(t);
                int n = record.Shape.Count;
                for (int i = 0; i < n; i++) ValueCodec.Write(w, record.GetValue(i));
                var parts = record.Key?.Parts;
                w.Write(parts is null ? -1 : parts.Count);
                if (parts is not null) foreach (var p in parts) w.Write(p);
                w.Write(o is not null);
                if (o is not null)
                {
                    w.Write(o.SourceKey is not null);
                    if (o.SourceKey is not null) w.Write(o.SourceKey);
                    w.Write(o.Line);
                }
                _rows++;
            }

            private int TemplateOf(EntityState state, string entity, CrmFieldShape shape, IReadOnlyList<string>? keyNames, string? system, string? sourceEntity, string? file, string? mappingHash)
            {
                for (int i = _templates.Count - 1; i >= 0; i--)
                {
                    var t = _templates[i];
                    if (ReferenceEquals(t.State, state) && ReferenceEquals(t.Shape, shape) && ReferenceEquals(t.KeyNames, keyNames) && string.Equals(t.Entity, entity, StringComparison.Ordinal)
                        && string.Equals(t.System, system, StringComparison.Ordinal) && string.Equals(t.SourceEntity, sourceEntity, StringComparison.Ordinal)
                        && string.Equals(t.File, file, StringComparison.Ordinal) && string.Equals(t.MappingHash, mappingHash, StringComparison.Ordinal)) return i;
                }
                _templates.Add(new Template(state, entity, shape, keyNames, system, sourceEntity, file, mappingHash));
                return _templates.Count - 1;
            }

            /// <summary>The records, once, in the order they were added.</summary>
            public IEnumerable<(EntityState State, CrmRecord Record)> ReadBack()
            {
                var w = _writer ?? throw new ObjectDisposedException(nameof(WaitingSpool));
                w.Flush();
                var s = _stream!;
                s.Position = 0;
                using var r = new BinaryReader(s, System.Text.Encoding.UTF8, leaveOpen: true);
                for (long row = 0; row < _rows; row++)
                {
                    var t = _templates[r.ReadInt32()];
                    var values = new object?[t.Shape.Count];
                    for (int i = 0; i < values.Length; i++) values[i] = ValueCodec.Read(r);
                    var record = new CrmRecord(t.Entity, t.Shape, values) { MappingHash = t.MappingHash };
                    int parts = r.ReadInt32();
                    if (parts >= 0)
                    {
                        var p = new string[parts];
                        for (int i = 0; i < parts; i++) p[i] = r.ReadString();
                        record.Key = new CrmKey(p) { FieldNames = t.KeyNames };
                    }
                    if (r.ReadBoolean())
                    {
                        string? sourceKey = r.ReadBoolean() ? r.ReadString() : null;
                        record.Origin = new CrmOrigin(t.System ?? "", t.SourceEntity, sourceKey, t.File, r.ReadInt64());
                    }
                    yield return (t.State, record);
                }
            }

            public void Dispose()
            {
                _writer?.Dispose();
                _writer = null;
                _stream?.Dispose(); // DeleteOnClose removes the file
                _stream = null;
            }
        }
    }
}
