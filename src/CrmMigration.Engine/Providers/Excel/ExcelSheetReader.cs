using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// Streams one sheet as records (<see cref="XlsxSheetStream"/> does the SpreadsheetML). The header is the first
    /// row with a value; records' Origin.Line is the Excel row number. What a person's workbook holds that a table
    /// does not is said, never dropped silently: formulas saved without a calculated value, error values (#DIV/0!)
    /// and merged ranges are each reported in one warning per sheet that lists their cells; -FillMergedCells copies
    /// a merged range's top-left value into its other cells.
    /// </summary>
    internal sealed class ExcelSheetReader
    {
        private const int ListedCells = 10;

        private readonly string _path;
        private readonly string _sheet;
        private readonly string _system;
        private readonly FileTableMetadata? _metadata;
        private readonly Action<CrmDataError> _onError;
        private readonly bool _fillMerged;

        public ExcelSheetReader(string path, string sheet, string system, FileTableMetadata? metadata, Action<CrmDataError> onError, bool fillMerged = false)
        {
            _path = path;
            _sheet = sheet;
            _system = system;
            _metadata = metadata;
            _onError = onError;
            _fillMerged = fillMerged;
        }

        /// <summary>
        /// The sheet's rows as dense value arrays (column 0 up to the widest cell), merged cells filled when asked,
        /// with the cells that hold uncalculated formulas and errors collected; the header row included.
        /// </summary>
        private IEnumerable<(long Row, object?[] Values, int Width)> DenseRows(XlsxSheetStream stream, SheetIssues issues)
        {
            List<XlsxMerge>? fill = _fillMerged ? stream.ReadMerges() : null;
            var topLeft = new Dictionary<(long, int), object?>();
            object?[] buffer = new object?[16];
            foreach (var (row, cells) in stream.Rows())
            {
                int width = 0;
                foreach (var c in cells) width = Math.Max(width, c.Column + 1);
                if (fill is not null) foreach (var m in fill) if (m.Top <= row && m.Bottom >= row) width = Math.Max(width, m.Right + 1);
                if (buffer.Length < width) buffer = new object?[Math.Max(width, buffer.Length * 2)];
                Array.Clear(buffer, 0, buffer.Length);
                foreach (var c in cells)
                {
                    buffer[c.Column] = c.Value;
                    if (c.Uncalculated) issues.Uncalculated.Add((XlsxSheetStream.CellRef(row, c.Column), c.Formula));
                    else if (c.Error is not null) issues.Errors.Add((XlsxSheetStream.CellRef(row, c.Column), c.Error));
                }
                if (fill is not null) FillMerged(fill, topLeft, row, buffer);
                yield return (row, buffer, width);
            }
            if (fill is null) issues.Merges.AddRange(stream.Merges);
            else issues.Filled.AddRange(fill);
        }

        private static void FillMerged(List<XlsxMerge> merges, Dictionary<(long, int), object?> topLeft, long row, object?[] values)
        {
            foreach (var m in merges)
            {
                if (m.Top > row || m.Bottom < row) continue;
                if (m.Top == row) topLeft[(m.Top, m.Left)] = values[m.Left];
                topLeft.TryGetValue((m.Top, m.Left), out object? v);
                for (int c = m.Left; c <= m.Right; c++)
                {
                    if (row == m.Top && c == m.Left) continue;
                    values[c] ??= v;
                }
            }
        }

        private sealed class SheetIssues
        {
            public List<(string Cell, string? Formula)> Uncalculated { get; } = new();
            public List<(string Cell, string Error)> Errors { get; } = new();
            public List<XlsxMerge> Merges { get; } = new();
            public List<XlsxMerge> Filled { get; } = new();
        }

        private bool EmptyText(object? v) => v is null || (v is string s && s.Length == 0);

        /// <summary>Header, types inferred from the first rows, and (when asked) the count of non-blank rows.</summary>
        public (string[] Header, CrmFieldType[] Inferred, long Rows) Inspect(int inferRows, bool count)
        {
            string[]? header = null;
            CrmFieldType?[]? seen = null;
            long rows = 0;
            using var package = XlsxPackage.Open(_path);
            var issues = new SheetIssues();
            foreach (var (_, values, width) in DenseRows(new XlsxSheetStream(package, _sheet), issues))
            {
                if (header is null)
                {
                    if (IsBlank(values, width)) continue;
                    header = HeaderOf(values, width, 0, report: false);
                    seen = new CrmFieldType?[header.Length];
                    continue;
                }
                if (IsBlank(values, width)) continue;
                rows++;
                if (rows <= inferRows)
                {
                    for (int i = 0; i < header.Length && i < width; i++)
                    {
                        object? v = values[i];
                        if (EmptyText(v)) continue;
                        var t = v is double d ? (d == Math.Floor(d) && Math.Abs(d) < 9007199254740992d ? CrmFieldType.Integer : CrmFieldType.Double) : CrmValues.TypeOf(v!);
                        seen![i] = seen[i] is null ? t : CrmValues.Widen(seen[i]!.Value, t);
                    }
                }
                else if (!count) break;
            }
            header ??= Array.Empty<string>();
            var inferred = new CrmFieldType[header.Length];
            for (int i = 0; i < inferred.Length; i++) inferred[i] = seen?[i] ?? CrmFieldType.String;
            return (header, inferred, rows);
        }

        private bool IsBlank(object?[] values, int width)
        {
            for (int i = 0; i < width; i++) if (!EmptyText(values[i])) return false;
            return true;
        }

        /// <summary>Names from the header row (up to its last non-empty cell), fixed up like CSV headers (<see cref="HeaderNames"/>).</summary>
        private string[] HeaderOf(object?[] values, int width, long row, bool report)
        {
            int last = width - 1;
            while (last >= 0 && EmptyText(values[last])) last--;
            var raw = new string[last + 1];
            for (int i = 0; i <= last; i++) raw[i] = ExcelProvider.CellText(values[i]);
            var renames = new List<HeaderNames.Rename>();
            var names = HeaderNames.Fix(raw, renames);
            if (report && renames.Count > 0)
            {
                _onError(new CrmDataError("ExcelHeaderRenamed", CrmErrorKind.InvalidData,
                    HeaderNames.Describe(renames, i => "cell " + XlsxSheetStream.CellRef(row, i)))
                { Entity = _sheet, File = _path, Line = row, Severity = CrmErrorSeverity.Warning });
            }
            return names;
        }

        public IEnumerable<CrmRecord> Read(RecordFilter filter, CancellationToken cancellationToken) => Read(filter, 0, cancellationToken);

        /// <summary>
        /// Streams the records of the sheet's rows after <paramref name="afterRow"/> (a resumed read): the rows up to it are read
        /// from the sheet's XML (a sheet cannot be entered in the middle) but no value is converted and no record is made for them.
        /// </summary>
        public IEnumerable<CrmRecord> Read(RecordFilter filter, long afterRow, CancellationToken cancellationToken)
        {
            string[]? header = null;
            CrmFieldShape? shape = null;
            CrmFieldType?[]? types = null;
            int[]? keyIndexes = null;
            string[]? keyNames = null;
            long recordNumber = 0;
            bool emptyStrings = _metadata?.EmptyStringCells == true;
            using var package = XlsxPackage.Open(_path);
            var issues = new SheetIssues();
            foreach (var (line, row, width) in DenseRows(new XlsxSheetStream(package, _sheet), issues))
            {
                if (header is null)
                {
                    if (IsBlank(row, width)) continue;
                    header = HeaderOf(row, width, line, report: true);
                    shape = new CrmFieldShape(header) { Schema = _metadata?.Describe(_sheet, header, _system, CrmProviderKind.Excel) };
                    types = new CrmFieldType?[header.Length];
                    keyIndexes = Keys(header, shape, types);
                    if (keyIndexes is not null) keyNames = Array.ConvertAll(keyIndexes, k => header[k]);
                    // The key columns travel with the records: an empty key cell is no value ('' too, unless the sidecar keeps it): FileKeyRule.
                    shape = new CrmFieldShape(header) { Schema = shape.Schema, FileKeyColumns = keyIndexes, FileKeepsEmptyText = emptyStrings };
                    continue;
                }
                if ((line & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (IsBlank(row, width)) continue;
                recordNumber++;
                if (line <= afterRow) continue;
                for (int extra = header.Length; extra < width; extra++)
                {
                    if (EmptyText(row[extra])) continue;
                    Report("ExcelValueWithoutHeader", CrmErrorKind.InvalidData, $"Cell {XlsxSheetStream.CellRef(line, extra)} has a value but its column has no header; the value is not read.", line, null, recordNumber);
                    break;
                }
                var values = new object?[header.Length];
                bool ok = true;
                for (int i = 0; i < header.Length; i++)
                {
                    object? v = i < width ? row[i] : null;
                    if (v is string s && s.Length == 0 && !emptyStrings) v = null; // what a person sees: an empty cell
                    if (types![i] is CrmFieldType t)
                    {
                        try
                        {
                            values[i] = Convert(v, t);
                        }
                        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
                        {
                            _onError(new CrmDataError("ExcelTypeConversion", CrmErrorKind.InvalidValue,
                                $"Cell {XlsxSheetStream.CellRef(line, i)}: {e.Message} The record is skipped.")
                            { Entity = _sheet, File = _path, Line = line, RecordNumber = recordNumber, Field = header[i], Raw = CrmValues.Truncate(ExcelProvider.CellText(v), 200) });
                            ok = false;
                            break;
                        }
                    }
                    else
                    {
                        // No sidecar: Excel's own types, with integral numbers kept as double (Excel has one number type).
                        values[i] = v;
                    }
                }
                if (!ok) continue;
                var record = new CrmRecord(_sheet, shape!, values);
                if (keyIndexes is not null) record.Key = MakeKey(values, keyIndexes, keyNames!);
                record.Origin = new CrmOrigin(_system, _sheet, record.Key?.ToString(), _path, line);
                if (!filter.IsEmpty && !filter.Matches(record)) continue;
                yield return record;
            }
            if (header is null)
            {
                Report("ExcelHeaderMissing", CrmErrorKind.InvalidData, "The sheet has no row with a value, so it has no header and no records are read.", 1, null);
                yield break;
            }
            ReportIssues(issues);
        }

        private int[]? Keys(string[] header, CrmFieldShape shape, CrmFieldType?[] types)
        {
            if (_metadata is null)
            {
                int k = CsvFileReader.DefaultKeyIndex(header, _sheet);
                return k >= 0 ? new[] { k } : null;
            }
            for (int i = 0; i < header.Length; i++) types[i] = _metadata.GetColumn(header[i])?.Type ?? CrmFieldType.String;
            if (_metadata.PrimaryKey.Count == 0) return null;
            var keys = new int[_metadata.PrimaryKey.Count];
            for (int k = 0; k < keys.Length; k++)
            {
                keys[k] = shape.IndexOf(_metadata.PrimaryKey[k]);
                if (keys[k] < 0)
                {
                    throw new CrmException(new CrmDataError("ExcelMetadataKeyMissing", CrmErrorKind.InvalidData,
                        $"The metadata sidecar names key field '{_metadata.PrimaryKey[k]}', which the header row does not have.") { File = _path, Entity = _sheet });
                }
            }
            return keys;
        }

        private void ReportIssues(SheetIssues issues)
        {
            if (issues.Uncalculated.Count > 0)
            {
                Warn("ExcelFormulaWithoutValue", $"{Count(issues.Uncalculated.Count)} formula cell(s) have no calculated value, so they read as empty: " +
                    List(issues.Uncalculated, c => c.Cell + (string.IsNullOrEmpty(c.Formula) ? "" : " (=" + CrmValues.Truncate(c.Formula, 40) + ")")) +
                    ". The workbook was saved by a program that does not calculate formulas; open and save it in Excel or LibreOffice to calculate them, or compute the values in the mapping.");
            }
            if (issues.Errors.Count > 0)
            {
                Warn("ExcelErrorValue", $"{Count(issues.Errors.Count)} cell(s) hold an error value instead of data, so they read as empty: " +
                    List(issues.Errors, c => c.Cell + " (" + c.Error + ")") + ". Fix the formulas in the workbook if those cells matter.");
            }
            if (issues.Merges.Count > 0)
            {
                Warn("ExcelMergedCells", $"{Count(issues.Merges.Count)} merged range(s): " + List(issues.Merges, m => m.Ref) +
                    ". Only the top-left cell of a merged range holds its value, so the other cells read as empty; -FillMergedCells (New-CrmConnection) copies the top-left value into them.");
            }
            if (issues.Filled.Count > 0)
            {
                _onError(new CrmDataError("ExcelMergedCellsFilled", CrmErrorKind.InvalidData,
                    $"{Count(issues.Filled.Count)} merged range(s) filled from their top-left cells (-FillMergedCells): " + List(issues.Filled, m => m.Ref) + ".")
                { Entity = _sheet, File = _path, Severity = CrmErrorSeverity.Information });
            }
        }

        private static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

        private static string List<T>(List<T> items, Func<T, string> text)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < items.Count && i < ListedCells; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(text(items[i]));
            }
            if (items.Count > ListedCells) sb.Append(" and ").Append(Count(items.Count - ListedCells)).Append(" more");
            return sb.ToString();
        }

        private void Warn(string code, string message)
        {
            _onError(new CrmDataError(code, CrmErrorKind.InvalidData, message) { Entity = _sheet, File = _path, Severity = CrmErrorSeverity.Warning });
        }

        /// <summary>The row's key, named by its columns as a CSV row's and a table row's are (an upsert matches on them).</summary>
        private static CrmKey? MakeKey(object?[] values, int[] idx, string[] names)
        {
            var parts = new string[idx.Length];
            for (int k = 0; k < idx.Length; k++)
            {
                object? v = values[idx[k]];
                if (v is null) return null;
                parts[k] = CrmValues.ToText(v)!;
            }
            return new CrmKey(parts) { FieldNames = names };
        }

        /// <summary>A cell value as the sidecar's type. Numbers come from Excel as double, dates as DateTime.</summary>
        internal static object? Convert(object? v, CrmFieldType type)
        {
            if (v is null) return null;
            if (v is string s)
            {
                if (type == CrmFieldType.String) return s;
                if (s.Length == 0) return null;
                return CrmValues.Parse(s, type);
            }
            switch (type)
            {
                case CrmFieldType.String:
                    return v is double d0 ? d0.ToString("R", CultureInfo.InvariantCulture) : CrmValues.ToText(v);
                case CrmFieldType.Decimal when v is double d:
                    // "R" gives the shortest text that is this double, which is the decimal that was written.
                    return decimal.Parse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
                case CrmFieldType.Date when v is double od:
                    return DateTime.FromOADate(od).Date;
                case CrmFieldType.DateTime when v is double od2:
                    return DateTime.FromOADate(od2);
                case CrmFieldType.Date when v is DateTime dt:
                    return dt;
                default:
                    return CrmValues.Convert(v, type);
            }
        }

        private void Report(string code, CrmErrorKind kind, string message, long line, string? field, long recordNumber = 0)
        {
            _onError(new CrmDataError(code, kind, message) { Entity = _sheet, File = _path, Line = line, Field = field, RecordNumber = recordNumber });
        }
    }
}
