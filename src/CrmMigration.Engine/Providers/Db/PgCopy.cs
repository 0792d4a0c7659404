using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// PostgreSQL's bulk path for inserts: binary COPY straight into the target table. The batch is encoded whole into a
    /// buffer first, by one encoder per column chosen from the column's type (so a value the column cannot take fails
    /// before anything is sent), then sent as one raw COPY stream. Any failure (a duplicate, a constraint, a value COPY
    /// cannot take) is reported to the caller, which rolls back to its savepoint and writes the batch row by row.
    /// </summary>
    internal static class PgCopy
    {
        /// <summary>Writes one non-null value of a column as a COPY field: its 32-bit length, then its binary form.</summary>
        internal delegate void FieldEncoder(BulkBuffer buffer, object value);

        private static readonly byte[] Header = { (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        /// <summary>PostgreSQL's day and timestamp zero: 2000-01-01.</summary>
        private static readonly int DayZero = new DateOnly(2000, 1, 1).DayNumber;
        private const long TimestampZeroTicks = 630822816000000000L;

        /// <summary>
        /// The COPY type of a column, or null when the column needs the INSERT path (arrays, ranges...). An enum is sent as
        /// text: its binary form is the label's bytes, and the server's enum_recv refuses a label that is not one of the type's.
        /// </summary>
        public static NpgsqlDbType? CopyType(DbColumn column) => column.IsEnum ? NpgsqlDbType.Text : column.DeclaredType switch
        {
            "int2" => NpgsqlDbType.Smallint,
            "int4" => NpgsqlDbType.Integer,
            "int8" => NpgsqlDbType.Bigint,
            "numeric" => NpgsqlDbType.Numeric,
            "float4" => NpgsqlDbType.Real,
            "float8" => NpgsqlDbType.Double,
            "bool" => NpgsqlDbType.Boolean,
            "date" => NpgsqlDbType.Date,
            "timestamp" => NpgsqlDbType.Timestamp,
            "timestamptz" => NpgsqlDbType.TimestampTz,
            "uuid" => NpgsqlDbType.Uuid,
            "bytea" => NpgsqlDbType.Bytea,
            "text" => NpgsqlDbType.Text,
            "varchar" => NpgsqlDbType.Varchar,
            "bpchar" => NpgsqlDbType.Char,
            "json" => NpgsqlDbType.Json,
            "jsonb" => NpgsqlDbType.Jsonb,
            _ => null,
        };

        public static bool CanCopy(IReadOnlyList<DbColumn> columns)
        {
            foreach (var c in columns) if (CopyType(c) is null) return false;
            return true;
        }

        /// <summary>The encoder of each column (all must be copyable), chosen once for a batch.</summary>
        public static FieldEncoder[] Encoders(IReadOnlyList<DbColumn> columns)
        {
            var encoders = new FieldEncoder[columns.Count];
            for (int c = 0; c < encoders.Length; c++) encoders[c] = EncoderFor(CopyType(columns[c])!.Value);
            return encoders;
        }

        /// <summary>
        /// Copies the rows' values (portable, parallel to <paramref name="columns"/>) straight into
        /// <paramref name="qualifiedTarget"/> with binary COPY: the table's own constraints, defaults and
        /// triggers apply as for INSERT, and any failure aborts the whole COPY (the caller's savepoint).
        /// A value a column cannot take throws (FormatException, InvalidCastException, OverflowException, or
        /// ArgumentException for text that is not valid UTF-16) before anything is sent.
        /// </summary>
        public static void Insert(NpgsqlConnection conn, string qualifiedTarget, IReadOnlyList<DbColumn> columns,
            IReadOnlyList<object?[]> rows, Func<string, string> quote, BulkBuffer buffer)
        {
            Encode(buffer, Encoders(columns), rows);
            Send(conn, qualifiedTarget, columns, quote, buffer).GetAwaiter().GetResult();
        }

        /// <summary>
        /// Sends a COPY stream encoded into <paramref name="buffer"/> (see <see cref="Insert"/>) and ends it; returns the end, which
        /// completes when the server has taken every row (its refusal of a row surfaces there). The caller may do work of its own
        /// meanwhile, not on this connection, and must wait for it before the connection is used again.
        /// </summary>
        public static System.Threading.Tasks.Task Send(NpgsqlConnection conn, string qualifiedTarget, IReadOnlyList<DbColumn> columns, Func<string, string> quote, BulkBuffer buffer) =>
            Copy(conn, qualifiedTarget, columns, quote, stream => stream.Write(buffer.Bytes, 0, buffer.Length));

        /// <summary>Bytes of encoded rows the lane gathers before it sends them (<see cref="StreamRows"/>).</summary>
        internal static int StreamChunk { get; set; } = 1 << 16;

        /// <summary>
        /// The lane's rows encoded as <see cref="EncodeRows"/> encodes them and sent a chunk at a time (<see cref="StreamChunk"/> bytes)
        /// while the rest are encoded, so the server takes the first rows while this thread encodes the next; returns the COPY's end (see
        /// <see cref="Send"/>). A value that cannot be encoded cancels the COPY and throws as <see cref="EncodeRows"/> does: the rows sent
        /// before it are in the caller's transaction, which rolls back.
        /// </summary>
        internal static System.Threading.Tasks.Task StreamRows(NpgsqlConnection conn, string qualifiedTarget, IReadOnlyList<DbColumn> columns, Func<string, string> quote,
            BulkBuffer buffer, Batches.RowBatch rows, int[] which, int count, int[] fields, DbDialect dialect) =>
            Copy(conn, qualifiedTarget, columns, quote, stream =>
            {
                EncodeRows(buffer, columns, rows, which, count, fields, dialect, b =>
                {
                    stream.Write(b.Bytes, 0, b.Length);
                    b.Clear();
                });
                stream.Write(buffer.Bytes, 0, buffer.Length);
            });

        /// <summary>Starts a binary COPY into the columns, lets <paramref name="write"/> send its stream and ends it (a failure cancels it).</summary>
        private static System.Threading.Tasks.Task Copy(NpgsqlConnection conn, string qualifiedTarget, IReadOnlyList<DbColumn> columns, Func<string, string> quote, Action<NpgsqlRawCopyStream> write)
        {
            var sql = new StringBuilder("COPY ").Append(qualifiedTarget).Append(" (");
            for (int c = 0; c < columns.Count; c++) { if (c > 0) sql.Append(", "); sql.Append(quote(columns[c].Name)); }
            sql.Append(") FROM STDIN (FORMAT BINARY)");
            var stream = conn.BeginRawBinaryCopy(sql.ToString());
            try
            {
                write(stream);
            }
            catch
            {
                try { stream.Cancel(); }
                catch (PostgresException) { /* the server's own refusal: the first failure is the one to report */ }
                throw;
            }
            return stream.DisposeAsync().AsTask(); // ends the COPY: the server's refusal of a row surfaces here
        }

        /// <summary>The whole COPY stream of the rows: header, one tuple per row (null as length -1), trailer.</summary>
        internal static void Encode(BulkBuffer buffer, FieldEncoder[] encoders, IReadOnlyList<object?[]> rows)
        {
            buffer.Clear();
            buffer.Raw(Header);
            short width = checked((short)encoders.Length);
            for (int r = 0; r < rows.Count; r++)
            {
                var values = rows[r];
                buffer.Int16(width);
                for (int c = 0; c < encoders.Length; c++)
                {
                    object? v = values[c];
                    if (v is null) buffer.Int32(-1);
                    else encoders[c](buffer, v);
                }
            }
            buffer.Int16(-1);
        }

        /// <summary>
        /// The COPY stream of rows <c>which[0..count)</c> of a batch, read from its columns (<paramref name="fields"/>: the column of
        /// the batch for each target column): the bytes <see cref="Encode"/> gives the records made from the rows. A valid UTF-8
        /// text cell goes to a text column as its bytes, and an integer (or its plain text) to an integer column as it is; any
        /// other cell is converted as the record path converts it (<paramref name="dialect"/>'s portable value, then the encoder).
        /// </summary>
        internal static void EncodeRows(BulkBuffer buffer, IReadOnlyList<DbColumn> columns, Batches.RowBatch rows, int[] which, int count, int[] fields, DbDialect dialect,
            Action<BulkBuffer>? flush = null)
        {
            var encoders = Encoders(columns);
            var kinds = new NpgsqlDbType[columns.Count];
            for (int c = 0; c < kinds.Length; c++) kinds[c] = columns[c].Type == CrmFieldType.String ? CopyType(columns[c])!.Value : NpgsqlDbType.Unknown;
            buffer.Clear();
            buffer.Raw(Header);
            short width = checked((short)encoders.Length);
            var cells = rows.Columns;
            for (int i = 0; i < count; i++)
            {
                // With a flush, what is encoded goes out between rows once it fills a chunk (and the buffer starts again).
                if (flush is not null && buffer.Length >= StreamChunk) flush(buffer);
                int row = which[i];
                buffer.Int16(width);
                for (int c = 0; c < encoders.Length; c++)
                {
                    var cell = cells[fields[c]];
                    var kind = cell.KindAt(row);
                    if (kind == Batches.CellKind.Null)
                    {
                        buffer.Int32(-1);
                        continue;
                    }
                    var column = columns[c];
                    if (kind == Batches.CellKind.Text)
                    {
                        var utf8 = cell.TextAt(row);
                        if (kinds[c] is NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char or NpgsqlDbType.Json && System.Text.Unicode.Utf8.IsValid(utf8))
                        {
                            buffer.Int32(utf8.Length);
                            buffer.Raw(utf8);
                            continue;
                        }
                        if (column.Type == CrmFieldType.Integer && column.DeclaredType == "int8" && Relational.RowCells.PlainInteger(utf8, out long n))
                        {
                            buffer.Int32(8);
                            buffer.Int64(n);
                            continue;
                        }
                    }
                    else if (kind == Batches.CellKind.Int64 && column.Type == CrmFieldType.Integer && column.DeclaredType == "int8")
                    {
                        buffer.Int32(8);
                        buffer.Int64(cell.Int64At(row));
                        continue;
                    }
                    object? v = dialect.Portable(cell.GetValue(row), column);
                    if (v is string text) DbDialect.CheckUtf16(text);
                    if (v is null) buffer.Int32(-1);
                    else encoders[c](buffer, v);
                }
            }
            buffer.Int16(-1);
        }

        private static FieldEncoder EncoderFor(NpgsqlDbType type) => type switch
        {
            NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char or NpgsqlDbType.Json => static (b, v) => Text(b, v),
            NpgsqlDbType.Jsonb => static (b, v) =>
            {
                int at = b.BeginLength();
                b.Byte(1); // jsonb's binary format: a version byte, then the text
                b.Utf8(v as string ?? Util.CrmValues.ToText(v)!);
                b.EndLength(at);
            },
            NpgsqlDbType.Smallint => static (b, v) => { b.Int32(2); b.Int16(checked((short)ToInt64(v))); },
            NpgsqlDbType.Integer => static (b, v) => { b.Int32(4); b.Int32(checked((int)ToInt64(v))); },
            NpgsqlDbType.Bigint => static (b, v) => { b.Int32(8); b.Int64(ToInt64(v)); },
            NpgsqlDbType.Real => static (b, v) => { b.Int32(4); b.Int32(BitConverter.SingleToInt32Bits(Convert.ToSingle(v, CultureInfo.InvariantCulture))); },
            NpgsqlDbType.Double => static (b, v) => { b.Int32(8); b.Int64(BitConverter.DoubleToInt64Bits(v is double d ? d : Convert.ToDouble(v, CultureInfo.InvariantCulture))); },
            NpgsqlDbType.Numeric => static (b, v) => Numeric(b, v is decimal m ? m : Convert.ToDecimal(v, CultureInfo.InvariantCulture)),
            NpgsqlDbType.Boolean => static (b, v) => { b.Int32(1); b.Byte(v is bool x ? (x ? (byte)1 : (byte)0) : throw Cannot(v, "boolean")); },
            NpgsqlDbType.Uuid => static (b, v) =>
            {
                if (v is not Guid g) throw Cannot(v, "uuid");
                b.Int32(16);
                Span<byte> bytes = stackalloc byte[16];
                g.TryWriteBytes(bytes, bigEndian: true, out _);
                b.Raw(bytes);
            },
            NpgsqlDbType.Bytea => static (b, v) =>
            {
                if (v is not byte[] bytes) throw Cannot(v, "bytea");
                b.Int32(bytes.Length);
                b.Raw(bytes);
            },
            NpgsqlDbType.Date => static (b, v) => { b.Int32(4); b.Int32(DateDays(v)); },
            NpgsqlDbType.Timestamp => static (b, v) => { b.Int32(8); b.Int64(TimestampMicros(v, utc: false)); },
            NpgsqlDbType.TimestampTz => static (b, v) => { b.Int32(8); b.Int64(TimestampMicros(v, utc: true)); },
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No COPY encoder for the type."),
        };

        private static void Text(BulkBuffer b, object v)
        {
            int at = b.BeginLength();
            b.Utf8(v as string ?? Util.CrmValues.ToText(v)!);
            b.EndLength(at);
        }

        private static long ToInt64(object v) => v is long l ? l : Convert.ToInt64(v, CultureInfo.InvariantCulture);

        private static InvalidCastException Cannot(object v, string type) =>
            new InvalidCastException("A value of type " + v.GetType().Name + " cannot be written to a " + type + " column.");

        /// <summary>
        /// A date's binary form (days since 2000-01-01), as both write paths send it: the day itself, 0001-01-01 and
        /// 9999-12-31 included (never Npgsql's DateTime.MinValue/MaxValue-as-infinity convention, which would change a
        /// real 0001-01-01); only the text <c>infinity</c> / <c>-infinity</c> (what a PostgreSQL source reads) is infinite.
        /// </summary>
        internal static int DateDays(object v)
        {
            if (v is string s) return PgInfinity.Parse(s) > 0 ? int.MaxValue : int.MinValue;
            var d = v is DateTime t ? t : v is DateTimeOffset o ? o.DateTime : throw Cannot(v, "date");
            return DateOnly.FromDateTime(d).DayNumber - DayZero;
        }

        /// <summary>
        /// A timestamp's binary form (microseconds since 2000-01-01, ticks truncated toward zero as Npgsql does): the
        /// wall-clock time for timestamp (an offset's own clock), the instant for timestamptz (a DateTime is taken as UTC).
        /// DateTime.MinValue is 0001-01-01 00:00:00 and MaxValue 9999-12-31 23:59:59.999999; only the text
        /// <c>infinity</c> / <c>-infinity</c> is infinite.
        /// </summary>
        internal static long TimestampMicros(object v, bool utc)
        {
            if (v is string s) return PgInfinity.Parse(s) > 0 ? long.MaxValue : long.MinValue;
            long ticks = v switch
            {
                DateTimeOffset o => utc ? o.UtcTicks : o.DateTime.Ticks,
                DateTime t => t.Ticks,
                _ => throw Cannot(v, utc ? "timestamptz" : "timestamp"),
            };
            return (ticks - TimestampZeroTicks) / 10;
        }

        /// <summary>The day a finite <see cref="DateDays"/> value stands for, or null when DateTime cannot hold it.</summary>
        internal static DateTime? FromDateDays(int days)
        {
            long n = (long)days + DayZero;
            return n >= DateOnly.MinValue.DayNumber && n <= DateOnly.MaxValue.DayNumber ? DateOnly.FromDayNumber((int)n).ToDateTime(TimeOnly.MinValue) : null;
        }

        /// <summary>The time (kind unspecified) a finite <see cref="TimestampMicros"/> value stands for, or null when DateTime cannot hold it.</summary>
        internal static DateTime? FromTimestampMicros(long micros)
        {
            const long MaxMicros = (3155378975999999999L - TimestampZeroTicks) / 10, MinMicros = -TimestampZeroTicks / 10;
            return micros >= MinMicros && micros <= MaxMicros ? new DateTime(micros * 10 + TimestampZeroTicks, DateTimeKind.Unspecified) : null;
        }

        /// <summary>
        /// numeric's binary form: digit count, weight (of the first base-10000 digit), sign, display scale (the decimal's
        /// own scale, so 1.50 stays 1.50), then the base-10000 digits from the most significant, trailing zero digits left out.
        /// </summary>
        internal static void Numeric(BulkBuffer b, decimal m)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(m, bits);
            int scale = (bits[3] >> 16) & 0xFF;
            bool negative = bits[3] < 0;
            UInt128 n = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
            // Align the decimal point on a base-10000 digit boundary.
            int pad = (4 - scale % 4) % 4;
            for (int i = 0; i < pad; i++) n *= 10;
            int fractionDigits = (scale + pad) / 4;
            Span<short> groups = stackalloc short[12]; // least significant first; 2^96 * 1000 < 10000^9
            int count = 0;
            while (n != 0)
            {
                groups[count++] = (short)(ushort)(n % 10000);
                n /= 10000;
            }
            int low = 0;
            while (low < count && groups[low] == 0) low++;
            int digits = count - low;
            b.Int32(8 + 2 * digits);
            b.Int16((short)digits);
            b.Int16(digits == 0 ? (short)0 : (short)(count - 1 - fractionDigits));
            b.Int16(digits > 0 && negative ? (short)0x4000 : (short)0);
            b.Int16((short)scale);
            for (int i = count - 1; i >= low; i--) b.Int16(groups[i]);
        }
    }
}
