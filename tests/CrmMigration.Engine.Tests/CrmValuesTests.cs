using System;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Tests
{
    public class CrmValuesTests
    {
        [Theory]
        [InlineData("42", CrmFieldType.Integer, 42L)]
        [InlineData("true", CrmFieldType.Boolean, true)]
        [InlineData("hello", CrmFieldType.String, "hello")]
        public void ParsesInvariantText(string text, CrmFieldType type, object expected)
        {
            Assert.Equal(expected, CrmValues.Parse(text, type));
        }

        [Fact]
        public void DecimalAndDateRoundTripThroughText()
        {
            object?[] values = { 1234.5678m, new DateTime(2024, 3, 5), new DateTime(2024, 3, 5, 10, 11, 12), new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(8)), 0.1d };
            CrmFieldType[] types = { CrmFieldType.Decimal, CrmFieldType.Date, CrmFieldType.DateTime, CrmFieldType.DateTimeOffset, CrmFieldType.Double };
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(values[i], CrmValues.Parse(CrmValues.ToText(values[i]), types[i]));
            }
        }

        [Fact]
        public void BadNumberSaysWhatIsWrong()
        {
            var ex = Assert.Throws<FormatException>(() => CrmValues.Parse("12x", CrmFieldType.Integer));
            Assert.Contains("12x", ex.Message);
        }

        [Fact]
        public void KeyTextRoundTripsCompositeParts()
        {
            var key = new CrmKey("a|b", "c\\d");
            Assert.True(key.IsComposite);
            var back = CrmKey.Parse(key.ToString());
            Assert.Equal(key, back);
            Assert.Equal(new[] { "a|b", "c\\d" }, back.Parts);
        }
    }
}
