using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Sqlite;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Tests
{
    internal static class SqliteTestUtil
    {
        public static SqliteProvider Provider(string path) => new SqliteProvider(new CrmConnection(CrmProviderKind.Sqlite, path));

        public static CrmRecord Rec(string entity, params (string Name, object? Value)[] fields)
        {
            var r = new CrmRecord(entity);
            foreach (var (name, value) in fields) r.Set(name, value);
            return r;
        }

        /// <summary>Runs SQL directly (setup and checks independent of the provider).</summary>
        public static void Exec(string path, string sql)
        {
            SQLitePCL.Batteries_V2.Init();
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        /// <summary>The first column of every row a query returns, as text, in the query's order.</summary>
        public static List<string> Column(string path, string sql)
        {
            SQLitePCL.Batteries_V2.Init();
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read()) rows.Add(reader.GetString(0));
            return rows;
        }

        public static object? Scalar(string path, string sql)
        {
            SQLitePCL.Batteries_V2.Init();
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteScalar();
        }

        public static long Count(string path, string sql) => Convert.ToInt64(Scalar(path, sql), System.Globalization.CultureInfo.InvariantCulture);

        public static List<CrmRecord> ReadAll(ICrmProvider provider, string entity, params CrmFieldFilter[] filters)
        {
            var errors = new List<CrmDataError>();
            var list = new List<CrmRecord>(provider.Read(entity, new CrmReadOptions { Filters = filters }, errors.Add, CancellationToken.None));
            Assert.Empty(errors);
            return list;
        }

        public static List<CrmRecordOutcome> Write(ICrmProvider provider, string entity, CrmWriteOptions options, params IReadOnlyList<CrmRecord>[] batches)
        {
            var outcomes = new List<CrmRecordOutcome>();
            using var writer = provider.OpenWriter(entity, options);
            foreach (var b in batches) writer.WriteBatch(b, outcomes);
            writer.Complete();
            return outcomes;
        }

        public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
    }
}
