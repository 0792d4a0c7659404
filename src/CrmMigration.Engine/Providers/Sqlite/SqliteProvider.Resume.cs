using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    public sealed partial class SqliteProvider : ICrmResumableSource
    {
        /// <summary>A table whose primary key is of integer or text columns (declared so): read in that key's order, it resumes after a key.</summary>
        bool ICrmResumableSource.CanResume(string entity)
        {
            var table = SqliteCatalog.Load(Meta(), entity);
            if (table is null || table.IsView || table.PrimaryKey.Length == 0) return false;
            foreach (int k in table.PrimaryKey)
            {
                var c = table.Columns[k];
                if (!KeysetPosition.Seekable(c.Type) || c.Untyped) return false;
            }
            return true;
        }

        IEnumerable<CrmRecord> ICrmResumableSource.ReadFrom(string entity, CrmReadOptions options, SourcePosition? after, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var table = SqliteCatalog.Load(Meta(), entity) ?? throw EntityNotFound(entity);
            options ??= new CrmReadOptions();
            // Read in key order from the start too: the position saved as it goes is a key, and the rows before it are those with smaller keys.
            if (after?.KeyParts is not { } parts) return ReadRows(table, options, onError, cancellationToken, (">", Array.Empty<string>()));
            return ReadRows(table, options, onError, cancellationToken, (after.Inclusive ? ">=" : ">", parts), after.FirstOrdinal - 1);
        }

        SourcePosition ICrmResumableSource.PositionOf(CrmRecord record, long ordinal) => KeysetPosition.After(record, ordinal);

        SourceFileStamp ICrmResumableSource.StampOf(string entity, CrmRecord record) => KeysetPosition.StampOf(record);

        string? ICrmResumableSource.Changed(string entity, SourcePosition position, SourceFileStamp saved)
        {
            var table = SqliteCatalog.Load(Meta(), entity) ?? throw EntityNotFound(entity);
            if (position.KeyParts is not { } parts || parts.Count != table.PrimaryKey.Length) return "the saved key does not fit the table's primary key";
            CrmRecord? at = null;
            foreach (var r in ReadRows(table, new CrmReadOptions(), _ => { }, CancellationToken.None, ("=", parts), 0, 1)) at = r;
            using var connection = SqliteSql.Open(FullPath, write: false, _notices.Add);
            using var cmd = connection.CreateCommand();
            var sql = new StringBuilder("SELECT COUNT(*) FROM ").AppendQuoted(table.Name);
            KeysetCondition(table, "<=", parts, sql, cmd, where: true);
            cmd.CommandText = sql.ToString();
            long upTo = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            return KeysetPosition.Changed(position, saved, upTo, at);
        }

        /// <summary>Appends the keyset condition on the primary key (WHERE, or AND after pushed-down filters) with its parameters.</summary>
        private static void KeysetCondition(SqliteTableInfo table, string op, IReadOnlyList<string> parts, StringBuilder sql, SqliteCommand cmd, bool where)
        {
            int[] pk = table.PrimaryKey;
            var columns = new string[pk.Length];
            for (int k = 0; k < pk.Length; k++) columns[k] = SqliteSql.Quote(table.Columns[pk[k]].Name);
            sql.Append(where ? " WHERE " : " AND ");
            KeysetPosition.AppendCondition(sql, columns, op, i => "$k" + i.ToString(CultureInfo.InvariantCulture));
            for (int k = 0; k < pk.Length; k++) cmd.Parameters.AddWithValue("$k" + k.ToString(CultureInfo.InvariantCulture), KeysetPosition.Value(table.Columns[pk[k]].Type, parts[k]));
        }
    }
}
