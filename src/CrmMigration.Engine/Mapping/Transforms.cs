using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>
    /// Named value transforms a mapping can list under 'Transform'. Each takes a value and returns the
    /// new one; text transforms leave non-text values alone. The cleansing library grows here.
    /// </summary>
    public static class Transforms
    {
        private static readonly Dictionary<string, Func<object?, object?>> Registry = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Trim"] = v => v is string s ? s.Trim() : v,
            ["Lower"] = v => v is string s ? s.ToLowerInvariant() : v,
            ["Upper"] = v => v is string s ? s.ToUpperInvariant() : v,
            ["CollapseSpaces"] = v => v is string s ? CollapseSpaces(s) : v,
            ["EmptyToNull"] = v => v is string s && s.Trim().Length == 0 ? null : v,
        };

        /// <summary>The names of the known transforms.</summary>
        public static IEnumerable<string> Names => Registry.Keys;

        /// <summary>True when the transform exists.</summary>
        public static bool IsKnown(string name) => Registry.ContainsKey(name);

        /// <summary>The transform's function.</summary>
        public static Func<object?, object?> Get(string name) => Registry[name];

        private static string CollapseSpaces(string s)
        {
            var sb = new StringBuilder(s.Length);
            bool space = false;
            foreach (char c in s.Trim())
            {
                if (char.IsWhiteSpace(c))
                {
                    if (!space) sb.Append(' ');
                    space = true;
                }
                else
                {
                    sb.Append(c);
                    space = false;
                }
            }
            return sb.ToString();
        }
    }
}
