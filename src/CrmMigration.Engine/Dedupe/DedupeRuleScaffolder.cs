using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>
    /// Drafts dedupe rules from a schema (New-CrmMergeRule): for each entity with something to tell its records
    /// apart by (an e-mail address, a phone number, a web site, a name), the compared fields with the usual
    /// normaliser, comparator and weight, blocking keys on the identifiers, thresholds, a survivor rule on a
    /// creation timestamp when there is one, and comments saying why. Field names are recognised in English and
    /// in the snake_case and camelCase spellings CRMs use; what is not recognised is left out and listed.
    /// </summary>
    public static class DedupeRuleScaffolder
    {
        private enum Role { None, Email, Phone, First, Last, FullName, CompanyName, Website, City, Postcode, Birthday, Created, Modified }

        /// <summary>The rules as .psd1 text (data only); entities with nothing to compare are listed in a comment.</summary>
        public static string Draft(IReadOnlyList<CrmEntitySchema> schemas, string? source)
        {
            var sb = new StringBuilder();
            sb.Append("# Dedupe rules drafted by New-CrmMergeRule").Append(source is null ? "" : " from " + source)
              .Append(" on ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(".\n");
            sb.Append("# Check the fields, weights and thresholds against your data (Merge-CrmRecord -PassThru shows each merge),\n");
            sb.Append("# and name the entities as the records reaching the dedupe have them (after Convert-CrmRecord: the mapping's target names).\n");
            sb.Append("# Rules are data: nothing in this file runs. See Get-Help about_CrmMigration_Dedupe.\n");
            sb.Append("@{\n    Version  = 1\n    Entities = @{\n");
            var skipped = new List<string>();
            foreach (var schema in schemas)
            {
                string? text = DraftEntity(schema);
                if (text is null) skipped.Add(schema.Name);
                else sb.Append(text);
            }
            sb.Append("    }\n}\n");
            if (skipped.Count > 0) sb.Append("# Not drafted (no e-mail, phone or web site, and not a person or company with a name): ").Append(string.Join(", ", skipped)).Append(".\n");
            return sb.ToString();
        }

        private static string? DraftEntity(CrmEntitySchema schema)
        {
            var byRole = new Dictionary<Role, List<string>>();
            bool company = IsCompany(schema.Name);
            foreach (var f in schema.Fields)
            {
                if (f.IsKey) continue;
                var role = RoleOf(f.Name, company);
                if (role == Role.None) continue;
                if (!byRole.TryGetValue(role, out var list)) byRole[role] = list = new List<string>();
                list.Add(f.Name);
            }
            List<string>? Get(Role r) => byRole.TryGetValue(r, out var l) ? l : null;
            var fields = new List<string>();
            var blocking = new List<string>();
            var notes = new List<string>();
            var names = new List<string>();
            if (Get(Role.First) is { } first) names.Add(first[0]);
            if (Get(Role.Last) is { } last) names.Add(last[0]);
            if (names.Count == 0 && Get(Role.FullName) is { } full) names.Add(full[0]);
            if (names.Count > 0)
            {
                fields.Add($"Name = @{{ Source = {List(names)}; Normalize = 'Name'; Compare = 'TokenSet'; Weight = 3 }}");
            }
            if (Get(Role.CompanyName) is { } cn)
            {
                fields.Add($"Name = @{{ Source = {List(cn.GetRange(0, 1))}; Normalize = 'Company'; Compare = 'TokenSet'; Weight = 3 }}");
            }
            if (Get(Role.Email) is { } email)
            {
                fields.Add($"Email = @{{ Source = {List(email)}; Compare = 'Email'; Weight = 4 }}");
                blocking.Add("'Email'");
                blocking.Add("@{ Field = 'Email'; Method = 'LocalPart'; MinLength = 3 }");
            }
            if (Get(Role.Phone) is { } phone)
            {
                fields.Add($"Phone = @{{ Source = {List(phone)}; Compare = 'Phone'; Weight = 4 }}");
                blocking.Add("@{ Field = 'Phone'; Method = 'Suffix'; Length = 8 }");
            }
            if (Get(Role.Website) is { } web)
            {
                fields.Add($"Website = @{{ Source = {List(web.GetRange(0, 1))}; Normalize = 'Domain'; Compare = 'Exact'; Weight = 4 }}");
                blocking.Add("'Website'");
            }
            if (Get(Role.Birthday) is { } born) fields.Add($"Born = @{{ Source = {List(born.GetRange(0, 1))}; Compare = 'Date'; MaxDifference = 1; Weight = 2 }}");
            if (Get(Role.City) is { } city) fields.Add($"City = @{{ Source = {List(city.GetRange(0, 1))}; Normalize = 'Text'; Compare = 'JaroWinkler'; Weight = 1 }}");
            if (Get(Role.Postcode) is { } zip) fields.Add($"Postcode = @{{ Source = {List(zip.GetRange(0, 1))}; Normalize = 'Trim'; Compare = 'Exact'; Weight = 1 }}");
            bool identifier = blocking.Count > 0;
            if (!identifier && fields.Count == 0) return null;
            if (!identifier)
            {
                // Without an identifier only people and companies are drafted (an opportunity's or a case's name says little).
                if (!company && !IsPerson(schema.Name) || names.Count == 0 && Get(Role.CompanyName) is null) return null;
                blocking.Add("@{ Field = 'Name'; Method = 'SortedTokens' }");
                notes.Add("No e-mail, phone or web site: records are blocked on their name only (common names make large blocks).");
            }
            else if (company && Get(Role.CompanyName) is not null)
            {
                blocking.Add("@{ Field = 'Name'; Method = 'SortedTokens' }");
            }
            var sb = new StringBuilder();
            sb.Append("        ").Append(Quote(schema.Name)).Append(" = @{\n");
            foreach (var n in notes) sb.Append("            # ").Append(n).Append('\n');
            sb.Append("            Fields       = [ordered]@{\n");
            foreach (var f in fields) sb.Append("                ").Append(f).Append('\n');
            sb.Append("            }\n");
            sb.Append("            Blocking     = @(").Append(string.Join(", ", blocking)).Append(")\n");
            sb.Append("            Thresholds   = @{ Match = 0.75; Review = 0.65 }\n");
            sb.Append("            Clustering   = @{ MaxGroupSize = 10 }\n");
            if (Get(Role.Created) is { } created)
            {
                sb.Append("            # The record entered first survives and keeps its key.\n");
                sb.Append("            Survivor     = @{ Rule = 'Oldest'; By = ").Append(Quote(created[0])).Append(" }\n");
            }
            else
            {
                sb.Append("            Survivor     = 'MostComplete'\n");
            }
            if (Get(Role.Modified) is { } modified)
            {
                sb.Append("            # Contact details from the record changed last; other fields from the survivor (an empty one from another member).\n");
                sb.Append("            Survivorship = @{");
                var parts = new List<string>();
                foreach (var f in (Get(Role.Email) ?? new List<string>()).GetRange(0, Math.Min(1, Get(Role.Email)?.Count ?? 0))) parts.Add($" {Quote(f)} = @{{ Rule = 'MostRecent'; By = {Quote(modified[0])} }}");
                foreach (var f in (Get(Role.Phone) ?? new List<string>()).GetRange(0, Math.Min(1, Get(Role.Phone)?.Count ?? 0))) parts.Add($" {Quote(f)} = @{{ Rule = 'MostRecent'; By = {Quote(modified[0])} }}");
                parts.Add(" '*' = 'Survivor'");
                sb.Append(string.Join(";", parts)).Append(" }\n");
            }
            sb.Append("        }\n");
            return sb.ToString();
        }

        private static bool IsCompany(string entity)
        {
            string e = Simple(entity);
            return e.Contains("account", StringComparison.Ordinal) || e.Contains("compan", StringComparison.Ordinal) || e.Contains("organi", StringComparison.Ordinal)
                || e.Contains("customer", StringComparison.Ordinal) && !e.Contains("contact", StringComparison.Ordinal) || e.Contains("partner", StringComparison.Ordinal);
        }

        private static bool IsPerson(string entity)
        {
            string e = Simple(entity);
            foreach (var w in new[] { "contact", "lead", "person", "people", "customer", "member", "patient", "client", "user" })
            {
                if (e.Contains(w, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        private static Role RoleOf(string field, bool company)
        {
            string f = Simple(field);
            if (f.Contains("email", StringComparison.Ordinal) || f == "mail" || f.EndsWith("mail", StringComparison.Ordinal)) return Role.Email;
            if (f.Contains("fax", StringComparison.Ordinal)) return Role.None;
            if (f.Contains("phone", StringComparison.Ordinal) || f.Contains("mobile", StringComparison.Ordinal) || f == "tel" || f.StartsWith("tel", StringComparison.Ordinal) || f.Contains("cell", StringComparison.Ordinal)) return Role.Phone;
            if (f is "firstname" or "givenname" or "first" or "forename" or "vorname") return Role.First;
            if (f is "lastname" or "surname" or "familyname" or "last" or "nachname") return Role.Last;
            if (f is "website" or "web" or "url" or "homepage" or "domain" or "site") return Role.Website;
            if (f is "city" or "town" or "suburb" or "locality" or "ort") return Role.City;
            if (f is "postcode" or "zip" or "zipcode" or "postalcode" or "plz") return Role.Postcode;
            if (f is "birthday" or "birthdate" or "dob" or "dateofbirth") return Role.Birthday;
            if (f is "createdat" or "created" or "createdon" or "datecreated" or "createdate" or "datentered" or "dateentered" or "createddate") return Role.Created;
            if (f is "modifiedat" or "modified" or "updatedat" or "updated" or "lastmodified" or "datemodified" or "modifiedon" or "writedate" or "lastmodifieddate") return Role.Modified;
            if (f is "companyname" or "accountname" or "organisation" or "organization" or "company") return company ? Role.CompanyName : Role.None;
            if (f is "name" or "fullname" or "displayname" or "contactname") return company ? Role.CompanyName : Role.FullName;
            return Role.None;
        }

        private static string Simple(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (char c in name) if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
            return sb.ToString();
        }

        private static string List(List<string> names)
        {
            var quoted = new List<string>(names.Count);
            foreach (var n in names) quoted.Add(Quote(n));
            return string.Join(", ", quoted);
        }

        private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
