using System.Management.Automation;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Finds the ledger a command reads or writes: -StatePath (a file path, a PostgreSQL connection, a connection string or a
    /// postgresql:// address), else the default of -Target (next to a file target; a server's in the user's state folder).
    /// </summary>
    internal static class LedgerLocator
    {
        /// <summary>The location -StatePath names (null when it is not given).</summary>
        public static LedgerLocation? FromStatePath(object? statePath, System.Func<string, string> resolvePath)
        {
            object? value = statePath is PSObject p ? p.BaseObject : statePath;
            return value switch
            {
                null => null,
                CrmConnection c => LedgerLocation.FromConnection(c),
                string s => LedgerLocation.Parse(s, resolvePath),
                _ => LedgerLocation.Parse(value.ToString() ?? "", resolvePath),
            };
        }

        /// <summary>-StatePath's ledger, else the default ledger of <paramref name="target"/>; <paramref name="note"/> says when an earlier default was used.</summary>
        public static LedgerLocation Locate(object? statePath, CrmConnection? target, System.Func<string, string> resolvePath, out string? note)
        {
            note = null;
            if (FromStatePath(statePath, resolvePath) is { } given) return given;
            if (target is null)
            {
                throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.InvalidArgument, "Give -StatePath (the ledger: a file, or a PostgreSQL connection) or -Target (the import target the ledger belongs to)."));
            }
            return LedgerLocation.File(MigrationLedger.Locate(target, null, resolvePath, out note));
        }

        /// <summary>Opens a ledger that must exist already (a file that is not there is LedgerNotFound; nothing is created).</summary>
        public static MigrationLedger Open(object? statePath, CrmConnection? target, System.Func<string, string> resolvePath)
        {
            var location = Locate(statePath, target, resolvePath, out _);
            if (!location.Exists)
            {
                throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.NotFound,
                    $"There is no migration ledger at '{location.Display}'. Give -StatePath, or -Target for the ledger next to a target.") { File = location.Display });
            }
            return MigrationLedger.Open(location);
        }
    }
}
