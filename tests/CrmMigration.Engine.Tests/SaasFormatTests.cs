using System.IO;
using System.Text;
using CrmMigration.Engine.Formats;
using Xunit;

namespace CrmMigration.Engine.Tests
{
    public class SaasFormatTests
    {
        [Theory]
        [InlineData("001D000000IqhSL", "001D000000IqhSLIAZ")] // the checksum computed from the case of each five characters
        [InlineData("001d000000iqhsl", "001d000000iqhslAAA")]
        [InlineData("001D000000IqhSLiaz", "001D000000IqhSLIAZ")] // the suffix is case-insensitive: recomputed
        [InlineData("not-an-id", "not-an-id")]
        public void SalesforceIdsNormaliseTo18(string id, string expected) => Assert.Equal(expected, SalesforceId.To18(id));

        [Fact]
        public void StableGuidsAreRfc4122Version5()
        {
            // RFC 4122's DNS namespace and "python.org": the value every v5 implementation gives.
            var dns = new System.Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
            Assert.Equal(new System.Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"), StableGuid.V5(dns, Encoding.UTF8.GetBytes("python.org")));
            Assert.Equal(StableGuid.Create("account", "A1"), StableGuid.Create("Account", "A1"));
            Assert.NotEqual(StableGuid.Create("account", "A1"), StableGuid.Create("contact", "A1"));
        }

        [Fact]
        public void Rfc4180WriterQuotesOnlyWhatNeedsIt()
        {
            var ms = new MemoryStream();
            var w = new Rfc4180Writer(ms, "\n");
            w.WriteRow(new[] { "a", "b,c", "say \"hi\"", " padded", null, "=1+1", "line\r\nbreak" });
            Assert.Equal("a,\"b,c\",\"say \"\"hi\"\"\",\" padded\",,=1+1,\"line\r\nbreak\"\n", Encoding.UTF8.GetString(ms.ToArray()));
        }

        [Fact]
        public void TreeReferenceIdsAreDistinctForDistinctKeys()
        {
            Assert.Equal("AccountRef_A_2D1", SalesforceTreeProvider.ReferenceId("Account", "A-1"));
            Assert.NotEqual(SalesforceTreeProvider.ReferenceId("Account", "A_2D1"), SalesforceTreeProvider.ReferenceId("Account", "A-1"));
        }
    }
}
