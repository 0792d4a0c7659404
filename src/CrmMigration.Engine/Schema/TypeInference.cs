using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Schema
{
    /// <summary>
    /// Types for a source that has none (a CSV file without a metadata sidecar), read from every value of the whole file
    /// before the target is created. Each field starts with no type; each non-empty value narrows what it can be, and
    /// two kinds of value widen it: Integer and Decimal make Decimal, Date and DateTime make DateTime, anything else
    /// mixed makes String. Only text the import converts back exactly counts as a number or date: no leading zeros
    /// (02134 stays text), no thousands separators or exponents, ISO dates (yyyy-MM-dd, with a time, with an offset).
    /// Booleans are true/false only (1/0 are integers). A field with no value at all is text. Inferred fields are
    /// nullable; text has no length (a later, longer value would not fit).
    /// </summary>
    internal sealed class TypeInference
    {
        private static readonly string[] DateTimeFormats =
        {
            "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm",
        };

        private sealed class Field
        {
            public CrmFieldType? Type;
            // True once the field is text: text widened with anything is text (CrmValues.Widen), so its other values
            // cannot change its type and are not classified (in a contacts file most fields are text from the first row).
            public bool Mixed;
            public int IntegerDigits;
            public int Scale;
            public long Values;
        }

        private readonly Dictionary<string, Field> _fields = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Records seen.</summary>
        public long Records { get; private set; }

        /// <summary>Takes every value of one record into account.</summary>
        public void Add(CrmRecord record)
        {
            Records++;
            for (int i = 0; i < record.FieldCount; i++)
            {
                string name = record.FieldNames[i];
                if (!_fields.TryGetValue(name, out var f)) _fields[name] = f = new Field();
                if (f.Mixed) continue;
                AddValue(f, record.GetValue(i));
            }
        }

        /// <summary>
        /// Takes every value of a batch of rows into account, exactly as <see cref="Add(CrmRecord)"/> takes each row's record
        /// (a field's values in row order; a field is only ever narrowed or widened by its own values): text cells are
        /// classified from their UTF-8 text, without a string or a record per row.
        /// </summary>
        public void Add(RowBatch batch) => Add(batch, batch.Count);

        /// <summary>Takes the first <paramref name="rows"/> rows of a batch into account (see <see cref="Add(RowBatch)"/>).</summary>
        public void Add(RowBatch batch, int rows)
        {
            Records += rows;
            var shape = batch.Shape;
            var columns = batch.Columns;
            Span<char> chars = stackalloc char[256];
            for (int c = 0; c < shape.Count; c++)
            {
                string name = shape.Names[c];
                if (!_fields.TryGetValue(name, out var f)) _fields[name] = f = new Field();
                var column = columns[c];
                for (int r = 0; r < rows && !f.Mixed; r++)
                {
                    if (column.KindAt(r) != CellKind.Text)
                    {
                        AddValue(f, column.GetValue(r));
                        continue;
                    }
                    var text = column.TextAt(r);
                    if (text.Length == 0) continue;
                    if (text.Length > chars.Length)
                    {
                        AddValue(f, Encoding.UTF8.GetString(text));
                        continue;
                    }
                    int n = Encoding.UTF8.GetChars(text, chars);
                    f.Values++;
                    Narrow(f, Classify(chars.Slice(0, n)));
                }
            }
        }

        /// <summary>
        /// Takes what another inference saw (of other rows of the same fields) into account, as if its rows had been added here:
        /// widening is a join (<see cref="CrmValues.Widen"/> gives the least type both convert to back exactly), so the order in
        /// which parts of a file are seen does not change the types, digits or scale inferred.
        /// </summary>
        public void Merge(TypeInference other)
        {
            Records += other.Records;
            foreach (var (name, seen) in other._fields)
            {
                if (!_fields.TryGetValue(name, out var f)) _fields[name] = f = new Field();
                f.Values += seen.Values;
                f.IntegerDigits = Math.Max(f.IntegerDigits, seen.IntegerDigits);
                f.Scale = Math.Max(f.Scale, seen.Scale);
                if (seen.Type is CrmFieldType type) f.Type = f.Type is CrmFieldType mine && mine != type ? CrmValues.Widen(mine, type) : type;
                f.Mixed = f.Mixed || seen.Mixed || f.Type == CrmFieldType.String;
            }
        }

        private static void AddValue(Field f, object? v)
        {
            if (v is null || v is string { Length: 0 }) return;
            f.Values++;
            var (type, integerDigits, scale) = v is string s ? Classify(s) : (CrmValues.TypeOf(v), 0, v is decimal m ? m.Scale : 0);
            if (type == CrmFieldType.Decimal && v is decimal dm) integerDigits = IntegerDigitsOf(dm);
            Narrow(f, (type, integerDigits, scale));
        }

        private static void Narrow(Field f, (CrmFieldType Type, int IntegerDigits, int Scale) seen)
        {
            var (type, integerDigits, scale) = seen;
            f.IntegerDigits = Math.Max(f.IntegerDigits, integerDigits);
            f.Scale = Math.Max(f.Scale, scale);
            if (f.Type is null) f.Type = type;
            else if (f.Type != type) f.Type = CrmValues.Widen(f.Type.Value, type);
            if (f.Type == CrmFieldType.String) f.Mixed = true;
        }

        /// <summary>The schema with the inferred types in place of the untyped fields' text (keys and names kept).</summary>
        public CrmEntitySchema Apply(CrmEntitySchema schema)
        {
            var fields = new List<CrmFieldSchema>(schema.Fields.Count);
            foreach (var f in schema.Fields)
            {
                var copy = f.CopyAs(f.Name);
                copy.SourceType = null;
                if (_fields.TryGetValue(f.Name, out var seen) && !seen.Mixed && seen.Type is CrmFieldType type)
                {
                    copy.Type = type;
                    if (type == CrmFieldType.Integer) copy.Size = 8;
                    if (type == CrmFieldType.Decimal)
                    {
                        int precision = Math.Max(seen.IntegerDigits, 1) + seen.Scale;
                        // Room to grow: at least 18 digits before the point, as many as SQL engines agree on (38) at most.
                        copy.Precision = Math.Min(38, Math.Max(precision, 18 + seen.Scale));
                        copy.Scale = Math.Min(seen.Scale, copy.Precision.Value);
                    }
                    if (type == CrmFieldType.Double) copy.Size = 8;
                }
                else
                {
                    copy.Type = CrmFieldType.String;
                }
                fields.Add(copy);
            }
            return new CrmEntitySchema(schema.Name, fields)
            {
                System = schema.System,
                Key = schema.Key,
                UniqueKeys = schema.UniqueKeys,
                Relations = schema.Relations,
                Comment = schema.Comment,
                Provider = null,
            };
        }

        /// <summary>The inferred types in words, e.g. "Id Integer, Amount Decimal(20,2), Email String".</summary>
        public string Describe(CrmEntitySchema applied)
        {
            var parts = new List<string>(applied.Fields.Count);
            foreach (var f in applied.Fields) parts.Add(f.Name + " " + f.TypeText);
            return string.Join(", ", parts);
        }

        private static int IntegerDigitsOf(decimal m)
        {
            var t = decimal.Truncate(Math.Abs(m));
            int digits = 0;
            while (t >= 1) { t = decimal.Truncate(t / 10); digits++; }
            return digits;
        }

        /// <summary>What a text value is, by the strict rules above.</summary>
        private static (CrmFieldType Type, int IntegerDigits, int Scale) Classify(string s) => Classify(s.AsSpan());

        private static (CrmFieldType Type, int IntegerDigits, int Scale) Classify(ReadOnlySpan<char> s)
        {
            if (IsNumber(s, out int intDigits, out int scale, out bool fraction))
            {
                if (!fraction && intDigits <= 18) return (CrmFieldType.Integer, intDigits, 0);
                if (intDigits + scale <= 28) return (CrmFieldType.Decimal, intDigits, scale);
                return (CrmFieldType.String, 0, 0);
            }
            if (s.Equals("true".AsSpan(), StringComparison.OrdinalIgnoreCase) || s.Equals("false".AsSpan(), StringComparison.OrdinalIgnoreCase)) return (CrmFieldType.Boolean, 0, 0);
            if (s.Length >= 10 && s[4] == '-' && s[7] == '-')
            {
                if (s.Length == 10 && (CrmValues.TryParseIsoDate(s, out _) || DateTime.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))) return (CrmFieldType.Date, 0, 0);
                if (DateTime.TryParseExact(s, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return (CrmFieldType.DateTime, 0, 0);
                if ((s.EndsWith("Z".AsSpan(), StringComparison.Ordinal) || s.Length > 19 && (s[^6] == '+' || s[^6] == '-'))
                    && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return (CrmFieldType.DateTimeOffset, 0, 0);
            }
            if (s.Length == 36 && s[8] == '-' && s[13] == '-' && Guid.TryParseExact(s, "D".AsSpan(), out _)) return (CrmFieldType.Guid, 0, 0);
            return (CrmFieldType.String, 0, 0);
        }

        /// <summary>-?digits[.digits] with no leading zero before other digits, no sign but '-', no separators.</summary>
        private static bool IsNumber(ReadOnlySpan<char> s, out int integerDigits, out int scale, out bool fraction)
        {
            integerDigits = 0;
            scale = 0;
            fraction = false;
            int i = 0;
            if (s.Length > 0 && s[0] == '-') i++;
            int start = i;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9') i++;
            integerDigits = i - start;
            if (integerDigits == 0) return false;
            if (integerDigits > 1 && s[start] == '0') return false;
            if (i == s.Length) return true;
            if (s[i] != '.') return false;
            i++;
            int fracStart = i;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9') i++;
            scale = i - fracStart;
            fraction = true;
            return scale > 0 && i == s.Length;
        }
    }
}
