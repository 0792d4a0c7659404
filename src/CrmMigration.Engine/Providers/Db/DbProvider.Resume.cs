using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Engine.Providers.Db
{
    public sealed partial class DbProvider : ICrmResumableSource, ICrmBatchSource
    {
        /// <summary>
        /// A table (no profile, no -Filter: a filter is matched against records) is read in batches: PostgreSQL's binary COPY decoded
        /// into the columns, otherwise the data reader with one converter per column. The rows are those <see cref="Read"/> gives,
        /// in the same order, with the same ordinals; from a keyset position (<see cref="BatchReadOptions.ResumeAt"/> with key parts)
        /// the read starts after it as <see cref="ICrmResumableSource.ReadFrom"/> does.
        /// </summary>
        bool ICrmBatchSource.ReadsInBatches(string entity, CrmReadOptions options) =>
            Profiles.CrmProfile.ForConnection(Connection) is null && (options?.Filters.Count ?? 0) == 0;

        IEnumerable<RowBatch> ICrmBatchSource.ReadBatches(string entity, CrmReadOptions options, BatchReadOptions batch, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            options ??= new CrmReadOptions();
            if (!((ICrmBatchSource)this).ReadsInBatches(entity, options)) throw new InvalidOperationException("A table read through a profile or with -Filter is read as records.");
            // The table and the query are settled here, on the calling thread; only the rows are read where the batches are taken.
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            var after = batch.ResumeAt;
            (string, IReadOnlyList<string>)? keyset = after?.KeyParts is { } parts ? (after.Inclusive ? ">=" : ">", parts) : null;
            long ordinal = keyset is null ? 0 : after!.FirstOrdinal - 1;
            var read = Query(table, options, keyset, 0, batches: true);
            return read.Decoders is not null ? CopyBatches(read, batch, cancellationToken, ordinal) : ReaderBatches(read, batch, cancellationToken, ordinal);
        }

        /// <summary>A table is no file: its read position is a keyset one (see <see cref="ICrmResumableSource"/>).</summary>
        string? ICrmBatchSource.FileOf(string entity) => null;

        /// <summary>A table (no profile) whose primary key is of integer or plain text columns, read in that key's order.</summary>
        bool ICrmResumableSource.CanResume(string entity)
        {
            if (Profiles.CrmProfile.ForConnection(Connection) is not null) return false;
            var table = LoadTable(entity);
            if (table is null || table.PrimaryKey.Length == 0) return false;
            foreach (int k in table.PrimaryKey)
            {
                var c = table.Columns[k];
                if (!KeysetPosition.Seekable(c.Type) || c.ReadAsText || c.NeedsCast || c.IsEnum) return false;
                if (c.Type == CrmFieldType.String && !PlainText(c.DeclaredType)) return false;
            }
            return true;
        }

        /// <summary>Character types the server compares as text with a text parameter (not uuid, inet, citext and the like).</summary>
        private static bool PlainText(string declared)
        {
            foreach (var t in new[] { "text", "varchar", "character varying", "char", "character", "bpchar", "tinytext", "mediumtext", "longtext" })
            {
                if (declared.StartsWith(t, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        IEnumerable<CrmRecord> ICrmResumableSource.ReadFrom(string entity, CrmReadOptions options, SourcePosition? after, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            if (after?.KeyParts is not { } parts) return ReadRows(table, options ?? new CrmReadOptions(), cancellationToken);
            return ReadRows(table, options ?? new CrmReadOptions(), cancellationToken, (after.Inclusive ? ">=" : ">", parts), after.FirstOrdinal - 1);
        }

        SourcePosition ICrmResumableSource.PositionOf(CrmRecord record, long ordinal) => KeysetPosition.After(record, ordinal);

        SourceFileStamp ICrmResumableSource.StampOf(string entity, CrmRecord record) => KeysetPosition.StampOf(record);

        string? ICrmResumableSource.Changed(string entity, SourcePosition position, SourceFileStamp saved) => ChangedCheck(entity, position, saved)();

        /// <summary>
        /// <see cref="ICrmResumableSource.Changed"/> in two steps: the table is looked up now, on the catalog connection; the check
        /// returned reads the row at the position and counts the rows up to it on connections of its own, so it may run on
        /// another thread while this provider reads the table (the resumed read does not wait for the count).
        /// </summary>
        internal Func<string?> ChangedCheck(string entity, SourcePosition position, SourceFileStamp saved)
        {
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            if (position.KeyParts is not { } parts || parts.Count != table.PrimaryKey.Length) return () => "the saved key does not fit the table's primary key";
            return () =>
            {
                CrmRecord? at = null;
                foreach (var r in ReadRows(table, new CrmReadOptions(), CancellationToken.None, ("=", parts), 0, 1)) at = r;
                var sql = new StringBuilder("SELECT COUNT(*) FROM ").Append(QualifiedName(table));
                var parameters = new List<object>();
                KeysetCondition(table, "<=", parts, sql, parameters);
                using var conn = OpenConnection("SourceConnectionFailed", CancellationToken.None);
                using var tx = conn.BeginTransaction();
                if (_dialect is PgDialect)
                {
                    using var serial = conn.CreateCommand();
                    serial.Transaction = tx;
                    serial.CommandText = "SET LOCAL max_parallel_workers_per_gather = 0";
                    serial.ExecuteNonQuery();
                }
                using var cmd = conn.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = sql.ToString();
                AddParameters(cmd, parameters);
                long upTo = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                tx.Commit();
                return KeysetPosition.Changed(position, saved, upTo, at);
            };
        }

        /// <summary>Appends the keyset condition on the primary key (<paramref name="where"/>: as the WHERE clause, else after what <see cref="PushDown"/> wrote, with AND).</summary>
        private void KeysetCondition(DbTableInfo table, string op, IReadOnlyList<string> parts, StringBuilder sql, List<object> parameters, bool where = true, bool inline = false)
        {
            int[] pk = table.PrimaryKey;
            var columns = new string[pk.Length];
            var values = new string[pk.Length];
            for (int k = 0; k < pk.Length; k++) columns[k] = _dialect.Quote(table.Columns[pk[k]].Name);
            for (int k = 0; k < pk.Length; k++) values[k] = Parameter(parameters, KeysetPosition.Value(table.Columns[pk[k]].Type, parts[k]), inline);
            sql.Append(where ? " WHERE " : " AND ");
            KeysetPosition.AppendCondition(sql, columns, op, i => values[i]);
        }

        private static void AddParameters(DbCommand cmd, List<object> parameters)
        {
            for (int p = 0; p < parameters.Count; p++)
            {
                var prm = cmd.CreateParameter();
                prm.ParameterName = "p" + p.ToString(CultureInfo.InvariantCulture);
                prm.Value = parameters[p];
                cmd.Parameters.Add(prm);
            }
        }
    }
}
