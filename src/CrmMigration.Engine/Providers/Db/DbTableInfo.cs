using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>One column of a server table as the catalog describes it.</summary>
    internal sealed class DbColumn
    {
        public DbColumn(string name, CrmFieldType type, string declaredType, bool nullable, int? maxLength)
            : this(new CrmFieldSchema(name, type) { Nullable = nullable, MaxLength = maxLength, SourceType = declaredType }, declaredType)
        {
        }

        /// <summary>A column described portably (<paramref name="field"/>), with the server's type name.</summary>
        public DbColumn(CrmFieldSchema field, string declaredType)
        {
            Field = field;
            Name = field.Name;
            Type = field.Type;
            DeclaredType = declaredType;
            Nullable = field.Nullable;
            MaxLength = field.MaxLength;
        }

        /// <summary>The portable description (type, length, precision, comment...) the catalog gives.</summary>
        public CrmFieldSchema Field { get; }

        public string Name { get; }
        public CrmFieldType Type { get; }
        /// <summary>The server's type name (udt name on PostgreSQL, COLUMN_TYPE on MySQL).</summary>
        public string DeclaredType { get; }
        public bool Nullable { get; }
        public int? MaxLength { get; }
        /// <summary>PostgreSQL: a string-typed column that needs an explicit cast on write (json, jsonb, enums).</summary>
        public bool NeedsCast { get; init; }
        /// <summary>PostgreSQL: an enum type, whose binary form is its label's text (so binary COPY takes it as text).</summary>
        public bool IsEnum { get; init; }
        /// <summary>PostgreSQL: read as text (types with no portable form: arrays, intervals, json).</summary>
        public bool ReadAsText { get; init; }
        /// <summary>MySQL: a signed INT or MEDIUMINT column, which MySqlConnector reads with GetInt32 without boxing the value.</summary>
        public bool SignedInt32 { get; init; }
        /// <summary>MySQL/MariaDB: a text column whose server bytes are UTF-8 (utf8mb4, utf8mb3, ascii), read into batches as its bytes.</summary>
        public bool Utf8Text { get; init; }
        /// <summary>MySQL: a DateTimeOffset kept in a datetime column, as UTC.</summary>
        public bool OffsetAsUtc { get; init; }
        /// <summary>A 4-byte float: values are read as the shortest decimal that round-trips the float (9.8, not 9.800000190734863).</summary>
        public bool Single => Field.Type == CrmFieldType.Double && Field.Size == 4;
    }

    /// <summary>A table or view of a PostgreSQL or MySQL database.</summary>
    internal sealed class DbTableInfo : Relational.IRelationalTable
    {
        private readonly Dictionary<string, int> _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        public DbTableInfo(string schema, string name, bool isView, List<DbColumn> columns)
        {
            Schema = schema;
            Name = name;
            IsView = isView;
            Columns = columns;
            for (int i = 0; i < columns.Count; i++) _index.TryAdd(columns[i].Name, i);
        }

        public string Schema { get; }
        public string Name { get; }
        public bool IsView { get; }
        public List<DbColumn> Columns { get; }
        public int[] PrimaryKey { get; set; } = Array.Empty<int>();
        public List<int[]> UniqueKeys { get; } = new List<int[]>();
        public List<CrmRelation> Relations { get; } = new List<CrmRelation>();
        /// <summary>The table's comment, when it has one.</summary>
        public string? Comment { get; set; }

        public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i : -1;

        /// <inheritdoc/>
        public int ColumnCount => Columns.Count;

        /// <inheritdoc/>
        public string ColumnName(int column) => Columns[column].Name;

        /// <summary>True when the columns are the primary key or a unique key (so ON CONFLICT can use them).</summary>
        public bool IsEnforcedKey(int[] key)
        {
            if (key.Length == 0) return false;
            if (SameSet(key, PrimaryKey)) return true;
            foreach (var u in UniqueKeys) if (SameSet(key, u)) return true;
            return false;
        }

        private static bool SameSet(int[] a, int[] b)
        {
            if (a.Length != b.Length) return false;
            foreach (int x in a) if (Array.IndexOf(b, x) < 0) return false;
            return true;
        }
    }
}
