using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A 64-bit fingerprint of a record's content (field names, types and invariant values, in order),
    /// used to tell unchanged records from changed ones without reading the target. Not a security
    /// hash: the record is serialised into a pooled buffer and hashed once with XxHash3.
    /// </summary>
    public static class ContentHash
    {
        public static long Of(CrmRecord record)
        {
            var names = NamesOf(record.Shape);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(1024);
            int length = 0;
            try
            {
                int count = record.FieldCount;
                for (int i = 0; i < count; i++)
                {
                    // The name's UTF-8 (encoded once per shape), 0x1F, the type, the invariant text, 0x1E: as it always was.
                    int start = i == 0 ? 0 : names.Ends[i - 1];
                    int nameLength = names.Ends[i] - start;
                    Ensure(ref buffer, length + nameLength + 3);
                    Buffer.BlockCopy(names.Bytes, start, buffer, length, nameLength);
                    length += nameLength;
                    object? v = record.GetValue(i);
                    buffer[length++] = 0x1F;
                    buffer[length++] = (byte)(v is null ? 0xFF : (int)CrmValues.TypeOf(v));
                    if (v is string text) Put(ref buffer, ref length, text);
                    else if (v is not null && !TryPutFormatted(ref buffer, ref length, v)) Put(ref buffer, ref length, CrmValues.ToText(v) ?? "");
                    Ensure(ref buffer, length + 1);
                    buffer[length++] = 0x1E;
                }
                return (long)XxHash3.HashToUInt64(buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>A shape's field names as UTF-8, one after another, with where each ends.</summary>
        private sealed class ShapeNames
        {
            public ShapeNames(CrmFieldShape shape)
            {
                Shape = shape;
                Ends = new int[shape.Count];
                var bytes = new List<byte>();
                for (int i = 0; i < shape.Count; i++)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(shape.Names[i]));
                    Ends[i] = bytes.Count;
                }
                Bytes = bytes.ToArray();
            }

            public readonly CrmFieldShape Shape;
            public readonly byte[] Bytes;
            public readonly int[] Ends;
        }

        [ThreadStatic] private static ShapeNames? t_names;

        /// <summary>The names of the last shape fingerprinted on this thread (records of one batch share one), else a new entry.</summary>
        private static ShapeNames NamesOf(CrmFieldShape shape)
        {
            var names = t_names;
            if (names is null || !ReferenceEquals(names.Shape, shape)) t_names = names = new ShapeNames(shape);
            return names;
        }

        /// <summary>A 64-bit hash of a key's text.</summary>
        public static long OfKey(string key)
        {
            int max = Encoding.UTF8.GetMaxByteCount(key.Length);
            if (max <= 512)
            {
                Span<byte> bytes = stackalloc byte[512];
                int n = Encoding.UTF8.GetBytes(key, bytes);
                return (long)XxHash3.HashToUInt64(bytes.Slice(0, n));
            }
            return (long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key));
        }

        /// <summary>
        /// The invariant text <see cref="CrmValues.ToText"/> gives for the common value types, formatted straight into the
        /// buffer as UTF-8 (no string per field): the same bytes, so fingerprints do not change. False for other types.
        /// </summary>
        internal static bool TryPutFormatted(ref byte[] buffer, ref int length, object value)
        {
            const int Room = 64; // longer than any of these types' text in these formats
            Ensure(ref buffer, length + Room);
            var into = buffer.AsSpan(length, Room);
            var culture = CultureInfo.InvariantCulture;
            bool done;
            int n;
            switch (value)
            {
                case long l: done = l.TryFormat(into, out n, default, culture); break;
                case int i: done = i.TryFormat(into, out n, default, culture); break;
                case short h: done = h.TryFormat(into, out n, default, culture); break;
                case decimal m: done = m.TryFormat(into, out n, default, culture); break;
                case double d: done = d.TryFormat(into, out n, "R", culture); break;
                case float f: done = f.TryFormat(into, out n, "R", culture); break;
                case bool b: done = (b ? "true"u8 : "false"u8).TryCopyTo(into); n = b ? 4 : 5; break;
                case DateTime t: done = t.TryFormat(into, out n, CrmRecord.DateFormat(t), culture); break;
                default: return false;
            }
            if (!done) return false;
            length += n;
            return true;
        }

        private static void Put(ref byte[] buffer, ref int length, string text)
        {
            Ensure(ref buffer, length + Encoding.UTF8.GetMaxByteCount(text.Length));
            length += Encoding.UTF8.GetBytes(text, 0, text.Length, buffer, length);
        }

        private static void Ensure(ref byte[] buffer, int needed)
        {
            if (needed <= buffer.Length) return;
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
            Buffer.BlockCopy(buffer, 0, bigger, 0, buffer.Length);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
    }
}
