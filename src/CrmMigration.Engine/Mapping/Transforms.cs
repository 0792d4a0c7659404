using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// One step of a field: takes the value and returns whether it is valid. A valid step may change the
    /// value and may leave a warning; an invalid one leaves the reason (the value is then untouched).
    /// </summary>
    public abstract class ValueTransform
    {
        /// <summary>Creates a step.</summary>
        protected ValueTransform(string name, string invalidCode)
        {
            Name = name;
            InvalidCode = invalidCode;
        }

        /// <summary>The transform's name, as the mapping writes it.</summary>
        public string Name { get; }

        /// <summary>The error id of a record whose value this step finds invalid.</summary>
        public string InvalidCode { get; }

        /// <summary>
        /// Applies the step to a value of <paramref name="source"/> (the row being mapped; its record is made only for a step that
        /// asks for it). Returns false when the value is invalid, with the reason in <paramref name="note"/>; true otherwise, with an
        /// optional warning.
        /// </summary>
        public abstract bool Apply(ref object? value, MapSource source, out string? note);
    }

    /// <summary>
    /// The named transforms a mapping lists under 'Transform'. Text transforms leave values other than
    /// text alone; the validating ones (Email, Phone, Date, Number) leave null and blank alone.
    /// Options come from the field: Format, Culture, TimeZone, TwoDigitYearMax, DefaultRegion, FixTypos.
    /// </summary>
    public static class Transforms
    {
        private static readonly Dictionary<string, Func<FieldMapping, ValueTransform>> Registry = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Trim"] = _ => new TextTransform("Trim", s => s.Trim()),
            ["Lower"] = _ => new TextTransform("Lower", s => s.ToLowerInvariant()),
            ["Upper"] = _ => new TextTransform("Upper", s => s.ToUpperInvariant()),
            ["Title"] = _ => new TextTransform("Title", TextCleaner.Title),
            ["CollapseSpaces"] = _ => new TextTransform("CollapseSpaces", TextCleaner.CollapseSpaces),
            ["HalfWidth"] = _ => new TextTransform("HalfWidth", TextCleaner.HalfWidth),
            ["NormalizeNfc"] = _ => new TextTransform("NormalizeNfc", TextCleaner.NormalizeNfc),
            ["StripControl"] = _ => new TextTransform("StripControl", TextCleaner.StripControl),
            ["EmptyToNull"] = _ => new EmptyToNullTransform(),
            ["Email"] = f => new EmailTransform(f.FixTypos),
            ["Phone"] = f => new PhoneTransform(f.DefaultRegion),
            ["Date"] = f => new DateTransform(new DateCleaner(f.Formats, f.Culture, f.TimeZone, f.TwoDigitYearMax), f.Type == CrmFieldType.DateTimeOffset),
            ["Number"] = f => new NumberTransform(new NumberCleaner(f.Culture)),
        };

        /// <summary>The names of the known transforms.</summary>
        public static IEnumerable<string> Names => Registry.Keys;

        /// <summary>True when the transform exists.</summary>
        public static bool IsKnown(string name) => Registry.ContainsKey(name);

        /// <summary>Creates a transform with the options of a field.</summary>
        public static ValueTransform Create(string name, FieldMapping options) => Registry[name](options);

        /// <summary>Applies one named transform with default options (a convenience for scripts and tests).</summary>
        public static object? Apply(string name, object? value)
        {
            var t = Create(name, new FieldMapping("Value"));
            if (!t.Apply(ref value, MapSource.Of(new CrmRecord("Value")), out string? note)) throw new FormatException(note);
            return value;
        }

        private static bool IsBlank(object? value) => value is null || value is string s && s.Trim().Length == 0;

        private sealed class TextTransform : ValueTransform
        {
            private readonly Func<string, string> _f;

            public TextTransform(string name, Func<string, string> f) : base(name, "RecordTransformFailed") { _f = f; }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (value is string s) value = _f(s);
                return true;
            }
        }

        private sealed class EmptyToNullTransform : ValueTransform
        {
            public EmptyToNullTransform() : base("EmptyToNull", "RecordTransformFailed") { }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (value is string s && s.Trim().Length == 0) value = null;
                return true;
            }
        }

        private sealed class EmailTransform : ValueTransform
        {
            private readonly bool _fix;

            public EmailTransform(bool fix) : base("Email", "RecordInvalidEmail") { _fix = fix; }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (IsBlank(value)) return true;
                string text = value as string ?? Util.CrmValues.ToText(value)!;
                if (!EmailCleaner.TryClean(text, _fix, out string result, out string? problem, out string? typo))
                {
                    note = $"'{Util.CrmValues.Truncate(text, 80)}' is not an e-mail address: {problem}";
                    return false;
                }
                if (typo is not null)
                {
                    note = _fix
                        ? $"the domain looked like a typo of {typo} and was corrected"
                        : $"the domain may be a typo of {typo} (set FixTypos = $true to correct it)";
                }
                value = result;
                return true;
            }
        }

        private sealed class PhoneTransform : ValueTransform
        {
            /// <summary>The parser's answers kept per distinct input: a column repeats numbers (a switchboard, a default), and parsing is the costly step.</summary>
            private const int CacheSize = 4096;
            private readonly string? _region;
            private readonly Dictionary<string, (bool Ok, string Result, string? Problem)> _answers = new(StringComparer.Ordinal);

            public PhoneTransform(string? region) : base("Phone", "RecordInvalidPhone") { _region = region; }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (IsBlank(value)) return true;
                string text = value as string ?? Util.CrmValues.ToText(value)!;
                // A number written with its country code is decided without the parser (and without the cache, which it would only fill).
                if (PhoneCleaner.TryInternational(text.AsSpan().Trim(), out string e164))
                {
                    value = e164;
                    return true;
                }
                if (!_answers.TryGetValue(text, out var answer))
                {
                    answer.Ok = PhoneCleaner.TryClean(text, _region, out answer.Result, out answer.Problem);
                    // Bounded: a column of distinct numbers does not grow it past the size; it starts over instead.
                    if (_answers.Count >= CacheSize) _answers.Clear();
                    _answers.Add(text, answer);
                }
                if (!answer.Ok)
                {
                    note = $"'{Util.CrmValues.Truncate(text, 60)}' is not a phone number: {answer.Problem}";
                    return false;
                }
                value = answer.Result;
                return true;
            }
        }

        private sealed class DateTransform : ValueTransform
        {
            private readonly DateCleaner _parser;
            private readonly bool _needsOffset;

            public DateTransform(DateCleaner parser, bool needsOffset) : base("Date", "RecordInvalidDate")
            {
                _parser = parser;
                _needsOffset = needsOffset;
            }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (IsBlank(value)) return true;
                if (!_parser.TryParse(value!, out object? result, out string? problem))
                {
                    note = "not a date: " + problem;
                    return false;
                }
                if (_needsOffset && result is DateTime dt && dt.Kind != DateTimeKind.Utc)
                {
                    note = $"'{Util.CrmValues.ToText(value)}' has no offset and the mapping gives no TimeZone, so its instant is unknown. Add TimeZone = 'Asia/Shanghai' (or the zone the data was written in), or a Format with zzz.";
                    return false;
                }
                value = result;
                return true;
            }
        }

        private sealed class NumberTransform : ValueTransform
        {
            private readonly NumberCleaner _parser;

            public NumberTransform(NumberCleaner parser) : base("Number", "RecordInvalidNumber") { _parser = parser; }

            public override bool Apply(ref object? value, MapSource source, out string? note)
            {
                note = null;
                if (IsBlank(value)) return true;
                if (!_parser.TryParse(value!, out object? result, out note)) return false;
                value = result;
                return true;
            }
        }
    }

    /// <summary>A code transform (scriptblock) as a step; its exceptions reject the record with RecordTransformFailed.</summary>
    internal sealed class CodeTransform : ValueTransform
    {
        private readonly CustomTransform _code;

        public CodeTransform(CustomTransform code) : base("Script", "RecordTransformFailed") { _code = code; }

        public override bool Apply(ref object? value, MapSource source, out string? note)
        {
            note = null;
            try
            {
                value = _code.Function(value, source.Record);
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                note = $"the transform {{ {Util.CrmValues.Truncate(_code.Text, 60)} }} failed: {(ex.InnerException ?? ex).Message}";
                return false;
            }
        }
    }
}
