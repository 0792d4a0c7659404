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
    /// Writes a workbook as SpreadsheetML, streaming one sheet at a time into the zip: text as inline strings
    /// (xml:space="preserve", so a tab or spaces alone stay; a CR as a character reference, so it stays a CR;
    /// characters XML cannot hold and text that looks like an escape as _xHHHH_), an empty string as a cell with
    /// empty text and null as no cell at all, numbers, booleans, and dates as serial numbers with a date or
    /// date-time format. Sheet names are checked against Excel's rules.
    /// </summary>
    internal sealed class XlsxWriter : IDisposable
    {
        private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        private const string RelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        private const string PackageRels = "http://schemas.openxmlformats.org/package/2006/relationships";
        private const int DateStyle = 1;
        private const int DateTimeStyle = 2;

        private readonly ZipArchive _zip;
        private readonly List<string> _sheets = new();

        public XlsxWriter(Stream output)
        {
            _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        }

        /// <summary>Checks a sheet name against Excel's rules (1-31 characters, none of : \ / ? * [ ], not starting or ending with an apostrophe).</summary>
        public static string? SheetNameProblem(string name)
        {
            if (string.IsNullOrWhiteSpace(name)) return "it is empty";
            if (name.Length > 31) return "it is longer than 31 characters";
            if (name.IndexOfAny(new[] { ':', '\\', '/', '?', '*', '[', ']' }) >= 0) return "it holds one of : \\ / ? * [ ]";
            if (name[0] == '\'' || name[^1] == '\'') return "it starts or ends with an apostrophe";
            if (string.Equals(name, "History", StringComparison.OrdinalIgnoreCase)) return "Excel reserves the name History";
            return null;
        }

        /// <summary>Writes one sheet: its rows, each a value array (null = no cell).</summary>
        public void WriteSheet(string name, IEnumerable<object?[]> rows)
        {
            _sheets.Add(name);
            var entry = _zip.CreateEntry("xl/worksheets/sheet" + _sheets.Count.ToString(CultureInfo.InvariantCulture) + ".xml", CompressionLevel.Fastest);
            using var stream = entry.Open();
            using var w = XmlWriter.Create(stream, Settings());
            w.WriteStartDocument(true);
            w.WriteStartElement("worksheet", Main);
            w.WriteAttributeString("xmlns", "r", null, RelNs);
            w.WriteStartElement("sheetData", Main);
            long row = 0;
            var text = new StringBuilder();
            foreach (var values in rows)
            {
                row++;
                string rowText = row.ToString(CultureInfo.InvariantCulture);
                w.WriteStartElement("row", Main);
                w.WriteAttributeString("r", rowText);
                for (int c = 0; c < values.Length; c++)
                {
                    object? v = values[c];
                    if (v is null) continue;
                    w.WriteStartElement("c", Main);
                    w.WriteAttributeString("r", XlsxSheetStream.ColumnLetters(c) + rowText);
                    WriteValue(w, v, text);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement(); // sheetData
            w.WriteEndElement(); // worksheet
            w.WriteEndDocument();
        }

        private static XmlWriterSettings Settings() => new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            NewLineHandling = NewLineHandling.Entitize, // a CR in text is written as &#xD; and read back as a CR
            CheckCharacters = true,
            CloseOutput = false,
        };

        private static void WriteValue(XmlWriter w, object v, StringBuilder text)
        {
            switch (v)
            {
                case string s:
                    w.WriteAttributeString("t", "inlineStr");
                    w.WriteStartElement("is", Main);
                    w.WriteStartElement("t", Main);
                    w.WriteAttributeString("xml", "space", null, "preserve");
                    w.WriteString(Escape(s, text));
                    w.WriteEndElement();
                    w.WriteEndElement();
                    break;
                case bool b:
                    w.WriteAttributeString("t", "b");
                    w.WriteElementString("v", Main, b ? "1" : "0");
                    break;
                case long l:
                    w.WriteElementString("v", Main, l.ToString(CultureInfo.InvariantCulture));
                    break;
                case decimal m:
                    w.WriteElementString("v", Main, m.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    w.WriteElementString("v", Main, d.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case DateTime dt:
                    w.WriteAttributeString("s", (dt.TimeOfDay == TimeSpan.Zero ? DateStyle : DateTimeStyle).ToString(CultureInfo.InvariantCulture));
                    w.WriteElementString("v", Main, dt.ToOADate().ToString("R", CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new ArgumentException("The value of type " + v.GetType().Name + " is not a cell value.", nameof(v));
            }
        }

        /// <summary>
        /// Text as SpreadsheetML holds it: characters XML 1.0 cannot carry (control characters but tab, LF and CR;
        /// U+FFFE, U+FFFF; unpaired surrogates) become _xHHHH_, and an underscore that starts such a pattern becomes
        /// _x005F_ so the reader does not unescape text that only looked like an escape.
        /// </summary>
        internal static string Escape(string s, StringBuilder sb)
        {
            int i = 0;
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (NeedsEscape(s, i) || (c == '_' && LooksEscaped(s, i))) break;
            }
            if (i == s.Length) return s;
            sb.Clear();
            sb.Append(s, 0, i);
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (NeedsEscape(s, i) || (c == '_' && LooksEscaped(s, i)))
                {
                    sb.Append("_x").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append('_');
                }
                else sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool NeedsEscape(string s, int i)
        {
            char c = s[i];
            if (c < 0x20) return c != '\t' && c != '\n' && c != '\r';
            if (c == '\uFFFE' || c == '\uFFFF') return true;
            if (char.IsHighSurrogate(c)) return i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]);
            if (char.IsLowSurrogate(c)) return i == 0 || !char.IsHighSurrogate(s[i - 1]);
            return false;
        }

        private static bool LooksEscaped(string s, int i)
        {
            if (i + 7 > s.Length || s[i + 1] != 'x' || s[i + 6] != '_') return false;
            for (int k = i + 2; k < i + 6; k++) if (!Uri.IsHexDigit(s[k])) return false;
            return true;
        }

        /// <summary>Writes the workbook, its relationships, styles and content types; call once, after the last sheet.</summary>
        public void Finish()
        {
            Part("[Content_Types].xml", w =>
            {
                const string ns = "http://schemas.openxmlformats.org/package/2006/content-types";
                w.WriteStartElement("Types", ns);
                Default(w, ns, "rels", "application/vnd.openxmlformats-package.relationships+xml");
                Default(w, ns, "xml", "application/xml");
                Override(w, ns, "/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml");
                Override(w, ns, "/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml");
                for (int i = 1; i <= _sheets.Count; i++)
                {
                    Override(w, ns, "/xl/worksheets/sheet" + i.ToString(CultureInfo.InvariantCulture) + ".xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml");
                }
                w.WriteEndElement();
            });
            Part("_rels/.rels", w =>
            {
                w.WriteStartElement("Relationships", PackageRels);
                Relationship(w, "rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument", "xl/workbook.xml");
                w.WriteEndElement();
            });
            Part("xl/workbook.xml", w =>
            {
                w.WriteStartElement("workbook", Main);
                w.WriteAttributeString("xmlns", "r", null, RelNs);
                w.WriteStartElement("sheets", Main);
                for (int i = 0; i < _sheets.Count; i++)
                {
                    string n = (i + 1).ToString(CultureInfo.InvariantCulture);
                    w.WriteStartElement("sheet", Main);
                    w.WriteAttributeString("name", _sheets[i]);
                    w.WriteAttributeString("sheetId", n);
                    w.WriteAttributeString("id", RelNs, "rId" + n);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
                w.WriteEndElement();
            });
            Part("xl/_rels/workbook.xml.rels", w =>
            {
                w.WriteStartElement("Relationships", PackageRels);
                for (int i = 1; i <= _sheets.Count; i++)
                {
                    string n = i.ToString(CultureInfo.InvariantCulture);
                    Relationship(w, "rId" + n, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet", "worksheets/sheet" + n + ".xml");
                }
                Relationship(w, "rIdStyles", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles", "styles.xml");
                w.WriteEndElement();
            });
            Part("xl/styles.xml", w =>
            {
                w.WriteStartElement("styleSheet", Main);
                w.WriteStartElement("numFmts", Main);
                w.WriteAttributeString("count", "1");
                w.WriteStartElement("numFmt", Main);
                w.WriteAttributeString("numFmtId", "164");
                w.WriteAttributeString("formatCode", "yyyy-mm-dd hh:mm:ss");
                w.WriteEndElement();
                w.WriteEndElement();
                Simple(w, "fonts", "font", inner: x => { x.WriteStartElement("sz", Main); x.WriteAttributeString("val", "11"); x.WriteEndElement(); x.WriteStartElement("name", Main); x.WriteAttributeString("val", "Calibri"); x.WriteEndElement(); });
                w.WriteStartElement("fills", Main);
                w.WriteAttributeString("count", "2");
                foreach (var pattern in new[] { "none", "gray125" })
                {
                    w.WriteStartElement("fill", Main);
                    w.WriteStartElement("patternFill", Main);
                    w.WriteAttributeString("patternType", pattern);
                    w.WriteEndElement();
                    w.WriteEndElement();
                }
                w.WriteEndElement();
                Simple(w, "borders", "border", inner: null);
                w.WriteStartElement("cellStyleXfs", Main);
                w.WriteAttributeString("count", "1");
                Xf(w, "0", applyNumberFormat: false);
                w.WriteEndElement();
                w.WriteStartElement("cellXfs", Main);
                w.WriteAttributeString("count", "3");
                Xf(w, "0", applyNumberFormat: false);
                Xf(w, "14", applyNumberFormat: true);  // DateStyle: the locale's short date
                Xf(w, "164", applyNumberFormat: true); // DateTimeStyle
                w.WriteEndElement();
                w.WriteEndElement();
            });
        }

        private static void Simple(XmlWriter w, string list, string item, Action<XmlWriter>? inner)
        {
            w.WriteStartElement(list, Main);
            w.WriteAttributeString("count", "1");
            w.WriteStartElement(item, Main);
            inner?.Invoke(w);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        private static void Xf(XmlWriter w, string numFmtId, bool applyNumberFormat)
        {
            w.WriteStartElement("xf", Main);
            w.WriteAttributeString("numFmtId", numFmtId);
            w.WriteAttributeString("fontId", "0");
            w.WriteAttributeString("fillId", "0");
            w.WriteAttributeString("borderId", "0");
            if (applyNumberFormat) w.WriteAttributeString("applyNumberFormat", "1");
            w.WriteEndElement();
        }

        private static void Default(XmlWriter w, string ns, string ext, string type)
        {
            w.WriteStartElement("Default", ns);
            w.WriteAttributeString("Extension", ext);
            w.WriteAttributeString("ContentType", type);
            w.WriteEndElement();
        }

        private static void Override(XmlWriter w, string ns, string part, string type)
        {
            w.WriteStartElement("Override", ns);
            w.WriteAttributeString("PartName", part);
            w.WriteAttributeString("ContentType", type);
            w.WriteEndElement();
        }

        private static void Relationship(XmlWriter w, string id, string type, string target)
        {
            w.WriteStartElement("Relationship", PackageRels);
            w.WriteAttributeString("Id", id);
            w.WriteAttributeString("Type", type);
            w.WriteAttributeString("Target", target);
            w.WriteEndElement();
        }

        private void Part(string name, Action<XmlWriter> body)
        {
            var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
            using var stream = entry.Open();
            using var w = XmlWriter.Create(stream, Settings());
            w.WriteStartDocument(true);
            body(w);
            w.WriteEndDocument();
        }

        public void Dispose() => _zip.Dispose();
    }
}
