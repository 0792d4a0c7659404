using System;
using System.Collections.Generic;
using System.Data.Common;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// Where a migration ledger keeps its tables: an SQLite file (one machine) or a schema in a PostgreSQL database (several
    /// workers on several machines sharing one run). The ledger's logic (<see cref="MigrationLedger"/>) is written once, in
    /// SQL both engines run (named parameters '@x', INSERT ... ON CONFLICT, RETURNING); a store supplies only what differs:
    /// the connection, the table definitions, how a writer serialises with the others, and a case-insensitive comparison.
    /// </summary>
    public interface ILedgerStore : IDisposable
    {
        /// <summary>The ledger as printed: the file's full path, or postgresql://host:port/database (schema) without user or password.</summary>
        string Location { get; }

        /// <summary>True for an SQLite file (a path that exists or not), false for a database server.</summary>
        bool IsFile { get; }

        /// <summary>The connection the ledger's statements run on (owned by the store).</summary>
        DbConnection Connection { get; }

        /// <summary>Another connection to the same ledger (the heartbeat timer's), owned by the caller.</summary>
        DbConnection OpenConnection();

        /// <summary>Creates the tables and indexes that do not exist yet (every statement is IF NOT EXISTS), safely when several processes start at once.</summary>
        void CreateTables();

        /// <summary>
        /// Begins a transaction on <paramref name="connection"/> (the store's own when null). <paramref name="exclusive"/>: no other
        /// exclusive transaction of any process runs at the same time (leases, partitions and run starts are decided in these);
        /// SQLite's writers are serialised anyway (BEGIN IMMEDIATE), PostgreSQL takes a transaction-level advisory lock.
        /// </summary>
        DbTransaction Begin(bool exclusive, DbConnection? connection = null);

        /// <summary>A case-insensitive equality of a column and a parameter, in this engine's SQL.</summary>
        string EqualsNoCase(string column, string parameter);

        /// <summary>The ON CONFLICT target of the merge decisions' key (entity compared without case, then both keys).</summary>
        string DecisionsConflict { get; }

        /// <summary>Whether an error is the engine being busy or the connection dropping (worth a retry), not a bad statement.</summary>
        bool IsTransient(Exception ex);

        /// <summary>Statements that bring a ledger of an earlier schema version up to this one (empty when there is nothing to do for this store).</summary>
        IReadOnlyList<string> Upgrade(int fromVersion);
    }
}
