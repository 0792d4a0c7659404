using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Schema
{
    /// <summary>The relational engines a schema is read from and created in.</summary>
    internal enum SqlEngine
    {
        Sqlite,
        PostgreSql,
        MySql,
    }

    /// <summary>What a target engine offers beyond its name (MariaDB 10.7 and later has a uuid type).</summary>
    internal sealed class SqlEngineFeatures
    {
        public static readonly SqlEngineFeatures None = new SqlEngineFeatures();

        /// <summary>MariaDB 10.7+: a native uuid column type.</summary>
        public bool UuidType { get; init; }
    }

    /// <summary>
    /// The type table: how each engine's column types read as portable field descriptions (type, length,
    /// precision and scale, size, format, allowed values), and which column type each engine creates for a
    /// portable description. Every reader and every writer goes through here, so the table documented in
    /// about_CrmMigration_Schema is this file. Between two databases of the same engine the declared type
    /// travels as it is (<see cref="CrmFieldSchema.SourceType"/>).
    /// </summary>
    internal static class SqlTypes
    {
        /// <summary>Marker MySQL columns carry in their comment for portable types MySQL has no type for.</summary>
        public const string MarkerGuid = "crm:Guid";
        public const string MarkerOffset = "crm:DateTimeOffset";

        // ------------------------------------------------------------------ reading

        /// <summary>
        /// A PostgreSQL column: <paramref name="typeName"/> is pg_type.typname (int4, varchar, my_enum, _int4),
        /// <paramref name="formatted"/> is format_type() (character varying(80), numeric(12,2), timestamp(3) without time zone),
        /// <paramref name="typeType"/> is pg_type.typtype (b base, e enum, d domain).
        /// </summary>
        public static CrmFieldSchema FromPostgres(string name, string typeName, string formatted, char typeType, IReadOnlyList<string>? enumLabels)
        {
            var f = new CrmFieldSchema(name, CrmFieldType.String) { SourceType = formatted };
            var (_, args, _) = ParseTypeText(formatted);
            int? a0 = args.Count > 0 ? args[0] : null;
            int? a1 = args.Count > 1 ? args[1] : null;
            if (typeType == 'e')
            {
                f.Format = "enum";
                f.AllowedValues = enumLabels ?? Array.Empty<string>();
                return f;
            }
            switch (typeName)
            {
                case "int2": f.Type = CrmFieldType.Integer; f.Size = 2; break;
                case "int4": f.Type = CrmFieldType.Integer; f.Size = 4; break;
                case "int8": f.Type = CrmFieldType.Integer; f.Size = 8; break;
                case "numeric": f.Type = CrmFieldType.Decimal; f.Precision = a0; f.Scale = a0 is null ? null : a1 ?? 0; break;
                case "float4": f.Type = CrmFieldType.Double; f.Size = 4; break;
                case "float8": f.Type = CrmFieldType.Double; f.Size = 8; break;
                case "bool": f.Type = CrmFieldType.Boolean; break;
                case "date": f.Type = CrmFieldType.Date; break;
                // Without (p) PostgreSQL keeps microseconds: 6.
                case "timestamp": f.Type = CrmFieldType.DateTime; f.Precision = a0 ?? 6; break;
                case "timestamptz": f.Type = CrmFieldType.DateTimeOffset; f.Precision = a0 ?? 6; break;
                case "uuid": f.Type = CrmFieldType.Guid; break;
                case "bytea": f.Type = CrmFieldType.Binary; break;
                case "varchar": f.MaxLength = a0; break;
                case "bpchar": f.MaxLength = a0 ?? 1; f.FixedLength = true; break;
                case "text": case "citext": break;
                case "name": f.MaxLength = 63; break;
                case "json": f.Format = "json"; break;
                case "jsonb": f.Format = "jsonb"; break;
                case "xml": f.Format = "xml"; break;
                case "time": f.Format = "time"; f.Precision = a0 ?? 6; break;
                case "interval": f.Format = "interval"; break;
                default: break; // arrays, money, inet, ranges, ...: text, and their own type between PostgreSQL databases
            }
            return f;
        }

        /// <summary>
        /// A MySQL/MariaDB column from information_schema.COLUMNS: DATA_TYPE, COLUMN_TYPE (varchar(80), int(11) unsigned,
        /// enum('a','b')), the lengths and precisions it gives, EXTRA and COLUMN_COMMENT; <paramref name="jsonChecked"/>
        /// when a CHECK (json_valid(column)) makes a MariaDB longtext a JSON column.
        /// </summary>
        public static CrmFieldSchema FromMySql(string name, string dataType, string columnType, long? charMax, int? numericPrecision, int? numericScale,
            int? datetimePrecision, string extra, string comment, bool jsonChecked)
        {
            var f = new CrmFieldSchema(name, CrmFieldType.String) { SourceType = columnType };
            string type = dataType.ToLowerInvariant();
            bool unsigned = columnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase);
            var (marker, text) = SplitMarker(comment);
            f.Comment = text.Length > 0 ? text : null;
            f.AutoIncrement = extra.Contains("auto_increment", StringComparison.OrdinalIgnoreCase);
            int? length = charMax is > 0 and <= int.MaxValue ? (int)charMax.Value : null;
            switch (type)
            {
                case "tinyint":
                    if (columnType.StartsWith("tinyint(1)", StringComparison.OrdinalIgnoreCase) && !unsigned) f.Type = CrmFieldType.Boolean;
                    else { f.Type = CrmFieldType.Integer; f.Size = 1; f.Unsigned = unsigned; }
                    break;
                case "smallint": f.Type = CrmFieldType.Integer; f.Size = 2; f.Unsigned = unsigned; break;
                case "mediumint": f.Type = CrmFieldType.Integer; f.Size = 3; f.Unsigned = unsigned; break;
                case "int": case "integer": f.Type = CrmFieldType.Integer; f.Size = 4; f.Unsigned = unsigned; break;
                case "bigint":
                    if (unsigned) { f.Type = CrmFieldType.Decimal; f.Precision = 20; f.Scale = 0; f.Unsigned = true; }
                    else { f.Type = CrmFieldType.Integer; f.Size = 8; }
                    break;
                case "year": f.Type = CrmFieldType.Integer; f.Size = 2; break;
                case "bit":
                    if (string.Equals(columnType, "bit(1)", StringComparison.OrdinalIgnoreCase)) f.Type = CrmFieldType.Boolean;
                    else { f.Type = CrmFieldType.Integer; f.Size = 8; }
                    break;
                case "decimal": case "numeric": f.Type = CrmFieldType.Decimal; f.Precision = numericPrecision; f.Scale = numericScale ?? 0; break;
                case "float": f.Type = CrmFieldType.Double; f.Size = 4; break;
                case "double": case "real": f.Type = CrmFieldType.Double; f.Size = 8; break;
                case "date": f.Type = CrmFieldType.Date; break;
                case "datetime": case "timestamp":
                    f.Type = marker == MarkerOffset ? CrmFieldType.DateTimeOffset : CrmFieldType.DateTime;
                    f.Precision = datetimePrecision ?? 0;
                    break;
                case "time": f.Format = "time"; f.Precision = datetimePrecision ?? 0; break;
                case "uuid": f.Type = CrmFieldType.Guid; break;
                case "json": f.Format = "json"; break;
                case "enum": f.Format = "enum"; f.AllowedValues = ParseQuotedList(columnType); break;
                case "set": f.Format = "set"; f.AllowedValues = ParseQuotedList(columnType); break;
                case "char": f.MaxLength = length; f.FixedLength = true; break;
                case "varchar": f.MaxLength = length; break;
                case "binary": f.Type = CrmFieldType.Binary; f.MaxLength = length; f.FixedLength = true; break;
                case "varbinary": f.Type = CrmFieldType.Binary; f.MaxLength = length; break;
                case "tinyblob": case "blob": case "mediumblob": case "longblob": f.Type = CrmFieldType.Binary; break;
                case "longtext": case "mediumtext": case "text": case "tinytext":
                    if (jsonChecked) f.Format = "json";
                    break;
                default: break; // geometry and the like: text
            }
            if (marker == MarkerGuid && f.Type == CrmFieldType.String) { f.Type = CrmFieldType.Guid; f.MaxLength = null; f.FixedLength = false; }
            else if (marker == MarkerOffset && f.Type == CrmFieldType.String) { f.Type = CrmFieldType.DateTimeOffset; f.MaxLength = null; f.Precision = null; }
            return f;
        }

        /// <summary>A declared SQLite type (VARCHAR(80), DECIMAL(12,2), INT, FLOAT4, DATETIME(3)); the rest comes from the table's SQL text.</summary>
        public static CrmFieldSchema FromSqlite(string name, string declared)
        {
            var type = MapSqliteDeclared(declared, out _);
            var f = new CrmFieldSchema(name, type) { SourceType = declared };
            var (baseName, args, rest) = ParseTypeText(declared);
            string upper = baseName.ToUpperInvariant();
            int? a0 = args.Count > 0 ? args[0] : null;
            int? a1 = args.Count > 1 ? args[1] : null;
            switch (type)
            {
                case CrmFieldType.String:
                    if (upper.Contains("CHAR", StringComparison.Ordinal)) { f.MaxLength = a0; f.FixedLength = a0 is not null && !upper.Contains("VAR", StringComparison.Ordinal) && !upper.Contains("CLOB", StringComparison.Ordinal); }
                    if (upper is "TIME") { f.Format = "time"; f.Precision = a0; }
                    if (upper.Contains("JSON", StringComparison.Ordinal)) f.Format = "json";
                    break;
                case CrmFieldType.Integer:
                    f.Size = upper switch
                    {
                        "TINYINT" or "INT1" => 1,
                        "SMALLINT" or "INT2" => 2,
                        "MEDIUMINT" or "INT3" => 3,
                        "INT" or "INT4" => 4,
                        _ => 8,
                    };
                    f.Unsigned = (upper + " " + rest.ToUpperInvariant()).Contains("UNSIGNED", StringComparison.Ordinal);
                    break;
                case CrmFieldType.Decimal:
                    if (upper.Contains("TEXT", StringComparison.Ordinal)) break; // DECIMAL_TEXT: older versions' exact text decimals
                    f.Precision = a0;
                    f.Scale = a0 is null ? null : a1 ?? 0;
                    break;
                case CrmFieldType.Double:
                    f.Size = upper is "FLOAT4" or "REAL4" ? 4 : 8;
                    break;
                case CrmFieldType.DateTime:
                case CrmFieldType.DateTimeOffset:
                    f.Precision = a0;
                    break;
                case CrmFieldType.Binary:
                    if (upper.Contains("BINARY", StringComparison.Ordinal)) { f.MaxLength = a0; f.FixedLength = a0 is not null && !upper.Contains("VAR", StringComparison.Ordinal); }
                    break;
            }
            return f;
        }

        /// <summary>
        /// Maps a declared SQLite type to a portable type. Order matters: DATETIMEOFFSET before DATETIME before
        /// DATE, DECIMAL before TEXT (so DECIMAL_TEXT, the exact decimal type earlier versions created, reads as Decimal).
        /// </summary>
        public static CrmFieldType MapSqliteDeclared(string? declared, out bool untyped)
        {
            untyped = false;
            if (string.IsNullOrWhiteSpace(declared)) { untyped = true; return CrmFieldType.String; }
            string d = declared.ToUpperInvariant();
            if (Has(d, "DATETIMEOFFSET") || Has(d, "TIMESTAMPTZ") || Has(d, "WITH TIME ZONE")) return CrmFieldType.DateTimeOffset;
            if (Has(d, "DATETIME") || Has(d, "TIMESTAMP")) return CrmFieldType.DateTime;
            if (Has(d, "DATE")) return CrmFieldType.Date;
            if (Has(d, "BOOL")) return CrmFieldType.Boolean;
            if (Has(d, "UUID") || Has(d, "GUID") || Has(d, "UNIQUEIDENTIFIER")) return CrmFieldType.Guid;
            if (Has(d, "DECIMAL") || Has(d, "NUMERIC") || Has(d, "MONEY")) return CrmFieldType.Decimal;
            if (Has(d, "CHAR") || Has(d, "TEXT") || Has(d, "CLOB")) return CrmFieldType.String;
            if (Has(d, "REAL") || Has(d, "FLOA") || Has(d, "DOUB")) return CrmFieldType.Double;
            if (Has(d, "INT")) return CrmFieldType.Integer;
            if (Has(d, "BLOB") || Has(d, "BINARY")) return CrmFieldType.Binary;
            return CrmFieldType.String;
        }

        private static bool Has(string text, string part) => text.Contains(part, StringComparison.Ordinal);

        // ------------------------------------------------------------------ writing

        /// <summary>The PostgreSQL column type for a field; <paramref name="enumType"/> is the (quoted) enum type created for it.</summary>
        public static string ToPostgres(CrmFieldSchema f, bool sameEngine, string? enumType)
        {
            if (sameEngine && f.SourceType is { Length: > 0 } native && f.Format != "enum")
            {
                return f.AutoIncrement && f.Type == CrmFieldType.Integer ? native + " GENERATED BY DEFAULT AS IDENTITY" : native;
            }
            switch (f.Type)
            {
                case CrmFieldType.String:
                    switch (f.Format)
                    {
                        case "enum": return enumType ?? "text";
                        case "json": return "json";
                        case "jsonb": return "jsonb";
                        case "xml": return "xml";
                        case "time": return f.Precision is int tp and < 6 ? "time(" + Inv(tp) + ")" : "time";
                        case "interval": return "interval";
                    }
                    if (f.MaxLength is int n and > 0 and <= 10485760) return (f.FixedLength ? "char(" : "varchar(") + Inv(n) + ")";
                    return "text";
                case CrmFieldType.Integer:
                    int size = f.Size ?? 8;
                    if (f.Unsigned) size = size switch { 1 => 2, 2 => 4, 3 => 4, 4 => 8, _ => 16 };
                    string it = size switch { 1 or 2 => "smallint", 3 or 4 => "integer", 8 => "bigint", _ => "numeric(20,0)" };
                    return f.AutoIncrement && size <= 8 ? it + " GENERATED BY DEFAULT AS IDENTITY" : it;
                case CrmFieldType.Decimal:
                    if (f.Precision is int p and > 0 and <= 1000) return "numeric(" + Inv(p) + "," + Inv(Math.Min(f.Scale ?? 0, p)) + ")";
                    return "numeric";
                case CrmFieldType.Double: return f.Size == 4 ? "real" : "double precision";
                case CrmFieldType.Boolean: return "boolean";
                case CrmFieldType.Date: return "date";
                // PostgreSQL keeps 6 fractional digits unless told fewer: timestamp(6) is timestamp.
                case CrmFieldType.DateTime: return f.Precision is int dp and < 6 ? "timestamp(" + Inv(dp) + ")" : "timestamp";
                case CrmFieldType.DateTimeOffset: return f.Precision is int op and < 6 ? "timestamptz(" + Inv(op) + ")" : "timestamptz";
                case CrmFieldType.Guid: return "uuid";
                case CrmFieldType.Binary: return "bytea";
                default: return "text";
            }
        }

        /// <summary>
        /// The MySQL/MariaDB column type for a field, and a marker its comment carries when MySQL has no such type.
        /// <paramref name="varcharRoom"/> says whether a varchar/varbinary of the field's length still fits the row (65,535 bytes in all).
        /// </summary>
        public static (string Type, string? Marker) ToMySql(CrmFieldSchema f, bool key, bool sameEngine, bool varcharRoom, SqlEngineFeatures features)
        {
            if (sameEngine && f.SourceType is { Length: > 0 } native) return (native + (f.AutoIncrement ? " AUTO_INCREMENT" : ""), null);
            switch (f.Type)
            {
                case CrmFieldType.String:
                    switch (f.Format)
                    {
                        case "enum" when f.AllowedValues is { Count: > 0 }: return ("enum(" + QuotedList(f.AllowedValues) + ")", null);
                        case "set" when f.AllowedValues is { Count: > 0 } && f.AllowedValues.Count <= 64: return ("set(" + QuotedList(f.AllowedValues) + ")", null);
                        case "json": case "jsonb": return ("json", null);
                        case "time": return (f.Precision is int tp and <= 6 ? "time(" + Inv(tp) + ")" : "time", null);
                    }
                    if (f.MaxLength is int n and > 0)
                    {
                        if (f.FixedLength && n <= 255) return ("char(" + Inv(n) + ")", null);
                        if (n <= 16383 && (varcharRoom || key)) return ("varchar(" + Inv(key ? Math.Min(n, 768) : n) + ")", null);
                    }
                    return (key ? "varchar(255)" : "longtext", null);
                case CrmFieldType.Integer:
                    string it = (f.Size ?? 8) switch { 1 => "tinyint", 2 => "smallint", 3 => "mediumint", 4 => "int", _ => "bigint" };
                    if (f.Unsigned) it += " unsigned";
                    return (f.AutoIncrement ? it + " AUTO_INCREMENT" : it, null);
                case CrmFieldType.Decimal:
                    if (f.Precision is int p and > 0)
                    {
                        int s = Math.Min(f.Scale ?? 0, 30);
                        return ("decimal(" + Inv(Math.Min(Math.Max(p, s), 65)) + "," + Inv(s) + ")" + (f.Unsigned ? " unsigned" : ""), null);
                    }
                    return ("decimal(65,28)", null);
                case CrmFieldType.Double: return (f.Size == 4 ? "float" : "double", null);
                case CrmFieldType.Boolean: return ("tinyint(1)", null);
                case CrmFieldType.Date: return ("date", null);
                case CrmFieldType.DateTime: return ("datetime(" + Inv(Math.Min(f.Precision ?? 6, 6)) + ")", null);
                case CrmFieldType.DateTimeOffset: return ("datetime(" + Inv(Math.Min(f.Precision ?? 6, 6)) + ")", MarkerOffset);
                case CrmFieldType.Guid: return features.UuidType ? ("uuid", null) : ("char(36)", MarkerGuid);
                case CrmFieldType.Binary:
                    if (f.MaxLength is int b and > 0)
                    {
                        if (f.FixedLength && b <= 255) return ("binary(" + Inv(b) + ")", null);
                        if (b <= 65532 && (varcharRoom || key)) return ("varbinary(" + Inv(key ? Math.Min(b, 3072) : b) + ")", null);
                    }
                    return (key ? "varbinary(255)" : "longblob", null);
                default: return ("longtext", null);
            }
        }

        /// <summary>Bytes a MySQL varchar/varbinary of the field takes in the row's 65,535-byte budget (0 when it is not one).</summary>
        public static int MySqlRowBytes(CrmFieldSchema f)
        {
            if (f.Type == CrmFieldType.String && f.Format is null && f.MaxLength is int n and > 0 && !(f.FixedLength && n <= 255)) return n * 4 + 2;
            if (f.Type == CrmFieldType.Binary && f.MaxLength is int b and > 0 && !(f.FixedLength && b <= 255)) return b + 2;
            return 0;
        }

        /// <summary>The SQLite declared type for a field, and a CHECK constraint (json_valid, allowed values) that keeps what the type cannot say.</summary>
        public static (string Type, string? Check) ToSqlite(CrmFieldSchema f, bool sameEngine, Func<string, string> quote, Func<string, string> literal)
        {
            string? check = null;
            if (f.Type == CrmFieldType.String && f.Format is "json" or "jsonb") check = "json_valid(" + quote(f.Name) + ")";
            if (f.Type == CrmFieldType.String && f.Format == "enum" && f.AllowedValues is { Count: > 0 } values)
            {
                var sb = new StringBuilder(quote(f.Name)).Append(" IN (");
                for (int i = 0; i < values.Count; i++) { if (i > 0) sb.Append(", "); sb.Append(literal(values[i])); }
                check = sb.Append(')').ToString();
            }
            if (sameEngine && f.SourceType is { Length: > 0 } native) return (native, check);
            switch (f.Type)
            {
                case CrmFieldType.String:
                    if (f.Format == "time") return (f.Precision is int tp ? "TIME(" + Inv(tp) + ")" : "TIME", check);
                    if (f.MaxLength is int n and > 0) return ((f.FixedLength ? "CHAR(" : "VARCHAR(") + Inv(n) + ")", check);
                    return ("TEXT", check);
                case CrmFieldType.Integer:
                    string it = (f.Size ?? 8) switch { 1 => "TINYINT", 2 => "SMALLINT", 3 => "MEDIUMINT", 4 => "INT", _ => "INTEGER" };
                    return (f.Unsigned ? it + " UNSIGNED" : it, null);
                case CrmFieldType.Decimal:
                    // Format "text": every value's exact text, trailing zeros included (an archive's restore compares text).
                    if (f.Format == "text") return ("DECIMAL_TEXT", null);
                    return (f.Precision is int p and > 0 ? "DECIMAL(" + Inv(p) + "," + Inv(f.Scale ?? 0) + ")" : "DECIMAL", null);
                case CrmFieldType.Double: return (f.Size == 4 ? "FLOAT4" : "REAL", null);
                case CrmFieldType.Boolean: return ("BOOLEAN", null);
                case CrmFieldType.Date: return ("DATE", null);
                case CrmFieldType.DateTime: return (f.Precision is int dp ? "DATETIME(" + Inv(dp) + ")" : "DATETIME", null);
                case CrmFieldType.DateTimeOffset: return (f.Precision is int op ? "DATETIMEOFFSET(" + Inv(op) + ")" : "DATETIMEOFFSET", null);
                case CrmFieldType.Guid: return ("UUID", null);
                case CrmFieldType.Binary:
                    if (f.MaxLength is int b and > 0) return ((f.FixedLength ? "BINARY(" : "VARBINARY(") + Inv(b) + ")", null);
                    return ("BLOB", null);
                default: return ("TEXT", null);
            }
        }

        // ------------------------------------------------------------------ helpers

        /// <summary>Splits a type text into its name, its numeric arguments and the rest: "numeric(12,2)" → (numeric, [12, 2], ""); "timestamp(3) without time zone" → (timestamp, [3], "without time zone").</summary>
        public static (string Name, List<int> Args, string Tail) ParseTypeText(string? text)
        {
            var args = new List<int>();
            if (string.IsNullOrWhiteSpace(text)) return ("", args, "");
            text = text.Trim();
            int open = text.IndexOf('(', StringComparison.Ordinal);
            if (open < 0) return (text, args, "");
            int close = text.IndexOf(')', open);
            if (close < 0) return (text, args, "");
            string name = text.Substring(0, open).Trim();
            foreach (var part in text.Substring(open + 1, close - open - 1).Split(','))
            {
                if (int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n)) args.Add(n);
                else { args.Clear(); break; }
            }
            return (name, args, text.Substring(close + 1).Trim());
        }

        /// <summary>The values of enum('a','b''c') or set(...), quotes undone.</summary>
        public static List<string> ParseQuotedList(string columnType)
        {
            var list = new List<string>();
            int i = columnType.IndexOf('(', StringComparison.Ordinal);
            if (i < 0) return list;
            var sb = new StringBuilder();
            bool inQuote = false;
            for (i++; i < columnType.Length; i++)
            {
                char c = columnType[i];
                if (inQuote)
                {
                    if (c == '\'' && i + 1 < columnType.Length && columnType[i + 1] == '\'') { sb.Append('\''); i++; }
                    else if (c == '\\' && i + 1 < columnType.Length) { sb.Append(columnType[i + 1]); i++; }
                    else if (c == '\'') { inQuote = false; list.Add(sb.ToString()); sb.Clear(); }
                    else sb.Append(c);
                }
                else if (c == '\'') inQuote = true;
                else if (c == ')') break;
            }
            return list;
        }

        private static string QuotedList(IReadOnlyList<string> values)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < values.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(SqlLiteral(values[i], backslashEscapes: true));
            }
            return sb.ToString();
        }

        /// <summary>A string literal: single quotes doubled (and backslashes doubled for MySQL, where they escape).</summary>
        public static string SqlLiteral(string text, bool backslashEscapes)
        {
            string s = text.Replace("'", "''", StringComparison.Ordinal);
            if (backslashEscapes) s = s.Replace("\\", "\\\\", StringComparison.Ordinal);
            return "'" + s + "'";
        }

        /// <summary>A MySQL comment split into the CrmMigration type marker it may carry ("crm:Guid", or "text [crm:Guid]") and the user's text.</summary>
        public static (string? Marker, string Text) SplitMarker(string comment)
        {
            if (string.IsNullOrEmpty(comment)) return (null, "");
            if (comment.StartsWith("crm:", StringComparison.Ordinal) && comment.IndexOf(' ', StringComparison.Ordinal) < 0) return (comment, "");
            if (comment.EndsWith("]", StringComparison.Ordinal))
            {
                int at = comment.LastIndexOf(" [crm:", StringComparison.Ordinal);
                if (at >= 0) return (comment.Substring(at + 2, comment.Length - at - 3), comment.Substring(0, at));
            }
            return (null, comment);
        }

        /// <summary>The comment a MySQL column gets: the user's text and the marker, if any.</summary>
        public static string? JoinMarker(string? text, string? marker)
        {
            if (marker is null) return string.IsNullOrEmpty(text) ? null : text;
            return string.IsNullOrEmpty(text) ? marker : text + " [" + marker + "]";
        }

        private static string Inv(int n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
