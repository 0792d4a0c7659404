using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace CrmMigration.Engine.Schema
{
    /// <summary>When a schema statement runs: before the records (types, tables, comments) or after them (foreign keys, indexes, sequences).</summary>
    public enum SchemaStep
    {
        /// <summary>Before any record is written.</summary>
        BeforeData,
        /// <summary>After every record is written, so load order cannot break a foreign key.</summary>
        AfterData,
    }

    /// <summary>One DDL statement of a target's schema.</summary>
    public sealed class SchemaStatement
    {
        public SchemaStatement(string entity, SchemaStep step, string what, string sql)
        {
            Entity = entity;
            Step = step;
            What = what;
            Sql = sql;
        }

        /// <summary>The entity (table) it belongs to.</summary>
        public string Entity { get; }
        /// <summary>Before or after the data.</summary>
        public SchemaStep Step { get; }
        /// <summary>What it makes: type, table, comment, index, foreign key, sequence.</summary>
        public string What { get; }
        /// <summary>The statement.</summary>
        public string Sql { get; }

        /// <inheritdoc/>
        public override string ToString() => Sql;
    }

    /// <summary>
    /// Writes the DDL that creates entities in one engine from their portable schemas: column types through the
    /// type table (<see cref="SqlTypes"/>), NOT NULL, primary and unique keys, column and table comments, and,
    /// after the data, an index on every foreign key's columns (unless a key starts with them) and the foreign
    /// keys themselves (SQLite cannot add them later, so there they are part of CREATE TABLE and enforced as
    /// records arrive parents first). Names the engine cannot hold stop everything before a statement runs.
    /// Both relational writers create through here.
    /// </summary>
    internal sealed class SchemaScripter
    {
        private readonly SqlEngine _engine;
        private readonly string? _schema;
        private readonly SqlEngineFeatures _features;

        public SchemaScripter(SqlEngine engine, string? schemaName, SqlEngineFeatures? features = null)
        {
            _engine = engine;
            _schema = string.IsNullOrEmpty(schemaName) ? null : schemaName;
            _features = features ?? SqlEngineFeatures.None;
        }

        /// <summary>The longest name the engine holds, and its unit.</summary>
        public (int Limit, string Unit) NameLimit => _engine switch
        {
            SqlEngine.PostgreSql => (63, "bytes"),
            SqlEngine.MySql => (64, "characters"),
            _ => (int.MaxValue, "characters"),
        };

        public string Product => _engine switch { SqlEngine.PostgreSql => "PostgreSQL", SqlEngine.MySql => "MySQL/MariaDB", _ => "SQLite" };

        public string Quote(string identifier) => _engine == SqlEngine.MySql
            ? "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`"
            : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        public string Qualified(string table) => _schema is null ? Quote(table) : Quote(_schema) + "." + Quote(table);

        private string Literal(string text) => SqlTypes.SqlLiteral(text, backslashEscapes: _engine == SqlEngine.MySql);

        private int Length(string name) => _engine == SqlEngine.PostgreSql ? Encoding.UTF8.GetByteCount(name) : name.Length;

        /// <summary>
        /// Checks every table and column name (and MySQL's comment lengths) against the engine's limits and throws
        /// one TargetNameTooLong (or TargetCommentTooLong) naming all of them, the limit, and how to rename.
        /// </summary>
        public void CheckLimits(IReadOnlyList<CrmEntitySchema> entities)
        {
            var (limit, unit) = NameLimit;
            var tooLong = new List<string>();
            foreach (var e in entities)
            {
                if (Length(e.Name) > limit) tooLong.Add($"entity '{e.Name}' ({Length(e.Name)} {unit})");
                foreach (var f in e.Fields)
                {
                    if (f.IsAnnotation) continue;
                    if (Length(f.Name) > limit) tooLong.Add($"field '{e.Name}.{f.Name}' ({Length(f.Name)} {unit})");
                }
            }
            if (tooLong.Count > 0)
            {
                throw new CrmException(new CrmDataError("TargetNameTooLong", CrmErrorKind.InvalidArgument,
                    $"{Product} holds names of at most {limit} {unit}; these are longer: {string.Join(", ", tooLong)}. Nothing was created. " +
                    "Rename them with a mapping (an entity's Target, a field's target name), or -Entity for Import-CrmData.")
                { Entity = entities.Count > 0 ? entities[0].Name : null });
            }
            if (_engine != SqlEngine.MySql) return;
            var comments = new List<string>();
            foreach (var e in entities)
            {
                if (e.Comment is { Length: > 2048 }) comments.Add($"entity '{e.Name}' ({e.Comment.Length} characters, at most 2048)");
                foreach (var f in e.Fields) if (f.Comment is { Length: > 1024 - 16 }) comments.Add($"field '{e.Name}.{f.Name}' ({f.Comment.Length} characters, at most 1008)");
            }
            if (comments.Count > 0)
            {
                throw new CrmException(new CrmDataError("TargetCommentTooLong", CrmErrorKind.InvalidArgument,
                    $"MySQL/MariaDB keeps comments of at most 1024 characters for a column and 2048 for a table; these are longer: {string.Join(", ", comments)}. Nothing was created. Shorten them in the source.")
                { Entity = entities.Count > 0 ? entities[0].Name : null });
            }
        }

        /// <summary>A name made by CrmMigration (an index, a foreign key, an enum type) that fits the engine: cut, with a hash of the whole name so two never collide.</summary>
        public string MadeName(string prefix, string table, IReadOnlyList<string> columns) => Fit(prefix + "_" + table + "_" + string.Join("_", columns));

        /// <summary>A name that fits the engine: as it is, or cut with a hash of the whole name appended.</summary>
        public string Fit(string full)
        {
            var (limit, _) = NameLimit;
            if (Length(full) <= limit) return full;
            string hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(full)).ToString("x8", CultureInfo.InvariantCulture);
            var sb = new StringBuilder();
            foreach (var rune in full.EnumerateRunes())
            {
                string next = sb.ToString() + rune.ToString();
                if (Length(next) + 1 + hash.Length > limit) break;
                sb.Append(rune.ToString());
            }
            return sb.Append('_').Append(hash).ToString();
        }

        /// <summary>
        /// The statements that create <paramref name="entities"/> (types, tables and comments before the data; indexes,
        /// foreign keys and sequence positions after), in an order that respects references. Foreign keys are created
        /// only towards entities of the same script or <paramref name="existing"/> ones.
        /// </summary>
        public List<SchemaStatement> Script(IReadOnlyList<CrmEntitySchema> entities, Func<string, bool>? existing = null)
        {
            CheckLimits(entities);
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in entities) names.Add(e.Name);
            var before = new List<SchemaStatement>();
            var after = new List<SchemaStatement>();
            foreach (var e in entities)
            {
                bool Known(string entity) => names.Contains(entity) || existing?.Invoke(entity) == true;
                switch (_engine)
                {
                    case SqlEngine.PostgreSql: ScriptPostgres(e, before, after, Known); break;
                    case SqlEngine.MySql: ScriptMySql(e, before, after, Known); break;
                    default: ScriptSqlite(e, before, after, Known); break;
                }
            }
            // Indexes before foreign keys (MySQL would otherwise make its own index for each).
            after.Sort((a, b) => Rank(a.What).CompareTo(Rank(b.What)));
            before.AddRange(after);
            return before;
        }

        /// <summary>ALTER TABLE ... ADD COLUMN for a field (nullable: existing rows have no value for it).</summary>
        public string AddColumn(string table, CrmFieldSchema field)
        {
            string head = "ALTER TABLE " + Qualified(table) + " ADD COLUMN " + Quote(field.Name) + " ";
            switch (_engine)
            {
                case SqlEngine.PostgreSql:
                    return head + SqlTypes.ToPostgres(field, false, null);
                case SqlEngine.MySql:
                    var (type, marker) = SqlTypes.ToMySql(field, false, false, true, _features);
                    string? comment = SqlTypes.JoinMarker(field.Comment, marker);
                    return head + type + " NULL" + (comment is null ? "" : " COMMENT " + Literal(comment));
                default:
                    return head + SqlTypes.ToSqlite(field, false, Quote, Literal).Type;
            }
        }

        /// <summary>What an SQLite after-data statement that checks the declared foreign keys against the data is.</summary>
        public const string ForeignKeyCheck = "foreign key check";

        private static int Rank(string what) => what switch { "index" => 0, "foreign key" => 1, ForeignKeyCheck => 1, _ => 2 };

        /// <summary>The fields that become columns (annotations never do).</summary>
        private static List<CrmFieldSchema> Columns(CrmEntitySchema e)
        {
            var list = new List<CrmFieldSchema>(e.Fields.Count);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in e.Fields) if (!f.IsAnnotation && seen.Add(f.Name)) list.Add(f);
            return list;
        }

        private static List<string> KeyOf(CrmEntitySchema e)
        {
            var key = new List<string>(e.Key);
            if (key.Count == 0) foreach (var f in e.Fields) if (f.IsKey && !f.IsAnnotation) key.Add(f.Name);
            return key;
        }

        private static bool Contains(IReadOnlyList<string> list, string name)
        {
            foreach (var n in list) if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Whether an index on <paramref name="columns"/> is already implied by the key or a unique key (they start with those columns).</summary>
        private static bool Covered(CrmEntitySchema e, IReadOnlyList<string> key, IReadOnlyList<string> columns, List<IReadOnlyList<string>> made)
        {
            bool StartsWith(IReadOnlyList<string> index)
            {
                if (index.Count < columns.Count) return false;
                for (int i = 0; i < columns.Count; i++) if (!string.Equals(index[i], columns[i], StringComparison.OrdinalIgnoreCase)) return false;
                return true;
            }
            if (StartsWith(key)) return true;
            foreach (var u in e.UniqueKeys) if (StartsWith(u)) return true;
            foreach (var m in made) if (StartsWith(m)) return true;
            return false;
        }

        /// <summary>Relations whose fields are columns, towards entities that exist or are created with them.</summary>
        private static List<CrmRelation> Relations(CrmEntitySchema e, List<CrmFieldSchema> columns, Func<string, bool> known)
        {
            var list = new List<CrmRelation>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var r in e.Relations)
            {
                if (r.Fields.Count == 0 || r.Fields.Count != r.ReferencedFields.Count || !known(r.ReferencedEntity)) continue;
                bool all = true;
                foreach (var f in r.Fields) all &= columns.Exists(c => string.Equals(c.Name, f, StringComparison.OrdinalIgnoreCase));
                if (!all || !seen.Add(string.Join("\u0001", r.Fields) + "\u0002" + r.ReferencedEntity)) continue;
                list.Add(r);
            }
            return list;
        }

        private string ColumnList(IReadOnlyList<string> columns)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < columns.Count; i++) { if (i > 0) sb.Append(", "); sb.Append(Quote(columns[i])); }
            return sb.ToString();
        }

        private string ForeignKeyClause(CrmRelation r)
        {
            var sb = new StringBuilder("FOREIGN KEY (").Append(ColumnList(r.Fields)).Append(") REFERENCES ")
                .Append(Qualified(r.ReferencedEntity)).Append(" (").Append(ColumnList(r.ReferencedFields)).Append(')');
            if (r.OnDelete is { } d) sb.Append(" ON DELETE ").Append(d);
            if (r.OnUpdate is { } u) sb.Append(" ON UPDATE ").Append(u);
            return sb.ToString();
        }

        private void IndexesAndForeignKeys(CrmEntitySchema e, List<CrmFieldSchema> columns, List<string> key, List<SchemaStatement> after, Func<string, bool> known, bool foreignKeys)
        {
            var made = new List<IReadOnlyList<string>>();
            foreach (var r in Relations(e, columns, known))
            {
                if (!Covered(e, key, r.Fields, made))
                {
                    made.Add(r.Fields);
                    after.Add(new SchemaStatement(e.Name, SchemaStep.AfterData, "index",
                        "CREATE INDEX " + Quote(MadeName("ix", e.Name, r.Fields)) + " ON " + Qualified(e.Name) + " (" + ColumnList(r.Fields) + ")"));
                }
                if (foreignKeys)
                {
                    after.Add(new SchemaStatement(e.Name, SchemaStep.AfterData, "foreign key",
                        "ALTER TABLE " + Qualified(e.Name) + " ADD CONSTRAINT " + Quote(MadeName("fk", e.Name, r.Fields)) + " " + ForeignKeyClause(r)));
                }
            }
        }

        // ------------------------------------------------------------------ PostgreSQL

        private void ScriptPostgres(CrmEntitySchema e, List<SchemaStatement> before, List<SchemaStatement> after, Func<string, bool> known)
        {
            bool same = e.Provider == CrmProviderKind.PostgreSql;
            var columns = Columns(e);
            var key = KeyOf(e);
            var sql = new StringBuilder("CREATE TABLE ").Append(Qualified(e.Name)).Append(" (");
            for (int i = 0; i < columns.Count; i++)
            {
                var f = columns[i];
                string? enumType = null;
                if (f.Type == CrmFieldType.String && f.Format == "enum" && f.AllowedValues is { Count: > 0 } labels)
                {
                    string typeName = same && f.SourceType is { Length: > 0 } native && !native.Contains('.', StringComparison.Ordinal) && Length(native) <= 63
                        ? native.Trim('"') : Fit(e.Name + "_" + f.Name);
                    enumType = _schema is null ? Quote(typeName) : Quote(_schema) + "." + Quote(typeName);
                    var values = new StringBuilder();
                    for (int v = 0; v < labels.Count; v++) { if (v > 0) values.Append(", "); values.Append(Literal(labels[v])); }
                    // Created unless a type of that name exists (a second table with the same enum, or a run before).
                    before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "type",
                        "DO $crm$ BEGIN IF to_regtype(" + Literal(enumType) + ") IS NULL THEN CREATE TYPE " + enumType + " AS ENUM (" + values + "); END IF; END $crm$"));
                }
                if (i > 0) sql.Append(", ");
                sql.Append(Quote(f.Name)).Append(' ').Append(SqlTypes.ToPostgres(f, same, enumType));
                if (!f.Nullable || Contains(key, f.Name)) sql.Append(" NOT NULL");
            }
            if (key.Count > 0) sql.Append(", PRIMARY KEY (").Append(ColumnList(key)).Append(')');
            foreach (var u in e.UniqueKeys) if (u.Count > 0) sql.Append(", UNIQUE (").Append(ColumnList(u)).Append(')');
            sql.Append(')');
            before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "table", sql.ToString()));
            if (!string.IsNullOrEmpty(e.Comment))
            {
                before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "comment", "COMMENT ON TABLE " + Qualified(e.Name) + " IS " + Literal(e.Comment)));
            }
            foreach (var f in columns)
            {
                if (string.IsNullOrEmpty(f.Comment)) continue;
                before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "comment", "COMMENT ON COLUMN " + Qualified(e.Name) + "." + Quote(f.Name) + " IS " + Literal(f.Comment)));
            }
            IndexesAndForeignKeys(e, columns, key, after, known, foreignKeys: true);
            foreach (var f in columns)
            {
                if (!f.AutoIncrement || f.Type != CrmFieldType.Integer || (f.Unsigned && (f.Size ?? 8) >= 8)) continue;
                // Identity columns take the loaded keys as they are; the sequence then continues after the largest.
                after.Add(new SchemaStatement(e.Name, SchemaStep.AfterData, "sequence",
                    "SELECT setval(pg_get_serial_sequence(" + Literal(Qualified(e.Name)) + ", " + Literal(f.Name) + "), COALESCE(MAX(" + Quote(f.Name) + "), 0) + 1, false) FROM " + Qualified(e.Name)));
            }
        }

        // ------------------------------------------------------------------ MySQL / MariaDB

        private void ScriptMySql(CrmEntitySchema e, List<SchemaStatement> before, List<SchemaStatement> after, Func<string, bool> known)
        {
            bool same = e.Provider == CrmProviderKind.MySql;
            var columns = Columns(e);
            var key = KeyOf(e);
            // A row holds 65,535 bytes of varchar/varbinary: the longest ones become text/blob when the row would not fit.
            var room = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int budget = 65535 - 1024;
            var bySize = new List<CrmFieldSchema>(columns);
            bySize.Sort((a, b) => SqlTypes.MySqlRowBytes(a).CompareTo(SqlTypes.MySqlRowBytes(b)));
            foreach (var f in bySize)
            {
                int bytes = SqlTypes.MySqlRowBytes(f);
                if (bytes == 0) continue;
                if (Contains(key, f.Name) || bytes <= budget) { budget -= bytes; room.Add(f.Name); }
            }
            // AUTO_INCREMENT needs a key that starts with the column, and one per table.
            string? autoIncrement = null;
            foreach (var f in columns)
            {
                if (!f.AutoIncrement || f.Type != CrmFieldType.Integer || autoIncrement is not null) continue;
                bool keyed = key.Count > 0 && string.Equals(key[0], f.Name, StringComparison.OrdinalIgnoreCase);
                foreach (var u in e.UniqueKeys) keyed |= u.Count > 0 && string.Equals(u[0], f.Name, StringComparison.OrdinalIgnoreCase);
                if (keyed) autoIncrement = f.Name;
            }
            var sql = new StringBuilder("CREATE TABLE ").Append(Qualified(e.Name)).Append(" (");
            for (int i = 0; i < columns.Count; i++)
            {
                var f = columns[i];
                var field = f;
                if (f.AutoIncrement && !string.Equals(f.Name, autoIncrement, StringComparison.OrdinalIgnoreCase))
                {
                    field = f.CopyAs(f.Name);
                    field.AutoIncrement = false;
                }
                var (type, marker) = SqlTypes.ToMySql(field, Contains(key, f.Name), same, room.Contains(f.Name), _features);
                if (i > 0) sql.Append(", ");
                sql.Append(Quote(f.Name)).Append(' ').Append(type);
                sql.Append(!f.Nullable || Contains(key, f.Name) ? " NOT NULL" : " NULL");
                if (SqlTypes.JoinMarker(f.Comment, marker) is { } comment) sql.Append(" COMMENT ").Append(Literal(comment));
            }
            if (key.Count > 0) sql.Append(", PRIMARY KEY (").Append(ColumnList(key)).Append(')');
            foreach (var u in e.UniqueKeys) if (u.Count > 0) sql.Append(", UNIQUE KEY (").Append(ColumnList(u)).Append(')');
            sql.Append(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
            if (!string.IsNullOrEmpty(e.Comment)) sql.Append(" COMMENT=").Append(Literal(e.Comment));
            before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "table", sql.ToString()));
            IndexesAndForeignKeys(e, columns, key, after, known, foreignKeys: true);
        }

        // ------------------------------------------------------------------ SQLite

        private void ScriptSqlite(CrmEntitySchema e, List<SchemaStatement> before, List<SchemaStatement> after, Func<string, bool> known)
        {
            bool same = e.Provider == CrmProviderKind.Sqlite;
            var columns = Columns(e);
            var key = KeyOf(e);
            string? rowid = null;
            if (key.Count == 1)
            {
                var k = columns.Find(c => string.Equals(c.Name, key[0], StringComparison.OrdinalIgnoreCase));
                if (k is { AutoIncrement: true, Type: CrmFieldType.Integer }) rowid = k.Name;
            }
            var sql = new StringBuilder("CREATE TABLE ").Append(Qualified(e.Name)).Append(" (");
            if (!string.IsNullOrEmpty(e.Comment)) sql.Append(' ').Append(SqliteComment(e.Comment));
            var parts = new List<(string Text, string? Comment)>();
            foreach (var f in columns)
            {
                var (type, check) = SqlTypes.ToSqlite(f, same, Quote, Literal);
                var col = new StringBuilder(Quote(f.Name)).Append(' ');
                if (string.Equals(f.Name, rowid, StringComparison.OrdinalIgnoreCase)) col.Append("INTEGER PRIMARY KEY AUTOINCREMENT");
                else
                {
                    col.Append(type);
                    if (!f.Nullable || Contains(key, f.Name)) col.Append(" NOT NULL");
                }
                if (check is not null) col.Append(" CHECK (").Append(check).Append(')');
                parts.Add((col.ToString(), f.Comment));
            }
            if (key.Count > 0 && rowid is null) parts.Add(("PRIMARY KEY (" + ColumnList(key) + ")", null));
            foreach (var u in e.UniqueKeys) if (u.Count > 0) parts.Add(("UNIQUE (" + ColumnList(u) + ")", null));
            foreach (var r in Relations(e, columns, known)) parts.Add((ForeignKeyClause(r), null));
            for (int i = 0; i < parts.Count; i++)
            {
                sql.Append("\n  ").Append(parts[i].Text);
                if (i < parts.Count - 1) sql.Append(',');
                if (!string.IsNullOrEmpty(parts[i].Comment)) sql.Append(' ').Append(SqliteComment(parts[i].Comment!));
            }
            sql.Append("\n)");
            before.Add(new SchemaStatement(e.Name, SchemaStep.BeforeData, "table", sql.ToString()));
            IndexesAndForeignKeys(e, columns, key, after, known, foreignKeys: false);
            // The foreign keys are declared above and not enforced while the source's records load: checked after the data.
            if (Relations(e, columns, known).Count > 0)
            {
                after.Add(new SchemaStatement(e.Name, SchemaStep.AfterData, ForeignKeyCheck, "PRAGMA foreign_key_check(" + Quote(e.Name) + ")"));
            }
        }

        /// <summary>A comment SQLite keeps in the table's SQL text (read back by <see cref="SqliteTableText"/>); "*/" inside is broken up.</summary>
        private static string SqliteComment(string text) => "/* " + text.Replace("*/", "* /", StringComparison.Ordinal) + " */";
    }
}
