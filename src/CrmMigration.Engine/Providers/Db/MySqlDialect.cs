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

        /// <summary>
        /// NO_AUTO_VALUE_ON_ZERO, as mysqldump sets it: without it the server numbers a row whose AUTO_INCREMENT key is 0 (INSERT and
        /// LOAD DATA alike), so a source row keyed 0 would land under a key it never had.
        /// </summary>
        public override void WriterOpened(DbConnection connection)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')";
            cmd.ExecuteNonQuery();
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
            var jsonColumns = JsonCheckedColumns(conn, schema, exact);
            var columns = new List<DbColumn>();
            using (var cmd = new MySqlCommand(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, COLUMN_COMMENT, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, EXTRA, CHARACTER_SET_NAME " +
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @s AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", conn))
            {
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", exact);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string column = r.GetString(0);
                    string dataType = r.GetString(1).ToLowerInvariant();
                    string columnType = r.GetString(2);
                    string comment = r.IsDBNull(5) ? "" : r.GetString(5);
                    long? max = r.IsDBNull(4) ? null : Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture);
                    int? precision = r.IsDBNull(6) ? null : Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture);
                    int? scale = r.IsDBNull(7) ? null : Convert.ToInt32(r.GetValue(7), CultureInfo.InvariantCulture);
                    int? datetimePrecision = r.IsDBNull(8) ? null : Convert.ToInt32(r.GetValue(8), CultureInfo.InvariantCulture);
                    string extra = r.IsDBNull(9) ? "" : r.GetString(9);
                    var field = Schema.SqlTypes.FromMySql(column, dataType, columnType, max, precision, scale, datetimePrecision, extra, comment, jsonColumns.Contains(column));
                    field.Nullable = string.Equals(r.GetString(3), "YES", StringComparison.Ordinal);
                    bool offsetInDate = field.Type == CrmFieldType.DateTimeOffset && (dataType is "datetime" or "timestamp");
                    bool signedInt32 = field.Type == CrmFieldType.Integer && (dataType is "int" or "mediumint") && columnType.IndexOf("unsigned", StringComparison.OrdinalIgnoreCase) < 0;
                    string charset = r.IsDBNull(10) ? "" : r.GetString(10);
                    // Text whose server bytes are UTF-8 (and not a UUID the driver would make a Guid of) can be read as its bytes.
                    bool utf8 = field.Type == CrmFieldType.String && charset is "utf8mb4" or "utf8mb3" or "utf8" or "ascii"
                        && (dataType is "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set")
                        && !(dataType == "char" && max == 36);
                    columns.Add(new DbColumn(field, columnType) { OffsetAsUtc = offsetInDate, SignedInt32 = signedInt32, Utf8Text = utf8 });
                }
            }
            string? tableComment;
            using (var cmd = new MySqlCommand("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = @s AND TABLE_NAME = @t", conn))
            {
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", exact);
                tableComment = cmd.ExecuteScalar() as string;
            }
            var table = new DbTableInfo(schema, exact, isView, columns) { Comment = string.IsNullOrEmpty(tableComment) || isView && tableComment == "VIEW" ? null : tableComment };
            using (var cmd = new MySqlCommand(
                "SELECT tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, rc.DELETE_RULE, rc.UPDATE_RULE " +
                "FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE k " +
                "ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME " +
                "LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = tc.TABLE_NAME AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME " +
                "WHERE tc.TABLE_SCHEMA = @s AND tc.TABLE_NAME = @t AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') " +
                "ORDER BY tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION", conn))
            {
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", exact);
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

        /// <summary>MariaDB's JSON is longtext with CHECK (json_valid(column)): the columns that have one.</summary>
        private static HashSet<string> JsonCheckedColumns(MySqlConnection conn, string schema, string table)
        {
            var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            try
            {
                using var cmd = new MySqlCommand("SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = @s AND TABLE_NAME = @t", conn);
                cmd.Parameters.AddWithValue("@s", schema);
                cmd.Parameters.AddWithValue("@t", table);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string clause = r.GetString(0).Trim();
                    if (clause.StartsWith("json_valid(`", StringComparison.OrdinalIgnoreCase) && clause.EndsWith("`)", StringComparison.Ordinal))
                    {
                        result.Add(clause.Substring(12, clause.Length - 14).Replace("``", "`", StringComparison.Ordinal));
                    }
                }
            }
            catch (MySqlException)
            {
                // MySQL has no TABLE_NAME there, and a native JSON type that needs no check.
            }
            return result;
        }

        public override string Placeholder(int index) => "?";

        public override string TranslatedText(string expression, string languageParameter) =>
            "JSON_UNQUOTE(JSON_EXTRACT(" + expression + ", CONCAT('$.', " + languageParameter + ")))";

        public override string JoinedText(string expression, string orderBy) => "GROUP_CONCAT(" + expression + " ORDER BY " + orderBy + " SEPARATOR '; ')";


        public override object ToDb(object? portable, DbColumn column)
        {
            switch (portable)
            {
                case null: return DBNull.Value;
                case Guid g: return g.ToString("D");
                case DateTimeOffset o:
                    if (column.OffsetAsUtc) return DateTime.SpecifyKind(o.UtcDateTime, DateTimeKind.Unspecified);
                    if (column.Type == CrmFieldType.DateTimeOffset) return o.ToString(OffsetFormat, CultureInfo.InvariantCulture);
                    return o.DateTime;
                case DateTime d: return d;
                case float f: return Util.CrmValues.SingleToDouble(f);
                default: return portable;
            }
        }

        public override object? Read(DbDataReader reader, int ordinal, DbColumn column)
        {
            if (reader.IsDBNull(ordinal)) return null;
            // One box per value: an INT read typed (the driver boxes nothing), a value already of the portable type kept as it came.
            if (column.SignedInt32) return (long)reader.GetInt32(ordinal);
            object raw = reader.GetValue(ordinal);
            switch (column.Type)
            {
                case CrmFieldType.String: return raw is string s ? s : raw is byte[] b ? Encoding.UTF8.GetString(b) : Util.CrmValues.ToText(Normalize(raw));
                case CrmFieldType.Integer: return raw is long ? raw : Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Decimal: return Convert.ToDecimal(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Double: return raw is float single ? Util.CrmValues.SingleToDouble(single) : Convert.ToDouble(raw, CultureInfo.InvariantCulture);
                case CrmFieldType.Boolean: return raw is bool bo ? bo : Convert.ToInt64(raw, CultureInfo.InvariantCulture) != 0;
                case CrmFieldType.Date: return ((DateTime)raw).TimeOfDay == TimeSpan.Zero ? raw : ((DateTime)raw).Date;
                case CrmFieldType.DateTime: return raw is DateTime dt ? dt : Util.CrmValues.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture), CrmFieldType.DateTime);
                case CrmFieldType.DateTimeOffset:
                    if (raw is DateTime utc) return new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified), TimeSpan.Zero);
                    return Util.CrmValues.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture), CrmFieldType.DateTimeOffset);
                case CrmFieldType.Guid: return raw is Guid g ? g : Guid.Parse(Convert.ToString(raw, CultureInfo.InvariantCulture)!);
                case CrmFieldType.Binary: return raw is byte[] ? raw : Encoding.UTF8.GetBytes(Convert.ToString(raw, CultureInfo.InvariantCulture)!);
                default: return Normalize(raw);
            }
        }

        /// <summary>
        /// A column read into a batch: INT/MEDIUMINT and signed BIGINT unboxed, text as its UTF-8 bytes (no string kept per cell
        /// beyond the driver's), the rest as <see cref="Read"/> gives it.
        /// </summary>
        public override Action<DbDataReader, int, Batches.BatchColumn, int> CellReader(DbColumn column)
        {
            if (column.SignedInt32)
            {
                return (reader, ordinal, cells, row) =>
                {
                    if (reader.IsDBNull(ordinal)) cells.SetNull(row);
                    else cells.SetInt64(row, reader.GetInt32(ordinal));
                };
            }
            if (column.Type == CrmFieldType.Integer && column.DeclaredType.StartsWith("bigint", StringComparison.OrdinalIgnoreCase)
                && column.DeclaredType.IndexOf("unsigned", StringComparison.OrdinalIgnoreCase) < 0)
            {
                return (reader, ordinal, cells, row) =>
                {
                    if (reader.IsDBNull(ordinal)) cells.SetNull(row);
                    else cells.SetInt64(row, reader.GetInt64(ordinal));
                };
            }
            if (column.Utf8Text)
            {
                // Selected as its bytes (BatchSelectExpression): copied into the column, no string made.
                byte[] scratch = new byte[256];
                return (reader, ordinal, cells, row) =>
                {
                    if (reader.IsDBNull(ordinal))
                    {
                        cells.SetNull(row);
                        return;
                    }
                    int length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
                    if (length > scratch.Length) scratch = new byte[Math.Max(length, scratch.Length * 2)];
                    int read = (int)reader.GetBytes(ordinal, 0, scratch, 0, length);
                    cells.SetText(row, scratch.AsSpan(0, read));
                };
            }
            if (column.Type == CrmFieldType.String)
            {
                return (reader, ordinal, cells, row) =>
                {
                    if (reader.IsDBNull(ordinal)) cells.SetNull(row);
                    else if (reader.GetValue(ordinal) is string s) SetUtf8(cells, row, s);
                    else cells.SetValue(row, Read(reader, ordinal, column));
                };
            }
            return base.CellReader(column);
        }

        /// <summary>
        /// A UTF-8 text column read into batches is selected as its bytes (<c>CAST(col AS BINARY)</c>, no alias, so ORDER BY and the
        /// keyset condition still name the column and compare by its collation): the same characters the driver would decode.
        /// </summary>
        public override string BatchSelectExpression(DbColumn column) => column.Utf8Text ? "CAST(" + Quote(column.Name) + " AS BINARY)" : SelectExpression(column);

        /// <summary>A string as a Text cell (its UTF-8 bytes); one UTF-8 cannot hold (a lone surrogate) stays the string.</summary>
        private static void SetUtf8(Batches.BatchColumn cells, int row, string s)
        {
            var span = cells.ReserveText(Encoding.UTF8.GetMaxByteCount(s.Length));
            if (System.Text.Unicode.Utf8.FromUtf16(s, span, out _, out int written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done) cells.CommitText(row, written);
            else cells.SetValue(row, s);
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
