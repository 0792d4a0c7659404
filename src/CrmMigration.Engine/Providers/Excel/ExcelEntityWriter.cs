using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;
using MiniExcelLibs;
using MiniExcelLibs.OpenXml;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// Writes one entity as one sheet of a workbook. MiniExcel writes a whole workbook in one SaveAs call
    /// that pulls rows from IEnumerables, so batches are spooled to a temp file (<see cref="RecordSpool"/>)
    /// and on <see cref="Complete"/> a temp workbook is written: the workbook's other sheets are copied
    /// across row by row (streamed with Query), this entity's sheet replaces the old one in place (or is
    /// added last), and the temp workbook is renamed over the original. Memory stays flat with row count.
    /// </summary>
    /// <remarks>
    /// Limits: copied sheets keep their values but not cell styles, formulas (their cached values are copied),
    /// merged cells or charts. Two writers completing on one workbook one after the other compose; run at
    /// the same time, the later Complete wins. Values Excel cannot hold exactly are written as text and
    /// restored by the sidecar type: integers beyond ±2^53, decimals a double cannot hold, NaN/Infinity,
    /// DateTime with sub-millisecond ticks, DateTimeOffset (ISO 8601 with offset), Guid and bytes (base64).
    /// </remarks>
    internal sealed class ExcelEntityWriter : ICrmEntityWriter
    {
        private const long MaxExactInteger = 1L << 53; // doubles hold every integer up to 2^53

        private readonly ExcelProvider _provider;
        private readonly string _sheet;
        private readonly CrmWriteOptions _options;
        private readonly RecordSpool _spool;
        private string[]? _columns;
        private CrmFieldShape? _shape;
        private CrmFieldType?[]? _observed;
        private int _batch;
        private bool _done;

        public ExcelEntityWriter(ExcelProvider provider, string sheet, CrmWriteOptions options)
        {
            _provider = provider;
            _sheet = sheet;
            _options = options;
            string path = Path.GetFullPath(provider.Connection.Location);
            string dir = Path.GetDirectoryName(path) ?? ".";
            if (!File.Exists(path) && !options.CreateIfMissing)
            {
                throw new CrmException(new CrmDataError("ExcelFileNotFound", CrmErrorKind.NotFound, $"The workbook '{path}' does not exist and CreateIfMissing is off.") { File = path, Entity = sheet });
            }
            Directory.CreateDirectory(dir);
            _spool = new RecordSpool(dir);
            if (options.Schema is not null && options.Schema.Fields.Count > 0)
            {
                var names = new string[options.Schema.Fields.Count];
                for (int i = 0; i < names.Length; i++) names[i] = options.Schema.Fields[i].Name;
                SetColumns(names);
            }
        }

        /// <summary>The schema the first record's shape carried (its source's), for the sidecar.</summary>
        private CrmEntitySchema? _firstSchema;

        private void SetColumns(string[] names)
        {
            _columns = names;
            _shape = new CrmFieldShape(names);
            _observed = new CrmFieldType?[names.Length];
            if (_options.Schema is not null)
            {
                for (int i = 0; i < names.Length; i++) _observed[i] = _options.Schema.GetField(names[i])?.Type;
            }
        }

        private string? Unknown(CrmRecord record, CrmFieldShape shape)
        {
            if (ReferenceEquals(record.Shape, shape)) return null;
            for (int i = 0; i < record.FieldCount; i++) if (shape.IndexOf(record.FieldNames[i]) < 0) return record.FieldNames[i];
            return null;
        }

        /// <inheritdoc/>
        public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            if (_done) throw new ObjectDisposedException(nameof(ExcelEntityWriter));
            _batch++;
            foreach (var record in batch)
            {
                if (_columns is null)
                {
                    var names = new string[record.FieldCount];
                    for (int i = 0; i < names.Length; i++) names[i] = record.FieldNames[i];
                    _firstSchema = record.Shape.Schema;
                    SetColumns(names);
                }
                string? unknown = Unknown(record, _shape!);
                if (unknown is not null)
                {
                    outcomes.Add(new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Rejected)
                    {
                        Batch = _batch, Origin = record.Origin, ReasonCode = "UnknownField",
                        Message = $"The field '{unknown}' is not a column of the sheet (columns are fixed by the schema or the first record).",
                    });
                    continue;
                }
                var values = new object?[_columns!.Length];
                bool same = ReferenceEquals(record.Shape, _shape);
                for (int i = 0; i < values.Length; i++)
                {
                    object? v;
                    if (same) v = record.GetValue(i);
                    else
                    {
                        int j = record.Shape.IndexOf(_columns[i]);
                        v = j < 0 ? null : record.GetValue(j);
                    }
                    v = Normalise(v);
                    if (v is not null)
                    {
                        var t = CrmValues.TypeOf(v);
                        _observed![i] = _observed[i] is CrmFieldType seen ? CrmValues.Widen(seen, t) : t;
                    }
                    values[i] = v;
                }
                _spool.Add(values);
                outcomes.Add(new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Inserted) { Batch = _batch, Origin = record.Origin });
            }
        }

        private static object? Normalise(object? v) => v switch
        {
            null or string or long or decimal or double or bool or DateTime or DateTimeOffset or Guid or byte[] => v,
            int or short or byte or sbyte or ushort or uint => System.Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture),
            ulong u => u <= long.MaxValue ? (long)u : (decimal)u,
            float f => (double)f,
            _ => CrmValues.ToText(v),
        };

        /// <inheritdoc/>
        public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            var shape = _shape;
            foreach (var record in batch)
            {
                shape ??= record.Shape;
                string? unknown = Unknown(record, shape);
                var o = new CrmRecordOutcome(record.Entity, record.Key?.ToString(), unknown is null ? CrmOutcome.Inserted : CrmOutcome.Rejected)
                {
                    WhatIf = true, Batch = _batch + 1, Origin = record.Origin,
                    ReasonCode = unknown is null ? null : "UnknownField",
                    Message = unknown is null ? null : $"The field '{unknown}' is not a column of the sheet.",
                };
                outcomes.Add(o);
            }
        }

        /// <summary>A value as a cell: Excel's own types where they hold it exactly, else invariant text.</summary>
        private static object? Cell(object? v) => v switch
        {
            null => null,
            long l => l >= -MaxExactInteger && l <= MaxExactInteger ? l : CrmValues.ToText(l),
            decimal m => IsExactDouble(m) ? m : CrmValues.ToText(m),
            double d => double.IsFinite(d) ? d : CrmValues.ToText(d),
            DateTime dt => dt.Ticks % TimeSpan.TicksPerMillisecond == 0 && dt.Year >= 1900 ? dt : CrmValues.ToText(dt),
            bool or string => v,
            _ => CrmValues.ToText(v),
        };

        private static bool IsExactDouble(decimal m)
        {
            double d = (double)m;
            return decimal.TryParse(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out decimal back) && back == m;
        }

        private IEnumerable<IDictionary<string, object?>> EntityRows()
        {
            if (_columns is null) yield break;
            var header = new Dictionary<string, object?>(_columns.Length, StringComparer.Ordinal);
            foreach (var c in _columns) header[c] = c;
            yield return header;
            foreach (var values in _spool.ReadBack())
            {
                var row = new Dictionary<string, object?>(_columns.Length, StringComparer.Ordinal);
                for (int i = 0; i < _columns.Length; i++) row[_columns[i]] = Cell(values[i]);
                yield return row;
            }
        }

        private static IEnumerable<IDictionary<string, object?>> CopiedRows(string path, string sheet)
        {
            foreach (var row in MiniExcel.Query(path, useHeaderRow: false, sheetName: sheet)) yield return (IDictionary<string, object?>)row;
        }

        /// <inheritdoc/>
        public void Complete()
        {
            if (_done) throw new ObjectDisposedException(nameof(ExcelEntityWriter));
            string path = Path.GetFullPath(_provider.Connection.Location);
            string dir = Path.GetDirectoryName(path) ?? ".";
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            // Dictionary keeps insertion order when nothing is removed: sheets keep their order.
            var sheets = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            bool placed = false;
            if (File.Exists(path))
            {
                foreach (var name in MiniExcel.GetSheetNames(path))
                {
                    if (string.Equals(name, _sheet, StringComparison.OrdinalIgnoreCase)) { sheets[_sheet] = EntityRows(); placed = true; }
                    else sheets[name] = CopiedRows(path, name);
                }
            }
            if (!placed) sheets[_sheet] = EntityRows();
            try
            {
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
                {
                    MiniExcel.SaveAs(fs, sheets, printHeader: false, excelType: ExcelType.XLSX,
                        configuration: new OpenXmlConfiguration { AutoFilter = false });
                }
                var tables = FileTableMetadata.LoadTables(_provider.SidecarPath);
                tables.RemoveAll(t => string.Equals(t.Url, _sheet, StringComparison.OrdinalIgnoreCase));
                var meta = new FileTableMetadata(_sheet);
                if (_columns is not null)
                {
                    var schema = _options.Schema ?? _firstSchema;
                    IReadOnlyList<string>? key = schema?.Key is { Count: > 0 } k ? k : _options.KeyFields;
                    meta.Describe(schema, _columns, _observed!, key, _options.AnnotationFields);
                }
                tables.Add(meta);
                var array = new System.Text.Json.Nodes.JsonArray();
                foreach (var t in tables) array.Add(t.ToJson());
                var sidecarTemp = temp + ".json";
                File.WriteAllText(sidecarTemp, new System.Text.Json.Nodes.JsonObject { ["tables"] = array }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                File.Move(temp, path, overwrite: true);
                File.Move(sidecarTemp, _provider.SidecarPath, overwrite: true);
            }
            finally
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                try { if (File.Exists(temp + ".json")) File.Delete(temp + ".json"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            _done = true;
            _spool.Dispose();
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _done = true;
            _spool.Dispose();
        }
    }
}
