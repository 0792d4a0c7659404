using System;
using System.Collections.Generic;
using System.IO;

namespace CrmMigration.Engine.Providers
{
    /// <summary>Opens the provider for a connection, or infers a connection from a path.</summary>
    public static class ProviderFactory
    {
        /// <summary>
        /// Infers the provider from a path: .db/.sqlite/.sqlite3 → Sqlite, .xlsx → Excel, .csv/.tsv/.txt → Csv; a .json
        /// `sf data tree` plan → Salesforce; a .zip holding data_schema.xml, or a folder holding data_schema.xml → Dynamics;
        /// a folder with crm-metadata.json written for Salesforce or HubSpot → that format; any other folder → Csv.
        /// </summary>
        public static CrmConnection FromPath(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new CrmException("PathEmpty", CrmErrorKind.InvalidArgument, "The path is empty.");
            string full = Path.GetFullPath(path);
            string ext = Path.GetExtension(full).ToLowerInvariant();
            CrmProviderKind kind = ext switch
            {
                ".db" or ".sqlite" or ".sqlite3" => CrmProviderKind.Sqlite,
                ".xlsx" => CrmProviderKind.Excel,
                ".csv" or ".tsv" or ".txt" => CrmProviderKind.Csv,
                ".json" when Formats.FormatDetection.IsTreePlan(full) => CrmProviderKind.Salesforce,
                ".zip" when Formats.FormatDetection.IsCmtZip(full) => CrmProviderKind.Dynamics,
                _ when Directory.Exists(full) => Formats.FormatDetection.FolderKind(full),
                "" => CrmProviderKind.Csv,
                _ => throw new CrmException("PathProviderUnknown", CrmErrorKind.InvalidArgument,
                    $"Cannot tell the provider of '{full}' from its extension or contents. Use .db/.sqlite (SQLite), .csv or a folder (CSV), .xlsx (Excel), an sf data tree plan (.json), a Configuration Migration .zip, or New-CrmConnection -Provider."),
            };
            return new CrmConnection(kind, full);
        }

        /// <summary>
        /// A server connection from its parts. The password stays in the credential; Location shows
        /// server:port/database only. <paramref name="profile"/> is a built-in profile name or a file path.
        /// </summary>
        public static CrmConnection ForServer(CrmProviderKind kind, string server, int? port, string database, System.Net.NetworkCredential? credential, string? profile)
        {
            var dialect = Dialect(kind);
            if (string.IsNullOrWhiteSpace(server)) throw new CrmException("ServerEmpty", CrmErrorKind.InvalidArgument, "The server name is empty.");
            int p = port ?? dialect.DefaultPort;
            var connection = new CrmConnection(kind, server + ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + database);
            connection.Options["Server"] = server;
            connection.Options["Port"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            connection.Options["Database"] = database;
            connection.SetCredential(credential);
            SetProfile(connection, profile);
            return connection;
        }

        /// <summary>
        /// A server connection from a connection string: the password (and user) move into the credential
        /// and the rest, without them, is kept in the options. An explicit credential wins over the string's.
        /// </summary>
        public static CrmConnection FromConnectionString(CrmProviderKind kind, string connectionString, System.Net.NetworkCredential? credential, string? profile)
        {
            var dialect = Dialect(kind);
            (string Server, int Port, string Database, System.Net.NetworkCredential? Credential, string Remainder) parts;
            try
            {
                parts = dialect.ParseConnectionString(connectionString);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                // The driver's message may quote the string, password and all: say only what is wrong in general.
                throw new CrmException("ConnectionStringInvalid", CrmErrorKind.InvalidArgument,
                    $"The {kind} connection string cannot be parsed ({ex.GetType().Name}). Use Key=Value pairs separated by ';', e.g. Host=db1;Port=5432;Database=crm;Username=migrator.");
            }
            var connection = ForServer(kind, parts.Server, parts.Port, parts.Database, credential ?? parts.Credential, profile);
            if (parts.Remainder.Length > 0) connection.Options["ConnectionString"] = parts.Remainder;
            return connection;
        }

        /// <summary>
        /// Sets the format profile of a Salesforce, Dynamics or HubSpot connection: the format's name (the built-in profile) or
        /// the path of an edited copy, loaded now so a bad file fails here. Other file providers have no profile.
        /// </summary>
        public static void SetFormatProfile(CrmConnection connection, string profile)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            if (connection.Provider is not (CrmProviderKind.Salesforce or CrmProviderKind.Dynamics or CrmProviderKind.HubSpot))
            {
                throw new CrmException("ProfileNotSupported", CrmErrorKind.InvalidArgument,
                    $"The {connection.Provider} provider takes no -Profile: profiles describe a CRM database (PostgreSql, MySql) or SaaS files (Salesforce, Dynamics, HubSpot).");
            }
            string format = connection.Provider.ToString();
            Formats.FormatProfile.Load(profile, format);
            connection.Options["Profile"] = string.Equals(profile, format, StringComparison.OrdinalIgnoreCase) ? format : Path.GetFullPath(profile);
        }

