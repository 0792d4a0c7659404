using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    public sealed partial class DbProvider
    {
        private const int MaxKeyParameters = 10000;

        /// <inheritdoc/>
        public bool ForeignKeysEnforced => true;

        /// <inheritdoc/>
        public HashSet<string>? ExistingKeys(string entity, IReadOnlyList<string>? keyFields, IReadOnlyCollection<string> keys)
        {
            var table = LoadTable(entity);
            if (table is null) return null;
            var cols = KeyColumns(table, keyFields);
            if (cols is null) return null;
            var found = new HashSet<string>(StringComparer.Ordinal);
            var all = new List<string>(keys);
            int chunk = Math.Max(1, MaxKeyParameters / cols.Length);
            try
            {
                var conn = Meta();
                for (int start = 0; start < all.Count; start += chunk)
                {
                    int end = Math.Min(all.Count, start + chunk);
                    using var cmd = conn.CreateCommand();
                    var sql = new StringBuilder("SELECT ");
                    for (int k = 0; k < cols.Length; k++) { if (k > 0) sql.Append(", "); sql.Append(_dialect.SelectExpression(table.Columns[cols[k]])); }
                    sql.Append(" FROM ").Append(QualifiedName(table)).Append(" WHERE ");
                    if (cols.Length > 1) sql.Append('(');
                    for (int k = 0; k < cols.Length; k++) { if (k > 0) sql.Append(", "); sql.Append(_dialect.Quote(table.Columns[cols[k]].Name)); }
                    if (cols.Length > 1) sql.Append(')');
                    sql.Append(" IN (");
                    int p = 0, rowsAsked = 0;
                    for (int r = start; r < end; r++)
                    {
                        var parts = CrmKey.Parse(all[r]).Parts;
                        if (parts.Count != cols.Length) continue;
                        object?[] values;
                        try { values = Portable(parts, table, cols); }
                        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException) { continue; } // cannot be a key of this column type
                        if (rowsAsked++ > 0) sql.Append(", ");
                        if (cols.Length > 1) sql.Append('(');
                        for (int k = 0; k < cols.Length; k++)
                        {
                            if (k > 0) sql.Append(", ");
                            var column = table.Columns[cols[k]];
                            string name = "@k" + (p++).ToString(CultureInfo.InvariantCulture);
                            sql.Append(_dialect.ValueExpression(name, column));
                            DbDialect.AddParameter(cmd, name, _dialect.ToDb(values[k], column));
                        }
                        if (cols.Length > 1) sql.Append(')');
                    }
                    if (rowsAsked == 0) continue;
                    sql.Append(')');
                    cmd.CommandText = sql.ToString();
                    using var reader = cmd.ExecuteReader();
                    while (reader.Read())
                    {
                        var parts = new string[cols.Length];
                        for (int k = 0; k < cols.Length; k++) parts[k] = CrmValues.ToText(_dialect.Read(reader, k, table.Columns[cols[k]])) ?? "";
                        found.Add(new CrmKey(parts).ToString());
                    }
                }
            }
            catch (DbException ex)
            {
                throw new CrmException(_dialect.IsTransient(ex) ? "TargetConnectionFailed" : "TargetReadFailed", _dialect.IsTransient(ex) ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                    $"Looking up {table.Name} keys in {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };
            }
            return found;
        }

        /// <inheritdoc/>
        public int SetFields(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> fields, IReadOnlyList<(string Key, object?[] Values)> rows)
        {
            if (rows.Count == 0) return 0;
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            var cols = KeyColumns(table, keyFields)
                ?? throw new CrmException("DbNoKey", CrmErrorKind.InvalidArgument, $"The table '{table.Name}' has no key to find records by.") { Error = { Entity = table.Name } };
            var set = new int[fields.Count];
            for (int f = 0; f < set.Length; f++)
            {
                set[f] = table.IndexOf(fields[f]);
                if (set[f] < 0) throw new CrmException("DbFieldNotFound", CrmErrorKind.InvalidArgument, $"'{fields[f]}' is not a column of '{table.Name}'.") { Error = { Entity = table.Name, Field = fields[f] } };
            }
            var sql = new StringBuilder("UPDATE ").Append(QualifiedName(table)).Append(" SET ");
            for (int f = 0; f < set.Length; f++)
            {
                if (f > 0) sql.Append(", ");
                sql.Append(_dialect.Quote(table.Columns[set[f]].Name)).Append(" = ").Append(_dialect.ValueExpression("@v" + f.ToString(CultureInfo.InvariantCulture), table.Columns[set[f]]));
            }
            sql.Append(" WHERE ");
            for (int k = 0; k < cols.Length; k++)
            {
                if (k > 0) sql.Append(" AND ");
                sql.Append(_dialect.Quote(table.Columns[cols[k]].Name)).Append(" = ").Append(_dialect.ValueExpression("@k" + k.ToString(CultureInfo.InvariantCulture), table.Columns[cols[k]]));
            }
            int changed = 0;
            try
            {
                using var conn = OpenConnection("TargetConnectionFailed");
                using var tx = conn.BeginTransaction();
                foreach (var (key, values) in rows)
                {
                    using var cmd = conn.CreateCommand();
                    cmd.Transaction = tx;
                    cmd.CommandText = sql.ToString();
                    var parts = CrmKey.Parse(key).Parts;
                    var keyValues = Portable(parts, table, cols);
                    for (int f = 0; f < set.Length; f++)
                    {
                        var column = table.Columns[set[f]];
                        DbDialect.AddParameter(cmd, "@v" + f.ToString(CultureInfo.InvariantCulture), _dialect.ToDb(DbDialect.ToPortable(values[f], column), column));
                    }
                    for (int k = 0; k < cols.Length; k++) DbDialect.AddParameter(cmd, "@k" + k.ToString(CultureInfo.InvariantCulture), _dialect.ToDb(keyValues[k], table.Columns[cols[k]]));
                    changed += cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
            catch (DbException ex)
            {
                throw new CrmException(_dialect.IsTransient(ex) ? "TargetConnectionFailed" : "ReferenceUpdateFailed", _dialect.IsTransient(ex) ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                    $"Filling references of {table.Name} in {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };
            }
            return changed;
        }

        private static int[]? KeyColumns(DbTableInfo table, IReadOnlyList<string>? keyFields) => Providers.KeyColumns.Resolve(keyFields, table.IndexOf, table.PrimaryKey);

        private static object?[] Portable(IReadOnlyList<string> parts, DbTableInfo table, int[] cols)
        {
            var values = new object?[cols.Length];
            for (int k = 0; k < cols.Length; k++) values[k] = DbDialect.ToPortable(parts[k], table.Columns[cols[k]]);
            return values;
        }
    }
}
