using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Providers.Sqlite
{
    /// <summary>A table or view with its columns, as read from the catalog.</summary>
    internal sealed class SqliteTableInfo : Relational.IRelationalTable
    {
        /// <summary>A table or view; <paramref name="keyIndexed"/>: SQLite keeps an index for the primary key (pragma index_list origin
        /// 'pk': a WITHOUT ROWID table, or a key that is not the rowid); a table this module designs has none.</summary>
        public SqliteTableInfo(string name, bool isView, List<SqliteColumn> columns, bool keyIndexed = false)
        {
            Name = name;
            IsView = isView;
            Columns = columns;
            Index = new Dictionary<string, int>(columns.Count, StringComparer.OrdinalIgnoreCase);
            var pk = new List<int>();
            for (int i = 0; i < columns.Count; i++)
            {
                Index.TryAdd(columns[i].Name, i);
                if (columns[i].PkOrder > 0) pk.Add(i);
            }
            pk.Sort((a, b) => columns[a].PkOrder.CompareTo(columns[b].PkOrder));
            PrimaryKey = pk.ToArray();
            RowidAlias = !isView && !keyIndexed && PrimaryKey.Length == 1 && string.Equals(columns[PrimaryKey[0]].DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase)
                ? PrimaryKey[0] : -1;
        }

        /// <summary>
        /// The column that is the table's rowid, or -1: a one-column INTEGER PRIMARY KEY that SQLite keeps as the rowid itself (no
        /// index of its own). Not one in a WITHOUT ROWID table, nor declared <c>INTEGER PRIMARY KEY DESC</c> on the column: those
        /// are indexed keys, and refuse a NULL by their NOT NULL instead of numbering the row.
        /// </summary>
        public int RowidAlias { get; }

        public string Name { get; }
        public bool IsView { get; }
        public List<SqliteColumn> Columns { get; }
        public Dictionary<string, int> Index { get; }
        /// <summary>Column positions of the primary key, in key order.</summary>
        public int[] PrimaryKey { get; }

        public int IndexOf(string name) => Index.TryGetValue(name, out int i) ? i : -1;

        /// <inheritdoc/>
        public int ColumnCount => Columns.Count;

        /// <inheritdoc/>
        public string ColumnName(int column) => Columns[column].Name;
    }

    /// <summary>Reads SQLite's catalog: entity names, columns, keys and foreign keys.</summary>
    internal static class SqliteCatalog
    {
        /// <summary>User tables and views (not sqlite_*), in name order.</summary>
        internal static List<(string Name, bool IsView)> ListEntities(SqliteConnection connection)
        {
            var list = new List<(string, bool)>();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add((reader.GetString(0), string.Equals(reader.GetString(1), "view", StringComparison.Ordinal)));
            return list;
        }

        /// <summary>Finds an entity by name, exact match first, then ignoring case; null when absent.</summary>
        internal static (string Name, bool IsView)? Resolve(SqliteConnection connection, string entity)
        {
            (string, bool)? folded = null;
            foreach (var e in ListEntities(connection))
            {
                if (string.Equals(e.Name, entity, StringComparison.Ordinal)) return e;
                if (folded is null && string.Equals(e.Name, entity, StringComparison.OrdinalIgnoreCase)) folded = e;
            }
            return folded;
        }

        /// <summary>Reads the columns of a table or view (pragma table_xinfo, bound as a parameter).</summary>
        internal static SqliteTableInfo? Load(SqliteConnection connection, string entity)
        {
            var resolved = Resolve(connection, entity);
            if (resolved is null) return null;
            var (name, isView) = resolved.Value;
            var columns = new List<SqliteColumn>();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo($t) ORDER BY cid";
                cmd.Parameters.AddWithValue("$t", name);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    long hidden = reader.GetInt64(5);
                    if (hidden == 1) continue; // hidden column of a virtual table
                    columns.Add(new SqliteColumn(
                        reader.GetString(0),
                        reader.IsDBNull(1) ? "" : reader.GetString(1),
                        reader.GetInt64(2) != 0,
                        !reader.IsDBNull(3),
                        (int)reader.GetInt64(4),
                        hidden == 2 || hidden == 3));
                }
            }
            bool keyIndexed = false;
            if (!isView)
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT count(*) FROM pragma_index_list($t) WHERE origin = 'pk'";
                cmd.Parameters.AddWithValue("$t", name);
                keyIndexed = System.Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
            }
            return new SqliteTableInfo(name, isView, columns, keyIndexed);
        }

        /// <summary>The CREATE statement SQLite keeps for a table (comments included), or null.</summary>
        internal static string? CreateSql(SqliteConnection connection, string table)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT sql FROM sqlite_master WHERE type IN ('table', 'view') AND name = $t";
            cmd.Parameters.AddWithValue("$t", table);
            return cmd.ExecuteScalar() as string;
        }

        /// <summary>Describes an entity in portable terms.</summary>
        internal static CrmEntitySchema Describe(SqliteConnection connection, SqliteTableInfo table, string system, bool includeRowCount)
        {
            var text = Schema.SqliteTableText.Parse(CreateSql(connection, table.Name));
            var fields = new List<CrmFieldSchema>(table.Columns.Count);
            foreach (var c in table.Columns)
            {
                var f = Schema.SqlTypes.FromSqlite(c.Name, c.DeclaredType);
                f.Nullable = !c.NotNull && c.PkOrder == 0;
                f.IsKey = c.PkOrder > 0;
                if (c.Untyped) f.SourceType = null;
                if (text.Get(c.Name) is { } extra)
                {
                    f.Comment = extra.Comment;
                    if (extra.Json && f.Type == CrmFieldType.String) f.Format = "json";
                    if (extra.AllowedValues is { } values && f.Type == CrmFieldType.String) { f.Format = "enum"; f.AllowedValues = values; }
                    f.AutoIncrement = extra.AutoIncrement;
                }
                fields.Add(f);
            }
            var key = new List<string>(table.PrimaryKey.Length);
            foreach (int i in table.PrimaryKey) key.Add(table.Columns[i].Name);
            var schema = new CrmEntitySchema(table.Name, fields)
            {
                System = system,
                Key = key,
                UniqueKeys = table.IsView ? Array.Empty<IReadOnlyList<string>>() : UniqueKeys(connection, table.Name),
                Relations = table.IsView ? Array.Empty<CrmRelation>() : ForeignKeys(connection, table.Name),
                Comment = text.TableComment,
                Provider = CrmProviderKind.Sqlite,
            };
            if (includeRowCount)
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT COUNT(*) FROM " + SqliteSql.Quote(table.Name);
                schema.RowCount = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            }
            return schema;
        }

        /// <summary>UNIQUE constraints (indexes of origin 'u'), each in column order.</summary>
        private static List<IReadOnlyList<string>> UniqueKeys(SqliteConnection connection, string table)
        {
            var names = new List<string>();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT name FROM pragma_index_list($t) WHERE origin = 'u' ORDER BY seq DESC";
                cmd.Parameters.AddWithValue("$t", table);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) names.Add(reader.GetString(0));
            }
            var result = new List<IReadOnlyList<string>>(names.Count);
            foreach (var index in names)
            {
                var cols = new List<string>();
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT name FROM pragma_index_info($i) ORDER BY seqno";
                cmd.Parameters.AddWithValue("$i", index);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) if (!reader.IsDBNull(0)) cols.Add(reader.GetString(0));
                if (cols.Count > 0) result.Add(cols);
            }
            return result;
        }

        private static List<CrmRelation> ForeignKeys(SqliteConnection connection, string table)
        {
            var groups = new SortedDictionary<long, (string Target, List<string> From, List<string?> To, string? OnDelete, string? OnUpdate)>();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list($t) ORDER BY id, seq";
                cmd.Parameters.AddWithValue("$t", table);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    long id = reader.GetInt64(0);
                    if (!groups.TryGetValue(id, out var g))
                    {
                        g = (reader.GetString(2), new List<string>(), new List<string?>(), Db.DbCatalog.Action(reader.GetString(6)), Db.DbCatalog.Action(reader.GetString(5)));
                        groups.Add(id, g);
                    }
                    g.From.Add(reader.GetString(3));
                    g.To.Add(reader.IsDBNull(4) ? null : reader.GetString(4));
                }
            }
            var relations = new List<CrmRelation>(groups.Count);
            foreach (var g in groups.Values)
            {
                var referenced = new List<string>(g.To.Count);
                bool implicitKey = g.To.Exists(t => t is null);
                if (implicitKey)
                {
                    // REFERENCES parent without columns means the parent's primary key.
                    var parent = Load(connection, g.Target);
                    if (parent is not null) foreach (int i in parent.PrimaryKey) referenced.Add(parent.Columns[i].Name);
                }
                else
                {
                    foreach (var t in g.To) referenced.Add(t!);
                }
                var target = Resolve(connection, g.Target);
                relations.Add(new CrmRelation(table, g.From, target?.Name ?? g.Target, referenced) { OnDelete = g.OnDelete, OnUpdate = g.OnUpdate });
            }
            return relations;
        }
    }
}
