using System.IO;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using CrmMigration.Loading;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Registers the engine's private load context before any cmdlet runs: at import (PowerShell
    /// calls OnImport) and, as a fallback, when this assembly is first used; unhooks it at Remove-Module.
    /// </summary>
    public sealed class ModuleInit : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <inheritdoc/>
        public void OnImport() => Register();

        /// <inheritdoc/>
        public void OnRemove(PSModuleInfo psModuleInfo) => EngineLoadContext.Unregister();

#pragma warning disable CA2255 // a module initializer is the point here: it must run before the engine is needed
        [ModuleInitializer]
#pragma warning restore CA2255
        internal static void Register()
        {
            string dir = Path.GetDirectoryName(typeof(ModuleInit).Assembly.Location) ?? ".";
            EngineLoadContext.Register(Path.Combine(dir, "Dependencies"));
        }
    }
}
