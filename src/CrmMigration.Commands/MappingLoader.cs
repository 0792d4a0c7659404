using System;
using System.Management.Automation;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what the user gives -Mapping (a .psd1 or .json path, or a hashtable) into the engine's mapping. A .psd1
    /// file is read as data; a script block is allowed only in a hashtable given directly, as a field's Transform.
    /// </summary>
    internal static class MappingLoader
    {
        public static CompiledMapping Load(object mapping, Func<string, string> resolvePath)
        {
            var definition = DataFileLoader.Load(mapping, resolvePath, "Mapping", "mapping", "-Mapping",
                MappingParser.ParseJson, MappingParser.Parse,
                // The parser accepts code only as a field's Transform; the engine sees a plain delegate.
                sb => new CustomTransform(sb.ToString().Trim(), (v, record) => UnwrapResult(sb.InvokeReturnAsIs(v, record))));
            return new CompiledMapping(definition);
        }

        private static object? UnwrapResult(object? result) => result is PSObject p ? p.BaseObject : result;
    }
}
