using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Schema;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Type inference of a big UTF-8 CSV file read in parts at once, one per core (up to four): each part after the first
    /// starts at the line after its share of the bytes and is read to where the next part starts; the first part is read here.
    /// A line start is not always a row start (a quoted value can hold line breaks), so a part counts only when the part
    /// before it reads a row starting exactly where it starts; when the part before it passes over that point instead (the
    /// break was inside a quoted value, or the row there was unreadable), it reads on through that part's share, and the part
    /// it passed is dropped. The parts that count cover every row exactly once, so the types are those of one read from the
    /// start (<see cref="TypeInference.Merge"/>); in the worst case the first part reads the whole file, as one read would.
    /// </summary>
    internal static class PartedInference
    {
        /// <summary>The least bytes a part reads (a smaller file is read in one part): below this a thread does not pay.</summary>
        internal static long MinPartBytes { get; set; } = 8L << 20;

        /// <summary>Parts at most, whatever the cores.</summary>
        private const int MaxParts = 4;

        /// <summary>The cores a file is read with (the machine's; the tests set it, so they hold on any machine).</summary>
        internal static int Cores { get; set; } = Environment.ProcessorCount;

        /// <summary>
        /// The inference of every row of the entity's file read in parts, or null when it is not read in parts (not a
        /// seekable file, too small, one core, filters). Rows of unreadable lines are passed over, as one read passes over them.
        /// </summary>
        public static TypeInference? Infer(CsvProvider csv, string entity, CrmReadOptions readOptions, CancellationToken ct) => Infer(csv, entity, readOptions, ct, out _, out _);

        /// <summary>As <see cref="Infer(CsvProvider, string, CrmReadOptions, CancellationToken)"/>; <paramref name="parts"/>: the parts read, <paramref name="counted"/>: those that counted.</summary>
        internal static TypeInference? Infer(CsvProvider csv, string entity, CrmReadOptions readOptions, CancellationToken ct, out int parts, out int counted)
        {
            parts = counted = 0;
            if (readOptions.Filters is { Count: > 0 }) return null; // a part's boundary row must be a row both reads see
            if (csv.SeekableFile(entity) is not { } path) return null;
            long length = new FileInfo(path).Length;
            int shares = (int)Math.Min(Math.Min(Cores, MaxParts), length / Math.Max(1, MinPartBytes));
            if (shares < 2) return null;
            var starts = LineStarts(path, length, shares);
            if (starts.Count < 2) return null;
            var source = (ICrmBatchSource)csv;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Every read is opened here (the provider's own state is touched by this thread only); the parts after the first are read on threads of their own.
            var reads = new IEnumerable<RowBatch>[starts.Count];
            for (int p = 0; p < starts.Count; p++)
            {
                var at = p == 0 ? null : new SourcePosition(1, starts[p], 1, null, inclusive: true);
                reads[p] = source.ReadBatches(entity, readOptions, new BatchReadOptions { BatchSize = 2048, ResumeAt = at }, _ => { }, stop.Token);
            }
            var results = new (TypeInference Inference, int Next)[starts.Count];
            var tasks = new Task[starts.Count - 1];
            for (int p = 1; p < starts.Count; p++)
            {
                int part = p;
                tasks[p - 1] = Task.Factory.StartNew(() => results[part] = ReadPart(reads[part], starts, part), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            try
            {
                results[0] = ReadPart(reads[0], starts, 0);
            }
            catch
            {
                stop.Cancel();
                try { Task.WaitAll(tasks); } catch (AggregateException) { }
                throw;
            }
            try
            {
                Task.WaitAll(tasks);
            }
            catch (AggregateException)
            {
                ct.ThrowIfCancellationRequested();
            }
            // The parts on the chain from the first: each ends where the next one counted starts. A part's failure matters only
            // when the part counts (one that started inside a quoted value may fail to parse).
            var chain = new List<int> { 0 };
            for (int next = results[0].Next; next < starts.Count; next = results[next].Next)
            {
                if (tasks[next - 1].Exception is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException ?? e).Throw();
                chain.Add(next);
            }
            parts = starts.Count;
            counted = chain.Count;
            var all = results[0].Inference;
            for (int i = 1; i < chain.Count; i++) all.Merge(results[chain[i]].Inference);
            return all;
        }

        /// <summary>
        /// Reads one part: its rows until the first that starts at or past a later part's start. Returns what it saw and the part
        /// that carries on: the one starting exactly where this read stopped, or the number of parts when it read to the end.
        /// </summary>
        private static (TypeInference, int) ReadPart(IEnumerable<RowBatch> read, IReadOnlyList<long> starts, int part)
        {
            var inference = new TypeInference();
            int next = part + 1;
            foreach (var batch in read)
            {
                for (int r = 0; r < batch.Count; r++)
                {
                    long at = batch.OffsetAt(r);
                    while (next < starts.Count && at > starts[next]) next++; // that part started inside a row (or at one this read does not give)
                    if (next < starts.Count && at == starts[next])
                    {
                        inference.Add(batch, r);
                        return (inference, next);
                    }
                }
                inference.Add(batch);
            }
            return (inference, starts.Count);
        }

        /// <summary>The file's first byte (0: the first part starts at the header), then the byte after the first line break past each other part's share.</summary>
        private static List<long> LineStarts(string path, long length, int parts)
        {
            var starts = new List<long> { 0 };
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 12, FileOptions.RandomAccess);
            var buffer = new byte[1 << 12];
            for (int p = 1; p < parts; p++)
            {
                long from = Math.Max(length * p / parts, starts[^1] + 1);
                file.Position = from;
                long start = -1;
                for (int n; start < 0 && (n = file.Read(buffer, 0, buffer.Length)) > 0; from += n)
                {
                    int i = Array.IndexOf(buffer, (byte)'\n', 0, n);
                    if (i >= 0) start = from + i + 1;
                }
                if (start < 0 || start >= length) break;
                starts.Add(start);
            }
            return starts;
        }
    }
}
