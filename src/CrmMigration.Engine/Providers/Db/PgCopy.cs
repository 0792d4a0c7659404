using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// PostgreSQL's bulk path for inserts: binary COPY straight into the target table. Any failure (a
    /// duplicate, a constraint, a value COPY cannot take) is reported to the caller, which rolls back to
    /// its savepoint and writes the batch row by row.
    /// </summary>
    internal static class PgCopy
    {
        /// <summary>
        /// The COPY type of a column, or null when the column needs the INSERT path (arrays, ranges...). An enum is sent as
        /// text: its binary form is the label's bytes, and the server's enum_recv refuses a label that is not one of the type's.
        /// </summary>
        public static NpgsqlDbType? CopyType(DbColumn column) => column.IsEnum ? NpgsqlDbType.Text : column.DeclaredType switch
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

        /// <summary>
        /// Copies the rows' values (portable, parallel to <paramref name="columns"/>) straight into
        /// <paramref name="qualifiedTarget"/> with binary COPY: the table's own constraints, defaults and
        /// triggers apply as for INSERT, and any failure aborts the whole COPY (the caller's savepoint).
        /// </summary>
        public static void Insert(NpgsqlConnection conn, string qualifiedTarget, IReadOnlyList<DbColumn> columns,
            IReadOnlyList<object?[]> rows, Func<string, string> quote)
        {
            var sql = new StringBuilder("COPY ").Append(qualifiedTarget).Append(" (");
            for (int c = 0; c < columns.Count; c++) { if (c > 0) sql.Append(", "); sql.Append(quote(columns[c].Name)); }
            sql.Append(") FROM STDIN (FORMAT BINARY)");
            var types = new NpgsqlDbType[columns.Count];
            for (int c = 0; c < columns.Count; c++) types[c] = CopyType(columns[c])!.Value;
            using var importer = conn.BeginBinaryImport(sql.ToString());
            foreach (var values in rows)
            {
                importer.StartRow();
                for (int c = 0; c < types.Length; c++)
                {
                    object? v = values[c];
                    if (v is null) importer.WriteNull();
                    else Write(importer, v, types[c]);
                }
            }
            importer.Complete();
        }

        /// <summary>Writes one value with the generic writer (no per-value type resolution, no boxing of the converted value).</summary>
        private static void Write(NpgsqlBinaryImporter importer, object v, NpgsqlDbType type)
        {
            switch (type)
            {
                case NpgsqlDbType.Text:
                case NpgsqlDbType.Varchar:
                case NpgsqlDbType.Char:
                case NpgsqlDbType.Json:
                case NpgsqlDbType.Jsonb:
                    importer.Write(v as string ?? Util.CrmValues.ToText(v)!, type);
                    return;
                case NpgsqlDbType.Smallint: importer.Write(checked((short)ToInt64(v)), type); return;
                case NpgsqlDbType.Integer: importer.Write(checked((int)ToInt64(v)), type); return;
                case NpgsqlDbType.Bigint: importer.Write(ToInt64(v), type); return;
                case NpgsqlDbType.Real: importer.Write(Convert.ToSingle(v, CultureInfo.InvariantCulture), type); return;
                case NpgsqlDbType.Double: importer.Write(v is double d ? d : Convert.ToDouble(v, CultureInfo.InvariantCulture), type); return;
                case NpgsqlDbType.Numeric: importer.Write(v is decimal m ? m : Convert.ToDecimal(v, CultureInfo.InvariantCulture), type); return;
                case NpgsqlDbType.Boolean when v is bool b: importer.Write(b, type); return;
                case NpgsqlDbType.Uuid when v is Guid g: importer.Write(g, type); return;
                case NpgsqlDbType.Bytea when v is byte[] bytes: importer.Write(bytes, type); return;
                default:
                    importer.Write(ForCopy(v, type), type);
                    return;
            }
        }

        private static long ToInt64(object v) => v is long l ? l : Convert.ToInt64(v, CultureInfo.InvariantCulture);

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
