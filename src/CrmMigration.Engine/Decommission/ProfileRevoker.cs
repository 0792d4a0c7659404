using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Providers.Db;
using CrmMigration.Engine.Providers.Db.Profiles;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>
    /// Applies a profile's revoke rules to a database: for each rule, the rows it matches are read with their
    /// key and the columns it changes, recorded (the state file keeps them), then updated by key. Undo writes
    /// the recorded values back by key, so every user's and job's previous state returns exactly.
    /// </summary>
    internal static class ProfileRevoker
    {
        private const int Chunk = 500;

        private static string T(CrmConnection c, string table) => DbAccessStrategy.IsPg(c)
            ? DbAccessStrategy.Dialect(c).Quote(DbAccessStrategy.Schema(c)) + "." + DbAccessStrategy.Dialect(c).Quote(table)
            : DbAccessStrategy.Dialect(c).Quote(table);

        private static bool TableExists(DbConnection db, CrmConnection c, string table) =>
            DbAccessStrategy.Query(db, c, "SELECT 1 FROM information_schema.tables WHERE table_schema = @s AND table_name = @t", ("s", DbAccessStrategy.Schema(c)), ("t", table)).Count > 0;

        private static string Where(CrmConnection c, ProfileRevokeRule rule, List<object?> ps, AdministratorChoice admins)
        {
            var q = DbAccessStrategy.Dialect(c);
            var sb = new StringBuilder();
            string P(object? v) { ps.Add(v); return "@p" + (ps.Count - 1).ToString(CultureInfo.InvariantCulture); }
            void Cond(ProfileCondition x, StringBuilder to)
            {
                string col = q.Quote(x.Column);
                if (x.Value is null) to.Append(col).Append(x.Negate ? " IS NOT NULL" : " IS NULL");
                else if (x.Negate) to.Append('(').Append(col).Append(" <> ").Append(P(x.Value)).Append(" OR ").Append(col).Append(" IS NULL)");
                else to.Append(col).Append(" = ").Append(P(x.Value));
            }
            foreach (var x in rule.Where)
            {
                sb.Append(sb.Length == 0 ? " WHERE " : " AND ");
                Cond(x, sb);
            }
            if (admins == AdministratorChoice.Keep && rule.Administrators.Count > 0)
            {
                var a = new StringBuilder();
                foreach (var x in rule.Administrators) { if (a.Length > 0) a.Append(" AND "); Cond(x, a); }
                sb.Append(sb.Length == 0 ? " WHERE " : " AND ").Append("NOT (").Append(a).Append(')');
            }
            return sb.ToString();
        }

        private static string SetList(CrmConnection c, ProfileRevokeRule rule)
        {
            var q = DbAccessStrategy.Dialect(c);
            var sb = new StringBuilder();
            foreach (var (col, v) in rule.Set)
            {
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(q.Quote(col)).Append(" = ").Append(v switch
                {
                    null => "NULL",
                    "@now" => DbAccessStrategy.IsPg(c) ? "(now() at time zone 'utc')" : "UTC_TIMESTAMP()",
                    bool b => DbAccessStrategy.IsPg(c) ? (b ? "true" : "false") : (b ? "1" : "0"),
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    decimal d => d.ToString(CultureInfo.InvariantCulture),
                    string s => DbAccessStrategy.Lit(s),
                    _ => DbAccessStrategy.Lit(Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""),
                });
            }
            return sb.ToString();
        }

        /// <summary>Plans (lists the statements and how many rows each would change) or runs every rule, recording the previous values.</summary>
        public static void Apply(DbConnection db, CrmConnection c, CrmProfile profile, AdministratorChoice admins, StageOutcome o, List<RevokedChange>? record, bool plan)
        {
            var q = DbAccessStrategy.Dialect(c);
            foreach (var rule in profile.Revoke)
            {
                if (!TableExists(db, c, rule.Table))
                {
                    if (!rule.Optional) throw new CrmException("RevokeTableNotFound", CrmErrorKind.NotFound, $"The profile '{profile.Name}' revokes {rule.What} in the table '{rule.Table}', which {c.DisplayName} does not have.");
                    o.Actions.Add($"{rule.What}: the table {rule.Table} does not exist here (an optional module); nothing to revoke");
                    continue;
                }
                var ps = new List<object?>();
                string where = Where(c, rule, ps, admins);
                string update = $"UPDATE {T(c, rule.Table)} SET {SetList(c, rule)}{where}";
                var cols = new List<string>(rule.Key);
                foreach (var (col, _) in rule.Set) cols.Add(col);
                var select = new StringBuilder("SELECT ");
                for (int i = 0; i < cols.Count; i++) select.Append(i > 0 ? ", " : "").Append(q.Quote(cols[i]));
                select.Append(" FROM ").Append(T(c, rule.Table)).Append(where).Append(" ORDER BY ");
                for (int i = 0; i < rule.Key.Count; i++) select.Append(i > 0 ? ", " : "").Append(q.Quote(rule.Key[i]));
                var rows = ReadRows(db, c, select.ToString(), ps, cols.Count);
                string kept = admins == AdministratorChoice.Keep && rule.Administrators.Count > 0 ? " (administrators kept: -Administrator Keep)" : "";
                if (plan)
                {
                    o.Actions.Add($"{rule.What}: {update} — {rows.Count} row(s) now{kept}; their previous values are recorded in the state file first");
                    continue;
                }
                var change = new RevokedChange { What = rule.What, Table = rule.Table };
                change.KeyColumns.AddRange(rule.Key);
                foreach (var (col, _) in rule.Set) change.Columns.Add(col);
                foreach (var row in rows)
                {
                    var rr = new RevokedRow();
                    for (int i = 0; i < rule.Key.Count; i++) rr.Key.Add(Store(row[i]));
                    for (int i = rule.Key.Count; i < row.Length; i++) rr.Before.Add(Store(row[i]));
                    change.Rows.Add(rr);
                }
                // Recorded before the update: the caller saves the state file, then calls Commit.
                record?.Add(change);
                o.Actions.Add($"{rule.What}: {rows.Count} row(s) of {rule.Table} to change{kept}");
            }
        }

        /// <summary>Updates the recorded rows by key (after the state file holding their previous values was saved).</summary>
        public static void Commit(DbConnection db, CrmConnection c, CrmProfile profile, RevokedChange change, StageOutcome o)
        {
            ProfileRevokeRule? rule = null;
            foreach (var r in profile.Revoke) if (r.What == change.What && r.Table == change.Table) rule = r;
            if (rule is null || change.Rows.Count == 0) { o.Actions.Add($"{change.What}: nothing to change"); return; }
            var q = DbAccessStrategy.Dialect(c);
            long n = 0;
            using var tx = db.BeginTransaction();
            foreach (var row in change.Rows)
            {
                using var cmd = db.CreateCommand();
                cmd.Transaction = tx;
                var sb = new StringBuilder($"UPDATE {T(c, rule.Table)} SET {SetList(c, rule)} WHERE ");
                for (int i = 0; i < change.KeyColumns.Count; i++)
                {
                    sb.Append(i > 0 ? " AND " : "").Append(q.Quote(change.KeyColumns[i])).Append(" = @k").Append(i.ToString(CultureInfo.InvariantCulture));
                    Add(cmd, "@k" + i.ToString(CultureInfo.InvariantCulture), Load(row.Key[i]));
                }
                cmd.CommandText = sb.ToString();
                n += Run(cmd, c);
            }
            tx.Commit();
            o.Actions.Add($"{change.What}: UPDATE {T(c, rule.Table)} SET {SetList(c, rule)} by key ({n} row(s) changed; previous values in the state file)");
        }

        /// <summary>Writes every recorded previous value back, by key, newest change first.</summary>
        public static void Undo(DbConnection db, CrmConnection c, IReadOnlyList<RevokedChange> changes, StageOutcome o)
        {
            var q = DbAccessStrategy.Dialect(c);
            for (int x = changes.Count - 1; x >= 0; x--)
            {
                var change = changes[x];
                foreach (var s in change.UndoStatements) { DbAccessStrategy.Exec(db, c, s); o.Actions.Add(s); }
                if (change.Rows.Count == 0) continue;
                long n = 0;
                using var tx = db.BeginTransaction();
                foreach (var row in change.Rows)
                {
                    using var cmd = db.CreateCommand();
                    cmd.Transaction = tx;
                    var sb = new StringBuilder($"UPDATE {T(c, change.Table)} SET ");
                    for (int i = 0; i < change.Columns.Count; i++)
                    {
                        var v = Load(row.Before[i]);
                        sb.Append(i > 0 ? ", " : "").Append(q.Quote(change.Columns[i])).Append(" = ");
                        if (v is null) sb.Append("NULL");
                        else { sb.Append("@v").Append(i.ToString(CultureInfo.InvariantCulture)); Add(cmd, "@v" + i.ToString(CultureInfo.InvariantCulture), v); }
                    }
                    sb.Append(" WHERE ");
                    for (int i = 0; i < change.KeyColumns.Count; i++)
                    {
                        sb.Append(i > 0 ? " AND " : "").Append(q.Quote(change.KeyColumns[i])).Append(" = @k").Append(i.ToString(CultureInfo.InvariantCulture));
                        Add(cmd, "@k" + i.ToString(CultureInfo.InvariantCulture), Load(row.Key[i]));
                    }
                    cmd.CommandText = sb.ToString();
                    n += Run(cmd, c);
                }
                tx.Commit();
                o.Actions.Add($"{change.What}: restored the previous values of {string.Join(", ", change.Columns)} in {n} row(s) of {change.Table}");
                o.Evidence["restored " + change.Table] = n.ToString(CultureInfo.InvariantCulture) + " row(s)";
            }
        }

        private static int Run(DbCommand cmd, CrmConnection c)
        {
            try { return cmd.ExecuteNonQuery(); }
            catch (DbException ex)
            {
                throw new CrmException("DecommissionStatementFailed", CrmErrorKind.WriteError, $"'{cmd.CommandText}' failed on {c.DisplayName}: {DbDialect.SafeMessage(ex, c.GetCredential())}", ex);
            }
        }

        private static void Add(DbCommand cmd, string name, object? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        private static List<object?[]> ReadRows(DbConnection db, CrmConnection c, string sql, List<object?> ps, int width)
        {
            var rows = new List<object?[]>();
            try
            {
                using var cmd = db.CreateCommand();
                cmd.CommandText = sql;
                for (int i = 0; i < ps.Count; i++) Add(cmd, "@p" + i.ToString(CultureInfo.InvariantCulture), ps[i]);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    var row = new object?[width];
                    for (int i = 0; i < width; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
                    rows.Add(row);
                }
            }
            catch (DbException ex)
            {
                throw new CrmException("DecommissionQueryFailed", CrmErrorKind.ConnectionError, $"Reading what Revoke would change on {c.DisplayName} failed: {DbDialect.SafeMessage(ex, c.GetCredential())}", ex);
            }
            return rows;
        }

        internal static StoredValue Store(object? v) => v switch
        {
            null => new StoredValue { T = "n" },
            string s => new StoredValue { T = "s", V = s },
            bool b => new StoredValue { T = "b", V = b ? "true" : "false" },
            sbyte or byte or short or ushort or int or uint or long => new StoredValue { T = "l", V = Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) },
            ulong ul => new StoredValue { T = "d", V = ul.ToString(CultureInfo.InvariantCulture) },
            decimal d => new StoredValue { T = "d", V = d.ToString(CultureInfo.InvariantCulture) },
            double or float => new StoredValue { T = "f", V = Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) },
            DateTime dt => new StoredValue { T = "t", V = dt.ToString("O", CultureInfo.InvariantCulture) },
            DateTimeOffset dto => new StoredValue { T = "o", V = dto.ToString("O", CultureInfo.InvariantCulture) },
            byte[] bytes => new StoredValue { T = "x", V = Convert.ToBase64String(bytes) },
            Guid g => new StoredValue { T = "g", V = g.ToString("D") },
            _ => new StoredValue { T = "s", V = Convert.ToString(v, CultureInfo.InvariantCulture) },
        };

        internal static object? Load(StoredValue s) => s.T switch
        {
            "n" => null,
            "b" => s.V == "true",
            "l" => long.Parse(s.V!, CultureInfo.InvariantCulture),
            "d" => decimal.Parse(s.V!, CultureInfo.InvariantCulture),
            "f" => double.Parse(s.V!, CultureInfo.InvariantCulture),
            "t" => DateTime.Parse(s.V!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            "o" => DateTimeOffset.Parse(s.V!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            "x" => Convert.FromBase64String(s.V!),
            "g" => Guid.Parse(s.V!),
            _ => s.V,
        };
    }
}
