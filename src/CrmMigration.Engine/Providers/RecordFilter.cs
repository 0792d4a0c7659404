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

        /// <summary>True when there is nothing to filter.</summary>
        public bool IsEmpty => _conditions.Length == 0;

        /// <summary>True when the record meets every condition.</summary>
        public bool Matches(CrmRecord record)
        {
            foreach (var (field, value, pattern) in _conditions)
            {
                object? actual = record[field];
                if (pattern is not null)
                {
                    if (actual is null || !pattern.IsMatch(CrmValues.ToText(actual) ?? "")) return false;
                }
                else if (actual is string a && value is string b)
                {
                    if (!string.Equals(a, b, StringComparison.OrdinalIgnoreCase)) return false;
                }
                else if (!CrmValues.AreEqual(actual, value is string vs && actual is not null && actual is not string ? SafeConvert(vs, actual) : value))
                {
                    return false;
                }
            }
            return true;
        }

        private static object? SafeConvert(string text, object like)
        {
            try { return CrmValues.Parse(text, CrmValues.TypeOf(like)); }
            catch (FormatException) { return text; }
        }
    }
}
