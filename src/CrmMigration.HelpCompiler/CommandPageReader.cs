using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace CrmMigration.HelpCompiler
{
    /// <summary>
    /// Reads a cmdlet page in the platyPS 0.14 layout into a <see cref="CommandHelp"/> and checks the
    /// rules the build enforces: a synopsis, at least two examples each with code, a description and a
    /// yaml block for every parameter, and a syntax that names only documented parameters.
    /// </summary>
    internal static class CommandPageReader
    {
        public const int MinimumExamples = 2;
        private static readonly Regex SyntaxParamRx = new(@"(?<![\w-])-([A-Za-z][A-Za-z0-9]*)\b", RegexOptions.CultureInvariant);
        private static readonly string[] KnownSections = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };
        private static readonly string[] YamlKeys = { "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" };

        public static CommandHelp Read(string file, string[] lines, List<Diagnostic> diagnostics)
        {
            var help = new CommandHelp { File = file };
            var elements = MarkdownReader.Parse(file, lines, diagnostics, out _);

            int h1 = elements.FindIndex(e => e.Kind == MdElementKind.Heading && e.Level == 1);
            if (h1 < 0)
            {
                diagnostics.Add(new Diagnostic(file, 1, "The page has no '# Verb-Noun' title."));
                return help;
            }
            help.Name = elements[h1].Text.Trim();
            help.NameLine = elements[h1].Line;
            string expected = System.IO.Path.GetFileNameWithoutExtension(file);
            if (!string.Equals(help.Name, expected, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Add(new Diagnostic(file, help.NameLine, $"The title '{help.Name}' does not match the file name '{expected}'."));
            }
            if (help.Name.IndexOf('-') <= 0) diagnostics.Add(new Diagnostic(file, help.NameLine, $"'{help.Name}' is not a Verb-Noun cmdlet name."));

            foreach (var (heading, body) in Split(elements, h1 + 1, elements.Count, 2))
            {
                string section = heading.Text.Trim().ToUpperInvariant();
                switch (section)
                {
                    case "SYNOPSIS":
                        var syn = MarkdownReader.Blocks(body);
                        help.Synopsis = string.Join(" ", syn.Select(b => b.Text)).Trim();
                        help.SynopsisLine = heading.Line;
                        if (help.Synopsis.Length == 0) diagnostics.Add(new Diagnostic(file, heading.Line, "The SYNOPSIS section is empty."));
                        break;
                    case "SYNTAX":
                        ReadSyntax(help, body);
                        break;
                    case "DESCRIPTION":
                        help.Description.AddRange(MarkdownReader.Blocks(body));
                        break;
                    case "EXAMPLES":
                        help.ExamplesLine = heading.Line;
                        ReadExamples(help, body, diagnostics);
                        break;
                    case "PARAMETERS":
                        ReadParameters(help, body, diagnostics);
                        break;
                    case "INPUTS":
                        ReadTypes(help.Inputs, body);
                        break;
                    case "OUTPUTS":
                        ReadTypes(help.Outputs, body);
                        break;
                    case "NOTES":
                        help.Notes.AddRange(MarkdownReader.Blocks(body));
                        break;
                    case "RELATED LINKS":
                        foreach (var e in body.Where(e => e.Kind == MdElementKind.Text))
                        {
                            var link = MarkdownReader.Link(e.Text);
                            if (link is null) continue;
                            if (!link.Uri.Contains("://", StringComparison.Ordinal)) link.Uri = ""; // a page of this module, not an online address
                            help.Links.Add(link);
                        }
                        break;
                    default:
                        diagnostics.Add(new Diagnostic(file, heading.Line, $"Unknown section '## {heading.Text}'. Sections: {string.Join(", ", KnownSections)}."));
                        break;
                }
            }

            if (help.Synopsis is null) diagnostics.Add(new Diagnostic(file, help.NameLine, "The page has no '## SYNOPSIS' section."));
            if (help.Examples.Count < MinimumExamples)
            {
                diagnostics.Add(new Diagnostic(file, help.ExamplesLine > 0 ? help.ExamplesLine : help.NameLine,
                    $"The page has {help.Examples.Count} example(s); at least {MinimumExamples} are required."));
            }
            CheckSyntax(help, diagnostics);
            return help;
        }

        /// <summary>Splits elements[from..to) at headings of a level; text before the first heading is ignored.</summary>
        private static IEnumerable<(MdElement Heading, List<MdElement> Body)> Split(List<MdElement> elements, int from, int to, int level)
        {
            MdElement? current = null;
            var body = new List<MdElement>();
            for (int i = from; i < to; i++)
            {
                var e = elements[i];
                if (e.Kind == MdElementKind.Heading && e.Level <= level)
                {
                    if (current is not null) yield return (current, body);
                    current = e.Level == level ? e : null;
                    body = new List<MdElement>();
                    continue;
                }
                if (current is not null) body.Add(e);
            }
            if (current is not null) yield return (current, body);
        }

        private static IEnumerable<(MdElement Heading, List<MdElement> Body)> Sub(List<MdElement> body) => Split(body, 0, body.Count, 3);

        private static void ReadSyntax(CommandHelp help, List<MdElement> body)
        {
            bool anyHeading = body.Any(e => e.Kind == MdElementKind.Heading && e.Level == 3);
            if (!anyHeading)
            {
                foreach (var f in body.Where(e => e.Kind == MdElementKind.Fence))
                {
                    help.Syntax.Add(new SyntaxBlock { SetName = "__AllParameterSets", IsDefault = true, Text = f.Text });
                }
                return;
            }
            foreach (var (heading, sub) in Sub(body))
            {
                string name = heading.Text.Trim();
                bool isDefault = false;
                if (name.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase))
                {
                    isDefault = true;
                    name = name.Substring(0, name.Length - "(Default)".Length).Trim();
                }
                string text = string.Join("\n", sub.Where(e => e.Kind == MdElementKind.Fence).Select(e => e.Text));
                help.Syntax.Add(new SyntaxBlock { SetName = name, IsDefault = isDefault, Text = text });
            }
        }

        private static void ReadExamples(CommandHelp help, List<MdElement> body, List<Diagnostic> diagnostics)
        {
            foreach (var (heading, sub) in Sub(body))
            {
                var example = new ExampleHelp { Title = MarkdownReader.Inline(heading.Text.Trim()), Line = heading.Line };
                int code = sub.FindIndex(e => e.Kind == MdElementKind.Fence);
                if (code < 0)
                {
                    diagnostics.Add(new Diagnostic(help.File, heading.Line, $"The example '{heading.Text}' has no code block."));
                }
                else
                {
                    example.Code = sub[code].Text;
                    sub.RemoveAt(code);
                }
                example.Remarks.AddRange(MarkdownReader.Blocks(sub));
                if (example.Remarks.Count == 0) diagnostics.Add(new Diagnostic(help.File, heading.Line, $"The example '{heading.Text}' has no text saying what it does."));
                help.Examples.Add(example);
            }
        }

        private static void ReadParameters(CommandHelp help, List<MdElement> body, List<Diagnostic> diagnostics)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (heading, sub) in Sub(body))
            {
                string title = heading.Text.Trim();
                if (title.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase))
                {
                    help.CommonParameters = true;
                    continue;
                }
                if (!title.StartsWith('-'))
                {
                    diagnostics.Add(new Diagnostic(help.File, heading.Line, $"A parameter heading must be '### -Name', not '### {title}'."));
                    continue;
                }
                var p = new ParameterHelp { Name = title.Substring(1).Trim(), Line = heading.Line };
                if (!seen.Add(p.Name)) diagnostics.Add(new Diagnostic(help.File, heading.Line, $"The parameter -{p.Name} is documented twice."));
                int yaml = sub.FindIndex(e => e.Kind == MdElementKind.Fence && e.Language == "yaml");
                if (yaml < 0)
                {
                    diagnostics.Add(new Diagnostic(help.File, heading.Line, $"The parameter -{p.Name} has no ```yaml block (Type, Parameter Sets, Aliases, Required, Position, ...)."));
                }
                else
                {
                    p.HasMeta = true;
                    foreach (var kv in MarkdownReader.Yaml(sub[yaml].Text)) p.Meta[kv.Key] = kv.Value;
                    foreach (string key in YamlKeys)
                    {
                        if (!p.Meta.ContainsKey(key)) diagnostics.Add(new Diagnostic(help.File, sub[yaml].Line, $"The yaml block of -{p.Name} has no '{key}:'."));
                    }
                    sub.RemoveAt(yaml);
                }
                p.Description.AddRange(MarkdownReader.Blocks(sub));
                if (p.Description.Count == 0) diagnostics.Add(new Diagnostic(help.File, heading.Line, $"The parameter -{p.Name} has no description."));
                help.Parameters.Add(p);
            }
        }

        private static void ReadTypes(List<TypeHelp> types, List<MdElement> body)
        {
            foreach (var (heading, sub) in Sub(body))
            {
                var t = new TypeHelp { TypeName = MarkdownReader.Inline(heading.Text.Trim()) };
                t.Description.AddRange(MarkdownReader.Blocks(sub));
                types.Add(t);
            }
        }

        /// <summary>Every -Name in a syntax block must be a documented parameter (the common ones aside).</summary>
        private static void CheckSyntax(CommandHelp help, List<Diagnostic> diagnostics)
        {
            var documented = new HashSet<string>(help.Parameters.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
            foreach (var block in help.Syntax)
            {
                foreach (Match m in SyntaxParamRx.Matches(block.Text))
                {
                    string name = m.Groups[1].Value;
                    if (!documented.Contains(name))
                    {
                        diagnostics.Add(new Diagnostic(help.File, help.NameLine, $"The syntax of set '{block.SetName}' names -{name}, which has no '### -{name}' section."));
                    }
                }
            }
            var setNames = new HashSet<string>(help.Syntax.Select(s => s.SetName), StringComparer.OrdinalIgnoreCase);
            foreach (var p in help.Parameters)
            {
                foreach (string set in Sets(p))
                {
                    if (set != "(All)" && help.Syntax.Count > 0 && !setNames.Contains(set))
                    {
                        diagnostics.Add(new Diagnostic(help.File, p.Line, $"-{p.Name} names the parameter set '{set}', which has no '### {set}' block under SYNTAX."));
                    }
                }
            }
        }

        /// <summary>The parameter sets a parameter's yaml names ("(All)" when it is in every set).</summary>
        public static IEnumerable<string> Sets(ParameterHelp p)
        {
            string sets = p.Get("Parameter Sets", "(All)");
            foreach (string s in sets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) yield return s;
        }
    }
}
