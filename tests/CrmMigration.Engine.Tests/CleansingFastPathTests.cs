using System;
using System.Globalization;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Engine.Tests
{
    /// <summary>The cleansing transforms' fast paths give what their general paths give.</summary>
    public sealed class CleansingFastPathTests
    {
        /// <summary>Title as it was written before its fast path: every letter through the invariant case tables.</summary>
        private static string TitleReference(string s)
        {
            var chars = new char[s.Length];
            bool start = true;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (char.IsLetter(c))
                {
                    chars[i] = start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
                    start = false;
                }
                else
                {
                    chars[i] = c;
                    start = !char.IsDigit(c);
                }
            }
            return new string(chars);
        }

        [Fact]
        public void Title_EveryCharacterOfTheBmp_AtAWordStartAndInside_IsWhatTheCaseTablesSay()
        {
            int checkedCount = 0;
            for (int code = 0; code <= 0xFFFF; code++)
            {
                char c = (char)code;
                foreach (string s in new[] { c.ToString(), "a" + c, "A" + c + "b", " " + c + c, "1" + c, "é" + c + "É" })
                {
                    Assert.Equal(TitleReference(s), TextCleaner.Title(s));
                    checkedCount++;
                }
            }
            Assert.Equal(6 * 65536, checkedCount);
        }

        [Theory]
        [InlineData("jean-luc O'BRIEN 3rd")]
        [InlineData("ÉLODIE  müller-łukasz")]
        [InlineData("王 小明")]
        [InlineData("zoë ǆungla ǅ ǈ")]
        [InlineData("")]
        public void Title_Words_AreWhatTheGeneralPathGives(string s)
        {
            Assert.Equal(TitleReference(s), TextCleaner.Title(s));
        }

        [Fact]
        public void Title_LeavesTextAlreadyInTitleCase_AsTheSameString()
        {
            string s = "Łukasz García-Müller";
            Assert.Same(s, TextCleaner.Title(s));
        }

        [Fact]
        public void IsoDate_ReadsEveryDateAsDateTimeParseExactDoes()
        {
            var cleaner = new DateCleaner(new[] { "yyyy-MM-dd" }, null, null, null);
            var inputs = new System.Collections.Generic.List<string>
            {
                "2019-03-05", "0000-01-01", "0001-01-01", "9999-12-31", "2019-3-05", "2019-03-5", "2019/03/05", "2019-03-05T00:00",
                "٢٠١٩-٠٣-٠٥", "２０１９-０３-０５", " 2019-03-05 ", "2019 -03-05", "20190-3-05", "2019--3-05", "-019-03-05", "abcd-ef-gh", "",
            };
            foreach (int year in new[] { 1900, 2000, 2019, 2020, 2100 })
            {
                for (int month = 0; month <= 13; month++)
                {
                    for (int day = 0; day <= 32; day++) inputs.Add(string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2}"));
                }
            }
            foreach (string text in inputs)
            {
                bool expected = DateTime.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out DateTime want);
                bool actual = cleaner.TryParse(text, out object? got, out string? problem);
                Assert.True(expected == actual, $"'{text}': expected {expected}, got {actual} ({problem})");
                if (expected)
                {
                    var date = Assert.IsType<DateTime>(got);
                    Assert.Equal(want, date);
                    Assert.Equal(want.Kind, date.Kind);
                }
            }
        }

        [Fact]
        public void IsoDate_WithACulture_IsReadByTheCulture()
        {
            // A Thai culture counts Buddhist years: the fast path (invariant, Gregorian) must not read it.
            var thai = new DateCleaner(new[] { "yyyy-MM-dd" }, "th-TH", null, null);
            Assert.True(thai.TryParse("2562-03-05", out object? got, out _));
            Assert.Equal(DateTime.ParseExact("2562-03-05", "yyyy-MM-dd", CultureInfo.GetCultureInfo("th-TH")), got);
        }
    }
}
