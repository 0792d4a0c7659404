using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Reports
{
    /// <summary>Turns what a user hands a report (files, objects read by property name) into the builder's inputs.</summary>
    public static class ReportInputs
    {
        /// <summary>What kind of state file a path is.</summary>
        public enum StateFileKind
        {
            /// <summary>A migration ledger (an SQLite database).</summary>
            Ledger,
            /// <summary>A Disable-CrmSystem state file (JSON).</summary>
            Decommission,
        }

        /// <summary>Tells a migration ledger (SQLite's file header) from a decommission state file (JSON).</summary>
        public static StateFileKind KindOf(string path)
        {
            if (!File.Exists(path))
            {
                throw new CrmException(new CrmDataError("StateFileNotFound", CrmErrorKind.NotFound, $"There is no ledger or decommission state file at '{path}'.") { File = path });
            }
            var head = new byte[16];
            int n;
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) n = f.Read(head, 0, head.Length);
            if (n == 16 && System.Text.Encoding.ASCII.GetString(head, 0, 15) == "SQLite format 3") return StateFileKind.Ledger;
            for (int i = 0; i < n; i++)
            {
                byte b = head[i];
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF) continue;
                if (b == (byte)'{') return StateFileKind.Decommission;
                break;
            }
            throw new CrmException(new CrmDataError("StateFileUnknown", CrmErrorKind.InvalidArgument,
                $"'{path}' is neither a migration ledger nor a Disable-CrmSystem state file.") { File = path });
        }

        /// <summary>
        /// A merge group from an object's properties, read by name: Entity; Survivor (or SurvivorKey); Members (or
        /// MergedKeys, Merged, Keys: a list); Rule (or Reason); Score; Details (or Explanation). Null when the object
        /// has no survivor, so it is not a merge group.
        /// </summary>
        public static ReportMergeGroup? MergeGroup(IReadOnlyDictionary<string, object?> properties)
        {
            object? survivor = First(properties, "Survivor", "SurvivorKey");
            if (survivor is null) return null;
            var g = new ReportMergeGroup
            {
                Entity = Text(First(properties, "Entity")),
                Survivor = Text(survivor is IDictionary or IEnumerable and not string ? First(AsProperties(survivor), "Key") ?? survivor : survivor),
                Rule = Text(First(properties, "Rule", "Reason", "Rules")),
                Details = Text(First(properties, "Details", "Explanation", "Message")),
            };
            object? score = First(properties, "Score");
            if (score is not null && double.TryParse(Convert.ToString(score, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out double s)) g.Score = s;
            if (First(properties, "Members", "MergedKeys", "Merged", "Keys") is IEnumerable members and not string)
            {
                foreach (var m in members) if (m is not null) g.Members.Add(Text(m));
            }
            return g;
        }

        private static object? First(IReadOnlyDictionary<string, object?> properties, params string[] names)
        {
            foreach (var n in names) if (properties.TryGetValue(n, out var v) && v is not null) return v;
            return null;
        }

        private static IReadOnlyDictionary<string, object?> AsProperties(object value)
        {
            var d = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            if (value is IDictionary dict) foreach (DictionaryEntry e in dict) d[Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? ""] = e.Value;
            return d;
        }

        private static string Text(object? value) => value switch
        {
            null => "",
            string s => s,
            _ => CrmValues.ToText(value) ?? value.ToString() ?? "",
        };
    }
}
