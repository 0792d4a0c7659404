using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CrmMigration.Engine.Archive
{
    /// <summary>
    /// An append-only JSON Lines audit log whose lines are chained: each line's prevHash is the SHA-256
    /// (lowercase hex) of the previous line's UTF-8 bytes without its line feed; the first line's prevHash
    /// is 64 zeros. Editing, deleting, reordering or removing a line in the middle breaks the chain.
    /// Removing lines at the end leaves a valid shorter chain: only a head hash stored elsewhere reveals it.
    /// </summary>
    public static class AuditLog
    {
        public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

        /// <summary>Appends one event. Parameters and evidence must hold no secrets (callers pass names, paths and hashes only).</summary>
        public static string Append(string path, string eventName, string target, IReadOnlyDictionary<string, string?>? parameters, string result, IReadOnlyDictionary<string, string>? evidence)
        {
            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            if (dir is not null) Directory.CreateDirectory(dir);
            using var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            var (seq, prev) = ReadTail(stream);
            byte[] line = BuildLine(seq + 1, eventName, target, parameters, result, evidence, prev);
            stream.Seek(0, SeekOrigin.End);
            stream.Write(line);
            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
            return Hex(SHA256.HashData(line));
        }

        private static (long Seq, string PrevHash) ReadTail(FileStream stream)
        {
            if (stream.Length == 0) return (0, Genesis);
            // Read backwards from the end to the start of the last complete line.
            long end = stream.Length;
            stream.Seek(end - 1, SeekOrigin.Begin);
            if (stream.ReadByte() != '\n')
            {
                throw new CrmException("AuditLogTornLine", CrmErrorKind.InvalidData,
                    $"The audit log '{stream.Name}' ends in the middle of a line (a write was interrupted or the file was edited). Run Test-CrmAuditLog and investigate before appending.");
            }
            long pos = end - 1;
            var buffer = new byte[4096];
            long start = 0;
            while (pos > 0)
            {
                int n = (int)Math.Min(buffer.Length, pos);
                stream.Seek(pos - n, SeekOrigin.Begin);
                stream.ReadExactly(buffer, 0, n);
                int i = Array.LastIndexOf(buffer, (byte)'\n', n - 1, n);
                if (i >= 0) { start = pos - n + i + 1; break; }
                pos -= n;
            }
            var last = new byte[end - 1 - start];
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(last, 0, last.Length);
            using var doc = JsonDocument.Parse(last);
            return (doc.RootElement.GetProperty("seq").GetInt64(), Hex(SHA256.HashData(last)));
        }

        private static byte[] BuildLine(long seq, string eventName, string target, IReadOnlyDictionary<string, string?>? parameters, string result, IReadOnlyDictionary<string, string>? evidence, string prev)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false }))
            {
                w.WriteStartObject();
                w.WriteNumber("seq", seq);
                w.WriteString("time", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("event", eventName);
                w.WriteString("actor", Environment.UserName);
                w.WriteString("host", Environment.MachineName);
                w.WriteString("tool", "CrmMigration " + ArchiveWriter.ToolVersion);
                w.WriteString("target", target);
                w.WriteStartObject("parameters");
                if (parameters is not null) foreach (var kv in parameters) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
                w.WriteString("result", result);
                w.WriteStartObject("evidence");
                if (evidence is not null) foreach (var kv in evidence) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
                w.WriteString("prevHash", prev);
                w.WriteEndObject();
            }
            return ms.ToArray();
        }

        /// <summary>Verifies the chain; with an expected head, also that the log still ends (or once ended) there.</summary>
        public static CrmAuditLogReport Verify(string path, string? expectedHead)
        {
            string full = Path.GetFullPath(path);
            var report = new CrmAuditLogReport(full);
            if (!File.Exists(full)) throw new CrmException("AuditLogNotFound", CrmErrorKind.NotFound, $"The audit log '{full}' does not exist.");
            string prev = Genesis;
            long n = 0;
            bool expectedSeen = false;
            string? problem = null;
            using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                foreach (var (line, terminated) in Lines(stream))
                {
                    n++;
                    if (!terminated) { problem = $"line {n} has no line feed: the last write was cut short."; break; }
                    long seq;
                    string? recordedPrev;
                    try
                    {
                        using var doc = JsonDocument.Parse(line);
                        seq = doc.RootElement.GetProperty("seq").GetInt64();
                        recordedPrev = doc.RootElement.GetProperty("prevHash").GetString();
                    }
                    catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                    {
                        problem = $"line {n} is not a log entry ({ex.Message}).";
                        break;
                    }
                    if (!string.Equals(recordedPrev, prev, StringComparison.Ordinal))
                    {
                        problem = n == 1
                            ? $"line 1 should start the chain (prevHash of 64 zeros) but has {recordedPrev}: lines were removed from the start."
                            : $"line {n}'s prevHash {recordedPrev} is not the SHA-256 of line {n - 1} ({prev}): line {n - 1} was edited, or lines were deleted, inserted or reordered here.";
                        break;
                    }
                    if (seq != n)
                    {
                        problem = $"line {n} has seq {seq}; expected {n}.";
                        break;
                    }
                    prev = Hex(SHA256.HashData(line));
                    if (expectedHead is not null && string.Equals(prev, expectedHead, StringComparison.OrdinalIgnoreCase)) expectedSeen = true;
                }
            }
            report.LineCount = n;
            report.HeadHash = prev;
            if (problem is not null)
            {
                report.Valid = false;
                report.FirstBadLine = n;
                report.Details = "The chain is broken: " + problem;
                return report;
            }
            if (expectedHead is not null && !string.Equals(prev, expectedHead, StringComparison.OrdinalIgnoreCase))
            {
                report.Valid = expectedSeen;
                report.Details = expectedSeen
                    ? $"The chain holds; the expected head {expectedHead} is an earlier line and the log has grown since (appended, not rewritten)."
                    : $"The chain holds but the expected head {expectedHead} is not in it: lines were removed from the end (or the log was replaced). Head now: {prev}.";
                return report;
            }
            report.Valid = true;
            report.Details = expectedHead is null
                ? $"The chain of {n} lines holds. Store the head hash elsewhere: truncation at the end is only detectable against it."
                : $"The chain of {n} lines holds and ends at the expected head.";
            return report;
        }

        private static IEnumerable<(byte[] Line, bool Terminated)> Lines(Stream stream)
        {
            var current = new MemoryStream();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                int start = 0;
                for (int i = 0; i < read; i++)
                {
                    if (buffer[i] != '\n') continue;
                    current.Write(buffer, start, i - start);
                    yield return (current.ToArray(), true);
                    current.SetLength(0);
                    start = i + 1;
                }
                current.Write(buffer, start, read - start);
            }
            if (current.Length > 0) yield return (current.ToArray(), false);
        }

        private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
    }
}
