using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Util;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>
    /// Reads and writes an SQLite database file (<see cref="CrmConnection.Location"/>). Reading never
    /// creates a file (a missing one is SqliteDatabaseNotFound); writing creates it.
    /// Connection option <c>ForeignKeys</c> (on by default) turns foreign-key enforcement off with
    /// off/false/0, as legacy databases with declared but unenforced references need.
    /// </summary>
    public sealed partial class SqliteProvider : ICrmProvider, ICrmReferenceTarget
    {
        private SqliteConnection? _meta;

        public SqliteProvider(CrmConnection connection)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
            SqliteSql.EnsureInitialized();
        }

        /// <inheritdoc/>
        public CrmConnection Connection { get; }

        /// <inheritdoc/>
        public System.Threading.CancellationToken Cancellation { get; set; }

        internal string FullPath => Path.GetFullPath(Connection.Location);

        /// <summary>Whether writers enforce foreign keys (connection option ForeignKeys, default on).</summary>
        public bool ForeignKeysEnforced
        {
            get
            {
                if (!Connection.Options.TryGetValue("ForeignKeys", out string? v) || v is null) return true;
                v = v.Trim();
                return !(string.Equals(v, "off", StringComparison.OrdinalIgnoreCase) || string.Equals(v, "false", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(v, "0", StringComparison.Ordinal) || string.Equals(v, "no", StringComparison.OrdinalIgnoreCase));
            }
        }

        private SqliteConnection Meta()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _meta ??= SqliteSql.Open(FullPath, write: false, _notices.Add);
        }

        private readonly List<string> _notices = new();

        /// <inheritdoc/>
        public IReadOnlyList<string> Notices => _notices;

        /// <inheritdoc/>
        public IReadOnlyList<string> ListEntities()
        {
            var list = new List<string>();
            foreach (var e in SqliteCatalog.ListEntities(Meta())) list.Add(e.Name);
            return list;
        }

        /// <inheritdoc/>
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            var conn = Meta();
            var table = SqliteCatalog.Load(conn, entity);
            return table is null ? null : SqliteCatalog.Describe(conn, table, Connection.DisplayName, includeRowCount);
        }

        /// <inheritdoc/>
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            options ??= new CrmReadOptions();
            // Checked now, not on first MoveNext, so a missing file or table fails where Read is called.
            var table = SqliteCatalog.Load(Meta(), entity) ?? throw EntityNotFound(entity);
            return ReadRows(table, options, onError, cancellationToken);
        }

        private CrmException EntityNotFound(string entity) =>
            new CrmException("SqliteEntityNotFound", CrmErrorKind.NotFound, $"The table or view '{entity}' does not exist in '{Connection.DisplayName}'.") { Error = { Entity = entity } };

        /// <summary>
        /// Reads a table's rows (a table with a primary key in the engine's scan order; one without, in rowid order).
        /// <paramref name="keyset"/>: read in primary-key order, and when it has key parts only the rows whose key compares so
        /// (">" after a position, "=" at it) with them; <paramref name="ordinal"/>: the rows read before; <paramref name="limit"/>:
        /// at most so many (0: all).
        /// </summary>
        private IEnumerable<CrmRecord> ReadRows(SqliteTableInfo table, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken,
            (string Op, IReadOnlyList<string> Parts)? keyset = null, long ordinal = 0, int limit = 0)
        {
            var columns = table.Columns;
            int n = columns.Count;
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = columns[i].Name;
            // The table's schema travels with the records, so a target created from them gets its types, keys and comments.
            var shape = new CrmFieldShape(names) { Schema = SqliteCatalog.Describe(Meta(), table, Connection.DisplayName, includeRowCount: false) };
            int[] pk = table.PrimaryKey;
            var keyNames = new string[pk.Length];
            for (int k = 0; k < pk.Length; k++) keyNames[k] = shape.Names[pk[k]];

            var sql = new StringBuilder("SELECT ");
            for (int i = 0; i < n; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.AppendQuoted(columns[i].Name);
            }
            // A table without a primary key is read in rowid order (stable from one read to the next), but its
            // records have no key: a rowid is where a row happens to sit, not what identifies it, and another
            // copy of the table numbers its rows differently.
            string? rowidName = null;
            if (pk.Length == 0 && !table.IsView)
            {
                foreach (var candidate in new[] { "rowid", "_rowid_", "oid" })
                {
                    if (table.IndexOf(candidate) < 0) { rowidName = candidate; break; }
                }
            }
            sql.Append(" FROM ").AppendQuoted(table.Name);

            using var connection = SqliteSql.Open(FullPath, write: false, _notices.Add);
            using var cmd = connection.CreateCommand();
            var remaining = PushDownFilters(table, options.Filters, sql, cmd);
            var filter = remaining.Count > 0 ? new RecordFilter(remaining) : null;
            if (keyset is { } ks)
            {
                if (ks.Parts.Count > 0) KeysetCondition(table, ks.Op, ks.Parts, sql, cmd, where: remaining.Count == options.Filters.Count);
                sql.Append(" ORDER BY ");
                for (int k = 0; k < pk.Length; k++) sql.Append(k > 0 ? ", " : "").AppendQuoted(columns[pk[k]].Name);
            }
            else if (rowidName is not null) sql.Append(" ORDER BY ").Append(rowidName);
            if (limit > 0) sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
            cmd.CommandText = sql.ToString();

            using var reader = cmd.ExecuteReader();
            string system = Connection.DisplayName;
            string[]? keyParts = pk.Length > 1 ? new string[pk.Length] : null;
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var values = new object?[n];
                for (int i = 0; i < n; i++)
                {
                    if (reader.IsDBNull(i)) continue;
                    var column = columns[i];
                    object raw = column.Type == CrmFieldType.String && !column.Untyped && reader.GetFieldType(i) == typeof(string)
                        ? reader.GetString(i)
                        : reader.GetValue(i);
                    object? value = SqliteSql.FromStorage(raw, column, out bool failed);
                    if (failed)
                    {
                        onError?.Invoke(new CrmDataError("SqliteValueConversion", CrmErrorKind.InvalidValue,
                            $"The stored value '{CrmValues.Truncate(CrmValues.ToText(raw) ?? "", 60)}' is not a valid {column.Type} (declared {column.DeclaredType}); it is passed on unconverted.")
                        {
                            Entity = table.Name,
                            Field = column.Name,
                            RecordNumber = ordinal + 1,
                        });
                    }
                    values[i] = value;
                }
                var record = new CrmRecord(table.Name, shape, values);
                if (filter is not null && !filter.Matches(record)) continue;
                ordinal++;
                CrmKey? key = null;
                if (pk.Length == 1)
                {
                    key = new CrmKey(CrmValues.ToText(values[pk[0]]) ?? "") { FieldNames = keyNames };
                }
                else if (keyParts is not null)
                {
                    for (int k = 0; k < pk.Length; k++) keyParts[k] = CrmValues.ToText(values[pk[k]]) ?? "";
                    key = new CrmKey(keyParts) { FieldNames = keyNames };
                }
                record.Key = key;
                record.Origin = new CrmOrigin(system, table.Name, key?.ToString(), null, ordinal);
                yield return record;
            }
        }

        /// <summary>
        /// Appends a parameterised WHERE for the filters SQLite can evaluate exactly as
        /// <see cref="RecordFilter"/> would, and returns the rest for evaluation in memory.
        /// Pushed down: ASCII text on text columns (= or LIKE, both ASCII case-insensitive),
        /// integers on integer columns, and null on text columns.
        /// </summary>
        private static List<CrmFieldFilter> PushDownFilters(SqliteTableInfo table, IReadOnlyList<CrmFieldFilter> filters, StringBuilder sql, SqliteCommand cmd)
        {
            var remaining = new List<CrmFieldFilter>();
            int p = 0;
            bool first = true;
            foreach (var f in filters)
            {
                int ci = table.IndexOf(f.Field);
                string? condition = null;
                if (ci >= 0)
                {
                    var column = table.Columns[ci];
                    string col = SqliteSql.Quote(column.Name);
                    string param = "$f" + p.ToString(CultureInfo.InvariantCulture);
                    bool text = column.Type == CrmFieldType.String && !column.Untyped;
                    if ((f.Value is null || f.Value is string { Length: 0 }) && text)
                    {
                        condition = "(" + col + " IS NULL OR " + col + " = '')";
                    }
                    else if (f.Value is string s && text && SqliteSql.IsAscii(s))
                    {
                        if (s.IndexOf('*') >= 0 || s.IndexOf('?') >= 0)
                        {
                            condition = col + " LIKE " + param + " ESCAPE '\\'";
                            cmd.Parameters.AddWithValue(param, SqliteSql.WildcardToLike(s));
                        }
                        else
                        {
                            condition = col + " = " + param + " COLLATE NOCASE";
                            cmd.Parameters.AddWithValue(param, s);
                        }
                    }
                    else if (column.Type == CrmFieldType.Integer && !column.Untyped && TryInteger(f.Value, out long l))
                    {
                        condition = col + " = " + param;
                        cmd.Parameters.AddWithValue(param, l);
                    }
                }
                if (condition is null)
                {
                    remaining.Add(f);
                    continue;
                }
                sql.Append(first ? " WHERE " : " AND ").Append(condition);
                first = false;
                p++;
            }
            return remaining;
        }

        private static bool TryInteger(object? value, out long result)
        {
            switch (value)
            {
                case long l: result = l; return true;
                case int i: result = i; return true;
                case string s when s.IndexOf('*') < 0 && s.IndexOf('?') < 0:
                    return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out result);
                default: result = 0; return false;
            }
        }

        /// <inheritdoc/>
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new SqliteEntityWriter(this, entity, options ?? new CrmWriteOptions());
        }

        private bool _disposed;

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _meta?.Dispose();
            _meta = null;
            Checkpoint();
        }
    }
}
