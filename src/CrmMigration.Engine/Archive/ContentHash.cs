using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Archive
{
    /// <summary>
    /// The order-independent content hash of an entity, as written to crm-manifest.json and recomputed by
    /// Test-CrmArchive and the Verify stage.
    /// </summary>
    /// <remarks>
    /// Canonical encoding of one record: its fields sorted by name (ordinal comparison of the names
    /// lower-cased with the invariant culture); for each field, the 4-byte big-endian length of the
    /// lower-cased name's UTF-8 bytes, those bytes, then 0x00 when the value is null, or 0x01, the 4-byte
    /// big-endian length of the value's invariant text in UTF-8, and those bytes. The invariant text is
    /// what the CSV holds: numbers with '.', dates yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss.fffffff, booleans
    /// true/false, GUIDs 8-4-4-4-12 lower case, bytes as base64.
    /// Record hash: SHA-256 of the encoding. Entity hash: the sum of all record hashes, each read as a
    /// 256-bit big-endian unsigned integer, modulo 2^256, written as 64 lowercase hex digits. A sum is
    /// independent of row order, needs constant memory, and (unlike XOR) two identical records do not
    /// cancel out. The record count is recorded beside it.
    /// </remarks>
    public sealed class ContentHash
    {
        // Four 64-bit limbs, most significant first.
        private ulong _a, _b, _c, _d;
        private byte[] _buffer = new byte[1024];
        private readonly byte[] _digest = new byte[32];
        private string[]? _order;
        private CrmFieldShape? _orderShape;
        private byte[][]? _names;

        /// <summary>Records added.</summary>
        public long Count { get; private set; }

        /// <summary>Adds one record.</summary>
        public void Add(CrmRecord record)
        {
            if (!ReferenceEquals(record.Shape, _orderShape)) Prepare(record.Shape);
            int length = 0;
            var order = _order!;
            var names = _names!;
            for (int k = 0; k < order.Length; k++)
            {
                byte[] name = names[k];
                Ensure(length + 9 + name.Length);
                BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(length), name.Length);
                length += 4;
                name.CopyTo(_buffer, length);
                length += name.Length;
                string? text = CrmValues.ToText(record[order[k]]);
                if (text is null)
                {
                    _buffer[length++] = 0;
                    continue;
                }
                int max = Encoding.UTF8.GetMaxByteCount(text.Length);
                Ensure(length + 5 + max);
                _buffer[length++] = 1;
                int n = Encoding.UTF8.GetBytes(text, 0, text.Length, _buffer, length + 4);
                BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(length), n);
                length += 4 + n;
            }
            SHA256.HashData(_buffer.AsSpan(0, length), _digest);
            AddDigest(_digest);
            Count++;
        }

        /// <summary>Adds a record digest (32 bytes) to the sum.</summary>
        public void AddDigest(ReadOnlySpan<byte> digest)
        {
            ulong d = BinaryPrimitives.ReadUInt64BigEndian(digest.Slice(24));
            ulong c = BinaryPrimitives.ReadUInt64BigEndian(digest.Slice(16));
            ulong b = BinaryPrimitives.ReadUInt64BigEndian(digest.Slice(8));
            ulong a = BinaryPrimitives.ReadUInt64BigEndian(digest);
            ulong carry;
            _d = Add(_d, d, 0, out carry);
            _c = Add(_c, c, carry, out carry);
            _b = Add(_b, b, carry, out carry);
            _a = Add(_a, a, carry, out _);
        }

        private static ulong Add(ulong x, ulong y, ulong carryIn, out ulong carryOut)
        {
            ulong s = x + y;
            ulong c1 = s < x ? 1UL : 0UL;
            ulong s2 = s + carryIn;
            ulong c2 = s2 < s ? 1UL : 0UL;
            carryOut = c1 + c2;
            return s2;
        }

        /// <summary>The hash: 64 lowercase hex digits.</summary>
        public string Value
        {
            get
            {
                Span<byte> bytes = stackalloc byte[32];
                BinaryPrimitives.WriteUInt64BigEndian(bytes, _a);
                BinaryPrimitives.WriteUInt64BigEndian(bytes.Slice(8), _b);
                BinaryPrimitives.WriteUInt64BigEndian(bytes.Slice(16), _c);
                BinaryPrimitives.WriteUInt64BigEndian(bytes.Slice(24), _d);
                return Convert.ToHexString(bytes).ToLowerInvariant();
            }
        }

        private void Prepare(CrmFieldShape shape)
        {
            var list = new List<string>(shape.Names);
            list.Sort((x, y) => string.CompareOrdinal(x.ToLowerInvariant(), y.ToLowerInvariant()));
            _order = list.ToArray();
            _names = new byte[_order.Length][];
            for (int i = 0; i < _order.Length; i++) _names[i] = Encoding.UTF8.GetBytes(_order[i].ToLowerInvariant());
            _orderShape = shape;
        }

        private void Ensure(int size)
        {
            if (_buffer.Length < size) Array.Resize(ref _buffer, Math.Max(size, _buffer.Length * 2));
        }
    }
}
