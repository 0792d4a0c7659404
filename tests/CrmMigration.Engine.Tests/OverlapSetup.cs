using System;
using System.Runtime.CompilerServices;
using CrmMigration.Engine.Import;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The engine's tests write the batch lane's batches on a second thread while the next is read (ImportSession.Overlaps, on by
    /// default with four cores or more), whatever the machine: every lane test, crash and resume test runs against that path,
    /// processes they start included. The Pester tests run the module as the machine gives it (on two cores: one thread).
    /// </summary>
    internal static class OverlapSetup
    {
        [ModuleInitializer]
        internal static void On()
        {
            Environment.SetEnvironmentVariable("CRMMIGRATION_OVERLAP", "1");
            ImportSession.Overlaps = true;
        }
    }
}
