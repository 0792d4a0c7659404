using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>Picks entity names by wildcard patterns; a plain name that matches nothing is an error, not a silent skip.</summary>
    internal static class EntitySelector
    {
        public static IEnumerable<string> Select(IReadOnlyList<string> available, string[]? patterns, Cmdlet cmdlet)
        {
            if (patterns is null || patterns.Length == 0)
            {
                foreach (var a in available) yield return a;
                yield break;
            }
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (string pattern in patterns)
            {
                var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                bool any = false;
                foreach (var a in available)
                {
                    if (wildcard.IsMatch(a))
                    {
                        any = true;
                        if (seen.Add(a)) yield return a;
                    }
                }
                if (!any && !WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    cmdlet.WriteError(new ErrorRecord(
                        new CrmException("EntityNotFound", CrmErrorKind.NotFound, $"There is no entity '{pattern}'. Entities: {string.Join(", ", available)}."),
                        "EntityNotFound", ErrorCategory.ObjectNotFound, pattern));
                }
            }
        }
    }
}
