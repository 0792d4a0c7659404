using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers
{
    /// <summary>One row as it was before a write changed it: absent (the write inserted it), or its stored values.</summary>
    public sealed class RowImage
    {
        /// <summary>Creates an image.</summary>
        public RowImage(string? key, bool existed, object?[] values)
        {
            Key = key;
            Existed = existed;
            Values = values;
        }

        /// <summary>The row's key as the target holds it (CrmKey text of the key columns), or null for a table without a key.</summary>
        public string? Key { get; }

        /// <summary>False: the row did not exist (undo deletes it); true: <see cref="Values"/> held it (undo writes them back).</summary>
        public bool Existed { get; }

        /// <summary>
        /// Values parallel to the batch's <see cref="RowImageBatch.Columns"/>: the stored row when it existed; for an inserted row
        /// only the key columns (the other slots null), or, without a key, every column it was written with (found by content to delete it).
        /// </summary>
        public object?[] Values { get; }
    }

    /// <summary>
    /// What a batch is about to change in one table, handed over by the writer inside its transaction before it commits
    /// (<see cref="CrmWriteOptions.OnBeforeCommit"/>), so the ledger holds the way back before the change is durable. The
    /// values are in the form the target's own writer reads and writes (SQLite storage values; portable values for the servers).
    /// </summary>
    public sealed class RowImageBatch
    {
        /// <summary>Creates a batch of images.</summary>
        public RowImageBatch(string entity, IReadOnlyList<string> columns, IReadOnlyList<int> keyColumns)
        {
            Entity = entity;
            Columns = columns;
            KeyColumns = keyColumns;
        }

        /// <summary>The table.</summary>
        public string Entity { get; }

        /// <summary>The table's columns the images hold, in order.</summary>
        public IReadOnlyList<string> Columns { get; }

        /// <summary>Positions in <see cref="Columns"/> of the key the rows are found by (empty: a table without a key).</summary>
        public IReadOnlyList<int> KeyColumns { get; }

        /// <summary>One image per row the batch inserts or updates (the first time the batch touches the row).</summary>
        public List<RowImage> Rows { get; } = new();

        /// <summary>Images held: <see cref="Rows"/> and those a writer packed (<see cref="PackRow"/>).</summary>
        public int Count => Rows.Count + PackedCount;

        // A writer may hand its images over already encoded, row after row in the ledger's own format (RowImageCodec), instead of
        // one RowImage, value array and key string per row: a batch then holds packed rows only, kept from batch to batch.
        private System.IO.MemoryStream? _packed;
        private System.IO.BinaryWriter? _packer;

        /// <summary>Rows packed (see <see cref="PackRow"/>).</summary>
        internal int PackedCount { get; private set; }

        /// <summary>The packed rows' bytes (valid up to the stream's length).</summary>
        internal System.IO.MemoryStream? Packed => _packed;

        /// <summary>
        /// Starts a packed row: writes its head (<see cref="Ledger.RowImageCodec"/>: flags) and returns the writer its key and values
        /// are written with, in the codec's order; <see cref="EndRow"/> counts it. Rows and packed rows are never mixed in one batch.
        /// </summary>
        internal System.IO.BinaryWriter PackRow(bool existed, bool hasKey)
        {
            if (Rows.Count > 0) throw new InvalidOperationException("A batch of images holds row objects or packed rows, not both.");
            if (_packer is null)
            {
                _packed = new System.IO.MemoryStream(1 << 16);
                _packer = new System.IO.BinaryWriter(_packed, System.Text.Encoding.UTF8, leaveOpen: true);
            }
            Ledger.RowImageCodec.WriteHead(_packer, existed, hasKey);
            return _packer;
        }

        /// <summary>Counts the row <see cref="PackRow"/> started.</summary>
        internal void EndRow() => PackedCount++;

        /// <summary>Packs an image made as an object (the rare row: an update's stored values, a row without a key).</summary>
        internal void Pack(RowImage row)
        {
            Ledger.RowImageCodec.WriteBody(PackRow(row.Existed, row.Key is not null), this, row);
            EndRow();
        }

        /// <summary>Empties the batch (rows and packed rows; the packing buffer is kept, up to 4 MB).</summary>
        internal void Clear()
        {
            Rows.Clear();
            PackedCount = 0;
            if (_packed is null) return;
            _packer!.Flush();
            if (_packed.Capacity > (4 << 20)) { _packer.Dispose(); _packed = null; _packer = null; return; }
            _packed.SetLength(0);
        }
    }

    /// <summary>What undoing one row did.</summary>
    public enum RowUndo
    {
        /// <summary>The inserted row was deleted.</summary>
        Deleted,
        /// <summary>The updated row got its earlier values back.</summary>
        Restored,
        /// <summary>A row that had been deleted was written back.</summary>
        Reinserted,
        /// <summary>Nothing to do: the row is already as it was (an inserted row that is gone).</summary>
        AlreadyAsBefore,
        /// <summary>The target refused (a constraint); the message says why.</summary>
        Failed,
    }

    /// <summary>
    /// A target whose rows can be put back and deleted by key, in one transaction per call: the relational databases.
    /// Undo-CrmMigration writes before-images back through it; a delta run deletes what the source deleted.
    /// </summary>
    public interface ICrmRowEditor
    {
        /// <summary>
        /// Puts every image back in one transaction: an absent row is deleted (by key, or one row of that content for a table
        /// without a key), an existing one gets its values back (inserted again when it is gone). Returns what happened to each,
        /// in order, with a message for failures.
        /// </summary>
        IReadOnlyList<(RowUndo Outcome, string? Message)> Restore(RowImageBatch images);

        /// <summary>
        /// Deletes the rows of <paramref name="keys"/> (target key texts of <paramref name="keyFields"/>, the primary key when null),
        /// or, with <paramref name="softDeleteField"/>, sets that field to true, in one transaction; <paramref name="beforeCommit"/>
        /// receives the images of the rows as they were before the transaction commits (a delta run's deletions can be undone).
        /// Returns, per key in order, whether a row was there and changed.
        /// </summary>
        IReadOnlyList<bool> Delete(string entity, IReadOnlyList<string>? keyFields, IReadOnlyList<string> keys, string? softDeleteField, Action<RowImageBatch>? beforeCommit);

        /// <summary>Drops the table when it holds no row (an undo takes back a table its run created); false when it holds rows or is not there.</summary>
        bool DropIfEmpty(string entity);
    }
}
