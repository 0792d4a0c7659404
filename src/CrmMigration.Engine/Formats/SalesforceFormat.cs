using System;
using System.Globalization;

namespace CrmMigration.Engine.Formats
{
    /// <summary>Salesforce record ids: 15 characters (case-sensitive) and 18 (the same plus a case-insensitive checksum).</summary>
    public static class SalesforceId
    {
        private const string Suffix = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

        /// <summary>Whether the text is a 15- or 18-character alphanumeric id.</summary>
        public static bool IsId(string? text)
        {
            if (text is null || (text.Length != 15 && text.Length != 18)) return false;
            foreach (char c in text) if (!(c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z')) return false;
            return true;
        }

        /// <summary>
        /// The 18-character form: a 15-character id with its checksum computed; an 18-character id with its suffix recomputed
        /// from the first 15 (the suffix is case-insensitive, so "001...aaa" and "001...AAA" are the same record). Any other
        /// text is returned unchanged.
        /// </summary>
        public static string To18(string id)
        {
            if (!IsId(id)) return id;
            Span<char> result = stackalloc char[18];
            for (int i = 0; i < 15; i++) result[i] = id[i];
            for (int chunk = 0; chunk < 3; chunk++)
            {
                int bits = 0;
                for (int j = 0; j < 5; j++)
                {
                    char c = id[chunk * 5 + j];
                    if (c >= 'A' && c <= 'Z') bits |= 1 << j;
                }
                result[15 + chunk] = Suffix[bits];
            }
            return new string(result);
        }
    }

    /// <summary>Salesforce values: dateTime yyyy-MM-ddTHH:mm:ss.SSSZ in UTC, date yyyy-MM-dd, booleans true/false, invariant numbers.</summary>
    internal sealed class SalesforceCodec : ValueCodec
    {
        public static readonly SalesforceCodec Instance = new();

        public override string? Format(object? value, CrmFieldType type)
        {
            value = Coerce(value, type);
            switch (value)
            {
                case null: return null;
                case string s: return s.Length == 0 ? null : s;
                case bool b: return b ? "true" : "false";
                case DateTime d when type == CrmFieldType.Date || (type != CrmFieldType.DateTime && type != CrmFieldType.DateTimeOffset && d.TimeOfDay == TimeSpan.Zero && d.Kind != DateTimeKind.Utc):
                    return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                case DateTimeOffset o when type == CrmFieldType.Date:
                    return o.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                case DateTime or DateTimeOffset:
                    return Utc(value).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                case byte[] bytes: return Convert.ToBase64String(bytes);
                case Guid g: return g.ToString("D");
                default: return Number(value);
            }
        }
    }
}
