using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// Reads and writes a PostgreSQL or MySQL/MariaDB database. Connection options: Server, Port,
    /// Database, Schema (PostgreSQL, default public), ConnectionString (the rest of a user's connection
    /// string, without the password), Profile (a CRM product layout, see <see cref="Profiles.CrmProfile"/>).
    /// The password lives only in the connection's credential and never reaches a message.
    /// </summary>
    public sealed partial class DbProvider : ICrmProvider, ICrmReferenceTarget
    {
        private readonly DbDialect _dialect;
        private DbConnection? _meta;
        private bool _disposed;

        internal DbProvider(CrmConnection connection, DbDialect dialect)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
            _dialect = dialect;
            Schema = dialect.DefaultSchema(connection);
        }

        /// <summary>Opens a PostgreSQL provider.</summary>
        public static DbProvider PostgreSql(CrmConnection connection) => new DbProvider(connection, PgDialect.Instance);

        /// <summary>Opens a MySQL/MariaDB provider.</summary>
        public static DbProvider MySql(CrmConnection connection) => new DbProvider(connection, MySqlDialect.Instance);

        /// <inheritdoc/>
        public CrmConnection Connection { get; }

        /// <inheritdoc/>
        public System.Threading.CancellationToken Cancellation { get; set; }

        internal DbDialect Dialect => _dialect;
        internal string Schema { get; }

        /// <summary>Opens a new connection, retrying transient failures; failures become CrmException with <paramref name="code"/>.</summary>
        internal DbConnection OpenConnection(string code, CancellationToken cancellationToken = default, bool writer = false)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!cancellationToken.CanBeCanceled) cancellationToken = Cancellation;
            var credential = Connection.GetCredential();
            return Retry.Run(_dialect, () =>
            {
                var conn = writer ? _dialect.CreateWriterConnection(Connection, credential) : _dialect.CreateConnection(Connection, credential);
                try
                {
                    conn.Open();
                    if (writer) _dialect.WriterOpened(conn);
                    return conn;
                }
                catch
                {
                    conn.Dispose();
                    throw;
                }
            }, cancellationToken, ex => ConnectionFailed(code, ex));
        }

        internal CrmException ConnectionFailed(string code, Exception ex)
        {
            string user = Connection.GetCredential()?.UserName is { Length: > 0 } u ? " as '" + u + "'" : "";
            return new CrmException(code, CrmErrorKind.ConnectionError,
                $"Cannot connect to {_dialect.Product} at {Connection.Location}{user}: {DbDialect.SafeMessage(ex, Connection.GetCredential())} Check the server, port, database and credential.");
        }

        private DbConnection Meta()
        {
            if (_meta is { State: ConnectionState.Open }) return _meta;
            _meta?.Dispose();
            _meta = OpenConnection("SourceConnectionFailed");
            return _meta;
        }

        /// <summary>Runs a catalog query on the metadata connection, mapping driver errors.</summary>
        private T Catalog<T>(Func<DbConnection, T> query)
        {
            try
            {
                return Retry.Run(_dialect, () => query(Meta()), Cancellation, null);
            }
            catch (DbException ex)
            {
                throw new CrmException("SourceReadFailed", CrmErrorKind.ConnectionError, $"Reading the catalog of {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex);
            }
        }

        private IReadOnlyList<string> _notices = Array.Empty<string>();

        /// <inheritdoc/>
        public IReadOnlyList<string> Notices => _notices;

        internal DbTableInfo? LoadTable(string entity) => Catalog(c => _dialect.LoadTable(c, Schema, entity));

        /// <inheritdoc/>
        public IReadOnlyList<string> ListEntities()
        {
            var profile = Profiles.CrmProfile.ForConnection(Connection);
            if (profile is not null)
            {
                var names = new List<string>();
                var notices = new List<string>();
                foreach (var name in profile.EntityNames)
                {
                    var e = profile.Entities[name];
                    if (e.Optional)
                    {
                        string? absent = null;
                        foreach (var part in e.Parts.Count > 0 ? e.Parts : new List<Profiles.ProfileEntity> { e })
                        {
                            if (LoadTable(part.Table!) is null) { absent = part.Table; break; }
                        }
                        if (absent is not null)
                        {
                            notices.Add($"The profile '{profile.Name}' reads {name} from the table '{absent}', which {Connection.DisplayName} does not have (an optional module): {name} is skipped.");
                            continue;
                        }
                    }
                    names.Add(name);
                }
                _notices = notices;
                return names;
            }
            var list = new List<string>();
            foreach (var (name, _) in Catalog(c => _dialect.ListTables(c, Schema))) list.Add(name);
            return list;
        }

        /// <inheritdoc/>
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            var profile = Profiles.CrmProfile.ForConnection(Connection);
            if (profile is not null) return new Profiles.ProfileReader(this, profile).Describe(entity, includeRowCount);
            var table = LoadTable(entity);
            if (table is null) return null;
            long? count = null;
            if (includeRowCount)
            {
                count = Catalog(c =>
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "SELECT COUNT(*) FROM " + QualifiedName(table);
                    return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                });
            }
            return DbCatalog.Describe(table, Connection.DisplayName, count, Connection.Provider);
        }

        internal string QualifiedName(DbTableInfo table) => _dialect.Quote(table.Schema) + "." + _dialect.Quote(table.Name);

        /// <inheritdoc/>
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            options ??= new CrmReadOptions();
            var profile = Profiles.CrmProfile.ForConnection(Connection);
            if (profile is not null) return new Profiles.ProfileReader(this, profile).Read(entity, options, cancellationToken);
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            return ReadRows(table, options, cancellationToken);
        }

        internal CrmException EntityNotFound(string entity) =>
            new CrmException("DbEntityNotFound", CrmErrorKind.NotFound, $"The table or view '{entity}' does not exist in {Connection.DisplayName}.") { Error = { Entity = entity } };

        /// <summary>A table's read: the query, its parameters, how its rows are decoded, and what the rows carry.</summary>
        private sealed class TableRead
        {
            public TableRead(DbTableInfo table, string sql, List<object> parameters, PgCopyReader.Decode[]? decoders, CrmFieldShape shape, string[] keyNames)
            {
                Table = table;
                Sql = sql;
                Parameters = parameters;
                Decoders = decoders;
                Shape = shape;
                KeyNames = keyNames;
            }

            public DbTableInfo Table { get; }
            public string Sql { get; }
            public List<object> Parameters { get; }
            /// <summary>Binary COPY decoders (PostgreSQL, every column decodable), or null: the data reader reads the rows.</summary>
            public PgCopyReader.Decode[]? Decoders { get; }
            public CrmFieldShape Shape { get; }
            public string[] KeyNames { get; }
        }

        /// <summary>
        /// The query that reads a table's rows in key order (when it has a primary key). <paramref name="keyset"/>: only the rows whose
        /// key compares so (">" after a position, "=" at it) with the given key parts; <paramref name="limit"/>: at most so many rows (0: all).
        /// </summary>
        private TableRead Query(DbTableInfo table, CrmReadOptions options, (string Op, IReadOnlyList<string> Parts)? keyset, int limit, bool batches = false)
        {
            var columns = table.Columns;
            int n = columns.Count;
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = columns[i].Name;
            // The table's schema travels with the records, so a target created from them gets its types, keys and comments.
            var shape = new CrmFieldShape(names) { Schema = DbCatalog.Describe(table, Connection.DisplayName, null, Connection.Provider) };
            int[] pk = table.PrimaryKey;
            var keyNames = new string[pk.Length];
            for (int k = 0; k < pk.Length; k++) keyNames[k] = names[pk[k]];

            // PostgreSQL sends the rows as binary COPY, decoded here into column batches, when every column has a decoder (COPY
            // takes no parameters: the filter and keyset values go into the query as literals); otherwise the data reader reads them.
            var decoders = _dialect is PgDialect && UseCopyRead ? PgCopyReader.For(columns) : null;
            bool inline = decoders is not null;
            var sql = new StringBuilder("SELECT ");
            for (int i = 0; i < n; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append(batches && decoders is null ? _dialect.BatchSelectExpression(columns[i]) : _dialect.SelectExpression(columns[i]));
            }
            sql.Append(" FROM ").Append(QualifiedName(table));
            var parameters = new List<object>();
            bool pushed = PushDown(table, options.Filters, sql, parameters, inline);
            if (keyset is { } ks) KeysetCondition(table, ks.Op, ks.Parts, sql, parameters, where: !pushed, inline);
            if (pk.Length > 0)
            {
                sql.Append(" ORDER BY ");
                for (int k = 0; k < pk.Length; k++) { if (k > 0) sql.Append(", "); sql.Append(_dialect.Quote(names[pk[k]])); }
            }
            if (limit > 0) sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
            return new TableRead(table, sql.ToString(), parameters, decoders, shape, keyNames);
        }

        /// <summary>
        /// Reads a table's rows in key order (when it has a primary key) as records. <paramref name="keyset"/>: only the rows whose key
        /// compares so (">" after a position, "=" at it) with the given key parts; <paramref name="ordinal"/>: the rows read
        /// before (origins number on from it); <paramref name="limit"/>: at most so many rows (0: all).
        /// </summary>
        private IEnumerable<CrmRecord> ReadRows(DbTableInfo table, CrmReadOptions options, CancellationToken cancellationToken,
            (string Op, IReadOnlyList<string> Parts)? keyset = null, long ordinal = 0, int limit = 0)
        {
            var read = Query(table, options, keyset, limit);
            var shape = read.Shape;
            int[] pk = table.PrimaryKey;
            var keyNames = read.KeyNames;
            var filter = options.Filters.Count > 0 ? new RecordFilter(options.Filters) : null;
            var rows = read.Decoders is not null
                ? CopyRows(read, cancellationToken, ordinal)
                : ReaderRows(table, read.Sql, read.Parameters, cancellationToken, ordinal);
            string system = Connection.DisplayName;
            foreach (var values in rows)
            {
                var record = new CrmRecord(table.Name, shape, values);
                if (filter is not null && !filter.Matches(record)) continue;
                ordinal++;
                record.Key = MakeKey(values, pk, keyNames);
                record.Origin = new CrmOrigin(system, table.Name, record.Key?.ToString(), null, ordinal);
                yield return record;
            }
        }

        /// <summary>PostgreSQL tables are read through binary COPY (off only to compare it with the data reader: tests, and benchmarks with CRMMIGRATION_PG_COPY_READ=0).</summary>
        internal bool UseCopyRead { get; set; } = CopyReadDefault;

        private static readonly bool CopyReadDefault = Environment.GetEnvironmentVariable("CRMMIGRATION_PG_COPY_READ") != "0";

        private CrmException ReadFailed(DbTableInfo table, long ordinal, Exception ex) =>
            new CrmException("SourceReadFailed", CrmErrorKind.ConnectionError, $"Reading '{table.Name}' from {Connection.DisplayName} failed after {ordinal} records: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };

        private CrmException QueryFailed(DbTableInfo table, DbException ex) =>
            new CrmException("SourceReadFailed", CrmErrorKind.ConnectionError, $"Reading '{table.Name}' from {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };

        /// <summary>A query running through the data reader, with its connection, command and cancellation (disposed together).</summary>
        private sealed class RunningQuery : IDisposable
        {
            public RunningQuery(DbConnection connection, DbCommand command)
            {
                Connection = connection;
                Command = command;
            }

            public DbConnection Connection { get; }
            public DbCommand Command { get; }
            public CancellationTokenRegistration Cancel { get; set; }
            public DbDataReader? Reader { get; set; }

            public void Dispose()
            {
                Reader?.Dispose();
                Cancel.Dispose();
                Command.Dispose();
                Connection.Dispose();
            }
        }

        /// <summary>Runs a table's query through the data reader (SequentialAccess: Npgsql streams each row without buffering it; MySqlConnector streams anyway); Ctrl+C cancels it.</summary>
        private RunningQuery Execute(DbTableInfo table, string sql, List<object> parameters, CancellationToken cancellationToken)
        {
            var conn = OpenConnection("SourceConnectionFailed", cancellationToken);
            var query = new RunningQuery(conn, conn.CreateCommand());
            try
            {
                var cmd = query.Command;
                cmd.CommandText = sql;
                AddParameters(cmd, parameters);
                query.Cancel = cancellationToken.Register(() => { try { cmd.Cancel(); } catch (DbException) { } catch (InvalidOperationException) { } });
                try
                {
                    query.Reader = cmd.ExecuteReader(CommandBehavior.SequentialAccess);
                }
                catch (DbException ex)
                {
                    throw QueryFailed(table, ex);
                }
                return query;
            }
            catch
            {
                query.Dispose();
                throw;
            }
        }

        /// <summary>Reads the next row; false at the end. A driver error (not Ctrl+C) says how many rows were read before it.</summary>
        private bool NextRow(DbDataReader reader, DbTableInfo table, long ordinal, CancellationToken cancellationToken)
        {
            bool more;
            try { more = reader.Read(); }
            catch (DbException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw ReadFailed(table, ordinal, ex);
            }
            if (more) cancellationToken.ThrowIfCancellationRequested();
            return more;
        }

        /// <summary>The rows of a query through the data reader, each as its values (read by the dialect).</summary>
        private IEnumerable<object?[]> ReaderRows(DbTableInfo table, string sql, List<object> parameters, CancellationToken cancellationToken, long ordinal)
        {
            var columns = table.Columns;
            int n = columns.Count;
            using var query = Execute(table, sql, parameters, cancellationToken);
            var reader = query.Reader!;
            while (NextRow(reader, table, ordinal, cancellationToken))
            {
                var values = new object?[n];
                for (int i = 0; i < n; i++) values[i] = _dialect.Read(reader, i, columns[i]);
                ordinal++;
                yield return values;
            }
        }

        /// <summary>The rows of a PostgreSQL query through binary COPY (<see cref="CopyBatches"/>), each given as its values, as <see cref="PgDialect.Read"/> gives them.</summary>
        private IEnumerable<object?[]> CopyRows(TableRead read, CancellationToken cancellationToken, long ordinal)
        {
            int n = read.Table.Columns.Count;
            foreach (var batch in CopyBatches(read, new BatchReadOptions { BatchSize = CopyBatchRows }, cancellationToken, ordinal))
            {
                var cells = batch.Columns;
                for (int r = 0; r < batch.Count; r++)
                {
                    var values = new object?[n];
                    for (int i = 0; i < n; i++) values[i] = cells[i].GetValue(r);
                    yield return values;
                }
            }
        }

        /// <summary>Rows decoded from binary COPY at a time for records.</summary>
        private const int CopyBatchRows = 1024;

        /// <summary>A batch to fill: rented (a consumer on another thread gives them back), else the one kept, else a new one, described as the read's rows.</summary>
        private RowBatch NextBatch(TableRead read, BatchReadOptions options, ref RowBatch? kept)
        {
            var batch = options.Rent?.Invoke() ?? (options.Rent is null ? kept : null);
            if (batch is null)
            {
                batch = new RowBatch(read.Table.Name, read.Shape, Math.Max(1, options.BatchSize))
                {
                    System = Connection.DisplayName,
                    SourceEntity = read.Table.Name,
                    KeyColumns = read.Table.PrimaryKey.Length > 0 ? read.Table.PrimaryKey : null,
                    KeyNames = read.KeyNames,
                    KeysAreSeekable = read.Table.PrimaryKey.Length > 0,
                };
                if (options.Rent is null) kept = batch;
            }
            else batch.Clear();
            return batch;
        }

        /// <summary>
        /// The rows of a PostgreSQL query through <c>COPY (query) TO STDOUT (FORMAT binary)</c>, decoded into column batches
        /// (<see cref="PgCopyReader"/>): each row's line and position are its ordinal in the read (after <paramref name="ordinal"/>).
        /// </summary>
        private IEnumerable<RowBatch> CopyBatches(TableRead read, BatchReadOptions options, CancellationToken cancellationToken, long ordinal)
        {
            var table = read.Table;
            using var conn = (Npgsql.NpgsqlConnection)OpenConnection("SourceConnectionFailed", cancellationToken);
            System.IO.Stream stream;
            try
            {
                stream = conn.BeginRawBinaryCopy("COPY (" + read.Sql + ") TO STDOUT (FORMAT binary)");
            }
            catch (DbException ex)
            {
                throw QueryFailed(table, ex);
            }
            using (stream)
            {
                var reader = PgCopyReader.Open(stream, read.Decoders!, table.Columns);
                RowBatch? kept = null;
                int size = Math.Max(1, options.BatchSize);
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var batch = NextBatch(read, options, ref kept);
                    try
                    {
                        while (batch.Count < size && reader.ReadRow(batch, ordinal + batch.Count + 1)) { }
                    }
                    catch (Exception ex) when ((ex is DbException or System.IO.IOException) && !cancellationToken.IsCancellationRequested)
                    {
                        throw ReadFailed(table, ordinal, ex);
                    }
                    if (batch.Count == 0) break;
                    ordinal += batch.Count;
                    yield return batch;
                }
            }
        }

        /// <summary>
        /// The rows of a query through the data reader into column batches: each column read by the converter its dialect chose
        /// for it once (<see cref="DbDialect.CellReader"/>), the same values <see cref="DbDialect.Read"/> gives.
        /// </summary>
        private IEnumerable<RowBatch> ReaderBatches(TableRead read, BatchReadOptions options, CancellationToken cancellationToken, long ordinal)
        {
            var table = read.Table;
            var columns = table.Columns;
            int n = columns.Count;
            var cellReaders = new Action<DbDataReader, int, BatchColumn, int>[n];
            for (int i = 0; i < n; i++) cellReaders[i] = _dialect.CellReader(columns[i]);
            using var query = Execute(table, read.Sql, read.Parameters, cancellationToken);
            var reader = query.Reader!;
            RowBatch? kept = null;
            int size = Math.Max(1, options.BatchSize);
            bool more = true;
            while (more)
            {
                var batch = NextBatch(read, options, ref kept);
                var cells = batch.Columns;
                while (batch.Count < size && (more = NextRow(reader, table, ordinal, cancellationToken)))
                {
                    ordinal++;
                    int row = batch.AddRow(ordinal, ordinal);
                    for (int i = 0; i < n; i++) cellReaders[i](reader, i, cells[i], row);
                }
                if (batch.Count == 0) break;
                yield return batch;
            }
        }

        internal static CrmKey? MakeKey(object?[] values, int[] pk, string[] keyNames)
        {
            if (pk.Length == 0) return null;
            if (pk.Length == 1) return new CrmKey(CrmValues.ToText(values[pk[0]]) ?? "") { FieldNames = keyNames };
            var parts = new string[pk.Length];
            for (int k = 0; k < pk.Length; k++) parts[k] = CrmValues.ToText(values[pk[k]]) ?? "";
            return new CrmKey(parts) { FieldNames = keyNames };
        }

        /// <summary>
        /// Narrows the query on the server where that is safe: ASCII text equality (case-insensitive, as
        /// <see cref="RecordFilter"/> compares) and integer equality. The filter is still applied in
        /// memory afterwards, so a pushed condition only has to be at least as wide as the real one. True when it wrote a WHERE clause.
        /// </summary>
        private bool PushDown(DbTableInfo table, IReadOnlyList<CrmFieldFilter> filters, StringBuilder sql, List<object> parameters, bool inline = false)
        {
            bool first = true;
            foreach (var f in filters)
            {
                int ci = table.IndexOf(f.Field);
                if (ci < 0) continue;
                var column = table.Columns[ci];
                string col = _dialect.Quote(column.Name);
                string? condition = null;
                if (f.Value is string s && column.Type == CrmFieldType.String && !column.ReadAsText && IsAscii(s) && s.IndexOf('*') < 0 && s.IndexOf('?') < 0 && s.Length > 0)
                {
                    condition = "LOWER(" + col + ") = LOWER(" + Parameter(parameters, s, inline) + ")";
                }
                else if (column.Type == CrmFieldType.Integer && f.Value is long or int)
                {
                    condition = col + " = " + Parameter(parameters, Convert.ToInt64(f.Value, CultureInfo.InvariantCulture), inline);
                }
                if (condition is null) continue;
                sql.Append(first ? " WHERE " : " AND ").Append(condition);
                first = false;
            }
            return !first;
        }

        /// <summary>
        /// A value in a query: a parameter (@pN, its value added to <paramref name="parameters"/>), or with <paramref name="inline"/>
        /// a PostgreSQL literal of the type the parameter would have had (a COPY query takes no parameters): a bigint, or an
        /// escape string (E'...', backslashes and quotes doubled, whatever standard_conforming_strings says) cast to text.
        /// </summary>
        private static string Parameter(List<object> parameters, object value, bool inline)
        {
            if (!inline)
            {
                parameters.Add(value);
                return "@p" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture);
            }
            return value switch
            {
                long l => "CAST(" + l.ToString(CultureInfo.InvariantCulture) + " AS bigint)",
                string s => "CAST(E'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "' AS text)",
                _ => throw new ArgumentException("Only integers and text go into a query as literals.", nameof(value)),
            };
        }

        private static bool IsAscii(string s)
        {
            foreach (char c in s) if (c > 127) return false;
            return true;
        }

        /// <inheritdoc/>
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options)
        {
            if (entity is null) throw new ArgumentNullException(nameof(entity));
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Profiles.CrmProfile.ForConnection(Connection) is not null)
            {
                throw new CrmException("ProfileReadOnly", CrmErrorKind.InvalidArgument,
                    $"The connection {Connection.DisplayName} reads through a CRM profile, which is read-only; open a connection without -Profile to write tables.");
            }
            return new DbEntityWriter(this, entity, options ?? new CrmWriteOptions());
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _disposed = true;
            _meta?.Dispose();
            _meta = null;
        }
    }

    /// <summary>Bounded exponential backoff for transient server errors.</summary>
    internal static class Retry
    {
        public const int Attempts = 4;

        public static T Run<T>(DbDialect dialect, Func<T> action, CancellationToken cancellationToken, Func<Exception, CrmException>? wrap)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return action();
                }
                catch (Exception ex) when (ex is not CrmException && ex is not OperationCanceledException)
                {
                    if (attempt < Attempts && dialect.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
                    {
                        cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100 * (1 << (attempt - 1))));
                        continue;
                    }
                    if (wrap is not null) throw wrap(ex);
                    throw;
                }
            }
        }
    }
}
