using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Providers
{
    /// <summary>
    /// Names for the columns of a file's header row, unique and never taken from a real column. The rule (the same
    /// for CSV files and Excel sheets): every real name keeps its name at its first column; an empty header becomes
    /// Column&lt;N&gt; (N its 1-based position) and a repeated one &lt;name&gt;_2; either gets a further _2, _3, ...
    /// until the name is neither a real header anywhere in the row nor a name already given. So in
    /// <c>id,name,name,name_2</c> the real name_2 keeps its data and the repeated name becomes name_3.
    /// </summary>
    internal static class HeaderNames
    {
        /// <summary>One renamed column: its 0-based index, the text of the header cell, and the name given.</summary>
        public readonly record struct Rename(int Index, string Original, string Name);

        /// <summary>The fixed names; <paramref name="renames"/> receives each column that was renamed.</summary>
        public static string[] Fix(IReadOnlyList<string> raw, List<Rename> renames)
        {
            var names = new string[raw.Count];
            var real = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < raw.Count; i++)
            {
                string t = raw[i].Trim();
                if (t.Length > 0) real.Add(t);
            }
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < raw.Count; i++)
            {
                string name = raw[i].Trim();
                if (name.Length > 0 && used.Add(name))
                {
                    names[i] = name;
                    continue;
                }
                bool empty = name.Length == 0;
                string baseName = empty ? "Column" + (i + 1).ToString(CultureInfo.InvariantCulture) : name;
                string candidate = empty ? baseName : baseName + "_2";
                for (int n = empty ? 2 : 3; real.Contains(candidate) || used.Contains(candidate); n++)
                {
                    candidate = baseName + "_" + n.ToString(CultureInfo.InvariantCulture);
                }
                used.Add(candidate);
                names[i] = candidate;
                renames.Add(new Rename(i, raw[i], candidate));
            }
            return names;
        }

        /// <summary>The one warning that lists the renames, e.g. "column 2 (empty) → 'Column2'; column 3 'name' (repeated) → 'name_3'".</summary>
        public static string Describe(List<Rename> renames, Func<int, string> position)
        {
            var sb = new StringBuilder();
            sb.Append(renames.Count.ToString(CultureInfo.InvariantCulture))
              .Append(renames.Count == 1 ? " header has" : " headers have")
              .Append(" no name of its own, so the column is read under a new name (real column names always keep theirs): ");
            for (int i = 0; i < renames.Count; i++)
            {
                var r = renames[i];
                if (i > 0) sb.Append("; ");
                sb.Append(position(r.Index));
                if (r.Original.Trim().Length == 0) sb.Append(" (empty)");
                else sb.Append(" '").Append(r.Original.Trim()).Append("' (repeated)");
                sb.Append(" → '").Append(r.Name).Append('\'');
            }
            sb.Append('.');
            return sb.ToString();
        }
    }
}
