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
        public static void Format(BulkBuffer buffer, IReadOnlyList<DbColumn> columns, IReadOnlyList<object?[]> rows)
        {
            buffer.Clear();
            foreach (var values in rows)
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    if (c > 0) buffer.Byte((byte)'\t');
                    Value(buffer, columns[c], values[c]);
                }
                buffer.Byte((byte)'\n');
            }
        }

        /// <summary>One portable value as LOAD DATA text (FormatException for a value it has no text for).</summary>
        private static void Value(BulkBuffer buffer, DbColumn column, object? v)
        {
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
                    buffer.Escaped(column.OffsetAsUtc ? DateText(o.UtcDateTime)
                        : column.Type == CrmFieldType.DateTimeOffset ? o.ToString(OffsetFormat, CultureInfo.InvariantCulture) : DateText(o.DateTime));
                    break;
                default: throw new FormatException("No LOAD DATA text for a value of type " + v.GetType().Name + ".");
            }
        }

        /// <summary>
        /// Writes rows <c>which[0..count)</c> of a batch as LOAD DATA text read from its columns (<paramref name="fields"/>: the batch
        /// column of each target column): the bytes <see cref="Format"/> gives the records made from the rows. A valid UTF-8 text cell
        /// of a text column goes as its bytes (escaped), an integer (or its plain text) of an integer column as its digits; any other
        /// cell is converted as the record path converts it (<paramref name="dialect"/>'s portable value).
        /// </summary>
        public static void FormatRows(BulkBuffer buffer, IReadOnlyList<DbColumn> columns, Batches.RowBatch rows, int[] which, int count, int[] fields, DbDialect dialect)
        {
            buffer.Clear();
            var cells = rows.Columns;
            Span<byte> digits = stackalloc byte[24];
            for (int i = 0; i < count; i++)
            {
                int row = which[i];
                for (int c = 0; c < columns.Count; c++)
                {
                    if (c > 0) buffer.Byte((byte)'\t');
                    var cell = cells[fields[c]];
                    var column = columns[c];
                    var kind = cell.KindAt(row);
                    if (kind == Batches.CellKind.Null)
                    {
                        buffer.Byte((byte)'\\');
                        buffer.Byte((byte)'N');
                        continue;
                    }
                    if (kind == Batches.CellKind.Text)
                    {
                        var utf8 = cell.TextAt(row);
                        if (column.Type == CrmFieldType.String && System.Text.Unicode.Utf8.IsValid(utf8))
                        {
                            EscapedUtf8(buffer, utf8);
                            continue;
                        }
                        if (column.Type == CrmFieldType.Integer && Relational.RowCells.PlainInteger(utf8, out _))
                        {
                            buffer.Raw(utf8); // the plain spelling is the integer's own text
                            continue;
                        }
                    }
                    else if (kind == Batches.CellKind.Int64 && column.Type == CrmFieldType.Integer)
                    {
                        System.Buffers.Text.Utf8Formatter.TryFormat(cell.Int64At(row), digits, out int n);
                        buffer.Raw(digits.Slice(0, n));
                        continue;
                    }
                    object? v = dialect.Portable(cell.GetValue(row), column);
                    if (v is string text) DbDialect.CheckUtf16(text);
                    Value(buffer, column, v);
                }
                buffer.Byte((byte)'\n');
            }
        }

        /// <summary>UTF-8 text with LOAD DATA's escapes (\\, tab, newline, carriage return, NUL), byte for byte what <see cref="BulkBuffer.Escaped"/> writes for its string.</summary>
        private static void EscapedUtf8(BulkBuffer buffer, ReadOnlySpan<byte> utf8)
        {
            while (true)
            {
                int at = utf8.IndexOfAny("\\\t\n\r\0"u8);
                if (at < 0)
                {
                    buffer.Raw(utf8);
                    return;
                }
                buffer.Raw(utf8.Slice(0, at));
                buffer.Byte((byte)'\\');
                buffer.Byte(utf8[at] switch { (byte)'\t' => (byte)'t', (byte)'\n' => (byte)'n', (byte)'\r' => (byte)'r', (byte)0 => (byte)'0', _ => (byte)'\\' });
                utf8 = utf8.Slice(at + 1);
            }
        }

        private static string DateText(DateTime d) =>
            d.ToString(d.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy'-'MM'-'dd' 'HH':'mm':'ss" : "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

        /// <summary>Loads the formatted rows; returns the server's loaded row count and warning count.</summary>
        public static (int Loaded, long Warnings) Load(MySqlConnection conn, MySqlTransaction tx, string qualifiedTarget, IReadOnlyList<DbColumn> columns, BulkBuffer buffer, Func<string, string> quote)
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
    }
}
