using System;
using System.Collections.Generic;
using System.IO;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// Writes one entity as one sheet of a workbook. A workbook is written whole, so batches are spooled to a
    /// temp file (<see cref="RecordSpool"/>) and on <see cref="Complete"/> a temp workbook is written with
    /// <see cref="XlsxWriter"/>: the workbook's other sheets are copied across row by row (streamed with
    /// <see cref="XlsxSheetStream"/>), this entity's sheet replaces the old one in place (or is added last), and
    /// the temp workbook is renamed over the original. Memory stays flat with row count. Text keeps CR, tabs and
    /// whitespace-only values; an empty string is a cell with empty text and null no cell, which the sidecar's
    /// crm:emptyStringCells tells the reader.
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
            if (XlsxWriter.SheetNameProblem(sheet) is string problem)
            {
                throw new CrmException(new CrmDataError("ExcelSheetNameInvalid", CrmErrorKind.InvalidArgument,
                    $"'{sheet}' cannot be a sheet name: {problem}. Import into another entity name (Import-CrmData -Entity, or the mapping's target name).") { Entity = sheet, File = provider.Connection.Location });
            }
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

        private IEnumerable<object?[]> EntityRows()
        {
            if (_columns is null) yield break;
            var header = new object?[_columns.Length];
            for (int i = 0; i < header.Length; i++) header[i] = _columns[i];
            yield return header;
            foreach (var values in _spool.ReadBack())
            {
                var row = new object?[_columns.Length];
                for (int i = 0; i < _columns.Length; i++) row[i] = Cell(values[i]);
                yield return row;
            }
        }

        /// <summary>Another sheet of the workbook, its values as they read (blank rows kept as blank rows).</summary>
        private static IEnumerable<object?[]> CopiedRows(XlsxPackage package, string sheet)
        {
            long expected = 1;
            foreach (var (row, cells) in new XlsxSheetStream(package, sheet).Rows())
            {
                for (; expected < row; expected++) yield return Array.Empty<object?>();
                int width = 0;
                foreach (var c in cells) width = Math.Max(width, c.Column + 1);
                var values = new object?[width];
                foreach (var c in cells) values[c.Column] = c.Value;
                expected = row + 1;
                yield return values;
            }
        }

        /// <inheritdoc/>
        public void Complete()
        {
            if (_done) throw new ObjectDisposedException(nameof(ExcelEntityWriter));
            string path = Path.GetFullPath(_provider.Connection.Location);
            string dir = Path.GetDirectoryName(path) ?? ".";
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var old = File.Exists(path) ? XlsxPackage.Open(path) : null)
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
                {
                    using (var writer = new XlsxWriter(fs))
                    {
                        bool placed = false;
                        if (old is not null)
                        {
                            foreach (var name in old.SheetNames)
                            {
                                if (string.Equals(name, _sheet, StringComparison.OrdinalIgnoreCase)) { writer.WriteSheet(_sheet, EntityRows()); placed = true; }
                                else writer.WriteSheet(name, CopiedRows(old, name));
                            }
                        }
                        if (!placed) writer.WriteSheet(_sheet, EntityRows());
                        writer.Finish();
                    }
                }
                var tables = FileTableMetadata.LoadTables(_provider.SidecarPath);
                tables.RemoveAll(t => string.Equals(t.Url, _sheet, StringComparison.OrdinalIgnoreCase));
                var meta = new FileTableMetadata(_sheet) { EmptyStringCells = true };
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
