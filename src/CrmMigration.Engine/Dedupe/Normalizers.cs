using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// The normalisers a rules file names under Normalize, applied in order to each value before it is
    /// compared or blocked on. They reuse the mapping's cleansing (half-width forms, e-mail typos, E.164
    /// phones) and add what matching needs: case and diacritics folding, punctuation, company suffixes and
    /// nicknames. Composite ones: Text (HalfWidth, FoldDiacritics, Lower, Whitespace), Name (Text,
    /// Punctuation, Nickname), Company (Text, Punctuation, CompanySuffix).
    /// </summary>
    public static class Normalizers
    {
        /// <summary>The company suffixes removed by CompanySuffix when the rules give none (compared after Text and Punctuation).</summary>
        public static readonly IReadOnlyList<string> DefaultCompanySuffixes = new[]
        {
            "gmbh", "ag", "kg", "se", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "plc", "sa", "s a", "sarl", "srl",
            "spa", "bv", "nv", "oy", "ab", "as", "pty", "pte", "kk", "有限公司", "股份有限公司", "有限责任公司", "集团", "公司",
        };

        /// <summary>Common given-name nicknames, folded to one form, when the rules give none.</summary>
        public static readonly IReadOnlyDictionary<string, string> DefaultNicknames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["bill"] = "william", ["will"] = "william", ["billy"] = "william", ["liam"] = "william",
            ["bob"] = "robert", ["rob"] = "robert", ["bobby"] = "robert", ["robbie"] = "robert",
            ["mike"] = "michael", ["mick"] = "michael", ["jim"] = "james", ["jimmy"] = "james", ["jamie"] = "james",
            ["liz"] = "elizabeth", ["beth"] = "elizabeth", ["betty"] = "elizabeth", ["eliza"] = "elizabeth", ["lizzy"] = "elizabeth",
            ["jen"] = "jennifer", ["jenny"] = "jennifer", ["tom"] = "thomas", ["tommy"] = "thomas", ["dan"] = "daniel", ["danny"] = "daniel",
            ["dave"] = "david", ["pete"] = "peter", ["pat"] = "patricia", ["patty"] = "patricia", ["trish"] = "patricia",
            ["sue"] = "susan", ["susie"] = "susan", ["kate"] = "katherine", ["katie"] = "katherine", ["kathy"] = "katherine",
            ["chris"] = "christopher", ["matt"] = "matthew", ["tony"] = "anthony", ["joe"] = "joseph", ["rick"] = "richard",
            ["dick"] = "richard", ["rich"] = "richard", ["steve"] = "steven", ["andy"] = "andrew", ["alex"] = "alexander",
            ["sam"] = "samuel", ["ben"] = "benjamin", ["nick"] = "nicholas", ["ed"] = "edward", ["ted"] = "edward",
            ["maggie"] = "margaret", ["meg"] = "margaret", ["peggy"] = "margaret", ["annie"] = "anna", ["ann"] = "anna",
            ["johnny"] = "john", ["jack"] = "john", ["molly"] = "mary",
            ["sally"] = "sarah", ["laurie"] = "laura", ["emmy"] = "emma",
        };

        private static readonly string[] Known =
        {
            "Trim", "Lower", "HalfWidth", "FoldDiacritics", "Whitespace", "Punctuation", "Digits", "Phone", "E164", "Email", "EmailLocal",
            "CompanySuffix", "Nickname", "Domain", "Text", "Name", "Company",
        };

        /// <summary>The names a rules file may use.</summary>
        public static IReadOnlyList<string> Names => Known;

        /// <summary>True when the normaliser exists (case-insensitive).</summary>
        public static bool IsKnown(string name)
        {
            foreach (var k in Known) if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Builds the chain of a field: the value in, the normalised value out (null or empty when nothing is left).</summary>
        public static Func<string, string?> Chain(IReadOnlyList<string> names, MatchField field, EntityDedupeRules rules)
        {
            var steps = new List<Func<string, string?>>();
            foreach (var n in names) steps.Add(Create(n, field, rules));
            if (steps.Count == 0) return s => s.Trim();
            return s =>
            {
                string? v = s;
                foreach (var f in steps)
                {
                    if (v is null) return null;
                    v = f(v);
                }
                return v;
            };
        }

        private static Func<string, string?> Create(string name, MatchField field, EntityDedupeRules rules)
        {
            var suffixes = rules.CompanySuffixes.Count > 0 ? rules.CompanySuffixes : DefaultCompanySuffixes;
            var nicknames = rules.Nicknames.Count > 0 ? rules.Nicknames : DefaultNicknames;
            switch (name.ToLowerInvariant())
            {
                case "trim": return s => s.Trim();
                case "lower": return s => s.ToLowerInvariant();
                case "halfwidth": return TextCleaner.HalfWidth;
                case "folddiacritics": return FoldDiacritics;
                case "whitespace": return TextCleaner.CollapseSpaces;
                case "punctuation": return Punctuation;
                case "digits": return Digits;
                case "phone": return PhoneDigits;
                case "e164":
                    string? region = field.DefaultRegion;
                    return s => PhoneCleaner.TryClean(s, region, out string e164, out _) ? e164 : PhoneDigits(s);
                case "email": return Email;
                case "emaillocal": return s => { string? e = Email(s); int at = e?.IndexOf('@') ?? -1; return at > 0 ? e!.Substring(0, at) : e; };
                case "companysuffix": return s => CompanySuffix(s, suffixes);
                case "nickname": return s => Nickname(s, nicknames);
                case "domain": return Domain;
                case "text": return Text;
                case "name": return s => Nickname(TextCleaner.CollapseSpaces(Punctuation(Text(s))), nicknames);
                case "company": return s => CompanySuffix(TextCleaner.CollapseSpaces(Punctuation(Text(s))), suffixes);
                default: throw new ArgumentException("Unknown normaliser " + name, nameof(name));
            }
        }

        /// <summary>Half-width, folded diacritics, lower case, one space between words.</summary>
        public static string Text(string s) => TextCleaner.CollapseSpaces(FoldDiacritics(TextCleaner.HalfWidth(s)).ToLowerInvariant());

        /// <summary>
        /// Removes accents and folds letters with strokes (é → e, ł → l, ø → o, ß → ss). Chinese characters
        /// and other letters without a base letter are unchanged.
        /// </summary>
        public static string FoldDiacritics(string s)
        {
            int i = 0;
            while (i < s.Length && s[i] < 0x80) i++;
            if (i == s.Length) return s;
            var sb = new StringBuilder(s.Length + 2);
            string decomposed = s.Normalize(NormalizationForm.FormD);
            foreach (char c in decomposed)
            {
                if (c < 0x80) { sb.Append(c); continue; }
                var cat = CharUnicodeInfo.GetUnicodeCategory(c);
                if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) continue;
                switch (c)
                {
                    case 'ł': sb.Append('l'); break;
                    case 'Ł': sb.Append('L'); break;
                    case 'ø': sb.Append('o'); break;
                    case 'Ø': sb.Append('O'); break;
                    case 'ß': sb.Append("ss"); break;
                    case 'đ': sb.Append('d'); break;
                    case 'Đ': sb.Append('D'); break;
                    case 'æ': sb.Append("ae"); break;
                    case 'Æ': sb.Append("AE"); break;
                    case 'œ': sb.Append("oe"); break;
                    case 'Œ': sb.Append("OE"); break;
                    case 'ı': sb.Append('i'); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.ToString().Normalize(NormalizationForm.FormC);
        }

        /// <summary>Punctuation and symbols become spaces (letters, digits and spaces stay; Chinese characters are letters).</summary>
        public static string Punctuation(string s)
        {
            int i = 0;
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == ' ')) i++;
            if (i == s.Length) return s;
            var chars = s.ToCharArray();
            for (; i < chars.Length; i++) if (!char.IsLetterOrDigit(chars[i])) chars[i] = ' ';
            return TextCleaner.CollapseSpaces(new string(chars));
        }

        /// <summary>The digits only (full-width digits too).</summary>
        public static string Digits(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (char c in s)
            {
                if (c >= '0' && c <= '9') sb.Append(c);
                else if (c >= '\uFF10' && c <= '\uFF19') sb.Append((char)(c - 0xFEE0));
            }
            return sb.ToString();
        }

        /// <summary>
        /// A phone number's digits without its extension ('x12', 'ext. 12', ';ext=12') or an international '00'
        /// prefix; compared from the end (Phone comparator), so '+86 138-0013-8000' and '13800138000' agree.
        /// </summary>
        public static string PhoneDigits(string s)
        {
            int cut = s.Length;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c is 'x' or 'X' or '#' or ';' || (c is 'e' or 'E') && i + 2 < s.Length && (s[i + 1] is 'x' or 'X'))
                {
                    cut = i;
                    break;
                }
            }
            string d = Digits(cut == s.Length ? s : s.Substring(0, cut));
            if (d.StartsWith("00", StringComparison.Ordinal)) d = d.Substring(2);
            return d;
        }

        /// <summary>Trimmed, lower case, the domain's well-known typos corrected; text that is no address is only trimmed and lowered.</summary>
        public static string? Email(string s)
        {
            string t = s.Trim();
            if (t.Length == 0) return null;
            if (EmailCleaner.TryClean(t, fixTypos: true, out string result, out _, out _)) return result.ToLowerInvariant();
            return t.ToLowerInvariant();
        }

        /// <summary>A web address's host without scheme, 'www.', port, path and trailing dot.</summary>
        public static string? Domain(string s)
        {
            string t = s.Trim().ToLowerInvariant();
            int scheme = t.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0) t = t.Substring(scheme + 3);
            int at = t.LastIndexOf('@');
            if (at >= 0) t = t.Substring(at + 1);
            int end = t.IndexOfAny(new[] { '/', '?', '#', ':' });
            if (end >= 0) t = t.Substring(0, end);
            if (t.StartsWith("www.", StringComparison.Ordinal)) t = t.Substring(4);
            t = t.TrimEnd('.');
            return t.Length == 0 ? null : t;
        }

        /// <summary>Removes company suffixes (legal forms) at the end, repeatedly ('acme gmbh co kg' → 'acme'); Chinese suffixes also without a space.</summary>
        public static string CompanySuffix(string s, IReadOnlyList<string> suffixes)
        {
            string t = s.TrimEnd();
            for (bool changed = true; changed && t.Length > 0;)
            {
                changed = false;
                foreach (var suffix in suffixes)
                {
                    if (suffix.Length == 0 || t.Length <= suffix.Length) continue;
                    if (!t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
                    char before = t[t.Length - suffix.Length - 1];
                    bool han = suffix[0] >= '\u3400';
                    if (!han && before != ' ') continue;
                    t = t.Substring(0, t.Length - suffix.Length).TrimEnd();
                    changed = true;
                    break;
                }
            }
            return t;
        }

        /// <summary>Replaces each word found in the nickname table by its full form ('bill smith' → 'william smith').</summary>
        public static string Nickname(string s, IReadOnlyDictionary<string, string> nicknames)
        {
            if (s.IndexOf(' ') < 0) return nicknames.TryGetValue(s, out var only) ? only : s;
            var words = s.Split(' ');
            bool any = false;
            for (int i = 0; i < words.Length; i++)
            {
                if (nicknames.TryGetValue(words[i], out var full)) { words[i] = full; any = true; }
            }
            return any ? string.Join(' ', words) : s;
        }
    }
}
