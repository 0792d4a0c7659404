using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Batches
{
    /// <summary>
    /// Where a read stands in its source: the ordinal of a row (1-based, counting every row read, unreadable ones too),
    /// with what lets a reader seek there: the byte offset of the row in a UTF-8 CSV file (and its line), or, for a
    /// database table read in key order, the row's key. <see cref="Inclusive"/>: the read resumes at this row (it was not
    /// accounted for yet); otherwise after it.
    /// </summary>
    public sealed class SourcePosition
    {
        /// <summary>Creates a position.</summary>
        public SourcePosition(long ordinal, long offset, long line, string? key, bool inclusive)
        {
            Ordinal = ordinal;
            Offset = offset;
            Line = line;
            Key = key;
            Inclusive = inclusive;
        }

        /// <summary>The row's ordinal in the read (1-based).</summary>
        public long Ordinal { get; }
        /// <summary>The byte offset where the row starts in its file, or -1 when the source cannot seek by offset.</summary>
        public long Offset { get; }
        /// <summary>The row's first line (CSV) or 0.</summary>
        public long Line { get; }
        /// <summary>The row's key (canonical text), for a keyset seek; null when none.</summary>
        public string? Key { get; }
        /// <summary>True: resume at this row; false: resume after it.</summary>
        public bool Inclusive { get; }

        /// <summary>The parts of the row's key (a database table read in key order resumes after them); null when none.</summary>
        public IReadOnlyList<string>? KeyParts { get; init; }

        /// <summary>The ordinal of the first row a resumed read must give.</summary>
        public long FirstOrdinal => Inclusive ? Ordinal : Ordinal + 1;

        /// <inheritdoc/>
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"row {Ordinal}{(Inclusive ? "" : " (after)")}{(Offset >= 0 ? $", byte {Offset}, line {Line}" : "")}{(Key is null ? "" : ", key " + Key)}");
    }

    /// <summary>How to read an entity in batches.</summary>
    internal sealed class BatchReadOptions
    {
        /// <summary>Rows per batch.</summary>
        public int BatchSize { get; set; } = 10_000;

        /// <summary>Resume the read at this position (rows before it are not read, or read and passed over); null reads from the start.</summary>
        public SourcePosition? ResumeAt { get; set; }

        /// <summary>
        /// Gives the batch to fill next (null: a new one). Without it the reader fills one batch again and again, so a batch
        /// must be used up before the next is asked for; a consumer on another thread hands batches back through this.
        /// </summary>
        public Func<RowBatch?>? Rent { get; set; }

        /// <summary>
        /// Problems the reader met (unreadable rows, notes on the file) are added to the batch being filled instead of
        /// reported at once, so a consumer on another thread reports them in order with the rows.
        /// </summary>
        public bool ProblemsInBatch { get; set; }
    }

    /// <summary>A provider that reads entities in batches (CSV, the databases); the others are read as records and batched.</summary>
    internal interface ICrmBatchSource
    {
        /// <summary>
        /// Streams an entity's rows in batches; per-row problems go to <paramref name="onError"/> (or into the batches, see
        /// <see cref="BatchReadOptions.ProblemsInBatch"/>). Each batch's rows carry their ordinal (and, where the source can seek,
        /// offset or key), so an interrupted copy can resume where it stopped.
        /// </summary>
        IEnumerable<RowBatch> ReadBatches(string entity, CrmReadOptions options, BatchReadOptions batch, Action<CrmDataError> onError, CancellationToken cancellationToken);

        /// <summary>
        /// Whether the entity is read in batches with these options (a CSV file always; a database table unless a profile or a
        /// filter reads it as records); when false, <see cref="ReadBatches"/> must not be asked.
        /// </summary>
        bool ReadsInBatches(string entity, CrmReadOptions options);

        /// <summary>The file an entity is read from (a saved read position is only good for the same file), or null.</summary>
        string? FileOf(string entity);
    }

    /// <summary>
    /// A source read record by record whose read can resume at a saved position: a database table read in key order (keyset:
    /// the resumed query starts after the last key read) or a sheet (its earlier rows are passed over without making records).
    /// </summary>
    internal interface ICrmResumableSource
    {
        /// <summary>True when the entity's read can resume at a position (a table with a primary key of integer or text columns; a sheet).</summary>
        bool CanResume(string entity);

        /// <summary>
        /// Reads the entity as <see cref="ICrmProvider.Read"/> does, from <paramref name="after"/> on: the rows up to it are not
        /// read (keyset) or passed over without records (rows); the ordinals (or sheet rows) of the records go on from it.
        /// </summary>
        IEnumerable<CrmRecord> ReadFrom(string entity, CrmReadOptions options, SourcePosition? after, Action<CrmDataError> onError, CancellationToken cancellationToken);

        /// <summary>Where a read stands once <paramref name="record"/> (its <paramref name="ordinal"/>-th record) was read, to resume after it.</summary>
        SourcePosition PositionOf(CrmRecord record, long ordinal);

        /// <summary>What says whether the source changed under a position, taken when it is saved (<paramref name="record"/> is the record at it).</summary>
        Ledger.SourceFileStamp StampOf(string entity, CrmRecord record);

        /// <summary>Null when the source under <paramref name="position"/> is still as <paramref name="saved"/> says; otherwise what changed.</summary>
        string? Changed(string entity, SourcePosition position, Ledger.SourceFileStamp saved);
    }
}
