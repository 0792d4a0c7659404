using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Tests
{
    /// <summary>What a SQLite table holds, read without our code: one line per row, each cell with its declared type (or "(null)").</summary>
    internal static class SqliteCells
    {
        /// <summary>The rows of <paramref name="table"/> ordered by <paramref name="orderBy"/> (an SQL expression).</summary>
        public static List<string> Rows(string db, string table = "Person", string orderBy = "\"Id\"")
        {
            var rows = new List<string>();
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + db + ";Mode=ReadOnly;Pooling=False");
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT * FROM \"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\" ORDER BY " + orderBy;
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var cells = new List<string>();
                for (int i = 0; i < reader.FieldCount; i++) cells.Add(reader.IsDBNull(i) ? "(null)" : reader.GetDataTypeName(i) + ":" + Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                rows.Add(string.Join("|", cells));
            }
            return rows;
        }
    }
}
