using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>One row of a constraint query: type (p/u/f or PRIMARY KEY/UNIQUE/FOREIGN KEY), name, column, referenced table and column, and the foreign key's actions.</summary>
    internal readonly record struct ConstraintRow(string Type, string Name, string Column, string? RefTable, string? RefColumn, string? OnDelete = null, string? OnUpdate = null);

    /// <summary>Catalog helpers shared by the dialects.</summary>
    internal static class DbCatalog
    {
        /// <summary>Applies constraint rows, ordered by constraint and position, to the table.</summary>
        public static void ApplyConstraints(DbTableInfo table, List<ConstraintRow> rows)
        {
            int i = 0;
            while (i < rows.Count)
            {
                var first = rows[i];
                var cols = new List<int>();
                var names = new List<string>();
                var refs = new List<string>();
                int j = i;
                for (; j < rows.Count && string.Equals(rows[j].Name, first.Name, StringComparison.Ordinal) && string.Equals(rows[j].Type, first.Type, StringComparison.Ordinal); j++)
                {
                    cols.Add(table.IndexOf(rows[j].Column));
                    names.Add(rows[j].Column);
                    if (rows[j].RefColumn is not null) refs.Add(rows[j].RefColumn!);
                }
                i = j;
                if (cols.Contains(-1)) continue;
                switch (first.Type)
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
                        if (first.RefTable is not null && refs.Count == names.Count)
                        {
                            table.Relations.Add(new CrmRelation(table.Name, names, first.RefTable, refs) { OnDelete = first.OnDelete, OnUpdate = first.OnUpdate });
                        }
                        break;
                }
            }
        }

        /// <summary>A referential action as the schema keeps it: CASCADE, SET NULL, SET DEFAULT; null for NO ACTION and RESTRICT.</summary>
        public static string? Action(string? rule) => rule?.ToUpperInvariant() switch
        {
            "CASCADE" or "C" => "CASCADE",
            "SET NULL" or "N" => "SET NULL",
            "SET DEFAULT" or "D" => "SET DEFAULT",
            _ => null,
        };

        /// <summary>The portable description of a table.</summary>
        public static CrmEntitySchema Describe(DbTableInfo table, string system, long? rowCount, CrmProviderKind provider)
        {
            var fields = new List<CrmFieldSchema>(table.Columns.Count);
            foreach (var c in table.Columns)
            {
                var f = c.Field.CopyAs(c.Name);
                f.IsKey = Array.IndexOf(table.PrimaryKey, table.IndexOf(c.Name)) >= 0;
                fields.Add(f);
            }
            var key = new List<string>();
            foreach (int k in table.PrimaryKey) key.Add(table.Columns[k].Name);
            var unique = new List<IReadOnlyList<string>>();
            foreach (var u in table.UniqueKeys)
            {
                var names = new string[u.Length];
                for (int i = 0; i < u.Length; i++) names[i] = table.Columns[u[i]].Name;
                unique.Add(names);
            }
            return new CrmEntitySchema(table.Name, fields)
            {
                System = system,
                Key = key,
                UniqueKeys = unique,
                Relations = table.Relations.ToArray(),
                RowCount = rowCount,
                Comment = table.Comment,
                Provider = provider,
            };
        }
    }
}
