using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>
    /// What -Mapping, -Rules and -Dedupe are given, turned into the data tree the engine's parsers read: a .psd1
    /// file read as data (nothing in it runs), a .json file, or a hashtable with PowerShell's wrappers taken off.
    /// Errors are &lt;prefix&gt;FileNotFound, &lt;prefix&gt;FileType and &lt;prefix&gt;InvalidType.
    /// </summary>
    internal static class DataFileLoader
    {
        /// <param name="given">The parameter's value: a path (string or FileInfo) or a hashtable.</param>
        /// <param name="resolvePath">Resolves a user path the PowerShell way.</param>
        /// <param name="prefix">The error id prefix (Mapping, DedupeRules).</param>
        /// <param name="what">What the file is, in messages ("mapping", "dedupe rules").</param>
        /// <param name="parameter">The parameter, in messages ("-Mapping").</param>
        /// <param name="parseJson">Parses JSON text (text, file).</param>
        /// <param name="parseTree">Parses a data tree (tree, file or null for a hashtable).</param>
        /// <param name="script">What a script block in a hashtable becomes (or throws): code is never read from a file.</param>
        public static T Load<T>(object given, Func<string, string> resolvePath, string prefix, string what, string parameter,
            Func<string, string, T> parseJson, Func<object?, string?, T> parseTree, Func<ScriptBlock, object?> script)
        {
            object value = given is PSObject pso ? pso.BaseObject : given;
            if (value is string || value is FileInfo)
            {
                string full = resolvePath(value is FileInfo fi ? fi.FullName : (string)value);
                if (!File.Exists(full)) throw new CrmException(new CrmDataError(prefix + "FileNotFound", CrmErrorKind.NotFound, $"The {what} file '{full}' does not exist.") { File = full });
                string ext = Path.GetExtension(full).ToLowerInvariant();
                if (ext == ".json") return parseJson(File.ReadAllText(full), full);
                if (ext == ".psd1") return parseTree(DataFileReader.Read(full, prefix), full);
                throw new CrmException(new CrmDataError(prefix + "FileType", CrmErrorKind.InvalidArgument, $"A {what} file must be .psd1 or .json.") { File = full });
            }
            if (value is IDictionary) return parseTree(Unwrap(value, script), null);
            throw new CrmException(prefix + "InvalidType", CrmErrorKind.InvalidArgument, $"{parameter} takes a .psd1 or .json path or a hashtable, not {value.GetType().Name}.");
        }

        private static object? Unwrap(object? value, Func<ScriptBlock, object?> script)
        {
            if (value is PSObject pso) value = pso.BaseObject;
            switch (value)
            {
                case null: return null;
                case string: return value;
                case ScriptBlock sb: return script(sb);
                case IDictionary dict:
                    var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry e in dict) result[Unwrap(e.Key, script)?.ToString() ?? ""] = Unwrap(e.Value, script);
                    return result;
                case IEnumerable list:
                    var items = new List<object?>();
                    foreach (object? o in list) items.Add(Unwrap(o, script));
                    return items;
                default: return value;
            }
        }
    }
}