        private static void SetProfile(CrmConnection connection, string? profile)
        {
            if (string.IsNullOrWhiteSpace(profile)) return;
            var loaded = Db.Profiles.CrmProfile.Load(profile); // fails now on a bad name or file
            connection.Options["Profile"] = Array.Exists(new[] { "Generic", "SuiteCRM", "Odoo" }, b => string.Equals(b, profile, StringComparison.OrdinalIgnoreCase))
                ? loaded.Name : Path.GetFullPath(profile);
        }

        private static Db.DbDialect Dialect(CrmProviderKind kind) => kind switch
        {
            CrmProviderKind.PostgreSql => Db.PgDialect.Instance,
            CrmProviderKind.MySql => Db.MySqlDialect.Instance,
            _ => throw new CrmException("ProviderNotServer", CrmErrorKind.InvalidArgument, $"The provider '{kind}' is file-based; use -Path."),
        };

        /// <summary>The encoding names help and tab completion offer (any name or code page .NET knows is accepted too).</summary>
        public static IReadOnlyList<string> EncodingNames => Csv.TextEncodings.KnownNames;

        /// <summary>Checks an encoding name now (EncodingUnknown when .NET does not know it), so a bad name stops a command before anything is read.</summary>
        public static void CheckEncoding(string? name) => Csv.TextEncodings.FromName(name);

        /// <summary>
        /// Opens a system to read from. A CSV or Excel source that does not exist is SourceNotFound here, before
        /// anything runs: reading nothing from a path that is not there is not an empty migration. A missing
        /// SQLite file stops here too, with the id its first read would give (SqliteDatabaseNotFound).
        /// </summary>
        public static ICrmProvider OpenSource(CrmConnection connection, System.Threading.CancellationToken cancellation = default)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            if (connection.Provider is CrmProviderKind.Csv or CrmProviderKind.Excel or CrmProviderKind.Salesforce or CrmProviderKind.Dynamics or CrmProviderKind.HubSpot
                && !System.IO.File.Exists(connection.Location) && !System.IO.Directory.Exists(connection.Location))
            {
                throw new CrmException(new CrmDataError("SourceNotFound", CrmErrorKind.NotFound,
                    $"The source '{connection.Location}' does not exist: there is nothing to read. Check the path.") { File = connection.Location });
            }
            if (connection.Provider == CrmProviderKind.Sqlite && !System.IO.File.Exists(connection.Location))
            {
                throw new CrmException(new CrmDataError("SqliteDatabaseNotFound", CrmErrorKind.NotFound,
                    $"The SQLite database '{connection.Location}' does not exist: there is nothing to read. Check the path.") { File = connection.Location });
            }
            return Open(connection, cancellation);
        }

        /// <summary>Opens the provider for a connection.</summary>
        public static ICrmProvider Open(CrmConnection connection, System.Threading.CancellationToken cancellation = default)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            var provider = Create(connection);
            provider.Cancellation = cancellation;
            return provider;
        }

        private static ICrmProvider Create(CrmConnection connection)
        {
            return connection.Provider switch
            {
                CrmProviderKind.Csv => new Csv.CsvProvider(connection),
                CrmProviderKind.Excel => new Excel.ExcelProvider(connection),
                CrmProviderKind.Sqlite => new Sqlite.SqliteProvider(connection),
                CrmProviderKind.PostgreSql => Db.DbProvider.PostgreSql(connection),
                CrmProviderKind.MySql => Db.DbProvider.MySql(connection),
                CrmProviderKind.Salesforce => connection.Location.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                    ? new Formats.SalesforceTreeProvider(connection) : new Formats.SalesforceCsvProvider(connection),
                CrmProviderKind.Dynamics => new Formats.DynamicsCmtProvider(connection),
                CrmProviderKind.HubSpot => new Formats.HubSpotProvider(connection),
                _ => throw new CrmException("ProviderNotSupported", CrmErrorKind.InvalidArgument, $"The provider '{connection.Provider}' is not supported."),
            };
        }
    }
}
