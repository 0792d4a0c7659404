using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>Phone numbers to E.164 with libphonenumber.</summary>
    public static class PhoneCleaner
    {
        private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
        private static readonly HashSet<string> Regions = new(Util.GetSupportedRegions(), StringComparer.OrdinalIgnoreCase);

        /// <summary>True when libphonenumber knows the region (ISO 3166 two letters).</summary>
        public static bool IsKnownRegion(string region) => Regions.Contains(region);

        /// <summary>
        /// Parses a number written in any common way and formats it as E.164 ('+8613800138000'). A number
        /// without a country code (or an international prefix such as 00) belongs to <paramref name="defaultRegion"/>.
        /// An extension is kept as ';ext=12' (the RFC 3966 form). A number is accepted when its length is possible
        /// for its country; numbers that are possible but not assigned (like US 555 numbers) are kept.
        /// A number written with its country code ('+86 138-0013-8000') takes <see cref="TryInternational"/> when
        /// that can decide it without libphonenumber's parser; its answer is the parser's (tests compare the two).
        /// </summary>
        public static bool TryClean(string input, string? defaultRegion, out string result, out string? problem)
        {
            var text = input.AsSpan().Trim();
            if (TryInternational(text, out string? e164))
            {
                result = e164;
                problem = null;
                return true;
            }
            return TryCleanGeneral(input, defaultRegion, out result, out problem);
        }

        /// <summary>The general path: libphonenumber parses the number, checks its length and formats it.</summary>
        internal static bool TryCleanGeneral(string input, string? defaultRegion, out string result, out string? problem)
        {
            result = input;
            problem = null;
            string text = input.Trim();
            if (text.Length == 0) { problem = "it is empty"; return false; }
            PhoneNumber number;
            try
            {
                number = Util.Parse(text, defaultRegion ?? "ZZ");
            }
            catch (NumberParseException ex)
            {
                problem = ex.ErrorType == ErrorType.INVALID_COUNTRY_CODE
                    ? (defaultRegion is null ? "it has no country code and the mapping gives no DefaultRegion" : "its country code is unknown")
                    : "it is not a phone number (" + ex.ErrorType.ToString().ToLowerInvariant().Replace('_', ' ') + ")";
                return false;
            }
            if (!Util.IsPossibleNumber(number))
            {
                problem = "it has the wrong number of digits for " + (Util.GetRegionCodeForNumber(number) ?? "its country");
                return false;
            }
            string formatted = Util.Format(number, PhoneNumberFormat.E164);
            result = number.HasExtension && number.Extension.Length > 0 ? formatted + ";ext=" + number.Extension : formatted;
            return true;
        }

        /// <summary>What libphonenumber's metadata says about one country calling code, as the fast path needs it.</summary>
        private sealed class CallingCode
        {
            public CallingCode(PhoneMetadata metadata)
            {
                // Parsing strips a national prefix (and carrier code) that this pattern finds at the start of the national
                // number, even after a '+' and the country code; where it could, the fast path leaves the number to the parser.
                // Compiled when a number of the code first needs it (a few milliseconds each; a file rarely meets more than a few codes):
                // the interpreted pattern was most of the fast path's time.
                string prefix = metadata.NationalPrefixForParsing ?? "";
                _nationalPrefix = prefix.Length == 0 ? null : new Lazy<Regex>(() => new Regex("^(?:" + prefix + ")", RegexOptions.CultureInvariant | RegexOptions.Compiled));
                var general = metadata.GeneralDesc;
                var lengths = new List<int>(general.PossibleLengthList);
                // A first length of -1 says no number of the kind exists (libphonenumber's convention): none is possible.
                if (lengths.Count > 0 && lengths[0] == -1) lengths.Clear();
                foreach (int n in general.PossibleLengthLocalOnlyList) lengths.Add(n);
                foreach (int n in lengths) if (n >= 0 && n < Possible.Length) Possible[n] = true;
            }

            private readonly Lazy<Regex>? _nationalPrefix;

            /// <summary>The national prefix for parsing, anchored at the start of the national number; null when the country has none.</summary>
            public Regex? NationalPrefix => _nationalPrefix?.Value;

            /// <summary>By length of the national significant number: possible for the country (libphonenumber's IsPossibleNumber).</summary>
            public bool[] Possible { get; } = new bool[18];
        }

        private static readonly Dictionary<int, CallingCode> Codes = LoadCodes();

        private static Dictionary<int, CallingCode> LoadCodes()
        {
            var codes = new Dictionary<int, CallingCode>();
            foreach (int code in Util.GetSupportedCallingCodes())
            {
                string region = Util.GetRegionCodeForCountryCode(code);
                var metadata = region == "001" ? Util.GetMetadataForNonGeographicalRegion(code) : Util.GetMetadataForRegion(region);
                if (metadata is not null) codes[code] = new CallingCode(metadata);
            }
            return codes;
        }

        /// <summary>
        /// The fast path: a number written '+' country code and digits, with nothing else but spaces, hyphens, dots and
        /// parentheses between them, whose national part has no national prefix the parser would strip and a length possible
        /// for its country, is '+' and its digits in E.164. Anything else (an extension, letters, other digits or signs, an
        /// unknown or missing country code, a prefix, a length the parser refuses) returns false and takes the parser's path.
        /// </summary>
        internal static bool TryInternational(ReadOnlySpan<char> text, out string e164)
        {
            e164 = "";
            if (text.Length < 4 || text.Length > 64 || text[0] != '+') return false;
            // '+' and the digits, as E.164 writes them: the digits start at 1.
            Span<char> buffer = stackalloc char[64];
            buffer[0] = '+';
            int n = 0;
            for (int i = 1; i < text.Length; i++)
            {
                char c = text[i];
                if (c >= '0' && c <= '9') buffer[1 + n++] = c;
                else if (c is not (' ' or '-' or '.' or '(' or ')')) return false;
            }
            var digits = buffer.Slice(1, n);
            // The parser wants more than two digits after the '+', and a country code that does not start with 0.
            if (n <= 2 || digits[0] == '0') return false;
            CallingCode? found = null;
            int cc = 0, ccDigits = 0;
            for (int i = 0; i < 3 && i < n; i++)
            {
                cc = cc * 10 + (digits[i] - '0');
                if (Codes.TryGetValue(cc, out found)) { ccDigits = i + 1; break; }
            }
            if (found is null) return false;
            int nsn = n - ccDigits;
            if (nsn < 2 || nsn > 17 || !found.Possible[nsn]) return false;
            if (found.NationalPrefix is { } prefix && prefix.IsMatch(digits.Slice(ccDigits))) return false;
            e164 = new string(buffer.Slice(0, n + 1));
            return true;
        }
    }
}
