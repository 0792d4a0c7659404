using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Npgsql;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// Where a ledger is, as a -StatePath names it: an SQLite file, or a PostgreSQL database given as a connection
    /// (New-CrmConnection PostgreSql ...), an Npgsql connection string (Host=...;Database=...) or a URI
    /// (postgresql://host:port/database?schema=crm_ledger). A password comes from the connection's credential, the string,
    /// PGPASSWORD or the pgpass file; it is never printed.
    /// </summary>
    public sealed class LedgerLocation
    {
        private static readonly Dictionary<string, NetworkCredential> Credentials = new(StringComparer.Ordinal);
        private readonly string? _file;
        private readonly string? _connectionString;
        private readonly NetworkCredential? _credential;

        private LedgerLocation(string? file, string? connectionString, NetworkCredential? credential, string display)
        {
            _file = file;
            _connectionString = connectionString;
            _credential = credential;
            Display = display;
        }

        /// <summary>An SQLite ledger file (the path as given, resolved by the caller).</summary>
        public static LedgerLocation File(string fullPath) => new(fullPath, null, null, fullPath);

        /// <summary>A ledger in the PostgreSQL database of a connection (its credential is used, never printed).</summary>
        public static LedgerLocation FromConnection(CrmConnection connection)
        {
            if (connection.Provider == CrmProviderKind.Sqlite) return File(connection.Location);
            if (connection.Provider != CrmProviderKind.PostgreSql)
            {
                throw new CrmException("LedgerProviderUnsupported", CrmErrorKind.InvalidArgument,
                    $"A migration ledger lives in an SQLite file or in PostgreSQL; {connection.DisplayName} is {connection.Provider}. Give a file path or a PostgreSQL connection as -StatePath.");
            }
            var credential = connection.GetCredential();
            using var probe = Providers.Db.PgDialect.Instance.CreateConnection(connection, credential);
            var b = new NpgsqlConnectionStringBuilder(probe.ConnectionString);
            if (connection.Options.TryGetValue("LedgerSchema", out var schema) && !string.IsNullOrEmpty(schema)) b.SearchPath = schema;
            return Postgres(b, credential);
        }

        private static LedgerLocation Postgres(NpgsqlConnectionStringBuilder b, NetworkCredential? credential)
        {
            string schema = string.IsNullOrWhiteSpace(b.SearchPath) ? PostgresLedgerStore.DefaultSchema : b.SearchPath.Split(',')[0].Trim().Trim('"');
            string display = "postgresql://" + (b.Host ?? "localhost") + ":" + b.Port.ToString(CultureInfo.InvariantCulture) + "/" + b.Database + "?schema=" + schema;
            if (credential is null && b.Password is null)
            {
                // A ledger this process opened through a connection object is found again by its printed form (a run's StatePath).
                lock (Credentials) Credentials.TryGetValue(display, out credential);
            }
            else if (credential is not null)
            {
                lock (Credentials) Credentials[display] = credential;
            }
            return new LedgerLocation(null, b.ConnectionString, credential, display);
        }

        /// <summary>Whether text names a PostgreSQL ledger (a postgresql:// URI or a connection string with Host=) rather than a file.</summary>
        public static bool IsConnectionString(string text)
        {
            string t = text.TrimStart();
            if (t.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)) return true;
            return t.Contains('=', StringComparison.Ordinal) && t.Contains(';', StringComparison.Ordinal) &&
                (t.Contains("host=", StringComparison.OrdinalIgnoreCase) || t.Contains("server=", StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>A -StatePath given as text: a connection string or URI, else a file path resolved by <paramref name="resolvePath"/>.</summary>
        public static LedgerLocation Parse(string text, Func<string, string> resolvePath)
        {
            if (!IsConnectionString(text)) return File(resolvePath(text));
            string t = text.Trim();
            NpgsqlConnectionStringBuilder b;
            if (t.Contains("://", StringComparison.Ordinal))
            {
                b = FromUri(t);
            }
            else
            {
                try { b = new NpgsqlConnectionStringBuilder(t); }
                catch (ArgumentException ex)
                {
                    throw new CrmException("LedgerConnectionInvalid", CrmErrorKind.InvalidArgument, $"-StatePath is not a PostgreSQL connection string: {ex.Message}");
                }
            }
            return Postgres(b, null);
        }

        private static NpgsqlConnectionStringBuilder FromUri(string text)
        {
            Uri uri;
            try { uri = new Uri(text.Replace("postgres://", "postgresql://", StringComparison.OrdinalIgnoreCase)); }
            catch (UriFormatException ex)
            {
                throw new CrmException("LedgerConnectionInvalid", CrmErrorKind.InvalidArgument, $"-StatePath is not a postgresql:// address: {ex.Message}");
            }
            var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) };
            if (uri.Port > 0) b.Port = uri.Port;
            if (uri.UserInfo.Length > 0)
            {
                string[] parts = uri.UserInfo.Split(':', 2);
                b.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length > 1) b.Password = Uri.UnescapeDataString(parts[1]);
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] kv = pair.Split('=', 2);
                string key = Uri.UnescapeDataString(kv[0]);
                string value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
                if (key.Equals("schema", StringComparison.OrdinalIgnoreCase)) b.SearchPath = value;
                else if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase)) b["SSL Mode"] = value;
                else b[key] = value;
            }
            if (string.IsNullOrEmpty(b.Database)) b.Database = "postgres";
            return b;
        }

        /// <summary>True for an SQLite file.</summary>
        public bool IsFile => _file is not null;

        /// <summary>The file's full path (null for a PostgreSQL ledger).</summary>
        public string? FilePath => _file;

        /// <summary>As printed: the file's path, or postgresql://host:port/database?schema=... without user or password.</summary>
        public string Display { get; }

        /// <summary>Whether the ledger is there to read: the file exists, or (PostgreSQL) is assumed to.</summary>
        public bool Exists => _file is null || System.IO.File.Exists(_file);

        /// <summary>Opens the store (creating the file or the schema's tables when missing).</summary>
        public ILedgerStore OpenStore() => _file is not null ? new SqliteLedgerStore(_file) : new PostgresLedgerStore(_connectionString!, _credential);

        /// <inheritdoc/>
        public override string ToString() => Display;
    }
}
