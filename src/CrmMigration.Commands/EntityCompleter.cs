using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CrmMigration.Commands
{
    /// <summary>Tab completion for -Entity: the entity names of the system given by -Connection, -Path or -Source.</summary>
    public sealed class EntityCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            object? given = fakeBoundParameters["Connection"] ?? fakeBoundParameters["Path"] ?? fakeBoundParameters["Source"];
            if (given is PSObject pso) given = pso.BaseObject;
            try
            {
                CrmConnection? connection = given as CrmConnection ?? (given is string path ? ConnectionFactory.FromPath(Resolve(path)) : null);
                if (connection is null) return results;
                using var provider = ConnectionFactory.Open(connection);
                var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
                foreach (string name in provider.ListEntities())
                {
                    if (!pattern.IsMatch(name)) continue;
                    string text = name.IndexOfAny(new[] { ' ', '\'', ',', ';', '$', '(', ')' }) >= 0 ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'" : name;
                    results.Add(new CompletionResult(text, name, CompletionResultType.ParameterValue, name));
                }
            }
            catch (CrmException)
            {
                // no completion for a system that cannot be opened
            }
            return results;
        }

        /// <summary>A relative path is relative to the session's current location, not the process's.</summary>
        private static string Resolve(string path)
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(path);
            var resolved = ps.Invoke();
            return resolved.Count == 1 && resolved[0]?.BaseObject is string full ? full : System.IO.Path.GetFullPath(path);
        }
    }
}
