using System;
using System.Collections.Generic;
using System.Globalization;
using System.Xml;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>One cell as the sheet holds it.</summary>
    internal struct XlsxCell
    {
        /// <summary>0-based column.</summary>
        public int Column;
        /// <summary>string, double, bool or DateTime; null when the cell has no value.</summary>
        public object? Value;
        /// <summary>The formula, when the cell has one.</summary>
        public string? Formula;
        /// <summary>A formula with no cached value: the program that saved the workbook did not calculate it.</summary>
        public bool Uncalculated;
        /// <summary>An error value (#DIV/0!, #N/A, ...).</summary>
        public string? Error;
    }

    /// <summary>A merged range, 1-based rows and 0-based columns, inclusive.</summary>
    internal readonly record struct XlsxMerge(long Top, int Left, long Bottom, int Right)
    {
        public string Ref => XlsxSheetStream.CellRef(Top, Left) + ":" + XlsxSheetStream.CellRef(Bottom, Right);
    }

    /// <summary>
    /// Streams the rows of one sheet part with an XmlReader: typed cells resolved (shared and inline strings, numbers,
    /// dates by their number format and the workbook's date system, booleans, ISO dates, errors), formulas noted with
    /// or without their cached value, and the merged ranges (which SpreadsheetML lists after the rows).
    /// </summary>
    internal sealed class XlsxSheetStream
    {
        private readonly XlsxPackage _package;
        private readonly string _part;

        public XlsxSheetStream(XlsxPackage package, string sheet)
        {
            _package = package;
            _part = package.SheetPart(sheet);
        }

        /// <summary>The merged ranges, known once the rows have been read (or after <see cref="ReadMerges"/>).</summary>
        public List<XlsxMerge> Merges { get; } = new();

        /// <summary>Reads only the merged ranges (a pass over the part), for filling merged cells while streaming.</summary>
        public List<XlsxMerge> ReadMerges()
        {
            return _package.Guard(_part, () =>
            {
                Merges.Clear();
                using var r = _package.OpenPart(_part);
                while (r.Read())
                {
                    if (r.NodeType != XmlNodeType.Element) continue;
                    if (r.LocalName == "sheetData") { if (!r.IsEmptyElement) r.Skip(); }
                    if (r.NodeType == XmlNodeType.Element && r.LocalName == "mergeCell") AddMerge(r.GetAttribute("ref"));
                }
                return Merges;
            });
        }

        /// <summary>The rows that have any cell element, in sheet order; each call of MoveNext reuses the cell list.</summary>
        public IEnumerable<(long Row, List<XlsxCell> Cells)> Rows()
        {
            var shared = _package.SharedStrings;
            var dates = _package.DateStyles;
            bool date1904 = _package.Date1904;
            var cells = new List<XlsxCell>();
            XmlReader r;
            try { r = _package.OpenPart(_part); }
            catch (System.IO.InvalidDataException e) { throw _package.Damaged(_part, e); }
            using (r)
            {
                long rowNumber = 0;
                while (true)
                {
                    try
                    {
                        if (!r.Read()) break;
                        if (r.NodeType != XmlNodeType.Element) continue;
                        if (r.LocalName == "mergeCell") { AddMerge(r.GetAttribute("ref")); continue; }
                        if (r.LocalName != "row") continue;
                        rowNumber = long.TryParse(r.GetAttribute("r"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long rn) ? rn : rowNumber + 1;
                        cells.Clear();
                        if (!r.IsEmptyElement) ReadRow(r, cells, shared, dates, date1904);
                    }
                    catch (Exception e) when (e is XmlException or System.IO.InvalidDataException)
                    {
                        throw _package.Damaged(_part, e);
                    }
                    if (cells.Count > 0) yield return (rowNumber, cells);
                }
            }
        }

        private void ReadRow(XmlReader r, List<XlsxCell> cells, List<string> shared, bool[] dates, bool date1904)
        {
            int depth = r.Depth;
            int nextColumn = 0;
            while (r.Read())
            {
                if (r.NodeType == XmlNodeType.EndElement && r.Depth == depth) return;
                if (r.NodeType != XmlNodeType.Element || r.LocalName != "c") continue;
                var cell = new XlsxCell { Column = ColumnOf(r.GetAttribute("r"), nextColumn) };
                nextColumn = cell.Column + 1;
                string? type = r.GetAttribute("t");
                int style = int.TryParse(r.GetAttribute("s"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int st) ? st : 0;
                string? v = null;
                string? inline = null;
                bool hasFormula = false;
                if (!r.IsEmptyElement)
                {
                    int cd = r.Depth;
                    bool more = r.Read();
                    while (more && !(r.NodeType == XmlNodeType.EndElement && r.Depth == cd))
                    {
                        if (r.NodeType == XmlNodeType.Element)
                        {
                            switch (r.LocalName)
                            {
                                case "v":
                                    v = r.IsEmptyElement ? "" : r.ReadElementContentAsString();
                                    if (r.NodeType == XmlNodeType.Element && r.IsEmptyElement && r.LocalName == "v") more = r.Read();
                                    continue;
                                case "f":
                                    hasFormula = true;
                                    cell.Formula = r.IsEmptyElement ? "" : r.ReadElementContentAsString();
                                    if (r.NodeType == XmlNodeType.Element && r.IsEmptyElement && r.LocalName == "f") more = r.Read();
                                    continue;
                                case "is":
                                    inline = XlsxPackage.ReadRichText(r);
                                    more = r.Read();
                                    continue;
                            }
                        }
                        more = r.Read();
                    }
                }
                Resolve(ref cell, type, style, v, inline, hasFormula, shared, dates, date1904);
                if (cell.Value is not null || cell.Uncalculated || cell.Error is not null) cells.Add(cell);
            }
        }

        private static void Resolve(ref XlsxCell cell, string? type, int style, string? v, string? inline, bool hasFormula, List<string> shared, bool[] dates, bool date1904)
        {
            switch (type)
            {
                case "s":
                    if (v is not null && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) && index >= 0 && index < shared.Count) cell.Value = shared[index];
                    else if (v is not null) cell.Error = "#REF! (shared string " + v + " does not exist)";
                    break;
                case "inlineStr":
                    cell.Value = inline ?? (v is null ? null : XlsxPackage.Unescape(v));
                    break;
                case "str":
                    cell.Value = v is null ? null : XlsxPackage.Unescape(v);
                    break;
                case "b":
                    if (v is not null) cell.Value = v.Trim() is "1" or "true";
                    break;
                case "e":
                    cell.Error = v ?? "#ERROR";
                    break;
                case "d":
                    if (v is not null && DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTime iso)) cell.Value = iso;
                    else if (v is not null) cell.Value = v;
                    break;
                default:
                    if (string.IsNullOrWhiteSpace(v)) break;
                    if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) { cell.Value = v; break; }
                    if (style >= 0 && style < dates.Length && dates[style] && d > -657435 && d < 2958466)
                    {
                        cell.Value = DateTime.FromOADate(date1904 ? d + 1462 : d);
                    }
                    else cell.Value = d;
                    break;
            }
            if (hasFormula && v is null && cell.Value is null && cell.Error is null) cell.Uncalculated = true;
        }

        private void AddMerge(string? reference)
        {
            if (reference is null) return;
            int colon = reference.IndexOf(':');
            if (colon < 0) return;
            if (!ParseRef(reference.AsSpan(0, colon), out long top, out int left) || !ParseRef(reference.AsSpan(colon + 1), out long bottom, out int right)) return;
            if (bottom < top || right < left || (bottom == top && right == left)) return;
            Merges.Add(new XlsxMerge(top, left, bottom, right));
        }

        /// <summary>The 0-based column of a cell reference ("AB12" → 27), or <paramref name="fallback"/> when it has none.</summary>
        internal static int ColumnOf(string? reference, int fallback)
        {
            if (reference is null || !ParseRef(reference.AsSpan(), out _, out int col)) return fallback;
            return col;
        }

        internal static bool ParseRef(ReadOnlySpan<char> reference, out long row, out int column)
        {
            row = 0;
            column = 0;
            int i = 0;
            int col = 0;
            while (i < reference.Length && char.IsAsciiLetter(reference[i])) { col = col * 26 + (char.ToUpperInvariant(reference[i]) - 'A' + 1); i++; }
            if (i == 0 || col > 16384) return false;
            column = col - 1;
            if (i == reference.Length) return true; // a column alone
            return long.TryParse(reference.Slice(i), NumberStyles.None, CultureInfo.InvariantCulture, out row);
        }

        /// <summary>Column letters of a 0-based column (0 → A, 27 → AB).</summary>
        internal static string ColumnLetters(int column)
        {
            Span<char> buffer = stackalloc char[4];
            int at = buffer.Length;
            int n = column + 1;
            while (n > 0) { n--; buffer[--at] = (char)('A' + n % 26); n /= 26; }
            return new string(buffer.Slice(at));
        }

        internal static string CellRef(long row, int column) => ColumnLetters(column) + row.ToString(CultureInfo.InvariantCulture);
    }
}
