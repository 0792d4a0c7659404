using System;
using System.IO;

namespace CrmMigration.Engine.Providers
{
    /// <summary>Opens the provider for a connection, or infers a connection from a path.</summary>
    public static class ProviderFactory
    {
        /// <summary>Infers the provider from a path: .db/.sqlite/.sqlite3 → Sqlite, .xlsx → Excel, .csv/.tsv/.txt or a folder → Csv.</summary>
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
                "" => CrmProviderKind.Csv,
                _ => Directory.Exists(full) ? CrmProviderKind.Csv : throw new CrmException("PathProviderUnknown", CrmErrorKind.InvalidArgument,
                    $"Cannot tell the provider of '{full}' from its extension. Use .db/.sqlite (SQLite), .csv or a folder (CSV), .xlsx (Excel), or New-CrmConnection -Provider."),
            };
            return new CrmConnection(kind, full);
        }

        /// <summary>Opens the provider for a connection.</summary>
        public static ICrmProvider Open(CrmConnection connection)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            return connection.Provider switch
            {
                CrmProviderKind.Csv => new Csv.CsvProvider(connection),
                CrmProviderKind.Excel => new Excel.ExcelProvider(connection),
                CrmProviderKind.Sqlite => new Sqlite.SqliteProvider(connection),
                _ => throw new CrmException("ProviderNotSupported", CrmErrorKind.InvalidArgument, $"The provider '{connection.Provider}' is not supported."),
            };
        }
    }
}
