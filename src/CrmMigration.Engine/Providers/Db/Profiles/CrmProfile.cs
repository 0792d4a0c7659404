using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace CrmMigration.Engine.Providers.Db.Profiles
{
    /// <summary>
    /// A CRM product's table layout: which tables hold the canonical entities (Account, Contact, Lead,
    /// Opportunity, Case, Activity, Note, Campaign, Contract, User), their keys, soft-delete filters,
    /// modified-at columns, relation tables, custom-field tables and e-mail storage. Read from JSON data
    /// (built-in SuiteCRM and Odoo, or a user's file); never executed as code. See about_CrmMigration_Profiles.
    /// </summary>
    public sealed class CrmProfile
    {
        /// <summary>Canonical entities in dependency order.</summary>
        public static readonly IReadOnlyList<string> CanonicalEntities = new[] { "User", "Account", "Contact", "Lead", "Opportunity", "Case", "Campaign", "Contract", "Activity", "Note" };

        /// <summary>The built-in profiles.</summary>
        public static readonly IReadOnlyList<string> BuiltIn = new[] { "Generic", "SuiteCRM", "Odoo" };

        private static readonly ConcurrentDictionary<string, CrmProfile> Cache = new ConcurrentDictionary<string, CrmProfile>(StringComparer.OrdinalIgnoreCase);

        private CrmProfile(string name) { Name = name; }

        public string Name { get; }
        public string? Provider { get; private set; }
        public string? Description { get; private set; }
        public Dictionary<string, ProfileEntity> Entities { get; } = new Dictionary<string, ProfileEntity>(StringComparer.OrdinalIgnoreCase);
        public ProfileEmail? Email { get; private set; }
        /// <summary>Tables holding the system's users (for decommissioning), informational.</summary>
        public string? UserTable { get; private set; }
        /// <summary>Tables holding scheduled jobs (for decommissioning), informational.</summary>
        public string? SchedulerTable { get; private set; }
        /// <summary>What Revoke changes, rule by rule (users, jobs, queues, API clients and tokens, mail accounts, webhooks).</summary>
        public List<ProfileRevokeRule> Revoke { get; } = new List<ProfileRevokeRule>();
        /// <summary>Credential columns per table: written as "[redacted]" in a final archive.</summary>
        public Dictionary<string, IReadOnlyCollection<string>> Secrets { get; } = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Notify: the entity whose records are the people to tell, and the field holding their address.</summary>
        public string? NotifyEntity { get; private set; }
        /// <summary>Notify: the e-mail field of <see cref="NotifyEntity"/>.</summary>
        public string NotifyEmailField { get; private set; } = "Email";
        /// <summary>Notify: the display-name fields of <see cref="NotifyEntity"/>.</summary>
        public List<string> NotifyNameFields { get; } = new List<string>();
        /// <summary>Notify: a field and the value that marks an active user (null: every record).</summary>
        public ProfileCondition? NotifyActive { get; private set; }
        /// <summary>The product stores date-and-time columns in UTC without a zone: read them as UTC.</summary>
        public bool TimestampsUtc { get; private set; }

        /// <summary>Canonical entity names the profile maps, in dependency order.</summary>
        public IReadOnlyList<string> EntityNames
        {
            get
            {
                var list = new List<string>();
                foreach (var e in CanonicalEntities) if (Entities.ContainsKey(e)) list.Add(e);
                foreach (var e in Entities.Keys) if (!list.Contains(e)) list.Add(e);
                return list;
            }
        }

        /// <summary>The connection's profile, or null for none/Generic (one entity per table).</summary>
        public static CrmProfile? ForConnection(CrmConnection connection)
        {
            if (!connection.Options.TryGetValue("Profile", out string? name) || string.IsNullOrWhiteSpace(name) || string.Equals(name, "Generic", StringComparison.OrdinalIgnoreCase)) return null;
            return Load(name);
        }

        /// <summary>Loads a built-in profile by name or a JSON file by path.</summary>
        public static CrmProfile Load(string nameOrPath)
        {
            foreach (var b in BuiltIn)
            {
                if (string.Equals(b, nameOrPath, StringComparison.OrdinalIgnoreCase))
                {
                    return Cache.GetOrAdd(b, n =>
                    {
                        using var s = typeof(CrmProfile).Assembly.GetManifestResourceStream("CrmMigration.Engine.Profiles." + n + ".json")
                            ?? throw new CrmException("ProfileNotFound", CrmErrorKind.NotFound, $"The built-in profile '{n}' is missing from the engine.");
                        using var reader = new StreamReader(s);
                        return Parse(n, reader.ReadToEnd(), "built-in profile " + n);
                    });
                }
            }
            string full = Path.GetFullPath(nameOrPath);
            if (!File.Exists(full))
            {
                throw new CrmException("ProfileNotFound", CrmErrorKind.NotFound,
                    $"'{nameOrPath}' is neither a built-in profile ({string.Join(", ", BuiltIn)}) nor an existing profile file.");
            }
            return Parse(Path.GetFileNameWithoutExtension(full), File.ReadAllText(full), full);
        }

        /// <summary>Parses profile JSON.</summary>
        public static CrmProfile Parse(string name, string json, string source)
        {
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                var root = doc.RootElement;
                var p = new CrmProfile(Str(root, "name") ?? name)
                {
                    Provider = Str(root, "provider"),
                    Description = Str(root, "description"),
                    UserTable = Str(root, "userTable"),
                    SchedulerTable = Str(root, "schedulerTable"),
                };
                if (root.TryGetProperty("email", out var email)) p.Email = ProfileEmail.Parse(email);
                p.TimestampsUtc = root.TryGetProperty("timestampsUtc", out var utc) && utc.ValueKind == JsonValueKind.True;
                if (root.TryGetProperty("revoke", out var revoke))
                {
                    foreach (var r in revoke.EnumerateArray()) p.Revoke.Add(ProfileRevokeRule.Parse(r));
                }
                if (root.TryGetProperty("secrets", out var secrets))
                {
                    foreach (var t in secrets.EnumerateObject())
                    {
                        var cols = new List<string>();
                        foreach (var c in t.Value.EnumerateArray()) cols.Add(c.GetString() ?? throw new FormatException("secrets must list column names."));
                        p.Secrets[t.Name] = cols;
                    }
                }
                if (root.TryGetProperty("notify", out var notify))
                {
                    p.NotifyEntity = Req(notify, "entity", "notify");
                    p.NotifyEmailField = Str(notify, "emailField") ?? "Email";
                    if (notify.TryGetProperty("nameFields", out var nf)) foreach (var n in nf.EnumerateArray()) p.NotifyNameFields.Add(n.GetString() ?? "");
                    if (notify.TryGetProperty("active", out var act)) p.NotifyActive = new ProfileCondition(Req(act, "field", "notify.active"), Value(act.GetProperty("equals")), false);
                }
                if (!root.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("it has no \"entities\" object.");
                }
                foreach (var e in entities.EnumerateObject()) p.Entities[e.Name] = ProfileEntity.Parse(e.Name, e.Value);
                return p;
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new CrmException("ProfileInvalid", CrmErrorKind.InvalidArgument, $"The profile {source} is not valid: {ex.Message}", ex);
            }
        }

        internal static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        internal static string Req(JsonElement e, string name, string where) =>
            Str(e, name) ?? throw new FormatException($"{where} needs a string \"{name}\".");

        internal static object? Value(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetInt64(out long l) ? l : v.GetDecimal(),
            JsonValueKind.Null => null,
            _ => throw new FormatException("a condition value must be text, a number, true, false or null."),
        };
    }

    /// <summary>
    /// One thing Revoke switches off: the rows of a table matching the conditions get the "set" values; their
    /// previous values go into the state file first, so -Undo restores them exactly. "administrators" marks the
    /// rows that -Administrator Keep leaves alone; "optional" rules are skipped (with a note) when the table is absent.
    /// </summary>
    public sealed class ProfileRevokeRule
    {
        public string What { get; private set; } = "";
        public string Table { get; private set; } = "";
        public List<string> Key { get; } = new List<string>();
        public List<ProfileCondition> Where { get; private set; } = new List<ProfileCondition>();
        /// <summary>Column → new value; the text "@now" means the current UTC time.</summary>
        public List<(string Column, object? Value)> Set { get; } = new List<(string, object?)>();
        public List<ProfileCondition> Administrators { get; private set; } = new List<ProfileCondition>();
        public bool Optional { get; private set; }
        /// <summary>Why this rule stops the system writing or reading (for the report).</summary>
        public string Description { get; private set; } = "";

        internal static ProfileRevokeRule Parse(JsonElement e)
        {
            var r = new ProfileRevokeRule
            {
                What = CrmProfile.Req(e, "what", "revoke"),
                Table = CrmProfile.Req(e, "table", "revoke"),
                Optional = e.TryGetProperty("optional", out var o) && o.ValueKind == JsonValueKind.True,
                Description = CrmProfile.Str(e, "description") ?? "",
            };
            r.Where = ProfileCondition.ParseList(e, "revoke " + r.What);
            if (e.TryGetProperty("administrators", out var admins))
            {
                var holder = JsonDocument.Parse("{\"where\":" + admins.GetRawText() + "}");
                r.Administrators = ProfileCondition.ParseList(holder.RootElement, "revoke " + r.What + " administrators");
            }
            if (e.TryGetProperty("key", out var key)) foreach (var k in key.EnumerateArray()) r.Key.Add(k.GetString() ?? "id");
            if (r.Key.Count == 0) r.Key.Add("id");
            if (!e.TryGetProperty("set", out var set) || set.ValueKind != JsonValueKind.Object) throw new FormatException($"revoke {r.What} needs a \"set\" object.");
            foreach (var c in set.EnumerateObject()) r.Set.Add((c.Name, CrmProfile.Value(c.Value)));
            return r;
        }
    }

    /// <summary>A condition on a column: equals or notEquals a value (null means IS NULL).</summary>
    public sealed class ProfileCondition
    {
        public ProfileCondition(string column, object? value, bool negate)
        {
            Column = column;
            Value = value;
            Negate = negate;
        }

        public string Column { get; }
        public object? Value { get; }
        public bool Negate { get; }

        internal static List<ProfileCondition> ParseList(JsonElement parent, string where)
        {
            var list = new List<ProfileCondition>();
            if (!parent.TryGetProperty("where", out var w)) return list;
            foreach (var c in w.EnumerateArray())
            {
                string column = CrmProfile.Req(c, "column", where + " condition");
                if (c.TryGetProperty("equals", out var eq)) list.Add(new ProfileCondition(column, CrmProfile.Value(eq), false));
                else if (c.TryGetProperty("notEquals", out var ne)) list.Add(new ProfileCondition(column, CrmProfile.Value(ne), true));
                else throw new FormatException($"{where}: a condition on '{column}' needs \"equals\" or \"notEquals\".");
            }
            return list;
        }
    }

    /// <summary>Where a product keeps e-mail addresses apart from the records (SuiteCRM's email_addresses).</summary>
    public sealed class ProfileEmail
    {
        public string AddressTable { get; private set; } = "";
        public string AddressKey { get; private set; } = "id";
        public string AddressColumn { get; private set; } = "";
        public string RelationTable { get; private set; } = "";
        public string RelationAddress { get; private set; } = "";
        public string RelationRecord { get; private set; } = "";
        public string? RelationModule { get; private set; }
        public string? PrimaryColumn { get; private set; }
        public string? DeletedColumn { get; private set; }

        internal static ProfileEmail Parse(JsonElement e) => new ProfileEmail
        {
            AddressTable = CrmProfile.Req(e, "addressTable", "email"),
            AddressKey = CrmProfile.Str(e, "addressKey") ?? "id",
            AddressColumn = CrmProfile.Req(e, "addressColumn", "email"),
            RelationTable = CrmProfile.Req(e, "relationTable", "email"),
            RelationAddress = CrmProfile.Req(e, "relationAddress", "email"),
            RelationRecord = CrmProfile.Req(e, "relationRecord", "email"),
            RelationModule = CrmProfile.Str(e, "relationModule"),
            PrimaryColumn = CrmProfile.Str(e, "primaryColumn"),
            DeletedColumn = CrmProfile.Str(e, "deletedColumn"),
        };
    }

    /// <summary>What a canonical field reads.</summary>
    public enum ProfileFieldKind
    {
        /// <summary>A column of the entity's table.</summary>
        Column,
        /// <summary>A fixed value.</summary>
        Constant,
        /// <summary>A column of another table, found through this table's column (stage_id → crm_stage.name).</summary>
        Lookup,
        /// <summary>The other side of a relation table (accounts_contacts).</summary>
        Relation,
        /// <summary>The primary e-mail address (profile "email" storage).</summary>
        PrimaryEmail,
        /// <summary>All e-mail addresses, primary first, separated by "; ".</summary>
        AllEmails,
    }

    /// <summary>One canonical field of a profile entity.</summary>
    public sealed class ProfileField
    {
        public ProfileField(string name, ProfileFieldKind kind) { Name = name; Kind = kind; }

        public string Name { get; }
        public ProfileFieldKind Kind { get; }
        /// <summary>The entity table's column (Column, Lookup).</summary>
        public string? Column { get; init; }
        /// <summary>Constant value.</summary>
        public object? Value { get; init; }
        /// <summary>Translated JSON text: the language to pick (Odoo 16+ names, {"en_US": "New"}).</summary>
        public string? Translated { get; init; }
        /// <summary>Lookup or relation table.</summary>
        public string? Table { get; init; }
        /// <summary>Lookup: the other table's key column. Relation: the column pointing at this record.</summary>
        public string? Key { get; init; }
        /// <summary>Lookup: the column to read. Relation: the column pointing at the other record.</summary>
        public string? Target { get; init; }
        /// <summary>Relation or e-mail module value (SuiteCRM bean_module).</summary>
        public string? Module { get; init; }
        /// <summary>Conditions on the relation table (deleted = 0).</summary>
        public List<ProfileCondition> Where { get; init; } = new List<ProfileCondition>();
        /// <summary>"boolean": the value is a 0/1 flag read as true/false (MySQL loses tinyint(1) through a subquery).</summary>
        public string? Type { get; init; }
        /// <summary>The referenced record's own table: a reference counts only when that record is live (its soft-delete flag).</summary>
        public string? ParentTable { get; init; }
        /// <summary>The parent table's key column.</summary>
        public string? ParentKey { get; init; }
        /// <summary>What makes a parent live (deleted = 0, active = true).</summary>
        public List<ProfileCondition> ParentWhere { get; init; } = new List<ProfileCondition>();

        private static (string? Table, string? Key, List<ProfileCondition> Where) ParseParent(JsonElement spec, string where)
        {
            if (!spec.TryGetProperty("parent", out var parent)) return (null, null, new List<ProfileCondition>());
            return (CrmProfile.Req(parent, "table", where + ".parent"), CrmProfile.Str(parent, "key") ?? "id", ProfileCondition.ParseList(parent, where + ".parent"));
        }

        internal static ProfileField Parse(string name, JsonElement spec, string where)
        {
            if (spec.ValueKind == JsonValueKind.String) return new ProfileField(name, ProfileFieldKind.Column) { Column = spec.GetString() };
            if (spec.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}.{name} must be a column name or an object.");
            string w = where + "." + name;
            if (spec.TryGetProperty("value", out var value)) return new ProfileField(name, ProfileFieldKind.Constant) { Value = CrmProfile.Value(value) };
            if (spec.TryGetProperty("email", out var email))
            {
                return new ProfileField(name, email.ValueKind == JsonValueKind.String && string.Equals(CrmProfile.Str(spec, "mode"), "all", StringComparison.OrdinalIgnoreCase) ? ProfileFieldKind.AllEmails : ProfileFieldKind.PrimaryEmail)
                {
                    Module = email.ValueKind == JsonValueKind.String ? email.GetString() : null,
                    // "column": a column of the primary address row instead of the address (opt_out, invalid_email).
                    Target = CrmProfile.Str(spec, "column"),
                    Type = CrmProfile.Str(spec, "type"),
                };
            }
            if (spec.TryGetProperty("lookup", out var lookup))
            {
                return new ProfileField(name, ProfileFieldKind.Lookup)
                {
                    Column = CrmProfile.Req(spec, "column", w),
                    Table = CrmProfile.Req(lookup, "table", w + ".lookup"),
                    Key = CrmProfile.Str(lookup, "key") ?? "id",
                    Target = CrmProfile.Req(lookup, "column", w + ".lookup"),
                    Translated = CrmProfile.Str(lookup, "translated"),
                };
            }
            if (spec.TryGetProperty("relation", out var rel))
            {
                var rp = ParseParent(rel, w + ".relation");
                return new ProfileField(name, ProfileFieldKind.Relation)
                {
                    Table = CrmProfile.Req(rel, "table", w + ".relation"),
                    Key = CrmProfile.Req(rel, "from", w + ".relation"),
                    Target = CrmProfile.Req(rel, "to", w + ".relation"),
                    Where = ProfileCondition.ParseList(rel, w + ".relation"),
                    ParentTable = rp.Table,
                    ParentKey = rp.Key,
                    ParentWhere = rp.Where,
                };
            }
            var cp = ParseParent(spec, w);
            return new ProfileField(name, ProfileFieldKind.Column)
            {
                Column = CrmProfile.Req(spec, "column", w),
                Translated = CrmProfile.Str(spec, "translated"),
                ParentTable = cp.Table,
                ParentKey = cp.Key,
                ParentWhere = cp.Where,
            };
        }
    }

    /// <summary>A canonical entity: one table (or several parts read one after another).</summary>
    public sealed class ProfileEntity
    {
        public ProfileEntity(string name) { Name = name; }

        public string Name { get; }
        public string? Table { get; private set; }
        /// <summary>Canonical key field names (each a Column field).</summary>
        public List<string> Key { get; } = new List<string>();
        public List<ProfileCondition> Where { get; private set; } = new List<ProfileCondition>();
        public string? ModifiedAt { get; private set; }
        public string? CustomTable { get; private set; }
        public string? CustomKey { get; private set; }
        public List<ProfileField> Fields { get; } = new List<ProfileField>();
        /// <summary>Parts of an entity kept in several tables (SuiteCRM calls and meetings are Activities).</summary>
        public List<ProfileEntity> Parts { get; } = new List<ProfileEntity>();
        /// <summary>A module's table that some installations lack: the entity is skipped (one warning) instead of failing.</summary>
        public bool Optional { get; private set; }

        internal static ProfileEntity Parse(string name, JsonElement e)
        {
            var entity = new ProfileEntity(name) { Optional = e.TryGetProperty("optional", out var opt) && opt.ValueKind == JsonValueKind.True };
            if (e.TryGetProperty("parts", out var parts))
            {
                int i = 0;
                foreach (var part in parts.EnumerateArray()) entity.Parts.Add(Parse(name + "[" + (i++).ToString(CultureInfo.InvariantCulture) + "]", part));
                return entity;
            }
            entity.Table = CrmProfile.Req(e, "table", name);
            entity.ModifiedAt = CrmProfile.Str(e, "modifiedAt");
            entity.Where = ProfileCondition.ParseList(e, name);
            if (e.TryGetProperty("customFields", out var custom))
            {
                entity.CustomTable = CrmProfile.Req(custom, "table", name + ".customFields");
                entity.CustomKey = CrmProfile.Req(custom, "key", name + ".customFields");
            }
            if (!e.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object) throw new FormatException($"{name} needs a \"fields\" object.");
            foreach (var f in fields.EnumerateObject()) entity.Fields.Add(ProfileField.Parse(f.Name, f.Value, name));
            if (e.TryGetProperty("key", out var key))
            {
                foreach (var k in key.EnumerateArray()) entity.Key.Add(k.GetString() ?? throw new FormatException($"{name}.key must list field names."));
            }
            foreach (var k in entity.Key)
            {
                var f = entity.Fields.Find(x => string.Equals(x.Name, k, StringComparison.OrdinalIgnoreCase));
                if (f is null || f.Kind != ProfileFieldKind.Column) throw new FormatException($"{name}.key '{k}' must name a field that reads a column.");
            }
            return entity;
        }
    }
}
