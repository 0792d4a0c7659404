using System;
using System.IO;
using System.Text;
using System.Text.Unicode;
using System.Buffers;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>Encoding names and detection for file providers: BOM, else valid UTF-8, else GB18030.</summary>
    internal static class TextEncodings
    {
        private static readonly object Gate = new object();
        private static bool _registered;

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
            }
            EnsureCodePages();
            try
            {
                return Encoding.GetEncoding(name.Trim());
            }
            catch (ArgumentException e)
            {
                throw new CrmException("EncodingUnknown", CrmErrorKind.InvalidArgument,
                    $"The encoding '{name}' is not known. Use utf-8, utf-16, utf-16be or gb18030.", e);
            }
        }

        /// <summary>
        /// Detects a file's encoding: a UTF-8/UTF-16 byte order mark; else UTF-8 when every byte sequence
        /// of the file is valid UTF-8 (checked by streaming the whole file, vectorised, so an ASCII start
        /// followed by Chinese in GB18030 is still caught); else GB18030.
        /// </summary>
        public static Encoding Detect(string path)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            Span<byte> head = stackalloc byte[3];
            int n = fs.ReadAtLeast(head, 3, throwOnEndOfStream: false);
            if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) return new UTF8Encoding(false);
            if (n >= 2 && head[0] == 0xFF && head[1] == 0xFE) return new UnicodeEncoding(false, true);
            if (n >= 2 && head[0] == 0xFE && head[1] == 0xFF) return new UnicodeEncoding(true, true);
            fs.Position = 0;
            return IsValidUtf8(fs) ? new UTF8Encoding(false) : Gb18030;
        }

        private static bool IsValidUtf8(Stream s)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            char[] chars = ArrayPool<char>.Shared.Rent(1 << 16);
            try
            {
                int carry = 0;
                while (true)
                {
                    int read = s.Read(buffer, carry, buffer.Length - carry);
                    int total = carry + read;
                    bool final = read == 0;
                    var src = new ReadOnlySpan<byte>(buffer, 0, total);
                    while (true)
                    {
                        var status = Utf8.ToUtf16(src, chars, out int consumed, out _, replaceInvalidSequences: false, isFinalBlock: final);
                        src = src.Slice(consumed);
                        if (status == OperationStatus.InvalidData) return false;
                        if (status != OperationStatus.DestinationTooSmall) break;
                    }
                    if (final) return src.Length == 0;
                    // NeedMoreData: keep the incomplete sequence at the front of the buffer.
                    src.CopyTo(buffer);
                    carry = src.Length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                ArrayPool<char>.Shared.Return(chars);
            }
        }

        public static bool IsUtf8(Encoding e) => e.CodePage == 65001;
    }
}
