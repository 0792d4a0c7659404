using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text;
using MySqlConnector;

namespace CrmMigration.Engine.Providers.Db
{
    /// <summary>
    /// MySQL and MariaDB through MySqlConnector. Portable types MySQL has no column type for
    /// (Guid, DateTimeOffset) are created as text with a column comment <c>crm:Guid</c> or
    /// <c>crm:DateTimeOffset</c>, which describe and read honour.
    /// </summary>
    internal sealed class MySqlDialect : DbDialect
    {
        public static readonly MySqlDialect Instance = new MySqlDialect();
        private const string OffsetFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz";

        public override string Product => "MySQL";
        public override int DefaultPort => 3306;

        public override string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

        public override DbConnection CreateConnection(CrmConnection connection, NetworkCredential? credential) => new MySqlConnection(Builder(connection, credential).ConnectionString);

        /// <summary>
        /// The writer's connection allows LOAD DATA LOCAL INFILE, which the bulk insert path sends from a
        /// stream. MySqlConnector serves a server's file request only for a stream the client registered
        /// itself, unless the server's certificate is verified (SslMode VerifyCA/VerifyFull), so a rogue
        /// server cannot ask for other files.
        /// </summary>
        public override DbConnection CreateWriterConnection(CrmConnection connection, NetworkCredential? credential)
        {
            var b = Builder(connection, credential);
            b.AllowLoadLocalInfile = true;
            return new MySqlConnection(b.ConnectionString);
        }

        private MySqlConnectionStringBuilder Builder(CrmConnection connection, NetworkCredential? credential)
        {
            connection.Options.TryGetValue("ConnectionString", out string? rest);
            var b = new MySqlConnectionStringBuilder(rest ?? "")
            {
                Server = connection.Options.TryGetValue("Server", out var s) ? s : "localhost",
                Port = connection.Options.TryGetValue("Port", out var p) ? uint.Parse(p, CultureInfo.InvariantCulture) : (uint)DefaultPort,
                Database = connection.Options.TryGetValue("Database", out var d) ? d : "",
                GuidFormat = MySqlGuidFormat.None,
                ConvertZeroDateTime = true,
                AllowUserVariables = true,
                DefaultCommandTimeout = 0,
                CharacterSet = "utf8mb4",
                ApplicationName = "CrmMigration",
            };
            if (!connection.Options.ContainsKey("ConnectionString")) b.ConnectionTimeout = 15;
            if (credential is not null)
            {
                b.UserID = credential.UserName;
                b.Password = credential.Password;
            }
            return b;
        }

        public override (string Server, int Port, string Database, NetworkCredential? Credential, string Remainder) ParseConnectionString(string connectionString)
        {
            var b = new MySqlConnectionStringBuilder(connectionString);
            NetworkCredential? cred = b.UserID.Length > 0 || b.Password.Length > 0 ? new NetworkCredential(b.UserID, b.Password) : null;
            string server = b.Server.Length > 0 ? b.Server : "localhost";
            int port = (int)b.Port;
            string db = b.Database;
            b.Remove("Password");
            b.Remove("User ID");
            b.Remove("Server");
            b.Remove("Port");
            b.Remove("Database");
            return (server, port, db, cred, b.ConnectionString);
        }

        public override string DefaultSchema(CrmConnection connection) => connection.Options.TryGetValue("Database", out var d) ? d : "";

