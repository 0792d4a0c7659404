using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CrmMigration.Engine.Archive;
using CrmMigration.Engine.Decommission;
using CrmMigration.Engine.Providers;
using MySqlConnector;
using Npgsql;

namespace CrmMigration.Engine.Tests
{
    /// <summary>An application role (PostgreSQL) or account (MariaDB) of its own, dropped after its database.</summary>
    public sealed class AppLogin : IDisposable
    {
        public AppLogin(CrmProviderKind kind)
        {
            Kind = kind;
            Name = "crm_app_" + Guid.NewGuid().ToString("N").Substring(0, 10);
            Password = "App-" + Guid.NewGuid().ToString("N");
            if (kind == CrmProviderKind.PostgreSql) Admin($"CREATE ROLE \"{Name}\" LOGIN PASSWORD '{Password}'");
            else Admin($"CREATE USER '{Name}'@'%' IDENTIFIED BY '{Password}'");
        }

        public CrmProviderKind Kind { get; }
        public string Name { get; }
        public string Password { get; }

        private void Admin(string sql)
        {
            if (Kind == CrmProviderKind.PostgreSql)
            {
                using var c = new NpgsqlConnection(DbServers.PgAdmin("postgres"));
                c.Open();
                using var cmd = new NpgsqlCommand(sql, c);
                cmd.ExecuteNonQuery();
            }
            else
            {
                using var c = new MySqlConnection(DbServers.MyAdmin(""));
                c.Open();
                using var cmd = new MySqlCommand(sql, c);
                cmd.ExecuteNonQuery();
            }
        }

        /// <summary>Opens a connection as this login (throws when the login is refused).</summary>
        public System.Data.Common.DbConnection Open(string database)
        {
            System.Data.Common.DbConnection c = Kind == CrmProviderKind.PostgreSql
                ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder { Host = DbServers.Get("CRM_PG_HOST"), Port = DbServers.PgPort, Username = Name, Password = Password, Database = database, Pooling = false }.ConnectionString)
                : new MySqlConnection(new MySqlConnectionStringBuilder { Server = DbServers.Get("CRM_MY_HOST"), Port = (uint)DbServers.MyPort, UserID = Name, Password = Password, Database = database, Pooling = false }.ConnectionString);
            c.Open();
            return c;
        }

        public static int Exec(System.Data.Common.DbConnection c, string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteNonQuery();
        }

