using System;
using System.Collections.Generic;
using System.Text;
using CrmMigration.Engine.Util;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    public sealed partial class SqliteProvider
    {
        /// <inheritdoc/>
        public HashSet<string>? ExistingKeys(string entity, IReadOnlyList<string>? keyFields, IReadOnlyCollection<string> keys)
        {
            if (!System.IO.File.Exists(FullPath)) return null; // nothing written yet
            var conn = Meta();
            var table = SqliteCatalog.Load(conn, entity);
            if (table is null) return null;
            var cols = KeyColumns(table, keyFields);
            if (cols is null) return null;
            var found = new HashSet<string>(StringComparer.Ordinal);
            var all = new List<string>(keys);
            int chunk = Math.Max(1, 900 / cols.Length);
            for (int start = 0; start < all.Count; start += chunk)
            {
                int end = Math.Min(all.Count, start + chunk);
                using var cmd = conn.CreateCommand();
                var sql = new StringBuilder("SELECT ");
                AppendList(sql, table, cols);
                sql.Append(" FROM ").AppendQuoted(table.Name).Append(" WHERE ");
                if (cols.Length > 1) sql.Append('(');
                AppendList(sql, table, cols);
                if (cols.Length > 1) sql.Append(')');
                sql.Append(" IN (");
                int p = 0;
                for (int r = start; r < end; r++)
                {
                    var parts = CrmKey.Parse(all[r]).Parts;
                    if (parts.Count != cols.Length) continue;
                    if (p > 0) sql.Append(", ");
                    if (cols.Length > 1) sql.Append('(');
                    for (int k = 0; k < cols.Length; k++)
                    {
                        if (k > 0) sql.Append(", ");
                        string name = "$k" + (p++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        sql.Append(name);
                        cmd.Parameters.AddWithValue(name, KeyValue(parts[k], table.Columns[cols[k]]));
                    }
                    if (cols.Length > 1) sql.Append(')');
                }
                if (p == 0) continue;
                sql.Append(')');
                cmd.CommandText = sql.ToString();
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var parts = new string[cols.Length];
                    for (int k = 0; k < cols.Length; k++) parts[k] = CrmValues.ToText(reader.IsDBNull(k) ? null : reader.GetValue(k)) ?? "";
                    found.Add(new CrmKey(parts).ToString());
                }
            }
            return found;
        }

        /// <inheritdoc/>
        public int SetFields(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> fields, IReadOnlyList<(string Key, object?[] Values)> rows)
        {
            if (rows.Count == 0) return 0;
            using var conn = SqliteSql.Open(FullPath, write: true);
            SqliteSql.Execute(conn, "PRAGMA busy_timeout=5000");
            SqliteSql.Execute(conn, ForeignKeysEnforced ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
            var table = SqliteCatalog.Load(conn, entity)
                ?? throw new CrmException("SqliteEntityNotFound", CrmErrorKind.NotFound, $"The table '{entity}' does not exist in {Connection.DisplayName}.") { Error = { Entity = entity } };
            var cols = KeyColumns(table, keyFields)
                ?? throw new CrmException("SqliteNoKey", CrmErrorKind.InvalidArgument, $"The table '{table.Name}' has no key to find records by.") { Error = { Entity = table.Name } };
            var set = new int[fields.Count];
            for (int f = 0; f < set.Length; f++)
            {
                set[f] = table.IndexOf(fields[f]);
                if (set[f] < 0) throw new CrmException("SqliteFieldNotFound", CrmErrorKind.InvalidArgument, $"'{fields[f]}' is not a column of '{table.Name}'.") { Error = { Entity = table.Name, Field = fields[f] } };
            }
            var sql = new StringBuilder("UPDATE ").AppendQuoted(table.Name).Append(" SET ");
            for (int f = 0; f < set.Length; f++) { if (f > 0) sql.Append(", "); sql.AppendQuoted(table.Columns[set[f]].Name).Append(" = $v").Append(f); }
            sql.Append(" WHERE ");
            for (int k = 0; k < cols.Length; k++) { if (k > 0) sql.Append(" AND "); sql.AppendQuoted(table.Columns[cols[k]].Name).Append(" = $k").Append(k); }
            int changed = 0;
            using var tx = conn.BeginTransaction();
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql.ToString();
            foreach (var (key, values) in rows)
            {
                cmd.Parameters.Clear();
                var parts = CrmKey.Parse(key).Parts;
                for (int f = 0; f < set.Length; f++) cmd.Parameters.AddWithValue("$v" + f, values[f] is null ? DBNull.Value : KeyValue(CrmValues.ToText(values[f])!, table.Columns[set[f]]));
                for (int k = 0; k < cols.Length; k++) cmd.Parameters.AddWithValue("$k" + k, KeyValue(parts[k], table.Columns[cols[k]]));
                changed += cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return changed;
        }

        private static int[]? KeyColumns(SqliteTableInfo table, IReadOnlyList<string>? keyFields) => Providers.KeyColumns.Resolve(keyFields, table.IndexOf, table.PrimaryKey);

        private static void AppendList(StringBuilder sql, SqliteTableInfo table, int[] cols)
        {
            for (int k = 0; k < cols.Length; k++) { if (k > 0) sql.Append(", "); sql.AppendQuoted(table.Columns[cols[k]].Name); }
        }

        /// <summary>A key text as the column compares it: numbers as numbers, the rest as text.</summary>
        private static object KeyValue(string text, SqliteColumn column)
        {
            if (column.Type is CrmFieldType.Integer && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long l)) return l;
            if (column.Type is CrmFieldType.Decimal && column.Affinity != 'T' && decimal.TryParse(text, System.Globalization.NumberStyles.Number | System.Globalization.NumberStyles.AllowExponent, System.Globalization.CultureInfo.InvariantCulture, out decimal m)) return SqliteSql.DecimalStorage(m);
            if (column.Type is CrmFieldType.Double && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)) return d;
            return text;
        }
    }
}
