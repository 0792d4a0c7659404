using System;
using System.IO;

namespace CrmMigration.Engine.Validation
{
    /// <summary>
    /// Entries of one side of a comparison, split into <see cref="Count"/> partitions by key hash. They are held
    /// in memory until the side's buffers pass a budget; then every partition gets a file in a private folder,
    /// the buffers are written out and dropped, and later entries go straight to the files (through each file's
    /// own 64 KB buffer). Comparing two 10-million-row tables so needs one partition in memory at a time, not a
    /// table. Each entry is length-prefixed.
    /// </summary>
    internal sealed class SpillPartitions : IDisposable
    {
        public const int Count = 64;
        private readonly string _folder;
        private readonly string _name;
        private readonly long _budget;
        private readonly byte[]?[] _buffers = new byte[Count][];
        private readonly int[] _lengths = new int[Count];
        private readonly FileStream?[] _files = new FileStream?[Count];
        private long _buffered;

        public SpillPartitions(string folder, string name, long budget)
        {
            _folder = folder;
            _name = name;
            _budget = Math.Max(budget, 1 << 16);
        }

        /// <summary>Entries written.</summary>
        public long Entries { get; private set; }

        /// <summary>Bytes that went to disk.</summary>
        public long SpilledBytes { get; private set; }

        public static int PartitionOf(UInt128 hash) => (int)((ulong)(hash >> 64) % Count);

        public void Add(int partition, ReadOnlySpan<byte> entry)
        {
            Entries++;
            if (_spilled)
            {
                var file = _files[partition]!;
                Span<byte> length = stackalloc byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, entry.Length);
                file.Write(length);
                file.Write(entry);
                SpilledBytes += 4 + entry.Length;
                return;
            }
            int need = _lengths[partition] + 4 + entry.Length;
            var buffer = _buffers[partition];
            if (buffer is null || buffer.Length < need)
            {
                Array.Resize(ref buffer, Math.Max(need, Math.Max(4096, (buffer?.Length ?? 0) * 2)));
                _buffers[partition] = buffer;
            }
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(_lengths[partition], 4), entry.Length);
            entry.CopyTo(buffer.AsSpan(_lengths[partition] + 4));
            _lengths[partition] = need;
            _buffered += 4 + entry.Length;
            if (_buffered > _budget) Spill();
        }

        private bool _spilled;

        private void Spill()
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(_folder);
            else Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            for (int p = 0; p < Count; p++)
            {
                var file = _files[p] = new FileStream(Path.Combine(_folder, _name + "-" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".bin"),
                    FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                if (_lengths[p] > 0) file.Write(_buffers[p]!, 0, _lengths[p]);
                SpilledBytes += _lengths[p];
                _lengths[p] = 0;
                _buffers[p] = null;
            }
            _buffered = 0;
            _spilled = true;
        }

        /// <summary>
        /// All entries of a partition (the partition's file, then what is still buffered) into <paramref name="into"/>,
        /// grown when too small and reused from one partition to the next; returns the bytes read.
        /// </summary>
        public int Read(int partition, ref byte[] into)
        {
            var file = _files[partition];
            int buffered = _lengths[partition];
            file?.Flush();
            long onDisk = file?.Length ?? 0;
            if (onDisk + buffered > int.MaxValue - 64) throw new InvalidOperationException("A validation partition outgrew 2 GB; raise the partition count.");
            int total = (int)(onDisk + buffered);
            if (into.Length < total) into = new byte[Math.Max(total, into.Length * 3 / 2)];
            if (file is not null)
            {
                file.Position = 0;
                file.ReadExactly(into, 0, (int)onDisk);
            }
            if (buffered > 0) Buffer.BlockCopy(_buffers[partition]!, 0, into, (int)onDisk, buffered);
            return total;
        }

        /// <summary>Frees a partition once it was compared.</summary>
        public void Release(int partition)
        {
            _files[partition]?.Dispose();
            _files[partition] = null;
            _buffers[partition] = null;
            _lengths[partition] = 0;
        }

        public void Dispose()
        {
            for (int p = 0; p < Count; p++) Release(p);
        }
    }
}
