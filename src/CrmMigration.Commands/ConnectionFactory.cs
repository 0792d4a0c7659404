using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>The one place cmdlets turn a path into a connection (kept out of attribute code so the engine loads lazily).</summary>
    internal static class ConnectionFactory
    {
        public static CrmConnection FromPath(string path) => ProviderFactory.FromPath(path);

        public static CrmConnection ForServer(CrmProviderKind kind, string server, int? port, string database, System.Net.NetworkCredential? credential, string? profile) =>
            ProviderFactory.ForServer(kind, server, port, database, credential, profile);

        public static CrmConnection FromConnectionString(CrmProviderKind kind, string connectionString, System.Net.NetworkCredential? credential, string? profile) =>
            ProviderFactory.FromConnectionString(kind, connectionString, credential, profile);

        /// <summary>Sets the format profile of a Salesforce, Dynamics or HubSpot connection (checked now); other file providers refuse one.</summary>
        public static void SetFormatProfile(CrmConnection connection, string profile) => ProviderFactory.SetFormatProfile(connection, profile);

        public static ICrmProvider Open(CrmConnection connection, System.Threading.CancellationToken cancellation = default) => ProviderFactory.Open(connection, cancellation);

        public static void CheckEncoding(string? name) => ProviderFactory.CheckEncoding(name);

        public static System.Collections.Generic.IReadOnlyList<string> EncodingNames => ProviderFactory.EncodingNames;

        /// <summary>Opens a system to read from; a file source that does not exist is SourceNotFound.</summary>
        public static ICrmProvider OpenSource(CrmConnection connection, System.Threading.CancellationToken cancellation = default) => ProviderFactory.OpenSource(connection, cancellation);
    }
}
