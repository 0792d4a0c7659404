using System;
using System.Collections.Generic;
using System.Text;
using CrmMigration.Engine.Util;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>Rows put back by key from before-images (Undo-CrmMigration). Values are SQLite storage values, bound as they were read.</summary>
    public sealed partial class SqliteProvider : ICrmRowEditor
    {
        private SqliteConnection EditConnection()
        {
            var conn = SqliteSql.Open(FullPath, write: true);
            SqliteSql.Execute(conn, "PRAGMA busy_timeout=10000");
            SqliteSql.Execute(conn, ForeignKeysEnforced ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
            Wrote = true;
            return conn;
        }

        private SqliteTableInfo RequireTable(SqliteConnection conn, string entity) => SqliteCatalog.Load(conn, entity)
            ?? throw new CrmException("SqliteEntityNotFound", CrmErrorKind.NotFound, $"The table '{entity}' does not exist in {Connection.DisplayName}.") { Error = { Entity = entity } };

        /// <inheritdoc/>
        public IReadOnlyList<(RowUndo Outcome, string? Message)> Restore(RowImageBatch images)
        {
            var result = new List<(RowUndo, string?)>(images.Rows.Count);
            if (images.Rows.Count == 0) return result;
            using var conn = EditConnection();
            var table = RequireTable(conn, images.Entity);
            // Image columns as the table has them now; generated columns are never written.
            var map = new int[images.Columns.Count];
            for (int i = 0; i < map.Length; i++)
            {
                int c = table.IndexOf(images.Columns[i]);
                map[i] = c >= 0 && !table.Columns[c].Generated ? c : -1;
            }
            var key = new List<int>();
            foreach (int k in images.KeyColumns) key.Add(k);
            using var tx = conn.BeginTransaction(deferred: false);
            using var delete = KeyedStatement(conn, tx, "DELETE FROM " + SqliteSql.Quote(table.Name), images, key, null);
            var setCols = new List<int>();
            for (int i = 0; i < map.Length; i++) if (map[i] >= 0 && !key.Contains(i)) setCols.Add(i);
            using var update = KeyedStatement(conn, tx, "UPDATE " + SqliteSql.Quote(table.Name), images, key, setCols);
            var insertCols = new List<int>();
            for (int i = 0; i < map.Length; i++) if (map[i] >= 0) insertCols.Add(i);
            using var insert = conn.CreateCommand();
            insert.Transaction = tx;
            var isql = new StringBuilder("INSERT INTO ").AppendQuoted(table.Name).Append(" (");
            for (int j = 0; j < insertCols.Count; j++) { if (j > 0) isql.Append(", "); isql.AppendQuoted(images.Columns[insertCols[j]]); }
            isql.Append(") VALUES (");
            for (int j = 0; j < insertCols.Count; j++) { if (j > 0) isql.Append(", "); isql.Append("$i").Append(j); }
            insert.CommandText = isql.Append(')').ToString();
            foreach (var row in images.Rows)
            {
                try
                {
                    if (!row.Existed)
                    {
                        int n = row.Key is not null ? Run(delete, row.Values, key, null) : DeleteByContent(conn, tx, table, images, row);
                        result.Add((n > 0 ? RowUndo.Deleted : RowUndo.AlreadyAsBefore, null));
                    }
                    else if (row.Key is not null && setCols.Count > 0 && Run(update, row.Values, key, setCols) > 0)
                    {
                        result.Add((RowUndo.Restored, null));
                    }
                    else if (row.Key is not null && setCols.Count == 0 && Exists(conn, tx, table, images, row, key))
                    {
                        result.Add((RowUndo.Restored, null));
                    }
                    else
                    {
                        insert.Parameters.Clear();
                        for (int j = 0; j < insertCols.Count; j++) insert.Parameters.AddWithValue("$i" + j.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Values[insertCols[j]] ?? DBNull.Value);
                        insert.ExecuteNonQuery();
                        result.Add((RowUndo.Reinserted, null));
                    }
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19) // a constraint: this row cannot go back
                {
                    result.Add((RowUndo.Failed, ex.Message));
                }
            }
            tx.Commit();
            return result;
        }

        /// <summary>"&lt;head&gt; [SET c = $sN, ...] WHERE k = $kN AND ...", prepared once per call.</summary>
        private static SqliteCommand KeyedStatement(SqliteConnection conn, SqliteTransaction tx, string head, RowImageBatch images, List<int> key, List<int>? set)
        {
            var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder(head);
            if (set is not null)
            {
                sql.Append(" SET ");
                for (int j = 0; j < set.Count; j++) { if (j > 0) sql.Append(", "); sql.AppendQuoted(images.Columns[set[j]]).Append(" = $s").Append(j); }
            }
            sql.Append(" WHERE ");
            for (int k = 0; k < key.Count; k++) { if (k > 0) sql.Append(" AND "); sql.AppendQuoted(images.Columns[key[k]]).Append(" = $k").Append(k); }
            cmd.CommandText = key.Count == 0 ? "SELECT 0" : sql.ToString();
            return cmd;
        }

        private static int Run(SqliteCommand cmd, object?[] values, List<int> key, List<int>? set)
        {
            cmd.Parameters.Clear();
            if (set is not null) for (int j = 0; j < set.Count; j++) cmd.Parameters.AddWithValue("$s" + j.ToString(System.Globalization.CultureInfo.InvariantCulture), values[set[j]] ?? DBNull.Value);
            for (int k = 0; k < key.Count; k++) cmd.Parameters.AddWithValue("$k" + k.ToString(System.Globalization.CultureInfo.InvariantCulture), values[key[k]] ?? DBNull.Value);
            return cmd.ExecuteNonQuery();
        }

        private static bool Exists(SqliteConnection conn, SqliteTransaction tx, SqliteTableInfo table, RowImageBatch images, RowImage row, List<int> key)
        {
            using var cmd = KeyedStatement(conn, tx, "SELECT 1 FROM " + SqliteSql.Quote(table.Name), images, key, null);
            for (int k = 0; k < key.Count; k++) cmd.Parameters.AddWithValue("$k" + k.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Values[key[k]] ?? DBNull.Value);
            return cmd.ExecuteScalar() is not null;
        }

        /// <summary>A row without a key is found by the values it was written with (one row of that content is deleted).</summary>
        private static int DeleteByContent(SqliteConnection conn, SqliteTransaction tx, SqliteTableInfo table, RowImageBatch images, RowImage row)
        {
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder("DELETE FROM ").AppendQuoted(table.Name).Append(" WHERE rowid = (SELECT rowid FROM ").AppendQuoted(table.Name);
            int p = 0;
            for (int i = 0; i < images.Columns.Count; i++)
            {
                if (row.Values[i] is null || table.IndexOf(images.Columns[i]) < 0) continue;
                sql.Append(p == 0 ? " WHERE " : " AND ").AppendQuoted(images.Columns[i]).Append(" = $c").Append(p);
                cmd.Parameters.AddWithValue("$c" + (p++).ToString(System.Globalization.CultureInfo.InvariantCulture), row.Values[i]);
            }
            cmd.CommandText = sql.Append(" LIMIT 1)").ToString();
            return cmd.ExecuteNonQuery();
        }

        /// <inheritdoc/>
        public IReadOnlyList<bool> Delete(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> keys, string? softDeleteField, Action<RowImageBatch>? beforeCommit)
        {
            var result = new List<bool>(keys.Count);
            using var conn = EditConnection();
            var table = RequireTable(conn, entity);
            var cols = KeyColumns(table, keyFields)
                ?? throw new CrmException("SqliteNoKey", CrmErrorKind.InvalidArgument, $"The table '{table.Name}' has no key to find records by.") { Error = { Entity = table.Name } };
            int soft = -1;
            if (softDeleteField is not null)
            {
                soft = table.IndexOf(softDeleteField);
                if (soft < 0) throw SoftDeleteFieldNotFound(table.Name, softDeleteField);
            }
            var names = new string[table.Columns.Count];
            for (int c = 0; c < names.Length; c++) names[c] = table.Columns[c].Name;
            var images = new RowImageBatch(table.Name, names, cols);
            using var tx = conn.BeginTransaction(deferred: false);
            using var select = conn.CreateCommand();
            select.Transaction = tx;
            var sql = new StringBuilder("SELECT ");
            for (int c = 0; c < names.Length; c++) { if (c > 0) sql.Append(", "); sql.AppendQuoted(names[c]); }
            var where = new StringBuilder();
            for (int k = 0; k < cols.Length; k++) { if (k > 0) where.Append(" AND "); where.AppendQuoted(names[cols[k]]).Append(" = $k").Append(k); }
            select.CommandText = sql.Append(" FROM ").AppendQuoted(table.Name).Append(" WHERE ").Append(where).ToString();
            using var change = conn.CreateCommand();
            change.Transaction = tx;
            change.CommandText = soft < 0
                ? "DELETE FROM " + SqliteSql.Quote(table.Name) + " WHERE " + where
                : "UPDATE " + SqliteSql.Quote(table.Name) + " SET " + SqliteSql.Quote(names[soft]) + " = $v WHERE " + where;
            object? mark = soft < 0 ? null : SqliteSql.ToStorage(true, table.Columns[soft]);
            foreach (var key in keys)
            {
                var parts = CrmKey.Parse(key).Parts;
                if (parts.Count != cols.Length) { result.Add(false); continue; }
                select.Parameters.Clear();
                change.Parameters.Clear();
                for (int k = 0; k < cols.Length; k++)
                {
                    object value = KeyValue(parts[k], table.Columns[cols[k]]);
                    select.Parameters.AddWithValue("$k" + k.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
                    change.Parameters.AddWithValue("$k" + k.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
                }
                object?[]? values = null;
                using (var reader = select.ExecuteReader())
                {
                    if (reader.Read())
                    {
                        values = new object?[names.Length];
                        for (int c = 0; c < values.Length; c++) values[c] = reader.IsDBNull(c) ? null : reader.GetValue(c);
                    }
                }
                if (values is null) { result.Add(false); continue; }
                images.Rows.Add(new RowImage(key, true, values));
                if (soft >= 0) change.Parameters.AddWithValue("$v", mark ?? DBNull.Value);
                result.Add(change.ExecuteNonQuery() > 0);
            }
            if (images.Rows.Count > 0) beforeCommit?.Invoke(images);
            tx.Commit();
            return result;
        }

        internal static CrmException SoftDeleteFieldNotFound(string table, string field) =>
            new("SoftDeleteFieldNotFound", CrmErrorKind.InvalidArgument, $"'{field}' is not a column of '{table}', so records deleted in the source cannot be marked there. Name an existing column with -SoftDeleteField.") { Error = { Entity = table, Field = field } };

        /// <inheritdoc/>
        public bool DropIfEmpty(string entity)
        {
            using var conn = EditConnection();
            var table = SqliteCatalog.Load(conn, entity);
            if (table is null || table.IsView) return false;
            using var any = conn.CreateCommand();
            any.CommandText = "SELECT 1 FROM " + SqliteSql.Quote(table.Name) + " LIMIT 1";
            if (any.ExecuteScalar() is not null) return false;
            SqliteSql.Execute(conn, "DROP TABLE " + SqliteSql.Quote(table.Name));
            return true;
        }
    }
}
