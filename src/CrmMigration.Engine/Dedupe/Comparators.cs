using System;
using System.Globalization;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// The comparators a rules file names under Compare: each takes two normalised values and returns a
    /// similarity from 0 (different) to 1 (the same). They work on UTF-16 characters, so names in Chinese
    /// characters are compared character by character. Written here (a few dozen lines each) rather than
    /// taken from a package: they allocate nothing per call and run in the per-pair hot loop.
    /// </summary>
    public static class Comparators
    {
        private static readonly string[] Known = { "Exact", "JaroWinkler", "Levenshtein", "TokenSet", "Numeric", "Date", "Phone", "Email" };

        /// <summary>The names a rules file may use.</summary>
        public static System.Collections.Generic.IReadOnlyList<string> Names => Known;

        /// <summary>The canonical spelling of a comparator name, or null when unknown.</summary>
        public static string? Canonical(string name)
        {
            foreach (var k in Known) if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return k;
            return null;
        }

        /// <summary>The comparator of a field as a function of two non-empty normalised values.</summary>
        public static Func<string, string, double> Create(MatchField field)
        {
            switch (field.Compare)
            {
                case "Exact": return (a, b) => string.Equals(a, b, StringComparison.Ordinal) ? 1 : 0;
                case "JaroWinkler": return JaroWinkler;
                case "Levenshtein": return LevenshteinRatio;
                case "TokenSet": return TokenSet;
                case "Numeric":
                    double range = field.MaxDifference ?? 1;
                    return (a, b) => Numeric(a, b, range);
                case "Date":
                    double days = field.MaxDifference ?? 365;
                    return (a, b) => DateDistance(a, b, days);
                case "Phone":
                    int digits = field.Digits;
                    return (a, b) => Phone(a, b, digits);
                case "Email": return Email;
                default: throw new ArgumentException("Unknown comparator " + field.Compare, nameof(field));
            }
        }

        /// <summary>Jaro–Winkler similarity (prefix scale 0.1, up to 4 characters).</summary>
        public static double JaroWinkler(string a, string b) => JaroWinkler(a.AsSpan(), b.AsSpan());

        /// <summary>Jaro–Winkler similarity of two spans.</summary>
        public static double JaroWinkler(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
        {
            if (a.SequenceEqual(b)) return a.Length == 0 ? 0 : 1;
            double jaro = Jaro(a, b);
            if (jaro <= 0) return 0;
            int prefix = 0;
            int max = Math.Min(4, Math.Min(a.Length, b.Length));
            while (prefix < max && a[prefix] == b[prefix]) prefix++;
            return jaro + prefix * 0.1 * (1 - jaro);
        }

        /// <summary>Jaro similarity.</summary>
        public static double Jaro(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
        {
            int la = a.Length, lb = b.Length;
            if (la == 0 || lb == 0) return 0;
            int range = Math.Max(0, Math.Max(la, lb) / 2 - 1);
            // Matched flags: bit sets on the stack for short strings.
            Span<bool> ma = la <= 256 ? stackalloc bool[la] : new bool[la];
            Span<bool> mb = lb <= 256 ? stackalloc bool[lb] : new bool[lb];
            int matches = 0;
            for (int i = 0; i < la; i++)
            {
                int lo = Math.Max(0, i - range), hi = Math.Min(lb - 1, i + range);
                for (int j = lo; j <= hi; j++)
                {
                    if (mb[j] || a[i] != b[j]) continue;
                    ma[i] = mb[j] = true;
                    matches++;
                    break;
                }
            }
            if (matches == 0) return 0;
            int t = 0, k = 0;
            for (int i = 0; i < la; i++)
            {
                if (!ma[i]) continue;
                while (!mb[k]) k++;
                if (a[i] != b[k]) t++;
                k++;
            }
            double m = matches;
            return (m / la + m / lb + (m - t / 2.0) / m) / 3.0;
        }

        /// <summary>The Levenshtein edit distance (insert, delete, substitute), two rows of memory.</summary>
        public static int Levenshtein(string a, string b)
        {
            if (a.Length < b.Length) (a, b) = (b, a);
            int lb = b.Length;
            if (lb == 0) return a.Length;
            Span<int> prev = lb < 256 ? stackalloc int[lb + 1] : new int[lb + 1];
            Span<int> cur = lb < 256 ? stackalloc int[lb + 1] : new int[lb + 1];
            for (int j = 0; j <= lb; j++) prev[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                cur[0] = i;
                char ca = a[i - 1];
                for (int j = 1; j <= lb; j++)
                {
                    int cost = ca == b[j - 1] ? 0 : 1;
                    cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                var swap = prev;
                prev = cur;
                cur = swap;
            }
            return prev[lb];
        }

        /// <summary>1 - distance / length of the longer value.</summary>
        public static double LevenshteinRatio(string a, string b)
        {
            int max = Math.Max(a.Length, b.Length);
            if (max == 0) return 0;
            return 1.0 - (double)Levenshtein(a, b) / max;
        }

        /// <summary>
        /// Word-order-free similarity: the words of each value (each Chinese character is a word of its own) are
        /// paired one to one, best Jaro–Winkler first, pairs under 0.8 left unpaired; the similarity is the sum of
        /// the paired similarities over the word count of the longer value. 'Smith, John' = 'john smith';
        /// 'Jon Smith' ~ 'John Smith' 0.97; 'Mary Smith' ~ 'John Smith' 0.5.
        /// </summary>
        public static double TokenSet(string a, string b)
        {
            if (string.Equals(a, b, StringComparison.Ordinal)) return a.Length == 0 ? 0 : 1;
            Span<(int Start, int Length)> ta = stackalloc (int, int)[16];
            Span<(int Start, int Length)> tb = stackalloc (int, int)[16];
            int na = Tokens(a, ta), nb = Tokens(b, tb);
            if (na == 0 || nb == 0) return 0;
            Span<bool> usedB = stackalloc bool[16];
            double sum = 0;
            // Greedy: for each word of the shorter side, its best unused partner (exact pairs first by the order of the loop).
            bool aShorter = na <= nb;
            int ns = aShorter ? na : nb, nl = aShorter ? nb : na;
            var ts = aShorter ? ta : tb;
            var tl = aShorter ? tb : ta;
            string ss = aShorter ? a : b, sl = aShorter ? b : a;
            for (int pass = 0; pass < 2; pass++)
            {
                for (int i = 0; i < ns; i++)
                {
                    if (ts[i].Length < 0) continue; // paired in the exact pass
                    var wi = ss.AsSpan(ts[i].Start, ts[i].Length);
                    int best = -1;
                    double bestSim = 0;
                    for (int j = 0; j < nl; j++)
                    {
                        if (usedB[j]) continue;
                        var wj = sl.AsSpan(tl[j].Start, tl[j].Length);
                        double sim;
                        if (pass == 0) sim = wi.SequenceEqual(wj) ? 1 : 0;
                        else sim = JaroWinkler(wi, wj);
                        if (sim > bestSim) { bestSim = sim; best = j; }
                    }
                    if (best >= 0 && (pass == 0 ? bestSim == 1 : bestSim >= 0.8))
                    {
                        usedB[best] = true;
                        sum += bestSim;
                        ts[i] = (ts[i].Start, -1);
                    }
                }
            }
            return sum / nl;
        }

        /// <summary>Splits into words at spaces; each CJK character is a word. At most 16 words.</summary>
        private static int Tokens(string s, Span<(int Start, int Length)> tokens)
        {
            int n = 0, start = -1;
            for (int i = 0; i <= s.Length && n < tokens.Length; i++)
            {
                char c = i < s.Length ? s[i] : ' ';
                bool han = c >= '\u3400' && c <= '\u9FFF' || c >= '\uF900' && c <= '\uFAFF';
                if (c == ' ' || han)
                {
                    if (start >= 0) { tokens[n++] = (start, i - start); start = -1; }
                    if (han && n < tokens.Length) tokens[n++] = (i, 1);
                }
                else if (start < 0) start = i;
            }
            return n;
        }

        /// <summary>1 - |a - b| / range, at least 0; values that are no numbers compare as text.</summary>
        public static double Numeric(string a, string b, double range)
        {
            if (!double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ||
                !double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out double y))
            {
                return string.Equals(a, b, StringComparison.Ordinal) ? 1 : 0;
            }
            if (range <= 0) return x == y ? 1 : 0;
            return Math.Max(0, 1 - Math.Abs(x - y) / range);
        }

        /// <summary>1 - days apart / maxDays, at least 0. Dates as yyyy-MM-dd (time ignored); text that is no date compares exactly.</summary>
        public static double DateDistance(string a, string b, double maxDays)
        {
            if (!TryDate(a, out var x) || !TryDate(b, out var y)) return string.Equals(a, b, StringComparison.Ordinal) ? 1 : 0;
            double days = Math.Abs((x - y).TotalDays);
            if (maxDays <= 0) return days == 0 ? 1 : 0;
            return Math.Max(0, 1 - days / maxDays);
        }

        private static bool TryDate(string s, out DateTime d)
        {
            string t = s.Length >= 10 ? s.Substring(0, 10) : s;
            return DateTime.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out d);
        }

        /// <summary>
        /// Phone numbers as digits, compared on their last <paramref name="digits"/> digits (a national and an
        /// international form of one number agree): 1 when those agree, 0.5 when one digit differs or two are
        /// swapped (a typo), else 0. Numbers with fewer than 6 digits are no evidence either way (0.5).
        /// </summary>
        public static double Phone(string a, string b, int digits)
        {
            if (a.Length < 6 || b.Length < 6) return string.Equals(a, b, StringComparison.Ordinal) ? 1 : 0;
            int n = Math.Min(digits, Math.Min(a.Length, b.Length));
            var sa = a.AsSpan(a.Length - n);
            var sb = b.AsSpan(b.Length - n);
            if (sa.SequenceEqual(sb)) return 1;
            int diff = 0, first = -1;
            for (int i = 0; i < n; i++)
            {
                if (sa[i] == sb[i]) continue;
                if (diff++ == 0) first = i;
            }
            if (diff == 1) return 0.5;
            if (diff == 2 && first + 1 < n && sa[first] == sb[first + 1] && sa[first + 1] == sb[first]) return 0.5;
            return 0;
        }

        /// <summary>
        /// E-mail addresses: 1 when equal; 0.8 when the part before '@' is the same at another domain (a new
        /// employer or provider); 0.6 when the local parts are nearly the same (Jaro–Winkler ≥ 0.92) at the same domain; else 0.
        /// </summary>
        public static double Email(string a, string b)
        {
            if (string.Equals(a, b, StringComparison.Ordinal)) return 1;
            int ia = a.IndexOf('@'), ib = b.IndexOf('@');
            if (ia <= 0 || ib <= 0) return 0;
            var la = a.AsSpan(0, ia);
            var lb = b.AsSpan(0, ib);
            if (la.SequenceEqual(lb)) return 0.8;
            if (a.AsSpan(ia).SequenceEqual(b.AsSpan(ib)) && JaroWinkler(la, lb) >= 0.92) return 0.6;
            return 0;
        }
    }
}
