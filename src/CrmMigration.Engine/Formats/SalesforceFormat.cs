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

        protected override string TrueText => "true";
        protected override string FalseText => "false";
        protected override string DateFormat => "yyyy-MM-dd";
        protected override string DateTimeFormat => "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    }
}
