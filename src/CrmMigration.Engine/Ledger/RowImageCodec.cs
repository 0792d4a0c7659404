using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A batch of before-images as one compact blob (a ledger row per batch, as outcomes are): a byte 1, the column names,
    /// the key's column positions, then per row a flags byte (bit 0 existed, bit 1 has a key), the key text, and the values
    /// (<see cref="ValueCodec"/>): every column for a row that existed or a row without a key, only the key columns for
    /// an inserted row with one (undo deletes it by key).
    /// </summary>
    public static class RowImageCodec
    {
        private const byte Version = 1;

        /// <summary>Encodes a batch of images.</summary>
        public static byte[] Encode(RowImageBatch batch) => EncodeBuffer.Finish(Write(batch));

        /// <summary>The blob of <see cref="Encode"/> in this thread's encode buffer (valid until the next encode), not copied out.</summary>
        internal static ArraySegment<byte> EncodeInPlace(RowImageBatch batch) => EncodeBuffer.Written(Write(batch));

        private static MemoryStream Write(RowImageBatch batch)
        {
            var ms = EncodeBuffer.Take();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Version);
                w.Write7BitEncodedInt(batch.Columns.Count);
                foreach (var c in batch.Columns) w.Write(c);
                w.Write7BitEncodedInt(batch.KeyColumns.Count);
                foreach (int k in batch.KeyColumns) w.Write7BitEncodedInt(k);
                w.Write7BitEncodedInt(batch.Count);
                if (batch.PackedCount > 0)
                {
                    if (batch.Rows.Count > 0) throw new InvalidOperationException("A batch of images holds row objects or packed rows, not both.");
                    var packed = batch.Packed!;
                    w.Write(packed.GetBuffer(), 0, (int)packed.Length);
                }
                foreach (var row in batch.Rows)
                {
                    WriteHead(w, row.Existed, row.Key is not null);
                    WriteBody(w, batch, row);
                }
            }
            return ms;
        }

        /// <summary>A row's head: its flags byte (bit 0 existed, bit 1 has a key). Its key text follows when it has one.</summary>
        internal static void WriteHead(BinaryWriter w, bool existed, bool hasKey) => w.Write((byte)((existed ? 1 : 0) | (hasKey ? 2 : 0)));

        /// <summary>
        /// A row after its head: the key text, then the values: every column for a row that existed or a row without a key, only
        /// the key columns for an inserted row with one (a writer packing such a row writes the same: key text, then those values).
        /// </summary>
        internal static void WriteBody(BinaryWriter w, RowImageBatch batch, RowImage row)
        {
            if (row.Key is not null) w.Write(row.Key);
            if (row.Existed || row.Key is null)
            {
                for (int i = 0; i < batch.Columns.Count; i++) ValueCodec.Write(w, row.Values[i]);
            }
            else
            {
                // By index: a foreach over the interface would allocate an enumerator per row.
                var keyColumns = batch.KeyColumns;
                for (int k = 0; k < keyColumns.Count; k++) ValueCodec.Write(w, row.Values[keyColumns[k]]);
            }
        }

        /// <summary>Decodes a blob of <see cref="Encode"/>.</summary>
        public static RowImageBatch Decode(string entity, byte[] blob)
        {
            using var ms = new MemoryStream(blob, writable: false);
            using var r = new BinaryReader(ms, Encoding.UTF8);
            if (r.ReadByte() != Version) throw new InvalidDataException("Unknown before-image format.");
            var columns = new string[r.Read7BitEncodedInt()];
            for (int i = 0; i < columns.Length; i++) columns[i] = r.ReadString();
            var key = new int[r.Read7BitEncodedInt()];
            for (int i = 0; i < key.Length; i++) key[i] = r.Read7BitEncodedInt();
            var batch = new RowImageBatch(entity, columns, key);
            int rows = r.Read7BitEncodedInt();
            for (int n = 0; n < rows; n++)
            {
                int flags = r.ReadByte();
                string? k = (flags & 2) != 0 ? r.ReadString() : null;
                bool existed = (flags & 1) != 0;
                var values = new object?[columns.Length];
                if (existed || k is null)
                {
                    for (int i = 0; i < columns.Length; i++) values[i] = ValueCodec.Read(r);
                }
                else
                {
                    foreach (int i in key) values[i] = ValueCodec.Read(r);
                }
                batch.Rows.Add(new RowImage(k, existed, values));
            }
            return batch;
        }
    }
}
