using System;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Providers
{
    /// <summary>
    /// A writer that takes rows of a <see cref="RowBatch"/> straight from their columns (the import session's batch lane), not
    /// one record per row. Outcomes come back as arrays (<see cref="RowOutcomes"/>): a code per row and, only for the rare row
    /// that needs one (a reject), the outcome object with its reason and message.
    /// </summary>
    internal interface ICrmRowWriter
    {
        /// <summary>
        /// Whether <paramref name="rows"/> can be written as rows now: the table (or file) is known and takes every field of
        /// the rows' shape. False sends the batch the record way (which loads, creates or widens the table first).
        /// </summary>
        bool CanWriteRows(RowBatch rows);

        /// <summary>
        /// Gets ready to write <paramref name="rows"/> as rows before any record was written (an entity's first batch): loads the
        /// table when it exists and checks that it takes every field of the rows' shape, creating and altering nothing. True when
        /// <see cref="CanWriteRows"/> now holds; false leaves the batch to the record way (which creates or widens the table, and
        /// reports what fails).
        /// </summary>
        bool PrepareRows(RowBatch rows);

        /// <summary>
        /// Writes rows <c>which[0..count)</c> of <paramref name="rows"/> in one transaction, as <see cref="ICrmEntityWriter.WriteBatch"/>
        /// writes their records: the same values, outcomes, reason codes and messages, before-images and batch number.
        /// </summary>
        void WriteRows(RowBatch rows, int[] which, int count, RowOutcomes outcomes);
    }

    /// <summary>What writing a batch of rows did: an outcome code per written row, and an outcome object where one was made.</summary>
    internal sealed class RowOutcomes
    {
        private CrmOutcome[] _codes = new CrmOutcome[1024];
        private CrmRecordOutcome?[] _details = new CrmRecordOutcome?[1024];

        /// <summary>Rows the outcomes are for.</summary>
        public int Count { get; private set; }

        /// <summary>Empties the outcomes for <paramref name="count"/> rows.</summary>
        public void Reset(int count)
        {
            if (_codes.Length < count)
            {
                _codes = new CrmOutcome[count];
                _details = new CrmRecordOutcome?[count];
            }
            else Array.Clear(_details, 0, Math.Max(Count, count));
            Count = count;
        }

        /// <summary>Sets row <paramref name="i"/>'s outcome by its code only.</summary>
        public void Set(int i, CrmOutcome code) => _codes[i] = code;

        /// <summary>Sets row <paramref name="i"/>'s outcome with its object (a reject's reason and message).</summary>
        public void Set(int i, CrmRecordOutcome outcome)
        {
            _codes[i] = outcome.Outcome;
            _details[i] = outcome;
        }

        public CrmOutcome CodeAt(int i) => _codes[i];

        public CrmRecordOutcome? DetailAt(int i) => _details[i];
    }
}
