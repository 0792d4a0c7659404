using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Language;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what the user gives -Mapping (a .psd1 or .json path, or a hashtable) into the engine's
    /// mapping. A .psd1 file is read as data through the parser's syntax tree, in declaration order;
    /// nothing in it runs, and anything other than constants, arrays and tables is refused.
    /// </summary>
    internal static class MappingLoader
    {
        public static CompiledMapping Load(object mapping, Func<string, string> resolvePath)
        {
            object value = mapping is PSObject pso ? pso.BaseObject : mapping;
            MappingDefinition definition;
            if (value is string path || value is FileInfo)
            {
                string full = resolvePath(value is FileInfo fi ? fi.FullName : (string)value);
                if (!File.Exists(full)) throw new CrmException(new CrmDataError("MappingFileNotFound", CrmErrorKind.NotFound, $"The mapping file '{full}' does not exist.") { File = full });
                string ext = Path.GetExtension(full).ToLowerInvariant();
                if (ext == ".json") definition = MappingParser.ParseJson(File.ReadAllText(full), full);
                else if (ext == ".psd1") definition = MappingParser.Parse(ReadDataFile(full), full);
                else throw new CrmException(new CrmDataError("MappingFileType", CrmErrorKind.InvalidArgument, "A mapping file must be .psd1 or .json.") { File = full });
            }
            else if (value is IDictionary)
            {
                definition = MappingParser.Parse(UnwrapTree(value), null);
            }
            else
            {
                throw new CrmException("MappingInvalidType", CrmErrorKind.InvalidArgument, $"-Mapping takes a .psd1 or .json path or a hashtable, not {value.GetType().Name}.");
            }
            return new CompiledMapping(definition);
        }

        private static object? UnwrapTree(object? value)
        {
            if (value is PSObject pso) value = pso.BaseObject;
            switch (value)
            {
                case null: return null;
                case string: return value;
                case ScriptBlock sb:
                    // Code is allowed only in a hashtable given directly (a file is never run); the parser
                    // accepts it only as a field's Transform. The engine sees a plain delegate.
                    return new CustomTransform(sb.ToString().Trim(), (v, record) => UnwrapResult(sb.InvokeReturnAsIs(v, record)));
                case IDictionary dict:
                    var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry e in dict) result[UnwrapTree(e.Key)?.ToString() ?? ""] = UnwrapTree(e.Value);
                    return result;
                case IEnumerable list:
                    var items = new List<object?>();
                    foreach (object? o in list) items.Add(UnwrapTree(o));
                    return items;
                default: return value;
            }
        }

        private static object? UnwrapResult(object? result) => result is PSObject p ? p.BaseObject : result;

        private static object? ReadDataFile(string file)
        {
            var ast = Parser.ParseFile(file, out _, out ParseError[] errors);
            if (errors.Length > 0)
            {
                var e = errors[0];
                throw new CrmException(new CrmDataError("MappingParseError", CrmErrorKind.InvalidArgument, e.Message) { File = file, Line = e.Extent.StartLineNumber });
            }
            var statements = ast.EndBlock?.Statements;
            if (statements is null || statements.Count != 1)
            {
                throw new CrmException(new CrmDataError("MappingParseError", CrmErrorKind.InvalidArgument, "A .psd1 mapping holds exactly one hashtable @{ ... }.") { File = file });
            }
            return FromStatement(statements[0], file);
        }

        private static object? FromStatement(StatementAst statement, string file)
        {
            if (statement is PipelineAst p && p.PipelineElements.Count == 1 && p.PipelineElements[0] is CommandExpressionAst ce) return FromExpression(ce.Expression, file);
            throw NotData(statement, file);
        }

        private static object? FromExpression(ExpressionAst e, string file)
        {
            switch (e)
            {
                case StringConstantExpressionAst s: return s.Value;
                case ConstantExpressionAst c: return c.Value;
                case HashtableAst h:
                    var map = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (var kv in h.KeyValuePairs)
                    {
                        object? key = FromExpression(kv.Item1, file);
                        map[key?.ToString() ?? ""] = FromStatement(kv.Item2, file);
                    }
                    return map;
                case ArrayLiteralAst a:
                    var items = new List<object?>();
                    foreach (var el in a.Elements) items.Add(FromExpression(el, file));
                    return items;
                case ArrayExpressionAst ae:
                    var list = new List<object?>();
                    foreach (var st in ae.SubExpression.Statements)
                    {
                        object? v = FromStatement(st, file);
                        if (v is List<object?> inner) list.AddRange(inner); else list.Add(v);
                    }
                    return list;
                case ParenExpressionAst pe: return FromStatement(pe.Pipeline, file);
                case ConvertExpressionAst cv when cv.Type.TypeName.Name.Equals("ordered", StringComparison.OrdinalIgnoreCase):
                    return FromExpression(cv.Child, file);
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("true", StringComparison.OrdinalIgnoreCase): return true;
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("false", StringComparison.OrdinalIgnoreCase): return false;
                case VariableExpressionAst v when v.VariablePath.UserPath.Equals("null", StringComparison.OrdinalIgnoreCase): return null;
                case UnaryExpressionAst u when u.TokenKind == TokenKind.Minus && u.Child is ConstantExpressionAst n && n.Value is int i: return -i;
                default: throw NotData(e, file);
            }
        }

        private static CrmException NotData(Ast ast, string file)
        {
            return new CrmException(new CrmDataError("MappingNotData", CrmErrorKind.InvalidArgument,
                $"'{ast.Extent.Text}' is not data: a .psd1 mapping may hold only text, numbers, $true/$false/$null, arrays and tables. Nothing in it runs.")
            { File = file, Line = ast.Extent.StartLineNumber });
        }
    }
}
