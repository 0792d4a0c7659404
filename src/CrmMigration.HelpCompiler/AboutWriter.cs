using System;
using System.Collections.Generic;
using System.Text;

namespace CrmMigration.HelpCompiler
{
    /// <summary>
    /// Turns an about_*.md page into the plain-text about topic Get-Help shows: TOPIC first, section
    /// headings in capitals at the margin, sub-headings in capitals indented two, text indented four
    /// and wrapped at 80 columns, code and tables indented eight and kept as written.
    /// </summary>
    internal static class AboutWriter
    {
        public const int Width = 80;

        public static string? Convert(string file, string[] lines, List<Diagnostic> diagnostics)
        {
            var elements = MarkdownReader.Parse(file, lines, diagnostics, out _);
            string expected = System.IO.Path.GetFileNameWithoutExtension(file);
            var h1 = elements.Find(e => e.Kind == MdElementKind.Heading && e.Level == 1);
            if (h1 is null)
            {
                diagnostics.Add(new Diagnostic(file, 1, $"The about topic has no '# {expected}' title."));
                return null;
            }
            if (!string.Equals(h1.Text.Trim(), expected, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Add(new Diagnostic(file, h1.Line, $"The title '{h1.Text.Trim()}' does not match the file name '{expected}'."));
            }
            if (!elements.Exists(e => e.Kind == MdElementKind.Heading && e.Level == 2 && e.Text.Trim().Equals("Short description", StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Add(new Diagnostic(file, h1.Line, "The about topic has no '## Short description' section."));
            }

            var sb = new StringBuilder();
            sb.Append("TOPIC\n");
            sb.Append("    ").Append(expected).Append("\n\n");
            var pending = new List<MdElement>();
            bool started = false;
            foreach (var e in elements)
            {
                if (e.Kind == MdElementKind.Heading)
                {
                    if (e.Level == 1) continue;
                    Emit(sb, pending);
                    pending.Clear();
                    if (started) sb.Append('\n');
                    started = true;
                    string title = MarkdownReader.Inline(e.Text.Trim()).ToUpperInvariant();
                    sb.Append(e.Level == 2 ? "" : "  ").Append(title).Append('\n');
                    continue;
                }
                pending.Add(e);
            }
            Emit(sb, pending);
            return sb.ToString().TrimEnd('\n') + "\n";
        }

        private static void Emit(StringBuilder sb, List<MdElement> elements)
        {
            bool first = true;
            foreach (var b in MarkdownReader.Blocks(elements))
            {
                if (!first) sb.Append('\n');
                first = false;
                switch (b.Kind)
                {
                    case TextBlockKind.Preformatted:
                        foreach (string line in b.Text.Split('\n')) sb.Append(line.Length == 0 ? "" : "        " + line).Append('\n');
                        break;
                    case TextBlockKind.ListItem:
                        int marker = b.Text.IndexOf(' ') + 1;
                        Wrap(sb, b.Text, "    ", new string(' ', 4 + marker));
                        break;
                    default:
                        Wrap(sb, b.Text, "    ", "    ");
                        break;
                }
            }
        }

        /// <summary>Greedy word wrap; a word longer than the line stands alone rather than being broken.</summary>
        public static void Wrap(StringBuilder sb, string text, string firstIndent, string restIndent)
        {
            var line = new StringBuilder(firstIndent);
            int baseLength = firstIndent.Length;
            foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > baseLength && line.Length + 1 + word.Length > Width)
                {
                    sb.Append(line.ToString().TrimEnd()).Append('\n');
                    line.Clear().Append(restIndent);
                    baseLength = restIndent.Length;
                }
                if (line.Length > baseLength) line.Append(' ');
                line.Append(word);
            }
            if (line.Length > baseLength) sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }
}
