using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// A map from 64-bit hashes (ledger key hashes, content fingerprints) to 64-bit values whose memory does not grow with its
    /// entries. Up to <see cref="MaxInMemory"/> entries live in a dictionary; past it they go, sorted, to a run file in the
    /// temporary folder (17 bytes an entry: key, value, a removed flag) and the dictionary starts again. A lookup asks the
    /// dictionary, then a Bloom filter of every key set since the first spill (a fixed 16 MB: a key that was never set is
    /// answered from memory almost always), then the runs newest first: a fence table per run (one offset per range of the
    /// key's top bits) gives the few entries to read and binary-search. More than <see cref="MaxRuns"/> runs are merged into
    /// one (newest value wins, removed keys dropped), so a lookup reads at most that many files. Under the cap it is exactly
    /// the dictionary it replaces. Not thread-safe.
    /// </summary>
    public sealed class HashIndex : IDisposable
    {
        /// <summary>Entries held in memory by default: 262,144 (about 8 MB, plus a 16 MB Bloom filter and a 2 MB sort buffer once spilled), or $CRMMIGRATION_INDEX_CAP when set (a test hook: small data crosses a small cap).</summary>
        public static int DefaultMaxInMemory { get; } = ReadCap(Environment.GetEnvironmentVariable("CRMMIGRATION_INDEX_CAP"));

        /// <summary>True when $CRMMIGRATION_INDEX_CAP sets <see cref="DefaultMaxInMemory"/> (tests): every index then keeps to it.</summary>
        public static bool CapFromEnvironment { get; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CRMMIGRATION_INDEX_CAP"));

        /// <summary>
        /// Entries an index built whole from the ledger may hold in memory when its size is known before it is filled: 1,048,576
        /// (a dictionary sized once, about 28 bytes an entry: 30 MB). Under it nothing is sorted, written or merged; past it the
        /// index spills at <see cref="DefaultMaxInMemory"/> as any other, so memory stays flat at 10M records.
        /// </summary>
        public const int KnownSizeInMemory = 1 << 20;

        /// <summary>Runs on disk at most before they are merged into one.</summary>
        public const int MaxRuns = 8;

        private const int EntrySize = 17;
        private const int ChunkEntries = 4096;

        private readonly Dictionary<long, long> _recent;
        /// <summary>Keys removed while runs may still hold them (tombstones until the next merge of every run).</summary>
        private readonly HashSet<long> _removed = new();
        private readonly List<Run> _runs = new();
        private ulong[]? _bloom;
        private int _bloomShift;
        private ulong[]? _sort;
        private byte[]? _chunk;
        private long _count;
        private bool _countKnown = true;
        private bool _disposed;

        /// <summary>A new, empty index holding at most <paramref name="maxInMemory"/> entries in memory (null: <see cref="DefaultMaxInMemory"/>).</summary>
        public HashIndex(int? maxInMemory = null)
            : this(maxInMemory ?? DefaultMaxInMemory, 0)
        {
        }

        private HashIndex(int maxInMemory, int capacity)
        {
            if (maxInMemory < 1) throw new ArgumentOutOfRangeException(nameof(maxInMemory), "An index holds at least one entry in memory.");
            MaxInMemory = maxInMemory;
            _recent = capacity > 0 ? new Dictionary<long, long>(capacity) : new Dictionary<long, long>();
        }

        /// <summary>
        /// A new, empty index for at most <paramref name="expected"/> keys (an upper bound known before it is filled: the entries
        /// the ledger recorded). When they fit in <see cref="KnownSizeInMemory"/> and the cap is the default (not lowered by the
        /// caller or $CRMMIGRATION_INDEX_CAP), it is one dictionary sized once that never spills; otherwise it is
        /// <c>new HashIndex(maxInMemory)</c>.
        /// </summary>
        public static HashIndex ForAtMost(long expected, int? maxInMemory = null)
        {
            int cap = maxInMemory ?? DefaultMaxInMemory;
            bool lowered = CapFromEnvironment || cap != DefaultMaxInMemory;
            if (lowered || expected <= cap || expected > KnownSizeInMemory) return new HashIndex(cap);
            // One more than the bound: Set spills when the dictionary reaches the cap, which it then never does.
            return new HashIndex((int)expected + 1, (int)expected);
        }

        /// <summary>Entries held in memory at most; past it they go to run files.</summary>
        public int MaxInMemory { get; }

        /// <summary>How many run files the index has now (0 while everything fits in memory).</summary>
        public int Runs => _runs.Count;

        /// <summary>True once any entry went to disk.</summary>
        public bool Spilled { get; private set; }

        /// <summary>How many keys the index holds. Once spilled, the first call after a change merges the runs to count them exactly.</summary>
        public long Count
        {
            get
            {
                if (_runs.Count == 0) return _recent.Count;
                if (!_countKnown) Compact();
                return _count;
            }
        }

        /// <summary>The value of <paramref name="key"/>, if the index holds it.</summary>
        public bool TryGetValue(long key, out long value)
        {
            if (_recent.TryGetValue(key, out value)) return true;
            value = 0;
            if (_runs.Count == 0 || _removed.Contains(key) || !MayContain(key)) return false;
            for (int r = _runs.Count - 1; r >= 0; r--)
            {
                if (_runs[r].Find(key, ref _chunk, out value, out bool removed)) return !removed;
            }
            value = 0;
            return false;
        }

        /// <summary>True when the index holds <paramref name="key"/>.</summary>
        public bool ContainsKey(long key) => TryGetValue(key, out _);

        /// <summary>Sets the value of <paramref name="key"/> (a later set wins, as in a dictionary).</summary>
        public void Set(long key, long value)
        {
            if (_runs.Count > 0)
            {
                _removed.Remove(key);
                AddToBloom(key);
                _countKnown = false;
            }
            _recent[key] = value;
            if (_recent.Count + _removed.Count >= MaxInMemory) Spill();
        }

        /// <summary>Adds one to the value of <paramref name="key"/> (0 when absent) and returns the new value.</summary>
        public long Increment(long key)
        {
            if (_runs.Count == 0)
            {
                ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_recent, key, out _);
                long n = ++slot;
                if (_recent.Count >= MaxInMemory) Spill();
                return n;
            }
            TryGetValue(key, out long previous);
            Set(key, previous + 1);
            return previous + 1;
        }

        /// <summary>Removes <paramref name="key"/> (nothing happens when the index does not hold it).</summary>
        public void Remove(long key)
        {
            _recent.Remove(key);
            if (_runs.Count == 0) return;
            _removed.Add(key);
            _countKnown = false;
            if (_recent.Count + _removed.Count >= MaxInMemory) Spill();
        }

        /// <summary>Writes what memory holds to a run and merges every run into one (exact count, no removed keys left); nothing to do while nothing spilled.</summary>
        public void Compact()
        {
            if (_runs.Count == 0) return;
            if (_recent.Count + _removed.Count > 0) WriteRun();
            if (_runs.Count > 1 || !_countKnown) MergeRuns();
        }

        private void Spill()
        {
            if (_bloom is null)
            {
                // 16 MB (a small filter under a test's small cap): false positives stay under 1% to about 10M keys; past that a
                // lookup of a key never set reads the runs more often, still exactly.
                int words = MaxInMemory >= 65_536 ? 1 << 21 : 1 << 12;
                _bloom = new ulong[words];
                _bloomShift = 64 - System.Numerics.BitOperations.Log2((uint)words);
                foreach (long key in _recent.Keys) AddToBloom(key);
            }
            Spilled = true;
            WriteRun();
            if (_runs.Count > MaxRuns) MergeRuns();
        }

        private static ulong Mix(long key) => unchecked((ulong)key * 0x9E3779B97F4A7C15UL);

        private void AddToBloom(long key)
        {
            if (_bloom is null) return;
            ulong x = Mix(key);
            _bloom[(int)(x >> _bloomShift)] |= (1UL << (int)(x & 63)) | (1UL << (int)((x >> 6) & 63)) | (1UL << (int)((x >> 12) & 63));
        }

        private bool MayContain(long key)
        {
            if (_bloom is null) return true;
            ulong x = Mix(key);
            ulong bits = (1UL << (int)(x & 63)) | (1UL << (int)((x >> 6) & 63)) | (1UL << (int)((x >> 12) & 63));
            return (_bloom[(int)(x >> _bloomShift)] & bits) == bits;
        }

        /// <summary>Memory (entries and removed keys) to a new run, sorted by key; memory is emptied (its capacity kept).</summary>
        private void WriteRun()
        {
            int n = _recent.Count + _removed.Count;
            if (_sort is null || _sort.Length < n) _sort = new ulong[Math.Max(n, MaxInMemory)];
            int i = 0;
            foreach (long key in _recent.Keys) _sort[i++] = unchecked((ulong)key);
            foreach (long key in _removed) _sort[i++] = unchecked((ulong)key);
            Array.Sort(_sort, 0, n);
            using (var writer = new RunWriter(n))
            {
                for (int j = 0; j < n; j++)
                {
                    long key = unchecked((long)_sort[j]);
                    if (_recent.TryGetValue(key, out long value)) writer.Add(key, value, removed: false);
                    else writer.Add(key, 0, removed: true);
                }
                _runs.Add(writer.Finish());
            }
            // The first run without removed keys holds each key once: its count is exact; later runs may repeat older keys.
            if (_runs.Count == 1 && _removed.Count == 0) _count = n;
            else _countKnown = false;
            _recent.Clear();
            _removed.Clear();
        }

        /// <summary>Every run into one: the newest entry of each key wins; removed keys are dropped (no older run is left to hide).</summary>
        private void MergeRuns()
        {
            long total = 0;
            foreach (var run in _runs) total += run.Count;
            var cursors = new RunCursor[_runs.Count];
            for (int r = 0; r < cursors.Length; r++) cursors[r] = new RunCursor(_runs[r]);
            Run merged;
            long count = 0;
            using (var writer = new RunWriter(total))
            {
                while (true)
                {
                    // The smallest key among the cursors; of the runs holding it the newest (highest index) decides.
                    int newest = -1;
                    ulong min = 0;
                    for (int r = 0; r < cursors.Length; r++)
                    {
                        if (!cursors[r].HasCurrent) continue;
                        ulong k = unchecked((ulong)cursors[r].Key);
                        if (newest < 0 || k < min || k == min) { min = k; newest = r; }
                    }
                    if (newest < 0) break;
                    var c = cursors[newest];
                    if (!c.Removed)
                    {
                        writer.Add(c.Key, c.Value, removed: false);
                        count++;
                    }
                    for (int r = 0; r < cursors.Length; r++)
                    {
                        if (cursors[r].HasCurrent && unchecked((ulong)cursors[r].Key) == min) cursors[r].Next();
                    }
                }
                merged = writer.Finish();
            }
            foreach (var run in _runs) run.Dispose();
            _runs.Clear();
            _runs.Add(merged);
            _count = count;
            _countKnown = _recent.Count == 0 && _removed.Count == 0;
        }

        /// <summary>Deletes the run files.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var run in _runs) run.Dispose();
            _runs.Clear();
            _recent.Clear();
            _removed.Clear();
            _bloom = null;
            _sort = null;
        }

        private static int ReadCap(string? text)
        {
            if (!string.IsNullOrEmpty(text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int cap) && cap > 0) return cap;
            return 1 << 18;
        }

        private static int FenceBits(long count)
        {
            // About 16 entries between fences (one small read per lookup), at most 65,536 fences (512 KB) per run.
            int bits = 0;
            while (bits < 16 && (count >> (bits + 4)) > 1) bits++;
            return bits;
        }

        /// <summary>One sorted run file and its fence table (entry index of the first key of each range of top bits).</summary>
        private sealed class Run : IDisposable
        {
            public Run(SafeFileHandle handle, long count, int bits, long[] fence)
            {
                Handle = handle;
                Count = count;
                Bits = bits;
                Fence = fence;
            }

            public SafeFileHandle Handle { get; }
            public long Count { get; }
            public int Bits { get; }
            public long[] Fence { get; }

            public bool Find(long key, ref byte[]? chunk, out long value, out bool removed)
            {
                value = 0;
                removed = false;
                ulong k = unchecked((ulong)key);
                int p = Bits == 0 ? 0 : (int)(k >> (64 - Bits));
                long lo = Fence[p], hi = Fence[p + 1];
                chunk ??= new byte[ChunkEntries * EntrySize];
                while (lo < hi)
                {
                    int n = (int)Math.Min(hi - lo, ChunkEntries);
                    var span = chunk.AsSpan(0, n * EntrySize);
                    ReadExactly(Handle, span, lo * EntrySize);
                    if (k < KeyAt(span, 0)) return false;
                    if (k > KeyAt(span, n - 1)) { lo += n; continue; }
                    int a = 0, b = n - 1;
                    while (a <= b)
                    {
                        int m = (a + b) >> 1;
                        ulong at = KeyAt(span, m);
                        if (at == k)
                        {
                            value = BinaryPrimitives.ReadInt64LittleEndian(span.Slice(m * EntrySize + 8, 8));
                            removed = span[m * EntrySize + 16] != 0;
                            return true;
                        }
                        if (at < k) a = m + 1; else b = m - 1;
                    }
                    return false;
                }
                return false;
            }

            private static ulong KeyAt(ReadOnlySpan<byte> span, int i) => BinaryPrimitives.ReadUInt64LittleEndian(span.Slice(i * EntrySize, 8));

            public void Dispose() => Handle.Dispose();
        }

        private static void ReadExactly(SafeFileHandle handle, Span<byte> span, long offset)
        {
            while (span.Length > 0)
            {
                int read = RandomAccess.Read(handle, span, offset);
                if (read <= 0) throw new IOException("A temporary index file ended early.");
                span = span.Slice(read);
                offset += read;
            }
        }

        /// <summary>Writes sorted entries to a new temporary file (deleted when closed), building the fence table as it goes.</summary>
        private sealed class RunWriter : IDisposable
        {
            private readonly SafeFileHandle _handle;
            private readonly byte[] _buffer = new byte[ChunkEntries * EntrySize];
            private readonly int _bits;
            private readonly long[] _fence;
            private int _nextFence;
            private int _used;
            private long _written;
            private long _count;
            private bool _done;

            public RunWriter(long upperBound)
            {
                string path = Path.Combine(Path.GetTempPath(), ".crm-index-" + Guid.NewGuid().ToString("N") + ".tmp");
                _handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
                // Unlinked at once where the system allows it (the open handle keeps the data): a process killed mid-run leaves no file behind.
                if (!OperatingSystem.IsWindows()) File.Delete(path);
                _bits = FenceBits(upperBound);
                _fence = new long[(1 << _bits) + 1];
            }

            public void Add(long key, long value, bool removed)
            {
                ulong k = unchecked((ulong)key);
                int p = _bits == 0 ? 0 : (int)(k >> (64 - _bits));
                while (_nextFence <= p) _fence[_nextFence++] = _count;
                var span = _buffer.AsSpan(_used, EntrySize);
                BinaryPrimitives.WriteUInt64LittleEndian(span, k);
                BinaryPrimitives.WriteInt64LittleEndian(span.Slice(8), value);
                span[16] = removed ? (byte)1 : (byte)0;
                _used += EntrySize;
                _count++;
                if (_used == _buffer.Length) FlushBuffer();
            }

            private void FlushBuffer()
            {
                if (_used == 0) return;
                RandomAccess.Write(_handle, _buffer.AsSpan(0, _used), _written);
                _written += _used;
                _used = 0;
            }

            public Run Finish()
            {
                FlushBuffer();
                while (_nextFence < _fence.Length) _fence[_nextFence++] = _count;
                _done = true;
                return new Run(_handle, _count, _bits, _fence);
            }

            public void Dispose()
            {
                if (!_done) _handle.Dispose();
            }
        }

        /// <summary>Reads a run front to back through a buffer.</summary>
        private sealed class RunCursor
        {
            private readonly Run _run;
            private readonly byte[] _buffer = new byte[ChunkEntries * EntrySize];
            private long _next;
            private int _at;
            private int _have;

            public RunCursor(Run run)
            {
                _run = run;
                Next();
            }

            public bool HasCurrent { get; private set; }
            public long Key { get; private set; }
            public long Value { get; private set; }
            public bool Removed { get; private set; }

            public void Next()
            {
                if (_at >= _have)
                {
                    long left = _run.Count - _next;
                    if (left <= 0) { HasCurrent = false; return; }
                    _have = (int)Math.Min(left, ChunkEntries);
                    ReadExactly(_run.Handle, _buffer.AsSpan(0, _have * EntrySize), _next * EntrySize);
                    _next += _have;
                    _at = 0;
                }
                var span = _buffer.AsSpan(_at * EntrySize, EntrySize);
                Key = BinaryPrimitives.ReadInt64LittleEndian(span);
                Value = BinaryPrimitives.ReadInt64LittleEndian(span.Slice(8));
                Removed = span[16] != 0;
                HasCurrent = true;
                _at++;
            }
        }
    }
}
