using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>The one place cmdlets turn a path into a connection (kept out of attribute code so the engine loads lazily).</summary>
    internal static class ConnectionFactory
    {
        public static CrmConnection FromPath(string path) => ProviderFactory.FromPath(path);

        public static ICrmProvider Open(CrmConnection connection) => ProviderFactory.Open(connection);
    }
}
