using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// PostgreSQL's bulk path for inserts: binary COPY into a session temp table shaped like the target,
    /// then one INSERT ... SELECT. Any failure (a duplicate, a constraint, a value COPY cannot take) is
    /// reported to the caller, which rolls back to its savepoint and writes the batch row by row.
    /// </summary>
    internal static class PgCopy
    {
        /// <summary>The COPY type of a column, or null when the column needs the INSERT path (enums, arrays...).</summary>
        public static NpgsqlDbType? CopyType(DbColumn column) => column.DeclaredType switch
        {
            "int2" => NpgsqlDbType.Smallint,
            "int4" => NpgsqlDbType.Integer,
            "int8" => NpgsqlDbType.Bigint,
            "numeric" => NpgsqlDbType.Numeric,
            "float4" => NpgsqlDbType.Real,
            "float8" => NpgsqlDbType.Double,
            "bool" => NpgsqlDbType.Boolean,
            "date" => NpgsqlDbType.Date,
            "timestamp" => NpgsqlDbType.Timestamp,
            "timestamptz" => NpgsqlDbType.TimestampTz,
            "uuid" => NpgsqlDbType.Uuid,
            "bytea" => NpgsqlDbType.Bytea,
            "text" => NpgsqlDbType.Text,
            "varchar" => NpgsqlDbType.Varchar,
            "bpchar" => NpgsqlDbType.Char,
            "json" => NpgsqlDbType.Json,
            "jsonb" => NpgsqlDbType.Jsonb,
            _ => null,
        };

        public static bool CanCopy(IReadOnlyList<DbColumn> columns)
        {
            foreach (var c in columns) if (CopyType(c) is null) return false;
            return true;
        }

        /// <summary>Copies the rows' values (portable, parallel to <paramref name="columns"/>) into <paramref name="qualifiedTarget"/> through a temp table.</summary>
        public static void Insert(NpgsqlConnection conn, NpgsqlTransaction tx, string qualifiedTarget, string stageName, IReadOnlyList<DbColumn> columns,
            IReadOnlyList<object?[]> rows, Func<string, string> quote)
        {
            string stage = quote(stageName);
            using (var create = new NpgsqlCommand("CREATE TEMP TABLE IF NOT EXISTS " + stage + " (LIKE " + qualifiedTarget + ") ON COMMIT DELETE ROWS", conn, tx))
            {
                create.ExecuteNonQuery();
            }
            var cols = new StringBuilder();
            for (int c = 0; c < columns.Count; c++) { if (c > 0) cols.Append(", "); cols.Append(quote(columns[c].Name)); }
            var types = new NpgsqlDbType[columns.Count];
            for (int c = 0; c < columns.Count; c++) types[c] = CopyType(columns[c])!.Value;
            using (var truncate = new NpgsqlCommand("TRUNCATE " + stage, conn, tx)) truncate.ExecuteNonQuery();
            using (var importer = conn.BeginBinaryImport("COPY " + stage + " (" + cols + ") FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var values in rows)
                {
                    importer.StartRow();
                    for (int c = 0; c < columns.Count; c++)
                    {
                        object? v = values[c];
                        if (v is null) { importer.WriteNull(); continue; }
                        importer.Write(ForCopy(v, types[c]), types[c]);
                    }
                }
                importer.Complete();
            }
            using var insert = new NpgsqlCommand("INSERT INTO " + qualifiedTarget + " (" + cols + ") SELECT " + cols + " FROM " + stage, conn, tx);
            insert.ExecuteNonQuery();
            using var clear = new NpgsqlCommand("TRUNCATE " + stage, conn, tx);
            clear.ExecuteNonQuery();
        }

        /// <summary>The CLR value binary COPY expects for the type (checked: an int4 overflow throws).</summary>
        private static object ForCopy(object v, NpgsqlDbType type)
        {
            switch (type)
            {
                case NpgsqlDbType.Smallint: return checked((short)Convert.ToInt64(v, CultureInfo.InvariantCulture));
                case NpgsqlDbType.Integer: return checked((int)Convert.ToInt64(v, CultureInfo.InvariantCulture));
                case NpgsqlDbType.Bigint: return Convert.ToInt64(v, CultureInfo.InvariantCulture);
                case NpgsqlDbType.Real: return Convert.ToSingle(v, CultureInfo.InvariantCulture);
                case NpgsqlDbType.Double: return Convert.ToDouble(v, CultureInfo.InvariantCulture);
                case NpgsqlDbType.Numeric: return Convert.ToDecimal(v, CultureInfo.InvariantCulture);
                case NpgsqlDbType.Date:
                    return v is DateTime d ? DateOnly.FromDateTime(d) : v is DateTimeOffset o ? DateOnly.FromDateTime(o.DateTime) : v;
                case NpgsqlDbType.Timestamp:
                    if (v is DateTimeOffset to) return DateTime.SpecifyKind(to.DateTime, DateTimeKind.Unspecified);
                    return v is DateTime t && t.Kind != DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Unspecified) : v;
                case NpgsqlDbType.TimestampTz:
                    if (v is DateTimeOffset tzo) return tzo.UtcDateTime;
                    return v is DateTime tz ? (tz.Kind == DateTimeKind.Utc ? tz : DateTime.SpecifyKind(tz, DateTimeKind.Utc)) : v;
                case NpgsqlDbType.Text:
                case NpgsqlDbType.Varchar:
                case NpgsqlDbType.Char:
                case NpgsqlDbType.Json:
                case NpgsqlDbType.Jsonb:
                    return v as string ?? Util.CrmValues.ToText(v)!;
                default: return v;
            }
        }
    }
}
