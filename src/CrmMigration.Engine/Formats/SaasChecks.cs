using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// The file-set checker: what each vendor's loader would refuse or load wrongly, found before anyone uploads the files.
    /// CSV files are checked byte by byte (encoding, one line ending, quoting, field counts, formula escaping), then by
    /// meaning (keys present and unique, references that resolve inside the set, value formats of typed fields, record
    /// counts against the sidecar).
    /// </summary>
    internal static class SaasChecks
    {
        private static readonly Regex SfDate = new(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant);
        private static readonly Regex SfDateTime = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant);
        private static readonly Regex CmtDateTime = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$", RegexOptions.CultureInvariant);
        private static readonly Regex Number = new(@"^-?\d+(\.\d+)?$", RegexOptions.CultureInvariant);

        /// <summary>One CSV file scanned: header and rows (line, fields).</summary>
        internal sealed class CsvScan
        {
            public string[] Header { get; set; } = Array.Empty<string>();
            public List<(long Line, string[] Fields)> Rows { get; } = new();
        }

        /// <summary>Scans a CSV file exactly as written, adding findings for anything not RFC 4180 as a loader wants it.</summary>
        internal static CsvScan? ScanCsv(string path, string display, string? lineEnding, long maxBytes, List<CrmFileFinding> findings)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var scan = new CsvScan();
            void Add(CrmFindingSeverity s, string code, long line, string message) => findings.Add(new CrmFileFinding(s, code, display, message) { Line = line });
            if (bytes.LongLength > maxBytes) Add(CrmFindingSeverity.Error, "FileTooLarge", 0, $"The file has {bytes.LongLength} bytes; the loader takes at most {maxBytes}. Split it (the writer splits before the limit).");
            int start = 0;
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                Add(CrmFindingSeverity.Warning, "CsvByteOrderMark", 1, "The file starts with a UTF-8 byte order mark, which some loaders take as part of the first column's name.");
                start = 3;
            }
            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
            }
            catch (DecoderFallbackException)
            {
                Add(CrmFindingSeverity.Error, "CsvEncodingInvalid", 0, "The file is not valid UTF-8; the loader reads UTF-8.");
                return null;
            }
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false, inQuotes = false, afterQuote = false;
            long line = 1, recordLine = 1;
            string? seenEnding = null;
            bool mixedReported = false, spaceReported = false, quoteReported = false;
            bool first = true;
            void EndRecord()
            {
                fields.Add(field.ToString());
                field.Clear();
                if (first) { scan.Header = fields.ToArray(); first = false; }
                else if (!(fields.Count == 1 && fields[0].Length == 0)) scan.Rows.Add((recordLine, fields.ToArray()));
                fields.Clear();
                quoted = afterQuote = false;
            }
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                        else { inQuotes = false; afterQuote = true; }
                    }
                    else
                    {
                        if (c == '\n') line++;
                        field.Append(c);
                    }
                    continue;
                }
                if (c == ',' || c == '\r' || c == '\n')
                {
                    if (c == ',') { fields.Add(field.ToString()); field.Clear(); quoted = afterQuote = false; continue; }
                    string ending = c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : c.ToString();
                    if (ending.Length == 2) i++;
                    seenEnding ??= ending;
                    if (!mixedReported && (!string.Equals(ending, seenEnding, StringComparison.Ordinal) || (lineEnding is not null && !string.Equals(ending, lineEnding, StringComparison.Ordinal))))
                    {
                        Add(CrmFindingSeverity.Error, "CsvLineEndings", line, lineEnding is null ? "Records end with different line endings; use one throughout."
                            : $"Records must end with {(lineEnding == "\n" ? "LF" : "CRLF")} throughout (the loader is told one line ending).");
                        mixedReported = true;
                    }
                    EndRecord();
                    line++;
                    recordLine = line;
                    continue;
                }
                if (c == '"')
                {
                    if (field.Length == 0 && !quoted) { inQuotes = true; quoted = true; continue; }
                    if (field.Length > 0 && field.ToString().Trim().Length == 0 && !quoted)
                    {
                        if (!spaceReported) Add(CrmFindingSeverity.Error, "CsvSpaceNextToQuote", line, "A space comes before a quoted value; the loader reads the quotes as part of the value.");
                        spaceReported = true;
                        continue;
                    }
                    if (!quoteReported) Add(CrmFindingSeverity.Error, "CsvQuoteInUnquotedField", line, "A quote inside an unquoted value; quote the value and double the quote.");
                    quoteReported = true;
                    field.Append(c);
                    continue;
                }
                if (afterQuote)
                {
                    if (!spaceReported) Add(CrmFindingSeverity.Error, "CsvSpaceNextToQuote", line, "Characters follow a closing quote before the separator.");
                    spaceReported = true;
                }
                field.Append(c);
            }
            if (inQuotes) Add(CrmFindingSeverity.Error, "CsvUnclosedQuote", recordLine, "A quoted value is never closed.");
            if (field.Length > 0 || fields.Count > 0) EndRecord();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in scan.Header)
            {
                if (h.Length == 0 || !names.Add(h)) Add(CrmFindingSeverity.Error, "CsvHeaderInvalid", 1, $"The header has an empty or repeated column name ('{h}').");
            }
            int formula = 0;
            foreach (var (l, row) in scan.Rows)
            {
                if (row.Length != scan.Header.Length)
                {
                    Add(CrmFindingSeverity.Error, "CsvRaggedRow", l, $"The record has {row.Length} fields; the header has {scan.Header.Length}.");
                }
                foreach (var v in row)
                {
                    if (v.Length > 1 && v[0] == '\'' && v[1] is '=' or '+' or '-' or '@' && formula++ == 0)
                    {
                        Add(CrmFindingSeverity.Warning, "CsvFormulaEscaped", l, $"'{v}' looks formula-escaped for a spreadsheet; the loader keeps the apostrophe as part of the value.");
                    }
                }
            }
            return scan;
        }

        private static int Index(string[] header, string name)
        {
            for (int i = 0; i < header.Length; i++) if (string.Equals(header[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        private static string? Cell(string[] row, int index) => index >= 0 && index < row.Length && row[index].Length > 0 ? row[index] : null;

        /// <summary>Salesforce Bulk API / Data Loader CSV files.</summary>
        public static IReadOnlyList<CrmFileFinding> Salesforce(SalesforceCsvProvider provider)
        {
            var findings = new List<CrmFileFinding>();
            var profile = provider.Profile;
            var sidecar = provider.LoadSidecar();
            var scans = new Dictionary<string, List<(string File, CsvScan Scan)>>(StringComparer.OrdinalIgnoreCase);
            var keys = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            if (!Directory.Exists(provider.Connection.Location))
            {
                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "FileSetNotFound", provider.Connection.Location, "The folder does not exist."));
                return findings;
            }
            var files = new List<string>(Directory.EnumerateFiles(provider.Connection.Location, "*.csv"));
            files.Sort(StringComparer.Ordinal);
            foreach (var path in files)
            {
                string name = Path.GetFileName(path);
                var scan = ScanCsv(path, name, "\n", SalesforceCsvProvider.DefaultMaxFileBytes, findings);
                if (scan is null) continue;
                var (obj, _) = SalesforceCsvProvider.Split(path);
                if (!scans.TryGetValue(obj, out var list)) scans[obj] = list = new();
                list.Add((name, scan));
            }
            // Keys first: references are checked against every object's keys.
            foreach (var (obj, list) in scans)
            {
                var entity = profile.ByObject(obj);
                var set = keys[obj] = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (file, scan) in list)
                {
                    int id = Index(scan.Header, "Id");
                    int key = entity?.KeyField is null ? -1 : Index(scan.Header, entity.KeyField);
                    int k = key >= 0 ? key : id;
                    if (k < 0)
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Warning, "SalesforceKeyColumnMissing", file, $"The file has neither {entity?.KeyField ?? profile.KeyField} nor Id: an upsert cannot match its records.") { Object = obj });
                        continue;
                    }
                    foreach (var (line, row) in scan.Rows)
                    {
                        string? v = Cell(row, k);
                        if (v is null || v == profile.NullText) { findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceKeyMissing", file, $"The record has no {scan.Header[k]}.") { Object = obj, Line = line, Field = scan.Header[k] }); continue; }
                        if (k == id) v = SalesforceId.To18(v);
                        if (!set.Add(v)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceDuplicateKey", file, $"{scan.Header[k]} '{v}' appears more than once; the upsert fails for every copy.") { Object = obj, Line = line, Field = scan.Header[k] });
                    }
                }
            }
            foreach (var (obj, list) in scans)
            {
                var entity = profile.ByObject(obj);
                long rows = 0;
                foreach (var (file, scan) in list)
                {
                    rows += scan.Rows.Count;
                    if (list.Count > 1 && !SameHeader(list[0].Scan.Header, scan.Header))
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceSplitHeaderDiffers", file, $"The parts of {obj} have different headers; each part is loaded as its own job with the same mapping.") { Object = obj });
                    }
                    if (entity is null) continue;
                    for (int c = 0; c < scan.Header.Length; c++)
                    {
                        string column = scan.Header[c];
                        var rel = SalesforceCsvProvider.MatchRelationship(profile, entity, column);
                        if (rel is not null)
                        {
                            string parentObject = profile.ByCanonical(rel.Reference!)?.Object ?? rel.Reference!;
                            if (!keys.TryGetValue(parentObject, out var parentKeys)) continue; // the parent is already in Salesforce, or loaded from elsewhere
                            foreach (var (line, row) in scan.Rows)
                            {
                                string? v = Cell(row, c);
                                if (v is null || v == profile.NullText || parentKeys.Contains(v)) continue;
                                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceReferenceUnresolved", file,
                                    $"{column} '{v}' names no {parentObject} record in {parentObject}.csv; the row fails to load unless that record is already in Salesforce.") { Object = obj, Line = line, Field = column });
                            }
                            continue;
                        }
                        FormatField? field = null;
                        foreach (var f in entity.Fields) if (f.Reference is null && string.Equals(f.Field, column, StringComparison.OrdinalIgnoreCase)) field = f;
                        if (field is null || field.HasValues) continue;
                        foreach (var (line, row) in scan.Rows)
                        {
                            string? v = Cell(row, c);
                            if (v is null || v == profile.NullText) continue;
                            string? problem = field.Type switch
                            {
                                CrmFieldType.Date when !SfDate.IsMatch(v) => "a date as yyyy-MM-dd",
                                CrmFieldType.DateTime or CrmFieldType.DateTimeOffset when !SfDateTime.IsMatch(v) => "a dateTime as yyyy-MM-ddTHH:mm:ss.SSSZ",
                                CrmFieldType.Boolean when v is not ("true" or "false") => "true or false",
                                CrmFieldType.Integer or CrmFieldType.Decimal or CrmFieldType.Double when !Number.IsMatch(v) => "a number with a point and no grouping",
                                _ => null,
                            };
                            if (problem is not null) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceValueFormat", file, $"{column} '{v}' is not {problem}.") { Object = obj, Line = line, Field = column });
                        }
                    }
                }
                CheckCount(sidecar, obj, rows, list[0].File, findings);
            }
            return findings;
        }

        private static bool SameHeader(string[] a, string[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (!string.Equals(a[i], b[i], StringComparison.Ordinal)) return false;
            return true;
        }

        private static void CheckCount(FormatSidecar? sidecar, string obj, long rows, string file, List<CrmFileFinding> findings)
        {
            var info = sidecar?.Get(obj);
            if (info is not null && info.Records != rows)
            {
                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "FileRecordCountMismatch", file,
                    $"{obj} holds {rows} records; {info.Records} were written. The files were changed or cut short after writing.") { Object = obj });
            }
        }

        /// <summary>An `sf data tree` plan and its files.</summary>
        public static IReadOnlyList<CrmFileFinding> SalesforceTree(SalesforceTreeProvider provider)
        {
            var findings = new List<CrmFileFinding>();
            string plan = Path.GetFileName(provider.Connection.Location);
            List<SalesforceTreeProvider.PlanEntry> entries;
            try
            {
                entries = provider.LoadPlan();
            }
            catch (CrmException ex)
            {
                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, ex.Error.Code, plan, ex.Error.Message));
                return findings;
            }
            if (entries.Count == 0) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforcePlanEmpty", plan, "The plan does not exist or lists no sObject."));
            var saved = new HashSet<string>(StringComparer.Ordinal);
            var sidecar = provider.LoadSidecar();
            var counts = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in entries)
            {
                var refsHere = new List<(string File, long Index, string Field, string Ref)>();
                var ids = new HashSet<string>(StringComparer.Ordinal);
                foreach (var file in e.Files)
                {
                    List<JsonObject> records;
                    try
                    {
                        records = provider.LoadRecords(file);
                    }
                    catch (CrmException ex)
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, ex.Error.Code, file, ex.Error.Message) { Object = e.SObject });
                        continue;
                    }
                    if (records.Count > SalesforceTreeProvider.MaxRecordsPerFile)
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeTooManyRecords", file, $"The file has {records.Count} records; the sObject Tree API takes at most 200 per file.") { Object = e.SObject });
                    }
                    counts[e.SObject] = (counts.TryGetValue(e.SObject, out long n) ? n : 0) + records.Count;
                    for (int i = 0; i < records.Count; i++)
                    {
                        var r = records[i];
                        string? type = (string?)r["attributes"]?["type"];
                        string? refId = (string?)r["attributes"]?["referenceId"];
                        if (!string.Equals(type, e.SObject, StringComparison.OrdinalIgnoreCase))
                        {
                            findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeTypeMismatch", file, $"Record {i + 1} has attributes.type '{type}', the plan entry says {e.SObject}.") { Object = e.SObject, Line = i + 1 });
                        }
                        if (string.IsNullOrEmpty(refId)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeReferenceIdMissing", file, $"Record {i + 1} has no attributes.referenceId.") { Object = e.SObject, Line = i + 1 });
                        else if (!ids.Add(refId) || saved.Contains(refId)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeDuplicateReferenceId", file, $"referenceId '{refId}' is used more than once.") { Object = e.SObject, Line = i + 1 });
                        foreach (var (name, value) in r)
                        {
                            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && ((string)v!).StartsWith('@')) refsHere.Add((file, i + 1, name, ((string)v!).Substring(1)));
                        }
                    }
                }
                foreach (var (file, index, field, reference) in refsHere)
                {
                    if (!e.ResolveRefs)
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeResolveRefsOff", file, $"{field} refers to @{reference} but the plan entry for {e.SObject} does not set resolveRefs.") { Object = e.SObject, Line = index, Field = field });
                        break;
                    }
                    if (!saved.Contains(reference))
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "SalesforceTreeReferenceUnresolved", file,
                            ids.Contains(reference) ? $"{field} refers to @{reference} in the same entry; a reference resolves only to records saved by an earlier entry."
                                                     : $"{field} refers to @{reference}, which no earlier entry with saveRefs saves.") { Object = e.SObject, Line = index, Field = field });
                    }
                }
                if (e.SaveRefs) saved.UnionWith(ids);
            }
            foreach (var (obj, n) in counts) CheckCount(sidecar, obj, n, plan, findings);
            return findings;
        }

        /// <summary>A Configuration Migration data zip or folder.</summary>
        public static IReadOnlyList<CrmFileFinding> Dynamics(DynamicsCmtProvider provider)
        {
            var findings = new List<CrmFileFinding>();
            string name = Path.GetFileName(provider.Connection.Location);
            foreach (var part in new[] { "data_schema.xml", "data.xml" })
            {
                using var s = provider.OpenPart(part);
                if (s is null) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsPartMissing", name, $"The package has no {part}."));
            }
            if (provider.Connection.Location.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                using var s = provider.OpenPart("[Content_Types].xml");
                if (s is null) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsPartMissing", name, "The zip has no [Content_Types].xml; the Configuration Migration tool refuses it."));
            }
            if (findings.Count > 0) return findings;
            List<CmtEntitySchema> schema;
            try
            {
                schema = provider.LoadSchema();
            }
            catch (CrmException ex)
            {
                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, ex.Error.Code, name, ex.Error.Message));
                return findings;
            }
            var byName = new Dictionary<string, CmtEntitySchema>(StringComparer.Ordinal);
            foreach (var s in schema)
            {
                byName[s.Name] = s;
                if (string.IsNullOrEmpty(s.PrimaryIdField)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsSchemaInvalid", "data_schema.xml", $"Entity {s.Name} has no primaryidfield.") { Object = s.Name });
            }
            var ids = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var lookups = new List<(string Entity, long Index, string Field, string Target, string Id)>();
            var sidecar = provider.LoadSidecar();
            try
            {
                foreach (var e in provider.DataEntities())
                {
                    string entity = (string?)e.Attribute("name") ?? "";
                    // Names are compared case-sensitively, as the tool does.
                    if (!byName.TryGetValue(entity, out var s))
                    {
                        findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsEntityNotInSchema", "data.xml", $"data.xml holds entity '{entity}', which data_schema.xml does not define (names are case-sensitive).") { Object = entity });
                        continue;
                    }
                    var types = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var f in s.Fields) types[f.Name] = f.Type;
                    var set = ids[entity] = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    long n = 0;
                    foreach (var r in e.Element("records")?.Elements("record") ?? Array.Empty<XElement>())
                    {
                        n++;
                        string? id = (string?)r.Attribute("id");
                        if (id is null || !Guid.TryParse(id, out _)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsRecordIdInvalid", "data.xml", $"Record {n} of {entity} has no GUID id ('{id}').") { Object = entity, Line = n });
                        else if (!set.Add(id)) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsDuplicateRecordId", "data.xml", $"Record id {id} appears twice in {entity}.") { Object = entity, Line = n });
                        foreach (var f in r.Elements("field"))
                        {
                            string field = (string?)f.Attribute("name") ?? "";
                            string value = (string?)f.Attribute("value") ?? "";
                            if (!types.TryGetValue(field, out var type))
                            {
                                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsFieldNotInSchema", "data.xml", $"{entity}.{field} is not in data_schema.xml (names are case-sensitive).") { Object = entity, Line = n, Field = field });
                                types[field] = "?";
                                continue;
                            }
                            string? problem = type switch
                            {
                                "datetime" when !CmtDateTime.IsMatch(value) => "an ISO date-time with seven fractional digits and Z",
                                "bool" when value is not ("True" or "False") => "True or False",
                                "number" or "bigint" or "optionsetvalue" or "state" or "status" when !Regex.IsMatch(value, @"^-?\d+$", RegexOptions.CultureInvariant) => "an integer",
                                "decimal" or "money" or "float" when !Number.IsMatch(value) => "an invariant number",
                                "guid" or "entityreference" or "owner" or "customer" when !Guid.TryParse(value, out _) => "a GUID",
                                _ => null,
                            };
                            if (problem is not null) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsValueFormat", "data.xml", $"{entity}.{field} '{value}' is not {problem}.") { Object = entity, Line = n, Field = field });
                            if (f.Attribute("lookupentity") is XAttribute le) lookups.Add((entity, n, field, le.Value, value));
                        }
                    }
                    CheckCount(sidecar, entity, n, name, findings);
                }
            }
            catch (System.Xml.XmlException ex)
            {
                findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "DynamicsDataInvalid", "data.xml", "data.xml is not XML: " + ex.Message));
            }
            foreach (var (entity, index, field, target, id) in lookups)
            {
                if (ids.TryGetValue(target, out var set) && set.Contains(id)) continue;
                findings.Add(new CrmFileFinding(ids.ContainsKey(target) ? CrmFindingSeverity.Error : CrmFindingSeverity.Warning, "DynamicsLookupUnresolved", "data.xml",
                    ids.ContainsKey(target) ? $"{entity}.{field} points at {target} {id}, which the package does not hold."
                                             : $"{entity}.{field} points at {target} {id}; the package holds no {target}, so the record must already be in the target environment.")
                { Object = entity, Line = index, Field = field });
            }
            return findings;
        }

        /// <summary>HubSpot import files.</summary>
        public static IReadOnlyList<CrmFileFinding> HubSpot(HubSpotProvider provider)
        {
            var findings = new List<CrmFileFinding>();
            var profile = provider.Profile;
            var sidecar = provider.LoadSidecar();
            var scans = new Dictionary<string, (string File, CsvScan Scan, FormatEntity Entity)>(StringComparer.OrdinalIgnoreCase);
            foreach (var entity in profile.Entities)
            {
                string path = provider.FileOf(entity);
                if (!File.Exists(path)) continue;
                string file = Path.GetFileName(path);
                var scan = ScanCsv(path, file, null, 512L * 1024 * 1024, findings);
                if (scan is null) continue;
                scans[entity.Object] = (file, scan, entity);
                if (scan.Rows.Count >= 1_048_576) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "HubSpotTooManyRows", file, "HubSpot imports at most 1,048,575 rows per file.") { Object = entity.Object });
                if (scan.Header.Length > 1000) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "HubSpotTooManyColumns", file, "HubSpot imports at most 1,000 columns.") { Object = entity.Object });
                CheckCount(sidecar, entity.Object, scan.Rows.Count, file, findings);
            }
            var keys = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (obj, (file, scan, entity)) in scans)
            {
                var set = keys[entity.Canonical] = new HashSet<string>(StringComparer.Ordinal);
                int key = entity.KeyField is null ? -1 : Index(scan.Header, entity.KeyField);
                if (key >= 0) foreach (var (_, row) in scan.Rows) if (Cell(row, key) is string k) set.Add(k);
                string[] required = obj switch
                {
                    "contacts" => new[] { "email", "firstname", "lastname" },
                    "companies" => new[] { "name", "domain" },
                    "deals" => new[] { "dealname" },
                    "tickets" => new[] { "subject" },
                    _ => Array.Empty<string>(),
                };
                foreach (var (line, row) in scan.Rows)
                {
                    bool any = required.Length == 0;
                    foreach (var r in required) if (Cell(row, Index(scan.Header, r)) is not null) any = true;
                    if (!any) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "HubSpotRequiredMissing", file, $"The row has none of {string.Join(", ", required)}; HubSpot cannot create the record.") { Object = obj, Line = line });
                }
                foreach (var (column, constant) in entity.Constants)
                {
                    if (Index(scan.Header, column) < 0) findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "HubSpotRequiredMissing", file, $"The file has no {column} column.") { Object = obj, Field = column });
                }
                string? dedupe = obj switch { "contacts" => "email", "companies" => "domain", _ => null };
                int d = dedupe is null ? -1 : Index(scan.Header, dedupe);
                if (d >= 0)
                {
                    var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (line, row) in scan.Rows)
                    {
                        string? v = Cell(row, d);
                        if (v is null) continue;
                        if (seen.TryGetValue(v.Trim(), out long firstLine))
                        {
                            findings.Add(new CrmFileFinding(obj == "contacts" ? CrmFindingSeverity.Error : CrmFindingSeverity.Warning, obj == "contacts" ? "HubSpotDuplicateEmail" : "HubSpotDuplicateDomain", file,
                                $"{dedupe} '{v}' also on line {firstLine}: HubSpot deduplicates by {dedupe} and merges the two rows into one record. Merge them first (Merge-CrmRecord) or clear one.") { Object = obj, Line = line, Field = dedupe });
                        }
                        else seen[v.Trim()] = line;
                    }
                }
            }
            foreach (var (obj, (file, scan, entity)) in scans)
            {
                foreach (var f in entity.Fields)
                {
                    if (f.Reference is null || !keys.TryGetValue(f.Reference, out var parentKeys)) continue;
                    int c = Index(scan.Header, f.Field);
                    if (c < 0) continue;
                    foreach (var (line, row) in scan.Rows)
                    {
                        string? v = Cell(row, c);
                        if (v is not null && !parentKeys.Contains(v))
                        {
                            findings.Add(new CrmFileFinding(CrmFindingSeverity.Error, "HubSpotAssociationUnresolved", file, $"{f.Field} '{v}' matches no row of the {f.Reference} file; HubSpot will not associate this record.") { Object = obj, Line = line, Field = f.Field });
                        }
                    }
                }
            }
            return findings;
        }
    }
}
