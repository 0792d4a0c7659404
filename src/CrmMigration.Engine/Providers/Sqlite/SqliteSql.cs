using System;
using System.Globalization;
using System.IO;
using System.Text;
using CrmMigration.Engine.Util;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>One column of an SQLite table as the provider sees it.</summary>
    internal sealed class SqliteColumn
    {
        public SqliteColumn(string name, string declaredType, bool notNull, bool hasDefault, int pkOrder, bool generated)
        {
            Name = name;
            DeclaredType = declaredType;
            Type = SqliteSql.MapDeclaredType(declaredType, out bool untyped);
            Untyped = untyped;
            NotNull = notNull;
            HasDefault = hasDefault;
            PkOrder = pkOrder;
            Generated = generated;
            Affinity = AffinityOf(declaredType);
            if (Type == CrmFieldType.Decimal || Type == CrmFieldType.Double)
            {
                var f = Schema.SqlTypes.FromSqlite(name, declaredType);
                Scale = f.Scale is int s and <= 28 ? s : null;
                Single = f.Size == 4;
            }
        }

        /// <summary>SQLite's column affinity for a declared type (section 3.1 of its datatype page): INTEGER, TEXT, BLOB, REAL or NUMERIC.</summary>
        internal static char AffinityOf(string? declared)
        {
            if (string.IsNullOrWhiteSpace(declared)) return 'B';
            string d = declared.ToUpperInvariant();
            if (d.Contains("INT", StringComparison.Ordinal)) return 'I';
            if (d.Contains("CHAR", StringComparison.Ordinal) || d.Contains("CLOB", StringComparison.Ordinal) || d.Contains("TEXT", StringComparison.Ordinal)) return 'T';
            if (d.Contains("BLOB", StringComparison.Ordinal)) return 'B';
            if (d.Contains("REAL", StringComparison.Ordinal) || d.Contains("FLOA", StringComparison.Ordinal) || d.Contains("DOUB", StringComparison.Ordinal)) return 'R';
            return 'N';
        }

        /// <summary>The column's affinity: I (integer), T (text), B (blob, none), R (real) or N (numeric).</summary>
        public char Affinity { get; }
        /// <summary>Declared scale of a DECIMAL(p,s) column: values read back with at least this many decimals (12.5 reads 12.50).</summary>
        public int? Scale { get; }
        /// <summary>A FLOAT4 column: values read as the shortest decimal of the 4-byte float.</summary>
        public bool Single { get; }

        public string Name { get; }
        public string DeclaredType { get; }
        public CrmFieldType Type { get; }
        /// <summary>No declared type: values are read and written in their natural storage class.</summary>
        public bool Untyped { get; }
        public bool NotNull { get; }
        public bool HasDefault { get; }
        /// <summary>1-based position in the primary key; 0 when not part of it.</summary>
        public int PkOrder { get; }
        /// <summary>A generated column: read, never written.</summary>
        public bool Generated { get; }
    }

    /// <summary>SQL text helpers, type mapping and value conversion shared by the SQLite reader and writer.</summary>
    internal static class SqliteSql
    {
        private static readonly object InitLock = new object();
        private static bool _initialized;

        // Extended result codes (sqlite3.h).
        internal const int SqliteOk = 0;
        internal const int SqliteRow = 100;
        internal const int SqliteDone = 101;
        internal const int SqliteConstraint = 19;
        internal const int SqliteConstraintPrimaryKey = 1555;
        internal const int SqliteConstraintUnique = 2067;
        internal const int SqliteConstraintRowId = 2579;

        internal const string DateFormat = "yyyy-MM-dd";
        internal const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF";
        internal const string DateTimeOffsetFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz";

        /// <summary>Boxed 0 and 1, so booleans cost no allocation.</summary>
        internal static readonly object BoxedZero = 0L;
        internal static readonly object BoxedOne = 1L;

        /// <summary>Initialises the native library once.</summary>
        internal static void EnsureInitialized()
        {
            if (_initialized) return;
            lock (InitLock)
            {
                if (_initialized) return;
                SQLitePCL.Batteries_V2.Init();
                _initialized = true;
            }
        }

        /// <summary>Quotes an identifier: double quotes, embedded quotes doubled.</summary>
        internal static string Quote(string identifier)
        {
            if (identifier is null) throw new ArgumentNullException(nameof(identifier));
            if (identifier.IndexOf('\0') >= 0)
            {
                throw new CrmException("SqliteInvalidName", CrmErrorKind.InvalidArgument, "An SQLite table or column name cannot contain a NUL character.");
            }
            return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }

        /// <summary>Appends a quoted identifier.</summary>
        internal static StringBuilder AppendQuoted(this StringBuilder sb, string identifier) => sb.Append(Quote(identifier));

        /// <summary>Opens a connection; reading never creates a file.</summary>
        internal static SqliteConnection Open(string path, bool write, Action<string>? onNotice = null)
        {
            EnsureInitialized();
            string full = Path.GetFullPath(path);
            if (!write && !File.Exists(full))
            {
                throw new CrmException("SqliteDatabaseNotFound", CrmErrorKind.NotFound,
                    $"The SQLite database '{full}' does not exist. Check the path; a database is created only when writing.");
            }
            if (write)
            {
                string? dir = Path.GetDirectoryName(full);
                if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            }
            var csb = new SqliteConnectionStringBuilder
            {
                DataSource = full,
                Mode = write ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadOnly,
                Pooling = false,
            };
            var connection = new SqliteConnection(csb.ToString());
            try
            {
                connection.Open();
                if (!write && !Readable(connection))
                {
                    // A hot journal: a writer stopped in the middle of a transaction (killed, crashed, power lost) and left
                    // '<file>-journal'. SQLite reads the file only after rolling that transaction back, which a read-only
                    // connection cannot do (SQLITE_READONLY_ROLLBACK). Rolling back loses nothing committed: it is the
                    // recovery every SQLite client that can write makes on its first read, and the committed content is
                    // what is read. A file we may not write is left as it is, with an error that says so.
                    connection.Dispose();
                    connection = RollBackHotJournal(full, csb, onNotice);
                }
            }
            catch (SqliteException ex)
            {
                connection.Dispose();
                throw new CrmException("SqliteOpenFailed", CrmErrorKind.ConnectionError, $"Cannot open the SQLite database '{full}': {ex.Message}", ex);
            }
            return connection;
        }

        private const int SqliteReadOnlyRollback = 776;

        /// <summary>False when the database has a hot journal a read-only connection cannot roll back.</summary>
        private static bool Readable(SqliteConnection connection)
        {
            try
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA schema_version";
                cmd.ExecuteScalar();
                return true;
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteReadOnlyRollback)
            {
                return false;
            }
        }

        private static SqliteConnection RollBackHotJournal(string full, SqliteConnectionStringBuilder csb, Action<string>? onNotice)
        {
            var writable = new SqliteConnectionStringBuilder(csb.ToString()) { Mode = SqliteOpenMode.ReadWrite };
            try
            {
                using (var recover = new SqliteConnection(writable.ToString()))
                {
                    recover.Open();
                    using var cmd = recover.CreateCommand();
                    cmd.CommandText = "PRAGMA schema_version"; // the first read rolls the hot journal back
                    cmd.ExecuteScalar();
                }
            }
            catch (SqliteException ex)
            {
                throw new CrmException("SqliteHotJournal", CrmErrorKind.ConnectionError,
                    $"The SQLite database '{full}' holds a transaction a writer left unfinished ('{full}-journal'): SQLite reads it only after rolling " +
                    $"that transaction back, and it could not ({ex.Message}). Give this user write access to the file and its folder, or open it once " +
                    "with a tool that can write (sqlite3 \"" + full + "\" \"PRAGMA quick_check\"), then read it again.", ex);
            }
            onNotice?.Invoke($"The SQLite database '{full}' held a transaction a writer left unfinished (a hot journal); SQLite rolled it back " +
                "before reading, as any SQLite client does: what is read is the last committed content.");
            var connection = new SqliteConnection(csb.ToString());
            connection.Open();
            return connection;
        }

        /// <summary>
        /// Leaves a database whole in its own file: the write-ahead log copied in and switched off, so no -wal or -shm file
        /// stays. Does not wait (native calls, no retry): when another connection has the file open, the file stays in WAL
        /// mode and that connection leaves it. Returns whether the file is now in rollback-journal mode.
        /// </summary>
        internal static bool LeaveWhole(SqliteConnection connection)
        {
            var db = connection.Handle;
            if (db is null) return false;
            SQLitePCL.raw.sqlite3_busy_timeout(db, 0);
            SQLitePCL.raw.sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
            return SQLitePCL.raw.sqlite3_exec(db, "PRAGMA journal_mode=DELETE") == SqliteOk;
        }

        /// <summary>Runs a statement without results.</summary>
        internal static void Execute(SqliteConnection connection, string sql)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        /// <summary>Maps a declared column type to a portable type (the type table, <see cref="Schema.SqlTypes"/>).</summary>
        internal static CrmFieldType MapDeclaredType(string? declared, out bool untyped) => Schema.SqlTypes.MapSqliteDeclared(declared, out untyped);

        /// <summary>
        /// Converts a record value to the column's portable type (throws FormatException,
        /// InvalidCastException or OverflowException when it cannot).
        /// </summary>
        internal static object? ToPortable(object? value, SqliteColumn column)
        {
            if (value is null) return null;
            if (column.Untyped) return value;
            switch (column.Type)
            {
                case CrmFieldType.String:
                    return value as string ?? CrmValues.ToText(value);
                case CrmFieldType.Integer:
                    if (value is long) return value;
                    break;
                case CrmFieldType.Decimal:
                    if (value is decimal) return value;
                    break;
                case CrmFieldType.Double:
                    if (value is double) return value;
                    break;
                case CrmFieldType.Boolean:
                    if (value is bool) return value;
                    break;
                case CrmFieldType.Guid:
                    if (value is Guid) return value;
                    break;
                case CrmFieldType.DateTime:
                    if (value is DateTime) return value;
                    break;
                case CrmFieldType.DateTimeOffset:
                    if (value is DateTimeOffset) return value;
                    break;
                case CrmFieldType.Binary:
                    if (value is byte[]) return value;
                    break;
            }
            return CrmValues.Convert(value, column.Type);
        }

        /// <summary>The storage form of a portable value: null, string, long, double or byte[].</summary>
        internal static object? ToStorage(object? portable)
        {
            switch (portable)
            {
                case null: return null;
                case string: return portable;
                case long: return portable;
                case double: return portable;
                case byte[]: return portable;
                case bool b: return b ? BoxedOne : BoxedZero;
                case decimal m: return m.ToString(CultureInfo.InvariantCulture);
                case DateTime dt:
                    return dt.TimeOfDay == TimeSpan.Zero && dt.Kind != DateTimeKind.Utc
                        ? dt.ToString(DateFormat, CultureInfo.InvariantCulture)
                        : dt.ToString(DateTimeFormat, CultureInfo.InvariantCulture);
                case DateTimeOffset dto: return dto.ToString(DateTimeOffsetFormat, CultureInfo.InvariantCulture);
                case Guid g: return g.ToString("D");
                case int i: return (long)i;
                case short s: return (long)s;
                case byte by: return (long)by;
                case float f: return (double)f;
                default: return CrmValues.ToText(portable);
            }
        }

        /// <summary>The storage form of a record value for a column.</summary>
        internal static object? ToStorage(object? value, SqliteColumn column)
        {
            // A DATE column's text already in its stored form (yyyy-MM-dd, a real date) is stored as it is: what parsing
            // and formatting it again would give.
            if (value is string text && column.Type == CrmFieldType.Date && !column.Untyped && CrmValues.TryParseIsoDate(text, out _)) return text;
            object? portable = ToPortable(value, column);
            if (portable is decimal m && column.Affinity != 'T') return DecimalStorage(m);
            if (portable is DateTime dt && !column.Untyped)
            {
                // A DATETIME column keeps its time part even at midnight, so text sorts and compares alike.
                if (column.Type == CrmFieldType.DateTime) return dt.ToString(DateTimeFormat, CultureInfo.InvariantCulture);
                if (column.Type == CrmFieldType.Date) return dt.ToString(DateFormat, CultureInfo.InvariantCulture);
            }
            return ToStorage(portable);
        }

        /// <summary>
        /// How a decimal is stored in a column without text affinity, so SQL sorts, compares and sums it as a number
        /// while the exact value still comes back: a whole number that fits 64 bits as INTEGER; a value of at most 15
        /// significant digits as REAL (a double holds 15 digits exactly, and reading back rounds to 15); anything
        /// longer (16 to 28 significant digits with a fraction, or beyond 64 bits) as a BLOB holding its exact text.
        /// SQLite would round such a value if it were given as text (NUMERIC affinity keeps 15 digits), so the BLOB
        /// keeps it whole; the limit is that SQL sorts those rare values after all numbers (SUM still reads them as numbers).
        /// </summary>
        internal static object DecimalStorage(decimal m)
        {
            if (m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue) return (long)m;
            if (SignificantDigits(m) <= 15) return (double)m;
            return Encoding.UTF8.GetBytes(m.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>Significant digits of a decimal, trailing zeros not counted (12.50 has 3).</summary>
        internal static int SignificantDigits(decimal m)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(m, bits);
            UInt128 mantissa = new UInt128((ulong)(uint)bits[2], ((ulong)(uint)bits[1] << 32) | (uint)bits[0]);
            if (mantissa == 0) return 1;
            while (mantissa % 10 == 0) mantissa /= 10;
            int digits = 0;
            while (mantissa > 0) { mantissa /= 10; digits++; }
            return digits;
        }

        /// <summary>A decimal with at least <paramref name="scale"/> decimals (12.5 with scale 2 is 12.50); the value is unchanged.</summary>
        internal static decimal WithScale(decimal m, int? scale)
        {
            if (scale is not int s || s <= 0 || m.Scale >= s) return m;
            return m + new decimal(0, 0, 0, false, (byte)s);
        }

        /// <summary>
        /// Converts a stored value (long, double, string, byte[]) to the column's portable type.
        /// When it cannot, returns the stored value unchanged and sets <paramref name="failed"/>.
        /// </summary>
        internal static object? FromStorage(object? raw, SqliteColumn column, out bool failed)
        {
            failed = false;
            if (raw is null || raw is DBNull) return null;
            if (column.Untyped) return raw;
            switch (column.Type)
            {
                case CrmFieldType.String:
                    if (raw is string) return raw;
                    if (raw is long l0) return l0.ToString(CultureInfo.InvariantCulture);
                    if (raw is double d0) return d0.ToString("R", CultureInfo.InvariantCulture);
                    return raw;
                case CrmFieldType.Integer:
                    if (raw is long) return raw;
                    if (raw is double d1 && d1 == Math.Floor(d1) && d1 >= long.MinValue && d1 <= long.MaxValue) return (long)d1;
                    if (raw is string s1 && long.TryParse(s1, NumberStyles.Integer, CultureInfo.InvariantCulture, out long p1)) return p1;
                    break;
                case CrmFieldType.Decimal:
                    if (raw is string s2 && decimal.TryParse(s2, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out decimal p2)) return WithScale(p2, column.Scale);
                    if (raw is long l2) return WithScale(l2, column.Scale);
                    if (raw is double d2)
                    {
                        try { return WithScale(Convert.ToDecimal(d2, CultureInfo.InvariantCulture), column.Scale); } catch (OverflowException) { }
                    }
                    if (raw is byte[] b2 && decimal.TryParse(Encoding.UTF8.GetString(b2), NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out decimal p2b)) return WithScale(p2b, column.Scale);
                    break;
                case CrmFieldType.Double:
                    if (raw is double single && column.Single) return CrmValues.SingleToDouble((float)single);
                    if (raw is double) return raw;
                    if (raw is long l3) return (double)l3;
                    if (raw is string s3 && double.TryParse(s3, NumberStyles.Float, CultureInfo.InvariantCulture, out double p3)) return p3;
                    break;
                case CrmFieldType.Boolean:
                    if (raw is long l4) return l4 != 0;
                    if (raw is double d4) return d4 != 0;
                    if (raw is string s4 && CrmValues.TryParseBool(s4, out bool b4)) return b4;
                    break;
                case CrmFieldType.Date:
                case CrmFieldType.DateTime:
                    if (raw is string s5)
                    {
                        if (s5.Length == 0) return null;
                        if (DateTime.TryParseExact(s5, DateTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime p5)) return p5;
                        try { return CrmValues.Parse(s5, CrmFieldType.DateTime); } catch (FormatException) { }
                    }
                    break;
                case CrmFieldType.DateTimeOffset:
                    if (raw is string s6)
                    {
                        if (s6.Length == 0) return null;
                        if (DateTimeOffset.TryParseExact(s6, DateTimeOffsetFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset p6)) return p6;
                        if (DateTimeOffset.TryParse(s6, CultureInfo.InvariantCulture, DateTimeStyles.None, out p6)) return p6;
                    }
                    break;
                case CrmFieldType.Guid:
                    if (raw is string s7 && Guid.TryParse(s7, out Guid g7)) return g7;
                    if (raw is byte[] b7 && b7.Length == 16) return new Guid(b7);
                    break;
                case CrmFieldType.Binary:
                    if (raw is byte[]) return raw;
                    break;
            }
            failed = true;
            return raw;
        }

        /// <summary>Turns a * ? wildcard into a LIKE pattern with '\' as the escape character.</summary>
        internal static string WildcardToLike(string pattern)
        {
            var sb = new StringBuilder(pattern.Length + 4);
            foreach (char c in pattern)
            {
                switch (c)
                {
                    case '*': sb.Append('%'); break;
                    case '?': sb.Append('_'); break;
                    case '%': case '_': case '\\': sb.Append('\\').Append(c); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.ToString();
        }

        /// <summary>True when the text has only ASCII characters (SQLite folds case for ASCII only).</summary>
        internal static bool IsAscii(string text)
        {
            foreach (char c in text) if (c > 127) return false;
            return true;
        }
    }
}
