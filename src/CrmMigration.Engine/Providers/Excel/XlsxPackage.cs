using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace CrmMigration.Engine.Providers.Excel
{
    /// <summary>
    /// An .xlsx workbook opened for reading (SpreadsheetML, transitional or strict): its sheets and their parts,
    /// shared strings, the number formats that make a number a date, and the date system (1900 or 1904). Every
    /// way a file can fail to be a workbook becomes a CrmException with a stable id and the file's name:
    /// ExcelFileNotWorkbook (not a zip package: an old .xls, an encrypted workbook, a CSV or HTML file renamed)
    /// and ExcelWorkbookInvalid (a zip whose workbook parts are missing or not well-formed XML).
    /// </summary>
    internal sealed class XlsxPackage : IDisposable
    {
        private readonly ZipArchive _zip;
        private readonly Dictionary<string, string> _sheetParts = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _sheetNames = new();
        private string? _sharedStringsPart;
        private string? _stylesPart;
        private List<string>? _sharedStrings;
        private bool[]? _dateStyles;

        private XlsxPackage(string path, ZipArchive zip)
        {
            Path = path;
            _zip = zip;
        }

        /// <summary>The workbook file.</summary>
        public string Path { get; }

        /// <summary>Sheet names in workbook order.</summary>
        public IReadOnlyList<string> SheetNames => _sheetNames;

        /// <summary>True when the workbook counts dates from 1904 (old Mac Excel).</summary>
        public bool Date1904 { get; private set; }

        /// <summary>Opens a workbook and reads its sheet list; throws CrmException ExcelFileNotWorkbook / ExcelWorkbookInvalid.</summary>
        public static XlsxPackage Open(string path)
        {
            FileStream fs;
            try
            {
                fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CrmException(new CrmDataError("ExcelFileUnreadable", CrmErrorKind.NotFound, $"The workbook cannot be opened: {e.Message}") { File = path }, e);
            }
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
            {
                string what = Sniff(fs);
                fs.Dispose();
                throw new CrmException(new CrmDataError("ExcelFileNotWorkbook", CrmErrorKind.InvalidData,
                    $"The file is not an Excel workbook (.xlsx): it is not a zip package{what}. Save it from Excel as 'Excel Workbook (*.xlsx)', or read it with the provider that fits.") { File = path }, e);
            }
            var package = new XlsxPackage(path, zip);
            try
            {
                package.ReadWorkbook();
                return package;
            }
            catch
            {
                package.Dispose();
                throw;
            }
        }

        /// <summary>What the bytes of a file that is not a zip look like, for the message.</summary>
        private static string Sniff(FileStream fs)
        {
            try
            {
                fs.Position = 0;
                var head = new byte[8];
                int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
                if (n == 0) return " (it is empty)";
                if (n >= 4 && head[0] == 0xD0 && head[1] == 0xCF && head[2] == 0x11 && head[3] == 0xE0)
                    return " but an OLE compound file: an Excel 97-2003 workbook (.xls) or a password-protected .xlsx; save it unprotected as .xlsx";
                string text = Encoding.ASCII.GetString(head, 0, n).TrimStart('\uFEFF', ' ', '\r', '\n', '\t');
                if (text.StartsWith('<')) return " but markup (an HTML or XML 'Excel' export)";
                return " (its first bytes are not those of a zip file: perhaps a CSV or text file named .xlsx)";
            }
            catch (IOException)
            {
                return "";
            }
        }

        private CrmException Invalid(string message, Exception? inner = null) =>
            new CrmException(new CrmDataError("ExcelWorkbookInvalid", CrmErrorKind.InvalidData, message + " The workbook is damaged or was not written as SpreadsheetML; open and save it in Excel or LibreOffice.") { File = Path }, inner);

        /// <summary>An XML part as a reader (whitespace kept: a cell holding a tab or spaces is data).</summary>
        internal XmlReader OpenPart(string part)
        {
            var entry = Find(part) ?? throw Invalid($"The part '{part}' the workbook refers to is missing.");
            Stream stream;
            try { stream = entry.Open(); }
            catch (InvalidDataException e) { throw Invalid($"The part '{part}' cannot be decompressed ({e.Message}).", e); }
            return XmlReader.Create(stream, new XmlReaderSettings
            {
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
                IgnoreWhitespace = false,
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                CloseInput = true,
            });
        }

        /// <summary>Runs a reading step over a part, turning XML and zip damage into ExcelWorkbookInvalid.</summary>
        internal T Guard<T>(string part, Func<T> read)
        {
            try { return read(); }
            catch (Exception e) when (e is XmlException or InvalidDataException) { throw Damaged(part, e); }
        }

        /// <summary>ExcelWorkbookInvalid for a part that is not well-formed XML or cannot be decompressed.</summary>
        internal CrmException Damaged(string part, Exception e) => e is XmlException x
            ? Invalid($"The part '{part}' is not well-formed XML (line {x.LineNumber}, position {x.LinePosition}: {x.Message}).", x)
            : Invalid($"The part '{part}' cannot be decompressed ({e.Message}).", e);

        private ZipArchiveEntry? Find(string part)
        {
            string name = part.TrimStart('/');
            var entry = _zip.GetEntry(name);
            if (entry is not null) return entry;
            foreach (var e in _zip.Entries) if (string.Equals(e.FullName, name, StringComparison.OrdinalIgnoreCase)) return e;
            return null;
        }

        private void ReadWorkbook()
        {
            string workbook = "xl/workbook.xml";
            if (Find("_rels/.rels") is not null)
            {
                foreach (var (type, target) in Relationships("_rels/.rels", ""))
                {
                    if (type.EndsWith("/officeDocument", StringComparison.Ordinal)) { workbook = target; break; }
                }
            }
            if (Find(workbook) is null) throw Invalid("The zip package has no workbook part (xl/workbook.xml): it is not an Excel workbook.");
            string folder = workbook.Contains('/', StringComparison.Ordinal) ? workbook.Substring(0, workbook.LastIndexOf('/') + 1) : "";
            string rels = folder + "_rels/" + workbook.Substring(folder.Length) + ".rels";
            var byId = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Find(rels) is not null)
            {
                foreach (var (id, type, target) in RelationshipsWithIds(rels, folder))
                {
                    byId[id] = target;
                    if (type.EndsWith("/sharedStrings", StringComparison.Ordinal)) _sharedStringsPart = target;
                    else if (type.EndsWith("/styles", StringComparison.Ordinal)) _stylesPart = target;
                }
            }
            _sharedStringsPart ??= Find(folder + "sharedStrings.xml") is null ? null : folder + "sharedStrings.xml";
            _stylesPart ??= Find(folder + "styles.xml") is null ? null : folder + "styles.xml";
            Guard(workbook, () =>
            {
                using var r = OpenPart(workbook);
                while (r.Read())
                {
                    if (r.NodeType != XmlNodeType.Element) continue;
                    if (r.LocalName == "workbookPr")
                    {
                        string? d = r.GetAttribute("date1904");
                        Date1904 = d is "1" or "true";
                    }
                    else if (r.LocalName == "sheet")
                    {
                        string name = r.GetAttribute("name") ?? throw Invalid("A sheet in the workbook has no name.");
                        string? id = null;
                        for (int i = 0; i < r.AttributeCount; i++)
                        {
                            r.MoveToAttribute(i);
                            if (r.LocalName == "id" && r.NamespaceURI.EndsWith("/relationships", StringComparison.Ordinal)) id = r.Value;
                        }
                        r.MoveToElement();
                        string? target = id is not null && byId.TryGetValue(id, out var t) ? t : null;
                        if (target is null) throw Invalid($"The sheet '{name}' has no part (relationship '{id}' is missing).");
                        if (_sheetParts.ContainsKey(name)) continue;
                        _sheetParts[name] = target;
                        _sheetNames.Add(name);
                    }
                }
                return 0;
            });
        }

        private IEnumerable<(string Type, string Target)> Relationships(string part, string folder)
        {
            foreach (var (_, type, target) in RelationshipsWithIds(part, folder)) yield return (type, target);
        }

        private List<(string Id, string Type, string Target)> RelationshipsWithIds(string part, string folder)
        {
            return Guard(part, () =>
            {
                var list = new List<(string, string, string)>();
                using var r = OpenPart(part);
                while (r.Read())
                {
                    if (r.NodeType != XmlNodeType.Element || r.LocalName != "Relationship") continue;
                    if (string.Equals(r.GetAttribute("TargetMode"), "External", StringComparison.OrdinalIgnoreCase)) continue;
                    string id = r.GetAttribute("Id") ?? "";
                    string type = r.GetAttribute("Type") ?? "";
                    string target = r.GetAttribute("Target") ?? "";
                    list.Add((id, type, Resolve(folder, target)));
                }
                return list;
            });
        }

        /// <summary>A relationship target as a part name: absolute ("/xl/x.xml") or relative to the source part's folder, with ".." resolved.</summary>
        private static string Resolve(string folder, string target)
        {
            string combined = target.StartsWith('/') ? target.Substring(1) : folder + target;
            var parts = new List<string>();
            foreach (var p in combined.Split('/'))
            {
                if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
                else if (p.Length > 0 && p != ".") parts.Add(p);
            }
            return string.Join("/", parts);
        }

        /// <summary>The part of a sheet.</summary>
        public string SheetPart(string sheet) => _sheetParts.TryGetValue(sheet, out var part) ? part : throw Invalid($"There is no sheet '{sheet}'.");

        /// <summary>The shared string table (loaded once).</summary>
        public List<string> SharedStrings
        {
            get
            {
                if (_sharedStrings is not null) return _sharedStrings;
                var list = new List<string>();
                if (_sharedStringsPart is not null)
                {
                    string part = _sharedStringsPart;
                    Guard(part, () =>
                    {
                        using var r = OpenPart(part);
                        while (r.Read())
                        {
                            if (r.NodeType == XmlNodeType.Element && r.LocalName == "si") list.Add(ReadRichText(r));
                        }
                        return 0;
                    });
                }
                return _sharedStrings = list;
            }
        }

        /// <summary>Which cell styles (xf index) show a number as a date or time.</summary>
        public bool[] DateStyles
        {
            get
            {
                if (_dateStyles is not null) return _dateStyles;
                var custom = new Dictionary<int, string>();
                var styles = new List<bool>();
                if (_stylesPart is not null)
                {
                    string part = _stylesPart;
                    Guard(part, () =>
                    {
                        using var r = OpenPart(part);
                        bool inCellXfs = false;
                        while (r.Read())
                        {
                            if (r.NodeType == XmlNodeType.EndElement && r.LocalName == "cellXfs") inCellXfs = false;
                            if (r.NodeType != XmlNodeType.Element) continue;
                            switch (r.LocalName)
                            {
                                case "numFmt":
                                    if (int.TryParse(r.GetAttribute("numFmtId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int id)) custom[id] = r.GetAttribute("formatCode") ?? "";
                                    break;
                                case "cellXfs":
                                    inCellXfs = !r.IsEmptyElement;
                                    break;
                                case "xf" when inCellXfs:
                                    int.TryParse(r.GetAttribute("numFmtId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int fmt);
                                    styles.Add(IsDateFormat(fmt, custom.TryGetValue(fmt, out var code) ? code : null));
                                    break;
                            }
                        }
                        return 0;
                    });
                }
                return _dateStyles = styles.ToArray();
            }
        }

        /// <summary>Built-in date/time number formats (ECMA-376 18.8.30, with the East Asian ones) or a custom code with date or time parts outside quotes and brackets.</summary>
        internal static bool IsDateFormat(int id, string? code)
        {
            if (id is >= 14 and <= 22 or >= 27 and <= 36 or >= 45 and <= 47 or >= 50 and <= 58) return code is null || CodeIsDate(code);
            return code is not null && CodeIsDate(code);
        }

        private static bool CodeIsDate(string code)
        {
            bool quoted = false, bracket = false;
            for (int i = 0; i < code.Length; i++)
            {
                char c = code[i];
                if (quoted) { if (c == '"') quoted = false; continue; }
                if (bracket)
                {
                    if (c == ']') bracket = false;
                    continue;
                }
                switch (c)
                {
                    case '"': quoted = true; break;
                    case '[':
                        // [h], [mm], [ss] are elapsed times (dates for our purpose); [Red], [$-409] are not.
                        if (i + 1 < code.Length && "hHmMsS".IndexOf(code[i + 1]) >= 0) return true;
                        bracket = true;
                        break;
                    case '\\': case '_': case '*': i++; break;
                    case 'd': case 'D': case 'm': case 'M': case 'y': case 'Y': case 'h': case 'H': case 's': case 'S': case 'e': case 'g': case 'G': case 'b': case 'B':
                        return true;
                    case '@': return false;
                }
            }
            return false;
        }

        /// <summary>The text of an si / is element: its t, or the t of each run (r); phonetic runs (rPh) are left out. The reader ends on the element's end.</summary>
        internal static string ReadRichText(XmlReader r)
        {
            if (r.IsEmptyElement) return "";
            string? single = null;
            StringBuilder? sb = null;
            using (var sub = r.ReadSubtree())
            {
                sub.Read(); // the si / is element
                bool more = sub.Read();
                while (more)
                {
                    if (sub.NodeType == XmlNodeType.Element && sub.LocalName is "rPh" or "phoneticPr" or "rPr")
                    {
                        sub.Skip();
                        more = !sub.EOF;
                        continue;
                    }
                    if (sub.NodeType == XmlNodeType.Element && sub.LocalName == "t")
                    {
                        string text = sub.IsEmptyElement ? "" : sub.ReadElementContentAsString();
                        if (sub.IsEmptyElement && sub.NodeType == XmlNodeType.Element) sub.Read();
                        if (single is null && sb is null) single = text;
                        else (sb ??= new StringBuilder(single)).Append(text);
                        more = !sub.EOF;
                        continue;
                    }
                    more = sub.Read();
                }
            }
            return Unescape(sb?.ToString() ?? single ?? "");
        }

        /// <summary>Undoes the _xHHHH_ escapes of SpreadsheetML strings (ST_Xstring): _x000D_ is a CR, _x005F_ an underscore.</summary>
        internal static string Unescape(string s)
        {
            int at = s.IndexOf("_x", StringComparison.Ordinal);
            if (at < 0) return s;
            var sb = new StringBuilder(s.Length);
            int i = 0;
            while (at >= 0)
            {
                if (at + 7 <= s.Length && s[at + 6] == '_' && IsHex(s, at + 2, 4))
                {
                    sb.Append(s, i, at - i);
                    sb.Append((char)int.Parse(s.AsSpan(at + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i = at + 7;
                    at = s.IndexOf("_x", i, StringComparison.Ordinal);
                }
                else
                {
                    at = s.IndexOf("_x", at + 1, StringComparison.Ordinal);
                }
            }
            sb.Append(s, i, s.Length - i);
            return sb.ToString();
        }

        private static bool IsHex(string s, int start, int count)
        {
            for (int i = start; i < start + count; i++) if (!Uri.IsHexDigit(s[i])) return false;
            return true;
        }

        public void Dispose() => _zip.Dispose();
    }
}
