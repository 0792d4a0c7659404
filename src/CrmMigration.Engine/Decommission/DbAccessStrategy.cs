using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using CrmMigration.Engine.Providers.Db;
using CrmMigration.Engine.Providers.Db.Profiles;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>
    /// PostgreSQL and MySQL/MariaDB: Freeze revokes the application roles' write privileges, disables their
    /// logins and ends their sessions (PostgreSQL also sets the database's default_transaction_read_only);
    /// Revoke disables the CRM's own users and scheduled jobs through its profile; Purge drops the tables
    /// (or, when asked, the database). Every statement appears in the plan exactly as it runs.
    /// </summary>
    public sealed class DbAccessStrategy : ISystemAccessStrategy
    {
        private readonly IReadOnlyList<string> _roles;
        private readonly bool _dropDatabase;
        private readonly AdministratorChoice _administrators;

        public DbAccessStrategy() : this(null, false) { }

        /// <param name="applicationRoles">The roles (PostgreSQL) or accounts (MySQL, "user" or "user@host") to freeze; empty: discovered.</param>
        /// <param name="dropDatabase">Purge drops the whole database instead of its tables.</param>
        /// <param name="administrators">What Revoke does with the CRM's administrators.</param>
        public DbAccessStrategy(IReadOnlyList<string>? applicationRoles, bool dropDatabase, AdministratorChoice administrators) : this(applicationRoles, dropDatabase)
        {
            _administrators = administrators;
        }

        /// <param name="applicationRoles">The roles (PostgreSQL) or accounts (MySQL, "user" or "user@host") to freeze; empty: discovered.</param>
        /// <param name="dropDatabase">Purge drops the whole database instead of its tables.</param>
        public DbAccessStrategy(IReadOnlyList<string>? applicationRoles, bool dropDatabase)
        {
            _roles = applicationRoles ?? Array.Empty<string>();
            _dropDatabase = dropDatabase;
        }

        public string Name => "database server (PostgreSQL or MySQL/MariaDB)";
        public string MediaType => "Tables of a database server (PostgreSQL or MySQL/MariaDB data files); the server's disks, write-ahead or binary logs, replicas and backups are not sanitised.";
        public bool Handles(CrmConnection connection) => connection.Provider is CrmProviderKind.PostgreSql or CrmProviderKind.MySql;

        internal static bool IsPg(CrmConnection c) => c.Provider == CrmProviderKind.PostgreSql;
        internal static DbDialect Dialect(CrmConnection c) => IsPg(c) ? PgDialect.Instance : MySqlDialect.Instance;
        internal static string Database(CrmConnection c) => c.Options.TryGetValue("Database", out var d) ? d : (IsPg(c) ? "postgres" : "");
        internal static string Schema(CrmConnection c) => Dialect(c).DefaultSchema(c);
        internal static string Lit(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

        public IReadOnlyList<string> DataLocations(CrmConnection connection) => new[] { connection.DisplayName };

        // ---------------------------------------------------------------- connections and queries

        internal static DbConnection Open(CrmConnection connection, string? database = null)
        {
            var target = connection;
            if (database is not null)
            {
                target = new CrmConnection(connection.Provider, connection.Location);
                foreach (var kv in connection.Options) target.Options[kv.Key] = kv.Value;
                target.Options["Database"] = database;
                target.SetCredential(connection.GetCredential());
            }
            var c = Dialect(connection).CreateConnection(target, connection.GetCredential());
            try
            {
                c.Open();
                if (connection.Provider == CrmProviderKind.PostgreSql)
                {
                    // A re-run meets a database that Freeze already made read-only by default: the
                    // decommission's own session must still be able to run its (idempotent) statements.
                    using var rw = c.CreateCommand();
                    rw.CommandText = "SET SESSION default_transaction_read_only = off";
                    rw.ExecuteNonQuery();
                }
                return c;
            }
            catch (DbException ex)
            {
                c.Dispose();
                throw new CrmException("DecommissionConnectionFailed", CrmErrorKind.ConnectionError, $"Cannot connect to {connection.DisplayName}: {DbDialect.SafeMessage(ex, connection.GetCredential())}", ex);
            }
        }

        internal static List<string[]> Query(DbConnection c, CrmConnection connection, string sql, params (string Name, object Value)[] args)
        {
            try
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                foreach (var (n, v) in args)
                {
                    var p = cmd.CreateParameter();
                    p.ParameterName = n;
                    p.Value = v;
                    cmd.Parameters.Add(p);
                }
                using var r = cmd.ExecuteReader();
                var rows = new List<string[]>();
                while (r.Read())
                {
                    var row = new string[r.FieldCount];
                    for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? "";
                    rows.Add(row);
                }
                return rows;
            }
            catch (DbException ex)
            {
                throw new CrmException("DecommissionQueryFailed", CrmErrorKind.ConnectionError, $"Reading the catalog of {connection.DisplayName} failed: {DbDialect.SafeMessage(ex, connection.GetCredential())}", ex);
            }
        }

        internal static int Exec(DbConnection c, CrmConnection connection, string sql)
        {
            try
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                return cmd.ExecuteNonQuery();
            }
            catch (DbException ex)
            {
                throw new CrmException("DecommissionStatementFailed", CrmErrorKind.WriteError, $"'{sql}' failed on {connection.DisplayName}: {DbDialect.SafeMessage(ex, connection.GetCredential())}", ex);
            }
        }

        /// <summary>Runs the statements (or lists them for a plan), recording each as it ran.</summary>
        private static void RunAll(StageOutcome o, DbConnection c, CrmConnection connection, IEnumerable<string> statements, bool plan)
        {
            foreach (var s in statements)
            {
                if (plan) { o.Actions.Add(s); continue; }
                int n = Exec(c, connection, s);
                o.Actions.Add(n > 0 && s.StartsWith("UPDATE", StringComparison.Ordinal) ? $"{s} ({n} rows changed)" : s);
            }
        }

        private static string CurrentUser(DbConnection c, CrmConnection connection, bool pg) =>
            Query(c, connection, pg ? "SELECT current_user" : "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)")[0][0];

        // ---------------------------------------------------------------- application roles

        /// <summary>The (quoted) roles or accounts to freeze, with a display name each.</summary>
        private List<(string Display, string Sql)> Roles(DbConnection c, CrmConnection connection)
        {
            bool pg = IsPg(connection);
            string me = CurrentUser(c, connection, pg);
            var list = new List<(string, string)>();
            var q = Dialect(connection);
            if (pg)
            {
                var names = new List<string>();
                if (_roles.Count > 0)
                {
                    foreach (var r in _roles)
                    {
                        if (Query(c, connection, "SELECT 1 FROM pg_roles WHERE rolname = @r", ("r", r)).Count == 0)
                            throw new CrmException("ApplicationRoleNotFound", CrmErrorKind.NotFound, $"The role '{r}' given in -ApplicationRole does not exist on {connection.DisplayName}.");
                        names.Add(r);
                    }
                }
                else
                {
                    foreach (var row in Query(c, connection,
                        "SELECT r.rolname FROM pg_roles r WHERE NOT r.rolsuper AND r.rolname <> current_user AND r.rolname <> 'postgres' AND (" +
                        "r.oid IN (SELECT a.grantee FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace CROSS JOIN LATERAL aclexplode(t.relacl) a " +
                        "WHERE n.nspname = @s AND t.relkind IN ('r','p','v','m') AND a.privilege_type IN ('INSERT','UPDATE','DELETE','TRUNCATE')) OR " +
                        "r.oid IN (SELECT t.relowner FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = @s AND t.relkind IN ('r','p'))) ORDER BY 1",
                        ("s", Schema(connection)))) names.Add(row[0]);
                }
                foreach (var n in names)
                {
                    if (string.Equals(n, me, StringComparison.Ordinal)) throw new CrmException("ApplicationRoleIsSelf", CrmErrorKind.InvalidArgument, $"'{n}' is the role this connection uses; freezing it would lock CrmMigration out before Archive. Connect as an administrator.");
                    list.Add((n, q.Quote(n)));
                }
                return list;
            }
            var accounts = new List<(string User, string Host)>();
            if (_roles.Count > 0)
            {
                foreach (var r in _roles)
                {
                    int at = r.LastIndexOf('@');
                    var rows = at > 0
                        ? Query(c, connection, "SELECT User, Host FROM mysql.user WHERE User = @u AND Host = @h", ("u", r.Substring(0, at)), ("h", r.Substring(at + 1)))
                        : Query(c, connection, "SELECT User, Host FROM mysql.user WHERE User = @u ORDER BY Host", ("u", r));
                    if (rows.Count == 0) throw new CrmException("ApplicationRoleNotFound", CrmErrorKind.NotFound, $"The account '{r}' given in -ApplicationRole does not exist on {connection.DisplayName}.");
                    foreach (var row in rows) accounts.Add((row[0], row[1]));
                }
            }
            else
            {
                string db = Database(connection);
                foreach (var row in Query(c, connection,
                    "SELECT DISTINCT GRANTEE FROM information_schema.SCHEMA_PRIVILEGES WHERE (TABLE_SCHEMA = @d OR REPLACE(TABLE_SCHEMA, '\\\\_', '_') = @d) AND PRIVILEGE_TYPE IN ('INSERT','UPDATE','DELETE','DROP') " +
                    "UNION SELECT DISTINCT GRANTEE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = @d AND PRIVILEGE_TYPE IN ('INSERT','UPDATE','DELETE','DROP') ORDER BY 1", ("d", db)))
                {
                    var g = row[0];
                    int at = g.LastIndexOf("'@'", StringComparison.Ordinal);
                    if (at < 0) continue;
                    string user = g.Substring(1, at - 1).Replace("''", "'", StringComparison.Ordinal), host = g.Substring(at + 3, g.Length - at - 4).Replace("''", "'", StringComparison.Ordinal);
                    if (user is "root" or "mariadb.sys" or "mysql.sys" || user.Length == 0) continue;
                    accounts.Add((user, host));
                }
            }
            foreach (var (u, h) in accounts)
            {
                if (string.Equals(u, me, StringComparison.Ordinal)) throw new CrmException("ApplicationRoleIsSelf", CrmErrorKind.InvalidArgument, $"'{u}' is the account this connection uses; freezing it would lock CrmMigration out before Archive. Connect as an administrator.");
                list.Add((u + "@" + h, q.Quote(u) + "@" + q.Quote(h)));
            }
            return list;
        }

        /// <summary>Each role's login state and privileges, as evidence.</summary>
        private static void RecordPrivileges(StageOutcome o, DbConnection c, CrmConnection connection, List<(string Display, string Sql)> roles, string when)
        {
            if (IsPg(connection))
            {
                foreach (var (name, _) in roles)
                {
                    var rows = Query(c, connection,
                        "SELECT r.rolcanlogin::text, COALESCE((SELECT string_agg(t.relname || ':' || a.privilege_type, ',' ORDER BY t.relname, a.privilege_type) " +
                        "FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace CROSS JOIN LATERAL aclexplode(t.relacl) a WHERE n.nspname = @s AND a.grantee = r.oid), '') " +
                        "FROM pg_roles r WHERE r.rolname = @r", ("s", Schema(connection)), ("r", name));
                    o.Evidence[$"privileges.{when} {name}"] = rows.Count == 0 ? "(role not found)" : $"login={rows[0][0]}; {(rows[0][1].Length == 0 ? "no table privileges" : rows[0][1])}";
                }
                var set = Query(c, connection, "SELECT COALESCE((SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = @d AND s.setrole = 0), '')", ("d", Database(connection)));
                o.Evidence[$"database.settings.{when}"] = set[0][0];
                return;
            }
            foreach (var (name, sql) in roles)
            {
                var grants = Query(c, connection, "SHOW GRANTS FOR " + sql).Select(r => r[0]);
                string locked;
                try { locked = Query(c, connection, "SELECT COALESCE(JSON_VALUE(Priv, '$.account_locked'), 'false') FROM mysql.global_priv WHERE CONCAT(User, '@', Host) = @a", ("a", name)).FirstOrDefault()?[0] ?? "?"; }
                catch (CrmException) { locked = Query(c, connection, "SELECT account_locked FROM mysql.user WHERE CONCAT(User, '@', Host) = @a", ("a", name)).FirstOrDefault()?[0] ?? "?"; }
                locked = locked is "1" or "Y" or "true" ? "true" : locked is "0" or "N" or "false" ? "false" : locked;
                // SHOW GRANTS may show a password hash in IDENTIFIED BY PASSWORD: never record it.
                o.Evidence[$"grants.{when} {name}"] = $"account_locked={locked}; " + string.Join(" | ", grants.Select(g => System.Text.RegularExpressions.Regex.Replace(g, "IDENTIFIED (BY|VIA|WITH) .*$", "IDENTIFIED (credential not recorded)")));
            }
        }

        private const string Honesty = "A server administrator can undo every one of these statements (GRANT, ALTER ROLE … LOGIN, ALTER USER … ACCOUNT UNLOCK, ALTER DATABASE … RESET). They stop the application, not an administrator; the durable proof of what the system held is the archive's manifests (tagmanifest-sha512.txt pins them) and the audit log.";

        // ---------------------------------------------------------------- Freeze

        public StageOutcome Freeze(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome();
            bool pg = IsPg(connection);
            var q = Dialect(connection);
            using var c = Open(connection);
            var roles = Roles(c, connection);
            string who = roles.Count == 0 ? "(none found)" : string.Join(", ", roles.Select(r => r.Display));
            if (plan) o.Actions.Add($"record the privileges and login state of the application {(pg ? "roles" : "accounts")} {who} before and after");
            else
            {
                o.Evidence["applicationRoles"] = who;
                o.Evidence["applicationRoles.source"] = _roles.Count > 0 ? "-ApplicationRole" : (pg ? "discovered: non-superuser roles other than the connecting one and postgres that own or may INSERT/UPDATE/DELETE/TRUNCATE the schema's tables" : "discovered: accounts with INSERT/UPDATE/DELETE/DROP on the database or its tables");
                RecordPrivileges(o, c, connection, roles, "before");
            }
            var sql = new List<string>();
            if (pg)
            {
                // Logins first, then sessions, then grants: a re-run after a crash still discovers the roles by their grants.
                foreach (var r in roles) sql.Add($"ALTER ROLE {r.Sql} NOLOGIN");
                if (roles.Count > 0)
                {
                    sql.Add($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {Lit(Database(connection))} AND usename IN ({string.Join(", ", roles.Select(r => Lit(r.Display)))}) AND pid <> pg_backend_pid()");
                    sql.Add($"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {q.Quote(Schema(connection))} FROM {string.Join(", ", roles.Select(r => r.Sql))}");
                }
                sql.Add($"ALTER DATABASE {q.Quote(Database(connection))} SET default_transaction_read_only = on");
            }
            else
            {
                foreach (var r in roles) sql.Add($"ALTER USER {r.Sql} ACCOUNT LOCK");
                foreach (var r in roles)
                {
                    int at = r.Display.LastIndexOf('@');
                    foreach (var id in Query(c, connection, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = @u AND ID <> CONNECTION_ID() ORDER BY ID", ("u", r.Display.Substring(0, at))))
                        sql.Add("KILL CONNECTION " + id[0]);
                }
                string db = Database(connection);
                foreach (var r in roles)
                {
                    var grants = Query(c, connection, "SHOW GRANTS FOR " + r.Sql).Select(x => x[0]).ToList();
                    string onDb = "ON " + q.Quote(db) + ".*";
                    if (grants.Any(g => g.Contains(onDb, StringComparison.Ordinal) && !g.StartsWith("GRANT USAGE", StringComparison.Ordinal)))
                        sql.Add($"REVOKE INSERT, UPDATE, DELETE, DROP ON {q.Quote(db)}.* FROM {r.Sql}");
                    int at = r.Display.LastIndexOf('@');
                    foreach (var t in Query(c, connection, "SELECT DISTINCT TABLE_NAME FROM mysql.tables_priv WHERE Db = @d AND User = @u AND Host = @h AND (FIND_IN_SET('Insert', Table_priv) OR FIND_IN_SET('Update', Table_priv) OR FIND_IN_SET('Delete', Table_priv) OR FIND_IN_SET('Drop', Table_priv)) ORDER BY 1",
                        ("d", db), ("u", r.Display.Substring(0, at)), ("h", r.Display.Substring(at + 1))))
                        sql.Add($"REVOKE ALL PRIVILEGES ON {q.Quote(db)}.{q.Quote(t[0])} FROM {r.Sql}");
                }
            }
            GlobalGrants(o, c, connection, roles, sql, plan);
            RunAll(o, c, connection, sql, plan);
            if (plan) o.Actions.Add(pg ? "every later session of CrmMigration (Archive, Verify) reads the database read-only" : "KILL CONNECTION lists the sessions found in information_schema.PROCESSLIST when the stage runs");
            else RecordPrivileges(o, c, connection, roles, "after");
            var n = new System.Text.StringBuilder();
            if (roles.Count == 0) n.Append("No application role was given or found: no login was disabled and no privilege revoked; only the database-wide setting applies" + (pg ? "" : " (MySQL/MariaDB has none, so nothing was changed)") + ". Pass -ApplicationRole to name the roles the CRM connects as. ");
            else if (pg) n.Append($"The application roles {who} had their logins disabled (NOLOGIN), their sessions ended and INSERT/UPDATE/DELETE/TRUNCATE on the schema's tables revoked. ");
            else n.Append($"The application accounts {who} were locked (ACCOUNT LOCK), their sessions killed and their write privileges on the database revoked where they were granted on the database or its tables. ");
            if (pg) n.Append("default_transaction_read_only was set on the database for new sessions; a session can still SET TRANSACTION READ WRITE, which the revoked privileges and NOLOGIN prevent for the application roles. ");
            else n.Append("MySQL/MariaDB has no per-database read-only switch (read_only is server-wide and was not set). ");
            if (o.Findings.Count > 0) n.Append("FINDINGS (later stages are refused until a run with -Force acknowledges them): " + string.Join(" | ", o.Findings) + " ");
            o.Notes = n.ToString() + Honesty;
            return o;
        }

        /// <summary>
        /// Privileges on every database (MySQL/MariaDB "ON *.*"; PostgreSQL superusers and pg_write_all_data): revoked for
        /// this database where the engine can (MySQL with partial_revokes), otherwise reported as findings.
        /// </summary>
        private void GlobalGrants(StageOutcome o, DbConnection c, CrmConnection connection, List<(string Display, string Sql)> roles, List<string> sql, bool plan)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in roles) names.Add(r.Display);
            if (IsPg(connection))
            {
                foreach (var row in Query(c, connection,
                    "SELECT r.rolname, r.rolsuper::text, EXISTS (SELECT 1 FROM pg_roles w WHERE w.rolname = 'pg_write_all_data' AND pg_has_role(r.oid, w.oid, 'MEMBER'))::text FROM pg_roles r WHERE r.rolname <> current_user AND r.rolcanlogin ORDER BY 1"))
                {
                    if (!names.Contains(row[0])) continue;
                    bool super = row[1] is "True" or "true";
                    bool writeAll = row[2] is "True" or "true";
                    if (!super && !writeAll) continue;
                    o.Findings.Add($"the application role {row[0]} is {(super ? "a superuser" : "a member of pg_write_all_data")}: it may write every database of the server whatever this database's grants say; its login {(plan ? "will be" : "was")} disabled, but the privilege stays — unlocking the role restores write access");
                }
                return;
            }
            string me = CurrentUser(c, connection, pg: false);
            bool partial = false;
            try { partial = Query(c, connection, "SELECT @@GLOBAL.partial_revokes")[0][0] is "1" or "ON"; }
            catch (CrmException) { partial = false; }
            string db = Database(connection);
            var q = Dialect(connection);
            foreach (var row in Query(c, connection,
                "SELECT GRANTEE, GROUP_CONCAT(DISTINCT PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE SEPARATOR ', ') FROM information_schema.USER_PRIVILEGES " +
                "WHERE PRIVILEGE_TYPE IN ('INSERT','UPDATE','DELETE','DROP','ALTER','CREATE','SUPER') GROUP BY GRANTEE ORDER BY 1"))
            {
                string g = row[0];
                int at = g.LastIndexOf("'@'", StringComparison.Ordinal);
                if (at < 0) continue;
                string user = g.Substring(1, at - 1).Replace("''", "'", StringComparison.Ordinal), host = g.Substring(at + 3, g.Length - at - 4).Replace("''", "'", StringComparison.Ordinal);
                // The server's own administrators (root, and the "mysql" socket account mariadb-install-db creates) and system accounts.
                if (user is "root" or "mariadb.sys" or "mysql.sys" or "mysql.session" or "mysql.infoschema" || (user == "mysql" && host == "localhost") || user.Length == 0 || string.Equals(user, me, StringComparison.Ordinal)) continue;
                string display = user + "@" + host;
                bool app = names.Contains(display);
                if (app && partial)
                {
                    sql.Add($"REVOKE INSERT, UPDATE, DELETE, DROP, ALTER, CREATE ON {q.Quote(db)}.* FROM {q.Quote(user)}@{q.Quote(host)}");
                    continue;
                }
                o.Findings.Add($"the account {display} holds {row[1]} ON *.* (every database of the server): " +
                    (app ? $"it {(plan ? "will be" : "was")} locked and its sessions ended, but the global grant stays — unlocking it restores write access; " : "it is not an application account of this decommission (-ApplicationRole), so it was not locked; ") +
                    (partial ? "" : "this server cannot revoke a global privilege for one database (no partial_revokes): revoke it by hand, or acknowledge with -Force"));
            }
        }

        // ---------------------------------------------------------------- Revoke

        private static string Table(CrmConnection connection, string name) => IsPg(connection) ? Dialect(connection).Quote(Schema(connection)) + "." + Dialect(connection).Quote(name) : Dialect(connection).Quote(name);

        private static bool TableExists(DbConnection c, CrmConnection connection, string name) =>
            Query(c, connection, "SELECT 1 FROM information_schema.tables WHERE table_schema = @s AND table_name = @t", ("s", Schema(connection)), ("t", name)).Count > 0;

        public StageOutcome Revoke(CrmConnection connection, bool plan) => Revoke(connection, plan, null, null);

        /// <summary>
        /// Revoke through the connection's profile: every rule's rows are read and recorded in <paramref name="record"/>,
        /// <paramref name="save"/> persists them (the state file), and only then are the rows updated; application
        /// logins still open are disabled and recorded as undo statements. The connecting account is never touched.
        /// </summary>
        public StageOutcome Revoke(CrmConnection connection, bool plan, List<RevokedChange>? record, Action? save)
        {
            var o = new StageOutcome();
            bool pg = IsPg(connection);
            using var c = Open(connection);
            var profile = CrmProfile.ForConnection(connection);
            var changes = new List<RevokedChange>();
            string notes;
            if (profile is null || profile.Revoke.Count == 0)
            {
                notes = "No CRM profile with revoke rules: only database logins were handled. The CRM's own users, scheduled jobs and integrations (if any) were not changed; pass -Profile to revoke them too. ";
            }
            else
            {
                ProfileRevoker.Apply(c, connection, profile, _administrators, o, changes, plan);
                var whats = new List<string>();
                foreach (var r in profile.Revoke) whats.Add(r.What);
                notes = $"{profile.Name}: revoked {string.Join(", ", whats)} by the profile's rules; administrators were {(_administrators == AdministratorChoice.Keep ? "kept active (-Administrator Keep, the default) so the CRM stays administrable until Purge" : "deactivated too (-Administrator Disable)")}. " +
                        "Every changed value's previous value is in the state file: Disable-CrmSystem -Stage Revoke -Undo restores it exactly. The database account this decommission connects with is never locked. ";
            }
            var roles = Roles(c, connection);
            var logins = new RevokedChange { What = "application logins", Table = "" };
            foreach (var r in roles)
            {
                bool open = pg
                    ? Query(c, connection, "SELECT 1 FROM pg_roles WHERE rolname = @r AND rolcanlogin", ("r", r.Display)).Count > 0
                    : !Query(c, connection, "SHOW CREATE USER " + r.Sql)[0][0].Contains("ACCOUNT LOCK", StringComparison.Ordinal);
                if (!open) { o.Evidence["login " + r.Display] = "already disabled (Freeze)"; continue; }
                string stmt = pg ? $"ALTER ROLE {r.Sql} NOLOGIN" : $"ALTER USER {r.Sql} ACCOUNT LOCK";
                if (plan) { o.Actions.Add(stmt); continue; }
                logins.UndoStatements.Add(pg ? $"ALTER ROLE {r.Sql} LOGIN" : $"ALTER USER {r.Sql} ACCOUNT UNLOCK");
            }
            if (plan) { o.Notes = notes + Honesty; return o; }
            if (logins.UndoStatements.Count > 0) changes.Add(logins);
            record?.AddRange(changes);
            save?.Invoke();
            foreach (var ch in changes)
            {
                if (ch.Table.Length > 0) ProfileRevoker.Commit(c, connection, profile!, ch, o);
                o.Evidence["revoked " + ch.What] = ch.Table.Length > 0 ? $"{ch.Rows.Count} row(s) of {ch.Table}" : $"{ch.UndoStatements.Count} login(s) disabled";
            }
            foreach (var r in roles)
            {
                string stmt = pg ? $"ALTER ROLE {r.Sql} NOLOGIN" : $"ALTER USER {r.Sql} ACCOUNT LOCK";
                if (logins.UndoStatements.Count > 0 && !o.Evidence.ContainsKey("login " + r.Display)) { Exec(c, connection, stmt); o.Actions.Add(stmt); }
            }
            if (roles.Count == 0) o.Actions.Add("no application role found that still has write privileges; logins disabled in Freeze stay disabled");
            o.Notes = notes + Honesty;
            return o;
        }

        /// <summary>Restores every recorded previous value (Revoke -Undo).</summary>
        public StageOutcome UndoRevoke(CrmConnection connection, IReadOnlyList<RevokedChange> changes)
        {
            var o = new StageOutcome();
            using var c = Open(connection);
            ProfileRevoker.Undo(c, connection, changes, o);
            o.Notes = "Every value Revoke changed was written back by key from the state file. Freeze still holds: the database stays read-only for the application until Freeze is undone by an administrator.";
            return o;
        }

        // ---------------------------------------------------------------- Purge

        public StageOutcome Purge(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome();
            bool pg = IsPg(connection);
            var q = Dialect(connection);
            string db = Database(connection);
            o.MethodDetail = _dropDatabase
                ? "Logical deletion by DROP DATABASE on the database server. Not Purge or Destroy: the server frees the files but does not overwrite them; write-ahead or binary logs, replicas, snapshots and backups may still hold the data."
                : "Logical deletion by DROP TABLE on the database server. Not Purge or Destroy: the server frees the table files but does not overwrite them; write-ahead or binary logs, replicas, snapshots and backups may still hold the data.";
            if (_dropDatabase)
            {
                using var admin = Open(connection, pg ? "postgres" : "");
                bool exists = Query(admin, connection, pg ? "SELECT 1 FROM pg_database WHERE datname = @d" : "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @d", ("d", db)).Count > 0;
                string drop = pg ? $"DROP DATABASE IF EXISTS {q.Quote(db)} WITH (FORCE)" : $"DROP DATABASE IF EXISTS {q.Quote(db)}";
                if (plan) { o.Actions.Add(drop); return o; }
                if (!exists) o.Actions.Add($"the database '{db}' was already dropped (an earlier run)");
                else
                {
                    if (pg) Npgsql.NpgsqlConnection.ClearAllPools(); else MySqlConnector.MySqlConnection.ClearAllPools();
                    o.Actions.Add(drop);
                    Exec(admin, connection, drop);
                    o.Evidence["deleted database " + db] = "dropped";
                }
                bool left = Query(admin, connection, pg ? "SELECT 1 FROM pg_database WHERE datname = @d" : "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @d", ("d", db)).Count > 0;
                o.Evidence["verification"] = left ? "STILL PRESENT: database " + db : $"the server's catalog was checked: the database '{db}' no longer exists";
                if (left) throw new CrmException("PurgeIncomplete", CrmErrorKind.WriteError, $"The database '{db}' could not be dropped.");
                return o;
            }
            using var c = Open(connection);
            var objects = Objects(c, connection);
            var sql = new List<string>();
            if (pg) sql.Add("SET default_transaction_read_only = off");
            else sql.Add("SET FOREIGN_KEY_CHECKS = 0");
            foreach (var (name, view) in objects.OrderBy(x => x.IsView ? 0 : 1))
            {
                string drop = $"DROP {(view ? "VIEW" : "TABLE")} IF EXISTS {q.Quote(Schema(connection))}.{q.Quote(name)}{(pg ? " CASCADE" : "")}";
                if (plan) { sql.Add(drop); continue; }
                if (!view)
                {
                    long rows = Convert.ToInt64(Query(c, connection, $"SELECT COUNT(*) FROM {q.Quote(Schema(connection))}.{q.Quote(name)}")[0][0], CultureInfo.InvariantCulture);
                    o.Evidence[$"deleted {Schema(connection)}.{name}"] = "table, " + rows.ToString(CultureInfo.InvariantCulture) + " rows";
                }
                else o.Evidence[$"deleted {Schema(connection)}.{name}"] = "view";
                sql.Add(drop);
            }
            if (plan) sql.Add("check the catalog: no table or view is left in " + Schema(connection));
            RunAll(o, c, connection, sql, plan);
            if (plan) return o;
            if (objects.Count == 0) o.Actions.Add($"no table or view was left in {Schema(connection)} (an earlier run dropped them)");
            var remaining = Objects(c, connection);
            o.Evidence["verification"] = remaining.Count == 0 ? $"the server's catalog was checked: no table or view is left in {Schema(connection)}" : "STILL PRESENT: " + string.Join(", ", remaining.Select(r => r.Name));
            if (remaining.Count > 0) throw new CrmException("PurgeIncomplete", CrmErrorKind.WriteError, "These tables could not be dropped: " + string.Join(", ", remaining.Select(r => r.Name)));
            return o;
        }

        private static List<(string Name, bool IsView)> Objects(DbConnection c, CrmConnection connection) =>
            Query(c, connection, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = @s AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name", ("s", Schema(connection)))
                .Select(r => (r[0], r[1] == "VIEW")).ToList();
    }
}
