using System;
using System.Buffers.Binary;
using System.Text;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// A growable byte buffer a bulk path fills with a whole batch before it sends anything (LOAD DATA text for
    /// MySQL/MariaDB, binary COPY rows for PostgreSQL), kept by the writer from batch to batch.
    /// </summary>
    internal sealed class BulkBuffer
    {
        /// <summary>UTF-8 that refuses what it cannot encode (a lone surrogate) instead of writing U+FFFD, as the drivers' own encoders do.</summary>
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        private byte[] _bytes = new byte[1 << 16];

        /// <summary>The bytes written so far (the first <see cref="Length"/> of them).</summary>
        public byte[] Bytes => _bytes;

        /// <summary>How many bytes are written.</summary>
        public int Length { get; private set; }

        /// <summary>Starts again, keeping the memory.</summary>
        public void Clear() => Length = 0;

        private void Ensure(int more)
        {
            if (Length + more <= _bytes.Length) return;
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + more));
        }

        /// <summary>One byte.</summary>
        public void Byte(byte b)
        {
            Ensure(1);
            _bytes[Length++] = b;
        }

        /// <summary>Bytes as they are.</summary>
        public void Raw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_bytes.AsSpan(Length));
            Length += bytes.Length;
        }

        /// <summary>Text known to be ASCII (numbers, dates, GUIDs), one byte a character.</summary>
        public void Ascii(string s)
        {
            Ensure(s.Length);
            for (int i = 0; i < s.Length; i++) _bytes[Length++] = (byte)s[i];
        }

        /// <summary>A big-endian 16-bit integer.</summary>
        public void Int16(short value)
        {
            Ensure(2);
            BinaryPrimitives.WriteInt16BigEndian(_bytes.AsSpan(Length), value);
            Length += 2;
        }

        /// <summary>A big-endian 32-bit integer.</summary>
        public void Int32(int value)
        {
            Ensure(4);
            BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(Length), value);
            Length += 4;
        }

        /// <summary>A big-endian 64-bit integer.</summary>
        public void Int64(long value)
        {
            Ensure(8);
            BinaryPrimitives.WriteInt64BigEndian(_bytes.AsSpan(Length), value);
            Length += 8;
        }

        /// <summary>Reserves a 32-bit length to <see cref="EndLength"/> once what it counts is written; returns its position.</summary>
        public int BeginLength()
        {
            Ensure(4);
            int at = Length;
            Length += 4;
            return at;
        }

        /// <summary>Writes the big-endian count of the bytes written since <see cref="BeginLength"/> returned <paramref name="at"/>.</summary>
        public void EndLength(int at) => BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(at), Length - at - 4);

        /// <summary>Text as UTF-8; throws (an ArgumentException) for text that is not valid UTF-16.</summary>
        public void Utf8(string s)
        {
            Ensure(Strict.GetMaxByteCount(s.Length));
            Length += Strict.GetBytes(s, 0, s.Length, _bytes, Length);
        }

        /// <summary>UTF-8 text with \\, tab, newline, carriage return and NUL escaped (LOAD DATA's escapes).</summary>
        public void Escaped(string s)
        {
            bool plain = s.AsSpan().IndexOfAny("\\\t\n\r\0") < 0;
            if (plain)
            {
                Ensure(Encoding.UTF8.GetMaxByteCount(s.Length));
                Length += Encoding.UTF8.GetBytes(s, 0, s.Length, _bytes, Length);
                return;
            }
            var sb = new StringBuilder(s.Length + 8);
            foreach (char ch in s)
            {
                switch (ch)
                {
                    case '\\': sb.Append("\\\\"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\0': sb.Append("\\0"); break;
                    default: sb.Append(ch); break;
                }
            }
            string e = sb.ToString();
            Ensure(Encoding.UTF8.GetMaxByteCount(e.Length));
            Length += Encoding.UTF8.GetBytes(e, 0, e.Length, _bytes, Length);
        }
    }
}
