using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using CrmMigration.Engine.Decommission;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Archive
{
    /// <summary>One object of a source system: a table, view, routine, trigger, sequence, event or role, with its definition.</summary>
    public sealed class SourceObject
    {
        /// <summary>Creates an object.</summary>
        public SourceObject(string kind, string name)
        {
            Kind = kind;
            Name = name;
        }

        /// <summary>Table, View, Routine, Trigger, Sequence, Event or Role.</summary>
        public string Kind { get; }
        /// <summary>Its name (routines: with their argument types on PostgreSQL).</summary>
        public string Name { get; }
        /// <summary>Its definition as the engine gives it (CREATE statement), or null when it could not be read.</summary>
        public string? Ddl { get; set; }
        /// <summary>Why the definition could not be read (privileges).</summary>
        public string? Error { get; set; }
        /// <summary>Tables only: foreign keys and indexes that follow every table's CREATE (PostgreSQL).</summary>
        public string? DdlAfter { get; set; }
    }

    /// <summary>
    /// Lists every object of a source (tables, views, routines, triggers, sequences, events, and the roles or
    /// accounts that hold privileges on it) with its definition as the engine itself gives it: SHOW CREATE on
    /// MySQL/MariaDB, the catalog's pg_get_*def functions on PostgreSQL, sqlite_master on SQLite. Files have
    /// no definitions: each file is a table. Used by the final archive (data/schema/*.sql and the inventory)
    /// and by Purge (nothing is dropped that the archive does not hold).
    /// </summary>
    public static class SchemaInventory
    {
        /// <summary>The engine's name for the DDL file (data/schema/&lt;engine&gt;.sql).</summary>
        public static string Engine(CrmConnection c) => c.Provider switch
        {
            CrmProviderKind.PostgreSql => "postgresql",
            CrmProviderKind.MySql => "mysql",
            CrmProviderKind.Sqlite => "sqlite",
            _ => c.Provider.ToString().ToLowerInvariant(),
        };

        /// <summary>Every object of the source; with definitions when <paramref name="withDdl"/>.</summary>
        public static List<SourceObject> Read(CrmConnection connection, bool withDdl)
        {
            switch (connection.Provider)
            {
                case CrmProviderKind.PostgreSql: return ReadPg(connection, withDdl);
                case CrmProviderKind.MySql: return ReadMy(connection, withDdl);
                case CrmProviderKind.Sqlite: return ReadSqlite(connection);
                default:
                    var list = new List<SourceObject>();
                    using (var p = Providers.ProviderFactory.Open(connection))
                        foreach (var e in p.ListEntities()) list.Add(new SourceObject("Table", e));
                    return list;
            }
        }

        /// <summary>The base tables only (what Purge drops).</summary>
        public static List<string> Tables(CrmConnection connection)
        {
            var list = new List<string>();
            foreach (var o in Read(connection, withDdl: false)) if (o.Kind == "Table") list.Add(o.Name);
            return list;
        }

        /// <summary>The DDL file: every definition, in a stable order, tables before their foreign keys.</summary>
        public static string DdlScript(CrmConnection connection, IReadOnlyList<SourceObject> objects)
        {
            var sb = new StringBuilder();
            sb.Append("-- Schema of ").Append(connection.DisplayName).Append(" as the ").Append(Engine(connection)).Append(" catalog gave it, written by CrmMigration ")
              .Append(ArchiveWriter.ToolVersion).Append(" on ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append(".\n");
            sb.Append("-- Objects whose definition could not be read are listed with the reason. Roles are recorded without credentials.\n\n");
            foreach (var kind in new[] { "Sequence", "Table", "Index", "View", "Routine", "Trigger", "Event", "Role" })
            {
                foreach (var o in objects)
                {
                    if (o.Kind != kind) continue;
                    sb.Append("-- ").Append(o.Kind).Append(' ').Append(o.Name).Append('\n');
                    if (o.Ddl is null) sb.Append("-- definition not available: ").Append(o.Error ?? "unknown").Append("\n\n");
                    else sb.Append(o.Ddl.TrimEnd()).Append(o.Ddl.TrimEnd().EndsWith(';') ? "" : ";").Append("\n\n");
                }
            }
            var after = new StringBuilder();
            foreach (var o in objects) if (o.DdlAfter is { Length: > 0 } a) after.Append(a);
            if (after.Length > 0) sb.Append("-- Constraints and indexes\n").Append(after).Append('\n');
            return sb.ToString();
        }

        // ------------------------------------------------------------------ PostgreSQL

        private static List<SourceObject> ReadPg(CrmConnection connection, bool withDdl)
        {
            var list = new List<SourceObject>();
            using var c = DbAccessStrategy.Open(connection);
            string schema = DbAccessStrategy.Schema(connection);
            var q = DbAccessStrategy.Dialect(connection);
            foreach (var row in DbAccessStrategy.Query(c, connection,
                "SELECT c.oid::text, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND c.relkind IN ('r','p','v','m','S','f') ORDER BY c.relname", ("s", schema)))
            {
                string oid = row[0], name = row[1], kind = row[2];
                var o = new SourceObject(kind switch { "v" or "m" => "View", "S" => "Sequence", _ => "Table" }, name);
                list.Add(o);
                if (!withDdl) continue;
                string qn = q.Quote(schema) + "." + q.Quote(name);
                if (kind is "v" or "m")
                {
                    o.Ddl = $"CREATE {(kind == "m" ? "MATERIALIZED " : "")}VIEW {qn} AS\n" + DbAccessStrategy.Query(c, connection, "SELECT pg_get_viewdef(@o::oid, true)", ("o", long.Parse(oid, CultureInfo.InvariantCulture)))[0][0];
                    continue;
                }
                if (kind == "S")
                {
                    var s = DbAccessStrategy.Query(c, connection, "SELECT data_type, start_value::text, increment_by::text, COALESCE(last_value::text, '') FROM pg_sequences WHERE schemaname = @s AND sequencename = @n", ("s", schema), ("n", name));
                    o.Ddl = s.Count == 0 ? null : $"CREATE SEQUENCE {qn} AS {s[0][0]} START WITH {s[0][1]} INCREMENT BY {s[0][2]};\n-- last value: {(s[0][3].Length == 0 ? "(never used)" : s[0][3])}";
                    if (o.Ddl is null) o.Error = "pg_sequences does not show it (no privilege)";
                    continue;
                }
                var ddl = new StringBuilder("CREATE TABLE ").Append(qn).Append(" (\n");
                var cols = DbAccessStrategy.Query(c, connection,
                    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, COALESCE(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a " +
                    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = @o::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    ("o", long.Parse(oid, CultureInfo.InvariantCulture)));
                for (int i = 0; i < cols.Count; i++)
                {
                    ddl.Append("    ").Append(q.Quote(cols[i][0])).Append(' ').Append(cols[i][1]);
                    if (cols[i][3].Length > 0) ddl.Append(" DEFAULT ").Append(cols[i][3]);
                    if (cols[i][2] == "True" || cols[i][2] == "true") ddl.Append(" NOT NULL");
                    ddl.Append(i < cols.Count - 1 ? ",\n" : "\n");
                }
                ddl.Append(')');
                o.Ddl = ddl.ToString();
                var after = new StringBuilder();
                foreach (var con in DbAccessStrategy.Query(c, connection, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = @o::oid ORDER BY contype <> 'p', contype = 'f', conname", ("o", long.Parse(oid, CultureInfo.InvariantCulture))))
                    after.Append("ALTER TABLE ").Append(qn).Append(" ADD CONSTRAINT ").Append(q.Quote(con[0])).Append(' ').Append(con[1]).Append(";\n");
                foreach (var ix in DbAccessStrategy.Query(c, connection, "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = @o::oid AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1", ("o", long.Parse(oid, CultureInfo.InvariantCulture))))
                    after.Append(ix[0]).Append(";\n");
                o.DdlAfter = after.ToString();
            }
            foreach (var row in DbAccessStrategy.Query(c, connection,
                "SELECT p.oid::text, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
                "WHERE n.nspname = @s AND p.prokind IN ('f','p') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 2", ("s", schema)))
            {
                var o = new SourceObject("Routine", row[1]);
                if (withDdl) o.Ddl = DbAccessStrategy.Query(c, connection, "SELECT pg_get_functiondef(@o::oid)", ("o", long.Parse(row[0], CultureInfo.InvariantCulture)))[0][0];
                list.Add(o);
            }
            foreach (var row in DbAccessStrategy.Query(c, connection,
                "SELECT t.tgname || ' ON ' || c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND NOT t.tgisinternal ORDER BY 1", ("s", schema)))
            {
                list.Add(new SourceObject("Trigger", row[0]) { Ddl = withDdl ? row[1] : null });
            }
            foreach (var row in DbAccessStrategy.Query(c, connection,
                "SELECT r.rolname, r.rolcanlogin::text, r.rolsuper::text, COALESCE((SELECT string_agg(DISTINCT a.privilege_type || ' ON ' || t.relname, ', ' ORDER BY a.privilege_type || ' ON ' || t.relname) FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace " +
                "CROSS JOIN LATERAL aclexplode(t.relacl) a WHERE n.nspname = @s AND a.grantee = r.oid), '') AS privs, (SELECT count(*) FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = @s AND t.relowner = r.oid)::text " +
                "FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' ORDER BY 1", ("s", schema)))
            {
                if (row[3].Length == 0 && row[4] == "0" && row[2] is not ("True" or "true")) continue;
                var o = new SourceObject("Role", row[0]);
                if (withDdl)
                {
                    o.Ddl = $"CREATE ROLE {q.Quote(row[0])} {(row[1] is "True" or "true" ? "LOGIN" : "NOLOGIN")}{(row[2] is "True" or "true" ? " SUPERUSER" : "")}; -- owns {row[4]} object(s) of {schema}; privileges: {(row[3].Length == 0 ? "(none granted explicitly)" : row[3])}";
                }
                list.Add(o);
            }
            return list;
        }

        // ------------------------------------------------------------------ MySQL / MariaDB

        private static List<SourceObject> ReadMy(CrmConnection connection, bool withDdl)
        {
            var list = new List<SourceObject>();
            using var c = DbAccessStrategy.Open(connection);
            string db = DbAccessStrategy.Database(connection);
            var q = DbAccessStrategy.Dialect(connection);
            string Show(string what, string name, int column, SourceObject o)
            {
                try
                {
                    var r = DbAccessStrategy.Query(c, connection, $"SHOW CREATE {what} {q.Quote(db)}.{q.Quote(name)}");
                    if (r.Count > 0 && r[0].Length > column && r[0][column].Length > 0) return r[0][column];
                    o.Error = "SHOW CREATE " + what + " gave no definition (the connecting account lacks the privilege to see it)";
                }
                catch (CrmException ex) { o.Error = ex.Error.Message; }
                return null!;
            }
            foreach (var row in DbAccessStrategy.Query(c, connection, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d ORDER BY TABLE_NAME", ("d", db)))
            {
                bool view = row[1] == "VIEW";
                var o = new SourceObject(view ? "View" : "Table", row[0]);
                if (withDdl) o.Ddl = Show(view ? "VIEW" : "TABLE", row[0], 1, o);
                list.Add(o);
            }
            foreach (var row in DbAccessStrategy.Query(c, connection, "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = @d ORDER BY ROUTINE_NAME", ("d", db)))
            {
                var o = new SourceObject("Routine", row[0]);
                if (withDdl) o.Ddl = Show(row[1], row[0], 2, o);
                list.Add(o);
            }
            foreach (var row in DbAccessStrategy.Query(c, connection, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = @d ORDER BY TRIGGER_NAME", ("d", db)))
            {
                var o = new SourceObject("Trigger", row[0]);
                if (withDdl) o.Ddl = Show("TRIGGER", row[0], 2, o);
                list.Add(o);
            }
            foreach (var row in DbAccessStrategy.Query(c, connection, "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = @d ORDER BY EVENT_NAME", ("d", db)))
            {
                var o = new SourceObject("Event", row[0]);
                if (withDdl) o.Ddl = Show("EVENT", row[0], 3, o);
                list.Add(o);
            }
            foreach (var account in DbAccessStrategy.Query(c, connection,
                "SELECT DISTINCT GRANTEE FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = @d OR REPLACE(TABLE_SCHEMA, '\\\\_', '_') = @d " +
                "UNION SELECT DISTINCT GRANTEE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = @d " +
                "UNION SELECT DISTINCT GRANTEE FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN ('INSERT','UPDATE','DELETE','DROP','ALTER','CREATE') ORDER BY 1", ("d", db)))
            {
                string g = account[0];
                var o = new SourceObject("Role", g.Replace("'", "", StringComparison.Ordinal));
                if (withDdl)
                {
                    try
                    {
                        var grants = DbAccessStrategy.Query(c, connection, "SHOW GRANTS FOR " + g);
                        var sb = new StringBuilder();
                        foreach (var gr in grants) sb.Append(RedactCredential(gr[0])).Append(";\n");
                        o.Ddl = sb.ToString();
                    }
                    catch (CrmException ex) { o.Error = ex.Error.Message; }
                }
                list.Add(o);
            }
            return list;
        }

        /// <summary>SHOW GRANTS may show a password hash after IDENTIFIED BY: it is never recorded.</summary>
        public static string RedactCredential(string grant) =>
            Regex.Replace(grant, "IDENTIFIED (BY|VIA|WITH) .*$", "IDENTIFIED (credential not recorded)", RegexOptions.CultureInvariant);

        // ------------------------------------------------------------------ SQLite

        private static List<SourceObject> ReadSqlite(CrmConnection connection)
        {
            var list = new List<SourceObject>();
            string db = Path.GetFullPath(connection.Location);
            if (!File.Exists(db)) return list;
            SQLitePCL.Batteries_V2.Init();
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                string type = r.GetString(0);
                string kind = type switch { "table" => "Table", "view" => "View", "trigger" => "Trigger", "index" => "Index", _ => type };
                if (kind == "Index" && r.IsDBNull(2)) continue; // automatic indexes of constraints
                var o = new SourceObject(kind == "Index" ? "Table" : kind, r.GetString(1)) { Ddl = r.IsDBNull(2) ? null : r.GetString(2) };
                if (kind == "Index") { list.Add(new SourceObject("Index", r.GetString(1)) { Ddl = o.Ddl }); continue; }
                list.Add(o);
            }
            return list;
        }
    }
}
