using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// How the values of one entity are compared: each side's value is first made what the target column
    /// holds (text parsed into the column's type as a writer would; numbers rounded to the column's declared
    /// scale), then put in a canonical text form that survives any provider (12.50 = 12.5, 3 = 3.0, a date at
    /// midnight as a date, offsets as UTC instants). NULL and empty text differ unless asked
    /// (<see cref="ValidationOptions.NullEqualsEmpty"/>). Numeric fields compared with a tolerance are kept out
    /// of the fingerprint and carried as numbers beside it.
    /// </summary>
    internal sealed class FieldComparer
    {
        private readonly CrmFieldType?[] _types;
        private readonly int?[] _scales;
        private readonly bool _nullEqualsEmpty;
        private readonly StringBuilder _sb = new(64);
        private byte[] _buffer = new byte[256];

        public FieldComparer(IReadOnlyList<string> fields, CrmEntitySchema? target, ValidationOptions options)
        {
            Fields = fields;
            _nullEqualsEmpty = options.NullEqualsEmpty;
            Tolerance = options.Tolerance;
            _types = new CrmFieldType?[fields.Count];
            _scales = new int?[fields.Count];
            Tolerant = new bool[fields.Count];
            for (int i = 0; i < fields.Count; i++)
            {
                var f = target?.GetField(fields[i]);
                if (f is null) continue;
                _types[i] = f.Type;
                _scales[i] = f.Type is CrmFieldType.Decimal or CrmFieldType.Double ? DeclaredScale(f.SourceType) : null;
                if (options.Tolerance > 0 && f.Type is CrmFieldType.Decimal or CrmFieldType.Double or CrmFieldType.Integer)
                {
                    Tolerant[i] = true;
                    TolerantCount++;
                }
            }
            Hashes = new ulong[fields.Count];
            Canonicals = new string[fields.Count];
        }

        /// <summary>The fields compared, in order.</summary>
        public IReadOnlyList<string> Fields { get; }

        /// <summary>Per field: compared as a number within <see cref="Tolerance"/>, outside the fingerprint.</summary>
        public bool[] Tolerant { get; }

        public int TolerantCount { get; }

        public decimal Tolerance { get; }

        /// <summary>After <see cref="Load"/>: each field's 64-bit hash of its canonical form.</summary>
        public ulong[] Hashes { get; }

        /// <summary>After <see cref="Load"/>: each field's canonical form.</summary>
        public string[] Canonicals { get; }

        /// <summary>After <see cref="Load"/>: each field's value as compared.</summary>
        public object?[] Values => _values;
        private object?[] _values = Array.Empty<object?>();

        /// <summary>The declared scale of a column type such as DECIMAL(10,2) or numeric(12, 4), or null.</summary>
        public static int? DeclaredScale(string? declared)
        {
            if (declared is null) return null;
            int open = declared.IndexOf('('), comma = declared.IndexOf(','), close = declared.IndexOf(')');
            if (open < 0 || comma < open || close < comma) return null;
            return int.TryParse(declared.AsSpan(comma + 1, close - comma - 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s <= 28 ? s : null;
        }

        /// <summary>Normalises, canonicalises and hashes every compared field of a record.</summary>
        public void Load(CrmRecord record)
        {
            if (_values.Length != Fields.Count) _values = new object?[Fields.Count];
            var shape = record.Shape;
            for (int i = 0; i < Fields.Count; i++)
            {
                int at = shape.IndexOf(Fields[i]);
                object? v = Normalize(at < 0 ? null : record.GetValue(at), i);
                _values[i] = v;
                string c = Canonical(v);
                Canonicals[i] = c;
                Hashes[i] = Hash(c);
            }
        }

        /// <summary>The fingerprint of the loaded record over the fields compared exactly.</summary>
        public UInt128 Fingerprint()
        {
            var hash = new XxHash128();
            Span<byte> b = stackalloc byte[8];
            for (int i = 0; i < Hashes.Length; i++)
            {
                if (Tolerant[i]) continue;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, Hashes[i]);
                hash.Append(b);
            }
            return hash.GetCurrentHashAsUInt128();
        }

        /// <summary>The fingerprint of the loaded record over every field (whole-row identity; tolerance does not apply).</summary>
        public UInt128 RowFingerprint()
        {
            var hash = new XxHash128();
            Span<byte> b = stackalloc byte[8];
            for (int i = 0; i < Hashes.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, Hashes[i]);
                hash.Append(b);
            }
            return hash.GetCurrentHashAsUInt128();
        }

        /// <summary>Writes the loaded record's tolerant fields (tag + number, or tag + hash) to <paramref name="into"/>.</summary>
        public void WriteTolerant(ByteWriter into)
        {
            for (int i = 0; i < Fields.Count; i++)
            {
                if (!Tolerant[i]) continue;
                if (_values[i] is null) { into.Byte(0); continue; }
                if (TryNumber(_values[i], out decimal m)) { into.Byte(1); into.Decimal(m); continue; }
                into.Byte(2);
                into.UInt64(Hashes[i]);
            }
        }

        /// <summary>Whether two tolerant payloads written by <see cref="WriteTolerant"/> agree within the tolerance.</summary>
        public bool TolerantEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        {
            if (a.SequenceEqual(b)) return true;
            int i = 0, j = 0;
            for (int f = 0; f < TolerantCount; f++)
            {
                byte ta = a[i++], tb = b[j++];
                if (ta != tb) return false;
                if (ta == 1)
                {
                    decimal x = ByteReader.DecimalAt(a, i), y = ByteReader.DecimalAt(b, j);
                    i += 16; j += 16;
                    if (Math.Abs(x - y) > Tolerance) return false;
                }
                else if (ta == 2)
                {
                    if (!a.Slice(i, 8).SequenceEqual(b.Slice(j, 8))) return false;
                    i += 8; j += 8;
                }
            }
            return true;
        }

        /// <summary>Whether two values of field <paramref name="field"/> (already normalised) are equal as compared.</summary>
        public bool Equal(object? a, object? b, int field)
        {
            if (Tolerant[field] && a is not null && b is not null && TryNumber(a, out decimal x) && TryNumber(b, out decimal y)) return Math.Abs(x - y) <= Tolerance;
            return string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);
        }

        /// <summary>A value as the target column would hold it.</summary>
        public object? Normalize(object? value, int field)
        {
            var type = _types[field];
            if (value is string s)
            {
                if (s.Length == 0) return _nullEqualsEmpty || (type is not null && type != CrmFieldType.String) ? null : s;
                if (type is null or CrmFieldType.String) return s;
                try { value = CrmValues.Parse(s, type.Value); }
                catch (FormatException) { return s; }
            }
            else if (value is not null && type == CrmFieldType.String && value is not byte[])
            {
                return CrmValues.ToText(value);
            }
            if (value is not null && _scales[field] is int scale && value is not string)
            {
                if (value is double d && !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e27) value = Math.Round((decimal)d, scale, MidpointRounding.AwayFromZero);
                else if (value is decimal m) value = Math.Round(m, scale, MidpointRounding.AwayFromZero);
                else if (value is float fl && Math.Abs(fl) < 7.9e27f) value = Math.Round((decimal)fl, scale, MidpointRounding.AwayFromZero);
            }
            return value;
        }

        public static bool TryNumber(object? value, out decimal result)
        {
            switch (value)
            {
                case long or int or short or byte or sbyte or uint or ushort or ulong or decimal:
                    result = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    return true;
                case double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e27:
                    result = (decimal)d;
                    return true;
                case float f when !float.IsNaN(f) && !float.IsInfinity(f) && Math.Abs(f) < 7.9e27f:
                    result = (decimal)f;
                    return true;
                default:
                    result = 0;
                    return false;
            }
        }

        /// <summary>The canonical text of a (normalised) value: what is compared.</summary>
        public string Canonical(object? value)
        {
            var sb = _sb;
            sb.Clear();
            switch (value)
            {
                case null:
                    return "\u2205";
                case string s:
                    return s.Length == 0 ? "e" : "s" + s;
                case bool b:
                    return b ? "b1" : "b0";
                case DateTime d:
                    return "d" + (d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
                case DateTimeOffset o:
                    return "o" + o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
                case Guid g:
                    return "g" + g.ToString("D");
                case byte[] bytes:
                    return "x" + Convert.ToBase64String(bytes);
                case double dbl when double.IsNaN(dbl) || double.IsInfinity(dbl):
                    return "n" + dbl.ToString(CultureInfo.InvariantCulture);
                case long or int or short or byte or sbyte or uint or ushort or ulong or decimal or double or float:
                    decimal m;
                    try { m = Convert.ToDecimal(value, CultureInfo.InvariantCulture); }
                    catch (OverflowException) { return "n" + Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture); }
                    return "n" + (m / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
                default:
                    return "s" + CrmValues.ToText(value);
            }
        }

        private ulong Hash(string canonical)
        {
            int max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
            if (max > _buffer.Length) _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
            int n = Encoding.UTF8.GetBytes(canonical, 0, canonical.Length, _buffer, 0);
            return XxHash3.HashToUInt64(_buffer.AsSpan(0, n));
        }

        /// <summary>A value as people read it in a difference: NULL, 'text' (quotes doubled), numbers and dates invariant, bytes in hex.</summary>
        public static string Display(object? value)
        {
            switch (value)
            {
                case null: return "NULL";
                case string s: return "'" + CrmValues.Truncate(s, 60).Replace("'", "''", StringComparison.Ordinal) + "'";
                case byte[] bytes:
                    string hex = Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, 16));
                    return "0x" + hex + (bytes.Length > 16 ? "…" : "") + " (" + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes)";
                case double d: return d.ToString("R", CultureInfo.InvariantCulture);
                case float f: return f.ToString("R", CultureInfo.InvariantCulture);
                default: return CrmRecord.FormatValue(value);
            }
        }
    }

    /// <summary>A growable byte buffer for spill entries.</summary>
    internal sealed class ByteWriter
    {
        private byte[] _data = new byte[256];

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

        public void Clear() => Length = 0;

        private Span<byte> Take(int n)
        {
            if (Length + n > _data.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + n));
            var s = _data.AsSpan(Length, n);
            Length += n;
            return s;
        }

        public void Byte(byte b) => Take(1)[0] = b;

        public void UInt64(ulong v) => System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);

        public void Int32(int v) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(Take(4), v);

        public void UInt128(UInt128 v)
        {
            UInt64((ulong)v);
            UInt64((ulong)(v >> 64));
        }

        public void Decimal(decimal m)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(m, bits);
            for (int i = 0; i < 4; i++) Int32(bits[i]);
        }

        public void Text(string s)
        {
            int max = Encoding.UTF8.GetMaxByteCount(s.Length);
            var span = Take(4 + max);
            int n = Encoding.UTF8.GetBytes(s, span.Slice(4));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span, n);
            Length -= max - n;
        }
    }

    /// <summary>Reads what <see cref="ByteWriter"/> wrote.</summary>
    internal static class ByteReader
    {
        public static ulong UInt64At(ReadOnlySpan<byte> s, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(at, 8));

        public static int Int32At(ReadOnlySpan<byte> s, int at) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s.Slice(at, 4));

        public static UInt128 UInt128At(ReadOnlySpan<byte> s, int at) => new UInt128(UInt64At(s, at + 8), UInt64At(s, at));

        public static decimal DecimalAt(ReadOnlySpan<byte> s, int at)
        {
            Span<int> bits = stackalloc int[4];
            for (int i = 0; i < 4; i++) bits[i] = Int32At(s, at + 4 * i);
            return new decimal(bits);
        }

        /// <summary>The text at <paramref name="at"/> and the offset after it.</summary>
        public static string TextAt(ReadOnlySpan<byte> s, int at, out int next)
        {
            int n = Int32At(s, at);
            next = at + 4 + n;
            return Encoding.UTF8.GetString(s.Slice(at + 4, n));
        }
    }
}
