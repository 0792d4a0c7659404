using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>Rows put back by key from before-images (Undo-CrmMigration). Values are portable values, as the writer read and wrote them.</summary>
    public sealed partial class DbProvider : ICrmRowEditor
    {
        /// <inheritdoc/>
        public IReadOnlyList<(RowUndo Outcome, string? Message)> Restore(RowImageBatch images)
        {
            var result = new (RowUndo, string?)[images.Rows.Count];
            if (images.Rows.Count == 0) return result;
            var table = LoadTable(images.Entity) ?? throw EntityNotFound(images.Entity);
            // Image columns as the table has them now (a column dropped since is left out).
            var map = new int[images.Columns.Count];
            for (int i = 0; i < map.Length; i++) map[i] = table.IndexOf(images.Columns[i]);
            var key = new List<int>(images.KeyColumns);
            var set = new List<int>();
            var all = new List<int>();
            for (int i = 0; i < map.Length; i++)
            {
                if (map[i] < 0) continue;
                all.Add(i);
                if (!key.Contains(i)) set.Add(i);
            }
            string name = QualifiedName(table);
            string where = Condition(table, images, map, key, "@k");
            string delete = "DELETE FROM " + name + " WHERE " + where;
            string update = set.Count == 0 ? "" : "UPDATE " + name + " SET " + Assignments(table, images, map, set) + " WHERE " + where;
            string exists = "SELECT 1 FROM " + name + " WHERE " + where;
            var insert = new StringBuilder("INSERT INTO ").Append(name).Append(" (");
            for (int j = 0; j < all.Count; j++) { if (j > 0) insert.Append(", "); insert.Append(_dialect.Quote(images.Columns[all[j]])); }
            insert.Append(") VALUES (");
            for (int j = 0; j < all.Count; j++) { if (j > 0) insert.Append(", "); insert.Append(_dialect.ValueExpression("@i" + j.ToString(CultureInfo.InvariantCulture), table.Columns[map[all[j]]])); }
            insert.Append(')');
            try
            {
                using var conn = OpenConnection("TargetConnectionFailed");
                using var tx = conn.BeginTransaction();
                // Rows the run inserted go many to a statement (an undo of a bulk load is mostly these).
                var done = key.Count > 0 ? DeleteInserted(conn, tx, table, images, map, key, result) : new bool[images.Rows.Count];
                for (int r = 0; r < images.Rows.Count; r++)
                {
                    if (done[r]) continue;
                    var row = images.Rows[r];
                    if (!row.Existed)
                    {
                        int n = row.Key is not null && key.Count > 0
                            ? Execute(conn, tx, delete, table, map, row.Values, key, null, null)
                            : DeleteByContent(conn, tx, table, images, map, row);
                        result[r] = (n > 0 ? RowUndo.Deleted : RowUndo.AlreadyAsBefore, null);
                    }
                    else if (key.Count > 0 && set.Count > 0 && Execute(conn, tx, update, table, map, row.Values, key, set, null) > 0)
                    {
                        result[r] = (RowUndo.Restored, null);
                    }
                    else if (key.Count > 0 && set.Count == 0 && Execute(conn, tx, exists, table, map, row.Values, key, null, null, scalar: true) > 0)
                    {
                        result[r] = (RowUndo.Restored, null);
                    }
                    else
                    {
                        Execute(conn, tx, insert.ToString(), table, map, row.Values, null, null, all);
                        result[r] = (RowUndo.Reinserted, null);
                    }
                }
                tx.Commit();
            }
            catch (DbException ex)
            {
                throw new CrmException(_dialect.IsTransient(ex) ? "TargetConnectionFailed" : "UndoWriteFailed", _dialect.IsTransient(ex) ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                    $"Putting {table.Name} rows back in {Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };
            }
            return result;
        }

        /// <summary>
        /// Deletes the keyed rows the images say were absent, a chunk of keys per statement, after one SELECT per chunk tells
        /// which are still there (Deleted) from those already gone (AlreadyAsBefore). Returns which images it settled.
        /// </summary>
        private bool[] DeleteInserted(DbConnection conn, DbTransaction tx, DbTableInfo table, RowImageBatch images, int[] map, List<int> key, (RowUndo, string?)[] result)
        {
            var done = new bool[images.Rows.Count];
            var absent = new List<int>();
            for (int r = 0; r < images.Rows.Count; r++) if (!images.Rows[r].Existed && images.Rows[r].Key is not null) absent.Add(r);
            int chunk = Math.Max(1, Math.Min(1000, MaxKeyParameters / key.Count));
            string name = QualifiedName(table);
            for (int start = 0; start < absent.Count; start += chunk)
            {
                int end = Math.Min(absent.Count, start + chunk);
                using var select = conn.CreateCommand();
                using var delete = conn.CreateCommand();
                select.Transaction = tx;
                delete.Transaction = tx;
                var list = new StringBuilder();
                if (key.Count > 1) list.Append('(');
                for (int k = 0; k < key.Count; k++) { if (k > 0) list.Append(", "); list.Append(_dialect.Quote(table.Columns[map[key[k]]].Name)); }
                if (key.Count > 1) list.Append(')');
                list.Append(" IN (");
                int p = 0;
                for (int i = start; i < end; i++)
                {
                    if (i > start) list.Append(", ");
                    if (key.Count > 1) list.Append('(');
                    var values = images.Rows[absent[i]].Values;
                    for (int k = 0; k < key.Count; k++)
                    {
                        if (k > 0) list.Append(", ");
                        var column = table.Columns[map[key[k]]];
                        string parameter = "@d" + (p++).ToString(CultureInfo.InvariantCulture);
                        list.Append(_dialect.ValueExpression(parameter, column));
                        object value = _dialect.ToDb(values[key[k]], column);
                        DbDialect.AddParameter(select, parameter, value);
                        DbDialect.AddParameter(delete, parameter, value);
                    }
                    if (key.Count > 1) list.Append(')');
                }
                list.Append(')');
                var sql = new StringBuilder("SELECT ");
                for (int k = 0; k < key.Count; k++) { if (k > 0) sql.Append(", "); sql.Append(_dialect.SelectExpression(table.Columns[map[key[k]]])); }
                select.CommandText = sql.Append(" FROM ").Append(name).Append(" WHERE ").Append(list).ToString();
                var present = new HashSet<string>(StringComparer.Ordinal);
                using (var reader = select.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var parts = new string[key.Count];
                        for (int k = 0; k < key.Count; k++) parts[k] = CrmValues.ToText(_dialect.Read(reader, k, table.Columns[map[key[k]]])) ?? "";
                        present.Add(new CrmKey(parts).ToString());
                    }
                }
                if (present.Count > 0)
                {
                    delete.CommandText = "DELETE FROM " + name + " WHERE " + list;
                    delete.ExecuteNonQuery();
                }
                for (int i = start; i < end; i++)
                {
                    int r = absent[i];
                    result[r] = (present.Contains(images.Rows[r].Key!) ? RowUndo.Deleted : RowUndo.AlreadyAsBefore, null);
                    done[r] = true;
                }
            }
            return done;
        }

        private string Condition(DbTableInfo table, RowImageBatch images, int[] map, List<int> key, string prefix)
        {
            var sql = new StringBuilder();
            for (int k = 0; k < key.Count; k++)
            {
                if (k > 0) sql.Append(" AND ");
                var column = table.Columns[map[key[k]]];
                sql.Append(_dialect.Quote(column.Name)).Append(" = ").Append(_dialect.ValueExpression(prefix + k.ToString(CultureInfo.InvariantCulture), column));
            }
            return sql.ToString();
        }

        private string Assignments(DbTableInfo table, RowImageBatch images, int[] map, List<int> set)
        {
            var sql = new StringBuilder();
            for (int j = 0; j < set.Count; j++)
            {
                if (j > 0) sql.Append(", ");
                var column = table.Columns[map[set[j]]];
                sql.Append(_dialect.Quote(column.Name)).Append(" = ").Append(_dialect.ValueExpression("@s" + j.ToString(CultureInfo.InvariantCulture), column));
            }
            return sql.ToString();
        }

        /// <summary>Runs one keyed statement with the image's values bound: @kN the key, @sN the assignments, @iN the insert's columns.</summary>
        private int Execute(DbConnection conn, DbTransaction tx, string sql, DbTableInfo table, int[] map, object?[] values, List<int>? key, List<int>? set, List<int>? all, bool scalar = false)
        {
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            Bind(cmd, "@k", table, map, values, key);
            Bind(cmd, "@s", table, map, values, set);
            Bind(cmd, "@i", table, map, values, all);
            if (scalar) return cmd.ExecuteScalar() is null ? 0 : 1;
            return cmd.ExecuteNonQuery();
        }

        private void Bind(DbCommand cmd, string prefix, DbTableInfo table, int[] map, object?[] values, List<int>? slots)
        {
            if (slots is null) return;
            for (int j = 0; j < slots.Count; j++)
            {
                var column = table.Columns[map[slots[j]]];
                DbDialect.AddParameter(cmd, prefix + j.ToString(CultureInfo.InvariantCulture), _dialect.ToDb(values[slots[j]], column));
            }
        }

        /// <summary>A row without a key is found by the values it was written with: one row of that content is deleted.</summary>
        private int DeleteByContent(DbConnection conn, DbTransaction tx, DbTableInfo table, RowImageBatch images, int[] map, RowImage row)
        {
            var match = new List<int>();
            for (int i = 0; i < map.Length; i++) if (map[i] >= 0 && row.Values[i] is not null) match.Add(i);
            if (match.Count == 0) return 0;
            string condition = Condition(table, images, map, match, "@k");
            string name = QualifiedName(table);
            string sql = _dialect is PgDialect
                ? "DELETE FROM " + name + " WHERE ctid = (SELECT ctid FROM " + name + " WHERE " + condition + " LIMIT 1)"
                : "DELETE FROM " + name + " WHERE " + condition + " LIMIT 1";
            return Execute(conn, tx, sql, table, map, row.Values, match, null, null);
        }

        /// <inheritdoc/>
        public IReadOnlyList<bool> Delete(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> keys, string? softDeleteField, Action<RowImageBatch>? beforeCommit)
        {
            var result = new List<bool>(keys.Count);
            var table = LoadTable(entity) ?? throw EntityNotFound(entity);
            var cols = KeyColumns(table, keyFields)
                ?? throw new CrmException("DbNoKey", CrmErrorKind.InvalidArgument, $"The table '{table.Name}' has no key to find records by.") { Error = { Entity = table.Name } };
            int soft = -1;
            if (softDeleteField is not null)
            {
                soft = table.IndexOf(softDeleteField);
                if (soft < 0) throw Sqlite.SqliteProvider.SoftDeleteFieldNotFound(table.Name, softDeleteField);
            }
            var names = new string[table.Columns.Count];
            var all = new int[names.Length];
            for (int c = 0; c < names.Length; c++) { names[c] = table.Columns[c].Name; all[c] = c; }
            var images = new RowImageBatch(table.Name, names, cols);
            var key = new List<int>(cols);
            string where = Condition(table, images, all, key, "@k");
            var select = new StringBuilder("SELECT ");
            for (int c = 0; c < names.Length; c++) { if (c > 0) select.Append(", "); select.Append(_dialect.SelectExpression(table.Columns[c])); }
            select.Append(" FROM ").Append(QualifiedName(table)).Append(" WHERE ").Append(where);
            string change = soft < 0
                ? "DELETE FROM " + QualifiedName(table) + " WHERE " + where
                : "UPDATE " + QualifiedName(table) + " SET " + _dialect.Quote(names[soft]) + " = " + _dialect.ValueExpression("@v", table.Columns[soft]) + " WHERE " + where;
            try
            {
                using var conn = OpenConnection("TargetConnectionFailed");
                using var tx = conn.BeginTransaction();
                foreach (var text in keys)
                {
                    var parts = CrmKey.Parse(text).Parts;
                    if (parts.Count != cols.Length) { result.Add(false); continue; }
                    var keyValues = new object?[names.Length];
                    var portable = Portable(parts, table, cols);
                    for (int k = 0; k < cols.Length; k++) keyValues[cols[k]] = portable[k];
                    object?[]? values = null;
                    using (var cmd = conn.CreateCommand())
                    {
                        cmd.Transaction = tx;
                        cmd.CommandText = select.ToString();
                        Bind(cmd, "@k", table, all, keyValues, key);
                        using var reader = cmd.ExecuteReader();
                        if (reader.Read())
                        {
                            values = new object?[names.Length];
                            for (int c = 0; c < values.Length; c++) values[c] = _dialect.Read(reader, c, table.Columns[c]);
                        }
                    }
                    if (values is null) { result.Add(false); continue; }
                    images.Rows.Add(new RowImage(text, true, values));
                    using (var cmd = conn.CreateCommand())
                    {
                        cmd.Transaction = tx;
                        cmd.CommandText = change;
                        Bind(cmd, "@k", table, all, keyValues, key);
                        if (soft >= 0) DbDialect.AddParameter(cmd, "@v", _dialect.ToDb(DbDialect.ToPortable(true, table.Columns[soft]), table.Columns[soft]));
                        result.Add(cmd.ExecuteNonQuery() > 0);
                    }
                }
                if (images.Rows.Count > 0) beforeCommit?.Invoke(images);
                tx.Commit();
            }
            catch (DbException ex)
            {
                throw new CrmException(_dialect.IsTransient(ex) ? "TargetConnectionFailed" : "TargetWriteFailed", _dialect.IsTransient(ex) ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                    $"Deleting {table.Name} records the source deleted failed in {Connection.DisplayName}: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };
            }
            return result;
        }

        /// <inheritdoc/>
        public bool DropIfEmpty(string entity)
        {
            var table = LoadTable(entity);
            if (table is null || table.IsView) return false;
            try
            {
                using var conn = OpenConnection("TargetConnectionFailed");
                using (var any = conn.CreateCommand())
                {
                    any.CommandText = "SELECT 1 FROM " + QualifiedName(table) + " LIMIT 1";
                    if (any.ExecuteScalar() is not null) return false;
                }
                using var drop = conn.CreateCommand();
                drop.CommandText = "DROP TABLE " + QualifiedName(table);
                drop.ExecuteNonQuery();
            }
            catch (DbException ex)
            {
                throw new CrmException(_dialect.IsTransient(ex) ? "TargetConnectionFailed" : "UndoWriteFailed", _dialect.IsTransient(ex) ? CrmErrorKind.ConnectionError : CrmErrorKind.WriteError,
                    $"Dropping the table {table.Name} that the undone run created failed: {DbDialect.SafeMessage(ex, Connection.GetCredential())}", ex) { Error = { Entity = table.Name } };
            }
            return true;
        }
    }
}
