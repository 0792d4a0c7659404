using System;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// PostgreSQL's infinite dates and timestamps. DateTime has no infinity, so a PostgreSQL source reads them as the text
    /// PostgreSQL itself prints (<c>infinity</c>, <c>-infinity</c>) and a PostgreSQL target writes that text back as infinity;
    /// DateTime.MinValue and MaxValue stay the real days 0001-01-01 and 9999-12-31. A target with no infinity (SQLite,
    /// MySQL/MariaDB, a typed mapping) refuses the text as a value it cannot hold (ValueConversion) instead of changing it.
    /// </summary>
    internal static class PgInfinity
    {
        /// <summary>PostgreSQL's text for +infinity.</summary>
        public const string Positive = "infinity";

        /// <summary>PostgreSQL's text for -infinity.</summary>
        public const string Negative = "-infinity";

        /// <summary>+1 for infinity, -1 for -infinity (as PostgreSQL spells them, any case, '+infinity' too), else 0.</summary>
        public static int Sign(string text)
        {
            if (text.Length < 8 || text.Length > 12) return 0; // most values: one length test
            var t = text.AsSpan().Trim();
            if (t.Equals(Positive, StringComparison.OrdinalIgnoreCase) || t.Equals("+infinity", StringComparison.OrdinalIgnoreCase)) return 1;
            if (t.Equals(Negative, StringComparison.OrdinalIgnoreCase)) return -1;
            return 0;
        }

        /// <summary>Like <see cref="Sign"/>, but text that is no infinity throws FormatException.</summary>
        public static int Parse(string text)
        {
            int sign = Sign(text);
            if (sign == 0) throw new FormatException("'" + text + "' is not a date or time.");
            return sign;
        }

        /// <summary>The FormatException for an infinity sent to a target that has none (its message says what to do).</summary>
        public static FormatException NotStorable(string target) =>
            new FormatException("The value is an infinite date or time (PostgreSQL's infinity or -infinity); " + target
                + " has none, and storing a finite date instead would change it. Map the field to text, or filter or transform the record.");
    }
}
