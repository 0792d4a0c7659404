using System;
using System.Collections.Generic;
using System.Net;

namespace CrmMigration
{
    /// <summary>The kinds of system CrmMigration reads and writes.</summary>
    public enum CrmProviderKind
    {
        /// <summary>An SQLite database file (the embedded default).</summary>
        Sqlite,
        /// <summary>CSV: a folder with one file per entity, or a single file.</summary>
        Csv,
        /// <summary>An Excel workbook (.xlsx), one sheet per entity.</summary>
        Excel,
        /// <summary>A PostgreSQL database (server, port, database; credential kept apart).</summary>
        PostgreSql,
        /// <summary>A MySQL or MariaDB database (server, port, database; credential kept apart).</summary>
        MySql,
    }

    /// <summary>
    /// Where data lives and how to reach it. Holds no secret in any property that is printed,
    /// logged or serialised: the credential is kept apart and <see cref="ToString"/> never shows it.
    /// </summary>
    public sealed class CrmConnection
    {
        /// <summary>Creates a connection description.</summary>
        public CrmConnection(CrmProviderKind provider, string location)
        {
            Provider = provider;
            Location = location ?? throw new ArgumentNullException(nameof(location));
        }

        /// <summary>The provider.</summary>
        public CrmProviderKind Provider { get; }
        /// <summary>The file, folder or server/database (no credentials).</summary>
        public string Location { get; }
        /// <summary>A name for reports (defaults to the location).</summary>
        public string? Name { get; set; }
        /// <summary>Text encoding name for file providers (utf-8, utf-16, gb18030); null means detect.</summary>
        public string? Encoding { get; set; }
        /// <summary>CSV field delimiter; null means comma.</summary>
        public string? Delimiter { get; set; }
        /// <summary>Provider options (no secrets).</summary>
        public IDictionary<string, string> Options { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>The credential, never printed.</summary>
        internal NetworkCredential? Credential { get; set; }

        /// <summary>Sets the credential (kept out of every printed or serialised form).</summary>
        public void SetCredential(NetworkCredential? credential) => Credential = credential;

        /// <summary>Gets the credential: for the module's own providers only (internal), so no script or other module can read the password back.</summary>
        internal NetworkCredential? GetCredential() => Credential;

        /// <summary>A description safe to print: provider and location.</summary>
        public string DisplayName => Name ?? (Provider + ":" + Location);

        /// <inheritdoc/>
        public override string ToString() => DisplayName;
    }
}
