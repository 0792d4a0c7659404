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
        protected override bool WritesRows => _dialect is PgDialect;

        /// <summary>
        /// PostgreSQL inserts into an enforced key go by binary COPY encoded from the batch's columns, every row Inserted. Anything
        /// else (an upsert, a key the target does not enforce, a column COPY cannot take, a COPY the server refused or a value
        /// that does not convert) makes this batch's rows records and writes them the record way, which tells each row's outcome.
        /// </summary>
        protected override void WriteRowsCore(RowBatch rows, int[] which, int count, RowOutcomes outcomes, bool upsert)
        {
            var plan = PlanFor(rows.Shape);
            var columns = new List<DbColumn>(plan.Cols.Length);
            foreach (int c in plan.Cols) columns.Add(Table!.Columns[c]);
            if (!upsert && KeyEnforced && count >= 2 && columns.Count > 0 && PgCopy.CanCopy(columns))
            {
                bool copied = Retry.Run(_dialect, () =>
                {
                    try
                    {
                        return CopyRows(rows, which, count, plan, columns);
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

        /// <summary>One COPY of the rows in a transaction of its own; false (nothing written) when a value or the server refused it.</summary>
        private bool CopyRows(RowBatch rows, int[] which, int count, WriterShape plan, List<DbColumn> columns)
        {
            var conn = Conn();
            using var tx = conn.BeginTransaction();
            _bulkBuffer ??= new BulkBuffer();
            try
            {
                try
                {
                    PgCopy.EncodeRows(_bulkBuffer, columns, rows, which, count, plan.Fields, _dialect);
                }
                catch (Exception ex) when (IsConversionError(ex) || ex is ArgumentException)
                {
                    return false;
                }
                try
                {
                    PgCopy.Send((Npgsql.NpgsqlConnection)conn, _provider.QualifiedName(Table!), columns, _dialect.Quote, _bulkBuffer);
                }
                catch (Exception ex) when (ex is DbException && !_dialect.IsTransient(ex))
                {
                    tx.Rollback();
                    return false;
                }
                // The way back is kept (by the ledger) before the batch is durable.
                if (Options.OnBeforeCommit is { } keep) keep(RowImages(rows, which, count, plan, columns));
                tx.Commit();
            }
            finally
            {
                if (_bulkBuffer.Bytes.Length > 1 << 24) _bulkBuffer = null;
            }
            BulkBatches++;
            return true;
        }

        /// <summary>The images of inserted rows (absent before), keyed as the record path keys them.</summary>
        private RowImageBatch RowImages(RowBatch rows, int[] which, int count, WriterShape plan, List<DbColumn> columns)
        {
            var images = NewImages();
            var cells = rows.Columns;
            for (int i = 0; i < count; i++)
            {
                int row = which[i];
                var values = new object?[plan.Cols.Length];
                foreach (int s in plan.KeySlots) if (s >= 0) values[s] = _dialect.Portable(cells[plan.Fields[s]].GetValue(row), columns[s]);
                string? key = KeyOfValues(plan, values);
                if (key is null) for (int s = 0; s < values.Length; s++) values[s] = _dialect.Portable(cells[plan.Fields[s]].GetValue(row), columns[s]);
                images.Rows.Add(AbsentImage(key, plan, values));
            }
            return images;
        }
    }
}
