using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// How canonical entities (Account, Contact, Lead, Opportunity, Case, Activity, User) map onto a SaaS product's
    /// objects and fields in its load files: a JSON data file (Formats/Profiles/&lt;Format&gt;.json built in, or the path
    /// of an edited copy). Read as data, never run.
    /// </summary>
    internal sealed class FormatProfile
    {
        private readonly Dictionary<string, FormatEntity> _byCanonical = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, FormatEntity> _byObject = new(StringComparer.OrdinalIgnoreCase);

        private FormatProfile(string name, string format)
        {
            Name = name;
            Format = format;
        }

        /// <summary>The profile's name.</summary>
        public string Name { get; }
        /// <summary>Salesforce, Dynamics or HubSpot.</summary>
        public string Format { get; }
        /// <summary>The vendor field holding the source key on every object, unless an entity names its own.</summary>
        public string? KeyField { get; private set; }
        /// <summary>Custom field names: prefix + name + suffix (Salesforce "__c", Dataverse "new_").</summary>
        public string CustomPrefix { get; private set; } = "";
        /// <summary>See <see cref="CustomPrefix"/>.</summary>
        public string CustomSuffix { get; private set; } = "";
        /// <summary>Whether custom field names are lower-cased (Dataverse logical names, HubSpot internal names).</summary>
        public bool CustomLowerCase { get; private set; }
        /// <summary>The text written for a null value (Salesforce "#N/A" clears a field on update); empty by default.</summary>
        public string NullText { get; private set; } = "";
        /// <summary>The entities, parents first.</summary>
        public List<FormatEntity> Entities { get; } = new();

        /// <summary>The entity for a canonical name, or null.</summary>
        public FormatEntity? ByCanonical(string canonical) => _byCanonical.TryGetValue(canonical, out var e) ? e : null;

        /// <summary>The entity for a vendor object name, or null.</summary>
        public FormatEntity? ByObject(string vendorObject) => _byObject.TryGetValue(vendorObject, out var e) ? e : null;

        /// <summary>The custom vendor field for a canonical field outside the profile.</summary>
        public string CustomField(string canonical)
        {
            string name = CustomPrefix + canonical + CustomSuffix;
            return CustomLowerCase ? name.ToLowerInvariant() : name;
        }

        /// <summary>The canonical name of a vendor custom field, or null when the name is not custom-shaped.</summary>
        public string? CanonicalOfCustom(string vendorField)
        {
            if (CustomPrefix.Length == 0 && CustomSuffix.Length == 0) return null;
            if (!vendorField.StartsWith(CustomPrefix, StringComparison.OrdinalIgnoreCase) || !vendorField.EndsWith(CustomSuffix, StringComparison.OrdinalIgnoreCase)) return null;
            int length = vendorField.Length - CustomPrefix.Length - CustomSuffix.Length;
            return length <= 0 ? null : vendorField.Substring(CustomPrefix.Length, length);
        }

        /// <summary>Loads a built-in profile by format name (Salesforce, Dynamics, HubSpot) or a profile file.</summary>
        public static FormatProfile Load(string nameOrPath, string format)
        {
            string json;
            string source;
            if (string.Equals(nameOrPath, format, StringComparison.OrdinalIgnoreCase))
            {
                using var stream = typeof(FormatProfile).Assembly.GetManifestResourceStream("CrmMigration.Engine.Formats.Profiles." + format + ".json")
                    ?? throw new CrmException("FormatProfileNotFound", CrmErrorKind.NotFound, $"There is no built-in {format} profile.");
                using var reader = new StreamReader(stream);
                json = reader.ReadToEnd();
                source = format + " (built in)";
            }
            else
            {
                if (!File.Exists(nameOrPath))
                {
                    throw new CrmException(new CrmDataError("FormatProfileNotFound", CrmErrorKind.NotFound,
                        $"The {format} profile '{nameOrPath}' does not exist. Use the built-in '{format}' profile, or the path of a copy of it.") { File = nameOrPath });
                }
                json = File.ReadAllText(nameOrPath);
                source = nameOrPath;
            }
            try
            {
                return Parse(json, format);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new CrmException(new CrmDataError("FormatProfileInvalid", CrmErrorKind.InvalidArgument,
                    $"The {format} profile {source} cannot be read: {ex.Message}") { File = source }, ex);
            }
        }

        private static FormatProfile Parse(string json, string format)
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = doc.RootElement;
            string fmt = Text(root, "format") ?? format;
            if (!string.Equals(fmt, format, StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"it is a {fmt} profile, not a {format} one");
            }
            var profile = new FormatProfile(Text(root, "name") ?? format, format)
            {
                KeyField = Text(root, "keyField"),
                NullText = Text(root, "nullText") ?? "",
            };
            if (root.TryGetProperty("custom", out var custom))
            {
                profile.CustomPrefix = Text(custom, "prefix") ?? "";
                profile.CustomSuffix = Text(custom, "suffix") ?? "";
                profile.CustomLowerCase = custom.TryGetProperty("lowerCase", out var lc) && lc.ValueKind == JsonValueKind.True;
            }
            if (!root.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("it has no \"entities\" object");
            }
            foreach (var e in entities.EnumerateObject())
            {
                var def = e.Value;
                var entity = new FormatEntity(e.Name, Text(def, "object") ?? throw new FormatException($"entity {e.Name} has no \"object\""))
                {
                    File = Text(def, "file"),
                    KeyField = Text(def, "keyField") ?? profile.KeyField,
                    IdField = Text(def, "idField"),
                    NameField = Text(def, "nameField"),
                    DisplayName = Text(def, "displayName"),
                };
                if (def.TryGetProperty("constants", out var constants))
                {
                    foreach (var c in constants.EnumerateObject()) entity.Constants[c.Name] = c.Value.ValueKind == JsonValueKind.String ? c.Value.GetString()! : c.Value.GetRawText();
                }
                if (def.TryGetProperty("fields", out var fields))
                {
                    foreach (var f in fields.EnumerateObject())
                    {
                        entity.Fields.Add(ParseField(f.Name, f.Value));
                    }
                }
                profile.Entities.Add(entity);
                profile._byCanonical[entity.Canonical] = entity;
                profile._byObject.TryAdd(entity.Object, entity);
            }
            return profile;
        }

        private static FormatField ParseField(string canonical, JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.String) return new FormatField(canonical, v.GetString()!);
            var field = new FormatField(canonical, Text(v, "field") ?? throw new FormatException($"field {canonical} has no \"field\""))
            {
                Reference = Text(v, "reference"),
                Relationship = Text(v, "relationship"),
                Polymorphic = v.TryGetProperty("polymorphic", out var p) && p.ValueKind == JsonValueKind.True,
                IdPrefix = Text(v, "idPrefix"),
                VendorType = Text(v, "vendorType"),
                Multi = v.TryGetProperty("multi", out var m) && m.ValueKind == JsonValueKind.True,
            };
            string? type = Text(v, "type");
            if (type is not null) field.Type = Enum.Parse<CrmFieldType>(type, ignoreCase: true);
            if (v.TryGetProperty("values", out var values))
            {
                foreach (var pair in values.EnumerateObject())
                {
                    string vendor = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()! : pair.Value.GetRawText();
                    field.AddValue(pair.Name, vendor);
                }
            }
            return field;
        }

        private static string? Text(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>One canonical entity in a format profile.</summary>
    internal sealed class FormatEntity
    {
        public FormatEntity(string canonical, string vendorObject)
        {
            Canonical = canonical;
            Object = vendorObject;
        }

        /// <summary>Account, Contact, ...</summary>
        public string Canonical { get; }
        /// <summary>The vendor object (Salesforce sObject, Dataverse logical name, HubSpot object).</summary>
        public string Object { get; }
        /// <summary>The file stem, when it is not the object name.</summary>
        public string? File { get; init; }
        /// <summary>The vendor field holding the source key (an external id).</summary>
        public string? KeyField { get; init; }
        /// <summary>The vendor's own record id field (Salesforce Id, Dataverse accountid, HubSpot Record ID).</summary>
        public string? IdField { get; init; }
        /// <summary>The primary name field (Dataverse primarynamefield).</summary>
        public string? NameField { get; init; }
        /// <summary>A display name (Dataverse displayname).</summary>
        public string? DisplayName { get; init; }
        /// <summary>Canonical fields in order.</summary>
        public List<FormatField> Fields { get; } = new();
        /// <summary>Vendor fields written with a fixed value on every record (HubSpot's deal pipeline); skipped when read.</summary>
        public Dictionary<string, string> Constants { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>The profile field for a canonical field, or null.</summary>
        public FormatField? ByCanonical(string canonical)
        {
            foreach (var f in Fields) if (string.Equals(f.Canonical, canonical, StringComparison.OrdinalIgnoreCase)) return f;
            return null;
        }
    }

    /// <summary>One canonical field in a format profile.</summary>
    internal sealed class FormatField
    {
        private readonly Dictionary<string, string> _toVendor = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _toCanonical = new(StringComparer.Ordinal);

        public FormatField(string canonical, string field)
        {
            Canonical = canonical;
            Field = field;
        }

        /// <summary>The canonical field name.</summary>
        public string Canonical { get; }
        /// <summary>The vendor field (API name, logical name, internal property name).</summary>
        public string Field { get; }
        /// <summary>The canonical type (String unless given).</summary>
        public CrmFieldType Type { get; set; } = CrmFieldType.String;
        /// <summary>The canonical entity a reference field points at.</summary>
        public string? Reference { get; init; }
        /// <summary>Salesforce relationship name (Account for AccountId, Who for WhoId).</summary>
        public string? Relationship { get; init; }
        /// <summary>Whether the lookup can point at several objects (Salesforce WhoId/WhatId).</summary>
        public bool Polymorphic { get; init; }
        /// <summary>Salesforce key prefix a polymorphic id must have to fill this field (003 Contact, 00Q Lead).</summary>
        public string? IdPrefix { get; init; }
        /// <summary>The vendor's type name where the format records one (Dataverse data_schema.xml).</summary>
        public string? VendorType { get; init; }
        /// <summary>A multi-select value: canonical "a; b" is written "a;b".</summary>
        public bool Multi { get; init; }
        /// <summary>Whether picklist values are mapped.</summary>
        public bool HasValues => _toVendor.Count > 0;

        public void AddValue(string canonical, string vendor)
        {
            _toVendor[canonical] = vendor;
            _toCanonical.TryAdd(vendor, canonical);
        }

        /// <summary>The vendor picklist value for a canonical one (unchanged when not listed).</summary>
        public string ToVendor(string canonical) => _toVendor.TryGetValue(canonical, out var v) ? v : canonical;

        /// <summary>The canonical value for a vendor picklist value (unchanged when not listed).</summary>
        public string ToCanonical(string vendor) => _toCanonical.TryGetValue(vendor, out var v) ? v : vendor;

        /// <summary>Whether a canonical value is listed.</summary>
        public bool IsListed(string canonical) => _toVendor.ContainsKey(canonical);
    }
}
