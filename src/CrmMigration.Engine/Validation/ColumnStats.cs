using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// Aggregates of one column on one side, over the values as compared (after the mapping, the target's type
    /// and scale): rows, nulls, distinct values (exact up to <see cref="ExactLimit"/>, then a HyperLogLog sketch
    /// whose registers are compared), min, max, sum of numbers, and min/max length of text. Constant memory.
    /// </summary>
    internal sealed class ColumnStats
    {
        public const int ExactLimit = 10_000;
        private const int Precision = 12;
        private HashSet<ulong>? _exact = new();
        private readonly byte[] _registers = new byte[1 << Precision];
        private object? _min, _max;
        private string? _minCanonical, _maxCanonical;

        public long Rows { get; private set; }
        public long Nulls { get; private set; }
        public long Numbers { get; private set; }
        public decimal Sum { get; private set; }
        public double SumOverflow { get; private set; }
        public bool Overflowed { get; private set; }
        public int? MinLength { get; private set; }
        public int? MaxLength { get; private set; }
        public bool DistinctExact => _exact is not null;

        public void Add(object? value, string canonical, ulong hash)
        {
            Rows++;
            if (value is null) { Nulls++; return; }
            if (_exact is not null)
            {
                _exact.Add(hash);
                if (_exact.Count > ExactLimit) _exact = null;
            }
            int index = (int)(hash >> (64 - Precision));
            byte rank = (byte)(BitOperations.LeadingZeroCount((hash << Precision) | (1UL << (Precision - 1))) + 1);
            if (rank > _registers[index]) _registers[index] = rank;
            if (value is string s)
            {
                if (MinLength is null || s.Length < MinLength) MinLength = s.Length;
                if (MaxLength is null || s.Length > MaxLength) MaxLength = s.Length;
            }
            else if (FieldComparer.TryNumber(value, out decimal m))
            {
                Numbers++;
                if (!Overflowed)
                {
                    try { Sum += m; }
                    catch (OverflowException) { Overflowed = true; SumOverflow = (double)Sum + (double)m; }
                }
                else SumOverflow += (double)m;
            }
            if (_min is null || Compare(value, canonical, _min, _minCanonical!) < 0) { _min = value; _minCanonical = canonical; }
            if (_max is null || Compare(value, canonical, _max, _maxCanonical!) > 0) { _max = value; _maxCanonical = canonical; }
        }

        public object? Min => _min;
        public object? Max => _max;
        public string? MinCanonical => _minCanonical;
        public string? MaxCanonical => _maxCanonical;

        /// <summary>The number of distinct non-null values: exact, or the sketch's estimate.</summary>
        public long Distinct
        {
            get
            {
                if (_exact is not null) return _exact.Count;
                double m = _registers.Length, sum = 0;
                int zeros = 0;
                foreach (byte r in _registers) { sum += Math.Pow(2, -r); if (r == 0) zeros++; }
                double estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum;
                if (estimate <= 2.5 * m && zeros > 0) estimate = m * Math.Log(m / zeros);
                return (long)Math.Round(estimate);
            }
        }

        /// <summary>Whether two sides' sketches hold the same registers (the same set of values gives the same registers).</summary>
        public bool SameSketch(ColumnStats other) => _registers.AsSpan().SequenceEqual(other._registers);

        /// <summary>The sum as shown.</summary>
        public string SumText => Numbers == 0 ? "-" : Overflowed ? SumOverflow.ToString("R", CultureInfo.InvariantCulture) : (Sum / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

        private static int Compare(object a, string ca, object b, string cb)
        {
            if (FieldComparer.TryNumber(a, out decimal x) && FieldComparer.TryNumber(b, out decimal y)) return x.CompareTo(y);
            if (a is DateTime da && b is DateTime db) return da.CompareTo(db);
            if (a is DateTimeOffset oa && b is DateTimeOffset ob) return oa.CompareTo(ob);
            return string.CompareOrdinal(ca, cb);
        }
    }
}
