using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// PostgreSQL's fast read path: the rows of a query as <c>COPY (SELECT ...) TO STDOUT (FORMAT binary)</c> sends them (Npgsql's
    /// raw copy stream), each field decoded here from its binary form straight into a <see cref="RowBatch"/>'s column: text as
    /// its UTF-8 bytes, integers, doubles, booleans and dates unboxed, numeric, uuid, bytea and timestamptz as the values the
    /// data reader gives. A value reads as <see cref="PgDialect.Read"/> reads it (the same types, PostgreSQL's infinities as
    /// their text, a date outside .NET's range refused the same way); a table with a column of another kind is read by the data
    /// reader instead (<see cref="For"/> gives null).
    /// </summary>
    internal sealed class PgCopyReader
    {
        /// <summary>How a column's binary field is decoded.</summary>
        internal enum Decode : byte
        {
            Text, Int2, Int4, Int8, Numeric, Float4, Float8, Bool, Date, Timestamp, TimestampTz, Uuid, Bytea,
        }

        private static readonly byte[] Signature = { (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0 };

        private readonly Stream _stream;
        private readonly Decode[] _decoders;
        private readonly IReadOnlyList<DbColumn> _columns;
        private byte[] _buffer = new byte[1 << 16];
        private int _pos, _end;
        private bool _headerRead, _done;

        private PgCopyReader(Stream stream, Decode[] decoders, IReadOnlyList<DbColumn> columns)
        {
            _stream = stream;
            _decoders = decoders;
            _columns = columns;
        }

        /// <summary>The decoders of a table's columns as they are selected, or null when one has no binary decoder here (read by the data reader then).</summary>
        public static Decode[]? For(IReadOnlyList<DbColumn> columns)
        {
            var decoders = new Decode[columns.Count];
            for (int i = 0; i < decoders.Length; i++)
            {
                var d = DecoderOf(columns[i]);
                if (d is null) return null;
                decoders[i] = d.Value;
            }
            return decoders;
        }

        private static Decode? DecoderOf(DbColumn column)
        {
            // A column read as text is selected as ::text (see PgDialect.SelectExpression): its binary form is its UTF-8 text.
            if (column.ReadAsText) return Decode.Text;
            string t = column.DeclaredType;
            return column.Type switch
            {
                CrmFieldType.String when t is "text" or "varchar" or "bpchar" or "name" or "citext" => Decode.Text,
                CrmFieldType.Integer when t == "int8" => Decode.Int8,
                CrmFieldType.Integer when t == "int4" => Decode.Int4,
                CrmFieldType.Integer when t == "int2" => Decode.Int2,
                CrmFieldType.Decimal when t == "numeric" => Decode.Numeric,
                CrmFieldType.Double when t == "float8" => Decode.Float8,
                CrmFieldType.Double when t == "float4" => Decode.Float4,
                CrmFieldType.Boolean when t == "bool" => Decode.Bool,
                CrmFieldType.Date when t == "date" => Decode.Date,
                CrmFieldType.DateTime when t == "timestamp" => Decode.Timestamp,
                CrmFieldType.DateTimeOffset when t == "timestamptz" => Decode.TimestampTz,
                CrmFieldType.Guid when t == "uuid" => Decode.Uuid,
                CrmFieldType.Binary when t == "bytea" => Decode.Bytea,
                _ => null,
            };
        }

        /// <summary>A reader of the raw binary COPY stream of a query whose columns are <paramref name="columns"/> (decoded by <paramref name="decoders"/>).</summary>
        public static PgCopyReader Open(Stream stream, Decode[] decoders, IReadOnlyList<DbColumn> columns) => new PgCopyReader(stream, decoders, columns);

        /// <summary>
        /// Adds the next row to <paramref name="batch"/> (its columns, one per selected column, in order); false at the end of the
        /// stream. <paramref name="position"/> is the row's ordinal, kept with it.
        /// </summary>
        public bool ReadRow(RowBatch batch, long position)
        {
            if (_done) return false;
            if (!_headerRead) ReadHeader();
            Need(2);
            short fields = BinaryPrimitives.ReadInt16BigEndian(_buffer.AsSpan(_pos));
            _pos += 2;
            if (fields == -1)
            {
                _done = true;
                return false;
            }
            if (fields != _decoders.Length) throw Malformed($"a row of {fields} fields where {_decoders.Length} were selected");
            int row = batch.AddRow(position, position);
            var cells = batch.Columns;
            for (int i = 0; i < _decoders.Length; i++)
            {
                Need(4);
                int length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_pos));
                _pos += 4;
                var column = cells[i];
                if (length < 0)
                {
                    column.SetNull(row);
                    continue;
                }
                Need(length);
                var field = new ReadOnlySpan<byte>(_buffer, _pos, length);
                _pos += length;
                DecodeInto(column, row, field, i);
            }
            return true;
        }

        private void DecodeInto(BatchColumn column, int row, ReadOnlySpan<byte> field, int index)
        {
            switch (_decoders[index])
            {
                case Decode.Text:
                    column.SetText(row, field);
                    break;
                case Decode.Int8:
                    column.SetInt64(row, BinaryPrimitives.ReadInt64BigEndian(Exactly(field, 8, index)));
                    break;
                case Decode.Int4:
                    column.SetInt64(row, BinaryPrimitives.ReadInt32BigEndian(Exactly(field, 4, index)));
                    break;
                case Decode.Int2:
                    column.SetInt64(row, BinaryPrimitives.ReadInt16BigEndian(Exactly(field, 2, index)));
                    break;
                case Decode.Float8:
                    column.SetDouble(row, BinaryPrimitives.ReadDoubleBigEndian(Exactly(field, 8, index)));
                    break;
                case Decode.Float4:
                    column.SetDouble(row, CrmValues.SingleToDouble(BinaryPrimitives.ReadSingleBigEndian(Exactly(field, 4, index))));
                    break;
                case Decode.Bool:
                    column.SetBoolean(row, Exactly(field, 1, index)[0] != 0);
                    break;
                case Decode.Date:
                {
                    int days = BinaryPrimitives.ReadInt32BigEndian(Exactly(field, 4, index));
                    if (days is int.MaxValue or int.MinValue) column.SetValue(row, days > 0 ? PgInfinity.Positive : PgInfinity.Negative);
                    else column.SetDateTime(row, PgCopy.FromDateDays(days) ?? throw OutOfRange(index));
                    break;
                }
                case Decode.Timestamp:
                case Decode.TimestampTz:
                {
                    long micros = BinaryPrimitives.ReadInt64BigEndian(Exactly(field, 8, index));
                    if (micros is long.MaxValue or long.MinValue)
                    {
                        column.SetValue(row, micros > 0 ? PgInfinity.Positive : PgInfinity.Negative);
                        break;
                    }
                    var time = PgCopy.FromTimestampMicros(micros) ?? throw OutOfRange(index);
                    if (_decoders[index] == Decode.Timestamp) column.SetDateTime(row, time);
                    else column.SetValue(row, new DateTimeOffset(time, TimeSpan.Zero));
                    break;
                }
                case Decode.Uuid:
                    column.SetValue(row, new Guid(Exactly(field, 16, index), bigEndian: true));
                    break;
                case Decode.Bytea:
                    column.SetValue(row, field.ToArray());
                    break;
                case Decode.Numeric:
                    column.SetValue(row, Numeric(field, _columns[index].Name));
                    break;
            }
        }

        private ReadOnlySpan<byte> Exactly(ReadOnlySpan<byte> field, int length, int index)
        {
            if (field.Length != length) throw Malformed($"a field of {field.Length} bytes in column '{_columns[index].Name}' ({_columns[index].DeclaredType}), which takes {length}");
            return field;
        }

        private InvalidCastException OutOfRange(int index) =>
            new InvalidCastException("Column '" + _columns[index].Name + "' holds a date outside 0001-01-01 to 9999-12-31, which .NET cannot represent.");

        /// <summary>
        /// numeric's binary form (digit count, weight of the first base-10000 digit, sign, display scale, the digits) as a decimal
        /// of that scale, so 1.50 stays 1.50; NaN, the infinities and values a decimal cannot hold are refused as the data reader refuses them.
        /// </summary>
        internal static decimal Numeric(ReadOnlySpan<byte> field, string column)
        {
            if (field.Length < 8) throw new InvalidDataException("A numeric field of " + field.Length.ToString(CultureInfo.InvariantCulture) + " bytes is malformed.");
            int count = BinaryPrimitives.ReadInt16BigEndian(field);
            int weight = BinaryPrimitives.ReadInt16BigEndian(field.Slice(2));
            ushort sign = BinaryPrimitives.ReadUInt16BigEndian(field.Slice(4));
            int scale = BinaryPrimitives.ReadUInt16BigEndian(field.Slice(6));
            if (sign == 0xC000) throw new InvalidCastException("Column '" + column + "' holds numeric NaN, which System.Decimal cannot represent.");
            if (sign is 0xD000 or 0xF000) throw new OverflowException("Column '" + column + "' holds numeric " + (sign == 0xD000 ? "Infinity" : "-Infinity") + ": the numeric value does not fit in a System.Decimal.");
            if (field.Length != 8 + 2 * count) throw new InvalidDataException("A numeric field's length does not match its digit count.");
            // The digits as one integer: value * 10000^(count - 1 - weight), then scaled to the display scale.
            UInt128 mantissa = 0;
            bool big = false;
            BigInteger wide = BigInteger.Zero;
            for (int i = 0; i < count; i++)
            {
                ushort digit = BinaryPrimitives.ReadUInt16BigEndian(field.Slice(8 + 2 * i));
                if (!big && mantissa > (UInt128.MaxValue - 9999) / 10000)
                {
                    big = true;
                    wide = (BigInteger)mantissa;
                }
                if (big) wide = wide * 10000 + digit;
                else mantissa = mantissa * 10000 + digit;
            }
            if (!big) wide = (BigInteger)mantissa;
            int shift = scale - 4 * (count - 1 - weight); // powers of ten still to apply for the display scale
            if (count == 0) shift = 0;
            if (shift > 0) wide *= BigInteger.Pow(10, shift);
            else if (shift < 0) wide /= BigInteger.Pow(10, -shift); // only zeros beyond the display scale are dropped
            if (scale > 28 || wide >= Max96)
            {
                // More digits than a decimal holds: the data reader's own OverflowException.
                throw new OverflowException("Column '" + column + "' holds a numeric value that does not fit in a System.Decimal (28-29 significant digits, scale up to 28).");
            }
            var bits = (UInt128)wide;
            return new decimal((int)(uint)bits, (int)(uint)(bits >> 32), (int)(uint)(bits >> 64), sign == 0x4000, (byte)scale);
        }

        private static readonly BigInteger Max96 = BigInteger.One << 96;

        private void ReadHeader()
        {
            Need(Signature.Length + 8);
            if (!_buffer.AsSpan(_pos, Signature.Length).SequenceEqual(Signature)) throw Malformed("no binary COPY signature");
            _pos += Signature.Length + 4; // the flags (no OIDs)
            int extension = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_pos));
            _pos += 4;
            Need(extension);
            _pos += extension;
            _headerRead = true;
        }

        /// <summary>Makes sure <paramref name="bytes"/> unread bytes are in the buffer (reading more from the stream as needed).</summary>
        private void Need(int bytes)
        {
            if (_end - _pos >= bytes) return;
            if (_pos > 0)
            {
                Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
                _end -= _pos;
                _pos = 0;
            }
            if (bytes > _buffer.Length) Array.Resize(ref _buffer, Math.Max(bytes, _buffer.Length * 2));
            while (_end < bytes)
            {
                int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0) throw Malformed("the stream ended inside a row");
                _end += read;
            }
        }

        private static InvalidDataException Malformed(string what) => new InvalidDataException("PostgreSQL's binary COPY stream is malformed: " + what + ".");
    }
}
