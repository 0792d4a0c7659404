using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>Culture-independent text clean-ups behind the text transforms.</summary>
    public static class TextCleaner
    {
        /// <summary>Trims and turns every run of white space into one space.</summary>
        public static string CollapseSpaces(string s)
        {
            string trimmed = s.Trim();
            // Text whose white space is single plain spaces is already collapsed: nothing is made for it.
            int at = 0;
            for (bool space = false; at < trimmed.Length; at++)
            {
                char c = trimmed[at];
                if (!char.IsWhiteSpace(c)) { space = false; continue; }
                if (space || c != ' ') break;
                space = true;
            }
            if (at == trimmed.Length) return trimmed;
            return Collapse(trimmed);
        }

        private static string Collapse(string trimmed)
        {
            var sb = new StringBuilder(trimmed.Length);
            bool space = false;
            foreach (char c in trimmed)
            {
                if (char.IsWhiteSpace(c))
                {
                    if (!space) sb.Append(' ');
                    space = true;
                }
                else
                {
                    sb.Append(c);
                    space = false;
                }
            }
            return sb.ToString();
        }

        /// <summary>
        /// Title case without a culture: the first letter of each word upper case, the other letters
        /// lower case. A word starts after anything that is not a letter or digit (so 'jean-luc o'brien' → 'Jean-Luc O'Brien').
        /// Letters without case (Chinese) are unchanged.
        /// </summary>
        public static string Title(string s)
        {
            // Most names already are in title case: nothing is made until a letter changes, and a letter whose
            // category says it cannot change (upper case at a word start, lower case inside a word, letters
            // without case) is not sent to the case tables (outside ASCII those are ICU calls, one per letter).
            char[]? chars = null;
            bool start = true;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                char t = c;
                if (c < 0x80)
                {
                    if (c >= 'a' && c <= 'z') { if (start) t = (char)(c - 32); start = false; }
                    else if (c >= 'A' && c <= 'Z') { if (!start) t = (char)(c + 32); start = false; }
                    else start = !(c >= '0' && c <= '9');
                }
                else if (char.IsLetter(c))
                {
                    var category = char.GetUnicodeCategory(c);
                    if (start) { if (category != UnicodeCategory.UppercaseLetter && category != UnicodeCategory.OtherLetter) t = char.ToUpperInvariant(c); }
                    else if (category != UnicodeCategory.LowercaseLetter && category != UnicodeCategory.OtherLetter) t = char.ToLowerInvariant(c);
                    start = false;
                }
                else start = !char.IsDigit(c);
                if (t != c && chars is null)
                {
                    chars = new char[s.Length];
                    s.CopyTo(0, chars, 0, i);
                }
                if (chars is not null) chars[i] = t;
            }
            return chars is null ? s : new string(chars);
        }

        /// <summary>Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space (U+3000) to their ASCII equivalents.</summary>
        public static string HalfWidth(string s)
        {
            int i = 0;
            while (i < s.Length && !IsFullWidth(s[i])) i++;
            if (i == s.Length) return s;
            var chars = s.ToCharArray();
            for (; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c == '\u3000') chars[i] = ' ';
                else if (c >= '\uFF01' && c <= '\uFF5E') chars[i] = (char)(c - 0xFEE0);
            }
            return new string(chars);
        }

        private static bool IsFullWidth(char c) => c == '\u3000' || (c >= '\uFF01' && c <= '\uFF5E');

        /// <summary>Unicode normalisation form C (composed): 'e' + U+0301 becomes 'é'.</summary>
        public static string NormalizeNfc(string s) => s.IsNormalized(NormalizationForm.FormC) ? s : s.Normalize(NormalizationForm.FormC);

        /// <summary>
        /// Removes control characters (C0, C1) and invisible format characters (zero-width space and
        /// joiners, word joiner, byte order mark). Tabs and line breaks become one space each.
        /// </summary>
        public static string StripControl(string s)
        {
            int i = 0;
            while (i < s.Length && !IsStripped(s[i])) i++;
            if (i == s.Length) return s;
            var sb = new StringBuilder(s.Length);
            sb.Append(s, 0, i);
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\t' || c == '\r' || c == '\n') sb.Append(' ');
                else if (!IsStripped(c)) sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool IsStripped(char c) => char.IsControl(c) || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u2060' || c == '\uFEFF';
    }
}
