using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace CrmMigration.HelpCompiler
{
    /// <summary>
    /// Writes cmdlet help as MAML, the XML PowerShell's Get-Help reads from &lt;module&gt;/&lt;culture&gt;/&lt;dll&gt;-Help.xml.
    /// XmlWriter does all escaping; text that XML 1.0 cannot hold (control characters) is dropped.
    /// </summary>
    internal static class MamlWriter
    {
        private const string Msh = "http://msh";
        private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
        private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        private const string MsHelp = "http://msdn.microsoft.com/mshelp";

        public static void Write(string path, IReadOnlyList<CommandHelp> commands)
        {
            var settings = new XmlWriterSettings
            {
                Indent = true,
                IndentChars = "  ",
                Encoding = new UTF8Encoding(false),
                NewLineHandling = NewLineHandling.Entitize,
                CheckCharacters = true,
            };
            using var w = XmlWriter.Create(path, settings);
            w.WriteStartDocument();
            w.WriteStartElement("helpItems", Msh);
            w.WriteAttributeString("schema", "maml");
            foreach (var c in commands.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)) WriteCommand(w, c);
            w.WriteEndElement();
            w.WriteEndDocument();
        }

        private static void WriteCommand(XmlWriter w, CommandHelp c)
        {
            w.WriteStartElement("command", "command", Command);
            w.WriteAttributeString("xmlns", "maml", null, Maml);
            w.WriteAttributeString("xmlns", "command", null, Command);
            w.WriteAttributeString("xmlns", "dev", null, Dev);
            w.WriteAttributeString("xmlns", "MSHelp", null, MsHelp);

            int dash = c.Name.IndexOf('-');
            w.WriteStartElement("command", "details", Command);
            Element(w, "command", "name", Command, c.Name);
            Paras(w, "maml", "description", Maml, new[] { new TextBlock(TextBlockKind.Paragraph, c.Synopsis ?? "") });
            Element(w, "command", "verb", Command, dash > 0 ? c.Name.Substring(0, dash) : c.Name);
            Element(w, "command", "noun", Command, dash > 0 ? c.Name.Substring(dash + 1) : "");
            w.WriteEndElement();

            Paras(w, "maml", "description", Maml, c.Description);

            w.WriteStartElement("command", "syntax", Command);
            foreach (var (set, parameters) in SyntaxItems(c))
            {
                w.WriteStartElement("command", "syntaxItem", Command);
                Element(w, "maml", "name", Maml, c.Name);
                foreach (var p in parameters) WriteParameter(w, p, forSyntax: true);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("command", "parameters", Command);
            foreach (var p in c.Parameters) WriteParameter(w, p, forSyntax: false);
            w.WriteEndElement();

            WriteTypes(w, "inputTypes", "inputType", c.Inputs);
            WriteTypes(w, "returnValues", "returnValue", c.Outputs);

            w.WriteStartElement("maml", "alertSet", Maml);
            w.WriteStartElement("maml", "alert", Maml);
            foreach (var b in c.Notes) Para(w, b);
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteStartElement("command", "examples", Command);
            int n = 0;
            foreach (var e in c.Examples)
            {
                n++;
                w.WriteStartElement("command", "example", Command);
                Element(w, "maml", "title", Maml, ExampleTitle(e.Title, n));
                Element(w, "dev", "code", Dev, e.Code);
                // A closing empty para leaves a blank line before the next example's title.
                Paras(w, "dev", "remarks", Dev, e.Remarks.Append(new TextBlock(TextBlockKind.Paragraph, "")));
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("maml", "relatedLinks", Maml);
            foreach (var l in c.Links)
            {
                w.WriteStartElement("maml", "navigationLink", Maml);
                Element(w, "maml", "linkText", Maml, l.Text);
                Element(w, "maml", "uri", Maml, l.Uri);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteEndElement();
        }

        /// <summary>"Example 1: Export contacts" framed with dashes, as Get-Help prints example titles.</summary>
        private static string ExampleTitle(string title, int n)
        {
            string t = title.Length == 0 ? "Example " + n : title;
            return "--------- " + t + " ---------";
        }

        /// <summary>The syntax items: one per parameter set, in SYNTAX order, each with its parameters in the order the syntax block shows them.</summary>
        private static IEnumerable<(string Set, List<ParameterHelp> Parameters)> SyntaxItems(CommandHelp c)
        {
            var sets = new List<(string Name, string Text)>();
            foreach (var s in c.Syntax) sets.Add((s.SetName, s.Text));
            foreach (var p in c.Parameters)
            {
                foreach (string s in CommandPageReader.Sets(p))
                {
                    if (s != "(All)" && !sets.Any(x => string.Equals(x.Name, s, StringComparison.OrdinalIgnoreCase))) sets.Add((s, ""));
                }
            }
            if (sets.Count == 0) sets.Add(("__AllParameterSets", ""));
            foreach (var (name, text) in sets)
            {
                bool all = sets.Count == 1;
                var members = c.Parameters
                    .Where(p => all || CommandPageReader.Sets(p).Any(s => s == "(All)" || string.Equals(s, name, StringComparison.OrdinalIgnoreCase)))
                    .Select((p, i) => (p, i, at: IndexIn(text, p.Name)))
                    .OrderBy(x => x.at < 0 ? int.MaxValue : x.at)
                    .ThenBy(x => x.i)
                    .Select(x => x.p)
                    .ToList();
                yield return (name, members);
            }
        }

        private static int IndexIn(string syntax, string parameter)
        {
            if (syntax.Length == 0) return -1;
            int at = 0;
            while ((at = syntax.IndexOf("-" + parameter, at, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                int end = at + parameter.Length + 1;
                bool boundaryBefore = at == 0 || !(char.IsLetterOrDigit(syntax[at - 1]) || syntax[at - 1] == '-');
                bool boundaryAfter = end >= syntax.Length || !char.IsLetterOrDigit(syntax[end]);
                if (boundaryBefore && boundaryAfter) return at;
                at = end;
            }
            return -1;
        }

        private static void WriteParameter(XmlWriter w, ParameterHelp p, bool forSyntax)
        {
            string type = p.Get("Type", "Object");
            bool isSwitch = type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase) || type.Equals("Switch", StringComparison.OrdinalIgnoreCase);
            string position = p.Get("Position", "Named");
            string aliases = p.Get("Aliases", "None");

            w.WriteStartElement("command", "parameter", Command);
            w.WriteAttributeString("required", Bool(p.Get("Required", "False")));
            w.WriteAttributeString("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
            w.WriteAttributeString("globbing", Bool(p.Get("Accept wildcard characters", "False")));
            w.WriteAttributeString("pipelineInput", p.Get("Accept pipeline input", "False"));
            w.WriteAttributeString("position", position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : position);
            w.WriteAttributeString("aliases", aliases.Equals("None", StringComparison.OrdinalIgnoreCase) ? "none" : aliases);
            Element(w, "maml", "name", Maml, p.Name);
            Paras(w, "maml", "description", Maml, p.Description);
            if (!(forSyntax && isSwitch))
            {
                w.WriteStartElement("command", "parameterValue", Command);
                w.WriteAttributeString("required", isSwitch ? "false" : "true");
                w.WriteAttributeString("variableLength", "false");
                w.WriteString(Clean(type));
                w.WriteEndElement();
            }
            w.WriteStartElement("dev", "type", Dev);
            Element(w, "maml", "name", Maml, type);
            Element(w, "maml", "uri", Maml, "");
            w.WriteEndElement();
            Element(w, "dev", "defaultValue", Dev, p.Get("Default value", "None"));
            w.WriteEndElement();
        }

        private static void WriteTypes(XmlWriter w, string outer, string inner, List<TypeHelp> types)
        {
            w.WriteStartElement("command", outer, Command);
            foreach (var t in types)
            {
                w.WriteStartElement("command", inner, Command);
                w.WriteStartElement("dev", "type", Dev);
                Element(w, "maml", "name", Maml, t.TypeName);
                w.WriteEndElement();
                Paras(w, "maml", "description", Maml, t.Description);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }

        private static string Bool(string yaml) => yaml.Trim().StartsWith("true", StringComparison.OrdinalIgnoreCase) ? "true" : "false";

        private static void Element(XmlWriter w, string prefix, string name, string ns, string text)
        {
            w.WriteStartElement(prefix, name, ns);
            w.WriteString(Clean(text));
            w.WriteEndElement();
        }

        private static void Paras(XmlWriter w, string prefix, string name, string ns, IEnumerable<TextBlock> blocks)
        {
            w.WriteStartElement(prefix, name, ns);
            foreach (var b in blocks) Para(w, b);
            w.WriteEndElement();
        }

        private static void Para(XmlWriter w, TextBlock b)
        {
            // Preformatted text keeps its lines; Get-Help prints a para's line breaks as they are.
            string text = b.Kind == TextBlockKind.Preformatted ? Indent(b.Text) : b.Text;
            Element(w, "maml", "para", Maml, text);
        }

        private static string Indent(string text) => "    " + text.Replace("\n", "\n    ", StringComparison.Ordinal);

        /// <summary>Drops characters XML 1.0 cannot carry; escaping of &lt; &amp; and quotes is XmlWriter's job.</summary>
        private static string Clean(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                if (c == '\t') sb.Append("    ");
                else if (c == '\n' || c >= 0x20 && c != 0xFFFE && c != 0xFFFF) sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
