using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;
using MiniExcelLibs;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>Streams one sheet with MiniExcel's lazy Query (rows as column-letter dictionaries).</summary>
    internal sealed class ExcelSheetReader
    {
        private readonly string _path;
        private readonly string _sheet;
        private readonly string _system;
        private readonly FileTableMetadata? _metadata;
        private readonly Action<CrmDataError> _onError;

        public ExcelSheetReader(string path, string sheet, string system, FileTableMetadata? metadata, Action<CrmDataError> onError)
        {
            _path = path;
            _sheet = sheet;
            _system = system;
            _metadata = metadata;
            _onError = onError;
        }

        private IEnumerable<IDictionary<string, object?>> Rows()
        {
            foreach (var row in MiniExcel.Query(_path, useHeaderRow: false, sheetName: _sheet))
            {
                yield return (IDictionary<string, object?>)row;
            }
        }

        private static bool IsBlank(IDictionary<string, object?> row)
        {
            foreach (var v in row.Values) if (v is not null && !(v is string s && s.Length == 0)) return false;
            return true;
        }

        /// <summary>Header, types inferred from the first rows, and (when asked) the count of non-blank rows.</summary>
        public (string[] Header, CrmFieldType[] Inferred, long Rows) Inspect(int inferRows, bool count)
        {
            string[]? header = null;
            string[]? letters = null;
            CrmFieldType?[]? seen = null;
            long rows = 0;
            foreach (var row in Rows())
            {
                if (header is null)
                {
                    (header, letters) = Header(row, report: false);
                    seen = new CrmFieldType?[header.Length];
                    continue;
                }
                if (IsBlank(row)) continue;
                rows++;
                if (rows <= inferRows)
                {
                    for (int i = 0; i < letters!.Length; i++)
                    {
                        if (!row.TryGetValue(letters[i], out var v) || v is null) continue;
                        var t = v is double d ? (d == Math.Floor(d) && Math.Abs(d) < 9007199254740992d ? CrmFieldType.Integer : CrmFieldType.Double) : CrmValues.TypeOf(v);
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

        /// <summary>Names from the header row (up to its last non-empty cell), fixed up like CSV headers.</summary>
        private (string[] Names, string[] Letters) Header(IDictionary<string, object?> row, bool report)
        {
            var cells = new List<KeyValuePair<string, object?>>(row);
            int last = cells.Count - 1;
            while (last >= 0 && CellEmpty(cells[last].Value)) last--;
            var names = new string[last + 1];
            var letters = new string[last + 1];
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i <= last; i++)
            {
                letters[i] = cells[i].Key;
                string name = ExcelProvider.CellText(cells[i].Value).Trim();
                if (name.Length == 0)
                {
                    name = "Column" + (i + 1).ToString(CultureInfo.InvariantCulture);
                    if (report) Report("ExcelHeaderEmpty", CrmErrorKind.InvalidData, $"Header cell {letters[i]}1 is empty; the column is read as '{name}'.", 1, name);
                }
                if (!used.Add(name))
                {
                    string baseName = name;
                    int n = 2;
                    do { name = baseName + "_" + n.ToString(CultureInfo.InvariantCulture); n++; } while (!used.Add(name));
                    if (report) Report("ExcelHeaderDuplicate", CrmErrorKind.InvalidData, $"Header cell {letters[i]}1 repeats '{baseName}'; the column is read as '{name}'.", 1, name);
                }
                names[i] = name;
            }
            return (names, letters);
        }

        private static bool CellEmpty(object? v) => v is null || v is string s && s.Length == 0;

        public IEnumerable<CrmRecord> Read(RecordFilter filter, CancellationToken cancellationToken)
        {
            string[]? header = null;
            string[]? letters = null;
            CrmFieldShape? shape = null;
            CrmFieldType?[]? types = null;
            int[]? keyIndexes = null;
            long line = 0;
            long recordNumber = 0;
            foreach (var row in Rows())
            {
                line++;
                if (header is null)
                {
                    (header, letters) = Header(row, report: true);
                    shape = new CrmFieldShape(header) { Schema = _metadata?.Describe(_sheet, header, _system, CrmProviderKind.Excel) };
                    types = new CrmFieldType?[header.Length];
                    if (_metadata is not null)
                    {
                        for (int i = 0; i < header.Length; i++) types[i] = _metadata.GetColumn(header[i])?.Type ?? CrmFieldType.String;
                        if (_metadata.PrimaryKey.Count > 0)
                        {
                            keyIndexes = new int[_metadata.PrimaryKey.Count];
                            for (int k = 0; k < keyIndexes.Length; k++)
                            {
                                keyIndexes[k] = shape.IndexOf(_metadata.PrimaryKey[k]);
                                if (keyIndexes[k] < 0)
                                {
                                    throw new CrmException(new CrmDataError("ExcelMetadataKeyMissing", CrmErrorKind.InvalidData,
                                        $"The metadata sidecar names key field '{_metadata.PrimaryKey[k]}', which the header row does not have.") { File = _path, Entity = _sheet });
                                }
                            }
                        }
                    }
                    else
                    {
                        int k = CsvFileReader.DefaultKeyIndex(header, _sheet);
                        if (k >= 0) keyIndexes = new[] { k };
                    }
                    if (header.Length == 0)
                    {
                        Report("ExcelHeaderMissing", CrmErrorKind.InvalidData, "The first row of the sheet is empty, so the sheet has no header and no records are read.", 1, null);
                        yield break;
                    }
                    continue;
                }
                if ((line & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (IsBlank(row)) continue;
                recordNumber++;
                if (row.Count > letters!.Length)
                {
                    int extra = 0;
                    foreach (var kv in row) if (extra++ >= letters.Length && !CellEmpty(kv.Value))
                    {
                        Report("ExcelValueWithoutHeader", CrmErrorKind.InvalidData, $"Cell {kv.Key}{line.ToString(CultureInfo.InvariantCulture)} has a value but its column has no header; the value is not read.", line, null, recordNumber);
                        break;
                    }
                }
                var values = new object?[header.Length];
                bool ok = true;
                for (int i = 0; i < header.Length; i++)
                {
                    row.TryGetValue(letters[i], out object? v);
                    if (types![i] is CrmFieldType t)
                    {
                        try
                        {
                            values[i] = Convert(v, t);
                        }
                        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
                        {
                            var err = new CrmDataError("ExcelTypeConversion", CrmErrorKind.InvalidValue,
                                $"Cell {letters[i]}{line.ToString(CultureInfo.InvariantCulture)}: {e.Message} The record is skipped.")
                            { Entity = _sheet, File = _path, Line = line, RecordNumber = recordNumber, Field = header[i], Raw = CrmValues.Truncate(ExcelProvider.CellText(v), 200) };
                            _onError(err);
                            ok = false;
                            break;
                        }
                    }
                    else
                    {
                        // No sidecar: Excel's own types, with integral numbers kept as double (Excel has one number type).
                        values[i] = v is string s && s.Length == 0 ? null : v;
                    }
                }
                if (!ok) continue;
                var record = new CrmRecord(_sheet, shape!, values);
                if (keyIndexes is not null) record.Key = MakeKey(values, keyIndexes);
                record.Origin = new CrmOrigin(_system, _sheet, record.Key?.ToString(), _path, line);
                if (!filter.IsEmpty && !filter.Matches(record)) continue;
                yield return record;
            }
        }

        private static CrmKey? MakeKey(object?[] values, int[] idx)
        {
            var parts = new string[idx.Length];
            for (int k = 0; k < idx.Length; k++)
            {
                object? v = values[idx[k]];
                if (v is null) return null;
                parts[k] = CrmValues.ToText(v)!;
            }
            return new CrmKey(parts);
        }

        /// <summary>A cell value as the sidecar's type. Numbers come from Excel as double, dates as DateTime.</summary>
        internal static object? Convert(object? v, CrmFieldType type)
        {
            if (v is null) return null;
            if (v is string s)
            {
                if (s.Length == 0) return null; // Excel cannot tell "" from an empty cell
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
