using System;
using System.Collections.Generic;
using System.IO.Hashing;
using System.Text;
using System.Threading;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Candidate pairs from the blocking rules (OR-ed): every record gets a 64-bit hash per key (rule number
    /// and key text), the (hash, record) entries are sorted, and records sharing a hash are paired. A block
    /// larger than MaxBlockSize is not paired all against all: its records are sorted by their match values
    /// and each is paired with the next Window-1 (sorted neighbourhood), so one common key ('gmail.com',
    /// a surname everybody has) cannot make the work quadratic. The pairs of all rules are sorted and made
    /// distinct. Memory: 12 bytes per key entry and 8 per candidate pair.
    /// </summary>
    public sealed class Blocker
    {
        private readonly MatchScorer _scorer;
        private readonly EntityDedupeRules _rules;

        public Blocker(MatchScorer scorer)
        {
            _scorer = scorer;
            _rules = scorer.Rules;
        }

        /// <summary>Blocks that were too large for all pairs and were windowed instead.</summary>
        public int WindowedBlocks { get; private set; }

        /// <summary>The largest block seen.</summary>
        public int LargestBlock { get; private set; }

        /// <summary>
        /// The distinct candidate pairs (a &lt; b, packed as a &lt;&lt; 32 | b, sorted). Records at or past
        /// <paramref name="firstTarget"/> are existing target records: they are never paired with one another.
        /// </summary>
        public long[] Candidates(int count, int firstTarget, CancellationToken ct)
        {
            int capacity = Math.Max(1024, count * _rules.Blocking.Count);
            var keyArray = new long[capacity];
            var recArray = new int[capacity];
            int entries = 0;
            var sb = new StringBuilder(64);
            var tokens = new List<string>(4);
            for (int r = 0; r < _rules.Blocking.Count; r++)
            {
                var rule = _rules.Blocking[r];
                var fields = new int[rule.Fields.Count];
                for (int i = 0; i < fields.Length; i++) fields[i] = FieldIndex(rule.Fields[i]);
                for (int rec = 0; rec < count; rec++)
                {
                    if ((rec & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                    tokens.Clear();
                    KeysOf(rec, rule, fields, tokens, sb);
                    foreach (var k in tokens)
                    {
                        if (k.Length < rule.MinLength) continue;
                        if (entries == keyArray.Length)
                        {
                            Array.Resize(ref keyArray, keyArray.Length * 2);
                            Array.Resize(ref recArray, recArray.Length * 2);
                        }
                        keyArray[entries] = Hash(r, k);
                        recArray[entries++] = rec;
                    }
                }
            }
            Array.Sort(keyArray, recArray, 0, entries);

            var pairs = new PairList();
            int start = 0;
            while (start < entries)
            {
                if ((start & 0xFFF) == 0) ct.ThrowIfCancellationRequested();
                int end = start + 1;
                while (end < entries && keyArray[end] == keyArray[start]) end++;
                int size = end - start;
                if (size > LargestBlock) LargestBlock = size;
                if (size > 1)
                {
                    if (size <= _rules.MaxBlockSize)
                    {
                        for (int i = start; i < end; i++)
                        {
                            for (int j = i + 1; j < end; j++) pairs.Add(recArray[i], recArray[j], firstTarget);
                        }
                    }
                    else
                    {
                        WindowedBlocks++;
                        var block = new int[size];
                        Array.Copy(recArray, start, block, 0, size);
                        var sortKeys = new string[size];
                        for (int i = 0; i < size; i++) sortKeys[i] = SortKey(block[i]);
                        Array.Sort(sortKeys, block, StringComparer.Ordinal);
                        int w = _rules.Window;
                        for (int i = 0; i < size; i++)
                        {
                            for (int j = i + 1; j < size && j < i + w; j++) pairs.Add(block[i], block[j], firstTarget);
                        }
                    }
                }
                start = end;
            }
            return pairs.Distinct();
        }

        private int FieldIndex(string name)
        {
            for (int f = 0; f < _rules.Fields.Count; f++) if (string.Equals(_rules.Fields[f].Name, name, StringComparison.OrdinalIgnoreCase)) return f;
            throw new InvalidOperationException("Blocking on an unknown field " + name);
        }

        /// <summary>The keys a record has under a rule (none when a field is empty).</summary>
        private void KeysOf(int rec, BlockingRule rule, int[] fields, List<string> keys, StringBuilder sb)
        {
            if (fields.Length == 1)
            {
                string? v = _scorer.Value(rec, fields[0]);
                if (v is null) return;
                if (v.IndexOf(MatchScorer.ValueSeparator) < 0) Apply(v, rule, keys, sb);
                else foreach (var part in v.Split(MatchScorer.ValueSeparator)) Apply(part, rule, keys, sb);
                return;
            }
            // Several fields: one key, each field's key (its first value) joined.
            var parts = new List<string>(fields.Length);
            var one = new List<string>(2);
            foreach (int f in fields)
            {
                string? v = _scorer.Value(rec, f);
                if (v is null) return;
                int sep = v.IndexOf(MatchScorer.ValueSeparator);
                one.Clear();
                Apply(sep < 0 ? v : v.Substring(0, sep), rule.Method == BlockingMethod.Tokens ? new BlockingRule(rule.Fields, BlockingMethod.SortedTokens, 0) : rule, one, sb);
                if (one.Count == 0) return;
                parts.Add(one[0]);
            }
            keys.Add(string.Join("\u001E", parts));
        }

        private static void Apply(string v, BlockingRule rule, List<string> keys, StringBuilder sb)
        {
            switch (rule.Method)
            {
                case BlockingMethod.Exact: keys.Add(v); break;
                case BlockingMethod.Prefix: keys.Add(v.Length <= rule.Length ? v : v.Substring(0, rule.Length)); break;
                case BlockingMethod.Suffix: if (v.Length >= rule.Length) keys.Add(v.Substring(v.Length - rule.Length)); break;
                case BlockingMethod.LocalPart:
                    int at = v.IndexOf('@');
                    if (at > 0) keys.Add(v.Substring(0, at));
                    break;
                case BlockingMethod.Tokens:
                    foreach (var t in Words(v)) keys.Add(t);
                    break;
                case BlockingMethod.SortedTokens:
                    var words = Words(v);
                    words.Sort(StringComparer.Ordinal);
                    sb.Clear();
                    foreach (var w in words) { if (sb.Length > 0) sb.Append(' '); sb.Append(w); }
                    if (sb.Length > 0) keys.Add(sb.ToString());
                    break;
            }
        }

        /// <summary>Words at spaces; a run of Chinese characters is one word (a Han name is not split per character for blocking).</summary>
        private static List<string> Words(string v)
        {
            var list = new List<string>(3);
            foreach (var w in v.Split(' ', StringSplitOptions.RemoveEmptyEntries)) list.Add(w);
            return list;
        }

        private string SortKey(int rec)
        {
            var sb = new StringBuilder(64);
            for (int f = 0; f < _rules.Fields.Count; f++)
            {
                sb.Append(_scorer.Value(rec, f)).Append('\u001E');
            }
            return sb.ToString();
        }

        private static long Hash(int rule, string key)
        {
            int max = Encoding.UTF8.GetMaxByteCount(key.Length) + 4;
            Span<byte> buffer = max <= 512 ? stackalloc byte[512] : new byte[max];
            buffer[0] = (byte)rule;
            buffer[1] = (byte)(rule >> 8);
            int n = Encoding.UTF8.GetBytes(key, buffer.Slice(2));
            return (long)XxHash3.HashToUInt64(buffer.Slice(0, n + 2));
        }

        /// <summary>A growable list of packed pairs.</summary>
        private sealed class PairList
        {
            private long[] _items = new long[1024];
            private int _count;

            public void Add(int a, int b, int firstTarget)
            {
                if (a == b) return;
                if (a >= firstTarget && b >= firstTarget) return; // two target records: not ours to merge
                long packed = a < b ? ((long)a << 32) | (uint)b : ((long)b << 32) | (uint)a;
                if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
                _items[_count++] = packed;
            }

            public long[] Distinct()
            {
                Array.Sort(_items, 0, _count);
                int w = 0;
                for (int i = 0; i < _count; i++)
                {
                    if (w > 0 && _items[w - 1] == _items[i]) continue;
                    _items[w++] = _items[i];
                }
                Array.Resize(ref _items, w);
                return _items;
            }
        }
    }
}
