using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers
{
    /// <summary>Evaluates field filters in memory, for providers that cannot push them down.</summary>
    public sealed class RecordFilter
    {
        private readonly (string Field, object? Value, Regex? Pattern)[] _conditions;

        public RecordFilter(IReadOnlyList<CrmFieldFilter> filters)
        {
            _conditions = new (string, object?, Regex?)[filters.Count];
            for (int i = 0; i < filters.Count; i++)
            {
                var f = filters[i];
                Regex? pattern = f.Value is string s && (s.IndexOf('*') >= 0 || s.IndexOf('?') >= 0)
                    ? new Regex("^" + Regex.Escape(s).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)
                    : null;
                _conditions[i] = (f.Field, f.Value, pattern);
            }
        }

        /// <summary>
        /// Throws FilterFieldNotFound when a condition names a field the entity does not have: a filter on a missing
        /// field would match no record, and a misspelt filter would empty the entity without a word.
        /// </summary>
        public static void RequireFields(IReadOnlyList<CrmFieldFilter> filters, CrmEntitySchema schema)
        {
            foreach (var f in filters)
            {
                if (schema.GetField(f.Field) is not null) continue;
                var names = new List<string>(schema.Fields.Count);
                foreach (var field in schema.Fields) names.Add(field.Name);
                throw new CrmException(new CrmDataError("FilterFieldNotFound", CrmErrorKind.InvalidArgument,
                    $"-Filter names the field '{f.Field}', which the entity '{schema.Name}' does not have, so it would match no record. Its fields: {CrmValues.Truncate(string.Join(", ", names), 300)}.")
                { Entity = schema.Name, Field = f.Field });
            }
        }

        /// <summary>True when there is nothing to filter.</summary>
        public bool IsEmpty => _conditions.Length == 0;

        /// <summary>True when the record meets every condition.</summary>
        public bool Matches(CrmRecord record)
        {
            foreach (var (field, value, pattern) in _conditions)
            {
                if (!Holds(record[field], value, pattern)) return false;
            }
            return true;
        }

        /// <summary>True when a row of a batch meets every condition.</summary>
        internal bool Matches(Batches.RowBatch batch, int row)
        {
            foreach (var (field, value, pattern) in _conditions)
            {
                int at = batch.Shape.IndexOf(field);
                if (!Holds(at < 0 ? null : batch.GetValue(row, at), value, pattern)) return false;
            }
            return true;
        }

        private static bool Holds(object? actual, object? value, Regex? pattern)
        {
            if (pattern is not null) return actual is not null && pattern.IsMatch(CrmValues.ToText(actual) ?? "");
            if (actual is string a && value is string b) return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
            return CrmValues.AreEqual(actual, value is string vs && actual is not null && actual is not string ? SafeConvert(vs, actual) : value);
        }

        private static object? SafeConvert(string text, object like)
        {
            try { return CrmValues.Parse(text, CrmValues.TypeOf(like)); }
            catch (FormatException) { return text; }
        }
    }
}
