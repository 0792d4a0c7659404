using System;
using System.Collections.Generic;
using System.Text;

namespace CrmMigration.Engine.Schema
{
    /// <summary>
    /// What an SQLite CREATE TABLE statement says beyond pragma table_info: comments (SQLite keeps the statement's
    /// text, comments included, in sqlite_master), CHECK (json_valid(column)) and CHECK (column IN ('a', 'b')),
    /// and AUTOINCREMENT. A comment belongs to the column (or, after the opening parenthesis, the table) whose
    /// text ends on the line where the comment starts; a comment on a line of its own belongs to the column that
    /// follows it.
    /// </summary>
    internal sealed class SqliteTableText
    {
        public sealed class Column
        {
            public string? Comment { get; set; }
            public bool Json { get; set; }
            public List<string>? AllowedValues { get; set; }
            public bool AutoIncrement { get; set; }
        }

        public string? TableComment { get; private set; }
        public Dictionary<string, Column> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Column? Get(string name) => Columns.TryGetValue(name, out var c) ? c : null;

        private enum Kind { Word, Quoted, String, Punct, Comment, Number }

        private readonly struct Token
        {
            public Token(Kind kind, string text, int line)
            {
                Kind = kind;
                Text = text;
                Line = line;
            }

            public Kind Kind { get; }
            public string Text { get; }
            public int Line { get; }
            public bool Is(string word) => (Kind is Kind.Word or Kind.Punct) && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
            public bool IsName => Kind is Kind.Word or Kind.Quoted;
        }

        /// <summary>Reads a CREATE TABLE statement; anything it does not understand is left out, never an error.</summary>
        public static SqliteTableText Parse(string? sql)
        {
            var result = new SqliteTableText();
            if (string.IsNullOrEmpty(sql)) return result;
            List<Token> tokens;
            try { tokens = Tokenize(sql); }
            catch (FormatException) { return result; }

            int open = tokens.FindIndex(t => t.Kind == Kind.Punct && t.Text == "(");
            if (open < 0) return result;
            // Definitions at depth 1, as token index ranges [start, end).
            var defs = new List<(int Start, int End)>();
            var defOf = new int[tokens.Count];
            Array.Fill(defOf, -1);
            int depth = 0, start = -1, close = tokens.Count;
            for (int i = open; i < tokens.Count; i++)
            {
                var t = tokens[i];
                if (t.Kind == Kind.Comment) continue;
                if (t.Kind == Kind.Punct && t.Text == "(")
                {
                    depth++;
                    if (depth == 1) { start = i + 1; continue; }
                }
                else if (t.Kind == Kind.Punct && t.Text == ")")
                {
                    depth--;
                    if (depth == 0) { defs.Add((start, i)); close = i; break; }
                }
                else if (depth == 1 && t.Kind == Kind.Punct && t.Text == ",")
                {
                    defs.Add((start, i));
                    start = i + 1;
                    continue;
                }
                if (depth >= 1) defOf[i] = defs.Count;
            }

            // Column names per definition (null for table constraints).
            var names = new string?[defs.Count];
            for (int d = 0; d < defs.Count; d++)
            {
                int first = NextCode(tokens, defs[d].Start, defs[d].End);
                if (first < 0) continue;
                var t = tokens[first];
                if (t.Is("CONSTRAINT") || t.Is("PRIMARY") || t.Is("UNIQUE") || t.Is("CHECK") || t.Is("FOREIGN")) continue;
                if (!t.IsName) continue;
                names[d] = t.Text;
                var column = result.Ensure(t.Text);
                for (int i = first + 1; i < defs[d].End; i++)
                {
                    if (tokens[i].Is("AUTOINCREMENT")) column.AutoIncrement = true;
                }
            }

            // CHECK constraints, in column and table definitions alike.
            for (int d = 0; d < defs.Count; d++)
            {
                for (int i = defs[d].Start; i < defs[d].End; i++)
                {
                    if (!tokens[i].Is("CHECK")) continue;
                    int p = NextCode(tokens, i + 1, defs[d].End);
                    if (p < 0 || tokens[p].Text != "(") continue;
                    int end = Matching(tokens, p, defs[d].End);
                    ReadCheck(result, tokens, p + 1, end, names[d]);
                    i = end;
                }
            }

            // Comments.
            int lastCode = -1;
            for (int i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                if (t.Kind != Kind.Comment) { lastCode = i; continue; }
                if (i < open || i > close) continue;
                string text = t.Text;
                if (text.Length == 0) continue;
                if (lastCode >= 0 && tokens[lastCode].Line == t.Line)
                {
                    if (lastCode == open) { result.TableComment = Join(result.TableComment, text); continue; }
                    int d = defOf[lastCode];
                    if (d < 0 && tokens[lastCode].Text == ",") d = DefEndingAt(defs, lastCode);
                    if (d >= 0 && d < names.Length && names[d] is string n) result.Ensure(n).Comment = Join(result.Get(n)!.Comment, text);
                    continue;
                }
                // A comment on a line of its own: the definition that follows.
                int next = NextCode(tokens, i + 1, tokens.Count);
                if (next >= 0 && defOf[next] >= 0 && names[defOf[next]] is string following) result.Ensure(following).Comment = Join(result.Get(following)!.Comment, text);
            }
            return result;
        }

