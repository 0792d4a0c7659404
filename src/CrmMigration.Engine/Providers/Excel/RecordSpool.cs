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
            foreach (var v in values) Util.ValueCodec.Write(w, v);
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
                for (int i = 0; i < n; i++) values[i] = Util.ValueCodec.Read(r);
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
