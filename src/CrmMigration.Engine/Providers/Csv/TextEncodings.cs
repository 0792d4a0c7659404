using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>How the encoding of a file was decided.</summary>
    internal enum EncodingSource
    {
        /// <summary>The user named it.</summary>
        Given,
        /// <summary>The file starts with a byte order mark.</summary>
        ByteOrderMark,
        /// <summary>The metadata sidecar our writer left says which encoding it wrote.</summary>
        Sidecar,
        /// <summary>Certain from the bytes: valid UTF-8, or UTF-16 without a byte order mark.</summary>
        Detected,
        /// <summary>A statistical guess between legacy code pages: reported as a warning.</summary>
        Guessed,
    }

    /// <summary>The encoding a file is read with, and why.</summary>
    internal sealed class EncodingChoice
    {
        public EncodingChoice(Encoding encoding, string name, EncodingSource source, string reason, int preamble)
        {
            Encoding = encoding;
            Name = name;
            Source = source;
            Reason = reason;
            PreambleLength = preamble;
        }

        /// <summary>The encoding (its decoder fallback is replaced when reading, so invalid bytes are found).</summary>
        public Encoding Encoding { get; }
        /// <summary>The name users give it (utf-8, windows-1252, ...).</summary>
        public string Name { get; }
        public EncodingSource Source { get; }
        /// <summary>Why, in words.</summary>
        public string Reason { get; }
        /// <summary>Bytes of byte order mark at the start of the file, skipped when reading.</summary>
        public int PreambleLength { get; }

        /// <summary>How the choice reads in messages and the ledger: "windows-1252 (guessed)".</summary>
        public string Describe() => Name + " (" + Source switch
        {
            EncodingSource.Given => "given",
            EncodingSource.ByteOrderMark => "byte order mark",
            EncodingSource.Sidecar => "metadata sidecar",
            EncodingSource.Detected => "detected",
            _ => "guessed",
        } + ")";
    }

    /// <summary>A byte sequence that is not valid in the file's encoding.</summary>
    internal readonly struct InvalidSequence
    {
        public InvalidSequence(long offset, long line, string bytes)
        {
            Offset = offset;
            Line = line;
            Bytes = bytes;
        }

        /// <summary>0-based byte offset in the file (a byte order mark counted).</summary>
        public long Offset { get; }
        /// <summary>1-based line.</summary>
        public long Line { get; }
        /// <summary>The bytes in hex ("0xC3 0x28").</summary>
        public string Bytes { get; }
    }

    /// <summary>
    /// Encoding names and detection for text files. Detection never switches silently: a byte order mark or
    /// valid UTF-8 is certain; UTF-16 without a byte order mark is recognised by its NUL bytes; a file that is
    /// UTF-8 but for a few bad bytes stays UTF-8 (the rows holding them are rejected by the reader); only a
    /// file that is not UTF-8 at all is a guess between legacy code pages, which the reader reports as a warning.
    /// </summary>
    internal static class TextEncodings
    {
        private const int SampleBytes = 256 * 1024;
        private static readonly object Gate = new object();
        private static bool _registered;

        /// <summary>The names users can give, in the order help lists them.</summary>
        public static readonly string[] KnownNames =
        {
            "utf-8", "utf-8-bom", "utf-16", "utf-16be", "windows-1252", "iso-8859-1", "iso-8859-15", "gb18030", "shift_jis", "euc-kr", "big5",
        };

        /// <summary>GB18030 (code page 54936), from the code pages provider registered once.</summary>
        public static Encoding Gb18030
        {
            get
            {
                EnsureCodePages();
                return Encoding.GetEncoding(54936);
            }
        }

        public static void EnsureCodePages()
        {
            lock (Gate)
            {
                if (_registered) return;
                Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
                _registered = true;
            }
        }

        /// <summary>Maps a user-given name to an encoding; null for null/empty. utf-8 never emits a BOM here.</summary>
        public static Encoding? FromName(string? name)
        {
            if (string.IsNullOrWhiteSpace(name)) return null;
            switch (name.Trim().ToLowerInvariant())
            {
                case "utf-8": case "utf8": return new UTF8Encoding(false);
                case "utf-8-bom": case "utf8bom": case "utf-8bom": return new UTF8Encoding(true);
                case "utf-16": case "utf16": case "utf-16le": case "unicode": return new UnicodeEncoding(false, true);
                case "utf-16be": case "bigendianunicode": return new UnicodeEncoding(true, true);
                case "gb18030": case "54936": return Gb18030;
                case "latin1": case "latin-1": case "iso-8859-1": return Encoding.Latin1;
                case "latin9": case "latin-9": case "iso-8859-15": EnsureCodePages(); return Encoding.GetEncoding(28605);
                case "cp1252": case "windows-1252": case "1252": EnsureCodePages(); return Encoding.GetEncoding(1252);
            }
            EnsureCodePages();
            try
            {
                string trimmed = name.Trim();
                return int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out int page) ? Encoding.GetEncoding(page) : Encoding.GetEncoding(trimmed);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                throw new CrmException("EncodingUnknown", CrmErrorKind.InvalidArgument,
                    $"The encoding '{name}' is not known. Use one of {string.Join(", ", KnownNames)}, or another name or code page number .NET knows.", e);
            }
        }

        /// <summary>The name a user would give for an encoding (lower case, web name).</summary>
        public static string NameOf(Encoding e) => e.CodePage switch
        {
            65001 => "utf-8",
            1200 => "utf-16",
            1201 => "utf-16be",
            54936 => "gb18030",
            932 => "shift_jis",
            51949 => "euc-kr",
            949 => "ks_c_5601-1987",
            950 => "big5",
            _ => e.WebName.ToLowerInvariant(),
        };

        /// <summary>The encoding named by the user (Given) with the length of a matching byte order mark to skip, or the detected one.</summary>
        public static EncodingChoice Choose(string path, string? name, string? sidecar = null)
        {
            var given = FromName(name);
            bool fromSidecar = false;
            if (given is null && sidecar is not null)
            {
                try { given = FromName(sidecar); fromSidecar = true; }
                catch (CrmException) { given = null; } // a name this machine does not know: detect instead
            }
            if (given is null) return Detect(path);
            int preamble = 0;
            byte[] bom = given.GetPreamble();
            if (bom.Length == 0 && IsUtf8(given)) bom = new byte[] { 0xEF, 0xBB, 0xBF };
            if (bom.Length > 0)
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16);
                var head = new byte[bom.Length];
                int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
                if (n == head.Length && head.AsSpan().SequenceEqual(bom)) preamble = bom.Length;
            }
            return fromSidecar
                ? new EncodingChoice(given, NameOf(given), EncodingSource.Sidecar, "the metadata sidecar names the encoding the file was written in", preamble)
                : new EncodingChoice(given, NameOf(given), EncodingSource.Given, "given with -Encoding", preamble);
        }

        /// <summary>
        /// Detects a file's encoding: a UTF-8/UTF-16 byte order mark; UTF-16 without one (NUL bytes in every other
        /// position); else UTF-8 when the whole file is valid UTF-8 (streamed, vectorised) or when its valid multi-byte
        /// sequences far outnumber the invalid ones (a UTF-8 file with a few bad bytes: the reader rejects their rows);
        /// else a guess between legacy code pages (a charset detector over the start of the file, then strict GB18030,
        /// then Windows-1252).
        /// </summary>
        public static EncodingChoice Detect(string path)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            byte[] sample = new byte[(int)Math.Min(fs.Length, SampleBytes)];
            int got = fs.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
            var head = sample.AsSpan(0, got);
            if (head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
                return new EncodingChoice(new UTF8Encoding(false), "utf-8", EncodingSource.ByteOrderMark, "the file starts with a UTF-8 byte order mark", 3);
            if (head.Length >= 2 && head[0] == 0xFF && head[1] == 0xFE)
                return new EncodingChoice(new UnicodeEncoding(false, false), "utf-16", EncodingSource.ByteOrderMark, "the file starts with a UTF-16 (little-endian) byte order mark", 2);
            if (head.Length >= 2 && head[0] == 0xFE && head[1] == 0xFF)
                return new EncodingChoice(new UnicodeEncoding(true, false), "utf-16be", EncodingSource.ByteOrderMark, "the file starts with a UTF-16 big-endian byte order mark", 2);
            if (Utf16WithoutBom(head) is bool bigEndian)
            {
                return new EncodingChoice(new UnicodeEncoding(bigEndian, false), bigEndian ? "utf-16be" : "utf-16", EncodingSource.Detected,
                    "the file has no byte order mark, but NUL bytes in every other position: UTF-16 " + (bigEndian ? "big-endian" : "little-endian"), 0);
            }
            fs.Position = 0;
            var scan = ScanUtf8(fs);
            if (scan.Invalid == 0)
            {
                return new EncodingChoice(new UTF8Encoding(false), "utf-8", EncodingSource.Detected,
                    scan.MultiByte == 0 ? "the file is plain ASCII" : "every byte sequence in the file is valid UTF-8", 0);
            }
            string where = string.Create(CultureInfo.InvariantCulture, $"{scan.Invalid:N0} byte sequence(s) are not valid UTF-8, the first at byte {scan.FirstInvalid:N0} (line {scan.FirstInvalidLine:N0})");
            // Valid multi-byte UTF-8 is all but impossible by chance in legacy text ("Ã©" in Windows-1252), while
            // legacy double-byte text breaks UTF-8 at nearly every character: more valid than invalid means UTF-8.
            if (scan.MultiByte >= scan.Invalid)
            {
                return new EncodingChoice(new UTF8Encoding(false), "utf-8", EncodingSource.Detected,
                    string.Create(CultureInfo.InvariantCulture, $"{scan.MultiByte:N0} multi-byte sequences are valid UTF-8; {where}, and the rows that hold them are rejected"), 0);
            }
            var (legacy, why) = GuessLegacy(head);
            return new EncodingChoice(legacy, NameOf(legacy), EncodingSource.Guessed, $"the file is not UTF-8 ({where}); {why}", 0);
        }

        /// <summary>Little-endian (false) or big-endian (true) UTF-16 when NUL bytes sit in every other position of the sample; null otherwise.</summary>
        private static bool? Utf16WithoutBom(ReadOnlySpan<byte> head)
        {
            int pairs = Math.Min(head.Length, 8192) / 2;
            if (pairs < 2) return null;
            int evenZero = 0, oddZero = 0;
            for (int i = 0; i < pairs; i++)
            {
                if (head[2 * i] == 0) evenZero++;
                if (head[2 * i + 1] == 0) oddZero++;
            }
            bool? bigEndian = null;
            if (oddZero * 10 >= pairs * 4 && evenZero * 20 < pairs) bigEndian = false;
            else if (evenZero * 10 >= pairs * 4 && oddZero * 20 < pairs) bigEndian = true;
            if (bigEndian is null) return null;
            // The sample must decode: no unpaired surrogate (one cut by the sample's end is fine).
            var strict = new UnicodeEncoding(bigEndian.Value, false, true);
            byte[] bytes = head.Slice(0, pairs * 2).ToArray();
            try
            {
                strict.GetCharCount(bytes, 0, bytes.Length);
            }
            catch (ArgumentException)
            {
                try { strict.GetCharCount(bytes, 0, Math.Max(0, bytes.Length - 2)); }
                catch (ArgumentException) { return null; }
            }
            return bigEndian;
        }

        private struct Utf8Scan
        {
            public long Invalid;
            public long MultiByte;
            public long FirstInvalid;
            public long FirstInvalidLine;
        }

        /// <summary>Counts valid multi-byte and invalid UTF-8 sequences of a whole stream (fast path: vectorised validity per block).</summary>
        private static Utf8Scan ScanUtf8(Stream s)
        {
            var scan = new Utf8Scan { FirstInvalid = -1 };
            byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                int carry = 0;
                long offset = 0; // file offset of buffer[0]
                long line = 1;
                while (true)
                {
                    int read = s.Read(buffer, carry, buffer.Length - carry);
                    int total = carry + read;
                    bool final = read == 0;
                    var span = new ReadOnlySpan<byte>(buffer, 0, total);
                    int complete = final ? total : CompleteLength(span);
                    var block = span.Slice(0, complete);
                    if (Utf8.IsValid(block))
                    {
                        if (block.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) scan.MultiByte += CountMultiByte(block);
                        if (scan.FirstInvalid < 0) line += block.Count((byte)'\n');
                    }
                    else
                    {
                        int i = 0;
                        while (i < block.Length)
                        {
                            int ascii = block.Slice(i).IndexOfAnyInRange((byte)0x80, (byte)0xFF);
                            if (ascii < 0) { if (scan.FirstInvalid < 0) line += block.Slice(i).Count((byte)'\n'); break; }
                            if (scan.FirstInvalid < 0) line += block.Slice(i, ascii).Count((byte)'\n');
                            i += ascii;
                            var status = System.Text.Rune.DecodeFromUtf8(block.Slice(i), out _, out int used);
                            if (status == OperationStatus.Done) scan.MultiByte++;
                            else
                            {
                                if (scan.FirstInvalid < 0) { scan.FirstInvalid = offset + i; scan.FirstInvalidLine = line; }
                                scan.Invalid++;
                            }
                            i += Math.Max(1, used);
                        }
                    }
                    if (final) return scan;
                    span.Slice(complete).CopyTo(buffer);
                    offset += complete;
                    carry = total - complete;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// The multi-byte sequences of valid UTF-8: its lead bytes (0xC0 and up), counted 32 or 16 bytes at a time where the
        /// machine has vectors (a byte at a time, the profile showed, was most of the detection read of a file of names).
        /// </summary>
        internal static long CountMultiByte(ReadOnlySpan<byte> valid)
        {
            long n = 0;
            int i = 0;
            ref byte start = ref MemoryMarshal.GetReference(valid);
            if (Vector256.IsHardwareAccelerated)
            {
                var lead = Vector256.Create((byte)0xC0);
                for (; i <= valid.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
                {
                    n += BitOperations.PopCount(Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref start, (nuint)i), lead).ExtractMostSignificantBits());
                }
            }
            if (Vector128.IsHardwareAccelerated)
            {
                var lead = Vector128.Create((byte)0xC0);
                for (; i <= valid.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
                {
                    n += BitOperations.PopCount(Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref start, (nuint)i), lead).ExtractMostSignificantBits());
                }
            }
            for (; i < valid.Length; i++) if (valid[i] >= 0xC0) n++;
            return n;
        }

        /// <summary>The length of the span without a multi-byte sequence cut off at its end (kept for the next block).</summary>
        internal static int CompleteLength(ReadOnlySpan<byte> span)
        {
            int end = span.Length;
            for (int back = 1; back <= 3 && back <= end; back++)
            {
                byte b = span[end - back];
                if (b < 0x80) return end;
                if (b >= 0xC0)
                {
                    int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                    return need > back ? end - back : end;
                }
            }
            return end;
        }

        /// <summary>A legacy code page for bytes that are not UTF-8: the charset detector when it is confident, else strict GB18030, else Windows-1252.</summary>
        private static (Encoding Encoding, string Why) GuessLegacy(ReadOnlySpan<byte> sample)
        {
            EnsureCodePages();
            byte[] bytes = sample.ToArray();
            var result = UtfUnknown.CharsetDetector.DetectFromBytes(bytes);
            var best = result.Detected;
            var cp1252 = Encoding.GetEncoding(1252);
            if (best is not null && best.Confidence >= 0.5f && best.Encoding is Encoding found && !IsUtf8(found) && found.CodePage != 1200 && found.CodePage != 1201)
            {
                string conf = best.Confidence.ToString("0.00", CultureInfo.InvariantCulture);
                if (found.IsSingleByte && found.CodePage != 1252 && string.Equals(found.GetString(bytes), cp1252.GetString(bytes), StringComparison.Ordinal))
                {
                    return (cp1252, $"a charset detector named {NameOf(found)} (confidence {conf}), which reads this file exactly as windows-1252 does");
                }
                return (found, $"a charset detector named it (confidence {conf})");
            }
            var strictGb = Encoding.GetEncoding(54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            try
            {
                strictGb.GetCharCount(bytes, 0, bytes.Length - TrailingCut(bytes));
                return (Gb18030, "no charset detector was confident; every byte decodes as GB18030");
            }
            catch (DecoderFallbackException)
            {
                return (cp1252, "no charset detector was confident and the bytes are not GB18030; windows-1252 reads any byte");
            }
        }

        /// <summary>Bytes at the end of a sample that may be the start of a sequence cut by the sample's end.</summary>
        private static int TrailingCut(byte[] bytes)
        {
            int n = 0;
            for (int i = bytes.Length - 1; i >= 0 && n < 3 && bytes[i] >= 0x80; i--) n++;
            return n;
        }

        public static bool IsUtf8(Encoding e) => e.CodePage == 65001;
    }
}
