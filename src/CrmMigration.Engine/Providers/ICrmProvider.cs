using System;
using System.Collections.Generic;
using System.Threading;

namespace CrmMigration.Engine.Providers
{
    /// <summary>How a writer treats records whose key already exists in the target.</summary>
    public enum CrmWriteMode
    {
        /// <summary>Insert only; an existing key is rejected (DuplicateKey).</summary>
        Insert,
        /// <summary>Insert new keys, update existing ones, skip unchanged ones.</summary>
        Upsert,
    }

    /// <summary>A field-equals-value condition; a string value with * or ? matches as a wildcard.</summary>
    public sealed class CrmFieldFilter
    {
        public CrmFieldFilter(string field, object? value)
        {
            Field = field;
            Value = value;
        }

        public string Field { get; }
        public object? Value { get; }
    }

    /// <summary>Options for reading an entity.</summary>
    public sealed class CrmReadOptions
    {
        /// <summary>All conditions must hold. Providers push them down where they can.</summary>
        public IReadOnlyList<CrmFieldFilter> Filters { get; set; } = Array.Empty<CrmFieldFilter>();
    }

    /// <summary>Options for writing an entity.</summary>
    public sealed class CrmWriteOptions
    {
        public CrmWriteMode Mode { get; set; } = CrmWriteMode.Insert;
        /// <summary>Create the table/file when it does not exist.</summary>
        public bool CreateIfMissing { get; set; } = true;
        /// <summary>The schema to create with, when known (types and key). Otherwise inferred from the first batch.</summary>
        public CrmEntitySchema? Schema { get; set; }
        /// <summary>
        /// False: the target does not enforce foreign keys while this writer loads (SQLite; the import created the table
        /// from a source whose data may not meet them, and checks them after the data). Null: the target's own setting.
        /// </summary>
        public bool? EnforceForeignKeys { get; set; }
        /// <summary>Add a column for a field the existing table lacks (ALTER TABLE ADD COLUMN). Off: such a field is TargetFieldsMissing before anything is written.</summary>
        public bool AddColumns { get; set; }
        /// <summary>Each schema statement the writer runs, or would run when planning (-WhatIf).</summary>
        public Action<Schema.SchemaStatement>? OnSchema { get; set; }
        /// <summary>Key fields to upsert by; defaults to the target's primary key, then the records' key.</summary>
        public IReadOnlyList<string>? KeyFields { get; set; }
        /// <summary>Fields that are notes CrmMigration adds (a reject file's RejectReason and RejectMessage): file targets mark them so they are never written to a target when read back.</summary>
        public IReadOnlyList<string>? AnnotationFields { get; set; }
        /// <summary>Text encoding for file targets (utf-8 with BOM by default).</summary>
        public string? Encoding { get; set; }
        /// <summary>
        /// Database targets: called inside each batch's transaction, after the rows are written and before the commit, with an
        /// image of every row the batch inserted (absent before) or updated (its values before), so a ledger keeps the way back
        /// before the change is durable (Undo-CrmMigration). Null: no images (the default; files are rewritten whole).
        /// </summary>
        public Action<RowImageBatch>? OnBeforeCommit { get; set; }
        /// <summary>CSV targets: escape text that starts like a formula (Spreadsheet) or write it as it is (None); null takes the connection's choice. A file format for machines sets None.</summary>
        public CrmFormulaEscape? FormulaEscape { get; set; }
    }

    /// <summary>
    /// The contract every provider implements: describe entities, stream an entity's records, and
    /// write batches with per-record outcomes.
    /// </summary>
    public interface ICrmProvider : IDisposable
    {
        /// <summary>The connection (no secrets in its printed form).</summary>
        CrmConnection Connection { get; }

        /// <summary>
        /// Cancelled when the command using the provider stops (Ctrl+C): reaches catalog queries, row counts,
        /// retry waits and writers, which take no token of their own.
        /// </summary>
        CancellationToken Cancellation { get; set; }

        /// <summary>Entity names the system holds.</summary>
        IReadOnlyList<string> ListEntities();

        /// <summary>What <see cref="ListEntities"/> left out and why (a profile's optional module tables that this system lacks): one warning each.</summary>
        IReadOnlyList<string> Notices => Array.Empty<string>();

