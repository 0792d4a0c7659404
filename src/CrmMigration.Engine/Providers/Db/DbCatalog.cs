using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>Catalog helpers shared by the dialects.</summary>
    internal static class DbCatalog
    {
        /// <summary>
        /// Applies constraint rows (type p/u/f or PRIMARY KEY/UNIQUE/FOREIGN KEY, name, column, referenced
        /// table and column), ordered by constraint and position, to the table.
        /// </summary>
        public static void ApplyConstraints(DbTableInfo table, List<(string Type, string Name, string Column, string? RefTable, string? RefColumn)> rows)
        {
            int i = 0;
            while (i < rows.Count)
            {
                var (type, name, _, refTable, _) = rows[i];
                var cols = new List<int>();
                var names = new List<string>();
                var refs = new List<string>();
                int j = i;
                for (; j < rows.Count && string.Equals(rows[j].Name, name, StringComparison.Ordinal) && string.Equals(rows[j].Type, type, StringComparison.Ordinal); j++)
                {
                    cols.Add(table.IndexOf(rows[j].Column));
                    names.Add(rows[j].Column);
                    if (rows[j].RefColumn is not null) refs.Add(rows[j].RefColumn!);
                }
                i = j;
                if (cols.Contains(-1)) continue;
                switch (type)
                {
                    case "p":
                    case "PRIMARY KEY":
                        table.PrimaryKey = cols.ToArray();
                        break;
                    case "u":
                    case "UNIQUE":
                        table.UniqueKeys.Add(cols.ToArray());
                        break;
                    case "f":
                    case "FOREIGN KEY":
                        if (refTable is not null && refs.Count == names.Count) table.Relations.Add(new CrmRelation(table.Name, names, refTable, refs));
                        break;
                }
            }
        }

        /// <summary>The portable description of a table.</summary>
        public static CrmEntitySchema Describe(DbTableInfo table, string system, long? rowCount)
        {
            var fields = new List<CrmFieldSchema>(table.Columns.Count);
            foreach (var c in table.Columns)
            {
                fields.Add(new CrmFieldSchema(c.Name, c.Type)
                {
                    SourceType = c.DeclaredType,
                    Nullable = c.Nullable,
                    MaxLength = c.MaxLength,
                    IsKey = Array.IndexOf(table.PrimaryKey, table.IndexOf(c.Name)) >= 0,
                });
            }
            var key = new List<string>();
            foreach (int k in table.PrimaryKey) key.Add(table.Columns[k].Name);
            return new CrmEntitySchema(table.Name, fields) { System = system, Key = key, Relations = table.Relations.ToArray(), RowCount = rowCount };
        }
    }
}
