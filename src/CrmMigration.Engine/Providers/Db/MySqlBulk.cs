using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using MySqlConnector;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// MySQL/MariaDB's bulk path for inserts: the batch as tab-separated text in memory, sent with
    /// LOAD DATA LOCAL INFILE from that stream (MySqlBulkLoader). With LOCAL the server turns
    /// duplicate-key and conversion errors into warnings and skips the row, so the caller checks the
    /// loaded row count and the warning count and, when either is off, rolls back to its savepoint and
    /// writes the batch with INSERT statements instead, which give every record its own outcome.
    /// </summary>
    internal static class MySqlBulk
    {
        private const string OffsetFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz";

        /// <summary>True when every column takes its value as text in LOAD DATA the way INSERT takes it (not BIT or binary columns).</summary>
        public static bool CanLoad(IReadOnlyList<DbColumn> columns)
        {
            foreach (var c in columns)
            {
                if (c.Type == CrmFieldType.Binary) return false;
                string t = c.DeclaredType;
                if (t.StartsWith("bit", StringComparison.OrdinalIgnoreCase) || t.Contains("binary", StringComparison.OrdinalIgnoreCase) ||
                    t.Contains("blob", StringComparison.OrdinalIgnoreCase) || t.StartsWith("geometry", StringComparison.OrdinalIgnoreCase) ||
                    t.StartsWith("point", StringComparison.OrdinalIgnoreCase) || t.StartsWith("polygon", StringComparison.OrdinalIgnoreCase) ||
                    t.StartsWith("linestring", StringComparison.OrdinalIgnoreCase) || t.StartsWith("multi", StringComparison.OrdinalIgnoreCase)) return false;
            }
            return true;
        }

        /// <summary>
        /// Writes the rows' values (portable, parallel to <paramref name="columns"/>) as LOAD DATA text:
        /// fields split by tab, rows by newline, backslash escapes, \N for null. Throws FormatException
        /// for a value it has no text for.
        /// </summary>
        public static void Format(Buffer buffer, IReadOnlyList<DbColumn> columns, IReadOnlyList<object?[]> rows)
        {
            buffer.Clear();
            foreach (var values in rows)
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    if (c > 0) buffer.Byte((byte)'\t');
                    object? v = values[c];
                    switch (v)
                    {
                        case null: buffer.Byte((byte)'\\'); buffer.Byte((byte)'N'); break;
                        case string s: buffer.Escaped(s); break;
                        case long l: buffer.Ascii(l.ToString(CultureInfo.InvariantCulture)); break;
                        case int i: buffer.Ascii(i.ToString(CultureInfo.InvariantCulture)); break;
                        case decimal m: buffer.Ascii(m.ToString(CultureInfo.InvariantCulture)); break;
                        case double d:
                            if (double.IsNaN(d) || double.IsInfinity(d)) throw new FormatException("MySQL has no value for " + d.ToString(CultureInfo.InvariantCulture) + ".");
                            buffer.Ascii(d.ToString("R", CultureInfo.InvariantCulture));
                            break;
                        case bool b: buffer.Byte(b ? (byte)'1' : (byte)'0'); break;
                        case Guid g: buffer.Ascii(g.ToString("D")); break;
                        case DateTime dt: buffer.Ascii(DateText(dt)); break;
                        case DateTimeOffset o:
                            buffer.Escaped(columns[c].OffsetAsUtc ? DateText(o.UtcDateTime)
                                : columns[c].Type == CrmFieldType.DateTimeOffset ? o.ToString(OffsetFormat, CultureInfo.InvariantCulture) : DateText(o.DateTime));
                            break;
                        default: throw new FormatException("No LOAD DATA text for a value of type " + v.GetType().Name + ".");
                    }
                }
                buffer.Byte((byte)'\n');
            }
        }

        private static string DateText(DateTime d) =>
            d.ToString(d.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy'-'MM'-'dd' 'HH':'mm':'ss" : "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

        /// <summary>Loads the formatted rows; returns the server's loaded row count and warning count.</summary>
        public static (int Loaded, long Warnings) Load(MySqlConnection conn, MySqlTransaction tx, string qualifiedTarget, IReadOnlyList<DbColumn> columns, Buffer buffer, Func<string, string> quote)
        {
            var loader = new MySqlBulkLoader(conn)
            {
                Local = true,
                TableName = qualifiedTarget,
                CharacterSet = "utf8mb4",
                FieldTerminator = "\t",
                LineTerminator = "\n",
                EscapeCharacter = '\\',
                NumberOfLinesToSkip = 0,
                ConflictOption = MySqlBulkLoaderConflictOption.None,
                SourceStream = new MemoryStream(buffer.Bytes, 0, buffer.Length, writable: false),
            };
            foreach (var c in columns) loader.Columns.Add(quote(c.Name));
            int loaded = loader.Load();
            using var cmd = new MySqlCommand("SELECT @@warning_count", conn, tx);
            long warnings = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            return (loaded, warnings);
        }

        /// <summary>A growable UTF-8 byte buffer, kept by the writer from batch to batch.</summary>
        internal sealed class Buffer
        {
            private byte[] _bytes = new byte[1 << 16];
            public byte[] Bytes => _bytes;
            public int Length { get; private set; }

            public void Clear() => Length = 0;

            private void Ensure(int more)
            {
                if (Length + more <= _bytes.Length) return;
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + more));
            }

            public void Byte(byte b)
            {
                Ensure(1);
                _bytes[Length++] = b;
            }

            public void Ascii(string s)
            {
                Ensure(s.Length);
                for (int i = 0; i < s.Length; i++) _bytes[Length++] = (byte)s[i];
            }

            /// <summary>UTF-8 text with \\, tab, newline, carriage return and NUL escaped.</summary>
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
}
