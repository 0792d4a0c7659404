using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using CrmMigration.Engine.Dedupe;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what the user gives -Rules / -Dedupe (a .psd1 or .json path, or a hashtable) into the engine's rules,
    /// checked whole before any record is read. A .psd1 file is read as data (nothing in it runs); a hashtable
    /// may not hold code either: rules are data only.
    /// </summary>
    internal static class DedupeRulesLoader
    {
        public static DedupeRuleSet Load(object rules, Func<string, string> resolvePath)
        {
            object value = rules is PSObject pso ? pso.BaseObject : rules;
            if (value is string || value is FileInfo)
            {
                string full = resolvePath(value is FileInfo fi ? fi.FullName : (string)value);
                if (!File.Exists(full)) throw new CrmException(new CrmDataError("DedupeRulesFileNotFound", CrmErrorKind.NotFound, $"The dedupe rules file '{full}' does not exist.") { File = full });
                string ext = Path.GetExtension(full).ToLowerInvariant();
                if (ext == ".json") return DedupeRulesParser.ParseJson(File.ReadAllText(full), full);
                if (ext == ".psd1") return DedupeRulesParser.Parse(DataFileReader.Read(full, "DedupeRules"), full);
                throw new CrmException(new CrmDataError("DedupeRulesFileType", CrmErrorKind.InvalidArgument, "A dedupe rules file must be .psd1 or .json.") { File = full });
            }
            if (value is IDictionary) return DedupeRulesParser.Parse(Unwrap(value), null);
            throw new CrmException("DedupeRulesInvalidType", CrmErrorKind.InvalidArgument, $"-Rules takes a .psd1 or .json path or a hashtable, not {value.GetType().Name}.");
        }

        private static object? Unwrap(object? value)
        {
            if (value is PSObject pso) value = pso.BaseObject;
            switch (value)
            {
                case null: return null;
                case string: return value;
                case ScriptBlock sb:
                    throw new CrmException("DedupeRulesNotData", CrmErrorKind.InvalidArgument, $"The dedupe rules hold code ({{{sb.ToString().Trim()}}}); rules are data only: text, numbers, $true/$false, arrays and tables.");
                case IDictionary dict:
                    var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry e in dict) result[Unwrap(e.Key)?.ToString() ?? ""] = Unwrap(e.Value);
                    return result;
                case IEnumerable list:
                    var items = new List<object?>();
                    foreach (object? o in list) items.Add(Unwrap(o));
                    return items;
                default: return value;
            }
        }
    }
}
