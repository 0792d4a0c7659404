using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Providers.Db.Profiles
{
    /// <summary>Reads canonical records through a profile: one SELECT per entity part, with lookups, relations, e-mails and custom fields as joins and subqueries.</summary>
    internal sealed class ProfileReader
    {
        private readonly DbProvider _provider;
        private readonly CrmProfile _profile;
        private readonly DbDialect _dialect;

        public ProfileReader(DbProvider provider, CrmProfile profile)
        {
            _provider = provider;
            _profile = profile;
            _dialect = provider.Dialect;
        }

        private sealed class Query
        {
            public Query(string sql, List<object?> parameters, string[] names, int customStart, int[] keySlots, bool[] booleans)
            {
                Booleans = booleans;
                Sql = sql;
                Parameters = parameters;
                Names = names;
                CustomStart = customStart;
                KeySlots = keySlots;
            }

            public string Sql { get; }
            public List<object?> Parameters { get; }
            public string[] Names { get; }
            public int CustomStart { get; }
            public int[] KeySlots { get; }
            /// <summary>Per column: a 0/1 flag to read as a boolean.</summary>
            public bool[] Booleans { get; }
        }

        private ProfileEntity Entity(string entity)
        {
            if (_profile.Entities.TryGetValue(entity, out var e)) return e;
            throw new CrmException("ProfileEntityNotFound", CrmErrorKind.NotFound,
                $"The profile '{_profile.Name}' has no entity '{entity}'; it maps {string.Join(", ", _profile.EntityNames)}.") { Error = { Entity = entity } };
        }

        private static IEnumerable<ProfileEntity> Parts(ProfileEntity e) => e.Parts.Count > 0 ? e.Parts : new[] { e };

        public CrmEntitySchema? Describe(string entity, bool includeRowCount)
        {
            if (!_profile.Entities.ContainsKey(entity)) return null;
            var e = Entity(entity);
            using var conn = _provider.OpenConnection("SourceConnectionFailed");
            var fields = new List<CrmFieldSchema>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            long total = 0;
            var key = new List<string>();
            foreach (var part in Parts(e))
            {
                var q = Build(conn, part, e.Name);
                if (key.Count == 0) key.AddRange(part.Key);
                using (var cmd = Command(conn, "SELECT * FROM (" + q.Sql + ") q WHERE 1 = 0", q.Parameters))
                using (var reader = Execute(cmd, e.Name))
                {
                    for (int i = 0; i < q.Names.Length; i++)
                    {
                        if (!seen.Add(q.Names[i])) continue;
                        var ft = q.Booleans[i] ? CrmFieldType.Boolean : TypeOf(reader.GetFieldType(i), reader.GetDataTypeName(i), _profile.TimestampsUtc);
                        fields.Add(new CrmFieldSchema(q.Names[i], ft) { SourceType = reader.GetDataTypeName(i), IsKey = part.Key.Contains(q.Names[i]) });
                    }
                }
                if (includeRowCount)
                {
                    using var cmd = Command(conn, "SELECT COUNT(*) FROM (" + q.Sql + ") q", q.Parameters);
                    total += Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                }
            }
            return new CrmEntitySchema(e.Name, fields) { System = _provider.Connection.DisplayName, Key = key, RowCount = includeRowCount ? total : null };
        }

        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, CancellationToken cancellationToken)
        {
            var e = Entity(entity);
            return ReadAll(e, options.Filters.Count > 0 ? new RecordFilter(options.Filters) : null, cancellationToken);
        }

        private IEnumerable<CrmRecord> ReadAll(ProfileEntity e, RecordFilter? filter, CancellationToken cancellationToken)
        {
            using var conn = _provider.OpenConnection("SourceConnectionFailed", cancellationToken);
            long ordinal = 0;
            string system = _provider.Connection.DisplayName;
            foreach (var part in Parts(e))
            {
                var q = Build(conn, part, e.Name);
                var shape = new CrmFieldShape(q.Names);
                var keyNames = new string[q.KeySlots.Length];
                for (int k = 0; k < keyNames.Length; k++) keyNames[k] = q.Names[q.KeySlots[k]];
                using var cmd = Command(conn, q.Sql, q.Parameters);
                using var reader = Execute(cmd, e.Name);
                // Per column: 1 = a date (stays a date), 2 = a timestamp the product stores in UTC (read as UTC).
                var kinds = new byte[q.Names.Length];
                for (int i = 0; i < kinds.Length; i++)
                {
                    var ft = TypeOf(reader.GetFieldType(i), reader.GetDataTypeName(i), _profile.TimestampsUtc);
                    kinds[i] = q.Booleans[i] ? (byte)3 : ft == CrmFieldType.Date ? (byte)1 : ft == CrmFieldType.DateTimeOffset && reader.GetFieldType(i) == typeof(DateTime) ? (byte)2 : (byte)0;
                }
                while (true)
                {
                    bool more;
                    try { more = reader.Read(); }
                    catch (DbException ex)
                    {
                        throw new CrmException("SourceReadFailed", CrmErrorKind.ConnectionError, $"Reading {e.Name} from {system} failed: {DbDialect.SafeMessage(ex, _provider.Connection.GetCredential())}", ex) { Error = { Entity = e.Name } };
                    }
                    if (!more) break;
                    cancellationToken.ThrowIfCancellationRequested();
                    var values = new object?[q.Names.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        var v = Value(reader.GetValue(i));
                        if (kinds[i] == 2 && v is DateTime utc) v = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
                        else if (kinds[i] == 1 && v is DateTime day) v = day.Date;
                        else if (kinds[i] == 3 && v is long flag) v = flag != 0;
                        values[i] = v;
                    }
                    var record = new CrmRecord(e.Name, shape, values);
                    if (filter is not null && !filter.Matches(record)) continue;
                    ordinal++;
                    record.Key = DbProvider.MakeKey(values, q.KeySlots, keyNames);
                    record.Origin = new CrmOrigin(system, e.Name, record.Key?.ToString(), null, ordinal);
                    yield return record;
                }
            }
        }

        private static object? Value(object? raw)
        {
            var v = DbDialect.Normalize(raw);
            if (v is DateTime d && d.Kind == DateTimeKind.Utc) return new DateTimeOffset(d);
            return v;
        }

        private static CrmFieldType TypeOf(Type t, string dbType, bool timestampsUtc)
        {
            if (t == typeof(DateTime) || t == typeof(DateOnly))
            {
                if (string.Equals(dbType, "date", StringComparison.OrdinalIgnoreCase)) return CrmFieldType.Date;
                if (timestampsUtc && t == typeof(DateTime)) return CrmFieldType.DateTimeOffset;
            }
            if (t == typeof(string) || t == typeof(char)) return CrmFieldType.String;
            if (t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(uint) || t == typeof(ushort)) return CrmFieldType.Integer;
            if (t == typeof(decimal) || t == typeof(ulong)) return CrmFieldType.Decimal;
            if (t == typeof(double) || t == typeof(float)) return CrmFieldType.Double;
            if (t == typeof(bool)) return CrmFieldType.Boolean;
            if (t == typeof(DateTime)) return CrmFieldType.DateTime;
            if (t == typeof(DateOnly)) return CrmFieldType.Date;
            if (t == typeof(DateTimeOffset)) return CrmFieldType.DateTimeOffset;
            if (t == typeof(Guid)) return CrmFieldType.Guid;
            if (t == typeof(byte[])) return CrmFieldType.Binary;
            return CrmFieldType.String;
        }

        private DbCommand Command(DbConnection conn, string sql, List<object?> parameters)
        {
            var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            for (int p = 0; p < parameters.Count; p++)
            {
                var prm = cmd.CreateParameter();
                prm.ParameterName = "@p" + p.ToString(CultureInfo.InvariantCulture);
                prm.Value = parameters[p] ?? DBNull.Value;
                cmd.Parameters.Add(prm);
            }
            return cmd;
        }

        private DbDataReader Execute(DbCommand cmd, string entity)
        {
            try
            {
                return cmd.ExecuteReader();
            }
            catch (DbException ex)
            {
                throw new CrmException("ProfileQueryFailed", CrmErrorKind.InvalidData,
                    $"Reading {entity} through the profile '{_profile.Name}' failed: {DbDialect.SafeMessage(ex, _provider.Connection.GetCredential())} Check that the database has the product's tables.", ex) { Error = { Entity = entity } };
            }
        }

        private Query Build(DbConnection conn, ProfileEntity part, string entity)
        {
            var ps = new List<object?>();
            string P(object? value)
            {
                ps.Add(value);
                return "@p" + (ps.Count - 1).ToString(CultureInfo.InvariantCulture);
            }
            string Q(string id) => _dialect.Quote(id);
            string T(string table) => Q(_provider.Schema) + "." + Q(table);

            var table = _dialect.LoadTable(conn, _provider.Schema, part.Table!)
                ?? throw new CrmException("ProfileTableNotFound", CrmErrorKind.NotFound,
                    $"The profile '{_profile.Name}' reads {entity} from the table '{part.Table}', which {_provider.Connection.DisplayName} does not have.") { Error = { Entity = entity } };
            string recordKey = part.Key.Count > 0 ? part.Fields.Find(f => string.Equals(f.Name, part.Key[0], StringComparison.OrdinalIgnoreCase))!.Column! : (table.PrimaryKey.Length > 0 ? table.Columns[table.PrimaryKey[0]].Name : "id");

            var names = new List<string>();
            var select = new StringBuilder("SELECT ");
            foreach (var f in part.Fields)
            {
                if (names.Count > 0) select.Append(", ");
                names.Add(f.Name);
                select.Append(FieldExpression(f, recordKey, P, Q, T)).Append(" AS ").Append(Q("f" + names.Count.ToString(CultureInfo.InvariantCulture)));
            }
            int customStart = names.Count;
            string from = " FROM " + T(table.Name) + " t";
            if (part.CustomTable is not null)
            {
                var custom = _dialect.LoadTable(conn, _provider.Schema, part.CustomTable);
                if (custom is not null)
                {
                    from += " LEFT JOIN " + T(custom.Name) + " c ON c." + Q(part.CustomKey!) + " = t." + Q(recordKey);
                    foreach (var col in custom.Columns)
                    {
                        if (string.Equals(col.Name, part.CustomKey, StringComparison.OrdinalIgnoreCase) || names.Exists(n => string.Equals(n, col.Name, StringComparison.OrdinalIgnoreCase))) continue;
                        names.Add(col.Name);
                        select.Append(", c.").Append(_dialect.SelectExpression(col)).Append(" AS ").Append(Q("f" + names.Count.ToString(CultureInfo.InvariantCulture)));
                    }
                }
            }
            var sql = new StringBuilder().Append(select).Append(from);
            AppendConditions(sql, "t", part.Where, first: true, P, Q);
            sql.Append(" ORDER BY t.").Append(Q(recordKey));
            var keySlots = new int[part.Key.Count];
            for (int k = 0; k < keySlots.Length; k++) keySlots[k] = names.FindIndex(n => string.Equals(n, part.Key[k], StringComparison.OrdinalIgnoreCase));
            var booleans = new bool[names.Count];
            for (int i = 0; i < part.Fields.Count; i++) booleans[i] = string.Equals(part.Fields[i].Type, "boolean", StringComparison.OrdinalIgnoreCase);
            return new Query(sql.ToString(), ps, names.ToArray(), customStart, keySlots, booleans);
        }

        private static void AppendConditions(StringBuilder sql, string alias, List<ProfileCondition> conditions, bool first, Func<object?, string> p, Func<string, string> q)
        {
            foreach (var c in conditions)
            {
                sql.Append(first ? " WHERE " : " AND ");
                first = false;
                string col = alias + "." + q(c.Column);
                if (c.Value is null) sql.Append(col).Append(c.Negate ? " IS NOT NULL" : " IS NULL");
                else if (c.Negate) sql.Append('(').Append(col).Append(" <> ").Append(p(c.Value)).Append(" OR ").Append(col).Append(" IS NULL)");
                else sql.Append(col).Append(" = ").Append(p(c.Value));
            }
        }

        private string FieldExpression(ProfileField f, string recordKey, Func<object?, string> p, Func<string, string> q, Func<string, string> t)
        {
            switch (f.Kind)
            {
                case ProfileFieldKind.Constant:
                    return f.Value is string s ? "CAST(" + p(s) + " AS " + (_dialect is PgDialect ? "text" : "char") + ")" : p(f.Value);
                case ProfileFieldKind.Column:
                    if (f.ParentTable is not null)
                    {
                        var sb = new StringBuilder("CASE WHEN EXISTS (SELECT 1 FROM ").Append(t(f.ParentTable)).Append(" pa WHERE pa.").Append(q(f.ParentKey!)).Append(" = t.").Append(q(f.Column!));
                        AppendConditions(sb, "pa", f.ParentWhere, first: false, p, q);
                        return sb.Append(") THEN t.").Append(q(f.Column!)).Append(" END").ToString();
                    }
                    return f.Translated is null ? "t." + q(f.Column!) : _dialect.TranslatedText("t." + q(f.Column!), p(f.Translated));
                case ProfileFieldKind.Lookup:
                {
                    string target = "l." + q(f.Target!);
                    if (f.Translated is not null) target = _dialect.TranslatedText(target, p(f.Translated));
                    return "(SELECT " + target + " FROM " + t(f.Table!) + " l WHERE l." + q(f.Key!) + " = t." + q(f.Column!) + ")";
                }
                case ProfileFieldKind.Relation:
                {
                    var sb = new StringBuilder("(SELECT r.").Append(q(f.Target!)).Append(" FROM ").Append(t(f.Table!)).Append(" r WHERE r.").Append(q(f.Key!)).Append(" = t.").Append(q(recordKey));
                    AppendConditions(sb, "r", f.Where, first: false, p, q);
                    if (f.ParentTable is not null)
                    {
                        // The link row may be live while the parent itself is soft-deleted: only a live parent counts.
                        sb.Append(" AND EXISTS (SELECT 1 FROM ").Append(t(f.ParentTable)).Append(" pa WHERE pa.").Append(q(f.ParentKey!)).Append(" = r.").Append(q(f.Target!));
                        AppendConditions(sb, "pa", f.ParentWhere, first: false, p, q);
                        sb.Append(')');
                    }
                    sb.Append(" ORDER BY r.").Append(q(f.Target!)).Append(" LIMIT 1)");
                    return sb.ToString();
                }
                case ProfileFieldKind.PrimaryEmail:
                case ProfileFieldKind.AllEmails:
                {
                    var em = _profile.Email ?? throw new CrmException("ProfileInvalid", CrmErrorKind.InvalidArgument, $"The profile '{_profile.Name}' maps e-mail field '{f.Name}' but has no \"email\" storage.");
                    string addr = "a." + q(em.AddressColumn);
                    string order = (em.PrimaryColumn is not null ? "r." + q(em.PrimaryColumn) + " DESC, " : "") + addr;
                    var sb = new StringBuilder("(SELECT ");
                    sb.Append(f.Kind == ProfileFieldKind.AllEmails ? _dialect.JoinedText(addr, order) : f.Target is not null ? "a." + q(f.Target) : addr);
                    sb.Append(" FROM ").Append(t(em.RelationTable)).Append(" r JOIN ").Append(t(em.AddressTable)).Append(" a ON a.").Append(q(em.AddressKey)).Append(" = r.").Append(q(em.RelationAddress));
                    sb.Append(" WHERE r.").Append(q(em.RelationRecord)).Append(" = t.").Append(q(recordKey));
                    if (em.RelationModule is not null && f.Module is not null) sb.Append(" AND r.").Append(q(em.RelationModule)).Append(" = ").Append(p(f.Module));
                    if (em.DeletedColumn is not null) sb.Append(" AND r.").Append(q(em.DeletedColumn)).Append(" = 0 AND a.").Append(q(em.DeletedColumn)).Append(" = 0");
                    if (f.Kind == ProfileFieldKind.PrimaryEmail) sb.Append(" ORDER BY ").Append(order).Append(" LIMIT 1");
                    sb.Append(')');
                    return sb.ToString();
                }
                default:
                    throw new InvalidOperationException("Unknown field kind " + f.Kind);
            }
        }
    }
}
