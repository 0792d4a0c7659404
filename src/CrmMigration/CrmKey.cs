using System;
using System.Collections.Generic;
using System.Text;

namespace CrmMigration
{
    /// <summary>
    /// A record key: one value or several (composite). Compared by its canonical text, in which the
    /// parts are joined with '|' and '|' or '\' inside a part are escaped with '\'.
    /// </summary>
    public sealed class CrmKey : IEquatable<CrmKey>, IComparable<CrmKey>
    {
        private readonly string[] _parts;
        private readonly string _text;

        /// <summary>Creates a key from one or more parts.</summary>
        public CrmKey(params string[] parts)
        {
            if (parts is null || parts.Length == 0) throw new ArgumentException("A key needs at least one part.", nameof(parts));
            _parts = (string[])parts.Clone();
            _text = Join(_parts);
        }

        /// <summary>A key of one part (the reader's hot path: no parts array copied).</summary>
        internal CrmKey(string part)
        {
            _parts = new[] { part };
            _text = Join(_parts);
        }

        /// <summary>The canonical text of a key of one part, without making the key (the writers' per-row key text).</summary>
        internal static string TextOf(string part) => part.IndexOfAny(Special) < 0 ? part : Join(new[] { part });

        /// <summary>The names of the key fields, when the source knows them (shared, not compared).</summary>
        public IReadOnlyList<string>? FieldNames { get; init; }

        /// <summary>The parts of the key, in key-field order.</summary>
        public IReadOnlyList<string> Parts => _parts;

        /// <summary>True when the key has more than one part.</summary>
        public bool IsComposite => _parts.Length > 1;

        /// <summary>The canonical text form.</summary>
        public override string ToString() => _text;

        /// <inheritdoc/>
        public bool Equals(CrmKey? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is CrmKey k ? Equals(k) : obj is string s && string.Equals(_text, s, StringComparison.Ordinal);

        /// <inheritdoc/>
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

        /// <inheritdoc/>
        public int CompareTo(CrmKey? other) => string.CompareOrdinal(_text, other?._text);

        /// <summary>Parses the canonical text form back into a key.</summary>
        public static CrmKey Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var parts = new List<string>();
            var sb = new StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\\' && i + 1 < text.Length) { sb.Append(text[++i]); }
                else if (c == '|') { parts.Add(sb.ToString()); sb.Clear(); }
                else sb.Append(c);
            }
            parts.Add(sb.ToString());
            return new CrmKey(parts.ToArray());
        }

        /// <summary>Implicit conversion from a single-part key text (not parsed for '|').</summary>
        public static implicit operator CrmKey(string value) => new CrmKey(value);

        private static string Join(string[] parts)
        {
            if (parts.Length == 1 && parts[0].IndexOfAny(Special) < 0) return parts[0];
            var sb = new StringBuilder();
            for (int p = 0; p < parts.Length; p++)
            {
                if (p > 0) sb.Append('|');
                foreach (char c in parts[p] ?? string.Empty)
                {
                    if (c == '|' || c == '\\') sb.Append('\\');
                    sb.Append(c);
                }
            }
            return sb.ToString();
        }

        private static readonly char[] Special = { '|', '\\' };
    }
}
