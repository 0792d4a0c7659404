using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>E-mail address checks: syntax (a practical subset of RFC 5322), lower-case domain, well-known domain typos.</summary>
    public static class EmailCleaner
    {
        private static readonly Dictionary<string, string> Typos = new(StringComparer.OrdinalIgnoreCase)
        {
            ["gmial.com"] = "gmail.com", ["gmai.com"] = "gmail.com", ["gmal.com"] = "gmail.com", ["gamil.com"] = "gmail.com",
            ["gnail.com"] = "gmail.com", ["gmaill.com"] = "gmail.com", ["gmail.co"] = "gmail.com", ["gmail.cm"] = "gmail.com", ["gmail.con"] = "gmail.com",
            ["hotmial.com"] = "hotmail.com", ["hotmal.com"] = "hotmail.com", ["hotmai.com"] = "hotmail.com", ["homail.com"] = "hotmail.com",
            ["hotmail.co"] = "hotmail.com", ["hotmail.con"] = "hotmail.com", ["hotmil.com"] = "hotmail.com",
            ["yahooo.com"] = "yahoo.com", ["yaho.com"] = "yahoo.com", ["yahoo.con"] = "yahoo.com", ["yhoo.com"] = "yahoo.com", ["yahho.com"] = "yahoo.com",
            ["outlok.com"] = "outlook.com", ["outloo.com"] = "outlook.com", ["outlook.con"] = "outlook.com", ["outllook.com"] = "outlook.com",
            ["iclod.com"] = "icloud.com", ["icoud.com"] = "icloud.com", ["icloud.con"] = "icloud.com",
            ["qq.co"] = "qq.com", ["qq.cm"] = "qq.com", ["qq.con"] = "qq.com",
            ["163.co"] = "163.com", ["163.cm"] = "163.com", ["126.co"] = "126.com", ["126.cm"] = "126.com",
        };

        /// <summary>The typo domains known, with their corrections.</summary>
        public static IReadOnlyDictionary<string, string> KnownTypos => Typos;

        /// <summary>
        /// Checks and normalises an address: trims it and lower-cases the domain (the local part keeps its case).
        /// Returns false with a reason when the syntax is wrong. <paramref name="typo"/> is the corrected domain
        /// when the domain is a known typo; with <paramref name="fixTypos"/> the result uses it.
        /// </summary>
        public static bool TryClean(string input, bool fixTypos, out string result, out string? problem, out string? typo)
        {
            typo = null;
            result = input;
            string s = input.Trim();
            int at = s.LastIndexOf('@');
            if (at <= 0 || at == s.Length - 1) { problem = "it needs one '@' with text on both sides"; return false; }
            if (s.Length > 254) { problem = "it is longer than 254 characters"; return false; }
            var local = s.AsSpan(0, at);
            string domain = s.Substring(at + 1).ToLowerInvariant();
            if (!CheckLocal(local, out problem)) return false;
            if (!CheckDomain(domain, out problem)) return false;
            if (Typos.TryGetValue(domain, out string? fixedDomain))
            {
                typo = fixedDomain;
                if (fixTypos) domain = fixedDomain;
            }
            // Most addresses come out as they went in (trimmed, domain already lower case): the trimmed text is the result.
            result = s.AsSpan(at + 1).SequenceEqual(domain) ? s : string.Concat(local, "@", domain);
            return true;
        }

        private static bool CheckLocal(ReadOnlySpan<char> local, out string? problem)
        {
            problem = null;
            if (local.Length > 64) { problem = "the part before '@' is longer than 64 characters"; return false; }
            if (local[0] == '.' || local[local.Length - 1] == '.') { problem = "the part before '@' starts or ends with a dot"; return false; }
            for (int i = 0; i < local.Length; i++)
            {
                char c = local[i];
                if (c == '.' && i > 0 && local[i - 1] == '.') { problem = "it has two dots in a row"; return false; }
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+/=?^_`{|}~.-".IndexOf(c) >= 0 || (c > 127 && char.IsLetterOrDigit(c));
                if (!ok) { problem = $"the part before '@' contains '{c}'"; return false; }
            }
            return true;
        }

        private static bool CheckDomain(string domain, out string? problem)
        {
            problem = null;
            if (domain.IndexOf('.') < 0) { problem = $"the domain '{domain}' has no dot"; return false; }
            // The labels between the dots, in order, without splitting the domain into strings.
            ReadOnlySpan<char> rest = domain, label = default;
            for (bool more = true; more;)
            {
                int dot = rest.IndexOf('.');
                more = dot >= 0;
                label = more ? rest.Slice(0, dot) : rest;
                if (more) rest = rest.Slice(dot + 1);
                if (label.Length == 0 || label.Length > 63) { problem = $"the domain '{domain}' has an empty or too long part"; return false; }
                if (label[0] == '-' || label[label.Length - 1] == '-') { problem = $"a part of the domain '{domain}' starts or ends with '-'"; return false; }
                foreach (char c in label)
                {
                    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c > 127 && char.IsLetterOrDigit(c));
                    if (!ok) { problem = $"the domain '{domain}' contains '{c}'"; return false; }
                }
            }
            var tld = label;
            if (tld.Length < 2) { problem = $"the domain '{domain}' ends in a one-letter part"; return false; }
            foreach (char c in tld) if (c >= '0' && c <= '9') { problem = $"the domain '{domain}' ends in a part with digits"; return false; }
            return true;
        }
    }
}
