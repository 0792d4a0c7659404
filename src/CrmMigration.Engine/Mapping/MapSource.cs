using System;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// The source row a mapping is working on: a record, or a row of a batch. Values are read by field position; the
    /// record of a batch row is made only when something asks for it (an error, a scriptblock transform). One instance is
    /// reused from row to row.
    /// </summary>
    public sealed class MapSource
    {
        private CrmRecord? _record;
        private RowBatch? _batch;
        private int _row;

        private MapSource() { }

        /// <summary>A source over one record.</summary>
        public static MapSource Of(CrmRecord record) => new MapSource { _record = record };

        /// <summary>A reusable source for batch rows.</summary>
        internal static MapSource ForBatches() => new MapSource();

        /// <summary>Points the source at a row of a batch.</summary>
        internal void Set(RowBatch batch, int row)
        {
            _batch = batch;
            _row = row;
            _record = batch.RecordAt(row);
        }

        /// <summary>Points the source at a record.</summary>
        internal void Set(CrmRecord record)
        {
            _batch = null;
            _record = record;
        }

        /// <summary>The field names of the row.</summary>
        public CrmFieldShape Shape => _record?.Shape ?? _batch!.Shape;

        /// <summary>The value at a field position.</summary>
        public object? GetValue(int index) => _batch is not null && _record is null ? _batch.GetValue(_row, index) : _record!.GetValue(index);

        /// <summary>The row as a record (made once per row, when first asked for).</summary>
        public CrmRecord Record => _record ??= _batch!.ToRecord(_row) ?? throw new InvalidOperationException("No source row.");

        /// <summary>The row's key as text, or null.</summary>
        public string? KeyText => _record is not null ? _record.Key?.ToString() : _batch!.KeyText(_row);

        /// <summary>Where the row came from, as text ("file:line").</summary>
        public string? OriginText => _record is not null ? _record.Origin?.ToString() : _batch!.OriginAt(_row).ToString();
    }
}
