using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation.Language;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Reads a .psd1 data file (a mapping, dedupe rules) through PowerShell's parser into tables, lists and
    /// scalars, in declaration order. Nothing in it runs: anything other than constants, arrays and tables is
    /// refused with &lt;prefix&gt;NotData, a syntax error with &lt;prefix&gt;ParseError.
    /// </summary>
    internal static class DataFileReader
    {
        /// <summary>Reads a .psd1 file that holds one hashtable into a tree of tables, lists and scalars.</summary>
        public static object? Read(string file, string codePrefix)
        {
            var ast = Parser.ParseFile(file, out _, out ParseError[] errors);
            return FromAst(ast, errors, file, codePrefix);
        }

        /// <summary>Reads .psd1 text (one hashtable) as <see cref="Read"/> reads a file.</summary>
        public static object? ReadText(string text, string codePrefix)
        {
            var ast = Parser.ParseInput(text, out _, out ParseError[] errors);
            return FromAst(ast, errors, "", codePrefix);
        }

        private static object? FromAst(ScriptBlockAst ast, ParseError[] errors, string file, string codePrefix)
        {
            if (errors.Length > 0)
            {
                var e = errors[0];
                throw new CrmException(new CrmDataError(codePrefix + "ParseError", CrmErrorKind.InvalidArgument, e.Message) { File = file, Line = e.Extent.StartLineNumber });
            }
            var statements = ast.EndBlock?.Statements;
            if (statements is null || statements.Count != 1)
            {
                throw new CrmException(new CrmDataError(codePrefix + "ParseError", CrmErrorKind.InvalidArgument, "A .psd1 data file holds exactly one hashtable @{ ... }.") { File = file });
            }
            return FromStatement(statements[0], file, codePrefix);
        }

        private static object? FromStatement(StatementAst statement, string file, string prefix)
        {
            if (statement is PipelineAst p && p.PipelineElements.Count == 1 && p.PipelineElements[0] is CommandExpressionAst ce) return FromExpression(ce.Expression, file, prefix);
            throw NotData(statement, file, prefix);
        }

        private static object? FromExpression(ExpressionAst e, string file, string prefix)
        {
            switch (e)
            {
                case StringConstantExpressionAst s: return s.Value;
                case ConstantExpressionAst c: return c.Value;
                case HashtableAst h:
                    var map = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (var kv in h.KeyValuePairs)
                    {
                        object? key = FromExpression(kv.Item1, file, prefix);
                        map[key?.ToString() ?? ""] = FromStatement(kv.Item2, file, prefix);
                    }
                    return map;
                case ArrayLiteralAst a:
                    var items = new List<object?>();
                    foreach (var el in a.Elements) items.Add(FromExpression(el, file, prefix));
                    return items;
                case ArrayExpressionAst ae:
                    var list = new List<object?>();
                    foreach (var st in ae.SubExpression.Statements)
                    {
                        object? v = FromStatement(st, file, prefix);
                        if (v is List<object?> inner) list.AddRange(inner); else list.Add(v);
                    }
                    return list;
                case ParenExpressionAst pe: return FromStatement(pe.Pipeline, file, prefix);
                case ConvertExpressionAst cv when cv.Type.TypeName.Name.Equals("ordered", StringComparison.OrdinalIgnoreCase):
                    return FromExpression(cv.Child, file, prefix);
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("true", StringComparison.OrdinalIgnoreCase): return true;
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("false", StringComparison.OrdinalIgnoreCase): return false;
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("null", StringComparison.OrdinalIgnoreCase): return null;
                case UnaryExpressionAst u when u.TokenKind == TokenKind.Minus && u.Child is ConstantExpressionAst n && n.Value is int i: return -i;
                default: throw NotData(e, file, prefix);
            }
        }

        private static CrmException NotData(Ast ast, string file, string prefix)
        {
            return new CrmException(new CrmDataError(prefix + "NotData", CrmErrorKind.InvalidArgument,
                $"'{ast.Extent.Text}' is not data: a .psd1 {(prefix == "Mapping" ? "mapping" : "rules file")} may hold only text, numbers, $true/$false/$null, arrays and tables. Nothing in it runs.")
            { File = file, Line = ast.Extent.StartLineNumber });
        }
    }
}