        public void Dispose()
        {
            try { Admin(Kind == CrmProviderKind.PostgreSql ? $"DROP ROLE IF EXISTS \"{Name}\"" : $"DROP USER IF EXISTS '{Name}'@'%'"); }
            catch (Exception ex) when (ex is NpgsqlException or MySqlException) { }
        }
    }

    /// <summary>Decommissioning PostgreSQL and MariaDB systems on the real servers.</summary>
    public class DecommissionDbTests
    {
        private static DecommissionRunner Runner(TempDir dir, CrmConnection connection, string[]? roles = null, DateTime? retainUntil = null, bool dropDatabase = false) =>
            new DecommissionRunner(connection, new DecommissionOptions
            {
                ArchivePath = dir.File("archive"),
                StatePath = dir.File("decom.json"),
                AuditLogPath = dir.File("decom.audit.jsonl"),
                RetainUntil = retainUntil,
                ApplicationRoles = roles ?? Array.Empty<string>(),
                DropDatabase = dropDatabase,
                // The test servers are shared: other sessions' accounts with global grants are Freeze findings here.
                AcknowledgeFindings = true,
            });

        private static void RunTo(DecommissionRunner r, CrmDecommissionStage last)
        {
            for (var s = CrmDecommissionStage.Notify; s <= last; s++) if (!r.IsFinished(s)) r.Run(s, null, CancellationToken.None);
        }

        private static void PgSample(TestDatabase db, AppLogin app)
        {
            db.Exec("CREATE TABLE contacts (id int PRIMARY KEY, name text); CREATE TABLE accounts (id int PRIMARY KEY, name text);" +
                    "INSERT INTO contacts VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Edsger'); INSERT INTO accounts VALUES (1, 'Acme');" +
                    $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{app.Name}\";");
        }

        /// <summary>Runs a statement as the application role through an administrator's session, in a read-write transaction.</summary>
        private static void AsRole(TestDatabase db, AppLogin app, string sql)
        {
            using var c = new NpgsqlConnection(DbServers.PgAdmin(db.Name));
            c.Open();
            AppLogin.Exec(c, "SET default_transaction_read_only = off");
            AppLogin.Exec(c, $"SET ROLE \"{app.Name}\"");
            AppLogin.Exec(c, sql);
        }

        [Fact]
        public void PostgreSqlFreezeRevokesWritesDisablesTheLoginAndRecordsPrivileges()
        {
            using var dir = new TempDir();
            using var app = new AppLogin(CrmProviderKind.PostgreSql);
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            PgSample(db, app);
            using (var c = app.Open(db.Name)) Assert.Equal(1, AppLogin.Exec(c, "INSERT INTO contacts VALUES (4, 'Barbara')"));
            using var session = app.Open(db.Name);
            var r = Runner(dir, db.Connection());

            // -WhatIf: the exact statements, and nothing changes
            var plan = r.Plan(CrmDecommissionStage.Freeze);
            Assert.Contains($"ALTER ROLE \"{app.Name}\" NOLOGIN", plan);
            Assert.Contains($"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA \"public\" FROM \"{app.Name}\"", plan);
            Assert.Contains($"ALTER DATABASE \"{db.Name}\" SET default_transaction_read_only = on", plan);
            Assert.Contains(plan, a => a.StartsWith("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.Name + "' AND usename IN ('" + app.Name + "')", StringComparison.Ordinal));
            Assert.Equal(1, AppLogin.Exec(session, "INSERT INTO contacts VALUES (5, 'Alan')"));
            Assert.Equal("off", Convert.ToString(db.Scalar("SHOW default_transaction_read_only"), CultureInfo.InvariantCulture));
            Assert.False(r.IsFinished(CrmDecommissionStage.Freeze));

            r.Run(CrmDecommissionStage.Notify, null, CancellationToken.None);
            var report = r.Run(CrmDecommissionStage.Freeze, null, CancellationToken.None);
            Assert.Equal(CrmStageStatus.Done, report.Status);
            Assert.Equal(app.Name, report.Evidence["applicationRoles"]);
            Assert.StartsWith("discovered", report.Evidence["applicationRoles.source"], StringComparison.Ordinal);
            Assert.Contains("login=true", report.Evidence["privileges.before " + app.Name], StringComparison.Ordinal);
            Assert.Contains("contacts:INSERT", report.Evidence["privileges.before " + app.Name], StringComparison.Ordinal);
            Assert.Contains("login=false", report.Evidence["privileges.after " + app.Name], StringComparison.Ordinal);
            Assert.Contains("contacts:SELECT", report.Evidence["privileges.after " + app.Name], StringComparison.Ordinal);
            Assert.DoesNotContain("INSERT", report.Evidence["privileges.after " + app.Name], StringComparison.Ordinal);
            Assert.Contains("default_transaction_read_only=on", report.Evidence["database.settings.after"], StringComparison.Ordinal);
            Assert.Contains("administrator can undo", report.Notes, StringComparison.Ordinal);
            Assert.Contains("archive's manifests", report.Notes, StringComparison.Ordinal);

            // the open session was ended, a new login is refused, and the role may not write even through SET ROLE
            Assert.ThrowsAny<Exception>(() => AppLogin.Exec(session, "INSERT INTO contacts VALUES (6, 'Niklaus')"));
            var refused = Assert.Throws<PostgresException>(() => app.Open(db.Name).Dispose());
            Assert.Equal("28000", refused.SqlState);
            var denied = Assert.Throws<PostgresException>(() => AsRole(db, app, "INSERT INTO contacts VALUES (7, 'Ken')"));
            Assert.Equal("42501", denied.SqlState);
            Assert.Equal("on", Convert.ToString(db.Scalar("SHOW default_transaction_read_only"), CultureInfo.InvariantCulture));
            Assert.Equal(5L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM contacts"), CultureInfo.InvariantCulture));

            // a finished stage is not run again; the strategy itself is idempotent (a re-run after a crash)
            Assert.StartsWith("nothing: Freeze finished", Assert.Single(r.Plan(CrmDecommissionStage.Freeze)), StringComparison.Ordinal);
            var again = new DbAccessStrategy(new[] { app.Name }, false).Freeze(db.Connection(), plan: false);
            Assert.Equal(report.Evidence["privileges.after " + app.Name], again.Evidence["privileges.before " + app.Name]);
            Assert.Equal(again.Evidence["privileges.before " + app.Name], again.Evidence["privileges.after " + app.Name]);

            // the read-only database is still archived and verified
            RunTo(r, CrmDecommissionStage.Verify);
            Assert.True(r.State.ArchiveVerified);
            var log = AuditLog.Verify(dir.File("decom.audit.jsonl"), null);
            Assert.True(log.Valid, log.Details);
            Assert.DoesNotContain(DbServers.PgPassword, System.IO.File.ReadAllText(dir.File("decom.json")), StringComparison.Ordinal);
            Assert.DoesNotContain(app.Password, System.IO.File.ReadAllText(dir.File("decom.audit.jsonl")), StringComparison.Ordinal);
        }

        [Fact]
        public void PostgreSqlPurgeDropsTheTablesOnlyAfterAVerifiedArchive()
        {
            using var dir = new TempDir();
            using var app = new AppLogin(CrmProviderKind.PostgreSql);
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            PgSample(db, app);
            db.Exec("CREATE VIEW named_contacts AS SELECT name FROM contacts");
            var r = Runner(dir, db.Connection(), roles: new[] { app.Name }, retainUntil: DateTime.UtcNow.Date.AddDays(-1));
            RunTo(r, CrmDecommissionStage.Freeze);
            Assert.Equal("-ApplicationRole", r.State.Stages["Freeze"].Evidence["applicationRoles.source"]);
            var refused = Assert.Throws<CrmException>(() => r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None));
            Assert.Equal("PurgeRefused", refused.Error.Code);
            Assert.Equal(3L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM contacts"), CultureInfo.InvariantCulture));

            RunTo(r, CrmDecommissionStage.Retain);
            var revoke = r.State.Stages["Revoke"];
            Assert.Equal("Done", revoke.Status);
            Assert.Contains("only database logins", revoke.Notes, StringComparison.Ordinal);
            Assert.Equal("already disabled (Freeze)", revoke.Evidence["login " + app.Name]);

            // a table the archive does not hold: Purge refuses and deletes nothing
            db.Exec("SET TRANSACTION READ WRITE; CREATE TABLE late_import (id int PRIMARY KEY); INSERT INTO late_import VALUES (1)");
            var unarchived = Assert.Throws<CrmException>(() => r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None));
            Assert.Equal("PurgeObjectNotArchived", unarchived.Error.Code);
            Assert.Contains("late_import", unarchived.Message, StringComparison.Ordinal);
            Assert.Equal(3L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM contacts"), CultureInfo.InvariantCulture));
            db.Exec("SET TRANSACTION READ WRITE; DROP TABLE late_import");

            var plan = r.Plan(CrmDecommissionStage.Purge);
            Assert.Contains("DROP TABLE IF EXISTS \"public\".\"contacts\" CASCADE", plan);
            Assert.Contains("DROP VIEW IF EXISTS \"public\".\"named_contacts\" CASCADE", plan);
            Assert.Equal(3L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM contacts"), CultureInfo.InvariantCulture));

            var report = r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None);
            Assert.Equal(CrmStageStatus.Done, report.Status);
            Assert.Equal("table, 3 rows", report.Evidence["deleted public.contacts"]);
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"), CultureInfo.InvariantCulture));
            Assert.Contains("no table or view is left", report.Evidence["verification"], StringComparison.Ordinal);
            using var cert = JsonDocument.Parse(System.IO.File.ReadAllBytes(dir.File("decom.sanitization.json")));
            Assert.Equal("Clear", cert.RootElement.GetProperty("Sanitization method").GetString());
            Assert.Contains("DROP TABLE", cert.RootElement.GetProperty("Method detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("Not Purge or Destroy", cert.RootElement.GetProperty("Method detail").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("table, 3 rows; archived: 3 records, content hash ", cert.RootElement.GetProperty("Deleted: public.contacts").GetString(), StringComparison.Ordinal);
            Assert.True(ArchiveValidator.Verify(dir.File("archive"), true, CancellationToken.None).Valid);

            // idempotent: a second purge finds nothing left and says so
            var again = new DbAccessStrategy().Purge(db.Connection(), plan: false);
            Assert.Contains(again.Actions, a => a.Contains("earlier run", StringComparison.Ordinal));
        }

        [Fact]
        public void PostgreSqlPurgeDropsTheDatabaseOnlyWhenAsked()
        {
            using var app = new AppLogin(CrmProviderKind.PostgreSql);
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            PgSample(db, app);
            var s = new DbAccessStrategy(null, dropDatabase: true);
            Assert.Equal(new[] { $"DROP DATABASE IF EXISTS \"{db.Name}\" WITH (FORCE)" }, s.Purge(db.Connection(), plan: true).Actions);
            Assert.Equal(1L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM accounts"), CultureInfo.InvariantCulture));
            var o = s.Purge(db.Connection(), plan: false);
            Assert.Contains("DROP DATABASE", o.MethodDetail, StringComparison.Ordinal);
            Assert.Contains("no longer exists", o.Evidence["verification"], StringComparison.Ordinal);
            using (var c = new NpgsqlConnection(DbServers.PgAdmin("postgres")))
            {
                c.Open();
                using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM pg_database WHERE datname = @d", c);
                cmd.Parameters.AddWithValue("d", db.Name);
                Assert.Equal(0L, Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture));
            }
            Assert.Contains(s.Purge(db.Connection(), plan: false).Actions, a => a.Contains("already dropped", StringComparison.Ordinal));
        }

        [Fact]
        public void PostgreSqlRevokeWithSuiteCrmLayoutRecordsPreviousValuesKeepsAdministratorsAndUndoRestoresThem()
        {
            using var app = new AppLogin(CrmProviderKind.PostgreSql);
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec("CREATE TABLE users (id varchar(36) PRIMARY KEY, user_name text, status varchar(100), is_admin smallint DEFAULT 0, deleted smallint DEFAULT 0);" +
                    "CREATE TABLE schedulers (id varchar(36) PRIMARY KEY, name text, status varchar(100), deleted smallint DEFAULT 0);" +
                    "INSERT INTO users VALUES ('1', 'admin', 'Active', 1, 0), ('2', 'sam', 'Active', 0, 0), ('3', 'old', 'Inactive', 0, 0), ('4', 'x', NULL, 0, 0), ('5', 'gone', 'Active', 0, 1);" +
                    "INSERT INTO schedulers VALUES ('1', 'Prune', 'Active', 0), ('2', 'Mail', 'Active', 0), ('3', 'Off', 'Inactive', 0);" +
                    $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{app.Name}\";");
            string before = Convert.ToString(db.Scalar("SELECT string_agg(id || '=' || COALESCE(status, 'NULL'), ',' ORDER BY id) FROM users"), CultureInfo.InvariantCulture)!;
            var connection = db.Connection("SuiteCRM");
            var s = new DbAccessStrategy(new[] { app.Name }, false, AdministratorChoice.Keep);
            var plan = s.Revoke(connection, plan: true).Actions;
            Assert.Contains(plan, a => a.StartsWith("users: UPDATE \"public\".\"users\" SET \"status\" = 'Inactive'", StringComparison.Ordinal) && a.Contains("2 row(s) now", StringComparison.Ordinal));
            Assert.Contains($"ALTER ROLE \"{app.Name}\" NOLOGIN", plan);

            var record = new List<RevokedChange>();
            int saves = 0;
            var o = s.Revoke(connection, false, record, () => saves++);
            Assert.Equal(1, saves);
            // the administrator, the already-inactive and the deleted user are left alone; NULL and Active are changed
            Assert.Equal("1=Active,2=Inactive,3=Inactive,4=Inactive,5=Active", Convert.ToString(db.Scalar("SELECT string_agg(id || '=' || COALESCE(status, 'NULL'), ',' ORDER BY id) FROM users"), CultureInfo.InvariantCulture));
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM schedulers WHERE status = 'Active'"), CultureInfo.InvariantCulture));
            var users = record.Single(c => c.What == "users");
            Assert.Equal(new[] { "2", "4" }, users.Rows.Select(r => r.Key[0].V));
            Assert.Equal("n", users.Rows[1].Before[0].T);
            Assert.Equal("2 row(s) of users", o.Evidence["revoked users"]);
            Assert.Equal("28000", Assert.Throws<PostgresException>(() => app.Open(db.Name).Dispose()).SqlState);

            var undo = s.UndoRevoke(connection, record);
            Assert.Equal(before, Convert.ToString(db.Scalar("SELECT string_agg(id || '=' || COALESCE(status, 'NULL'), ',' ORDER BY id) FROM users"), CultureInfo.InvariantCulture));
            Assert.Equal(2L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM schedulers WHERE status = 'Active'"), CultureInfo.InvariantCulture));
            using (var c = app.Open(db.Name)) Assert.Equal(1, AppLogin.Exec(c, "UPDATE users SET user_name = user_name WHERE id = '2'"));
            Assert.Contains(undo.Actions, a => a.StartsWith($"ALTER ROLE \"{app.Name}\" LOGIN", StringComparison.Ordinal));
        }

        [Fact]
        public void MariaDbSuiteCrmGoesThroughEveryStage()
        {
            using var dir = new TempDir();
            using var app = new AppLogin(CrmProviderKind.MySql);
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec(ProfileTests.SuiteCrmSchema);
            db.Exec(ProfileTests.SuiteCrmData);
            db.Exec("INSERT INTO schedulers (id, name, job, status) VALUES ('s1', 'Prune', 'function::prune', 'Active'), ('s2', 'Mail', 'function::mail', 'Active')");
            db.Exec($"GRANT SELECT, INSERT, UPDATE, DELETE, DROP ON `{db.Name}`.* TO '{app.Name}'@'%'");
            using (var c = app.Open(db.Name)) Assert.Equal(1, AppLogin.Exec(c, "INSERT INTO notes (id, name) VALUES ('n-app', 'by the app')"));
            db.Exec("DELETE FROM notes WHERE id = 'n-app'");
            using var session = app.Open(db.Name);
            var r = Runner(dir, db.Connection("SuiteCRM"), retainUntil: DateTime.UtcNow.Date.AddDays(-1));
            string account = $"`{app.Name}`@`%`";

            var plan = r.Plan(CrmDecommissionStage.Freeze);
            Assert.Contains($"ALTER USER {account} ACCOUNT LOCK", plan);
            Assert.Contains($"REVOKE INSERT, UPDATE, DELETE, DROP ON `{db.Name}`.* FROM {account}", plan);
            Assert.Contains(plan, a => a.StartsWith("KILL CONNECTION ", StringComparison.Ordinal));
            AppLogin.Exec(session, "UPDATE users SET first_name = first_name");

            r.Run(CrmDecommissionStage.Notify, null, CancellationToken.None);
            var freeze = r.Run(CrmDecommissionStage.Freeze, null, CancellationToken.None);
            Assert.Equal(app.Name + "@%", freeze.Evidence["applicationRoles"]);
            Assert.Contains("INSERT", freeze.Evidence["grants.before " + app.Name + "@%"], StringComparison.Ordinal);
            Assert.DoesNotContain("INSERT", freeze.Evidence["grants.after " + app.Name + "@%"], StringComparison.Ordinal);
            Assert.Contains("account_locked=true", freeze.Evidence["grants.after " + app.Name + "@%"], StringComparison.Ordinal);
            Assert.ThrowsAny<Exception>(() => AppLogin.Exec(session, "INSERT INTO notes (id, name) VALUES ('n2', 'late')"));
            Assert.Throws<MySqlException>(() => app.Open(db.Name).Dispose());

            RunTo(r, CrmDecommissionStage.Retain);
            var revoke = r.State.Stages["Revoke"];
            Assert.Contains(revoke.Actions, a => a.StartsWith("schedulers: UPDATE `schedulers` SET `status` = 'Inactive' by key (2 row(s) changed", StringComparison.Ordinal));
            // the only live user is the administrator, kept by default; the deleted user is not touched
            Assert.Equal("1=Active,2=Inactive", Convert.ToString(db.Scalar("SELECT GROUP_CONCAT(CONCAT(id, '=', status) ORDER BY id) FROM users"), CultureInfo.InvariantCulture));
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM schedulers WHERE status <> 'Inactive'"), CultureInfo.InvariantCulture));

            var purge = r.Run(CrmDecommissionStage.Purge, null, CancellationToken.None);
            Assert.Equal(CrmStageStatus.Done, purge.Status);
            Assert.Equal(0L, Convert.ToInt64(db.Scalar($"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{db.Name}'"), CultureInfo.InvariantCulture));
            Assert.Contains(purge.Actions, a => a == $"DROP TABLE IF EXISTS `{db.Name}`.`users`");
            Assert.True(ArchiveValidator.Verify(dir.File("archive"), true, CancellationToken.None).Valid);
            Assert.DoesNotContain(app.Password, System.IO.File.ReadAllText(dir.File("decom.json")), StringComparison.Ordinal);
            Assert.DoesNotContain(DbServers.MyPassword, System.IO.File.ReadAllText(dir.File("decom.audit.jsonl")), StringComparison.Ordinal);
        }

        [Fact]
        public void PostgreSqlRevokeWithOdooLayoutKeepsTheAdministratorStopsCronMailAndApiKeysAndUndoes()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec("CREATE TABLE res_users (id int PRIMARY KEY, login text, active boolean); CREATE TABLE ir_cron (id int PRIMARY KEY, name text, active boolean);" +
                    "CREATE TABLE ir_mail_server (id int PRIMARY KEY, name text, smtp_host text, active boolean);" +
                    "CREATE TABLE res_users_apikeys (id int PRIMARY KEY, name text, user_id int, key varchar, expiration_date timestamp);" +
                    "INSERT INTO res_users VALUES (1, '__system__', false), (2, 'admin', true), (3, 'sam', true), (4, 'kim', true), (5, 'old', false);" +
                    "INSERT INTO ir_cron VALUES (1, 'Mail queue', true), (2, 'Digest', false), (3, 'Autovacuum', true);" +
                    "INSERT INTO ir_mail_server VALUES (1, 'relay', 'smtp.example', true);" +
                    "INSERT INTO res_users_apikeys VALUES (1, 'sync', 3, 'hash', NULL), (2, 'old', 4, 'hash2', '2020-01-01 00:00:00');");
            var s = new DbAccessStrategy();
            var record = new List<RevokedChange>();
            var o = s.Revoke(db.Connection("Odoo"), false, record, null);
            Assert.Equal("admin", Convert.ToString(db.Scalar("SELECT string_agg(login, ',') FROM res_users WHERE active"), CultureInfo.InvariantCulture));
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM ir_cron WHERE active"), CultureInfo.InvariantCulture));
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM ir_mail_server WHERE active"), CultureInfo.InvariantCulture));
            Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM res_users_apikeys WHERE expiration_date IS NULL OR expiration_date > now() at time zone 'utc'"), CultureInfo.InvariantCulture));
            Assert.Contains(o.Actions, a => a.Contains("fetchmail_server does not exist", StringComparison.Ordinal));
            Assert.Contains("kept active", o.Notes, StringComparison.Ordinal);

            s.UndoRevoke(db.Connection("Odoo"), record);
            Assert.Equal("admin,kim,sam", Convert.ToString(db.Scalar("SELECT string_agg(login, ',' ORDER BY login) FROM res_users WHERE active"), CultureInfo.InvariantCulture));
            Assert.Equal("1,3", Convert.ToString(db.Scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM ir_cron WHERE active"), CultureInfo.InvariantCulture));
            Assert.Equal("1=,2=2020-01-01 00:00:00", Convert.ToString(db.Scalar("SELECT string_agg(id || '=' || COALESCE(expiration_date::text, ''), ',' ORDER BY id) FROM res_users_apikeys"), CultureInfo.InvariantCulture));
        }

        [Fact]
        public void NotifyWithoutAServerWritesOneEmlPerActiveUserAndAFormulaSafeRecipientList()
        {
            using var dir = new TempDir();
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec(ProfileTests.SuiteCrmSchema);
            db.Exec(ProfileTests.SuiteCrmData);
            db.Exec("INSERT INTO users (id, user_name, first_name, last_name, status, is_admin, deleted) VALUES ('3', 'eve', '=HYPERLINK(1)', 'Evil', 'Active', 0, 0), ('4', 'ina', 'Ina', 'Active', 'Inactive', 0, 0);" +
                    "INSERT INTO email_addresses (id, email_address, deleted) VALUES ('e7', 'eve@x.example', 0), ('e8', 'ina@x.example', 0);" +
                    "INSERT INTO email_addr_bean_rel (id, email_address_id, bean_id, bean_module, primary_address, deleted) VALUES ('b7', 'e7', '3', 'Users', 1, 0), ('b8', 'e8', '4', 'Users', 1, 0);");
            var options = new NotifyOptions { From = "it@example.com", ShutdownDate = new DateTime(2026, 12, 31), Contact = "the IT desk" };
            var plan = Notifier.Run(db.Connection("SuiteCRM"), options, "/archive/final", dir.File("notify"), plan: true, CancellationToken.None);
            Assert.Contains("2 active user(s)", Assert.Single(plan.Actions), StringComparison.Ordinal);
            Assert.False(System.IO.Directory.Exists(dir.File("notify")));

            var o = Notifier.Run(db.Connection("SuiteCRM"), options, "/archive/final", dir.File("notify"), plan: false, CancellationToken.None);
            Assert.Equal("2", o.Evidence["notify.recipients"]);
            var emls = System.IO.Directory.GetFiles(dir.File("notify"), "*.eml").OrderBy(f => f, StringComparer.Ordinal).Select(System.IO.File.ReadAllText).ToList();
            Assert.Equal(2, emls.Count);
            Assert.Contains("To: Sally Admin <admin@crm.example>", emls[0], StringComparison.Ordinal);
            Assert.Contains("2026-12-31", emls[0], StringComparison.Ordinal);
            Assert.Contains("/archive/final", emls[0], StringComparison.Ordinal);
            Assert.Contains("the IT desk", emls[0], StringComparison.Ordinal);
            Assert.DoesNotContain(emls, e => e.Contains("ina@x.example", StringComparison.Ordinal));
            var list = System.IO.File.ReadAllLines(dir.File("notify/recipients.csv"));
            Assert.Contains("\"'=HYPERLINK(1) Evil\",\"eve@x.example\",Written", list);
        }

        [Fact]
        public void ApplicationRoleMustExistAndMustNotBeTheConnectingRole()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            var self = Assert.Throws<CrmException>(() => new DbAccessStrategy(new[] { DbServers.Get("CRM_PG_USER") }, false).Freeze(db.Connection(), plan: true));
            Assert.Equal("ApplicationRoleIsSelf", self.Error.Code);
            var missing = Assert.Throws<CrmException>(() => new DbAccessStrategy(new[] { "crm_no_such_" + Guid.NewGuid().ToString("N").Substring(0, 8) }, false).Freeze(db.Connection(), plan: true));
            Assert.Equal("ApplicationRoleNotFound", missing.Error.Code);
            Assert.Equal("off", Convert.ToString(db.Scalar("SHOW default_transaction_read_only"), CultureInfo.InvariantCulture));
            Assert.DoesNotContain(DbServers.PgPassword, self.Message, StringComparison.Ordinal);
        }
    }
}
