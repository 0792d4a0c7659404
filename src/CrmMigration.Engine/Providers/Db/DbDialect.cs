using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>What differs between PostgreSQL and MySQL/MariaDB: connections, quoting, catalog, types, errors.</summary>
    internal abstract class DbDialect
    {
        /// <summary>Product name for messages.</summary>
        public abstract string Product { get; }

        /// <summary>Default port.</summary>
        public abstract int DefaultPort { get; }

        /// <summary>Quotes an identifier, doubling the quote character inside it.</summary>
        public abstract string Quote(string identifier);

        /// <summary>Creates an unopened connection for a connection description and credential.</summary>
        public abstract DbConnection CreateConnection(CrmConnection connection, NetworkCredential? credential);

        /// <summary>A connection for an entity writer (MySQL: one that may send its own in-memory streams with LOAD DATA LOCAL INFILE).</summary>
        public virtual DbConnection CreateWriterConnection(CrmConnection connection, NetworkCredential? credential) => CreateConnection(connection, credential);

        /// <summary>Sets up a writer's connection once it is open (session settings the writes rely on).</summary>
        public virtual void WriterOpened(DbConnection connection)
        {
        }

        /// <summary>Parses a connection string: server, port, database, the credential, and the rest without the password.</summary>
        public abstract (string Server, int Port, string Database, NetworkCredential? Credential, string Remainder) ParseConnectionString(string connectionString);

        /// <summary>The schema (PostgreSQL) or database (MySQL) that holds the tables.</summary>
        public abstract string DefaultSchema(CrmConnection connection);

        /// <summary>Tables and views, in name order.</summary>
        public abstract List<(string Name, bool IsView)> ListTables(DbConnection connection, string schema);

        /// <summary>Loads a table's columns, keys and relations; null when it does not exist.</summary>
        public abstract DbTableInfo? LoadTable(DbConnection connection, string schema, string name);

        /// <summary>The real name of a table or view: an exact match, else the first one equal ignoring case.</summary>
        protected (string? Name, bool IsView) FindTable(DbConnection connection, string schema, string name)
        {
            string? found = null;
            bool isView = false;
            foreach (var (n, v) in ListTables(connection, schema))
            {
                if (string.Equals(n, name, StringComparison.Ordinal)) return (n, v);
                if (found is null && string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) { found = n; isView = v; }
            }
            return (found, isView);
        }

        /// <summary>The text for one language of a translated JSON value ({"en_US": "New"}); the language is a bound parameter.</summary>
        public abstract string TranslatedText(string expression, string languageParameter);

        /// <summary>An aggregate joining text values in order, separated by "; ".</summary>
        public abstract string JoinedText(string expression, string orderBy);

        /// <summary>The expression that reads a column.</summary>
        public virtual string SelectExpression(DbColumn column) => Quote(column.Name);

        /// <summary>How a column is selected when its rows are read into batches (by <see cref="CellReader"/>); as <see cref="SelectExpression"/> unless a dialect reads it otherwise.</summary>
        public virtual string BatchSelectExpression(DbColumn column) => SelectExpression(column);

        /// <summary>The placeholder of the unnamed parameter at a 0-based position (PostgreSQL $1, MySQL ?).</summary>
        public abstract string Placeholder(int index);

        /// <summary>The parameter placeholder for a column value (PostgreSQL casts json and enum columns).</summary>
        public virtual string ValueExpression(string parameter, DbColumn column) => parameter;

        /// <summary>Converts a portable value to what the driver sends for the column.</summary>
        public abstract object ToDb(object? portable, DbColumn column);

        /// <summary>Reads a column value as its portable type.</summary>
        public abstract object? Read(DbDataReader reader, int ordinal, DbColumn column);

        /// <summary>
        /// How a column's value is read into a batch column, chosen once per column: the value <see cref="Read"/> gives, stored as
        /// <see cref="Batches.BatchColumn.SetValue"/> stores it. A dialect reads the types it can unboxed (or as UTF-8 text) instead.
        /// </summary>
        public virtual Action<DbDataReader, int, Batches.BatchColumn, int> CellReader(DbColumn column) =>
            (reader, ordinal, cells, row) => cells.SetValue(row, Read(reader, ordinal, column));

        /// <summary>Appends the upsert tail: ON CONFLICT ... DO UPDATE or ON DUPLICATE KEY UPDATE.</summary>
        public abstract void AppendUpsert(StringBuilder sql, IReadOnlyList<DbColumn> columns, IReadOnlyList<DbColumn> key);

        /// <summary>True for errors worth retrying: lost connection, deadlock, lock timeout, serialization failure.</summary>
        public abstract bool IsTransient(Exception ex);

        /// <summary>True when the error is a unique or primary key violation.</summary>
        public abstract bool IsDuplicate(DbException ex);

        /// <summary>True when the error is about one row's data (constraint or conversion), not the connection.</summary>
        public abstract bool IsRowError(DbException ex, out bool valueError);

        /// <summary>The error's message without anything secret (drivers do not include passwords; this checks).</summary>
        public static string SafeMessage(Exception ex, NetworkCredential? credential)
        {
            string m = ex.Message;
            string? pw = credential?.Password;
            if (!string.IsNullOrEmpty(pw)) m = m.Replace(pw, "***", StringComparison.Ordinal);
            return m;
        }

        /// <summary>True for socket and stream failures (a dropped connection).</summary>
        protected static bool IsIo(Exception ex)
        {
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                if (e is IOException || e is System.Net.Sockets.SocketException || e is TimeoutException) return true;
            }
            return false;
        }

        /// <summary>Adds a parameter: named, or positional ($n / ?) when <paramref name="name"/> is null.</summary>
        public static void AddParameter(DbCommand cmd, string? name, object value)
        {
            // A dialect's ToDb may hand back a typed parameter (PostgreSQL's raw dates): a copy, so one value can go to two commands.
            var prm = value is DbParameter typed ? (DbParameter)((ICloneable)typed).Clone() : cmd.CreateParameter();
            if (value is DbParameter)
            {
                if (name is not null) prm.ParameterName = name;
                cmd.Parameters.Add(prm);
                return;
            }
            if (name is not null) prm.ParameterName = name;
            prm.Value = value;
            cmd.Parameters.Add(prm);
        }

        /// <summary>
        /// Converts a record value to the portable value this engine stores for the column (throws FormatException etc.
        /// when it cannot): an infinite date or time (PostgreSQL's text) is refused with a message saying so, as this
        /// engine has none; PostgreSQL keeps it.
        /// </summary>
        public virtual object? Portable(object? value, DbColumn column)
        {
            if (value is string s && IsDateType(column.Type) && PgInfinity.Sign(s) != 0) throw PgInfinity.NotStorable(Product);
            return ToPortable(value, column);
        }

        /// <summary>Whether the portable type is a date, a date and time, or one with an offset.</summary>
        protected static bool IsDateType(CrmFieldType type) => type is CrmFieldType.Date or CrmFieldType.DateTime or CrmFieldType.DateTimeOffset;

        /// <summary>Converts a value to the column's portable type (throws FormatException etc. when it cannot).</summary>
        public static object? ToPortable(object? value, DbColumn column)
        {
            if (value is null) return null;
            if (column.Type == CrmFieldType.String) return value is string s ? s : CrmValues.ToText(value);
            return CrmValues.Convert(value, column.Type);
        }

        /// <summary>The portable type of a CLR value a driver returned (for profile queries).</summary>
        public static object? Normalize(object? raw) => raw switch
        {
            null or DBNull => null,
            int i => (long)i,
            short sh => (long)sh,
            byte b => (long)b,
            sbyte sb => (long)sb,
            uint ui => (long)ui,
            ushort us => (long)us,
            ulong ul => ul <= long.MaxValue ? (long)ul : (decimal)ul,
            float f => (double)f,
            char c => c.ToString(),
            DateOnly d => d.ToDateTime(TimeOnly.MinValue),
            TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            TimeSpan ts => ts.ToString("c", CultureInfo.InvariantCulture),
            _ => raw,
        };

        public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Throws FormatException for text that is not valid UTF-16 (a lone surrogate): it has no UTF-8 form, so the
        /// server could store it only changed. One vectorised scan for the surrogate range; pairs are checked only when found.
        /// </summary>
        public static void CheckUtf16(string text)
        {
            int i = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
            if (i < 0) return;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (!char.IsSurrogate(c)) continue;
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                throw new FormatException("The text holds a lone surrogate (U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + ") at index "
                    + i.ToString(CultureInfo.InvariantCulture) + ": it is not valid Unicode and has no UTF-8 form.");
            }
        }
    }
}
