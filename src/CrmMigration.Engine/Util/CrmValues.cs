using System;
using System.Globalization;

namespace CrmMigration.Engine.Util
{
    /// <summary>Conversions between the portable field types and their invariant text forms.</summary>
    public static class CrmValues
    {
        private static readonly string[] DateFormats =
        {
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm",
        };

        /// <summary>The portable type of a CLR value (String for null).</summary>
        public static CrmFieldType TypeOf(object? value) => value switch
        {
            null or string => CrmFieldType.String,
            long or int or short or byte or sbyte or ushort or uint => CrmFieldType.Integer,
            ulong u => u <= long.MaxValue ? CrmFieldType.Integer : CrmFieldType.Decimal,
            decimal => CrmFieldType.Decimal,
            double or float => CrmFieldType.Double,
            bool => CrmFieldType.Boolean,
            DateTime d => d.TimeOfDay == TimeSpan.Zero && d.Kind != DateTimeKind.Utc ? CrmFieldType.Date : CrmFieldType.DateTime,
            DateTimeOffset => CrmFieldType.DateTimeOffset,
            Guid => CrmFieldType.Guid,
            byte[] => CrmFieldType.Binary,
            _ => CrmFieldType.String,
        };

        /// <summary>Widens two observed types to one that holds both.</summary>
        public static CrmFieldType Widen(CrmFieldType a, CrmFieldType b)
        {
            if (a == b) return a;
            if ((a == CrmFieldType.Integer && b == CrmFieldType.Decimal) || (a == CrmFieldType.Decimal && b == CrmFieldType.Integer)) return CrmFieldType.Decimal;
            if ((a == CrmFieldType.Integer && b == CrmFieldType.Double) || (a == CrmFieldType.Double && b == CrmFieldType.Integer)) return CrmFieldType.Double;
            if ((a == CrmFieldType.Date && b == CrmFieldType.DateTime) || (a == CrmFieldType.DateTime && b == CrmFieldType.Date)) return CrmFieldType.DateTime;
            return CrmFieldType.String;
        }

        /// <summary>The invariant text of a value: round-trips through <see cref="Parse"/>.</summary>
        public static string? ToText(object? value) => value switch
        {
            null => null,
            string s => s,
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            Guid g => g.ToString("D"),
            _ => CrmRecord.FormatValue(value),
        };