        public override List<(string Name, bool IsView)> ListTables(DbConnection connection, string schema)
        {
            var list = new List<(string, bool)>();
            using var cmd = (MySqlCommand)connection.CreateCommand();
            cmd.CommandText = "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = @s ORDER BY TABLE_NAME";
            cmd.Parameters.AddWithValue("@s", schema);
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetString(0), string.Equals(r.GetString(1), "VIEW", StringComparison.Ordinal)));
            return list;
        }

        public override DbTableInfo? LoadTable(DbConnection connection, string schema, string name)
        {
            var conn = (MySqlConnection)connection;
            var (exact, isView) = FindTable(conn, schema, name);
            if (exact is null) return null;
            var columns = new List<DbColumn>();
            using (var cmd = new MySqlCommand(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, COLUMN_COMMENT FROM information_schema.COLUMNS " +
                "WHERE TABLE_SCHEMA = @s AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", conn))
            {
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", exact);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string dataType = r.GetString(1).ToLowerInvariant();
                    string columnType = r.GetString(2);
                    string comment = r.IsDBNull(5) ? "" : r.GetString(5);
                    long? max = r.IsDBNull(4) ? null : Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture);
                    columns.Add(new DbColumn(r.GetString(0), Map(dataType, columnType, comment), columnType, string.Equals(r.GetString(3), "YES", StringComparison.Ordinal),
                        max is > 0 and <= int.MaxValue ? (int)max.Value : null));
                }
            }
            var table = new DbTableInfo(schema, exact, isView, columns);
            using (var cmd = new MySqlCommand(
                "SELECT tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME " +
                "FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE k " +
                "ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME " +
                "WHERE tc.TABLE_SCHEMA = @s AND tc.TABLE_NAME = @t AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') " +
                "ORDER BY tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION", conn))
            {
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", exact);
                using var r = cmd.ExecuteReader();
                var rows = new List<(string Type, string Name, string Column, string? RefTable, string? RefColumn)>();
                while (r.Read()) rows.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
                DbCatalog.ApplyConstraints(table, rows);
            }
            return table;
        }

        private static CrmFieldType Map(string dataType, string columnType, string comment)
        {
            if (comment.StartsWith("crm:", StringComparison.Ordinal) && Enum.TryParse(comment.AsSpan(4), out CrmFieldType declared)) return declared;
            switch (dataType)
            {
                case "tinyint":
                    return columnType.StartsWith("tinyint(1)", StringComparison.OrdinalIgnoreCase) ? CrmFieldType.Boolean : CrmFieldType.Integer;
                case "smallint": case "mediumint": case "int": case "integer": case "bigint": case "year":
                    return columnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase) && dataType == "bigint" ? CrmFieldType.Decimal : CrmFieldType.Integer;
                case "bit": return columnType.Equals("bit(1)", StringComparison.OrdinalIgnoreCase) ? CrmFieldType.Boolean : CrmFieldType.Integer;
                case "decimal": case "numeric": return CrmFieldType.Decimal;
                case "float": case "double": case "real": return CrmFieldType.Double;
                case "date": return CrmFieldType.Date;
                case "datetime": case "timestamp": return CrmFieldType.DateTime;
                case "uuid": return CrmFieldType.Guid;
                case "binary": case "varbinary": case "blob": case "tinyblob": case "mediumblob": case "longblob": return CrmFieldType.Binary;
                default: return CrmFieldType.String;
            }
        }

        public override string ColumnType(CrmFieldType type, int? maxLength, bool key) => type switch
        {
            CrmFieldType.String => maxLength is > 0 and <= 16000 ? "varchar(" + Invariant(maxLength.Value) + ")" : key ? "varchar(255)" : "longtext",
            CrmFieldType.Integer => "bigint",
            CrmFieldType.Decimal => "decimal(38,10)",
            CrmFieldType.Double => "double",
            CrmFieldType.Boolean => "tinyint(1)",
            CrmFieldType.Date => "date",
            CrmFieldType.DateTime => "datetime(6)",
            CrmFieldType.DateTimeOffset => "varchar(40)",
            CrmFieldType.Guid => "char(36)",
            CrmFieldType.Binary => key ? "varbinary(255)" : "longblob",
            _ => "longtext",
        };

        public override string Placeholder(int index) => "?";

        public override string TranslatedText(string expression, string languageParameter) =>
            "JSON_UNQUOTE(JSON_EXTRACT(" + expression + ", CONCAT('$.', " + languageParameter + ")))";

        public override string JoinedText(string expression, string orderBy) => "GROUP_CONCAT(" + expression + " ORDER BY " + orderBy + " SEPARATOR '; ')";

        public override string CreateTableSuffix => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

        public override string ColumnSuffix(CrmFieldType type) => type is CrmFieldType.Guid or CrmFieldType.DateTimeOffset ? " COMMENT 'crm:" + type + "'" : "";

        public override object ToDb(object? portable, DbColumn column)
        {
            switch (portable)
            {
                case null: return DBNull.Value;
                case Guid g: return g.ToString("D");
                case DateTimeOffset o:
                    if (column.Type == CrmFieldType.DateTimeOffset) return o.ToString(OffsetFormat, CultureInfo.InvariantCulture);
                    return o.DateTime;
                case DateTime d: return d;
                default: return portable;
            }
        }

        public override object? Read(DbDataReader reader, int ordinal, DbColumn column)
        {
            if (reader.IsDBNull(ordinal)) return null;
            object raw = reader.GetValue(ordinal);
            switch (column.Type)
            {
                case CrmFieldType.String: return raw is string s ? s : raw is byte[] b ? Encoding.UTF8.GetString(b) : Util.CrmValues.ToText(Normalize(raw));
                case CrmFieldType.Integer: return Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Decimal: return Convert.ToDecimal(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Double: return Convert.ToDouble(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Boolean: return raw is bool bo ? bo : Convert.ToInt64(raw, CultureInfo.InvariantCulture) != 0;
                case CrmFieldType.Date: return ((DateTime)raw).Date;
                case CrmFieldType.DateTime: return raw is DateTime dt ? dt : Util.CrmValues.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture), CrmFieldType.DateTime);
                case CrmFieldType.DateTimeOffset: return Util.CrmValues.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture), CrmFieldType.DateTimeOffset);
                case CrmFieldType.Guid: return raw is Guid g ? g : Guid.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture)!);
                case CrmFieldType.Binary: return raw is byte[] ? raw : Encoding.UTF8.GetBytes(Convert.ToString(raw, CultureInfo.InvariantCulture)!);
                default: return Normalize(raw);
            }
        }

        public override void AppendUpsert(StringBuilder sql, IReadOnlyList<DbColumn> columns, IReadOnlyList<DbColumn> key)
        {
            bool any = false;
            foreach (var c in columns)
            {
                bool isKey = false;
                foreach (var k in key) isKey |= ReferenceEquals(k, c);
                if (isKey) continue;
                sql.Append(any ? ", " : " ON DUPLICATE KEY UPDATE ").Append(Quote(c.Name)).Append(" = VALUES(").Append(Quote(c.Name)).Append(')');
                any = true;
            }
            if (!any && key.Count > 0) sql.Append(" ON DUPLICATE KEY UPDATE ").Append(Quote(key[0].Name)).Append(" = ").Append(Quote(key[0].Name));
        }

        public override bool IsTransient(Exception ex)
        {
            if (ex is MySqlException my)
            {
                if (my.IsTransient) return true;
                return my.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout or MySqlErrorCode.UnableToConnectToHost || IsIo(ex);
            }
            return IsIo(ex);
        }

        public override bool IsDuplicate(DbException ex) => ex is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

        public override bool IsRowError(DbException ex, out bool valueError)
        {
            valueError = false;
            if (ex is not MySqlException my) return false;
            switch (my.ErrorCode)
            {
                case MySqlErrorCode.DataTooLong:
                case MySqlErrorCode.WarningDataOutOfRange:
                case MySqlErrorCode.TruncatedWrongValueForField:
                case MySqlErrorCode.TruncatedWrongValue:
                case MySqlErrorCode.WrongValueCountOnRow:
                    valueError = true;
                    return true;
                case MySqlErrorCode.DuplicateKeyEntry:
                case MySqlErrorCode.ColumnCannotBeNull:
                case MySqlErrorCode.NoReferencedRow:
                case MySqlErrorCode.NoReferencedRow2:
                case MySqlErrorCode.RowIsReferenced2:
                case MySqlErrorCode.FieldSpecifiedTwice:
                case MySqlErrorCode.NoDefaultForField:
                    return true;
                default:
                    return (int)my.ErrorCode == 4025; // MariaDB: CHECK constraint failed
            }
        }
    }
}
