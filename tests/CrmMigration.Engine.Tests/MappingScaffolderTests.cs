using System.Collections.Generic;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Engine.Tests
{
    public class MappingScaffolderTests
    {
        [Theory]
        [InlineData("first_name", "firstname")]
        [InlineData("FirstName", "firstname")]
        [InlineData("first-name", "firstname")]
        [InlineData("E_Mail", "email")]
        [InlineData("eMail", "email")]
        [InlineData("mail", "email")]
        [InlineData("EmailAddress", "email")]
        [InlineData("tel", "phone")]
        [InlineData("phone_number", "phone")]
        [InlineData("Surname", "lastname")]
        [InlineData("given name", "firstname")]
        [InlineData("ZIP", "postalcode")]
        [InlineData("HTTPStatus", "httpstatus")]
        public void NamesNormalise(string name, string expected)
        {
            Assert.Equal(expected, MappingScaffolder.Normalize(name));
        }

        [Theory]
        [InlineData("contacts", "contact")]
        [InlineData("Opportunities", "opportunity")]
        [InlineData("Address", "address")]
        [InlineData("boxes", "box")]
        public void EntitiesAreSingular(string name, string expected)
        {
            Assert.Equal(expected, MappingScaffolder.NormalizeEntity(name));
        }

        [Fact]
        public void FieldsMatchByNameThenTypeAndLeaveTodos()
        {
            var source = new CrmEntitySchema("contacts", new List<CrmFieldSchema>
            {
                new("contact_id", CrmFieldType.Integer) { IsKey = true, Nullable = false },
                new("EMAIL", CrmFieldType.String), new("e_mail", CrmFieldType.Integer), new("fax", CrmFieldType.String),
            }) { Key = new[] { "contact_id" } };
            var target = new CrmEntitySchema("Contact", new List<CrmFieldSchema>
            {
                new("Id", CrmFieldType.Integer) { IsKey = true, Nullable = false },
                new("Email", CrmFieldType.String), new("Segment", CrmFieldType.String) { Nullable = false },
            }) { Key = new[] { "Id" } };
            var s = MappingScaffolder.Build(new[] { source }, new[] { target });
            var e = Assert.Single(s.Entities);
            Assert.Equal("contact_id", e.Fields[0].Source!.Name);
            Assert.Equal("EMAIL", e.Fields[1].Source!.Name); // same type wins over e_mail (Integer)
            Assert.Null(e.Fields[2].Source);
            Assert.Equal(new[] { "e_mail", "fax" }, e.UnusedSourceFields);
            string psd1 = s.ToPsd1();
            Assert.Contains("# TODO: no source field matches 'Segment' (String, NOT NULL)", psd1);
        }
    }
}
