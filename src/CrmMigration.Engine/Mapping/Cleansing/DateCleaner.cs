using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// Date parsing with everything explicit: formats, culture, the two-digit-year pivot and the time zone.
    /// A date without an offset stays a DateTime unless the mapping names a TimeZone; nothing is ever
    /// read in the machine's local zone.
    /// </summary>
    public sealed class DateCleaner
    {
        /// <summary>Read without Format: ISO 8601 dates and times, with or without offset, and '2024年3月5日'.</summary>
        public static readonly IReadOnlyList<string> DefaultFormats = new[]
        {
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd HH:mm:sszzz",
            "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd HH:mm:ss'Z'",
            "yyyy'年'M'月'd'日'", "yyyy'年'M'月'd'日' H:mm", "yyyy'年'M'月'd'日' H:mm:ss", "yyyy/M/d",
        };

        private enum Special { None, UnixSeconds, UnixMilliseconds, ExcelSerial }

        private readonly string[] _formats;
        private readonly bool[] _hasZone;
        private readonly CultureInfo _culture;
        private readonly TimeZoneInfo? _zone;
        private readonly Special _special;
        private readonly bool _invariant;

        /// <summary>Creates a parser. Formats may be .NET date formats or one of UnixSeconds, UnixMilliseconds, ExcelSerial.</summary>
        public DateCleaner(IReadOnlyList<string> formats, string? culture, string? timeZone, int? twoDigitYearMax)
        {
            var list = new List<string>();
            foreach (string f in formats)
            {
                if (string.Equals(f, "UnixSeconds", StringComparison.OrdinalIgnoreCase)) _special = Special.UnixSeconds;
                else if (string.Equals(f, "UnixMilliseconds", StringComparison.OrdinalIgnoreCase)) _special = Special.UnixMilliseconds;
                else if (string.Equals(f, "ExcelSerial", StringComparison.OrdinalIgnoreCase)) _special = Special.ExcelSerial;
                else list.Add(f);
            }
            if (list.Count == 0 && _special == Special.None) list.AddRange(DefaultFormats);
            _formats = list.ToArray();
            _hasZone = new bool[_formats.Length];
            for (int i = 0; i < _formats.Length; i++) _hasZone[i] = HasZone(_formats[i]);
            var c = (CultureInfo)(culture is null ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(culture)).Clone();
            if (twoDigitYearMax is int pivot) c.DateTimeFormat.Calendar.TwoDigitYearMax = pivot;
            _culture = CultureInfo.ReadOnly(c);
            _invariant = culture is null;
            _zone = timeZone is null ? null : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }

        /// <summary>True when the mapping named a time zone.</summary>
        public bool HasTimeZone => _zone is not null;

        /// <summary>True when a .NET format has a two-digit year (yy but not yyy or yyyy).</summary>
        public static bool HasTwoDigitYear(string format)
        {
            int run = 0;
            bool quoted = false;
            for (int i = 0; i <= format.Length; i++)
            {
                char c = i < format.Length ? format[i] : '\0';
                if (c == '\'') quoted = !quoted;
                if (!quoted && c == 'y') { run++; continue; }
                if (run == 2) return true;
                run = 0;
            }
            return false;
        }

        private static bool HasZone(string format)
        {
            bool quoted = false;
            foreach (char c in format)
            {
                if (c == '\'') quoted = !quoted;
                else if (!quoted && (c == 'z' || c == 'K')) return true;
            }
            return format.EndsWith("'Z'", StringComparison.Ordinal);
        }

        /// <summary>
        /// Parses a value. The result is a DateTimeOffset when the text has an offset (or Z), when the mapping
        /// names a TimeZone, or for Unix times; otherwise a DateTime of unspecified kind.
        /// </summary>
        public bool TryParse(object value, out object? result, out string? problem)
        {
            result = null;
            problem = null;
            switch (value)
            {
                case DateTimeOffset:
                    result = value;
                    return true;
                case DateTime given:
                    result = _zone is not null && given.Kind != DateTimeKind.Utc ? InZone(given, out problem) : given;
                    return problem is null;
            }
            if (_special != Special.None) return TryParseNumber(value, out result, out problem);
            string text = (value as string ?? Util.CrmValues.ToText(value) ?? "").Trim();
            DateTime dt;
            for (int i = 0; i < _formats.Length; i++)
            {
                if (_hasZone[i])
                {
                    if (DateTimeOffset.TryParseExact(text, _formats[i], _culture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out DateTimeOffset dto))
                    {
                        result = dto;
                        return true;
                    }
                }
                else if (_invariant && IsIsoDate(text, _formats[i]) ? TryIsoDate(text, out dt)
                    : DateTime.TryParseExact(text, _formats[i], _culture, DateTimeStyles.AllowWhiteSpaces, out dt))
                {
                    if (_zone is null)
                    {
                        result = dt;
                        return true;
                    }
                    result = InZone(dt, out problem);
                    return problem is null;
                }
            }
            problem = $"'{Util.CrmValues.Truncate(text, 60)}' matches none of the formats {string.Join(", ", _formats)}";
            return false;
        }

        /// <summary>
        /// True for the format yyyy-MM-dd and text of exactly that shape (four, two and two ASCII digits): in the
        /// invariant (Gregorian) culture such text is read by <see cref="TryIsoDate"/> as DateTime.TryParseExact would
        /// read it, without its culture machinery; any other format or text goes to DateTime.TryParseExact.
        /// </summary>
        private static bool IsIsoDate(string text, string format)
        {
            if (text.Length != 10 || text[4] != '-' || text[7] != '-' || !string.Equals(format, "yyyy-MM-dd", StringComparison.Ordinal)) return false;
            for (int i = 0; i < 10; i++)
            {
                if (i != 4 && i != 7 && (uint)(text[i] - '0') > 9) return false;
            }
            return true;
        }

        private static bool TryIsoDate(string text, out DateTime date)
        {
            int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
            int month = (text[5] - '0') * 10 + (text[6] - '0');
            int day = (text[8] - '0') * 10 + (text[9] - '0');
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) { date = default; return false; }
            date = new DateTime(year, month, day);
            return true;
        }

        private object? InZone(DateTime local, out string? problem)
        {
            problem = null;
            var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            if (_zone!.IsInvalidTime(unspecified))
            {
                problem = $"{unspecified.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} does not exist in {_zone.Id} (the clocks skip it)";
                return null;
            }
            return new DateTimeOffset(unspecified, _zone.GetUtcOffset(unspecified));
        }

        private bool TryParseNumber(object value, out object? result, out string? problem)
        {
            result = null;
            problem = null;
            double number;
            switch (value)
            {
                case long l: number = l; break;
                case int i: number = i; break;
                case double d: number = d; break;
                case decimal m: number = (double)m; break;
                default:
                    string text = (Util.CrmValues.ToText(value) ?? "").Trim();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                    {
                        problem = $"'{Util.CrmValues.Truncate(text, 60)}' is not a number ({_special})";
                        return false;
                    }
                    break;
            }
            try
            {
                if (_special == Special.ExcelSerial)
                {
                    // Excel counts days from 1899-12-30 (serial 60 is its fictitious 29 February 1900).
                    if (number < 1 || number == 60 || number >= 2958466) { problem = $"{number.ToString(CultureInfo.InvariantCulture)} is not an Excel date serial"; return false; }
                    if (number < 60) number += 1;
                    var dt = DateTime.FromOADate(number);
                    if (_zone is null) { result = dt; return true; }
                    result = InZone(dt, out problem);
                    return problem is null;
                }
                long whole = checked((long)Math.Round(number));
                var utc = _special == Special.UnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(whole) : DateTimeOffset.FromUnixTimeMilliseconds(whole);
                result = _zone is null ? utc : TimeZoneInfo.ConvertTime(utc, _zone);
                return true;
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException)
            {
                problem = $"{number.ToString(CultureInfo.InvariantCulture)} is out of range for {_special}";
                return false;
            }
        }
    }
}
