using System;
using System.Collections.Generic;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Each cleansing transform with exact inputs and outputs.</summary>
    public class TransformTests
    {
        [Theory]
        [InlineData("Trim", "  a b  ", "a b")]
        [InlineData("CollapseSpaces", "  a \t  b\u3000 c ", "a b c")]
        [InlineData("Lower", "ÄBC Ωmega", "äbc ωmega")]
        [InlineData("Upper", "straße", "STRAßE")] // one character for one, no expansion
        [InlineData("Title", "jean-luc O'BRIEN 3rd", "Jean-Luc O'Brien 3rd")]
        [InlineData("Title", "王 小明", "王 小明")]
        [InlineData("HalfWidth", "ＡＢＣ１２３", "ABC123")]
        [InlineData("HalfWidth", "张三\u3000ｔｅｌ：１３８", "张三 tel:138")]
        [InlineData("NormalizeNfc", "Jose\u0301", "José")]
        [InlineData("StripControl", "a\u0000b\u200Bc\td\r\ne\uFEFF", "abc d  e")]
        [InlineData("EmptyToNull", "   ", null)]
        public void TextTransforms(string name, string input, string? expected)
        {
            Assert.Equal(expected, Transforms.Apply(name, input));
        }

        [Fact]
        public void UpperIsCultureInvariantEvenUnderTurkishCulture()
        {
            var saved = System.Globalization.CultureInfo.CurrentCulture;
            try
            {
                System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("tr-TR");
                Assert.Equal("INFO", Transforms.Apply("Upper", "info"));
                Assert.Equal("Istanbul", Transforms.Apply("Title", "istanbul"));
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentCulture = saved;
            }
        }

        [Fact]
        public void TextTransformsLeaveOtherValuesAlone()
        {
            Assert.Equal(42L, Transforms.Apply("Upper", 42L));
            Assert.Null(Transforms.Apply("Trim", null));
        }

        [Theory]
        [InlineData(" Jana.Maier@EXAMPLE.De ", "Jana.Maier@example.de")]
        [InlineData("wei@qq.com", "wei@qq.com")]
        [InlineData("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk")]
        public void EmailValidAndDomainLowered(string input, string expected)
        {
            Assert.True(EmailCleaner.TryClean(input, false, out string result, out _, out string? typo));
            Assert.Equal(expected, result);
            Assert.Null(typo);
        }

        [Theory]
        [InlineData("no-at-sign")]
        [InlineData("two@@example.com")]
        [InlineData("a@b")]
        [InlineData(".dot@example.com")]
        [InlineData("a..b@example.com")]
        [InlineData("a b@example.com")]
        [InlineData("a@-example.com")]
        [InlineData("a@example.c")]
        [InlineData("a@example.123")]
        public void EmailInvalid(string input)
        {
            Assert.False(EmailCleaner.TryClean(input, false, out _, out string? problem, out _));
            Assert.False(string.IsNullOrEmpty(problem));
        }

        [Theory]
        [InlineData("a@example.com.", "the domain 'example.com.' has an empty or too long part")]
        [InlineData("a@example..com", "the domain 'example..com' has an empty or too long part")]
        [InlineData("a@.", "the domain '.' has an empty or too long part")]
        [InlineData("a@exa_mple.com", "the domain 'exa_mple.com' contains '_'")]
        [InlineData("a@b.c-", "a part of the domain 'b.c-' starts or ends with '-'")]
        [InlineData("a@EXAMPLE", "the domain 'example' has no dot")]
        [InlineData("a@example.x", "the domain 'example.x' ends in a one-letter part")]
        [InlineData("a@example.c0m", "the domain 'example.c0m' ends in a part with digits")]
        [InlineData("a\"b@example.com", "the part before '@' contains '\"'")]
        public void EmailProblemsNameTheFirstBadPartOfTheDomainInOrder(string input, string problem)
        {
            Assert.False(EmailCleaner.TryClean(input, false, out string result, out string? said, out _));
            Assert.Equal(problem, said);
            Assert.Same(input, result);
        }

        [Fact]
        public void EmailThatNeedsNoChangeComesOutAsTheSameText()
        {
            // Trimmed and lower-cased domain: the result is the (trimmed) input, equal to what concatenating its parts gave.
            Assert.True(EmailCleaner.TryClean("wei.zhang@qq.com", false, out string same, out _, out _));
            Assert.Equal("wei.zhang@qq.com", same);
            Assert.True(EmailCleaner.TryClean(" wei.zhang@QQ.com\t", false, out string lowered, out _, out _));
            Assert.Equal("wei.zhang@qq.com", lowered);
            Assert.True(EmailCleaner.TryClean("josé.garcía1@Example.COM", false, out string accents, out _, out _));
            Assert.Equal("josé.garcía1@example.com", accents);
        }

        [Fact]
        public void CollapseSpacesGivesWhatCollapsingEveryRunGives()
        {
            // Every string of up to six characters over letters and several kinds of white space, against the plain rule:
            // trim, then each run of white space becomes one space.
            char[] alphabet = { 'a', ' ', '\t', '\u3000', '\u00A0', '\n' };
            var chars = new char[6];
            int checkedCount = 0;
            for (int length = 0; length <= chars.Length; length++)
            {
                int total = 1;
                for (int i = 0; i < length; i++) total *= alphabet.Length;
                for (int n = 0; n < total; n++)
                {
                    int v = n;
                    for (int i = 0; i < length; i++) { chars[i] = alphabet[v % alphabet.Length]; v /= alphabet.Length; }
                    string input = new string(chars, 0, length);
                    var expected = new System.Text.StringBuilder();
                    bool space = false;
                    foreach (char c in input.Trim())
                    {
                        if (char.IsWhiteSpace(c)) { if (!space) expected.Append(' '); space = true; }
                        else { expected.Append(c); space = false; }
                    }
                    Assert.Equal(expected.ToString(), TextCleaner.CollapseSpaces(input));
                    checkedCount++;
                }
            }
            Assert.Equal(55987, checkedCount);
        }

        [Theory]
        [InlineData("ann@gmial.com", "gmail.com")]
        [InlineData("ann@HOTMIAL.COM", "hotmail.com")]
        [InlineData("ann@yahooo.com", "yahoo.com")]
        public void EmailTyposAreReportedAndFixedOnlyWhenAsked(string input, string domain)
        {
            Assert.True(EmailCleaner.TryClean(input, false, out string kept, out _, out string? typo));
            Assert.Equal(domain, typo);
            Assert.Equal("ann@" + input.Substring(4).ToLowerInvariant(), kept);
            Assert.True(EmailCleaner.TryClean(input, true, out string fixedAddress, out _, out _));
            Assert.Equal("ann@" + domain, fixedAddress);
        }

        [Theory]
        [InlineData("138 0013 8000", "CN", "+8613800138000")]
        [InlineData("0086 13800138000", "CN", "+8613800138000")]
        [InlineData("+86 (138) 0013-8000", null, "+8613800138000")]
        [InlineData("555.123.4567 x12", "US", "+15551234567;ext=12")]
        [InlineData("(030) 1234567", "DE", "+49301234567")]
        [InlineData("+33 1 42 68 53 00", "CN", "+33142685300")]
        public void PhoneToE164(string input, string? region, string expected)
        {
            Assert.True(PhoneCleaner.TryClean(input, region, out string result, out string? problem), problem);
            Assert.Equal(expected, result);
        }

        [Theory]
        [InlineData("12", "CN")]
        [InlineData("call me", "CN")]
        [InlineData("138 0013 8000", null)]
        public void PhoneInvalid(string input, string? region)
        {
            Assert.False(PhoneCleaner.TryClean(input, region, out _, out string? problem));
            Assert.False(string.IsNullOrEmpty(problem));
        }

        private static object? ParseDate(object input, string[] formats, string? culture = null, string? zone = null, int? pivot = null)
        {
            var p = new DateCleaner(formats, culture, zone, pivot);
            Assert.True(p.TryParse(input, out object? result, out string? problem), problem);
            return result;
        }

        [Fact]
        public void DatesWithExplicitFormatsCultureAndPivot()
        {
            Assert.Equal(new DateTime(2024, 3, 5), ParseDate("03/05/24", new[] { "MM/dd/yy" }, "en-US", pivot: 2029));
            Assert.Equal(new DateTime(1935, 3, 5), ParseDate("03/05/35", new[] { "MM/dd/yy" }, "en-US", pivot: 2029));
            Assert.Equal(new DateTime(2035, 3, 5), ParseDate("03/05/35", new[] { "MM/dd/yy" }, "en-US", pivot: 2049));
            Assert.Equal(new DateTime(2024, 5, 3), ParseDate("03.05.2024", new[] { "dd.MM.yyyy" }, "de-DE"));
            Assert.Equal(new DateTime(2024, 3, 5), ParseDate("2024年3月5日", Array.Empty<string>()));
            Assert.Equal(new DateTime(2024, 3, 5, 10, 11, 12), ParseDate("2024-03-05 10:11:12", Array.Empty<string>()));
        }

        [Fact]
        public void DatesWithOffsetsAndTimeZones()
        {
            Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.Zero), ParseDate("2024-03-05T10:11:12Z", Array.Empty<string>()));
            var withOffset = (DateTimeOffset)ParseDate("2024-03-05T10:11:12+08:00", Array.Empty<string>())!;
            Assert.Equal(TimeSpan.FromHours(8), withOffset.Offset);
            Assert.Equal(new DateTime(2024, 3, 5, 2, 11, 12), withOffset.UtcDateTime);
            var shanghai = (DateTimeOffset)ParseDate("2024-03-05 10:11:12", Array.Empty<string>(), zone: "Asia/Shanghai")!;
            Assert.Equal(TimeSpan.FromHours(8), shanghai.Offset);
            var berlinSummer = (DateTimeOffset)ParseDate("2024-07-01 12:00:00", Array.Empty<string>(), zone: "Europe/Berlin")!;
            Assert.Equal(TimeSpan.FromHours(2), berlinSummer.Offset);
            var noZone = ParseDate("2024-03-05 10:11:12", Array.Empty<string>());
            Assert.IsType<DateTime>(noZone);
            Assert.Equal(DateTimeKind.Unspecified, ((DateTime)noZone!).Kind);
            var gap = new DateCleaner(Array.Empty<string>(), null, "Europe/Berlin", null);
            Assert.False(gap.TryParse("2024-03-31 02:30:00", out _, out string? problem));
            Assert.Contains("does not exist", problem);
        }

        [Fact]
        public void UnixAndExcelSerialDates()
        {
            Assert.Equal(new DateTimeOffset(2024, 3, 5, 0, 0, 0, TimeSpan.Zero), ParseDate("1709596800", new[] { "UnixSeconds" }));
            Assert.Equal(new DateTimeOffset(2024, 3, 5, 0, 0, 0, TimeSpan.Zero), ParseDate(1709596800000L, new[] { "UnixMilliseconds" }));
            var inShanghai = (DateTimeOffset)ParseDate(1709596800L, new[] { "UnixSeconds" }, zone: "Asia/Shanghai")!;
            Assert.Equal(new DateTime(2024, 3, 5, 8, 0, 0), inShanghai.DateTime);
            Assert.Equal(new DateTime(2024, 3, 5), ParseDate("45356", new[] { "ExcelSerial" }));
            Assert.Equal(new DateTime(2024, 3, 5, 12, 0, 0), ParseDate(45356.5d, new[] { "ExcelSerial" }));
            Assert.Equal(new DateTime(1900, 1, 1), ParseDate(1L, new[] { "ExcelSerial" }));
            Assert.False(new DateCleaner(new[] { "ExcelSerial" }, null, null, null).TryParse(60L, out _, out _));
        }

        [Theory]
        [InlineData("1.234,56", "de-DE", "1234.56")]
        [InlineData("1,234.56", "en-US", "1234.56")]
        [InlineData("¥1,234.50", "zh-CN", "1234.50")]
        [InlineData("€ 12,50", "de-DE", "12.50")]
        [InlineData("EUR 1.000", "de-DE", "1000")]
        [InlineData("(12.00)", "en-US", "-12.00")]
        [InlineData("1 234,5", "fr-FR", "1234.5")]
        public void NumbersAndMoney(string input, string culture, string expected)
        {
            Assert.True(new NumberCleaner(culture).TryParse(input, out object? result, out string? problem), problem);
            Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result);
        }

        [Fact]
        public void NumbersInTheWrongCultureAreInvalid()
        {
            Assert.False(new NumberCleaner("en-US").TryParse("1.234,56", out _, out string? problem));
            Assert.Contains("en-US", problem);
        }

        [Theory]
        [InlineData("yy", true)]
        [InlineData("dd.MM.yy", true)]
        [InlineData("yyyy-MM-dd", false)]
        [InlineData("'yy'yyyy", false)]
        public void TwoDigitYearFormatsAreDetected(string format, bool expected)
        {
            Assert.Equal(expected, DateCleaner.HasTwoDigitYear(format));
        }
    }
}
