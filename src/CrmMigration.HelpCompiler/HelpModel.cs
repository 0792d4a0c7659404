using System.Collections.Generic;

namespace CrmMigration.HelpCompiler
{
    /// <summary>A problem in a source page, reported as file(line) so MSBuild and editors can jump to it.</summary>
    internal sealed class Diagnostic
    {
        public Diagnostic(string file, int line, string message)
        {
            File = file;
            Line = line;
            Message = message;
        }

        public string File { get; }
        public int Line { get; }
        public string Message { get; }

        /// <summary>The canonical MSBuild error form: path(line): error CODE: text.</summary>
        public override string ToString() => $"{File}({Line}): error CRMHELP: {Message}";
    }

    /// <summary>
    /// A block of body text: a paragraph (lines joined), a list item, or preformatted text (code
    /// fences and tables, kept line by line).
    /// </summary>
    internal sealed class TextBlock
    {
        public TextBlock(TextBlockKind kind, string text)
        {
            Kind = kind;
            Text = text;
        }

        public TextBlockKind Kind { get; }
        public string Text { get; }
    }

    internal enum TextBlockKind
    {
        Paragraph,
        ListItem,
        Preformatted,
    }

    internal sealed class ExampleHelp
    {
        public string Title { get; set; } = "";
        public int Line { get; set; }
        public string Code { get; set; } = "";
        public List<TextBlock> Remarks { get; } = new();
    }

    internal sealed class ParameterHelp
    {
        public string Name { get; set; } = "";
        public int Line { get; set; }
        public List<TextBlock> Description { get; } = new();
        /// <summary>The yaml block's keys and values (Type, Parameter Sets, Aliases, ...), case-insensitive.</summary>
        public Dictionary<string, string> Meta { get; } = new(System.StringComparer.OrdinalIgnoreCase);
        public bool HasMeta { get; set; }

        public string Get(string key, string fallback) => Meta.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
    }

    internal sealed class TypeHelp
    {
        public string TypeName { get; set; } = "";
        public List<TextBlock> Description { get; } = new();
    }

    internal sealed class LinkHelp
    {
        public string Text { get; set; } = "";
        public string Uri { get; set; } = "";
    }

    internal sealed class SyntaxBlock
    {
        public string SetName { get; set; } = "";
        public bool IsDefault { get; set; }
        public string Text { get; set; } = "";
    }

    /// <summary>One cmdlet page as read from markdown.</summary>
    internal sealed class CommandHelp
    {
        public string File { get; set; } = "";
        public string Name { get; set; } = "";
        public int NameLine { get; set; }
        public string? Synopsis { get; set; }
        public int SynopsisLine { get; set; }
        public List<SyntaxBlock> Syntax { get; } = new();
        public List<TextBlock> Description { get; } = new();
        public List<ExampleHelp> Examples { get; } = new();
        public int ExamplesLine { get; set; }
        public List<ParameterHelp> Parameters { get; } = new();
        public bool CommonParameters { get; set; }
        public List<TypeHelp> Inputs { get; } = new();
        public List<TypeHelp> Outputs { get; } = new();
        public List<TextBlock> Notes { get; } = new();
        public List<LinkHelp> Links { get; } = new();
    }
}
