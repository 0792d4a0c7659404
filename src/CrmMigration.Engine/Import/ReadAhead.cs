using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// One source entity read on a thread of its own, ahead of the thread that maps and writes it: the reader fills batches it
    /// rents from this lane (up to <c>depth</c> filled ones wait in a bounded queue, so memory stays flat), and the consumer takes
    /// them in the reader's order. A batch given to the consumer goes back to the pool when the consumer asks for the next one.
    /// An exception of the reader reaches the consumer where it happened in the stream; disposing the lane cancels the reader
    /// and waits for its thread.
    /// </summary>
    /// <typeparam name="T">What the reader yields (a row batch).</typeparam>
    internal sealed class ReadAheadLane<T> : IDisposable where T : class
    {
        private readonly BlockingCollection<T> _filled;
        private readonly ConcurrentQueue<T> _pool = new();
        private readonly CancellationTokenSource _stop;
        private readonly Thread _thread;
        private readonly Action<T>? _recycle;
        private ExceptionDispatchInfo? _failure;
        private bool _taken;
        private bool _disposed;

        /// <summary>
        /// Starts reading: <paramref name="read"/> is called here and what it gives enumerated on a new thread; it gets a rent function (a pooled item, or null to
        /// make one) and a token that ends when the lane is disposed or <paramref name="cancellation"/> is cancelled;
        /// <paramref name="recycle"/> empties an item the consumer is done with before it goes back to the pool.
        /// </summary>
        public ReadAheadLane(string name, Func<Func<T?>, CancellationToken, IEnumerable<T>> read, int depth, CancellationToken cancellation, Action<T>? recycle = null)
        {
            if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), "A lane holds at least one item ahead.");
            Name = name;
            _filled = new BlockingCollection<T>(new ConcurrentQueue<T>(), depth);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            _recycle = recycle;
            var token = _stop.Token;
            // The read is opened here, on the calling thread (a provider's own state is touched by one thread); only its
            // enumeration runs on the lane's. What opening throws reaches the consumer when it takes the lane.
            IEnumerable<T> items;
            try
            {
                items = read(Rent, token);
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                items = Array.Empty<T>();
            }
            _thread = new Thread(() => Fill(items, token)) { IsBackground = true, Name = "CrmMigration read-ahead: " + name };
            _thread.Start();
        }

        /// <summary>The source entity this lane reads.</summary>
        public string Name { get; }

        /// <summary>Whether the reader's thread still runs (for tests).</summary>
        internal bool Running => _thread.IsAlive;

        private void Fill(IEnumerable<T> items, CancellationToken token)
        {
            try
            {
                foreach (var item in items)
                {
                    _filled.Add(item, token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Disposed or Ctrl+C: the consumer is gone or stops by its own token.
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _filled.CompleteAdding();
            }
        }

        private T? Rent() => _pool.TryDequeue(out var item) ? item : null;

        /// <summary>
        /// The items in the reader's order; each goes back to the pool when the next is asked for, so the consumer must be done
        /// with it by then. Throws the reader's exception after the items it yielded before it. Taken once.
        /// </summary>
        public IEnumerable<T> Take(CancellationToken cancellation)
        {
            if (_taken) throw new InvalidOperationException("A read-ahead lane is taken once.");
            _taken = true;
            return Items(cancellation);
        }

        private IEnumerable<T> Items(CancellationToken cancellation)
        {
            while (true)
            {
                // Ctrl+C ends the wait at once (OperationCanceledException); false: the reader is done.
                if (!_filled.TryTake(out T? item, Timeout.Infinite, cancellation)) break;
                yield return item;
                _recycle?.Invoke(item);
                _pool.Enqueue(item);
            }
            _failure?.Throw();
        }

        /// <summary>Stops the reader (if it still runs) and waits for its thread.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
            // A reader blocked on a full queue wakes by the token; one inside the source's read checks it every so many rows.
            _thread.Join();
            _stop.Dispose();
            _filled.Dispose();
        }
    }

    /// <summary>
    /// Read-ahead lanes of a copy (Copy-CrmData -ThrottleLimit): the source entities in the order they are copied (parents
    /// first), of which up to <see cref="Limit"/> are read at once, each on its own thread, while the calling thread maps and
    /// writes them one after another in that order. Taking an entity's lane starts the lanes of the entities after it, up to
    /// the limit; a lane ends when its entity is done. Everything but the reading (mapping, the import session, the ledger,
    /// the writers, every callback) stays on the calling thread, in the order of a copy without lanes.
    /// </summary>
    /// <typeparam name="T">What the lanes' readers yield.</typeparam>
    internal sealed class ReadAheadLanes<T> : IDisposable where T : class
    {
        private readonly IReadOnlyList<string> _order;
        private readonly Func<string, ReadAheadLane<T>?> _start;
        private readonly Dictionary<string, ReadAheadLane<T>?> _lanes = new(StringComparer.OrdinalIgnoreCase);
        private int _next;

        /// <summary>
        /// Lanes over <paramref name="order"/>; <paramref name="start"/> starts an entity's lane (on the calling thread), or gives
        /// null for an entity that is not read ahead (it does not count against the limit).
        /// </summary>
        public ReadAheadLanes(IReadOnlyList<string> order, int limit, Func<string, ReadAheadLane<T>?> start)
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), "The limit is at least 1.");
            _order = order;
            Limit = limit;
            _start = start;
        }

        /// <summary>How many entities are read at once, at most.</summary>
        public int Limit { get; }

        /// <summary>Lanes started and not yet ended.</summary>
        public int Open
        {
            get
            {
                int n = 0;
                foreach (var lane in _lanes.Values) if (lane is not null) n++;
                return n;
            }
        }

        /// <summary>
        /// The lane of <paramref name="entity"/> (null when it is not read ahead): started now if it was not, with the lanes of the
        /// entities after it up to the limit. The caller disposes it through <see cref="End"/> when the entity is done.
        /// </summary>
        public ReadAheadLane<T>? Take(string entity)
        {
            int at = -1;
            for (int i = 0; i < _order.Count; i++) if (string.Equals(_order[i], entity, StringComparison.OrdinalIgnoreCase)) { at = i; break; }
            if (at < 0) return null;
            if (!_lanes.ContainsKey(entity)) _lanes[entity] = _start(entity);
            // Entities before this one that were never taken (declined, say) are passed over.
            if (_next <= at) _next = at + 1;
            while (_next < _order.Count && Open < Limit)
            {
                string name = _order[_next++];
                if (!_lanes.ContainsKey(name)) _lanes[name] = _start(name);
            }
            return _lanes[entity];
        }

        /// <summary>Ends an entity's lane: its reader is stopped if it still runs, its thread waited for.</summary>
        public void End(string entity)
        {
            if (_lanes.TryGetValue(entity, out var lane) && lane is not null)
            {
                lane.Dispose();
                _lanes[entity] = null;
            }
        }

        /// <summary>Ends every lane (the copy ended, failed or was stopped).</summary>
        public void Dispose()
        {
            foreach (var lane in _lanes.Values) lane?.Dispose();
            _lanes.Clear();
        }
    }
}

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// Records of one source read ahead on a thread of their own (<see cref="ReadAheadLane{T}"/>) in chunks, with the problems the
    /// reader reported between them kept in their place, so the consumer sees records and problems in the reader's order.
    /// </summary>
    internal static class RecordReadAhead
    {
        /// <summary>Records read ahead and the problems between them.</summary>
        internal sealed class Chunk
        {
            public List<CrmRecord> Records { get; } = new();

            /// <summary>Problems, each with the number of the chunk's records read before it; null when none.</summary>
            public List<(int Before, CrmDataError Problem)>? Problems { get; set; }

            public void Clear()
            {
                Records.Clear();
                Problems = null;
            }
        }

        /// <summary>
        /// The records <paramref name="open"/> reads, read on another thread up to <paramref name="depth"/> chunks of
        /// <paramref name="chunk"/> records ahead. <paramref name="open"/> is called on the thread that starts the enumeration, with the error
        /// callback the reader must use and the token that stops it; the problems it reports reach <paramref name="onError"/> on the
        /// thread that enumerates the result, where they fall among the records. The reader's exception comes where it happened; the
        /// reader stops (and its thread is waited for) when the enumeration ends, early or not.
        /// </summary>
        public static IEnumerable<CrmRecord> Read(string name, Func<Action<CrmDataError>, CancellationToken, IEnumerable<CrmRecord>> open,
            Action<CrmDataError> onError, int chunk, int depth, CancellationToken cancellation)
        {
            // Started when the enumeration starts (on the enumerating thread), so the lane ends with it whatever happens.
            using var lane = new ReadAheadLane<Chunk>(name, (rent, token) =>
            {
                var filling = new Chunk[] { rent() ?? new Chunk() };
                var records = open(e =>
                {
                    var c = filling[0];
                    (c.Problems ??= new List<(int, CrmDataError)>()).Add((c.Records.Count, e));
                }, token);
                return Chunks(records, rent, filling, chunk);
            }, depth, cancellation, c => c.Clear());
            foreach (var record in Records(lane, onError, cancellation)) yield return record;
        }

        private static IEnumerable<Chunk> Chunks(IEnumerable<CrmRecord> records, Func<Chunk?> rent, Chunk[] filling, int size)
        {
            var current = filling[0];
            ExceptionDispatchInfo? failure = null;
            using (var e = records.GetEnumerator())
            {
                while (true)
                {
                    // The reader's exception comes after the records read before it (the chunk being filled is given first).
                    try
                    {
                        if (!e.MoveNext()) break;
                    }
                    catch (Exception ex)
                    {
                        failure = ExceptionDispatchInfo.Capture(ex);
                        break;
                    }
                    current.Records.Add(e.Current);
                    if (current.Records.Count < size) continue;
                    yield return current;
                    current = filling[0] = rent() ?? new Chunk();
                }
            }
            if (current.Records.Count > 0 || current.Problems is not null) yield return current;
            failure?.Throw();
        }

        private static IEnumerable<CrmRecord> Records(ReadAheadLane<Chunk> lane, Action<CrmDataError> onError, CancellationToken cancellation)
        {
            foreach (var c in lane.Take(cancellation))
            {
                var problems = c.Problems;
                int next = 0;
                var records = c.Records;
                for (int i = 0; i < records.Count; i++)
                {
                    while (problems is not null && next < problems.Count && problems[next].Before == i) onError(problems[next++].Problem);
                    yield return records[i];
                }
                while (problems is not null && next < problems.Count) onError(problems[next++].Problem);
            }
        }
    }
}
