using System;
using System.Runtime.CompilerServices;
using CrmMigration.Engine.Import;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The engine's tests write the batch lane's batches on a second thread while the next is read (ImportSession.Overlaps; by
    /// default into database servers with two cores or more, into SQLite and files with four), whatever the target and machine:
    /// every lane test, crash and resume test runs against that path, processes they start included. The Pester tests run the
    /// module as the machine gives it (on two cores: overlapped into PostgreSQL and MariaDB, one thread into SQLite).
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
