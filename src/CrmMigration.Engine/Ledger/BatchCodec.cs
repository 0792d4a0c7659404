using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>One decoded per-record entry of a ledger batch.</summary>
    public readonly struct DecodedEntry
    {
        public DecodedEntry(string sourceEntity, string sourceKey, string? targetKey, CrmOutcome outcome, string? reasonCode, string? message, long? contentHash,
            string? field = null, string? value = null, long? sourceHash = null)
        {
            SourceHash = sourceHash;
            Field = field;
            Value = value;
            ContentHash = contentHash;
            SourceEntity = sourceEntity;
            SourceKey = sourceKey;
            TargetKey = targetKey;
            Outcome = outcome;
            ReasonCode = reasonCode;
            Message = message;
        }

        public string SourceEntity { get; }
        public string SourceKey { get; }
        public string? TargetKey { get; }
        public CrmOutcome Outcome { get; }
        public string? ReasonCode { get; }
        public string? Message { get; }
        public long? ContentHash { get; }
        /// <summary>The field a reject is about, when known.</summary>
        public string? Field { get; }
        /// <summary>Its value as text (capped, secrets redacted), when known.</summary>
        public string? Value { get; }
        /// <summary>The fingerprint of the source record (format 3; incremental runs compare it), when recorded.</summary>
        public long? SourceHash { get; }
    }

    /// <summary>
    /// The ledger keeps each batch's per-record outcomes as one compact blob (a row per batch, not per
    /// record: the ledger sits on every import's hot path). Format, version 1: a byte 1, a 7-bit-encoded
    /// count, then per record: flags (bit 0 target key differs from source key, bit 1 has reason, bit 2
    /// has message, bit 3 source entity differs from the previous record's, bit 4 has a content
    /// fingerprint), outcome byte, then the length-prefixed UTF-8 strings that the flags announce, in the
    /// order source entity, source key, target key, reason, message, and last the 64-bit fingerprint.
    /// Version 2 adds bit 5 (has field) and bit 6 (has value): the field a reject is about and its value as
    /// text (at most <see cref="MaxValueLength"/> characters; a field whose name says it holds a secret keeps
    /// no value), written after the message and before the fingerprint. Version 3 adds bit 7 (has a source fingerprint: the
    /// 64-bit fingerprint of the source record before the mapping, which incremental runs compare), written last. Versions 1
    /// and 2 still decode.
    /// </summary>
    public static partial class BatchCodec
    {
        private const byte Version = 3;

        /// <summary>The longest value text kept for a reject (longer ones are cut with an ellipsis).</summary>
        public const int MaxValueLength = 200;

        public static byte[] Encode(IReadOnlyList<LedgerEntry> entries) => EncodeBuffer.Finish(Write(entries));

        /// <summary>The blob of <see cref="Encode(IReadOnlyList{LedgerEntry})"/> in this thread's encode buffer (valid until the next encode), not copied out.</summary>
        internal static ArraySegment<byte> EncodeInPlace(IReadOnlyList<LedgerEntry> entries) => EncodeBuffer.Written(Write(entries));

        private static MemoryStream Write(IReadOnlyList<LedgerEntry> entries)
        {
            var ms = EncodeBuffer.Take();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Version);
                w.Write7BitEncodedInt(entries.Count);
                string? previousEntity = null;
                // By index: a foreach over the interface copies each (large) entry into a boxed enumerator on the heap.
                for (int i = 0; i < entries.Count; i++)
                {
                    var e = entries[i];
                    var o = e.Outcome;
                    bool keyDiffers = !string.Equals(e.TargetKey, e.SourceKey, StringComparison.Ordinal);
                    bool newEntity = !string.Equals(e.SourceEntity, previousEntity, StringComparison.Ordinal);
                    string? value = o.Field is not null && o.Value is not null ? ValueText(o.Field, o.Value) : null;
                    int flags = (keyDiffers ? 1 : 0) | (o.ReasonCode is not null ? 2 : 0) | (o.Message is not null ? 4 : 0) | (newEntity ? 8 : 0) | (e.ContentHash is not null ? 16 : 0)
                        | (o.Field is not null ? 32 : 0) | (value is not null ? 64 : 0) | (e.SourceHash is not null ? 128 : 0);
                    w.Write((byte)flags);
                    w.Write((byte)o.Outcome);
                    if (newEntity) w.Write(e.SourceEntity);
                    w.Write(e.SourceKey);
                    if (keyDiffers)
                    {
                        w.Write(e.TargetKey is not null);
                        if (e.TargetKey is not null) w.Write(e.TargetKey);
                    }
                    if (o.ReasonCode is not null) w.Write(o.ReasonCode);
                    if (o.Message is not null) w.Write(o.Message);
                    if (o.Field is not null) w.Write(o.Field);
                    if (value is not null) w.Write(value);
                    if (e.ContentHash is long h) w.Write(h);
                    if (e.SourceHash is long sh) w.Write(sh);
                    previousEntity = e.SourceEntity;
                }
            }
            return ms;
        }

        /// <summary>
        /// A reject's value as the ledger keeps it: invariant text, at most <see cref="MaxValueLength"/> characters,
        /// and nothing at all for a field whose name says it holds a secret (password, token, API key...).
        /// </summary>
        public static string? ValueText(string field, object value)
        {
            if (CrmMigration.Engine.Util.SecretNames.LooksSecret(field)) return null;
            string? text = value switch
            {
                byte[] bytes => "(" + bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes)",
                _ => CrmMigration.Engine.Util.CrmValues.ToText(value),
            };
            if (text is null) return null;
            return text.Length <= MaxValueLength ? text : text.Substring(0, char.IsHighSurrogate(text[MaxValueLength - 1]) ? MaxValueLength - 1 : MaxValueLength) + "…";
        }

        public static IEnumerable<DecodedEntry> Decode(byte[] blob)
        {
            using var ms = new MemoryStream(blob, writable: false);
            using var r = new BinaryReader(ms, Encoding.UTF8);
            byte version = r.ReadByte();
            if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unknown ledger batch format {version}.");
            int count = r.Read7BitEncodedInt();
            string entity = "";
            for (int i = 0; i < count; i++)
            {
                int flags = r.ReadByte();
                var outcome = (CrmOutcome)r.ReadByte();
                if ((flags & 8) != 0) entity = r.ReadString();
                string sourceKey = r.ReadString();
                string? targetKey = sourceKey;
                if ((flags & 1) != 0) targetKey = r.ReadBoolean() ? r.ReadString() : null;
                string? reason = (flags & 2) != 0 ? r.ReadString() : null;
                string? message = (flags & 4) != 0 ? r.ReadString() : null;
                string? field = (flags & 32) != 0 ? r.ReadString() : null;
                string? value = (flags & 64) != 0 ? r.ReadString() : null;
                long? hash = (flags & 16) != 0 ? r.ReadInt64() : null;
                long? sourceHash = (flags & 128) != 0 ? r.ReadInt64() : null;
                yield return new DecodedEntry(entity, sourceKey, targetKey, outcome, reason, message, hash, field, value, sourceHash);
            }
        }

        /// <summary>
        /// Reads a batch's entries without making a string: per entry its outcome, the 64-bit hashes of its source and target keys
        /// (<see cref="ContentHash.OfKey"/> of the same text: the hash of the key's UTF-8 bytes, as stored) and its fingerprint.
        /// What the ledger's in-memory indexes are built from; <paramref name="into"/> is emptied first.
        /// </summary>
        internal static void Scan(byte[] blob, List<ScannedEntry> into)
        {
            into.Clear();
            var span = new ReadOnlySpan<byte>(blob);
            int at = 0;
            byte version = span[at++];
            if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unknown ledger batch format {version}.");
            int count = Read7Bit(span, ref at);
            for (int i = 0; i < count; i++)
            {
                int flags = span[at++];
                var outcome = (CrmOutcome)span[at++];
                if ((flags & 8) != 0) Skip(span, ref at);
                long source = HashString(span, ref at);
                long? target = source;
                if ((flags & 1) != 0) target = span[at++] != 0 ? HashString(span, ref at) : null;
                if ((flags & 2) != 0) Skip(span, ref at);
                if ((flags & 4) != 0) Skip(span, ref at);
                if ((flags & 32) != 0) Skip(span, ref at);
                if ((flags & 64) != 0) Skip(span, ref at);
                long? hash = null;
                if ((flags & 16) != 0) { hash = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(span.Slice(at, 8)); at += 8; }
                if ((flags & 128) != 0) at += 8;
                into.Add(new ScannedEntry(outcome, source, target, hash));
            }
        }

        /// <summary>How many entries a batch holds (its header: nothing else is read).</summary>
        internal static int EntryCount(byte[] blob)
        {
            var span = new ReadOnlySpan<byte>(blob);
            int at = 0;
            byte version = span[at++];
            if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unknown ledger batch format {version}.");
            return Read7Bit(span, ref at);
        }

        /// <summary>
        /// The index in a batch of the last entry of <paramref name="sourceEntity"/> (case-insensitive) whose source key hashes
        /// to <paramref name="sourceKeyHash"/> (<see cref="ContentHash.OfKey"/>), or -1: where a resumed run's saved position lies
        /// in what the run recorded. Makes a string only where the source entity changes.
        /// </summary>
        internal static int LastOf(byte[] blob, string sourceEntity, long sourceKeyHash)
        {
            var span = new ReadOnlySpan<byte>(blob);
            int at = 0;
            byte version = span[at++];
            if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unknown ledger batch format {version}.");
            int count = Read7Bit(span, ref at);
            int last = -1;
            bool sameEntity = sourceEntity.Length == 0;
            for (int i = 0; i < count; i++)
            {
                int flags = span[at++];
                at++;
                if ((flags & 8) != 0)
                {
                    int n = Read7Bit(span, ref at);
                    sameEntity = string.Equals(Encoding.UTF8.GetString(span.Slice(at, n)), sourceEntity, StringComparison.OrdinalIgnoreCase);
                    at += n;
                }
                long source = HashString(span, ref at);
                if (sameEntity && source == sourceKeyHash) last = i;
                SkipTail(span, ref at, flags);
            }
            return last;
        }

        /// <summary>Passes over the rest of an entry after its source key: target key, outcome texts, merged-into, hashes.</summary>
        private static void SkipTail(ReadOnlySpan<byte> span, ref int at, int flags)
        {
            if ((flags & 1) != 0 && span[at++] != 0) Skip(span, ref at);
            if ((flags & 2) != 0) Skip(span, ref at);
            if ((flags & 4) != 0) Skip(span, ref at);
            if ((flags & 32) != 0) Skip(span, ref at);
            if ((flags & 64) != 0) Skip(span, ref at);
            if ((flags & 16) != 0) at += 8;
            if ((flags & 128) != 0) at += 8;
        }

        /// <summary>
        /// Adds each entry of a batch to <paramref name="counts"/> at its outcome, reading nothing else (no string, no hash):
        /// what checking a run's books needs.
        /// </summary>
        internal static void CountOutcomes(ReadOnlySpan<byte> span, long[] counts)
        {
            int at = 0;
            byte version = span[at++];
            if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unknown ledger batch format {version}.");
            int count = Read7Bit(span, ref at);
            for (int i = 0; i < count; i++)
            {
                int flags = span[at++];
                counts[span[at++]]++;
                if ((flags & 8) != 0) Skip(span, ref at);
                Skip(span, ref at);
                SkipTail(span, ref at, flags);
            }
        }

        private static int Read7Bit(ReadOnlySpan<byte> span, ref int at)
        {
            int value = 0, shift = 0;
            while (true)
            {
                byte b = span[at++];
                value |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
                shift += 7;
                if (shift > 28) throw new InvalidDataException("A ledger batch is corrupt (a length runs on).");
            }
        }

        private static void Skip(ReadOnlySpan<byte> span, ref int at)
        {
            int n = Read7Bit(span, ref at);
            at += n;
        }

        private static long HashString(ReadOnlySpan<byte> span, ref int at)
        {
            int n = Read7Bit(span, ref at);
            long h = (long)System.IO.Hashing.XxHash3.HashToUInt64(span.Slice(at, n));
            at += n;
            return h;
        }
    }

    /// <summary>One entry of a ledger batch as <see cref="BatchCodec.Scan"/> reads it: outcome, key hashes, fingerprint.</summary>
    internal readonly record struct ScannedEntry(CrmOutcome Outcome, long SourceKeyHash, long? TargetKeyHash, long? ContentHash);
}
