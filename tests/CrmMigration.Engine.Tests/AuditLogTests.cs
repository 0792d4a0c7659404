using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CrmMigration.Engine.Archive;

namespace CrmMigration.Engine.Tests
{
    public class AuditLogTests
    {
        private static string Log(TempDir dir, int lines)
        {
            string path = dir.File("audit.jsonl");
            for (int i = 1; i <= lines; i++)
            {
                AuditLog.Append(path, "Test.Event", "Sqlite:/x.db", new Dictionary<string, string?> { ["Stage"] = "Freeze" }, "Done", new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
            return path;
        }

        [Fact]
        public void ChainHoldsAndLinesCarryTheFields()
        {
            using var dir = new TempDir();
            string path = Log(dir, 5);
            var r = AuditLog.Verify(path, null);
            Assert.True(r.Valid, r.Details);
            Assert.Equal(5, r.LineCount);
            var lines = File.ReadAllLines(path);
            using var first = JsonDocument.Parse(lines[0]);
            Assert.Equal(AuditLog.Genesis, first.RootElement.GetProperty("prevHash").GetString());
            foreach (var f in new[] { "seq", "time", "event", "actor", "host", "tool", "target", "parameters", "result", "evidence" }) Assert.True(first.RootElement.TryGetProperty(f, out _), f);
            using var second = JsonDocument.Parse(lines[1]);
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines[0]))).ToLowerInvariant(), second.RootElement.GetProperty("prevHash").GetString());
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines[4]))).ToLowerInvariant(), r.HeadHash);
        }

        private static CrmAuditLogReport Tamper(Func<List<string>, List<string>> change, string? head = null)
        {
            using var dir = new TempDir();
            string path = Log(dir, 6);
            var lines = File.ReadAllLines(path).ToList();
            File.WriteAllText(path, string.Join("\n", change(lines)) + "\n");
            return AuditLog.Verify(path, head);
        }

        [Fact]
        public void EditedLineIsDetected()
        {
            var r = Tamper(l => { l[2] = l[2].Replace("\"Done\"", "\"Fine\"", StringComparison.Ordinal); return l; });
            Assert.False(r.Valid);
            Assert.Equal(4, r.FirstBadLine);
        }

        [Fact]
        public void DeletedLineIsDetected()
        {
            var r = Tamper(l => { l.RemoveAt(1); return l; });
            Assert.False(r.Valid);
            Assert.Equal(2, r.FirstBadLine);
        }

        [Fact]
        public void ReorderedLinesAreDetected()
        {
            var r = Tamper(l => { (l[3], l[4]) = (l[4], l[3]); return l; });
            Assert.False(r.Valid);
            Assert.Equal(4, r.FirstBadLine);
        }

        [Fact]
        public void TruncationInTheMiddleIsDetected()
        {
            var r = Tamper(l => l.Take(2).Concat(l.Skip(4)).ToList());
            Assert.False(r.Valid);
            Assert.Equal(3, r.FirstBadLine);
        }

        [Fact]
        public void RemovingTheFirstLineIsDetected()
        {
            var r = Tamper(l => l.Skip(1).ToList());
            Assert.False(r.Valid);
            Assert.Equal(1, r.FirstBadLine);
        }

        [Fact]
        public void TruncationAtTheEndIsOnlyDetectableAgainstAStoredHead()
        {
            using var dir = new TempDir();
            string path = Log(dir, 6);
            string head = AuditLog.Verify(path, null).HeadHash;
            var lines = File.ReadAllLines(path);
            File.WriteAllText(path, string.Join("\n", lines.Take(4)) + "\n");
            var without = AuditLog.Verify(path, null);
            Assert.True(without.Valid); // a shorter chain is still a chain
            Assert.Equal(4, without.LineCount);
            var with = AuditLog.Verify(path, head);
            Assert.False(with.Valid);
            Assert.Contains("removed from the end", with.Details, StringComparison.Ordinal);
        }

        [Fact]
        public void AStoredHeadStillValidatesAfterLegitimateAppends()
        {
            using var dir = new TempDir();
            string path = Log(dir, 3);
            string head = AuditLog.Verify(path, null).HeadHash;
            AuditLog.Append(path, "Later", "t", null, "Done", null);
            var r = AuditLog.Verify(path, head);
            Assert.True(r.Valid, r.Details);
            Assert.Equal(4, r.LineCount);
        }

        [Fact]
        public void ATornLastLineIsReportedAndNotAppendedTo()
        {
            using var dir = new TempDir();
            string path = Log(dir, 3);
            File.AppendAllText(path, "{\"seq\":4,\"ti");
            Assert.False(AuditLog.Verify(path, null).Valid);
            var ex = Assert.Throws<CrmException>(() => AuditLog.Append(path, "x", "t", null, "Done", null));
            Assert.Equal("AuditLogTornLine", ex.Error.Code);
        }
    }
}
