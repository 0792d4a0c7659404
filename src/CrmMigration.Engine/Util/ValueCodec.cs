using System;
using System.IO;

namespace CrmMigration.Engine.Util
{
    /// <summary>
    /// Typed values in a compact binary form, read back exactly as they were written (the same CLR type and value): a tag
    /// byte, then the value. What the Excel writer spools, the ledger's before-images and the records a partitioned run
    /// defers are written with this one codec. Holds the portable types (null, string, long, decimal, double, bool,
    /// DateTime with its kind, DateTimeOffset, Guid, byte[]).
    /// </summary>
    public static class ValueCodec
    {
        private enum Tag : byte { Null, String, Long, Decimal, Double, Bool, DateTime, DateTimeOffset, Guid, Bytes }

        /// <summary>Writes one value; throws ArgumentException for a type the codec does not hold.</summary>
        public static void Write(BinaryWriter w, object? v)
        {
            switch (v)
            {
                case null: w.Write((byte)Tag.Null); break;
                case string s: w.Write((byte)Tag.String); w.Write(s); break;
                case long l: w.Write((byte)Tag.Long); w.Write(l); break;
                case decimal m: w.Write((byte)Tag.Decimal); w.Write(m); break;
                case double d: w.Write((byte)Tag.Double); w.Write(d); break;
                case bool b: w.Write((byte)Tag.Bool); w.Write(b); break;
                case DateTime dt: w.Write((byte)Tag.DateTime); w.Write(dt.ToBinary()); break;
                case DateTimeOffset o: w.Write((byte)Tag.DateTimeOffset); w.Write(o.Ticks); w.Write((short)o.Offset.TotalMinutes); break;
                case Guid g: w.Write((byte)Tag.Guid); w.Write(g.ToByteArray()); break;
                case byte[] bytes: w.Write((byte)Tag.Bytes); w.Write(bytes.Length); w.Write(bytes); break;
                case int i: w.Write((byte)Tag.Long); w.Write((long)i); break;
                default: throw new ArgumentException("Only portable values are written: " + v.GetType().Name);
            }
        }

        /// <summary>Writes a string given as its (valid) UTF-8 bytes: what <see cref="Write"/> writes for the string they spell.</summary>
        internal static void WriteUtf8String(BinaryWriter w, ReadOnlySpan<byte> utf8)
        {
            w.Write((byte)Tag.String);
            w.Write7BitEncodedInt(utf8.Length);
            w.Write(utf8);
        }

        /// <summary>Reads one value written by <see cref="Write"/>.</summary>
        public static object? Read(BinaryReader r) => (Tag)r.ReadByte() switch
        {
            Tag.Null => null,
            Tag.String => r.ReadString(),
            Tag.Long => r.ReadInt64(),
            Tag.Decimal => r.ReadDecimal(),
            Tag.Double => r.ReadDouble(),
            Tag.Bool => r.ReadBoolean(),
            Tag.DateTime => DateTime.FromBinary(r.ReadInt64()),
            Tag.DateTimeOffset => new DateTimeOffset(r.ReadInt64(), TimeSpan.FromMinutes(r.ReadInt16())),
            Tag.Guid => new Guid(r.ReadBytes(16)),
            Tag.Bytes => r.ReadBytes(r.ReadInt32()),
            _ => throw new InvalidDataException("A stored value is corrupt (unknown type tag)."),
        };
    }
}
