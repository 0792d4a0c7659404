namespace CrmMigration.Engine.Tests
{
    public class CrmFieldShapeTests
    {
        [Fact]
        public void AddedFieldsKeepTheirOwnCasingWhateverOtherRecordsAdded()
        {
            var a = new CrmRecord("a");
            a["Id"] = 1L;
            var b = new CrmRecord("b");
            b["id"] = 2L;
            Assert.Equal("Id", a.FieldNames[0]);
            Assert.Equal("id", b.FieldNames[0]);
            Assert.Equal(2L, b["ID"]);
        }
    }
}
