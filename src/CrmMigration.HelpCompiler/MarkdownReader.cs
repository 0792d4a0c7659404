using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace CrmMigration.HelpCompiler
{
    /// <summary>One structural piece of a markdown page: a heading, a fenced code block, or a line of text.</summary>
    internal sealed class MdElement
    {
        public MdElementKind Kind { get; init; }
        /// <summary>Heading level (1-6) for headings.</summary>
        public int Level { get; init; }
        /// <summary>Heading text, the text line, or the fence's content.</summary>
        public string Text { get; init; } = "";
        /// <summary>The fence's info string (powershell, yaml), lower case.</summary>
        public string Language { get; init; } = "";
        /// <summary>1-based line in the file.</summary>
        public int Line { get; init; }
    }

    internal enum MdElementKind
    {
        Heading,
        Fence,
        Text,
    }

    /// <summary>
    /// Splits a page into headings, fences and text lines (headings inside fences stay code), and turns
    /// runs of text into paragraphs, list items and preformatted blocks. Only the markdown the help
    /// pages use is understood: ATX headings, ``` fences, '-'/'*'/'1.' lists, '|' tables, and inline
    /// `code`, **bold**, *emphasis* and [text](link).
    /// </summary>
    internal static class MarkdownReader
    {
        private static readonly Regex HeadingRx = new(@"^(#{1,6})\s+(.*?)\s*#*\s*$", RegexOptions.CultureInvariant);
        private static readonly Regex ListRx = new(@"^\s{0,3}([-*+]|\d{1,3}[.)])\s+(.*)$", RegexOptions.CultureInvariant);
        private static readonly Regex LinkRx = new(@"\[([^\]]+)\]\(([^)\s]+)\)", RegexOptions.CultureInvariant);

        /// <summary>Reads the elements of a page after its YAML front matter; reports an unclosed fence.</summary>
        public static List<MdElement> Parse(string file, string[] lines, List<Diagnostic> diagnostics, out Dictionary<string, string> frontMatter)
        {
            frontMatter = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var result = new List<MdElement>();
            int i = 0;
            if (lines.Length > 0 && lines[0].Trim() == "---")
            {
                int end = -1;
                for (int j = 1; j < lines.Length; j++)
                {
                    if (lines[j].Trim() == "---") { end = j; break; }
                    int colon = lines[j].IndexOf(':');
                    if (colon > 0) frontMatter[lines[j].Substring(0, colon).Trim()] = lines[j].Substring(colon + 1).Trim();
                }
                if (end < 0)
                {
                    diagnostics.Add(new Diagnostic(file, 1, "The YAML front matter opened with '---' is never closed."));
                    return result;
                }
                i = end + 1;
            }
            for (; i < lines.Length; i++)
            {
                string line = lines[i];
                string trimmed = line.TrimStart();
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    string fence = trimmed.Substring(0, CountLeading(trimmed, '`'));
                    string lang = trimmed.Substring(fence.Length).Trim().ToLowerInvariant();
                    int start = i;
                    var body = new StringBuilder();
                    bool closed = false;
                    for (i++; i < lines.Length; i++)
                    {
                        if (lines[i].TrimStart().StartsWith(fence, StringComparison.Ordinal) && lines[i].Trim().Trim('`').Length == 0)
                        {
                            closed = true;
                            break;
                        }
                        if (body.Length > 0) body.Append('\n');
                        body.Append(lines[i].TrimEnd());
                    }
                    if (!closed) diagnostics.Add(new Diagnostic(file, start + 1, "A code fence opened here is never closed."));
                    result.Add(new MdElement { Kind = MdElementKind.Fence, Text = body.ToString(), Language = lang, Line = start + 1 });
                    continue;
                }
                var m = HeadingRx.Match(line);
                if (m.Success)
                {
                    result.Add(new MdElement { Kind = MdElementKind.Heading, Level = m.Groups[1].Length, Text = m.Groups[2].Value, Line = i + 1 });
                    continue;
                }
                result.Add(new MdElement { Kind = MdElementKind.Text, Text = line.TrimEnd(), Line = i + 1 });
            }
            return result;
        }

        private static int CountLeading(string s, char c)
        {
            int n = 0;
            while (n < s.Length && s[n] == c) n++;
            return n;
        }

        /// <summary>Turns text lines and fences into blocks: paragraphs, list items, preformatted text.</summary>
        public static List<TextBlock> Blocks(IEnumerable<MdElement> elements)
        {
            var blocks = new List<TextBlock>();
            var para = new StringBuilder();
            TextBlockKind paraKind = TextBlockKind.Paragraph;
            var table = new StringBuilder();

            void FlushPara()
            {
                if (para.Length > 0) blocks.Add(new TextBlock(paraKind, Inline(para.ToString())));
                para.Clear();
                paraKind = TextBlockKind.Paragraph;
            }
            void FlushTable()
            {
                if (table.Length > 0) blocks.Add(new TextBlock(TextBlockKind.Preformatted, table.ToString()));
                table.Clear();
            }

            foreach (var e in elements)
            {
                if (e.Kind == MdElementKind.Fence)
                {
                    FlushPara();
                    FlushTable();
                    blocks.Add(new TextBlock(TextBlockKind.Preformatted, e.Text));
                    continue;
                }
                if (e.Kind == MdElementKind.Heading)
                {
                    // A heading deeper than the caller splits on: keep it as its own paragraph.
                    FlushPara();
                    FlushTable();
                    blocks.Add(new TextBlock(TextBlockKind.Paragraph, Inline(e.Text)));
                    continue;
                }
                string line = e.Text;
                if (line.Trim().Length == 0)
                {
                    FlushPara();
                    FlushTable();
                    continue;
                }
                if (line.TrimStart().StartsWith('|'))
                {
                    FlushPara();
                    if (IsTableRule(line)) continue;
                    if (table.Length > 0) table.Append('\n');
                    table.Append(TableRow(line));
                    continue;
                }
                FlushTable();
                var lm = ListRx.Match(line);
                if (lm.Success)
                {
                    FlushPara();
                    paraKind = TextBlockKind.ListItem;
                    string marker = lm.Groups[1].Value;
                    para.Append(char.IsDigit(marker[0]) ? marker.TrimEnd(')', '.') + ". " : "- ").Append(lm.Groups[2].Value.Trim());
                    continue;
                }
                if (para.Length > 0) para.Append(' ');
                para.Append(line.Trim());
            }
            FlushPara();
            FlushTable();
            return blocks;
        }

        private static bool IsTableRule(string line)
        {
            foreach (char c in line) if (c != '|' && c != '-' && c != ':' && c != ' ') return false;
            return true;
        }

        private static string TableRow(string line)
        {
            string t = line.Trim().Trim('|');
            var cells = t.Split('|');
            var sb = new StringBuilder();
            for (int i = 0; i < cells.Length; i++)
            {
                if (i > 0) sb.Append("  ");
                sb.Append(Inline(cells[i].Trim()));
            }
            return sb.ToString();
        }

        /// <summary>Removes inline markdown: `code` and **bold** lose their marks, [text](uri) becomes "text (uri)".</summary>
        public static string Inline(string text)
        {
            text = LinkRx.Replace(text, m => m.Groups[2].Value.StartsWith('#') ? m.Groups[1].Value : m.Groups[1].Value + " (" + m.Groups[2].Value + ")");
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\\' && i + 1 < text.Length && "\\`*_[]()#|<>".IndexOf(text[i + 1]) >= 0)
                {
                    sb.Append(text[++i]);
                    continue;
                }
                if (c == '`') continue;
                if (c == '*' && i + 1 < text.Length && text[i + 1] == '*') { i++; continue; }
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>Reads "Key: value" lines of a simple YAML block.</summary>
        public static Dictionary<string, string> Yaml(string text)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                d[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
            return d;
        }

        /// <summary>Finds [text](uri) in a line; otherwise the line (without a list marker) is the text.</summary>
        public static LinkHelp? Link(string line)
        {
            string t = line.Trim();
            if (t.Length == 0) return null;
            var m = LinkRx.Match(t);
            if (m.Success) return new LinkHelp { Text = m.Groups[1].Value.Trim(), Uri = m.Groups[2].Value.Trim() };
            var lm = ListRx.Match(t);
            if (lm.Success) t = lm.Groups[2].Value.Trim();
            return new LinkHelp { Text = Inline(t), Uri = "" };
        }
    }
}
