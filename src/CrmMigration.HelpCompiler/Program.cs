using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CrmMigration.HelpCompiler
{
    /// <summary>
    /// crm help compiler: docs/en-US/*.md (platyPS 0.14 markdown) to MAML and about topics.
    ///   CrmMigration.HelpCompiler &lt;docs dir&gt; &lt;out dir&gt; &lt;module dll name&gt;
    /// Cmdlet pages (Verb-Noun.md) become &lt;out&gt;/&lt;dll&gt;-Help.xml; about_*.md pages become
    /// &lt;out&gt;/about_*.help.txt. Any rule a page breaks is printed as "file(line): error CRMHELP: ..."
    /// and the exit code is 1, which fails the build; nothing is written then.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length != 3)
            {
                Console.Error.WriteLine("usage: CrmMigration.HelpCompiler <docs/en-US dir> <output en-US dir> <module dll file name>");
                return 2;
            }
            string docs = Path.GetFullPath(args[0]);
            string output = Path.GetFullPath(args[1]);
            string dll = args[2];
            if (!Directory.Exists(docs))
            {
                Console.Error.WriteLine($"{docs}(1): error CRMHELP: The help source folder does not exist.");
                return 1;
            }

            var diagnostics = new List<Diagnostic>();
            var commands = new List<CommandHelp>();
            var abouts = new List<(string Name, string Text)>();
            var files = Directory.GetFiles(docs, "*.md");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                string name = Path.GetFileNameWithoutExtension(file);
                string[] lines = File.ReadAllText(file, Encoding.UTF8).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    string? text = AboutWriter.Convert(file, lines, diagnostics);
                    if (text is not null) abouts.Add((name, text));
                }
                else if (name.Equals("README", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                else
                {
                    commands.Add(CommandPageReader.Read(file, lines, diagnostics));
                }
            }
            if (commands.Count == 0) diagnostics.Add(new Diagnostic(docs, 1, "There are no cmdlet pages (Verb-Noun.md) in the help source folder."));

            if (diagnostics.Count > 0)
            {
                foreach (var d in diagnostics) Console.Error.WriteLine(d.ToString());
                Console.Error.WriteLine($"help compiler: {diagnostics.Count} problem(s) in {docs}; no help written.");
                return 1;
            }

            Directory.CreateDirectory(output);
            string maml = Path.Combine(output, dll + "-Help.xml");
            MamlWriter.Write(maml, commands);
            foreach (var (name, text) in abouts)
            {
                File.WriteAllText(Path.Combine(output, name + ".help.txt"), text, new UTF8Encoding(false));
            }
            Console.WriteLine($"help compiler: {commands.Count} cmdlet page(s) -> {maml}; {abouts.Count} about topic(s).");
            return 0;
        }
    }
}
