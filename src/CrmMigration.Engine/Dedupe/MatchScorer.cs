using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// The compiled comparison of one entity: the normaliser chain and comparator of each match field, the
    /// normalised values of every record (held compactly: packed in byte chunks, not as string objects, repeated
    /// short values stored once), and the pair score with each comparator's contribution. Once the groups are
    /// known, <see cref="Keep"/> lets go of the values of records no later step scores.
    /// </summary>
    public sealed class MatchScorer
    {
        /// <summary>Record keys as UTF-8 in one growing buffer (a key costs its bytes and 4 more, not a string object).</summary>
        private sealed class KeyArena
        {
            private byte[] _bytes = new byte[1 << 16];
            private int[] _ends = new int[1024];
            private int _count, _used;

            public void Add(string key)
            {
                int max = System.Text.Encoding.UTF8.GetMaxByteCount(key.Length);
                if (_used + max > _bytes.Length) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + max));
                _used += System.Text.Encoding.UTF8.GetBytes(key, 0, key.Length, _bytes, _used);
                if (_count == _ends.Length) Array.Resize(ref _ends, _ends.Length * 2);
                _ends[_count++] = _used;
            }

            public string Get(int i)
            {
                int start = i == 0 ? 0 : _ends[i - 1];
                return System.Text.Encoding.UTF8.GetString(_bytes, start, _ends[i] - start);
            }
        }

        /// <summary>
        /// Normalised values packed into byte chunks: text of Latin-1 characters one byte a character, other text
        /// as UTF-16, so a value costs its bytes and an 8-byte slot instead of a string object (at 1M records
        /// about 100 MB less). A slot packs the chunk, the offset, the length and whether the text is wide.
        /// </summary>
        private sealed class ValueArena
        {
            public const long Null = -1;
            private const int LengthBits = 20;
            private const int OffsetBits = 22;
            private const int MaxChunk = 1 << OffsetBits;
            private const long Wide = 1L << 62;
            private readonly List<byte[]> _chunks = new();
            private readonly List<string> _long = new();
            private byte[] _chunk = Array.Empty<byte>();
            private int _used;

            public long Add(string s)
            {
                if (s.Length >= 1 << LengthBits)
                {
                    _long.Add(s);
                    return -3 - (_long.Count - 1);
                }
                bool narrow = true;
                foreach (char c in s)
                {
                    if (c > '\u00FF') { narrow = false; break; }
                }
                if (!narrow) _used = (_used + 1) & ~1;
                int bytes = narrow ? s.Length : s.Length * 2;
                if (_used + bytes > _chunk.Length)
                {
                    // Chunks grow from 64 KB to 4 MB, so a small entity does not hold megabytes.
                    _chunk = new byte[Math.Min(MaxChunk, Math.Max(1 << 16, _chunk.Length * 2))];
                    _chunks.Add(_chunk);
                    _used = 0;
                }
                if (narrow)
                {
                    for (int i = 0; i < s.Length; i++) _chunk[_used + i] = (byte)s[i];
                }
                else
                {
                    MemoryMarshal.AsBytes(s.AsSpan()).CopyTo(_chunk.AsSpan(_used));
                }
                long slot = ((long)(_chunks.Count - 1) << (OffsetBits + LengthBits)) | ((long)_used << LengthBits) | (uint)s.Length;
                if (!narrow) slot |= Wide;
                _used += bytes;
                return slot;
            }

            public string? Get(long slot)
            {
                if (slot == Null) return null;
                if (slot < 0) return _long[(int)(-3 - slot)];
                int length = (int)(slot & ((1 << LengthBits) - 1));
                int offset = (int)((slot >> LengthBits) & (MaxChunk - 1));
                var chunk = _chunks[(int)((slot & ~Wide) >> (OffsetBits + LengthBits))];
                if ((slot & Wide) != 0) return new string(MemoryMarshal.Cast<byte, char>(chunk.AsSpan(offset, length * 2)));
                return Encoding.Latin1.GetString(chunk, offset, length);
            }
        }

        /// <summary>Separates the values of a field that combines several sources with Any.</summary>
        public const char ValueSeparator = '\u001F';
        private const int InternLimit = 200_000;

        private readonly EntityDedupeRules _rules;
        private readonly Func<string, string?>[] _normalize;
        private readonly Func<string, string, double>[] _compare;
        private readonly double[] _missing;
        private readonly double[] _agree, _disagree;
        private readonly double _priorLogOdds;
        private readonly int _fieldCount;
        private readonly Dictionary<string, long> _intern = new(StringComparer.Ordinal);
        private long[] _values = new long[1024];
        private ValueArena _arena = new();
        private KeyArena _keys = new();
        private int[]? _rowOf;
        private readonly bool[] _internField;
        private int _count;
        private readonly Dictionary<CrmFieldShape, int[][]> _bound = new(ReferenceEqualityComparer.Instance);

        public MatchScorer(EntityDedupeRules rules)
        {
            _rules = rules;
            _fieldCount = rules.Fields.Count;
            _normalize = new Func<string, string?>[_fieldCount];
            _compare = new Func<string, string, double>[_fieldCount];
            _missing = new double[_fieldCount];
            _agree = new double[_fieldCount];
            _disagree = new double[_fieldCount];
            _internField = new bool[_fieldCount];
            for (int f = 0; f < _fieldCount; f++)
            {
                var field = rules.Fields[f];
                _normalize[f] = Normalizers.Chain(field.Normalize, field, rules);
                _compare[f] = Comparators.Create(field);
                _missing[f] = field.MissingSimilarity ?? rules.MissingSimilarity;
                // Names, cities, domains repeat: their values are shared. Phones, e-mail addresses and numbers hardly do.
                _internField[f] = field.Compare is not ("Phone" or "Email" or "Numeric" or "Date");
                _agree[f] = Math.Log2(field.M / field.U);
                _disagree[f] = Math.Log2((1 - field.M) / (1 - field.U));
            }
            _priorLogOdds = Math.Log2(rules.Prior / (1 - rules.Prior));
        }

        public EntityDedupeRules Rules => _rules;

        /// <summary>Records projected so far.</summary>
        public int Count => _count;

        /// <summary>
        /// Normalises a record's match fields and stores them; returns its index. Throws DedupeRulesUnknownSourceField
        /// when the record has none of a match field's source fields (a rules file written for other records).
        /// </summary>
        public int Add(CrmRecord record)
        {
            if (_rowOf is not null) throw new InvalidOperationException("The scorer let go of its records' values; it takes no more.");
            var positions = Bind(record);
            int index = _count++;
            _keys.Add(record.Key?.ToString() ?? "");
            int need = (index + 1) * _fieldCount;
            if (need > _values.Length) Array.Resize(ref _values, Math.Max(need, _values.Length * 2));
            int offset = index * _fieldCount;
            for (int f = 0; f < _fieldCount; f++) _values[offset + f] = Store(f, Project(record, f, positions[f]));
            return index;
        }

        private int[][] Bind(CrmRecord record)
        {
            if (_bound.TryGetValue(record.Shape, out var known)) return known;
            var result = new int[_fieldCount][];
            for (int f = 0; f < _fieldCount; f++)
            {
                var field = _rules.Fields[f];
                var p = new int[field.Source.Count];
                int found = 0;
                for (int s = 0; s < p.Length; s++)
                {
                    p[s] = record.Shape.IndexOf(field.Source[s]);
                    if (p[s] >= 0) found++;
                }
                if (found == 0)
                {
                    throw new CrmException(new CrmDataError("DedupeRulesUnknownSourceField", CrmErrorKind.InvalidArgument,
                        $"The dedupe rules compare '{field.Name}' from {string.Join(", ", field.Source)}, but {record.Entity} records have no such field. Their fields: {string.Join(", ", record.FieldNames)}.")
                    { Entity = record.Entity });
                }
                result[f] = p;
            }
            _bound[record.Shape] = result;
            return result;
        }

        private string? Project(CrmRecord record, int f, int[] positions)
        {
            var field = _rules.Fields[f];
            string? result = null;
            if (field.Combine == CombineMode.Join || positions.Length == 1)
            {
                string? joined = null;
                foreach (int p in positions)
                {
                    if (p < 0) continue;
                    string? text = Util.CrmValues.ToText(record.GetValue(p));
                    if (string.IsNullOrWhiteSpace(text)) continue;
                    joined = joined is null ? text : joined + " " + text;
                }
                if (joined is not null) result = _normalize[f](joined);
            }
            else
            {
                foreach (int p in positions)
                {
                    if (p < 0) continue;
                    string? text = Util.CrmValues.ToText(record.GetValue(p));
                    if (string.IsNullOrWhiteSpace(text)) continue;
                    string? n = _normalize[f](text);
                    if (string.IsNullOrEmpty(n)) continue;
                    if (result is null) result = n;
                    else if (!ContainsValue(result, n)) result = result + ValueSeparator + n;
                }
            }
            return string.IsNullOrEmpty(result) ? null : result;
        }

        /// <summary>A value into the arena; names, cities and domains repeat, so their short values are stored once.</summary>
        private long Store(int f, string? value)
        {
            if (value is null) return ValueArena.Null;
            if (!_internField[f] || value.Length > 24) return _arena.Add(value);
            if (_intern.TryGetValue(value, out long known)) return known;
            long slot = _arena.Add(value);
            if (_intern.Count < InternLimit) _intern[value] = slot;
            return slot;
        }

        /// <summary>
        /// Lets go of the match values of every record <paramref name="keep"/> does not mark (once the groups are
        /// known, only the members of groups and review pairs are scored again): the values kept move to a new
        /// arena. Scoring a record let go of throws.
        /// </summary>
        public void Keep(bool[] keep)
        {
            int kept = 0;
            for (int r = 0; r < _count && r < keep.Length; r++) if (keep[r]) kept++;
            var rowOf = new int[_count];
            var values = new long[Math.Max(1, kept * _fieldCount)];
            var keys = new KeyArena();
            var arena = new ValueArena();
            var copied = new Dictionary<long, long>();
            int row = 0;
            for (int r = 0; r < _count; r++)
            {
                if (r >= keep.Length || !keep[r]) { rowOf[r] = -1; continue; }
                int from = Row(r) * _fieldCount, to = row * _fieldCount;
                for (int f = 0; f < _fieldCount; f++)
                {
                    long slot = _values[from + f];
                    if (slot != ValueArena.Null && !copied.ContainsKey(slot)) copied[slot] = arena.Add(_arena.Get(slot)!);
                    values[to + f] = slot == ValueArena.Null ? slot : copied[slot];
                }
                keys.Add(KeyOf(r));
                rowOf[r] = row++;
            }
            _rowOf = rowOf;
            _values = values;
            _keys = keys;
            _arena = arena;
            _intern.Clear();
            _intern.TrimExcess();
        }

        /// <summary>A record's row in the values and keys (after <see cref="Keep"/>, the rows of the records kept).</summary>
        private int Row(int record)
        {
            if (_rowOf is null) return record;
            int row = _rowOf[record];
            if (row < 0) throw new InvalidOperationException("The dedupe let go of this record's match values; nothing should score it any more.");
            return row;
        }

        private static bool ContainsValue(string joined, string value)
        {
            foreach (var part in joined.Split(ValueSeparator)) if (string.Equals(part, value, StringComparison.Ordinal)) return true;
            return false;
        }

        /// <summary>The key text of a projected record.</summary>
        public string KeyOf(int record) => _keys.Get(Row(record));

        /// <summary>The normalised value of a record's match field (several values separated by U+001F), or null.</summary>
        public string? Value(int record, int field) => _arena.Get(_values[Row(record) * _fieldCount + field]);

        /// <summary>The score of a pair, 0..1; with <paramref name="explain"/>, each field's contribution is added to it.</summary>
        public double Score(int a, int b, List<CrmMatchContribution>? explain = null)
        {
            int oa = Row(a) * _fieldCount, ob = Row(b) * _fieldCount;
            if (_rules.Scoring == ScoringModel.Weighted)
            {
                double num = 0, den = 0;
                for (int f = 0; f < _fieldCount; f++)
                {
                    string? va = _arena.Get(_values[oa + f]), vb = _arena.Get(_values[ob + f]);
                    double w = _rules.Fields[f].Weight;
                    double? sim = va is null || vb is null ? null : Similarity(f, va, vb);
                    double s = sim ?? _missing[f];
                    num += w * s;
                    den += w;
                    explain?.Add(new CrmMatchContribution(_rules.Fields[f].Name, _rules.Fields[f].Compare, Show(va), Show(vb), sim, w, w * s));
                }
                if (explain is not null && den > 0)
                {
                    // Contributions as parts of the final score (they add up to it).
                    for (int i = explain.Count - _fieldCount; i < explain.Count; i++)
                    {
                        var c = explain[i];
                        explain[i] = new CrmMatchContribution(c.Field, c.Comparator, c.ValueA, c.ValueB, c.Similarity, c.Weight, Math.Round(c.Contribution / den, 4));
                    }
                }
                return den > 0 ? num / den : 0;
            }
            double logOdds = _priorLogOdds;
            for (int f = 0; f < _fieldCount; f++)
            {
                string? va = _arena.Get(_values[oa + f]), vb = _arena.Get(_values[ob + f]);
                double? sim = va is null || vb is null ? null : Similarity(f, va, vb);
                double contribution = sim is double s ? _disagree[f] + s * (_agree[f] - _disagree[f]) : 0;
                logOdds += contribution;
                explain?.Add(new CrmMatchContribution(_rules.Fields[f].Name, _rules.Fields[f].Compare, Show(va), Show(vb), sim, _agree[f], Math.Round(contribution, 4)));
            }
            return 1.0 / (1.0 + Math.Pow(2, -logOdds));
        }

        private double Similarity(int f, string a, string b)
        {
            if (a.IndexOf(ValueSeparator) < 0 && b.IndexOf(ValueSeparator) < 0) return _compare[f](a, b);
            double best = 0;
            foreach (var x in a.Split(ValueSeparator))
            {
                foreach (var y in b.Split(ValueSeparator))
                {
                    double s = _compare[f](x, y);
                    if (s > best) best = s;
                    if (best >= 1) return 1;
                }
            }
            return best;
        }

        private static string? Show(string? v) => v?.Replace(ValueSeparator, '|');
    }
}
