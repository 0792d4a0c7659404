using System;
using System.Buffers;
using System.IO.Hashing;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A 128-bit fingerprint of a record's content (field names, types and invariant values, in order),
    /// used to tell unchanged records from changed ones without reading the target. Not a security hash.
    /// </summary>
    public static class ContentHash
    {
        public static byte[] Of(CrmRecord record)
        {
            var hash = new XxHash128();
            byte[] buffer = ArrayPool<byte>.Shared.Rent(512);
            Span<byte> tag = stackalloc byte[2];
            ReadOnlySpan<byte> end = stackalloc byte[] { 0x1E };
            try
            {
                for (int i = 0; i < record.FieldCount; i++)
                {
                    Append(hash, ref buffer, record.FieldNames[i]);
                    object? v = record.GetValue(i);
                    tag[0] = 0x1F;
                    tag[1] = (byte)(v is null ? 0xFF : (int)CrmValues.TypeOf(v));
                    hash.Append(tag);
                    if (v is not null) Append(hash, ref buffer, CrmValues.ToText(v) ?? "");
                    hash.Append(end);
                }
                return hash.GetCurrentHash();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private static void Append(XxHash128 hash, ref byte[] buffer, string text)
        {
            int max = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (max > buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(max);
            }
            int n = Encoding.UTF8.GetBytes(text, buffer);
            hash.Append(buffer.AsSpan(0, n));
        }
    }
}