        /// <summary>Describes one entity, or null when it does not exist. Counting rows may cost a scan.</summary>
        CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount);

        /// <summary>
        /// Streams an entity's records. Problems with single records (a ragged CSV row) go to
        /// <paramref name="onError"/> and reading goes on; problems that stop reading throw CrmException.
        /// </summary>
        IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken);

        /// <summary>Opens a writer for an entity.</summary>
        ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options);
    }

    /// <summary>Writes one entity's records in batches.</summary>
    public interface ICrmEntityWriter : IDisposable
    {
        /// <summary>
        /// Writes a batch (one transaction where the target has them) and adds one outcome per record,
        /// in order, to <paramref name="outcomes"/>. A record the target refuses is Rejected with a
        /// reason code; the others in the batch are still written.
        /// </summary>
        void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes);

        /// <summary>
        /// What writing the batch would do, without writing anything (-WhatIf): Inserted, Updated,
        /// Skipped or Rejected per record.
        /// </summary>
        void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes);

        /// <summary>Finishes the entity (commits, closes and renames files into place).</summary>
        void Complete();
    }
}

namespace CrmMigration.Engine.Providers
{
    /// <summary>
    /// A target that can check and fill references (the relational databases): which parent keys it holds,
    /// and a second pass that sets reference fields once every record of a cycle is written.
    /// </summary>
    public interface ICrmReferenceTarget
    {
        /// <summary>Whether the target refuses a record whose foreign key points at nothing (its foreign keys then count as references).</summary>
        bool ForeignKeysEnforced { get; }

        /// <summary>
        /// Of <paramref name="keys"/> (key texts in <see cref="CrmKey"/> form, parts in <paramref name="keyFields"/> order;
        /// null fields mean the primary key), those the entity holds. Null when the entity does not exist or has no key to look up by.
        /// </summary>
        HashSet<string>? ExistingKeys(string entity, IReadOnlyList<string>? keyFields, IReadOnlyCollection<string> keys);

        /// <summary>Sets <paramref name="fields"/> of the records with the given keys, in one transaction; returns the rows changed.</summary>
        int SetFields(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> fields, IReadOnlyList<(string Key, object?[] Values)> rows);
    }
}

namespace CrmMigration.Engine.Providers
{
    /// <summary>
    /// A target that creates entities from portable schemas (the relational databases): DDL through the type table,
    /// foreign keys and their indexes after the data, limits checked before anything is created.
    /// </summary>
    public interface ICrmSchemaTarget
    {
        /// <summary>
        /// Creates those of <paramref name="entities"/> the target lacks: reports each statement to <paramref name="onStatement"/>,
        /// runs the before-data ones (unless <paramref name="whatIf"/>) and keeps the after-data ones for <see cref="CompleteSchema"/>.
        /// Throws TargetNameTooLong (nothing created) when a name does not fit. Returns the statements (none when every entity
        /// exists). With <paramref name="whatIf"/> the entities count as planned: later calls treat them as existing.
        /// </summary>
        IReadOnlyList<Schema.SchemaStatement> CreateEntities(IReadOnlyList<CrmEntitySchema> entities, bool whatIf, Action<Schema.SchemaStatement>? onStatement);

        /// <summary>The schema an entity was planned with by <see cref="CreateEntities"/> under -WhatIf, or null.</summary>
        CrmEntitySchema? PlannedEntity(string entity);

        /// <summary>The after-data statements kept so far (a ledger keeps them, so a resumed run still makes them).</summary>
        IReadOnlyList<Schema.SchemaStatement> PendingAfterData { get; }

        /// <summary>Keeps after-data statements an interrupted run left (each once).</summary>
        void QueueAfterData(IEnumerable<Schema.SchemaStatement> statements);

        /// <summary>Runs the after-data statements kept so far (indexes, foreign keys, sequences); one error per statement that failed (the data stays).</summary>
        IReadOnlyList<CrmDataError> CompleteSchema(Action<Schema.SchemaStatement>? onStatement);
    }

    /// <summary>A provider whose target is a set of load files with rules of their own (the SaaS formats): it can check them.</summary>
    public interface ICrmFileSet
    {
        /// <summary>Checks the file set against the format's rules; an empty list when it is fine.</summary>
        System.Collections.Generic.IReadOnlyList<CrmFileFinding> CheckFiles();
    }
}
