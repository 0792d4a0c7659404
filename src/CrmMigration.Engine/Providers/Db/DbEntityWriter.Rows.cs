using System;
using System.Collections.Generic;
using System.Data.Common;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Providers.Relational;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db
{
    internal sealed partial class DbEntityWriter
    {
        /// <inheritdoc/>
        protected override bool WritesRows => _dialect is PgDialect or MySqlDialect;

        /// <summary>
        /// Inserts into an enforced key, or into a table written without any key (rows identified by their content, where no row
        /// can be a duplicate), go by the engine's bulk path read from the batch's columns (PostgreSQL: binary COPY;
        /// MySQL/MariaDB: LOAD DATA LOCAL of tab-separated text), every row Inserted. Anything else (an upsert, a key the target
        /// does not enforce, a column the bulk path cannot take, a load the server refused or changed, a value that does not
        /// convert) makes this batch's rows records and writes them the record way, which tells each row's outcome.
        /// </summary>
        protected override void WriteRowsCore(RowBatch rows, int[] which, int count, RowOutcomes outcomes, bool upsert)
        {
            var plan = PlanFor(rows.Shape);
            var columns = new List<DbColumn>(plan.Cols.Length);
            foreach (int c in plan.Cols) columns.Add(Table!.Columns[c]);
            bool pg = _dialect is PgDialect;
            if (!upsert && (KeyEnforced || Key.Length == 0) && count >= 2 && columns.Count > 0 && (pg ? PgCopy.CanCopy(columns) : MySqlBulk.CanLoad(columns) && _localInfile != false)
                && PlainNumberedKeys(rows, which, count, plan))
            {
                bool copied = Retry.Run(_dialect, () =>
                {
                    try
                    {
                        return BulkRows(rows, which, count, plan, columns, pg);
                    }
                    catch (Exception ex) when (ex is DbException or InvalidOperationException && !_dialect.IsTransient(ex))
                    {
                        throw new CrmException("TargetWriteFailed", CrmErrorKind.WriteError,
                            $"Writing '{TableName}' to {_provider.Connection.DisplayName} failed: {DbDialect.SafeMessage(ex, _provider.Connection.GetCredential())}", ex) { Error = { Entity = TableName } };
                    }
                }, _provider.Cancellation, ex => _provider.ConnectionFailed("TargetConnectionFailed", ex));
                if (copied)
                {
                    for (int i = 0; i < count; i++) outcomes.Set(i, CrmOutcome.Inserted);
                    return;
                }
            }
            var records = new List<CrmRecord>(count);
            for (int i = 0; i < count; i++) records.Add(rows.ToRecord(which[i]));
            var made = new List<CrmRecordOutcome>(count);
            WriteRecords(records, made, upsert);
            for (int i = 0; i < count; i++) outcomes.Set(i, made[i]);
        }

        /// <summary>
        /// True when every row's value for a key column the server numbers itself is a plain integer. An empty one (or one the bulk
        /// path would convert) sends the batch the record way, which refuses a row without its key as MissingKey: LOAD DATA would
        /// have the server number it.
        /// </summary>
        private static bool PlainNumberedKeys(RowBatch rows, int[] which, int count, WriterShape plan)
        {
            foreach (int slot in plan.NumberedKeySlots)
            {
                var cell = rows.Columns[plan.Fields[slot]];
                for (int i = 0; i < count; i++)
                {
                    int row = which[i];
                    var kind = cell.KindAt(row);
                    if (kind == Batches.CellKind.Int64) continue;
                    if (kind != Batches.CellKind.Text || !RowCells.PlainInteger(cell.TextAt(row), out _)) return false;
                }
            }
            return true;
        }

        /// <summary>One bulk load of the rows in a transaction of its own; false (nothing written) when a value or the server refused it.</summary>
        private bool BulkRows(RowBatch rows, int[] which, int count, WriterShape plan, List<DbColumn> columns, bool pg)
        {
            var conn = Conn();
            using var tx = conn.BeginTransaction();
            _bulkBuffer ??= new BulkBuffer();
            try
            {
                if (!pg && !LocalInfile((MySqlConnector.MySqlConnection)conn, tx)) return false;
                try
                {
                    if (!pg) MySqlBulk.FormatRows(_bulkBuffer, columns, rows, which, count, plan.Fields, _dialect);
                }
                catch (Exception ex) when (IsConversionError(ex) || ex is ArgumentException)
                {
                    return false;
                }
                RowImageBatch? images = null;
                try
                {
                    if (pg)
                    {
                        // The server takes the first rows while this thread encodes the next ones, then while it makes their images;
                        // the COPY's end is waited for after. A value that cannot be encoded cancels the COPY: nothing is written.
                        System.Threading.Tasks.Task ending;
                        try
                        {
                            ending = PgCopy.StreamRows((Npgsql.NpgsqlConnection)conn, _provider.QualifiedName(Table!), columns, _dialect.Quote, _bulkBuffer, rows, which, count, plan.Fields, _dialect);
                        }
                        catch (Exception ex) when (IsConversionError(ex) || ex is ArgumentException)
                        {
                            tx.Rollback();
                            return false;
                        }
                        try
                        {
                            if (Options.OnBeforeCommit is not null) images = RowImages(rows, which, count, plan, columns);
                        }
                        finally
                        {
                            ending.GetAwaiter().GetResult();
                        }
                    }
                    else
                    {
                        // LOCAL turns a duplicate or a converted value into a warning and a skipped row: then the record way tells which.
                        var (loaded, warnings) = MySqlBulk.Load((MySqlConnector.MySqlConnection)conn, (MySqlConnector.MySqlTransaction)tx, _provider.QualifiedName(Table!), columns, _bulkBuffer, _dialect.Quote);
                        if (loaded != count || warnings != 0)
                        {
                            tx.Rollback();
                            return false;
                        }
                        if (Options.OnBeforeCommit is not null) images = RowImages(rows, which, count, plan, columns);
                    }
                }
                catch (Exception ex) when (ex is DbException && !_dialect.IsTransient(ex))
                {
                    if (ex is MySqlConnector.MySqlException { ErrorCode: MySqlConnector.MySqlErrorCode.NotAllowedCommand }) _localInfile = false;
                    tx.Rollback();
                    return false;
                }
                // The way back is kept (by the ledger) before the batch is durable.
                if (images is not null) Options.OnBeforeCommit!(images);
                tx.Commit();
            }
            finally
            {
                if (_bulkBuffer.Bytes.Length > 1 << 24) _bulkBuffer = null;
            }
            BulkBatches++;
            return true;
        }

        /// <summary>
        /// The images of inserted rows (absent before), keyed as the record path keys them, packed into the writer's kept batch: a
        /// one-column text key straight from the cell's bytes, any other row from its portable values.
        /// </summary>
        private RowImageBatch RowImages(RowBatch rows, int[] which, int count, WriterShape plan, List<DbColumn> columns)
        {
            var images = KeptImages();
            var cells = rows.Columns;
            int textKey = Key.Length == 1 && plan.KeySlots.Length == 1 && plan.KeySlots[0] >= 0 && columns[plan.KeySlots[0]].Type == CrmFieldType.String ? plan.KeySlots[0] : -1;
            for (int i = 0; i < count; i++)
            {
                int row = which[i];
                if (textKey >= 0)
                {
                    var cell = cells[plan.Fields[textKey]];
                    if (cell.KindAt(row) == Batches.CellKind.Text && cell.IsUtf8At(row) && PackAbsentText(images, cell.TextAt(row))) continue;
                }
                var values = new object?[plan.Cols.Length];
                foreach (int s in plan.KeySlots) if (s >= 0) values[s] = _dialect.Portable(cells[plan.Fields[s]].GetValue(row), columns[s]);
                string? key = KeyOfValues(plan, values);
                if (key is null) for (int s = 0; s < values.Length; s++) values[s] = _dialect.Portable(cells[plan.Fields[s]].GetValue(row), columns[s]);
                images.Pack(AbsentImage(key, plan, values));
            }
            return images;
        }
    }
}
