using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Ledger;

namespace CrmMigration.Engine.Providers
{
    /// <summary>
    /// The keyset read position of a database table read in primary-key order, shared by the SQLite and the server providers:
    /// a resumed query starts after the last key read (<c>WHERE (k1, k2) &gt; (@k0, @k1)</c>, the engine's own order and
    /// collation on both sides, so it continues exactly where the ORDER BY left off). Keys of integer and text columns only:
    /// their text form converts back to the value the engine compares without loss.
    /// </summary>
    internal static class KeysetPosition
    {
        /// <summary>Whether a key column of this type can carry a keyset position.</summary>
        public static bool Seekable(CrmFieldType type) => type is CrmFieldType.Integer or CrmFieldType.String;

        /// <summary>
        /// Appends <c>(k1, k2) op (p0, p1)</c> (one column: <c>k1 op p0</c>) to <paramref name="sql"/>; <paramref name="parameter"/>
        /// names the i-th parameter as the engine writes it.
        /// </summary>
        public static void AppendCondition(StringBuilder sql, IReadOnlyList<string> quotedColumns, string op, Func<int, string> parameter)
        {
            if (quotedColumns.Count == 1)
            {
                sql.Append(quotedColumns[0]).Append(' ').Append(op).Append(' ').Append(parameter(0));
                return;
            }
            sql.Append('(');
            for (int i = 0; i < quotedColumns.Count; i++) sql.Append(i > 0 ? ", " : "").Append(quotedColumns[i]);
            sql.Append(") ").Append(op).Append(" (");
            for (int i = 0; i < quotedColumns.Count; i++) sql.Append(i > 0 ? ", " : "").Append(parameter(i));
            sql.Append(')');
        }

        /// <summary>A key part's value as the engine compares it: a long for an integer column, the text for a text column.</summary>
        public static object Value(CrmFieldType type, string part) =>
            type == CrmFieldType.Integer && long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : part;

        /// <summary>The position after a record of a table read in key order (its ordinal is its origin's row number).</summary>
        public static SourcePosition After(CrmRecord record, long ordinal)
        {
            var key = record.Key ?? throw new InvalidOperationException("A keyset position needs a record with a key.");
            var parts = new string[key.Parts.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = key.Parts[i];
            return new SourcePosition(ordinal, -1, 0, key.ToString(), inclusive: false) { KeyParts = parts };
        }

        /// <summary>A table's stamp at a position: the content hash of the row at it (no file length).</summary>
        public static SourceFileStamp StampOf(CrmRecord record) => new(-1, ContentHash.Of(record));

        /// <summary>
        /// The position after a row of a batch of a table read in key order, the one <see cref="After(CrmRecord, long)"/> gives
        /// the record the row makes (its key parts are the key cells' invariant text, as the record's key is made).
        /// </summary>
        public static SourcePosition After(RowBatch batch, int row)
        {
            var keyColumns = batch.KeyColumns ?? throw new InvalidOperationException("A keyset position needs rows with a key.");
            var parts = new string[keyColumns.Length];
            for (int k = 0; k < parts.Length; k++) parts[k] = batch.Columns[keyColumns[k]].TextOf(row) ?? "";
            return new SourcePosition(batch.PositionAt(row), -1, 0, new CrmKey(parts).ToString(), inclusive: false) { KeyParts = parts };
        }

        /// <summary>The stamp at a batch's row: <see cref="StampOf(CrmRecord)"/> of the record the row makes (<see cref="RowBatch.Fingerprint"/> is its content hash).</summary>
        public static SourceFileStamp StampOf(RowBatch batch, int row)
        {
            var scratch = new Utf8Buffer(256);
            return new(-1, batch.Fingerprint(row, ref scratch));
        }

        /// <summary>
        /// Compares what the table holds now with a saved position: as many rows up to its key as were read up to it (no row
        /// inserted or deleted before it), and the row at it with the content it had. Null when both hold; otherwise what changed.
        /// </summary>
        public static string? Changed(SourcePosition position, SourceFileStamp saved, long rowsUpTo, CrmRecord? atPosition)
        {
            if (position.KeyParts is null || saved.Length != -1) return "the position was not saved by a keyset read";
            if (atPosition is null) return $"the row at the position (key {position.Key}) is gone";
            if (ContentHash.Of(atPosition) != saved.LastWriteTicks) return $"the row at the position (key {position.Key}) changed";
            if (rowsUpTo != position.Ordinal)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{rowsUpTo:N0} rows lie up to the position's key now, {position.Ordinal:N0} did when it was saved");
            }
            return null;
        }
    }
}
