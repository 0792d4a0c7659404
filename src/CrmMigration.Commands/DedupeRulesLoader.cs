using System;
using CrmMigration.Engine.Dedupe;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what the user gives -Rules / -Dedupe (a .psd1 or .json path, or a hashtable) into the engine's rules,
    /// checked whole before any record is read. Rules are data only: a script block, even in a hashtable, is refused.
    /// </summary>
    internal static class DedupeRulesLoader
    {
        public static DedupeRuleSet Load(object rules, Func<string, string> resolvePath) =>
            DataFileLoader.Load(rules, resolvePath, "DedupeRules", "dedupe rules", "-Rules",
                DedupeRulesParser.ParseJson, DedupeRulesParser.Parse,
                sb => throw new CrmException("DedupeRulesNotData", CrmErrorKind.InvalidArgument, $"The dedupe rules hold code ({{{sb.ToString().Trim()}}}); rules are data only: text, numbers, $true/$false, arrays and tables."));
    }
}
