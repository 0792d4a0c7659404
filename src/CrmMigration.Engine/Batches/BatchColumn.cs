using System;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Batches
{
    /// <summary>How a batch cell holds its value.</summary>
    internal enum CellKind : byte
    {
        /// <summary>null.</summary>
        Null = 0,
        /// <summary>A string, as UTF-8 bytes in the column's text buffer (never materialised unless asked).</summary>
        Text = 1,
        /// <summary>A long, in the column's scalars.</summary>
        Int64 = 2,
        /// <summary>A double, its bits in the column's scalars.</summary>
        Double = 3,
        /// <summary>A DateTime (kind included), as <see cref="DateTime.ToBinary"/> in the column's scalars.</summary>
        DateTime = 4,
        /// <summary>A bool, 0 or 1 in the column's scalars.</summary>
        Boolean = 5,
        /// <summary>Any other value (a string already made, decimal, DateTimeOffset, Guid, byte[]) in the column's objects.</summary>
        Object = 6,
    }

    /// <summary>
    /// One column of a <see cref="RowBatch"/>: a cell per row, each typed by its <see cref="CellKind"/>. Text stays UTF-8 in one
    /// buffer (a CSV field's bytes are copied once and go to SQLite, COPY or LOAD DATA as they are), numbers and dates
    /// stay unboxed; anything else is an object. Arrays grow with the batch and are reused from batch to batch.
    /// </summary>
    internal sealed class BatchColumn
    {
        private CellKind[] _kinds;
        private int[] _offsets;
        private int[] _lengths;
        private long[]? _scalars;
        private object?[]? _objects;
        private byte[] _text;
        private int _textUsed;
        /// <summary>True once a Text cell was set from bytes nobody checked: it may not be UTF-8 (readers that decode set checked text).</summary>
        private bool _unchecked;

        public BatchColumn(int capacity)
        {
            capacity = Math.Max(1, capacity);
            _kinds = new CellKind[capacity];
            _offsets = new int[capacity];
            _lengths = new int[capacity];
            _text = new byte[Math.Max(256, capacity * 16)];
        }

        /// <summary>The rows the column holds room for.</summary>
        public int Capacity => _kinds.Length;

        /// <summary>Empties the column for the next batch (the arrays stay).</summary>
        public void Clear(int rows)
        {
            _textUsed = 0;
            _unchecked = false;
            if (_objects is not null) Array.Clear(_objects, 0, Math.Min(rows, _objects.Length));
        }

        /// <summary>Makes room for <paramref name="capacity"/> rows, keeping the first <paramref name="rows"/>.</summary>
        public void EnsureCapacity(int capacity, int rows)
        {
            if (capacity <= _kinds.Length) return;
            int size = Math.Max(capacity, _kinds.Length * 2);
            Array.Resize(ref _kinds, size);
            Array.Resize(ref _offsets, size);
            Array.Resize(ref _lengths, size);
            if (_scalars is not null) Array.Resize(ref _scalars, size);
            if (_objects is not null) Array.Resize(ref _objects, size);
        }

        public CellKind KindAt(int row) => _kinds[row];

        public bool IsNull(int row) => _kinds[row] == CellKind.Null;

        // ---------------------------------------------------------------- setting

        public void SetNull(int row) => _kinds[row] = CellKind.Null;

        /// <summary>Sets a Text cell from bytes that may not be valid UTF-8 (they are checked where it matters: <see cref="IsUtf8At"/>).</summary>
        public void SetText(int row, ReadOnlySpan<byte> utf8)
        {
            _unchecked = true;
            SetUtf8(row, utf8);
        }

        /// <summary>Sets a Text cell from bytes known to be valid UTF-8 (a reader that decoded them: the CSV reader's UTF-8 stream).</summary>
        public void SetUtf8(int row, ReadOnlySpan<byte> utf8)
        {
            if (_textUsed + utf8.Length > _text.Length) GrowText(utf8.Length);
            utf8.CopyTo(_text.AsSpan(_textUsed));
            _offsets[row] = _textUsed;
            _lengths[row] = utf8.Length;
            _textUsed += utf8.Length;
            _kinds[row] = CellKind.Text;
        }

        /// <summary>Room for <paramref name="maxBytes"/> bytes of text for a row; <see cref="CommitText"/> says how many were written.</summary>
        public Span<byte> ReserveText(int maxBytes)
        {
            if (_textUsed + maxBytes > _text.Length) GrowText(maxBytes);
            return _text.AsSpan(_textUsed, maxBytes);
        }

        public void CommitText(int row, int length)
        {
            _unchecked = true;
            _offsets[row] = _textUsed;
            _lengths[row] = length;
            _textUsed += length;
            _kinds[row] = CellKind.Text;
        }

        public void SetInt64(int row, long value)
        {
            (_scalars ??= new long[_kinds.Length])[row] = value;
            _kinds[row] = CellKind.Int64;
        }

        public void SetDouble(int row, double value)
        {
            (_scalars ??= new long[_kinds.Length])[row] = BitConverter.DoubleToInt64Bits(value);
            _kinds[row] = CellKind.Double;
        }

        public void SetDateTime(int row, DateTime value)
        {
            (_scalars ??= new long[_kinds.Length])[row] = value.ToBinary();
            _kinds[row] = CellKind.DateTime;
        }

        public void SetBoolean(int row, bool value)
        {
            (_scalars ??= new long[_kinds.Length])[row] = value ? 1 : 0;
            _kinds[row] = CellKind.Boolean;
        }

        /// <summary>Sets any record value: long, double, DateTime and bool unboxed, null as null, the rest as an object.</summary>
        public void SetValue(int row, object? value)
        {
            switch (value)
            {
                case null: _kinds[row] = CellKind.Null; break;
                case long l: SetInt64(row, l); break;
                case double d: SetDouble(row, d); break;
                case DateTime dt: SetDateTime(row, dt); break;
                case bool b: SetBoolean(row, b); break;
                default:
                    (_objects ??= new object?[_kinds.Length])[row] = value;
                    _kinds[row] = CellKind.Object;
                    break;
            }
        }

        /// <summary>Copies a cell of another column into a row of this one.</summary>
        public void CopyFrom(BatchColumn source, int sourceRow, int row)
        {
            var kind = source._kinds[sourceRow];
            switch (kind)
            {
                case CellKind.Null: _kinds[row] = CellKind.Null; break;
                case CellKind.Text:
                    if (source._unchecked) _unchecked = true;
                    SetUtf8(row, source.TextAt(sourceRow));
                    break;
                case CellKind.Object: SetValue(row, source._objects![sourceRow]); break;
                default:
                    (_scalars ??= new long[_kinds.Length])[row] = source._scalars![sourceRow];
                    _kinds[row] = kind;
                    break;
            }
        }

        /// <summary>
        /// Copies <paramref name="count"/> cells of another column, from <paramref name="sourceRow"/>, into rows from
        /// <paramref name="row"/> (room made by the caller): the cells <see cref="CopyFrom"/> would copy one by one, their text in one
        /// move (the span the cells' bytes lie in) and their kinds, scalars and objects as arrays.
        /// </summary>
        public void CopyRange(BatchColumn source, int sourceRow, int count, int row)
        {
            if (count <= 0) return;
            Array.Copy(source._kinds, sourceRow, _kinds, row, count);
            int lo = int.MaxValue, hi = 0;
            bool scalars = false, objects = false;
            for (int i = sourceRow, end = sourceRow + count; i < end; i++)
            {
                switch (source._kinds[i])
                {
                    case CellKind.Null: break;
                    case CellKind.Text:
                        int o = source._offsets[i];
                        if (o < lo) lo = o;
                        if (o + source._lengths[i] > hi) hi = o + source._lengths[i];
                        break;
                    case CellKind.Object: objects = true; break;
                    default: scalars = true; break;
                }
            }
            if (lo <= hi && lo != int.MaxValue)
            {
                if (source._unchecked) _unchecked = true;
                int span = hi - lo;
                if (_textUsed + span > _text.Length) GrowText(span);
                Buffer.BlockCopy(source._text, lo, _text, _textUsed, span);
                int shift = _textUsed - lo;
                for (int i = 0; i < count; i++)
                {
                    if (source._kinds[sourceRow + i] != CellKind.Text) continue;
                    _offsets[row + i] = source._offsets[sourceRow + i] + shift;
                    _lengths[row + i] = source._lengths[sourceRow + i];
                }
                _textUsed += span;
            }
            if (scalars) Array.Copy(source._scalars!, sourceRow, _scalars ??= new long[_kinds.Length], row, count);
            if (objects) Array.Copy(source._objects!, sourceRow, _objects ??= new object?[_kinds.Length], row, count);
        }

        private void GrowText(int more)
        {
            Array.Resize(ref _text, Math.Max(_text.Length * 2, _textUsed + more + 256));
        }

        // ---------------------------------------------------------------- reading

        /// <summary>Whether a Text cell's bytes are valid UTF-8 (checked only when they were set unchecked).</summary>
        public bool IsUtf8At(int row) => !_unchecked || global::System.Text.Unicode.Utf8.IsValid(TextAt(row));

        /// <summary>The UTF-8 bytes of a Text cell.</summary>
        public ReadOnlySpan<byte> TextAt(int row) => new ReadOnlySpan<byte>(_text, _offsets[row], _lengths[row]);

        public long Int64At(int row) => _scalars![row];

        public double DoubleAt(int row) => BitConverter.Int64BitsToDouble(_scalars![row]);

        public DateTime DateTimeAt(int row) => DateTime.FromBinary(_scalars![row]);

        public bool BooleanAt(int row) => _scalars![row] != 0;

        public object? ObjectAt(int row) => _objects![row];

        /// <summary>The cell as a record value (a Text cell becomes a string, scalars are boxed).</summary>
        public object? GetValue(int row) => _kinds[row] switch
        {
            CellKind.Null => null,
            CellKind.Text => _lengths[row] == 0 ? string.Empty : Encoding.UTF8.GetString(_text, _offsets[row], _lengths[row]),
            CellKind.Int64 => _scalars![row],
            CellKind.Double => BitConverter.Int64BitsToDouble(_scalars![row]),
            CellKind.DateTime => DateTime.FromBinary(_scalars![row]),
            CellKind.Boolean => _scalars![row] != 0,
            _ => _objects![row],
        };

        /// <summary>The portable type of the cell's value (String for null), as <see cref="CrmValues.TypeOf"/> gives it.</summary>
        public CrmFieldType TypeAt(int row) => _kinds[row] switch
        {
            CellKind.Null or CellKind.Text => CrmFieldType.String,
            CellKind.Int64 => CrmFieldType.Integer,
            CellKind.Double => CrmFieldType.Double,
            CellKind.Boolean => CrmFieldType.Boolean,
            CellKind.DateTime => CrmValues.TypeOf(DateTime.FromBinary(_scalars![row])),
            _ => CrmValues.TypeOf(_objects![row]),
        };

        /// <summary>True when the cell is text whose value is empty ("" as a Text cell or a string object).</summary>
        public bool IsEmptyText(int row) => _kinds[row] == CellKind.Text ? _lengths[row] == 0 : _kinds[row] == CellKind.Object && _objects![row] is string { Length: 0 };

        /// <summary>
        /// Appends the cell's invariant text (<see cref="CrmValues.ToText"/>) as UTF-8 to <paramref name="buffer"/>; returns false
        /// (nothing appended) for null.
        /// </summary>
        public bool AppendText(int row, ref Utf8Buffer buffer)
        {
            switch (_kinds[row])
            {
                case CellKind.Null: return false;
                case CellKind.Text: buffer.Append(TextAt(row)); return true;
                case CellKind.Int64:
                    {
                        var span = buffer.Reserve(24);
                        Utf8Formatter.TryFormat(_scalars![row], span, out int n);
                        buffer.Advance(n);
                        return true;
                    }
                case CellKind.Object when _objects![row] is string s:
                    buffer.Append(s);
                    return true;
                default:
                    buffer.Append(CrmValues.ToText(GetValue(row)) ?? "");
                    return true;
            }
        }

        /// <summary>The cell's invariant text, or null.</summary>
        public string? TextOf(int row) => _kinds[row] switch
        {
            CellKind.Null => null,
            CellKind.Text => _lengths[row] == 0 ? string.Empty : Encoding.UTF8.GetString(_text, _offsets[row], _lengths[row]),
            CellKind.Int64 => _scalars![row].ToString(CultureInfo.InvariantCulture),
            _ => CrmValues.ToText(GetValue(row)),
        };

        /// <summary>True when two cells hold the same text (only used for Text cells of key columns).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TextEquals(int row, ReadOnlySpan<byte> other) => _kinds[row] == CellKind.Text && TextAt(row).SequenceEqual(other);
    }

    /// <summary>A growable UTF-8 byte buffer for building keys, fingerprints and ledger blobs without strings.</summary>
    internal struct Utf8Buffer
    {
        private byte[] _bytes;
        private int _length;

        public Utf8Buffer(int capacity)
        {
            _bytes = new byte[Math.Max(16, capacity)];
            _length = 0;
        }

        public int Length => _length;

        public ReadOnlySpan<byte> Written => new ReadOnlySpan<byte>(_bytes, 0, _length);

        public byte[] Array => _bytes;

        public void Clear() => _length = 0;

        public void Truncate(int length) => _length = length;

        public Span<byte> Reserve(int bytes)
        {
            if (_length + bytes > _bytes.Length) System.Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + bytes));
            return _bytes.AsSpan(_length, bytes);
        }

        public void Advance(int bytes) => _length += bytes;

        public void Append(byte b)
        {
            if (_length == _bytes.Length) System.Array.Resize(ref _bytes, _bytes.Length * 2);
            _bytes[_length++] = b;
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Reserve(bytes.Length));
            _length += bytes.Length;
        }

        public void Append(string text)
        {
            var span = Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, span);
        }

        /// <summary>A 7-bit encoded length, as BinaryWriter writes it.</summary>
        public void Append7BitInt(int value)
        {
            uint v = (uint)value;
            while (v >= 0x80)
            {
                Append((byte)(v | 0x80));
                v >>= 7;
            }
            Append((byte)v);
        }

        public void AppendInt64(long value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
            _length += 8;
        }

        /// <summary>A string as BinaryWriter.Write(string) writes it: 7-bit byte count, then UTF-8.</summary>
        public void AppendPrefixed(ReadOnlySpan<byte> utf8)
        {
            Append7BitInt(utf8.Length);
            Append(utf8);
        }

        public void AppendPrefixed(string text)
        {
            Append7BitInt(Encoding.UTF8.GetByteCount(text));
            Append(text);
        }

        public byte[] ToArray() => Written.ToArray();
    }
}
