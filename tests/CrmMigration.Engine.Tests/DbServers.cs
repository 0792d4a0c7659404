using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using CrmMigration.Engine.Providers;
using MySqlConnector;
using Npgsql;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The real PostgreSQL and MariaDB servers of scripts/dbservers.sh. Reads CRM_PG_* and CRM_MY_*;
    /// when they are missing, runs the script (start, then env) itself. Never skips: a test that cannot
    /// reach a server fails.
    /// </summary>
    public static class DbServers
    {
        public static string Get(string name) => CrmMigration.TestSupport.DbServerEnv.Get(name);

        public static int PgPort => int.Parse(Get("CRM_PG_PORT"), System.Globalization.CultureInfo.InvariantCulture);
        public static int MyPort => int.Parse(Get("CRM_MY_PORT"), System.Globalization.CultureInfo.InvariantCulture);
        public static string PgPassword => Get("CRM_PG_PASSWORD");
        public static string MyPassword => Get("CRM_MY_PASSWORD");

        public static string PgAdmin(string database) =>
            new NpgsqlConnectionStringBuilder { Host = Get("CRM_PG_HOST"), Port = PgPort, Username = Get("CRM_PG_USER"), Password = PgPassword, Database = database, Pooling = false }.ConnectionString;

        public static string MyAdmin(string database) =>
            new MySqlConnectionStringBuilder { Server = Get("CRM_MY_HOST"), Port = (uint)MyPort, UserID = Get("CRM_MY_USER"), Password = MyPassword, Database = database, Pooling = false, GuidFormat = MySqlGuidFormat.None }.ConnectionString;
    }

    /// <summary>A fresh database on one of the servers, dropped afterwards.</summary>
    public sealed class TestDatabase : IDisposable
    {
        public TestDatabase(CrmProviderKind kind)
        {
            Kind = kind;
            Name = "crm_t_" + Guid.NewGuid().ToString("N").Substring(0, 12);
            Exec(Kind == CrmProviderKind.PostgreSql ? "CREATE DATABASE " + Name : "CREATE DATABASE " + Name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", admin: true);
        }

        public CrmProviderKind Kind { get; }
        public string Name { get; }

        public CrmConnection Connection(string? profile = null, string? password = null)
        {
            bool pg = Kind == CrmProviderKind.PostgreSql;
            var cred = new NetworkCredential(DbServers.Get(pg ? "CRM_PG_USER" : "CRM_MY_USER"), password ?? (pg ? DbServers.PgPassword : DbServers.MyPassword));
            return ProviderFactory.ForServer(Kind, DbServers.Get(pg ? "CRM_PG_HOST" : "CRM_MY_HOST"), pg ? DbServers.PgPort : DbServers.MyPort, Name, cred, profile);
        }

        public ICrmProvider Provider(string? profile = null) => ProviderFactory.Open(Connection(profile));

        /// <summary>Runs SQL statements (separated by ';' at line ends) in this database.</summary>
        public void Exec(string sql, bool admin = false)
        {
            if (Kind == CrmProviderKind.PostgreSql)
            {
                using var c = new NpgsqlConnection(DbServers.PgAdmin(admin ? "postgres" : Name));
                c.Open();
                using var cmd = new NpgsqlCommand(sql, c);
                cmd.ExecuteNonQuery();
            }
            else
            {
                using var c = new MySqlConnection(DbServers.MyAdmin(admin ? "" : Name) + ";AllowUserVariables=true");
                c.Open();
                using var cmd = new MySqlCommand(sql, c);
                cmd.ExecuteNonQuery();
            }
        }

        /// <summary>The rows of <paramref name="entity"/> as our reader gives them, each its values joined by '|' in field order ("(null)" for null), sorted ordinally.</summary>
        public List<string> Rows(string entity)
        {
            var rows = new List<string>();
            var errors = new List<CrmDataError>();
            using var provider = Provider();
            foreach (var r in provider.Read(entity, new CrmReadOptions(), errors.Add, System.Threading.CancellationToken.None))
            {
                var cells = new string[r.FieldCount];
                for (int i = 0; i < cells.Length; i++) cells[i] = Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "(null)";
                rows.Add(string.Join("|", cells));
            }
            if (errors.Count > 0) throw new InvalidOperationException("Reading " + entity + ": " + errors[0].Message);
            rows.Sort(StringComparer.Ordinal);
            return rows;
        }

        public object? Scalar(string sql)
        {
            if (Kind == CrmProviderKind.PostgreSql)
            {
                using var c = new NpgsqlConnection(DbServers.PgAdmin(Name));
                c.Open();
                using var cmd = new NpgsqlCommand(sql, c);
                return cmd.ExecuteScalar();
            }
            using var m = new MySqlConnection(DbServers.MyAdmin(Name));
            m.Open();
            using var mc = new MySqlCommand(sql, m);
            return mc.ExecuteScalar();
        }

        public void Dispose()
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                MySqlConnection.ClearAllPools();
                Exec(Kind == CrmProviderKind.PostgreSql ? "DROP DATABASE IF EXISTS " + Name + " WITH (FORCE)" : "DROP DATABASE IF EXISTS " + Name, admin: true);
            }
            catch (Exception ex) when (ex is NpgsqlException or MySqlException) { }
        }
    }
}
