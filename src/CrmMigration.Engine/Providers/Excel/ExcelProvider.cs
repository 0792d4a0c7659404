using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// Excel provider over our own streaming SpreadsheetML reader and writer (<see cref="XlsxPackage"/>, <see cref="XlsxWriter"/>). <see cref="CrmConnection.Location"/> is an .xlsx workbook;
    /// each sheet is an entity and its first row is the header. Records' Origin.Line is the Excel row number.
    /// Types and keys survive a round trip through "&lt;workbook&gt;.xlsx-metadata.json" ({"tables": [...]}, one
    /// CSVW-style table per sheet, as the CSV sidecar); without it, types are inferred from the first 100 rows.
    /// </summary>
    /// <remarks>
    /// Limits: rows whose cells are all empty are skipped (Excel blank rows), so a record of only nulls does
    /// not survive; in a workbook we did not write, a cell holding empty text reads as null, as a person sees it
    /// (our writer's sidecar, crm:emptyStringCells, keeps "" apart from null); cell styles of copied sheets are
    /// not kept (see <see cref="ExcelEntityWriter"/>).
    /// </remarks>
    public sealed class ExcelProvider : ICrmProvider, Batches.ICrmResumableSource
    {
        internal const int InferRows = 100;

        /// <summary>Opens a workbook location (nothing is read until asked).</summary>
        public ExcelProvider(CrmConnection connection)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
        }

        /// <inheritdoc/>
        public CrmConnection Connection { get; }

        /// <inheritdoc/>
        public System.Threading.CancellationToken Cancellation { get; set; }

        private string Workbook => Connection.Location;

        internal string SidecarPath => Workbook + "-metadata.json";

        /// <inheritdoc/>
        public IReadOnlyList<string> ListEntities()
        {
            if (!File.Exists(Workbook)) return Array.Empty<string>();
            using var package = XlsxPackage.Open(Workbook);
            return new List<string>(package.SheetNames);
        }

        private string? FindSheet(string entity)
        {
            foreach (var s in ListEntities()) if (string.Equals(s, entity, StringComparison.OrdinalIgnoreCase)) return s;
            return null;
        }

        private FileTableMetadata? Metadata(string sheet)
        {
            foreach (var t in FileTableMetadata.LoadTables(SidecarPath)) if (string.Equals(t.Url, sheet, StringComparison.OrdinalIgnoreCase)) return t;
            return null;
        }

        /// <inheritdoc/>
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount)
        {
            string? sheet = FindSheet(entity);
            if (sheet is null) return null;
            var meta = Metadata(sheet);
            var reader = new ExcelSheetReader(Workbook, sheet, Connection.DisplayName, meta, _ => { }, Connection.FillMergedCells);
            var (header, inferred, rows) = reader.Inspect(meta is null ? InferRows : 0, includeRowCount);
            if (meta is not null)
            {
                var described = meta.Describe(sheet, header, Connection.DisplayName, CrmProviderKind.Excel);
                described.RowCount = includeRowCount ? rows : null;
                return described;
            }
            var fields = new List<CrmFieldSchema>(header.Length);
            for (int i = 0; i < header.Length; i++)
            {
                var col = meta?.GetColumn(header[i]);
                fields.Add(new CrmFieldSchema(header[i], col?.Type ?? inferred[i]) { SourceType = "xlsx" });
            }
            var key = new List<string>();
            if (meta is not null) key.AddRange(meta.PrimaryKey);
            else
            {
                int k = CsvFileReader.DefaultKeyIndex(header, sheet);
                if (k >= 0) key.Add(header[k]);
            }
            foreach (var f in fields) foreach (var k in key) if (string.Equals(f.Name, k, StringComparison.OrdinalIgnoreCase)) { f.IsKey = true; f.Nullable = false; }
            return new CrmEntitySchema(sheet, fields) { System = Connection.DisplayName, Key = key, RowCount = includeRowCount ? rows : null };
        }

        /// <inheritdoc/>
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (onError is null) throw new ArgumentNullException(nameof(onError));
            string sheet = FindSheet(entity) ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound,
                $"The workbook '{Workbook}' has no sheet '{entity}'.") { Entity = entity, File = Workbook });
            var reader = new ExcelSheetReader(Workbook, sheet, Connection.DisplayName, Metadata(sheet), onError, Connection.FillMergedCells);
            return reader.Read(new RecordFilter(options?.Filters ?? Array.Empty<CrmFieldFilter>()), cancellationToken);
        }

        /// <summary>Every sheet can resume at a row.</summary>
        bool Batches.ICrmResumableSource.CanResume(string entity) => FindSheet(entity) is not null;

        IEnumerable<CrmRecord> Batches.ICrmResumableSource.ReadFrom(string entity, CrmReadOptions options, Batches.SourcePosition? after, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (onError is null) throw new ArgumentNullException(nameof(onError));
            string sheet = FindSheet(entity) ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound,
                $"The workbook '{Workbook}' has no sheet '{entity}'.") { Entity = entity, File = Workbook });
            var reader = new ExcelSheetReader(Workbook, sheet, Connection.DisplayName, Metadata(sheet), onError, Connection.FillMergedCells);
            long afterRow = after is null ? 0 : after.Inclusive ? after.Line - 1 : after.Line;
            return reader.Read(new RecordFilter(options?.Filters ?? Array.Empty<CrmFieldFilter>()), afterRow, cancellationToken);
        }

        /// <summary>After a record: its sheet row (the position's line).</summary>
        Batches.SourcePosition Batches.ICrmResumableSource.PositionOf(CrmRecord record, long ordinal) =>
            new(ordinal, -1, record.Origin?.Line ?? 0, null, inclusive: false);

        /// <summary>The workbook's length and last write time.</summary>
        Ledger.SourceFileStamp Batches.ICrmResumableSource.StampOf(string entity, CrmRecord record) => WorkbookStamp();

        string? Batches.ICrmResumableSource.Changed(string entity, Batches.SourcePosition position, Ledger.SourceFileStamp saved) =>
            saved == WorkbookStamp() ? null : "the workbook was written since the run was interrupted";

        private Ledger.SourceFileStamp WorkbookStamp()
        {
            var info = new FileInfo(Workbook);
            return new Ledger.SourceFileStamp(info.Length, info.LastWriteTimeUtc.Ticks);
        }

        /// <inheritdoc/>
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            if (options.Mode == CrmWriteMode.Upsert)
            {
                throw new CrmException(new CrmDataError("FileTargetUpsertNotSupported", CrmErrorKind.InvalidArgument,
                    "An Excel sheet cannot be upserted into: it is rewritten as a whole. Use -Mode Insert to write the sheet, or import into SQLite to merge.") { Entity = entity });
            }
            return new ExcelEntityWriter(this, FindSheet(entity) ?? entity, options);
        }

        /// <inheritdoc/>
        public void Dispose() { }

        /// <summary>The text of a header cell.</summary>
        internal static string CellText(object? v) => v switch
        {
            null => "",
            string s => s,
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            _ => CrmValues.ToText(v) ?? "",
        };
    }
}
