using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CrmMigration.Commands
{
    /// <summary>Tab completion for -Encoding: the names the CSV provider lists in its help (others .NET knows are accepted too).</summary>
    public sealed class EncodingCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (string name in ConnectionFactory.EncodingNames)
            {
                if (pattern.IsMatch(name)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
            }
        }
    }
}
