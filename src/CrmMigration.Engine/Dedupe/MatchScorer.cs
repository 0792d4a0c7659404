using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// The compiled comparison of one entity: the normaliser chain and comparator of each match field, the
    /// normalised values of every record (held compactly: one string per record and field, repeated short
    /// values shared), and the pair score with each comparator's contribution.
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
        private readonly Dictionary<string, string> _intern = new(StringComparer.Ordinal);
        private string?[] _values = new string?[1024];
        private readonly KeyArena _keys = new();
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
            var positions = Bind(record);
            int index = _count++;
            _keys.Add(record.Key?.ToString() ?? "");
            int need = (index + 1) * _fieldCount;
            if (need > _values.Length) Array.Resize(ref _values, Math.Max(need, _values.Length * 2));
            int offset = index * _fieldCount;
            for (int f = 0; f < _fieldCount; f++) _values[offset + f] = Project(record, f, positions[f]);
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
            if (string.IsNullOrEmpty(result)) return null;
            return _internField[f] ? Intern(result) : result;
        }

        private static bool ContainsValue(string joined, string value)
        {
            foreach (var part in joined.Split(ValueSeparator)) if (string.Equals(part, value, StringComparison.Ordinal)) return true;
            return false;
        }

        private string Intern(string s)
        {
            if (s.Length > 24) return s;
            if (_intern.TryGetValue(s, out var known)) return known;
            if (_intern.Count < InternLimit) _intern[s] = s;
            return s;
        }

        /// <summary>The key text of a projected record.</summary>
        public string KeyOf(int record) => _keys.Get(record);

        /// <summary>The normalised value of a record's match field (several values separated by U+001F), or null.</summary>
        public string? Value(int record, int field) => _values[record * _fieldCount + field];

        /// <summary>The score of a pair, 0..1; with <paramref name="explain"/>, each field's contribution is added to it.</summary>
        public double Score(int a, int b, List<CrmMatchContribution>? explain = null)
        {
            int oa = a * _fieldCount, ob = b * _fieldCount;
            if (_rules.Scoring == ScoringModel.Weighted)
            {
                double num = 0, den = 0;
                for (int f = 0; f < _fieldCount; f++)
                {
                    string? va = _values[oa + f], vb = _values[ob + f];
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
                string? va = _values[oa + f], vb = _values[ob + f];
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
