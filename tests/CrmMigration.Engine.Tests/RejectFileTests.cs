using System.IO;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Engine.Tests
{
    public sealed class RejectFileTests
    {
        private static CrmDataError Problem() => new CrmDataError("RecordRequiredFieldMissing", CrmErrorKind.InvalidValue, "Name is required.");

        private static CrmRecord Row(string id)
        {
            var r = new CrmRecord("contacts");
            r["id"] = id;
            return r;
        }

        [Fact]
        public void ARunWithoutRejects_LeavesNoFolder()
        {
            using var dir = new TempDir();
            using (var w = new RejectFileWriter(dir.File("rejects")))
            {
                w.Complete();
                Assert.Equal(0, w.Total);
            }
            Assert.False(Directory.Exists(dir.File("rejects")));
        }

        [Fact]
        public void EachRunOwnsItsFolder_AResumedRunDoesNotOverwriteTheEarlierAttempt()
        {
            using var dir = new TempDir();
            foreach (var (run, id) in new[] { ("20240101T000000Z-aaaa", "1"), ("20240102T000000Z-bbbb", "2"), ("20240102T000000Z-bbbb", "3") })
            {
                using var w = new RejectFileWriter(dir.File("rejects"), run);
                Assert.True(w.Write(Row(id), new[] { Problem() }));
                w.Complete();
            }
            Assert.Equal(new[] { "20240101T000000Z-aaaa", "20240102T000000Z-bbbb", "20240102T000000Z-bbbb-2" },
                System.Linq.Enumerable.ToArray(System.Linq.Enumerable.OrderBy(System.Linq.Enumerable.Select(Directory.GetDirectories(dir.File("rejects")), Path.GetFileName), n => n, System.StringComparer.Ordinal)));
            Assert.Contains("\r\n2,", File.ReadAllText(dir.File("rejects/20240102T000000Z-bbbb/contacts.csv")), System.StringComparison.Ordinal);
            Assert.Contains("\r\n3,", File.ReadAllText(dir.File("rejects/20240102T000000Z-bbbb-2/contacts.csv")), System.StringComparison.Ordinal);
        }

        [Fact]
        public void RejectPathThatIsAFile_IsRefused()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("x"), "");
            Assert.Equal("RejectPathNotFolder", Assert.Throws<CrmException>(() => new RejectFileWriter(dir.File("x"))).Error.Code);
        }
    }
}
