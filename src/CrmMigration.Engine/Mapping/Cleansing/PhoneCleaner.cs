using System;
using System.Collections.Generic;
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
        /// </summary>
        public static bool TryClean(string input, string? defaultRegion, out string result, out string? problem)
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
            string e164 = Util.Format(number, PhoneNumberFormat.E164);
            result = number.HasExtension && number.Extension.Length > 0 ? e164 + ";ext=" + number.Extension : e164;
            return true;
        }
    }
}
