using System;

namespace CrmMigration.Engine.Util
{
    /// <summary>
    /// Names that say their value is a secret (a password, token, API key, private key, connection string):
    /// such values are never kept in the ledger's reject examples or shown in a report.
    /// </summary>
    public static class SecretNames
    {
        private static readonly string[] Parts =
        {
            "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "privatekey", "private_key",
            "credential", "connectionstring", "connection_string", "passphrase", "user_hash", "salt",
        };

        /// <summary>True when the name contains one of the secret words (case-insensitive).</summary>
        public static bool LooksSecret(string? name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            foreach (var p in Parts)
            {
                if (name.Contains(p, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }
    }
}
