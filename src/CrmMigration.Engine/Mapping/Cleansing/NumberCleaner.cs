using System;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>Numbers and money written for people: culture separators, currency symbols and codes, spaces.</summary>
    public sealed class NumberCleaner
    {
        private readonly CultureInfo _culture;

        /// <summary>Creates a parser for a culture (invariant when null).</summary>
        public NumberCleaner(string? culture)
        {
            _culture = culture is null ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(culture);
        }

        /// <summary>
        /// Parses '1.234,56' (de-DE), '1,234.56' (en-US), '¥1,234.50', '€ 12,50', 'EUR 12,50', '(12.00)' into a decimal.
        /// Currency symbols (any Unicode currency sign), three-letter currency codes at either end and spaces are removed first.
        /// </summary>
        public bool TryParse(object value, out object? result, out string? problem)
        {
            problem = null;
            switch (value)
            {
                case decimal: result = value; return true;
                case long l: result = (decimal)l; return true;
                case int i: result = (decimal)i; return true;
                case double d when !double.IsNaN(d) && !double.IsInfinity(d): result = (decimal)d; return true;
            }
            result = null;
            string text = Util.CrmValues.ToText(value) ?? "";
            string cleaned = Strip(text);
            if (decimal.TryParse(cleaned, NumberStyles.Number | NumberStyles.AllowParentheses, _culture, out decimal m))
            {
                result = m;
                return true;
            }
            problem = $"'{Util.CrmValues.Truncate(text, 60)}' is not a number in culture {(_culture.Name.Length == 0 ? "invariant" : _culture.Name)}";
            return false;
        }

        private static string Strip(string text)
        {
            string s = text.Trim();
            if (s.Length > 3 && IsCode(s, 0) && !char.IsLetter(s[3])) s = s.Substring(3);
            if (s.Length > 3 && IsCode(s, s.Length - 3) && !char.IsLetter(s[s.Length - 4])) s = s.Substring(0, s.Length - 3);
            var sb = new StringBuilder(s.Length);
            foreach (char c in s)
            {
                if (char.GetUnicodeCategory(c) == UnicodeCategory.CurrencySymbol || char.IsWhiteSpace(c)) continue;
                sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool IsCode(string s, int at) => s[at] >= 'A' && s[at] <= 'Z' && s[at + 1] >= 'A' && s[at + 1] <= 'Z' && s[at + 2] >= 'A' && s[at + 2] <= 'Z';
    }
}