        /// <summary>Parses invariant text into a typed value; throws FormatException with a clear message.</summary>
        public static object? Parse(string? text, CrmFieldType type)
        {
            if (text is null) return null;
            if (type == CrmFieldType.String) return text;
            if (text.Length == 0) return null;
            switch (type)
            {
                case CrmFieldType.Integer:
                    if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) return l;
                    break;
                case CrmFieldType.Decimal:
                    if (decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out decimal m)) return m;
                    break;
                case CrmFieldType.Double:
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
                    break;
                case CrmFieldType.Boolean:
                    if (TryParseBool(text, out bool b)) return b;
                    break;
                case CrmFieldType.Date:
                case CrmFieldType.DateTime:
                    // A plain ISO date (the first format) is read without the general parser; anything else takes it.
                    if (TryParseIsoDate(text, out DateTime iso)) return iso;
                    if (DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime dt)) return dt;
                    break;
                case CrmFieldType.DateTimeOffset:
                    if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset dto)) return dto;
                    break;
                case CrmFieldType.Guid:
                    if (Guid.TryParse(text, out Guid g)) return g;
                    break;
                case CrmFieldType.Binary:
                    try { return System.Convert.FromBase64String(text); } catch (FormatException) { }
                    break;
            }
            throw new FormatException($"'{Truncate(text, 60)}' is not a valid {type} value.");
        }

        /// <summary>
        /// Reads exactly "yyyy-MM-dd" (ten characters, ASCII digits, a real date): what
        /// <c>DateTime.TryParseExact(text, "yyyy-MM-dd", InvariantCulture, None)</c> accepts from text of that form, with
        /// the same result (a date of unspecified kind), at a fraction of its cost. False for anything else, which callers
        /// hand to the general parser, so the outcome never differs from it.
        /// </summary>
        internal static bool TryParseIsoDate(ReadOnlySpan<char> text, out DateTime date)
        {
            date = default;
            if (text.Length != 10 || text[4] != '-' || text[7] != '-') return false;
            int year = 0, month = 0, day = 0;
            for (int i = 0; i < 10; i++)
            {
                if (i == 4 || i == 7) continue;
                int d = text[i] - '0';
                if ((uint)d > 9) return false;
                if (i < 4) year = year * 10 + d;
                else if (i < 7) month = month * 10 + d;
                else day = day * 10 + d;
            }
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
            date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
            return true;
        }

        /// <summary>Accepts true/false, yes/no, y/n, 1/0 (ignoring case).</summary>
        public static bool TryParseBool(string text, out bool value)
        {
            switch (text.Trim().ToLowerInvariant())
            {
                case "true": case "yes": case "y": case "1": case "t": value = true; return true;
                case "false": case "no": case "n": case "0": case "f": value = false; return true;
                default: value = false; return false;
            }
        }

        /// <summary>Converts a value of any supported CLR type to the given portable type.</summary>
        public static object? Convert(object? value, CrmFieldType type)
        {
            if (value is null) return null;
            if (value is string s) return Parse(s, type);
            switch (type)
            {
                case CrmFieldType.String: return ToText(value);
                case CrmFieldType.Integer:
                    if (value is long) return value;
                    if (value is bool bl) return bl ? 1L : 0L;
                    if (value is double dv && (dv != Math.Floor(dv) || double.IsInfinity(dv))) break;
                    if (value is decimal mv && mv != decimal.Truncate(mv)) break;
                    return System.Convert.ToInt64(value, CultureInfo.InvariantCulture);
                case CrmFieldType.Decimal:
                    if (value is decimal) return value;
                    return System.Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                case CrmFieldType.Double:
                    if (value is double) return value;
                    return System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                case CrmFieldType.Boolean:
                    if (value is bool) return value;
                    if (value is long or int) return System.Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0;
                    break;
                case CrmFieldType.Date:
                    if (value is DateTime dd) return dd.TimeOfDay == TimeSpan.Zero ? value : dd.Date;
                    if (value is DateTimeOffset od) return od.Date;
                    break;
                case CrmFieldType.DateTime:
                    if (value is DateTime) return value;
                    if (value is DateTimeOffset o2) return o2.DateTime;
                    break;
                case CrmFieldType.DateTimeOffset:
                    if (value is DateTimeOffset) return value;
                    if (value is DateTime d3) return new DateTimeOffset(DateTime.SpecifyKind(d3, DateTimeKind.Unspecified), TimeSpan.Zero);
                    break;
                case CrmFieldType.Guid:
                    if (value is Guid) return value;
                    if (value is byte[] gb && gb.Length == 16) return new Guid(gb);
                    break;
                case CrmFieldType.Binary:
                    if (value is byte[]) return value;
                    break;
            }
            throw new FormatException($"A {TypeOf(value)} value cannot be converted to {type}.");
        }

        /// <summary>Typed equality used by upsert (skip unchanged) and validation.</summary>
        public static bool AreEqual(object? a, object? b)
        {
            if (a is null || b is null) return a is null && b is null || IsEmpty(a) && IsEmpty(b);
            if (a.GetType() == b.GetType())
            {
                if (a is byte[] x && b is byte[] y) return x.AsSpan().SequenceEqual(y);
                return a.Equals(b);
            }
            if (IsNumber(a) && IsNumber(b))
            {
                try { return System.Convert.ToDecimal(a, CultureInfo.InvariantCulture) == System.Convert.ToDecimal(b, CultureInfo.InvariantCulture); }
                catch (OverflowException) { return System.Convert.ToDouble(a, CultureInfo.InvariantCulture).Equals(System.Convert.ToDouble(b, CultureInfo.InvariantCulture)); }
            }
            return string.Equals(ToText(a), ToText(b), StringComparison.Ordinal);
        }

        private static bool IsEmpty(object? v) => v is null || v is string s && s.Length == 0;

        private static bool IsNumber(object v) => v is long or int or short or byte or decimal or double or float or uint or ulong or ushort or sbyte;

        /// <summary>
        /// A 4-byte float as the double of its shortest round-trip decimal text: 9.8f gives 9.8, not the
        /// 9.800000190734863 a plain widening gives, and writing the double back into a float gives 9.8f again.
        /// </summary>
        public static double SingleToDouble(float value)
        {
            if (float.IsNaN(value) || float.IsInfinity(value)) return value;
            Span<char> text = stackalloc char[32];
            if (value.TryFormat(text, out int written, default, CultureInfo.InvariantCulture))
            {
                return double.Parse(text.Slice(0, written), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            return value;
        }

        /// <summary>Shortens text for messages.</summary>
        public static string Truncate(string text, int max) => text.Length <= max ? text : text.Substring(0, max) + "…";
    }
}
