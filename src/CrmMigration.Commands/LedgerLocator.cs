using System.IO;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Commands
{
    /// <summary>Finds the ledger a Get-CrmMigration* cmdlet reads: -StatePath, else the default next to -Target.</summary>
    internal static class LedgerLocator
    {
        public static MigrationLedger Open(string? statePath, CrmConnection? target, System.Func<string, string> resolvePath)
        {
            if (statePath is null && target is null)
            {
                throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.InvalidArgument, "Give -StatePath (the ledger file) or -Target (the import target the ledger sits next to)."));
            }
            string path = MigrationLedger.Locate(target!, statePath, resolvePath, out _);
            if (!File.Exists(path))
            {
                throw new CrmException(new CrmDataError("LedgerNotFound", CrmErrorKind.NotFound,
                    $"There is no migration ledger at '{path}'. Give -StatePath, or -Target for the ledger next to a target.") { File = path });
            }
            return new MigrationLedger(path);
        }
    }
}
