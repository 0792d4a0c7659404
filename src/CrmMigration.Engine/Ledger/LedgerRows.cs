using System;
using System.IO;
using System.Text;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A batch's ledger entries as arrays (the import session's batch lane): per row its outcome, its source and target keys as
    /// UTF-8 in one buffer, its fingerprint, and only for the rare row that has one (a reject, a skip with a reason) the outcome
    /// object with its reason, message, field and value. Recorded without a <see cref="LedgerEntry"/> or a key string per row;
    /// <see cref="BatchCodec.Encode(LedgerRows)"/> writes exactly the bytes <see cref="BatchCodec.Encode(System.Collections.Generic.IReadOnlyList{LedgerEntry})"/>
    /// writes for the same entries.
    /// </summary>
    internal sealed class LedgerRows
    {
        private Utf8Buffer _keys = new(1 << 16);
        private CrmOutcome[] _outcomes = new CrmOutcome[1024];
        private long[] _hashes = new long[1024];
        private int[] _sourceStart = new int[1024], _sourceLength = new int[1024], _targetStart = new int[1024], _targetLength = new int[1024];
        private CrmRecordOutcome?[] _details = new CrmRecordOutcome?[1024];

        /// <summary>The source entity of every entry (a batch of rows comes from one source entity).</summary>
        public string SourceEntity { get; private set; } = "";

        /// <summary>Whether the entries carry fingerprints.</summary>
        public bool HasHashes { get; private set; }

        /// <summary>Entries held.</summary>
        public int Count { get; private set; }

        /// <summary>Empties the entries for a batch of <paramref name="sourceEntity"/>'s rows.</summary>
        public void Reset(string sourceEntity, bool hashes)
        {
            SourceEntity = sourceEntity;
            HasHashes = hashes;
            if (Count > 0) Array.Clear(_details, 0, Count);
            Count = 0;
            _keys.Clear();
        }

        /// <summary>Starts an entry (its keys appended next with <see cref="SourceKey"/>/<see cref="TargetKey"/>): returns its index.</summary>
        public int Add(CrmOutcome outcome, long hash, CrmRecordOutcome? detail)
        {
            int i = Count;
            if (i == _outcomes.Length)
            {
                int size = i * 2;
                Array.Resize(ref _outcomes, size);
                Array.Resize(ref _hashes, size);
                Array.Resize(ref _sourceStart, size);
                Array.Resize(ref _sourceLength, size);
                Array.Resize(ref _targetStart, size);
                Array.Resize(ref _targetLength, size);
                Array.Resize(ref _details, size);
            }
            _outcomes[i] = outcome;
            _hashes[i] = hash;
            _details[i] = detail;
            _sourceLength[i] = 0;
            _targetLength[i] = -1;
            Count = i + 1;
            return i;
        }

        /// <summary>The key buffer: the entry's source key, then its target key, are appended here between the marks.</summary>
        public ref Utf8Buffer Keys => ref _keys;

        /// <summary>Marks the bytes from <paramref name="start"/> to the end of the buffer as the source key of the last entry.</summary>
        public void SourceKey(int start)
        {
            int i = Count - 1;
            _sourceStart[i] = start;
            _sourceLength[i] = _keys.Length - start;
        }

        /// <summary>Marks the bytes from <paramref name="start"/> to the end of the buffer as the target key of the last entry.</summary>
        public void TargetKey(int start)
        {
            int i = Count - 1;
            _targetStart[i] = start;
            _targetLength[i] = _keys.Length - start;
        }

        /// <summary>The last entry's target key is its source key's bytes.</summary>
        public void TargetIsSource()
        {
            int i = Count - 1;
            _targetStart[i] = _sourceStart[i];
            _targetLength[i] = _sourceLength[i];
        }

        public CrmOutcome OutcomeAt(int i) => _outcomes[i];

        public long HashAt(int i) => _hashes[i];

        public CrmRecordOutcome? DetailAt(int i) => _details[i];

        public ReadOnlySpan<byte> SourceKeyAt(int i) => _keys.Written.Slice(_sourceStart[i], _sourceLength[i]);

        public bool HasTargetKey(int i) => _targetLength[i] >= 0;

        public ReadOnlySpan<byte> TargetKeyAt(int i) => _targetLength[i] < 0 ? default : _keys.Written.Slice(_targetStart[i], _targetLength[i]);

        /// <summary>Whether the target key differs from the source key (a null target key differs).</summary>
        public bool KeyDiffers(int i) => _targetLength[i] < 0 || !SourceKeyAt(i).SequenceEqual(TargetKeyAt(i));

        public string SourceKeyText(int i) => Encoding.UTF8.GetString(SourceKeyAt(i));

        public string? TargetKeyText(int i) => _targetLength[i] < 0 ? null : Encoding.UTF8.GetString(TargetKeyAt(i));
    }

    public static partial class BatchCodec
    {
        /// <summary>Encodes a batch of rows' entries: byte for byte what <see cref="Encode(System.Collections.Generic.IReadOnlyList{LedgerEntry})"/> gives the same entries.</summary>
        internal static byte[] Encode(LedgerRows rows) => EncodeBuffer.Finish(Write(rows));

        /// <summary>The blob of <see cref="Encode(LedgerRows)"/> in this thread's encode buffer (valid until the next encode), not copied out.</summary>
        internal static ArraySegment<byte> EncodeInPlace(LedgerRows rows) => EncodeBuffer.Written(Write(rows));

        private static MemoryStream Write(LedgerRows rows)
        {
            var ms = EncodeBuffer.Take();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Version);
                w.Write7BitEncodedInt(rows.Count);
                for (int i = 0; i < rows.Count; i++)
                {
                    var o = rows.DetailAt(i);
                    bool keyDiffers = rows.KeyDiffers(i);
                    bool newEntity = i == 0;
                    string? value = o is { Field: not null, Value: not null } ? ValueText(o.Field, o.Value) : null;
                    int flags = (keyDiffers ? 1 : 0) | (o?.ReasonCode is not null ? 2 : 0) | (o?.Message is not null ? 4 : 0) | (newEntity ? 8 : 0) | (rows.HasHashes ? 16 : 0)
                        | (o?.Field is not null ? 32 : 0) | (value is not null ? 64 : 0);
                    w.Write((byte)flags);
                    w.Write((byte)rows.OutcomeAt(i));
                    if (newEntity) w.Write(rows.SourceEntity);
                    WritePrefixed(w, rows.SourceKeyAt(i));
                    if (keyDiffers)
                    {
                        w.Write(rows.HasTargetKey(i));
                        if (rows.HasTargetKey(i)) WritePrefixed(w, rows.TargetKeyAt(i));
                    }
                    if (o?.ReasonCode is not null) w.Write(o.ReasonCode);
                    if (o?.Message is not null) w.Write(o.Message);
                    if (o?.Field is not null) w.Write(o.Field);
                    if (value is not null) w.Write(value);
                    if (rows.HasHashes) w.Write(rows.HashAt(i));
                }
            }
            return ms;
        }

        /// <summary>UTF-8 bytes as <see cref="BinaryWriter.Write(string)"/> writes the string they spell: 7-bit length, bytes.</summary>
        private static void WritePrefixed(BinaryWriter w, ReadOnlySpan<byte> utf8)
        {
            w.Write7BitEncodedInt(utf8.Length);
            w.Write(utf8);
        }
    }
}
