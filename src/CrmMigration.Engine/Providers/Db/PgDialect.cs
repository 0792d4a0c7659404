using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Net;
using System.Text;
using Npgsql;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>PostgreSQL through Npgsql.</summary>
    internal sealed class PgDialect : DbDialect
    {
        public static readonly PgDialect Instance = new PgDialect();

        public override string Product => "PostgreSQL";
        public override int DefaultPort => 5432;

        public override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private static readonly int DefaultReadBuffer = new NpgsqlConnectionStringBuilder().ReadBufferSize;

        public override DbConnection CreateConnection(CrmConnection connection, NetworkCredential? credential)
        {
            connection.Options.TryGetValue("ConnectionString", out string? rest);
            var b = new NpgsqlConnectionStringBuilder(rest ?? "")
            {
                Host = connection.Options.TryGetValue("Server", out var s) ? s : "localhost",
                Port = connection.Options.TryGetValue("Port", out var p) ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : DefaultPort,
                Database = connection.Options.TryGetValue("Database", out var d) ? d : "postgres",
                ApplicationName = "CrmMigration",
            };
            if (!connection.Options.ContainsKey("ConnectionString")) b.Timeout = 15;
            if (credential is not null)
            {
                b.Username = credential.UserName;
                b.Password = credential.Password;
            }
            b.CommandTimeout = 0;
            // Npgsql reads a result row by row from this buffer and asks the socket again when it runs dry (a cancellation
            // token source reset and a system call each time): 64 KB instead of the 8 KB default, unless the user chose a size.
            if (b.ReadBufferSize == DefaultReadBuffer) b.ReadBufferSize = 65536;
            return new NpgsqlConnection(b.ConnectionString);
        }

        public override (string Server, int Port, string Database, NetworkCredential? Credential, string Remainder) ParseConnectionString(string connectionString)
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            NetworkCredential? cred = b.Username is not null || b.Password is not null ? new NetworkCredential(b.Username ?? "", b.Password ?? "") : null;
            string server = b.Host ?? "localhost";
            int port = b.Port;
            string db = b.Database ?? "postgres";
            b.Remove("Password");
            b.Remove("Username");
            b.Remove("Host");
            b.Remove("Port");
            b.Remove("Database");
            return (server, port, db, cred, b.ConnectionString);
        }

        public override string DefaultSchema(CrmConnection connection) => connection.Options.TryGetValue("Schema", out var s) ? s : "public";

        public override List<(string Name, bool IsView)> ListTables(DbConnection connection, string schema)
        {
            var list = new List<(string, bool)>();
            using var cmd = (NpgsqlCommand)connection.CreateCommand();
            cmd.CommandText = "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = @s ORDER BY table_name";
            cmd.Parameters.AddWithValue("s", schema);
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetString(0), !string.Equals(r.GetString(1), "BASE TABLE", StringComparison.Ordinal)));
            return list;
        }

        public override DbTableInfo? LoadTable(DbConnection connection, string schema, string name)
        {
            var conn = (NpgsqlConnection)connection;
            var (exact, isView) = FindTable(conn, schema, name);
            if (exact is null) return null;
            var columns = new List<DbColumn>();
            string? comment = null;
            using (var cmd = new NpgsqlCommand(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), COALESCE(bt.typname, t.typname), COALESCE(bt.typtype, t.typtype)::text, NOT a.attnotnull, " +
                "a.attidentity::text, pg_get_expr(d.adbin, d.adrelid), col_description(a.attrelid, a.attnum), " +
                "(SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = COALESCE(bt.oid, t.oid)), " +
                "obj_description(c.oid, 'pg_class'), CASE WHEN bt.oid IS NULL THEN NULL ELSE format_type(t.typbasetype, t.typtypmod) END " +
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype " +
                "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum " +
                "WHERE n.nspname = @s AND c.relname = @t AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", conn))
            {
                cmd.Parameters.AddWithValue("s", schema);
                cmd.Parameters.AddWithValue("t", exact);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string udt = r.GetString(2);
                    string formatted = r.IsDBNull(10) ? r.GetString(1) : r.GetString(10);
                    char typtype = r.GetString(3)[0];
                    var labels = r.IsDBNull(8) ? null : (string[])r.GetValue(8);
                    var field = Schema.SqlTypes.FromPostgres(r.GetString(0), udt, formatted, typtype, labels);
                    field.Nullable = r.GetBoolean(4);
                    string identity = r.IsDBNull(5) ? "" : r.GetString(5);
                    string? dflt = r.IsDBNull(6) ? null : r.GetString(6);
                    field.AutoIncrement = identity.Length > 0 && identity[0] != (char)0 || dflt is not null && dflt.StartsWith("nextval(", StringComparison.Ordinal);
                    field.Comment = r.IsDBNull(7) ? null : r.GetString(7);
                    comment ??= r.IsDBNull(9) ? null : r.GetString(9);
                    var (type, readAsText, cast) = Map(typtype == 'e' ? "USER-DEFINED" : udt.StartsWith('_') ? "ARRAY" : "", udt);
                    columns.Add(new DbColumn(field, udt) { ReadAsText = readAsText, NeedsCast = cast, IsEnum = typtype == 'e' });
                }
            }
            if (columns.Count == 0 && comment is null)
            {
                using var cmd = new NpgsqlCommand("SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND c.relname = @t", conn);
                cmd.Parameters.AddWithValue("s", schema);
                cmd.Parameters.AddWithValue("t", exact);
                comment = cmd.ExecuteScalar() as string;
            }
            var table = new DbTableInfo(schema, exact, isView, columns) { Comment = comment };
            using (var cmd = new NpgsqlCommand(
                "SELECT con.contype::text, con.conname, a.attname, rc.relname, ra.attname, con.confdeltype::text, con.confupdtype::text " +
                "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "CROSS JOIN LATERAL unnest(con.conkey, COALESCE(con.confkey, con.conkey)) WITH ORDINALITY AS k(attnum, refnum, ord) " +
                "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum " +
                "LEFT JOIN pg_class rc ON rc.oid = con.confrelid " +
                "LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum " +
                "WHERE con.contype IN ('p', 'u', 'f') AND n.nspname = @s AND c.relname = @t ORDER BY con.contype, con.conname, k.ord", conn))
            {
                cmd.Parameters.AddWithValue("s", schema);
                cmd.Parameters.AddWithValue("t", exact);
                using var r = cmd.ExecuteReader();
                var rows = new List<ConstraintRow>();
                while (r.Read())
                {
                    rows.Add(new ConstraintRow(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                        r.IsDBNull(5) ? null : DbCatalog.Action(r.GetString(5)), r.IsDBNull(6) ? null : DbCatalog.Action(r.GetString(6))));
                }
                DbCatalog.ApplyConstraints(table, rows);
            }
            return table;
        }

        private static (CrmFieldType Type, bool ReadAsText, bool Cast) Map(string dataType, string udt)
        {
            switch (udt)
            {
                case "int2": case "int4": case "int8": return (CrmFieldType.Integer, false, false);
                case "numeric": return (CrmFieldType.Decimal, false, false);
                case "float4": case "float8": return (CrmFieldType.Double, false, false);
                case "bool": return (CrmFieldType.Boolean, false, false);
                case "date": return (CrmFieldType.Date, false, false);
                case "timestamp": return (CrmFieldType.DateTime, false, false);
                case "timestamptz": return (CrmFieldType.DateTimeOffset, false, false);
                case "uuid": return (CrmFieldType.Guid, false, false);
                case "bytea": return (CrmFieldType.Binary, false, false);
                case "text": case "varchar": case "bpchar": case "name": case "citext": return (CrmFieldType.String, false, false);
                default:
                    // json, jsonb, xml, enums, arrays, intervals, money...: text both ways.
                    bool cast = !string.Equals(dataType, "ARRAY", StringComparison.Ordinal);
                    return (CrmFieldType.String, true, cast);
            }
        }

        public override string TranslatedText(string expression, string languageParameter) =>
            "COALESCE((" + expression + ")::jsonb ->> " + languageParameter + ", (SELECT j.value FROM jsonb_each_text((" + expression + ")::jsonb) j ORDER BY j.key LIMIT 1))";

        public override string JoinedText(string expression, string orderBy) => "string_agg(" + expression + ", '; ' ORDER BY " + orderBy + ")";

        public override string Placeholder(int index) => "$" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override string SelectExpression(DbColumn column) => column.ReadAsText ? Quote(column.Name) + "::text" : Quote(column.Name);

        public override string ValueExpression(string parameter, DbColumn column) =>
            column.NeedsCast ? "CAST(" + parameter + " AS " + Quote(column.DeclaredType) + ")" : parameter;

        /// <inheritdoc/>
        public override object? Portable(object? value, DbColumn column)
        {
            // PostgreSQL's own infinity (read from a PostgreSQL source as its text) goes back as infinity.
            if (value is string s && IsDateType(column.Type))
            {
                int sign = PgInfinity.Sign(s);
                if (sign != 0) return sign > 0 ? PgInfinity.Positive : PgInfinity.Negative;
            }
            return ToPortable(value, column);
        }

        public override object ToDb(object? portable, DbColumn column)
        {
            if (portable is not null && !column.ReadAsText)
            {
                // date and timestamp(tz) go in their binary form, encoded as the COPY path encodes them: the real day or time
                // for DateTime.MinValue/MaxValue (Npgsql would send them as -infinity/infinity), infinity only for the text.
                switch (column.DeclaredType)
                {
                    case "date": return new NpgsqlParameter<int> { TypedValue = PgCopy.DateDays(portable), DataTypeName = "date" };
                    case "timestamp": return new NpgsqlParameter<long> { TypedValue = PgCopy.TimestampMicros(portable, utc: false), DataTypeName = "timestamp" };
                    case "timestamptz": return new NpgsqlParameter<long> { TypedValue = PgCopy.TimestampMicros(portable, utc: true), DataTypeName = "timestamptz" };
                }
            }
            switch (portable)
            {
                case null: return DBNull.Value;
                case DateTimeOffset o:
                    if (column.Type == CrmFieldType.DateTimeOffset) return o.ToUniversalTime();
                    return o.DateTime;
                case DateTime d:
                    if (column.Type == CrmFieldType.DateTimeOffset)
                    {
                        return d.Kind == DateTimeKind.Utc ? d : new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Unspecified), TimeSpan.Zero);
                    }
                    return d.Kind == DateTimeKind.Unspecified ? d : DateTime.SpecifyKind(d, DateTimeKind.Unspecified);
                default: return portable;
            }
        }

        public override object? Read(DbDataReader reader, int ordinal, DbColumn column)
        {
            if (reader.IsDBNull(ordinal)) return null;
            if (column.ReadAsText) return reader.GetString(ordinal);
            switch (column.Type)
            {
                case CrmFieldType.String: return reader.GetString(ordinal);
                case CrmFieldType.Integer:
                    // Typed getters: no boxing of the driver's value before the conversion.
                    return column.DeclaredType switch
                    {
                        "int8" => reader.GetInt64(ordinal),
                        "int4" => (long)reader.GetInt32(ordinal),
                        "int2" => (long)reader.GetInt16(ordinal),
                        _ => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture),
                    };
                case CrmFieldType.Decimal: return reader.GetDecimal(ordinal);
                case CrmFieldType.Double:
                    return column.DeclaredType == "float8" ? reader.GetDouble(ordinal)
                        : column.DeclaredType == "float4" ? Util.CrmValues.SingleToDouble(reader.GetFloat(ordinal))
                        : Convert.ToDouble(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
                case CrmFieldType.Boolean: return reader.GetBoolean(ordinal);
                // Raw days and microseconds: a real 0001-01-01 stays that day, and PostgreSQL's infinities come as their text
                // (Npgsql would give DateTime.MinValue/MaxValue for both, and its legacy-timestamp switch would change the kinds).
                case CrmFieldType.Date when column.DeclaredType == "date":
                {
                    int days = reader.GetFieldValue<int>(ordinal);
                    return days is int.MaxValue or int.MinValue ? Infinity(days) : PgCopy.FromDateDays(days) ?? throw OutOfRange(column);
                }
                case CrmFieldType.DateTime when column.DeclaredType == "timestamp":
                case CrmFieldType.DateTimeOffset when column.DeclaredType == "timestamptz":
                {
                    long micros = reader.GetFieldValue<long>(ordinal);
                    if (micros is long.MaxValue or long.MinValue) return Infinity(micros);
                    var time = PgCopy.FromTimestampMicros(micros) ?? throw OutOfRange(column);
                    return column.Type == CrmFieldType.DateTime ? (object)time : new DateTimeOffset(time, TimeSpan.Zero);
                }
                case CrmFieldType.Date: return reader.GetFieldValue<DateTime>(ordinal);
                case CrmFieldType.DateTime: return reader.GetFieldValue<DateTime>(ordinal);
                case CrmFieldType.DateTimeOffset: return reader.GetFieldValue<DateTimeOffset>(ordinal);
                case CrmFieldType.Guid: return reader.GetGuid(ordinal);
                case CrmFieldType.Binary: return reader.GetFieldValue<byte[]>(ordinal);
                default: return reader.GetValue(ordinal);
            }
        }

        private static string Infinity(long micros) => micros > 0 ? PgInfinity.Positive : PgInfinity.Negative;

        private static InvalidCastException OutOfRange(DbColumn column) =>
            new InvalidCastException("Column '" + column.Name + "' holds a date outside 0001-01-01 to 9999-12-31, which .NET cannot represent.");

        public override void AppendUpsert(StringBuilder sql, IReadOnlyList<DbColumn> columns, IReadOnlyList<DbColumn> key)
        {
            sql.Append(" ON CONFLICT (");
            for (int k = 0; k < key.Count; k++) { if (k > 0) sql.Append(", "); sql.Append(Quote(key[k].Name)); }
            sql.Append(')');
            bool any = false;
            foreach (var c in columns)
            {
                bool isKey = false;
                foreach (var k in key) isKey |= ReferenceEquals(k, c);
                if (isKey) continue;
                sql.Append(any ? ", " : " DO UPDATE SET ").Append(Quote(c.Name)).Append(" = EXCLUDED.").Append(Quote(c.Name));
                any = true;
            }
            if (!any) sql.Append(" DO NOTHING");
        }

        public override bool IsTransient(Exception ex)
        {
            if (ex is PostgresException pg)
            {
                return pg.SqlState is "40001" or "40P01" or "55P03" or "57P01" or "57P02" or "57P03" or "53300" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
            }
            if (ex is NpgsqlException npg) return npg.IsTransient || IsIo(ex);
            return IsIo(ex);
        }

        public override bool IsDuplicate(DbException ex) => ex is PostgresException { SqlState: "23505" };

        public override bool IsRowError(DbException ex, out bool valueError)
        {
            valueError = false;
            if (ex is not PostgresException pg) return false;
            if (pg.SqlState.StartsWith("22", StringComparison.Ordinal)) { valueError = true; return true; }
            return pg.SqlState.StartsWith("23", StringComparison.Ordinal);
        }
    }
}
