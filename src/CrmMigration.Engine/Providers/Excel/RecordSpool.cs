using System;
using System.Collections.Generic;
using System.IO;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// A temp file of typed values, one row after another. The Excel writer receives batches (push) but a
    /// workbook is written whole at Complete, pulling rows from an IEnumerable, so rows are spooled here and
    /// read back lazily on Complete: memory stays flat whatever the row count.
    /// </summary>
    internal sealed class RecordSpool : IDisposable
    {
        private enum Tag : byte { Null, String, Long, Decimal, Double, Bool, DateTime, DateTimeOffset, Guid, Bytes }

        private readonly string _path;
        private FileStream? _stream;
        private BinaryWriter? _writer;

        public RecordSpool(string folder)
        {
            _path = Path.Combine(folder, ".crm-spool-" + Guid.NewGuid().ToString("N") + ".tmp");
            _stream = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            _writer = new BinaryWriter(_stream, System.Text.Encoding.UTF8, leaveOpen: true);
        }

        public long Rows { get; private set; }

        public void Add(object?[] values)
        {
            var w = _writer ?? throw new ObjectDisposedException(nameof(RecordSpool));
            w.Write(values.Length);
            foreach (var v in values)
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
                    default: throw new ArgumentException("The spool holds normalised values only: " + v.GetType().Name);
                }
            }
            Rows++;
        }

        /// <summary>Reads the rows back, once, from the start.</summary>
        public IEnumerable<object?[]> ReadBack()
        {
            var w = _writer ?? throw new ObjectDisposedException(nameof(RecordSpool));
            w.Flush();
            var s = _stream!;
            s.Position = 0;
            using var r = new BinaryReader(s, System.Text.Encoding.UTF8, leaveOpen: true);
            for (long row = 0; row < Rows; row++)
            {
                int n = r.ReadInt32();
                var values = new object?[n];
                for (int i = 0; i < n; i++)
                {
                    values[i] = (Tag)r.ReadByte() switch
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
                        _ => throw new InvalidDataException("The spool file is corrupt."),
                    };
                }
                yield return values;
            }
        }

        public void Dispose()
        {
            _writer?.Dispose();
            _writer = null;
            _stream?.Dispose(); // DeleteOnClose removes the file
            _stream = null;
            try { if (File.Exists(_path)) File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
