using System.Text;

namespace CrmMigration.Engine.Reports
{
    /// <summary>Text as every report format can hold it.</summary>
    public static class ReportValues
    {
        /// <summary>
        /// Replaces what XML and JSON cannot carry (control characters other than tab and line breaks, unpaired
        /// surrogates, U+FFFE and U+FFFF) with U+FFFD and cuts text longer than <paramref name="max"/> characters
        /// with an ellipsis. Everything else, markup included, is kept as it is: each writer encodes for its format.
        /// </summary>
        public static string Clean(string? s, int max = int.MaxValue)
        {
            if (string.IsNullOrEmpty(s)) return "";
            StringBuilder? sb = null;
            int end = s.Length;
            bool cut = false;
            if (end > max)
            {
                end = char.IsHighSurrogate(s[max - 1]) ? max - 1 : max;
                cut = true;
            }
            for (int i = 0; i < end; i++)
            {
                char c = s[i];
                bool pair = char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]);
                bool bad = !pair && ((c < ' ' && c != '\t' && c != '\n' && c != '\r') || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF');
                if (bad)
                {
                    sb ??= new StringBuilder(s.Length).Append(s, 0, i);
                    sb.Append('\uFFFD');
                    continue;
                }
                if (pair)
                {
                    sb?.Append(c).Append(s[i + 1]);
                    i++;
                    continue;
                }
                sb?.Append(c);
            }
            if (sb is null && !cut) return s;
            sb ??= new StringBuilder(s, 0, end, end + 1);
            if (cut) sb.Append('…');
            return sb.ToString();
        }
    }
}
