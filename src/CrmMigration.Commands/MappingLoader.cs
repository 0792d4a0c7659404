using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Language;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what the user gives -Mapping (a .psd1 or .json path, or a hashtable) into the engine's
    /// mapping. A .psd1 file is read as data through the parser's syntax tree, in declaration order;
    /// nothing in it runs, and anything other than constants, arrays and tables is refused.
    /// </summary>
    internal static class MappingLoader
    {
        public static CompiledMapping Load(object mapping, Func<string, string> resolvePath)
        {
            object value = mapping is PSObject pso ? pso.BaseObject : mapping;
            MappingDefinition definition;
            if (value is string path || value is FileInfo)
            {
                string full = resolvePath(value is FileInfo fi ? fi.FullName : (string)value);
                if (!File.Exists(full)) throw new CrmException(new CrmDataError("MappingFileNotFound", CrmErrorKind.NotFound, $"The mapping file '{full}' does not exist.") { File = full });
                string ext = Path.GetExtension(full).ToLowerInvariant();
                if (ext == ".json") definition = MappingParser.ParseJson(File.ReadAllText(full), full);
                else if (ext == ".psd1") definition = MappingParser.Parse(DataFileReader.Read(full, "Mapping"), full);
                else throw new CrmException(new CrmDataError("MappingFileType", CrmErrorKind.InvalidArgument, "A mapping file must be .psd1 or .json.") { File = full });
            }
            else if (value is IDictionary)
            {
                definition = MappingParser.Parse(UnwrapTree(value), null);
            }
            else
            {
                throw new CrmException("MappingInvalidType", CrmErrorKind.InvalidArgument, $"-Mapping takes a .psd1 or .json path or a hashtable, not {value.GetType().Name}.");
            }
            return new CompiledMapping(definition);
        }

        private static object? UnwrapTree(object? value)
        {
            if (value is PSObject pso) value = pso.BaseObject;
            switch (value)
            {
                case null: return null;
                case string: return value;
                case ScriptBlock sb:
                    // Code is allowed only in a hashtable given directly (a file is never run); the parser
                    // accepts it only as a field's Transform. The engine sees a plain delegate.
                    return new CustomTransform(sb.ToString().Trim(), (v, record) => UnwrapResult(sb.InvokeReturnAsIs(v, record)));
                case IDictionary dict:
                    var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry e in dict) result[UnwrapTree(e.Key)?.ToString() ?? ""] = UnwrapTree(e.Value);
                    return result;
                case IEnumerable list:
                    var items = new List<object?>();
                    foreach (object? o in list) items.Add(UnwrapTree(o));
                    return items;
                default: return value;
            }
        }

        private static object? UnwrapResult(object? result) => result is PSObject p ? p.BaseObject : result;

    }
}
