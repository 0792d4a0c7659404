using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Mapping;
using PhoneNumbers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>PhoneCleaner's fast path for numbers written with their country code gives libphonenumber's answer.</summary>
    public sealed class PhoneFastPathTests
    {
        /// <summary>
        /// Numbers of every calling code libphonenumber knows, of every national length from 1 to 18 digits, starting with
        /// every digit (so national prefixes, Italian leading zeros, NANPA's leading 1 and carrier codes are met), written in
        /// the ways people write them; and the shapes the fast path must leave to the parser.
        /// </summary>
        private static IEnumerable<string> Corpus()
        {
            var rnd = new Random(16);
            var util = PhoneNumberUtil.GetInstance();
            var codes = new List<int>(util.GetSupportedCallingCodes());
            codes.Sort();
            foreach (int code in codes)
            {
                string cc = code.ToString(CultureInfo.InvariantCulture);
                for (int length = 1; length <= 18; length++)
                {
                    for (int first = 0; first <= 9; first++)
                    {
                        var sb = new StringBuilder();
                        sb.Append((char)('0' + first));
                        for (int i = 1; i < length; i++) sb.Append((char)('0' + rnd.Next(10)));
                        string nsn = sb.ToString();
                        yield return "+" + cc + nsn;
                        yield return "+" + cc + " " + Group(nsn, " ", rnd);
                        if (first % 3 == 0)
                        {
                            yield return "+" + cc + "-" + Group(nsn, "-", rnd);
                            yield return "+" + cc + " (" + nsn.Substring(0, Math.Min(3, nsn.Length)) + ") " + Group(nsn.Substring(Math.Min(3, nsn.Length)), ".", rnd);
                            yield return "+" + cc + " 0" + nsn;
                            yield return " +" + cc + nsn + " ";
                        }
                    }
                }
            }
            // Real-looking numbers of many countries, and shapes the parser must decide.
            string[] fixedOnes =
            {
                "+86 138 0013 8000", "+86 10 6552 9988", "+86 0755 8888 8888", "+86 11808 1234 5678", "+86 17951 138 0013 8000", "+86 12593 13800138000",
                "+1 (202) 555-0100", "+1 202.555.0100", "+1 1 202 555 0100", "+12025550100", "+1 800 FLOWERS", "+1 202 555 0100 x123", "+1 202 555 0100 ext. 7",
                "+44 20 7946 0958", "+44 (0) 20 7946 0958", "+44 07911 123456", "+33 1 42 68 53 00", "+33 (0)1 42 68 53 00", "+49 30 901820", "+49 (0)30 901820",
                "+39 06 6982 0000", "+39 347 123 4567", "+39 0", "+7 495 123-45-67", "+7 8 495 123 45 67", "+81 3-1234-5678", "+81 090-1234-5678", "+82 2-312-3456",
                "+61 2 9374 4000", "+61 (0)2 9374 4000", "+55 11 91234-5678", "+55 0 11 91234-5678", "+52 1 55 1234 5678", "+54 9 11 1234-5678", "+54 0 11 15 1234-5678",
                "+91 98765 43210", "+91 0 98765 43210", "+62 21 1234567", "+62 0812 3456 7890", "+234 803 123 4567", "+234 0803 123 4567", "+20 10 1234 5678",
                "+7 700 123 4567", "+380 44 123 4567", "+380 044 123 4567", "+972 3-123-4567", "+972 03-123-4567", "+353 1 234 5678", "+353 01 234 5678",
                "+800 1234 5678", "+808 1234 5678", "+870 773 111 632", "+881 6 1234 5678", "+882 34 1234 5678", "+883 5100 1234 5678", "+888 123 456 789", "+979 1234 5678",
                "+0 123 4567", "++86 138 0013 8000", "+ 86 138 0013 8000", "+86", "+8", "+86 1", "+999 123 4567", "+86 138 0013 8000 8000 8000", "+86 138 0013 800０",
                "+８６ 138 0013 8000", "+86/138/0013/8000", "+86 138 0013 8000#", "+86 138 0013 8000;ext=5", "+86 138 0013 8000,,12", "+86 138-0013-8000 #12",
                "+1-800-555-0199", "+1 (800) 555 0199 x 2", "+1 888 555 0199 ext 42", "tel:+1-202-555-0100", "(+86) 138 0013 8000", "+86 (0) 755 8888 8888",
                "+86 138 0013 8000)", "+86 (138) 0013 8000", "+86 ((138)) 0013 8000", "+86..138..0013..8000", "+86 - 138 - 0013 - 8000",
                "13800138000", "138 0013 8000", "0086 138 0013 8000", "00 86 138 0013 8000", "010 6552 9988", "+", "", "   ", "abc", "+abc", "+86 abc",
            };
            foreach (var s in fixedOnes) yield return s;
        }

        private static string Group(string digits, string separator, Random rnd)
        {
            var sb = new StringBuilder();
            int at = 0;
            while (at < digits.Length)
            {
                int take = Math.Min(digits.Length - at, 2 + rnd.Next(3));
                if (sb.Length > 0) sb.Append(separator);
                sb.Append(digits, at, take);
                at += take;
            }
            return sb.ToString();
        }

        [Fact]
        public void TryClean_GivesTheParsersAnswer_ForEveryNumberOfTheCorpus_InEveryDefaultRegion()
        {
            int total = 0, fast = 0, accepted = 0;
            foreach (string input in Corpus())
            {
                foreach (string? region in new[] { "CN", "US", "IT", "GB", null })
                {
                    bool ok = PhoneCleaner.TryClean(input, region, out string result, out string? problem);
                    bool expectedOk = PhoneCleaner.TryCleanGeneral(input, region, out string expected, out string? expectedProblem);
                    Assert.True(expectedOk == ok, $"'{input}' ({region ?? "no region"}): parser {expectedOk} '{expected}' {expectedProblem}, TryClean {ok} '{result}' {problem}");
                    Assert.Equal(expected, result);
                    Assert.Equal(expectedProblem, problem);
                    total++;
                    if (ok) accepted++;
                    if (PhoneCleaner.TryInternational(input.AsSpan().Trim(), out string e164))
                    {
                        fast++;
                        Assert.Equal(expected, e164);
                    }
                }
            }
            // The corpus must exercise both paths: most numbers of possible lengths take the fast one, the rest the parser.
            Assert.True(total > 100_000, $"{total} cases");
            Assert.True(fast > total / 10, $"{fast} of {total} took the fast path");
            Assert.True(accepted > fast, $"{accepted} accepted, {fast} by the fast path");
        }

        [Theory]
        [InlineData("+86 138 0013 8000", "+8613800138000")]
        [InlineData("+1 (202) 555-0100", "+12025550100")]
        [InlineData("+44 20 7946 0958", "+442079460958")]
        [InlineData("+39 06 6982 0000", "+390669820000")]
        [InlineData("+800 1234 5678", "+80012345678")]
        public void TryInternational_TakesPlainInternationalNumbers(string input, string expected)
        {
            Assert.True(PhoneCleaner.TryInternational(input.AsSpan(), out string e164));
            Assert.Equal(expected, e164);
        }

        [Theory]
        [InlineData("+44 (0) 20 7946 0958")] // a national prefix the parser strips
        [InlineData("+86 0755 8888 8888")]
        [InlineData("+1 202 555 0100 x123")] // an extension
        [InlineData("+86 138 0013 800０")]    // a full-width digit
        [InlineData("++86 138 0013 8000")]
        [InlineData("+999 123 4567")]         // no such calling code
        [InlineData("13800138000")]           // no country code: the default region decides
        public void TryInternational_LeavesTheRestToTheParser(string input)
        {
            Assert.False(PhoneCleaner.TryInternational(input.AsSpan().Trim(), out _));
        }

        [Fact]
        public void PhoneTransform_GivesTheParsersAnswer_ForRepeatedAndDistinctValues_PastItsCacheSize()
        {
            // National numbers (the parser's path, kept per distinct input), international ones (the fast path), invalid ones, repeated
            // and interleaved, more distinct values than the transform keeps so it starts over at least once.
            var values = new List<string>();
            var rnd = new Random(3);
            for (int i = 0; i < 12_000; i++)
            {
                int n = rnd.Next(6000);
                values.Add((n % 4) switch
                {
                    0 => "010 " + (60000000 + n).ToString(CultureInfo.InvariantCulture),
                    1 => "+86 138 " + (10000000 + n).ToString(CultureInfo.InvariantCulture),
                    2 => "(0755) 8" + (1000000 + n).ToString(CultureInfo.InvariantCulture),
                    _ => n % 8 == 3 ? "12" + n.ToString(CultureInfo.InvariantCulture) : "138 0013 8000",
                });
            }
            foreach (string? region in new[] { "CN", null })
            {
                var transform = Transforms.Create("Phone", new FieldMapping("Phone") { DefaultRegion = region });
                var source = MapSource.Of(new CrmRecord("Contact"));
                foreach (string input in values)
                {
                    object? value = input;
                    bool ok = transform.Apply(ref value, source, out string? note);
                    bool expectedOk = PhoneCleaner.TryCleanGeneral(input, region, out string expected, out string? problem);
                    Assert.Equal(expectedOk, ok);
                    if (ok)
                    {
                        Assert.Equal(expected, value);
                        Assert.Null(note);
                    }
                    else
                    {
                        Assert.Equal(input, value);
                        Assert.Equal($"'{input}' is not a phone number: {problem}", note);
                    }
                }
            }
        }
    }
}
