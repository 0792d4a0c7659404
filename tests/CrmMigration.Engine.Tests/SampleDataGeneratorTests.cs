using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using CrmMigration.Engine.Sample;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    public class SampleDataGeneratorTests
    {
        private static readonly string[] Tables = { "accounts", "contacts", "leads", "opportunities", "cases", "activities" };

        private static SampleDataResult Generate(string db, int seed, int scale)
        {
            using var p = Provider(db);
            var result = SampleDataGenerator.Generate(p, seed, scale, batchSize: 700);
            Assert.False(p.Connection.Options.ContainsKey("ForeignKeys")); // restored
            return result;
        }

        private static List<string> Dump(string db)
        {
            var lines = new List<string>();
            using var p = Provider(db);
            foreach (var t in Tables)
            {
                foreach (var r in ReadAll(p, t))
                {
                    var parts = new List<string>();
                    foreach (var kv in r.Fields) parts.Add(CrmRecord.FormatValue(kv.Value));
                    lines.Add(t + ":" + string.Join("\u001F", parts));
                }
            }
            return lines;
        }

        [Fact]
        public void SameSeedGivesIdenticalDataAndDifferentSeedDiffers()
        {
            using var dir = new TempDir();
            var r1 = Generate(dir.File("a.db"), 42, 1500);
            var r2 = Generate(dir.File("b.db"), 42, 1500);
            var r3 = Generate(dir.File("c.db"), 43, 1500);
            var a = Dump(dir.File("a.db"));
            var b = Dump(dir.File("b.db"));
            var c = Dump(dir.File("c.db"));
            Assert.Equal(a, b);
            Assert.Equal(r1.Mess, r2.Mess);
            Assert.Equal(r1.Counts, r2.Counts);
            Assert.NotEqual(a, c);
            Assert.Equal(a.Count, c.Count); // sizes depend on the scale only
            int same = 0;
            for (int i = 0; i < a.Count; i++) if (string.Equals(a[i], c[i], StringComparison.Ordinal)) same++;
            Assert.True(same < a.Count / 2, $"{same} of {a.Count} rows are identical across seeds");
            Assert.NotEqual(r1.Mess, r3.Mess);
        }

        [Fact]
        public void SizesFollowTheScaleAndTypesAndKeysAreDeclared()
        {
            using var dir = new TempDir();
            string db = dir.File("s.db");
            var r = Generate(db, 7, 2000);
            var expected = new Dictionary<string, long> { ["accounts"] = 200, ["contacts"] = 2000, ["leads"] = 1000, ["opportunities"] = 500, ["cases"] = 400, ["activities"] = 2000 };
            foreach (var kv in expected)
            {
                Assert.Equal(kv.Value, r.Counts[kv.Key]);
                Assert.Equal(kv.Value, Count(db, "SELECT COUNT(*) FROM " + kv.Key));
            }
            Assert.Empty(r.Rejected);
            using var p = Provider(db);
            var contacts = p.DescribeEntity("contacts", false)!;
            Assert.Equal(new[] { "contact_id" }, contacts.Key);
            var rel = Assert.Single(contacts.Relations);
            Assert.Equal("accounts", rel.ReferencedEntity);
            var opp = p.DescribeEntity("opportunities", false)!;
            Assert.Equal(CrmFieldType.Decimal, opp.GetField("amount")!.Type);
            Assert.Equal(CrmFieldType.Date, opp.GetField("close_date")!.Type);
            Assert.Equal(CrmFieldType.Integer, opp.GetField("probability")!.Type);
            var act = p.DescribeEntity("activities", false)!;
            Assert.Equal(CrmFieldType.Boolean, act.GetField("done")!.Type);
            Assert.Equal(CrmFieldType.DateTime, act.GetField("due_at")!.Type);
            Assert.Equal("A000001", Scalar(db, "SELECT account_id FROM accounts ORDER BY account_id LIMIT 1"));
        }

        [Fact]
        public void MessCountsArePresentInTheData()
        {
            using var dir = new TempDir();
            string db = dir.File("m.db");
            var r = Generate(db, 2024, 3000);

            void Same(string kind, string sql)
            {
                long expected = r.MessCount(kind);
                Assert.True(expected > 0, kind + " was not generated at all");
                Assert.True(expected == Count(db, sql), $"{kind}: result says {expected}, data has {Count(db, sql)}");
            }

            Same("email_blank", "SELECT COUNT(*) FROM contacts WHERE email = ''");
            Same("email_missing_at", "SELECT COUNT(*) FROM contacts WHERE email <> '' AND instr(email, '@') = 0");
            Same("email_typo_domain", "SELECT COUNT(*) FROM contacts WHERE email LIKE '%@gmial.com' OR email LIKE '%@hotmial.com' OR email LIKE '%@yaho.com'");
            Same("email_mixed_case", "SELECT COUNT(*) FROM contacts WHERE instr(email, '@') > 0 AND email <> lower(email)");
            Same("blank_last_name", "SELECT COUNT(*) FROM contacts WHERE last_name = ''");
            Same("orphan_contact_account", "SELECT COUNT(*) FROM contacts c WHERE c.account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = c.account_id)");
            Same("orphan_opportunity_account", "SELECT COUNT(*) FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = o.account_id)");
            Same("orphan_case_contact", "SELECT COUNT(*) FROM cases x WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.contact_id = x.contact_id)");
            Same("orphan_activity_contact", "SELECT COUNT(*) FROM activities x WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.contact_id = x.contact_id)");
            Same("status_nonstandard", "SELECT COUNT(*) FROM contacts WHERE status NOT IN ('Active', 'Inactive')");
            Same("phone_garbage", "SELECT COUNT(*) FROM contacts WHERE phone IN ('n/a','-','123','tbd','???','0','none','x')");
            Same("probability_out_of_range", "SELECT COUNT(*) FROM opportunities WHERE probability < 0 OR probability > 100");
            // The truth table names every planted duplicate and the earlier record it repeats; few are exact copies.
            Assert.Equal(r.MessCount("duplicate_contacts"), r.Duplicates.FindAll(d => d.Entity == "contacts").Count);
            Assert.Equal(r.MessCount("duplicate_accounts"), r.Duplicates.FindAll(d => d.Entity == "accounts").Count);
            Assert.True(r.MessCount("duplicate_contacts") > 50 && r.MessCount("duplicate_accounts") > 3);
            long copies = 0;
            foreach (var d in r.Duplicates)
            {
                Assert.True(string.CompareOrdinal(d.DuplicateOf, d.Key) < 0, $"{d.Key} repeats a later record {d.DuplicateOf}");
                string table = d.Entity, key = d.Entity == "contacts" ? "contact_id" : "account_id";
                string same = d.Entity == "contacts"
                    ? "a.full_name = b.full_name AND a.phone = b.phone AND a.email = b.email"
                    : "a.name = b.name AND a.phone = b.phone AND a.website = b.website";
                Assert.Equal(1L, Count(db, $"SELECT COUNT(*) FROM {table} WHERE {key} = '{d.DuplicateOf}'"));
                copies += Count(db, $"SELECT COUNT(*) FROM {table} a JOIN {table} b ON b.{key} = '{d.DuplicateOf}' WHERE a.{key} = '{d.Key}' AND {same}");
            }
            Assert.True(copies * 10 < r.Duplicates.Count, $"{copies} of {r.Duplicates.Count} duplicates are exact copies");

            // Character classes and date formats, checked in memory.
            using var p = Provider(db);
            var contacts = ReadAll(p, "contacts");
            long han = 0, accented = 0, fullwidthNotes = 0;
            var formats = new Dictionary<string, long>();
            var patterns = new (string Name, Regex Re)[]
            {
                ("iso", new Regex(@"^\d{4}-\d{2}-\d{2}$")), ("utc", new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")),
                ("us", new Regex(@"^\d{2}/\d{2}/\d{2}$")), ("de", new Regex(@"^\d{1,2}\.\d{1,2}\.\d{4}$")),
                ("cn", new Regex(@"^\d{4}年\d{1,2}月\d{1,2}日$")), ("epoch", new Regex(@"^\d{9,10}$")), ("blank", new Regex("^$")),
            };
            foreach (var c in contacts)
            {
                string first = (string)c["first_name"]!, last = (string)c["last_name"]!;
                if (Regex.IsMatch(first + last, @"\p{IsCJKUnifiedIdeographs}")) han++;
                if (Regex.IsMatch(first + last, "[\u00C0-\u024F]")) accented++;
                if (Regex.IsMatch((string)c["notes"]!, "[\uFF01-\uFF5E]")) fullwidthNotes++;
                string created = (string)c["created_at"]!;
                string? matched = null;
                foreach (var (name, re) in patterns) if (re.IsMatch(created)) { matched = name; break; }
                Assert.True(matched is not null, "unexpected created_at " + created);
                formats[matched!] = formats.GetValueOrDefault(matched!) + 1;
            }
            Assert.True(han > 0 && han == r.MessCount("chinese_names"));
            Assert.True(accented > 0 && accented == r.MessCount("accented_names"));
            Assert.True(fullwidthNotes > 0 && fullwidthNotes == r.MessCount("fullwidth_contact_notes"));
            foreach (var (name, _) in patterns)
            {
                Assert.True(formats.GetValueOrDefault(name) > 0, "no created_at in format " + name);
                Assert.Equal(r.MessCount("created_at_" + name), formats.GetValueOrDefault(name));
            }
            long fwAccounts = 0;
            foreach (var a in ReadAll(p, "accounts")) if (Regex.IsMatch((string)a["name"]!, "[\uFF01-\uFF5E]")) fwAccounts++;
            Assert.Equal(r.MessCount("fullwidth_account_name"), fwAccounts);

            // Typed columns read back typed.
            var opp = ReadAll(p, "opportunities")[0];
            Assert.True(opp["amount"] is decimal or null);
            Assert.IsType<DateTime>(opp["close_date"]);
            Assert.IsType<bool>(ReadAll(p, "activities")[0]["done"]);
        }
    }
}
