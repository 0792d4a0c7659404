using System;
using System.Threading;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>
    /// Copies what a writer commits to its write-ahead log into the database file, on a thread and connection of its own,
    /// while the writer goes on with the next batch. The writer's own connection then never checkpoints (wal_autocheckpoint=0):
    /// its commit only appends the batch's pages to the log, and the copy into the file (reading the log back and writing every
    /// page a second time) takes a core the import does not use. A PASSIVE checkpoint after each commit never waits for a reader
    /// or writer and copies what it can; the log is rewound when a checkpoint has copied all of it, so it stays about one batch
    /// long. SQLite checkpoints under its own lock, so several writers (of partitioned runs) may each run one.
    /// </summary>
    internal sealed class WalCheckpointer : IDisposable
    {
        private readonly Microsoft.Data.Sqlite.SqliteConnection _conn;
        private readonly Thread _thread;
        private readonly AutoResetEvent _committed = new(false);
        private volatile bool _stop;

        public WalCheckpointer(string path)
        {
            _conn = SqliteSql.Open(path, write: true);
            SQLitePCL.raw.sqlite3_busy_timeout(_conn.Handle, 0);
            _thread = new Thread(Run) { IsBackground = true, Name = "CrmMigration WAL checkpoint" };
            _thread.Start();
        }

        /// <summary>A transaction committed: its pages are copied into the file soon.</summary>
        public void Committed() => _committed.Set();

        private void Run()
        {
            var db = _conn.Handle!;
            while (true)
            {
                _committed.WaitOne();
                if (_stop) return;
                // SQLITE_BUSY (another checkpoint runs) or any other failure leaves the pages in the log, where they are safe
                // and read; the writer's end copies what is left (SqliteSql.LeaveWhole).
                SQLitePCL.raw.sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
            }
        }

        public void Dispose()
        {
            _stop = true;
            _committed.Set();
            _thread.Join();
            _conn.Dispose();
            _committed.Dispose();
        }
    }
}
