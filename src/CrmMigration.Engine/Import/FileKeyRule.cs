using System.Collections.Generic;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Import
{
    /// <summary>
    /// The one rule for a row read from a file (CSV, Excel) whose key field is empty (about_CrmMigration_Sources): an empty cell there
    /// is no stored value, so the row has no identity. Copied into a database (<see cref="AppliesTo"/>), it is rejected as RecordKeyMissing before it reaches the target, naming the
    /// file, the line and the key field, as a mapping whose Key names the field rejects it. The key fields are the file's own
    /// (<see cref="CrmFieldShape.FileKeyColumns"/>: the sidecar's key, else the Id column the reader chose); an empty part of a
    /// composite key is enough; a key of spaces is a value. A database source's empty text is a value and is copied, and a record
    /// built in code keeps its key as given (the target's checks, MissingKey or ConstraintViolation, still stand there). The import
    /// session asks this of every record it is handed and of every row of the batch lane, and Test-CrmMigration of every source
    /// record it compares, so a copy, its -WhatIf and the check after it agree on such rows.
    /// </summary>
    internal static class FileKeyRule
    {
        /// <summary>The reason code, the mapping's own for an empty key field.</summary>
        public const string Code = "RecordKeyMissing";

        /// <summary>
        /// Whether the rule holds for rows written into a target of this kind: a database, which identifies its rows by their key. A
        /// file target (CSV, Excel) keeps such a row as the source file has it, as it keeps a repeated key: nothing there needs the
        /// row's identity, and nothing the user did not ask to change is dropped.
        /// </summary>
        public static bool AppliesTo(CrmProviderKind target) => target is not (CrmProviderKind.Csv or CrmProviderKind.Excel);

        /// <summary>True when rows of this shape are a file's, keyed: the rule has something to ask of them.</summary>
        public static bool Applies(CrmFieldShape shape) => shape.FileKeyColumns is not null;

        /// <summary>
        /// The position in the key of the first empty key field of a file's row at or after <paramref name="from"/>, or -1 when it has
        /// them all (or is not a file's row).
        /// </summary>
        public static int EmptyKeyField(CrmRecord record, int from = 0) => EmptyKeyField(record.Shape, new RecordCells(record), from);

        /// <summary>The same for a row of a batch (a record-backed row: its record's), from the cells, making nothing.</summary>
        public static int EmptyKeyField(RowBatch rows, int row) =>
            rows.RecordAt(row) is { } record ? EmptyKeyField(record) : EmptyKeyField(rows.Shape, new RowCells(rows.Columns, row), 0);

        private static int EmptyKeyField<TCells>(CrmFieldShape shape, TCells cells, int from) where TCells : struct, ICells
        {
            var keys = shape.FileKeyColumns;
            if (keys is null) return -1;
            for (int k = from; k < keys.Length; k++)
            {
                int c = keys[k];
                if (cells.IsNull(c) || !shape.FileKeepsEmptyText && cells.IsEmptyText(c)) return k;
            }
            return -1;
        }

        /// <summary>
        /// A file's row rejected for its empty key field <paramref name="k"/> (see <see cref="EmptyKeyField(CrmRecord, int)"/>) on its way
        /// into <paramref name="entity"/>: a copy of the record without a key (the ledger knows it by its file and line, as any row
        /// without a key), and its Rejected outcome, which carries the error it is reported with.
        /// </summary>
        public static (CrmRecord Record, CrmRecordOutcome Outcome) Reject(CrmRecord record, int k, string entity)
        {
            var shape = record.Shape;
            var names = new List<string>();
            for (int j = k; j >= 0; j = EmptyKeyField(record, j + 1)) names.Add(shape.Names[shape.FileKeyColumns![j]]);
            string what = names.Count == 1 ? $"key field '{names[0]}' of {entity} is" : $"key fields '{string.Join("', '", names)}' of {entity} are";
            var origin = record.Origin;
            var refused = record.Clone();
            refused.Key = null;
            if (origin is not null) refused.Origin = new CrmOrigin(origin.System, origin.Entity, null, origin.File, origin.Line);
            var error = new CrmDataError(Code, CrmErrorKind.InvalidValue,
                $"The {what} empty: a file's row without a key value has no identity, so it is not written. Give the row its key in the file, or copy through a mapping whose Key names fields the row has.")
            {
                Entity = record.Entity,
                Field = names[0],
                File = origin?.File,
                Line = origin?.Line ?? 0,
                Record = refused,
            };
            var outcome = new CrmRecordOutcome(entity, null, CrmOutcome.Rejected)
            {
                ReasonCode = Code,
                Message = Code + ": " + error.FullMessage,
                Field = names[0],
                Origin = refused.Origin,
                Error = error,
            };
            return (refused, outcome);
        }

        /// <summary>The cells of one row, as the rule reads them.</summary>
        private interface ICells
        {
            bool IsNull(int column);
            bool IsEmptyText(int column);
        }

        private readonly struct RecordCells : ICells
        {
            private readonly CrmRecord _record;
            public RecordCells(CrmRecord record) => _record = record;
            public bool IsNull(int column) => _record.GetValue(column) is null;
            public bool IsEmptyText(int column) => _record.GetValue(column) is string { Length: 0 };
        }

        private readonly struct RowCells : ICells
        {
            private readonly BatchColumn[] _columns;
            private readonly int _row;
            public RowCells(BatchColumn[] columns, int row)
            {
                _columns = columns;
                _row = row;
            }
            public bool IsNull(int column) => _columns[column].IsNull(_row);
            public bool IsEmptyText(int column) => _columns[column].IsEmptyText(_row);
        }
    }
}