        private Column Ensure(string name)
        {
            if (!Columns.TryGetValue(name, out var c)) Columns[name] = c = new Column();
            return c;
        }

        private static string Join(string? a, string b) => a is null ? b : a + "\n" + b;

        private static int DefEndingAt(List<(int Start, int End)> defs, int comma)
        {
            for (int d = 0; d < defs.Count; d++) if (defs[d].End == comma) return d;
            return -1;
        }

        private static int NextCode(List<Token> tokens, int from, int end)
        {
            for (int i = from; i < end && i < tokens.Count; i++) if (tokens[i].Kind != Kind.Comment) return i;
            return -1;
        }

        private static int Matching(List<Token> tokens, int open, int end)
        {
            int depth = 0;
            for (int i = open; i < end; i++)
            {
                if (tokens[i].Kind != Kind.Punct) continue;
                if (tokens[i].Text == "(") depth++;
                else if (tokens[i].Text == ")" && --depth == 0) return i;
            }
            return end;
        }

        /// <summary>json_valid(col) or col IN ('a', 'b') (the whole condition, nothing else).</summary>
        private static void ReadCheck(SqliteTableText result, List<Token> tokens, int start, int end, string? column)
        {
            var code = new List<Token>();
            for (int i = start; i < end; i++) if (tokens[i].Kind != Kind.Comment) code.Add(tokens[i]);
            if (code.Count == 4 && code[0].Is("json_valid") && code[1].Text == "(" && code[2].IsName && code[3].Text == ")")
            {
                if (column is null || string.Equals(code[2].Text, column, StringComparison.OrdinalIgnoreCase)) result.Ensure(code[2].Text).Json = true;
                return;
            }
            if (code.Count >= 5 && code[0].IsName && code[1].Is("IN") && code[2].Text == "(" && code[^1].Text == ")")
            {
                if (column is not null && !string.Equals(code[0].Text, column, StringComparison.OrdinalIgnoreCase)) return;
                var values = new List<string>();
                for (int i = 3; i < code.Count - 1; i++)
                {
                    if ((i - 3) % 2 == 0)
                    {
                        if (code[i].Kind != Kind.String) return;
                        values.Add(code[i].Text);
                    }
                    else if (code[i].Text != ",") return;
                }
                result.Ensure(code[0].Text).AllowedValues = values;
            }
        }

        private static List<Token> Tokenize(string sql)
        {
            var list = new List<Token>();
            int line = 1;
            int i = 0;
            var sb = new StringBuilder();
            while (i < sql.Length)
            {
                char c = sql[i];
                if (c == '\n') { line++; i++; continue; }
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
                {
                    int eol = sql.IndexOf('\n', i);
                    if (eol < 0) eol = sql.Length;
                    list.Add(new Token(Kind.Comment, sql.Substring(i + 2, eol - i - 2).Trim(), line));
                    i = eol;
                    continue;
                }
                if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
                {
                    int endAt = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (endAt < 0) endAt = sql.Length;
                    string body = sql.Substring(i + 2, Math.Max(0, endAt - i - 2));
                    list.Add(new Token(Kind.Comment, body.Trim(), line));
                    foreach (char ch in body) if (ch == '\n') line++;
                    i = Math.Min(sql.Length, endAt + 2);
                    continue;
                }
                if (c is '"' or '`' or '\'' or '[')
                {
                    char closeChar = c == '[' ? ']' : c;
                    sb.Clear();
                    int startLine = line;
                    i++;
                    bool closed = false;
                    while (i < sql.Length)
                    {
                        char ch = sql[i];
                        if (ch == closeChar)
                        {
                            if (closeChar != ']' && i + 1 < sql.Length && sql[i + 1] == closeChar) { sb.Append(ch); i += 2; continue; }
                            i++;
                            closed = true;
                            break;
                        }
                        if (ch == '\n') line++;
                        sb.Append(ch);
                        i++;
                    }
                    if (!closed) throw new FormatException("Unterminated quote.");
                    list.Add(new Token(c == '\'' ? Kind.String : Kind.Quoted, sb.ToString(), startLine));
                    continue;
                }
                if (char.IsLetterOrDigit(c) || c == '_' || c == '$' || c > 127)
                {
                    int s = i;
                    while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$' || sql[i] > 127)) i++;
                    string word = sql.Substring(s, i - s);
                    list.Add(new Token(char.IsDigit(c) ? Kind.Number : Kind.Word, word, line));
                    continue;
                }
                list.Add(new Token(Kind.Punct, c.ToString(), line));
                i++;
            }
            return list;
        }
    }
}
