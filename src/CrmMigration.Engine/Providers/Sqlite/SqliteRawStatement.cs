using System;
using SQLitePCL;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>
    /// A prepared statement on the native handle, bound by position. The writer's hot loop uses
    /// it instead of SqliteCommand to avoid per-execution parameter lookups and reader objects;
    /// constraint failures come back as result codes, not exceptions.
    /// </summary>
    internal sealed class SqliteRawStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private sqlite3_stmt? _stmt;

        public SqliteRawStatement(sqlite3 db, string sql)
        {
            _db = db;
            int rc = raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt stmt);
            if (rc != SqliteSql.SqliteOk)
            {
                string message = raw.sqlite3_errmsg(db).utf8_to_string();
                stmt?.Dispose();
                throw new CrmException("SqliteStatementFailed", CrmErrorKind.WriteError, "SQLite could not prepare a statement: " + message);
            }
            _stmt = stmt;
        }

        private sqlite3_stmt Stmt => _stmt ?? throw new ObjectDisposedException(nameof(SqliteRawStatement));

        /// <summary>Binds a storage value (null, string, long, double or byte[]) at a 1-based position.</summary>
        public void Bind(int index, object? value)
        {
            var stmt = Stmt;
            int rc;
            switch (value)
            {
                case null:
                    rc = raw.sqlite3_bind_null(stmt, index);
                    break;
                case string s:
                    // An empty span would be bound as NULL, so empty text goes through the UTF-8 overload.
                    rc = s.Length == 0 ? raw.sqlite3_bind_text(stmt, index, "") : BindText(stmt, index, s);
                    break;
                case long l:
                    rc = raw.sqlite3_bind_int64(stmt, index, l);
                    break;
                case double d:
                    rc = raw.sqlite3_bind_double(stmt, index, d);
                    break;
                case byte[] b:
                    rc = b.Length == 0 ? raw.sqlite3_bind_zeroblob(stmt, index, 0) : raw.sqlite3_bind_blob(stmt, index, b);
                    break;
                default:
                    throw new InvalidCastException("Cannot bind a value of type " + value.GetType().Name + ".");
            }
            if (rc != SqliteSql.SqliteOk) throw Failure(rc);
        }

        /// <summary>Binds valid UTF-8 text as it is (the bytes SQLite stores for the string they spell).</summary>
        public void BindUtf8(int index, ReadOnlySpan<byte> utf8)
        {
            var stmt = Stmt;
            // An empty span would be bound as NULL, so empty text goes through the string overload.
            int rc = utf8.Length == 0 ? raw.sqlite3_bind_text(stmt, index, "") : raw.sqlite3_bind_text(stmt, index, utf8);
            if (rc != SqliteSql.SqliteOk) throw Failure(rc);
        }

        /// <summary>Binds an integer.</summary>
        public void BindInt64(int index, long value)
        {
            int rc = raw.sqlite3_bind_int64(Stmt, index, value);
            if (rc != SqliteSql.SqliteOk) throw Failure(rc);
        }

        /// <summary>
        /// Binds text as UTF-8, the database's encoding, transcoded here (vectorised) into a buffer the statement keeps, rather
        /// than as UTF-16 that SQLite would translate on every step. Text that is not valid UTF-16 (a lone surrogate) is
        /// bound as UTF-16 as before, so SQLite stores exactly what it stored before.
        /// </summary>
        private int BindText(sqlite3_stmt stmt, int index, string s)
        {
            int max = s.Length * 3;
            if (_utf8.Length < max) _utf8 = new byte[Math.Max(max, 256)];
            var status = System.Text.Unicode.Utf8.FromUtf16(s, _utf8, out _, out int written, replaceInvalidSequences: false);
            return status == System.Buffers.OperationStatus.Done
                ? raw.sqlite3_bind_text(stmt, index, new ReadOnlySpan<byte>(_utf8, 0, written))
                : raw.sqlite3_bind_text16(stmt, index, s);
        }

        private byte[] _utf8 = Array.Empty<byte>();

        /// <summary>Steps once; returns the result code (SQLITE_ROW, SQLITE_DONE or an error).</summary>
        public int Step() => raw.sqlite3_step(Stmt);

        /// <summary>Resets for the next execution (bindings are kept).</summary>
        public void Reset() => raw.sqlite3_reset(Stmt);

        /// <summary>The extended error code of the last failure on the connection.</summary>
        public int ExtendedErrorCode => raw.sqlite3_extended_errcode(_db);

        /// <summary>The message of the last failure on the connection.</summary>
        public string ErrorMessage => raw.sqlite3_errmsg(_db).utf8_to_string();

        /// <summary>Reads a result column as its storage value: null, long, double, string or byte[].</summary>
        public object? Column(int index)
        {
            var stmt = Stmt;
            switch (raw.sqlite3_column_type(stmt, index))
            {
                case raw.SQLITE_INTEGER: return raw.sqlite3_column_int64(stmt, index);
                case raw.SQLITE_FLOAT: return raw.sqlite3_column_double(stmt, index);
                case raw.SQLITE_TEXT: return raw.sqlite3_column_text(stmt, index).utf8_to_string() ?? "";
                case raw.SQLITE_BLOB: return raw.sqlite3_column_blob(stmt, index).ToArray();
                default: return null;
            }
        }

        /// <summary>Runs a statement that returns no rows and throws on failure.</summary>
        public void Run()
        {
            int rc = Step();
            Reset();
            if (rc != SqliteSql.SqliteDone && rc != SqliteSql.SqliteRow) throw Failure(rc);
        }

        /// <summary>The exception for a failed step; a busy or locked database is a ConnectionError, which the import retries.</summary>
        public CrmException Failure(int rc)
        {
            bool busy = (rc & 0xFF) is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED
            return new CrmException(busy ? "SqliteBusy" : "SqliteWriteFailed", busy ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                "SQLite error " + rc.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + ErrorMessage);
        }

        public void Dispose()
        {
            _stmt?.Dispose();
            _stmt = null;
        }
    }
}
