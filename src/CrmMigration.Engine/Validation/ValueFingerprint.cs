using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// A 128-bit fingerprint of chosen fields of a record, in a canonical form that survives a trip
    /// through any provider: numbers compare by value (12.50 = 12.5, 3 = 3.0), dates at midnight as dates,
    /// offsets as UTC instants, null and empty text alike. Used by Test-CrmMigration to compare the mapped
    /// source with the target without holding either in memory.
    /// </summary>
    public static class ValueFingerprint
    {
        public static UInt128 Of(CrmRecord record, IReadOnlyList<string> fields)
        {
            var hash = new XxHash128();
            var sb = new StringBuilder(64);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(256);
            try
            {
                for (int i = 0; i < fields.Count; i++)
                {
                    sb.Clear();
                    Canonical(record[fields[i]], sb);
                    sb.Append('\u001e');
                    int max = Encoding.UTF8.GetMaxByteCount(sb.Length);
                    if (max > buffer.Length)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(max);
                    }
                    int n = Encoding.UTF8.GetBytes(sb.ToString(), 0, sb.Length, buffer, 0);
                    hash.Append(buffer.AsSpan(0, n));
                }
                return hash.GetCurrentHashAsUInt128();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>The canonical text of a value, as compared (also used to show differences).</summary>
        public static string Canonical(object? value)
        {
            var sb = new StringBuilder();
            Canonical(value, sb);
            return sb.ToString();
        }

        private static void Canonical(object? value, StringBuilder sb)
        {
            switch (value)
            {
                case null:
                    sb.Append('\u2205');
                    return;
                case string s:
                    if (s.Length == 0) sb.Append('\u2205');
                    else sb.Append('s').Append(s);
                    return;
                case bool b:
                    sb.Append(b ? "b1" : "b0");
                    return;
                case DateTime d:
                    sb.Append('d').Append(d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset o:
                    sb.Append('o').Append(o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
                    return;
                case Guid g:
                    sb.Append('g').Append(g.ToString("D"));
                    return;
                case byte[] bytes:
                    sb.Append('x').Append(Convert.ToBase64String(bytes));
                    return;
                case double dbl when double.IsNaN(dbl) || double.IsInfinity(dbl):
                    sb.Append('n').Append(dbl.ToString(CultureInfo.InvariantCulture));
                    return;
                case long or int or short or byte or sbyte or uint or ushort or ulong or decimal or double or float:
                    decimal m;
                    try { m = Convert.ToDecimal(value, CultureInfo.InvariantCulture); }
                    catch (OverflowException) { sb.Append('n').Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)); return; }
                    sb.Append('n').Append((m / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture));
                    return;
                default:
                    sb.Append('s').Append(Util.CrmValues.ToText(value));
                    return;
            }
        }
    }
}
