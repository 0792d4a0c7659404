using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers
{
    /// <summary>Which columns identify a table's records for a key lookup: the named fields, else the primary key.</summary>
    internal static class KeyColumns
    {
        /// <returns>Column positions, or null when a named field is not a column or the table has no primary key.</returns>
        public static int[]? Resolve(IReadOnlyList<string>? keyFields, Func<string, int> indexOf, int[] primaryKey)
        {
            if (keyFields is not { Count: > 0 }) return primaryKey.Length > 0 ? primaryKey : null;
            var cols = new int[keyFields.Count];
            for (int k = 0; k < cols.Length; k++)
            {
                cols[k] = indexOf(keyFields[k]);
                if (cols[k] < 0) return null;
            }
            return cols;
        }
    }
}
