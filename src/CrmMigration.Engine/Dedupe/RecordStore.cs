using System;
using System.Collections.Generic;
using CrmMigration.Engine.Providers.Excel;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Holds the records a dedupe has seen until the groups are known: in memory up to a limit, then in a
    /// temporary spool file (the Excel writer's <see cref="RecordSpool"/>), read back once in order. A spooled
    /// record keeps its entity, key (with its field names), origin, mapping hash, shape (with references) and
    /// values; Convert-CrmRecord's -Explain changes are kept only for records held in memory.
    /// </summary>
    internal sealed class RecordStore : IDisposable
    {
        private readonly string _folder;
        private readonly int _inMemoryLimit;
        private List<CrmRecord>? _memory = new();
        private RecordSpool? _spool;
        private readonly List<Template> _templates = new();
        private readonly Dictionary<(CrmFieldShape, string, IReadOnlyList<string>?, string?, string?, string?, bool), int> _templateIndex = new();

        private sealed record Template(CrmFieldShape Shape, string Entity, IReadOnlyList<string>? KeyFields, string? MappingHash, string? System, string? OriginEntity, bool HasOrigin);

        public RecordStore(string folder, int inMemoryLimit)
        {
            _folder = folder;
            _inMemoryLimit = inMemoryLimit;
        }

        public int Count { get; private set; }

        /// <summary>True once the records went to disk.</summary>
        public bool Spooled => _spool is not null;

        public void Add(CrmRecord record)
        {
            Count++;
            if (_memory is not null)
            {
                _memory.Add(record);
                if (_memory.Count <= _inMemoryLimit) return;
                System.IO.Directory.CreateDirectory(_folder);
                _spool = new RecordSpool(_folder);
                foreach (var r in _memory) Spool(r);
                _memory = null;
                return;
            }
            Spool(record);
        }

        private void Spool(CrmRecord r)
        {
            var o = r.Origin;
            var id = (r.Shape, r.Entity, r.Key?.FieldNames, r.MappingHash, o?.System, o?.Entity, o is not null);
            if (!_templateIndex.TryGetValue(id, out int t))
            {
                t = _templates.Count;
                _templates.Add(new Template(r.Shape, r.Entity, r.Key?.FieldNames, r.MappingHash, o?.System, o?.Entity, o is not null));
                _templateIndex[id] = t;
            }
            var row = new object?[5 + r.FieldCount];
            row[0] = (long)t;
            row[1] = r.Key?.ToString();
            row[2] = o?.SourceKey;
            row[3] = o?.File;
            row[4] = o?.Line ?? 0L;
            for (int i = 0; i < r.FieldCount; i++) row[5 + i] = Normalise(r.GetValue(i));
            _spool!.Add(row);
        }

        /// <summary>The spool holds the portable value types; anything else travels as its invariant text.</summary>
        private static object? Normalise(object? v) => v switch
        {
            null or string or long or decimal or double or bool or DateTime or DateTimeOffset or Guid or byte[] => v,
            int i => (long)i,
            short s => (long)s,
            float f => (double)f,
            _ => Util.CrmValues.ToText(v),
        };

        /// <summary>Every record in the order added (once).</summary>
        public IEnumerable<CrmRecord> ReadAll()
        {
            if (_memory is not null)
            {
                foreach (var r in _memory) yield return r;
                yield break;
            }
            foreach (var row in _spool!.ReadBack())
            {
                var t = _templates[(int)(long)row[0]!];
                var values = new object?[t.Shape.Count];
                Array.Copy(row, 5, values, 0, Math.Min(values.Length, row.Length - 5));
                var record = new CrmRecord(t.Entity, t.Shape, values) { MappingHash = t.MappingHash };
                if (row[1] is string key)
                {
                    var parsed = CrmKey.Parse(key);
                    var parts = new string[parsed.Parts.Count];
                    for (int i = 0; i < parts.Length; i++) parts[i] = parsed.Parts[i];
                    record.Key = new CrmKey(parts) { FieldNames = t.KeyFields };
                }
                if (t.HasOrigin) record.Origin = new CrmOrigin(t.System ?? "", t.OriginEntity, row[2] as string, row[3] as string, (long)row[4]!);
                yield return record;
            }
        }

        public void Dispose()
        {
            _spool?.Dispose();
            _spool = null;
            _memory = null;
        }
    }
}
