using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Tests
{
    /// <summary>
    /// The built-in SuiteCRM (MariaDB) and Odoo (PostgreSQL) profiles over the products' documented
    /// table and column names (a subset of the columns), with soft-deleted and archived rows, custom
    /// fields and several e-mail addresses per record. Exported canonical records are asserted exactly.
    /// </summary>
    public class ProfileTests
    {
        private const string C1 = "6a1e0b7c-1f2d-4c3b-9a8e-000000000001";
        private const string C2 = "6a1e0b7c-1f2d-4c3b-9a8e-000000000002";
        private const string C3 = "6a1e0b7c-1f2d-4c3b-9a8e-000000000003";
        private const string A1 = "b7e3c0de-0000-4000-8000-0000000000a1";
        private const string A2 = "b7e3c0de-0000-4000-8000-0000000000a2";
        private const string U1 = "1";

        internal const string SuiteCrmSchema = @"
CREATE TABLE users (id char(36) NOT NULL PRIMARY KEY, user_name varchar(60), first_name varchar(255), last_name varchar(255), status varchar(100), is_admin tinyint(1) DEFAULT 0, deleted tinyint(1) DEFAULT 0, date_modified datetime);
CREATE TABLE accounts (id char(36) NOT NULL PRIMARY KEY, name varchar(150), date_entered datetime, date_modified datetime, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36), account_type varchar(50), industry varchar(50),
  billing_address_street varchar(150), billing_address_city varchar(100), billing_address_postalcode varchar(20), billing_address_country varchar(255), phone_office varchar(100), website varchar(255),
  billing_address_state varchar(100), shipping_address_street varchar(150), shipping_address_city varchar(100), shipping_address_state varchar(100), shipping_address_postalcode varchar(20),
  shipping_address_country varchar(255), parent_id char(36));
CREATE TABLE accounts_cstm (id_c char(36) NOT NULL PRIMARY KEY, tier_c varchar(20), vip_c tinyint(1));
CREATE TABLE contacts (id char(36) NOT NULL PRIMARY KEY, salutation varchar(255), first_name varchar(100), last_name varchar(100), title varchar(100), phone_work varchar(100), phone_mobile varchar(100),
  assigned_user_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0, do_not_call tinyint(1) DEFAULT 0, lead_source varchar(255), birthdate date, reports_to_id char(36),
  primary_address_street varchar(150), primary_address_city varchar(100), primary_address_state varchar(100), primary_address_postalcode varchar(20), primary_address_country varchar(255));
CREATE TABLE contacts_cstm (id_c char(36) NOT NULL PRIMARY KEY, birthday_c date, loyalty_c int);
CREATE TABLE accounts_contacts (id char(36) NOT NULL PRIMARY KEY, contact_id char(36), account_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE email_addresses (id char(36) NOT NULL PRIMARY KEY, email_address varchar(255), email_address_caps varchar(255), invalid_email tinyint(1) DEFAULT 0, opt_out tinyint(1) DEFAULT 0, deleted tinyint(1) DEFAULT 0);
CREATE TABLE email_addr_bean_rel (id char(36) NOT NULL PRIMARY KEY, email_address_id char(36), bean_id char(36), bean_module varchar(100), primary_address tinyint(1) DEFAULT 0, reply_to_address tinyint(1) DEFAULT 0, deleted tinyint(1) DEFAULT 0);
CREATE TABLE leads (id char(36) NOT NULL PRIMARY KEY, first_name varchar(100), last_name varchar(100), account_name varchar(255), status varchar(100), lead_source varchar(100), phone_work varchar(100), assigned_user_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0,
  converted tinyint(1) DEFAULT 0, contact_id char(36), account_id char(36), opportunity_id char(36),
  primary_address_street varchar(150), primary_address_city varchar(100), primary_address_state varchar(100), primary_address_postalcode varchar(20), primary_address_country varchar(255));
CREATE TABLE opportunities (id char(36) NOT NULL PRIMARY KEY, name varchar(50), amount double, sales_stage varchar(255), probability double, date_closed date, assigned_user_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0,
  amount_usdollar double, currency_id char(36));
CREATE TABLE accounts_opportunities (id char(36) NOT NULL PRIMARY KEY, opportunity_id char(36), account_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE opportunities_contacts (id char(36) NOT NULL PRIMARY KEY, contact_id char(36), opportunity_id char(36), contact_role varchar(50), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE cases (id char(36) NOT NULL PRIMARY KEY, name varchar(255), case_number int, status varchar(100), priority varchar(100), account_id char(36), description text, date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE campaigns (id char(36) NOT NULL PRIMARY KEY, name varchar(255), status varchar(100), campaign_type varchar(100), start_date date, end_date date, budget double, date_modified datetime, deleted tinyint(1) DEFAULT 0, currency_id char(36));
CREATE TABLE aos_contracts (id char(36) NOT NULL PRIMARY KEY, name varchar(255), status varchar(100), start_date date, end_date date, total_contract_value decimal(26,6), contract_account_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE calls (id char(36) NOT NULL PRIMARY KEY, name varchar(50), date_start datetime, status varchar(100), parent_type varchar(255), parent_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE meetings (id char(36) NOT NULL PRIMARY KEY, name varchar(50), date_start datetime, status varchar(100), parent_type varchar(255), parent_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE notes (id char(36) NOT NULL PRIMARY KEY, name varchar(255), description text, parent_type varchar(255), parent_id char(36), contact_id char(36), date_modified datetime, deleted tinyint(1) DEFAULT 0);
CREATE TABLE schedulers (id char(36) NOT NULL PRIMARY KEY, name varchar(255), job varchar(255), status varchar(100), deleted tinyint(1) DEFAULT 0);
";

        internal const string SuiteCrmData = @"
INSERT INTO users VALUES ('1', 'admin', 'Sally', 'Admin', 'Active', 1, 0, '2024-01-02 03:04:05'), ('2', 'gone', 'Old', 'User', 'Inactive', 0, 1, '2020-01-01 00:00:00');
INSERT INTO accounts (id, name, date_modified, deleted, assigned_user_id, account_type, industry, billing_address_city, billing_address_country, phone_office, website)
  VALUES ('" + A1 + @"', 'Acme GmbH', '2024-02-03 10:00:00', 0, '1', 'Customer', 'Manufacturing', 'Köln', 'DE', '+49 221 1', 'https://acme.example'),
         ('" + A2 + @"', 'Deleted Ltd', '2024-02-03 10:00:00', 1, '1', 'Customer', NULL, NULL, NULL, NULL, NULL);
INSERT INTO accounts_cstm VALUES ('" + A1 + @"', 'gold', 1);
INSERT INTO contacts (id, first_name, last_name, title, phone_work, phone_mobile, assigned_user_id, date_modified, deleted) VALUES
  ('" + C1 + @"', 'Ada', 'Lovelace', 'Analyst', '+44 20 1', NULL, '1', '2024-03-05 10:11:12', 0),
  ('" + C2 + @"', 'Bob', 'O''Brien', NULL, NULL, '+1 555 0100', NULL, '2024-03-06 00:00:00', 0),
  ('" + C3 + @"', 'Del', 'Eted', NULL, NULL, NULL, NULL, '2024-03-07 00:00:00', 1);
INSERT INTO contacts_cstm VALUES ('" + C1 + @"', '1815-12-10', 7), ('" + C3 + @"', NULL, 1);
INSERT INTO accounts_contacts VALUES ('r1', '" + C1 + @"', '" + A1 + @"', NULL, 0), ('r2', '" + C2 + @"', '" + A1 + @"', NULL, 1);
INSERT INTO email_addresses (id, email_address, email_address_caps, deleted) VALUES
  ('e1', 'ada@primary.example', 'ADA@PRIMARY.EXAMPLE', 0), ('e2', 'ada@old.example', 'ADA@OLD.EXAMPLE', 0), ('e3', 'gone@x.example', 'GONE@X.EXAMPLE', 0),
  ('e4', 'info@acme.example', 'INFO@ACME.EXAMPLE', 0), ('e5', 'admin@crm.example', 'ADMIN@CRM.EXAMPLE', 0), ('e6', 'deleted@x.example', 'DELETED@X.EXAMPLE', 1);
INSERT INTO email_addr_bean_rel (id, email_address_id, bean_id, bean_module, primary_address, deleted) VALUES
  ('b1', 'e2', '" + C1 + @"', 'Contacts', 0, 0), ('b2', 'e1', '" + C1 + @"', 'Contacts', 1, 0), ('b3', 'e3', '" + C1 + @"', 'Contacts', 0, 1),
  ('b4', 'e6', '" + C1 + @"', 'Contacts', 0, 0), ('b5', 'e4', '" + A1 + @"', 'Accounts', 1, 0), ('b6', 'e5', '1', 'Users', 1, 0);
INSERT INTO opportunities (id, name, amount, sales_stage, probability, date_closed, assigned_user_id, date_modified, deleted) VALUES ('o1', 'Big deal', 12500.5, 'Negotiation/Review', 60, '2024-06-30', '1', '2024-04-01 08:00:00', 0), ('o2', 'Dead deal', 1, 'Closed Lost', 0, NULL, NULL, NULL, 1);
INSERT INTO accounts_opportunities VALUES ('ao1', 'o1', '" + A1 + @"', NULL, 0);
INSERT INTO opportunities_contacts VALUES ('oc1', '" + C1 + @"', 'o1', 'Primary Decision Maker', NULL, 0);
INSERT INTO calls VALUES ('call1', 'Intro call', '2024-03-10 09:00:00', 'Held', 'Contacts', '" + C1 + @"', '2024-03-10 10:00:00', 0), ('call2', 'Deleted call', NULL, 'Planned', NULL, NULL, NULL, 1);
INSERT INTO meetings VALUES ('meet1', 'Kick-off', '2024-03-12 14:00:00', 'Planned', 'Accounts', '" + A1 + @"', '2024-03-11 10:00:00', 0);
INSERT INTO leads (id, first_name, last_name, account_name, status, lead_source, deleted) VALUES ('l1', 'Lee', 'Ad', 'Prospect AG', 'New', 'Web Site', 0), ('l2', 'Gone', 'Lead', NULL, 'Dead', NULL, 1);
";

        private static List<CrmRecord> Read(ICrmProvider p, string entity) =>
            p.Read(entity, new CrmReadOptions(), e => throw new InvalidOperationException(e.ToString()), CancellationToken.None).ToList();

        private static void AssertRecord(CrmRecord r, string entity, string key, params (string Name, object? Value)[] fields)
        {
            Assert.Equal(entity, r.Entity);
            Assert.Equal(key, r.Key?.ToString());
            Assert.Equal(fields.Select(f => f.Name), r.FieldNames);
            foreach (var (name, value) in fields)
            {
                object? actual = r[name];
                Assert.True(Equals(value, actual), $"{entity} {key} {name}: '{actual}' ({actual?.GetType().Name}), expected '{value}' ({value?.GetType().Name})");
            }
        }

        [Fact]
        public void SuiteCrmOnMariaDbReadsCanonicalRecords()
        {
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec(SuiteCrmSchema);
            db.Exec(SuiteCrmData);
            using var p = db.Provider("SuiteCRM");
            Assert.Equal(new[] { "User", "Account", "Contact", "Lead", "Opportunity", "Case", "Campaign", "Contract", "Activity", "Note" }, p.ListEntities());

            var contacts = Read(p, "Contact");
            Assert.Equal(2, contacts.Count);
            AssertRecord(contacts[0], "Contact", C1,
                ("Id", C1), ("FirstName", "Ada"), ("LastName", "Lovelace"), ("Title", "Analyst"),
                ("Email", "ada@primary.example"), ("Emails", "ada@primary.example; ada@old.example"), ("EmailOptOut", false), ("EmailInvalid", false),
                ("Phone", "+44 20 1"), ("Mobile", null), ("DoNotCall", false), ("LeadSource", null), ("Birthdate", null),
                ("Street", null), ("City", null), ("State", null), ("PostalCode", null), ("Country", null), ("AccountId", A1), ("ReportsToId", null), ("OwnerId", "1"),
                ("ModifiedAt", new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.Zero)), ("birthday_c", new DateTime(1815, 12, 10)), ("loyalty_c", 7L));
            AssertRecord(contacts[1], "Contact", C2,
                ("Id", C2), ("FirstName", "Bob"), ("LastName", "O'Brien"), ("Title", null), ("Email", null), ("Emails", null), ("EmailOptOut", null), ("EmailInvalid", null),
                ("Phone", null), ("Mobile", "+1 555 0100"), ("DoNotCall", false), ("LeadSource", null), ("Birthdate", null),
                ("Street", null), ("City", null), ("State", null), ("PostalCode", null), ("Country", null), ("AccountId", null), ("ReportsToId", null), ("OwnerId", null),
                ("ModifiedAt", new DateTimeOffset(2024, 3, 6, 0, 0, 0, TimeSpan.Zero)), ("birthday_c", null), ("loyalty_c", null));

            var accounts = Read(p, "Account");
            AssertRecord(Assert.Single(accounts), "Account", A1,
                ("Id", A1), ("Name", "Acme GmbH"), ("Type", "Customer"), ("Industry", "Manufacturing"), ("Phone", "+49 221 1"),
                ("Website", "https://acme.example"), ("Street", null), ("City", "Köln"), ("State", null), ("PostalCode", null), ("Country", "DE"),
                ("ShippingStreet", null), ("ShippingCity", null), ("ShippingState", null), ("ShippingPostalCode", null), ("ShippingCountry", null), ("ParentId", null),
                ("Email", "info@acme.example"), ("EmailOptOut", false), ("EmailInvalid", false), ("OwnerId", "1"), ("ModifiedAt", new DateTimeOffset(2024, 2, 3, 10, 0, 0, TimeSpan.Zero)), ("tier_c", "gold"), ("vip_c", true));

            var opportunity = Assert.Single(Read(p, "Opportunity"));
            AssertRecord(opportunity, "Opportunity", "o1",
                ("Id", "o1"), ("Name", "Big deal"), ("Amount", 12500.5), ("AmountUsd", null), ("CurrencyId", null), ("Stage", "Negotiation/Review"), ("Probability", 60.0),
                ("CloseDate", new DateTime(2024, 6, 30)), ("AccountId", A1), ("ContactId", C1), ("OwnerId", "1"), ("ModifiedAt", new DateTimeOffset(2024, 4, 1, 8, 0, 0, TimeSpan.Zero)));

            var activities = Read(p, "Activity");
            Assert.Equal(2, activities.Count);
            AssertRecord(activities[0], "Activity", "call1", ("Id", "call1"), ("Type", "Call"), ("Subject", "Intro call"), ("Start", new DateTimeOffset(2024, 3, 10, 9, 0, 0, TimeSpan.Zero)),
                ("Status", "Held"), ("RelatedType", "Contacts"), ("RelatedId", C1), ("ModifiedAt", new DateTimeOffset(2024, 3, 10, 10, 0, 0, TimeSpan.Zero)));
            AssertRecord(activities[1], "Activity", "meet1", ("Id", "meet1"), ("Type", "Meeting"), ("Subject", "Kick-off"), ("Start", new DateTimeOffset(2024, 3, 12, 14, 0, 0, TimeSpan.Zero)),
                ("Status", "Planned"), ("RelatedType", "Accounts"), ("RelatedId", A1), ("ModifiedAt", new DateTimeOffset(2024, 3, 11, 10, 0, 0, TimeSpan.Zero)));

            var user = Assert.Single(Read(p, "User"));
            Assert.Equal("admin@crm.example", user["Email"]);
            Assert.Equal(true, user["IsAdmin"]);
            Assert.Equal("Lee", Assert.Single(Read(p, "Lead"))["FirstName"]);
            Assert.Empty(Read(p, "Case"));

            var schema = p.DescribeEntity("Contact", includeRowCount: true)!;
            Assert.Equal(2L, schema.RowCount);
            Assert.Equal(new[] { "Id" }, schema.Key);
            // SuiteCRM keeps datetime columns in UTC: read with their zone; date columns stay dates; e-mail flags are booleans
            Assert.Equal(CrmFieldType.DateTimeOffset, schema.GetField("ModifiedAt")!.Type);
            Assert.Equal(CrmFieldType.Date, schema.GetField("Birthdate")!.Type);
            Assert.Equal(CrmFieldType.Boolean, schema.GetField("EmailOptOut")!.Type);
            Assert.Equal(CrmFieldType.Integer, schema.GetField("loyalty_c")!.Type);
            Assert.Equal(2L, p.DescribeEntity("Activity", true)!.RowCount);

            var filtered = p.Read("Contact", new CrmReadOptions { Filters = new[] { new CrmFieldFilter("Email", "ADA@primary.example") } }, _ => { }, CancellationToken.None).ToList();
            Assert.Equal(C1, Assert.Single(filtered)["Id"]);

            Assert.Equal("ProfileReadOnly", Assert.Throws<CrmException>(() => p.OpenWriter("Contact", new CrmWriteOptions())).Error.Code);
            Assert.Equal("ProfileEntityNotFound", Assert.Throws<CrmException>(() => p.Read("Invoice", new CrmReadOptions(), _ => { }, CancellationToken.None)).Error.Code);
        }

        private const string OdooSchema = @"
CREATE TABLE res_country (id serial PRIMARY KEY, code varchar(2), name jsonb);
CREATE TABLE res_country_state (id serial PRIMARY KEY, country_id int, code varchar, name varchar);
CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, is_company boolean, parent_id int REFERENCES res_partner (id), email varchar, phone varchar, mobile varchar, website varchar,
  street varchar, city varchar, zip varchar, ""function"" varchar, user_id int, active boolean DEFAULT true, create_date timestamp, write_date timestamp,
  street2 varchar, state_id int REFERENCES res_country_state (id), country_id int REFERENCES res_country (id));
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL UNIQUE, partner_id int NOT NULL REFERENCES res_partner (id), active boolean DEFAULT true, share boolean, write_date timestamp);
CREATE TABLE crm_stage (id serial PRIMARY KEY, name jsonb NOT NULL, sequence int, is_won boolean);
CREATE TABLE crm_lead (id serial PRIMARY KEY, name varchar NOT NULL, type varchar NOT NULL, stage_id int REFERENCES crm_stage (id), expected_revenue numeric, probability double precision,
  partner_id int REFERENCES res_partner (id), user_id int REFERENCES res_users (id), email_from varchar, phone varchar, contact_name varchar, partner_name varchar, active boolean DEFAULT true,
  date_deadline date, write_date timestamp);
CREATE TABLE mail_message (id serial PRIMARY KEY, subject varchar, body text, model varchar, res_id int, message_type varchar NOT NULL, author_id int REFERENCES res_partner (id), date timestamp, write_date timestamp);
INSERT INTO res_partner (id, name, is_company, parent_id, email, phone, website, city, zip, active, write_date) VALUES
  (1, 'Acme SA', true, NULL, 'info@acme.example', '+33 1 23', 'https://acme.example', 'Paris', '75001', true, '2024-05-01 12:00:00'),
  (2, 'Jane Doe', false, 1, 'jane@acme.example', NULL, NULL, 'Paris', NULL, true, '2024-05-02 12:00:00'),
  (3, 'Archived Co', true, NULL, NULL, NULL, NULL, NULL, NULL, false, '2024-05-03 12:00:00'),
  (4, 'Mitchell Admin', false, NULL, 'admin@odoo.example', NULL, NULL, NULL, NULL, true, '2024-05-04 12:00:00');
UPDATE res_partner SET ""function"" = 'CFO', mobile = '+33 6 00' WHERE id = 2;
INSERT INTO res_users (id, login, partner_id, active, share, write_date) VALUES (2, 'admin', 4, true, false, '2024-05-05 12:00:00');
INSERT INTO crm_stage (id, name, sequence, is_won) VALUES (1, '{""en_US"": ""New"", ""fr_FR"": ""Nouveau""}', 1, false), (2, '{""en_US"": ""Won""}', 4, true), (3, '{""fr_FR"": ""Qualifié""}', 2, false);
INSERT INTO crm_lead (id, name, type, stage_id, expected_revenue, probability, partner_id, user_id, email_from, phone, contact_name, partner_name, active, date_deadline, write_date) VALUES
  (1, 'Website inquiry', 'lead', 1, 0, 10, NULL, NULL, 'lead@prospect.example', '+33 1 99', 'Paul Prospect', 'Prospect SARL', true, NULL, '2024-06-01 09:00:00'),
  (2, 'Big deal', 'opportunity', 2, 12500.50, 62.5, 1, 2, NULL, NULL, NULL, NULL, true, '2025-06-30', '2024-06-02 09:00:00'),
  (3, 'Archived deal', 'opportunity', 1, 99, 1, 1, 2, NULL, NULL, NULL, NULL, false, NULL, '2024-06-03 09:00:00'),
  (4, 'Qualified deal', 'opportunity', 3, 500, 30, 3, NULL, NULL, NULL, NULL, NULL, true, NULL, '2024-06-04 09:00:00');
INSERT INTO mail_message (id, subject, body, model, res_id, message_type, author_id, date, write_date) VALUES
  (1, NULL, '<p>Called, they want a demo.</p>', 'crm.lead', 2, 'comment', 4, '2024-06-02 10:00:00', '2024-06-02 10:00:00'),
  (2, NULL, 'Stage changed', 'crm.lead', 2, 'notification', 4, '2024-06-02 10:01:00', '2024-06-02 10:01:00');
";

        [Fact]
        public void OdooOnPostgreSqlReadsCanonicalRecords()
        {
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec(OdooSchema);
            using var p = db.Provider("Odoo");
            Assert.Equal(new[] { "User", "Account", "Contact", "Lead", "Opportunity", "Note" }, p.ListEntities());

            AssertRecord(Assert.Single(Read(p, "Account")), "Account", "1",
                ("Id", 1L), ("Name", "Acme SA"), ("Email", "info@acme.example"), ("Phone", "+33 1 23"), ("Website", "https://acme.example"),
                ("Street", null), ("Street2", null), ("City", "Paris"), ("PostalCode", "75001"), ("State", null), ("Country", null), ("ParentId", null), ("OwnerId", null), ("ModifiedAt", new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero)));
            var contacts = Read(p, "Contact");
            Assert.Equal(2, contacts.Count);
            AssertRecord(contacts[0], "Contact", "2",
                ("Id", 2L), ("Name", "Jane Doe"), ("Title", "CFO"), ("Email", "jane@acme.example"), ("Phone", null), ("Mobile", "+33 6 00"),
                ("Street", null), ("Street2", null), ("City", "Paris"), ("PostalCode", null), ("State", null), ("Country", null),
                ("AccountId", 1L), ("OwnerId", null), ("ModifiedAt", new DateTimeOffset(2024, 5, 2, 12, 0, 0, TimeSpan.Zero)));
            Assert.Equal("Mitchell Admin", contacts[1]["Name"]);

            AssertRecord(Assert.Single(Read(p, "Lead")), "Lead", "1",
                ("Id", 1L), ("Name", "Website inquiry"), ("ContactName", "Paul Prospect"), ("Company", "Prospect SARL"), ("Email", "lead@prospect.example"),
                ("Phone", "+33 1 99"), ("Stage", "New"), ("OwnerId", null), ("ModifiedAt", new DateTimeOffset(2024, 6, 1, 9, 0, 0, TimeSpan.Zero)));
            var opportunities = Read(p, "Opportunity");
            Assert.Equal(2, opportunities.Count);
            AssertRecord(opportunities[0], "Opportunity", "2",
                ("Id", 2L), ("Name", "Big deal"), ("Amount", 12500.50m), ("Probability", 62.5), ("Stage", "Won"), ("AccountId", 1L), ("OwnerId", 2L),
                ("CloseDate", new DateTime(2025, 6, 30)), ("ModifiedAt", new DateTimeOffset(2024, 6, 2, 9, 0, 0, TimeSpan.Zero)));
            Assert.Equal("Qualifié", opportunities[1]["Stage"]);

            AssertRecord(Assert.Single(Read(p, "User")), "User", "2",
                ("Id", 2L), ("Login", "admin"), ("Name", "Mitchell Admin"), ("PartnerId", 4L), ("Email", "admin@odoo.example"), ("Share", false), ("ModifiedAt", new DateTimeOffset(2024, 5, 5, 12, 0, 0, TimeSpan.Zero)));
            AssertRecord(Assert.Single(Read(p, "Note")), "Note", "1",
                ("Id", 1L), ("Subject", null), ("Body", "<p>Called, they want a demo.</p>"), ("RelatedType", "crm.lead"), ("RelatedId", 2L),
                ("AuthorId", 4L), ("Date", new DateTimeOffset(2024, 6, 2, 10, 0, 0, TimeSpan.Zero)), ("ModifiedAt", new DateTimeOffset(2024, 6, 2, 10, 0, 0, TimeSpan.Zero)));

            var schema = p.DescribeEntity("Opportunity", includeRowCount: true)!;
            Assert.Equal(2L, schema.RowCount);
            Assert.Equal(CrmFieldType.Decimal, schema.GetField("Amount")!.Type);
            Assert.Equal(CrmFieldType.String, schema.GetField("Stage")!.Type);
        }

        [Fact]
        public void SugarCrmCeWithoutAosContractsSkipsContractWithOneNoticeInsteadOfFailing()
        {
            using var db = new TestDatabase(CrmProviderKind.MySql);
            db.Exec(SuiteCrmSchema);
            db.Exec(SuiteCrmData);
            db.Exec("DROP TABLE aos_contracts");
            using var p = db.Provider("SuiteCRM");
            Assert.Equal(new[] { "User", "Account", "Contact", "Lead", "Opportunity", "Case", "Campaign", "Activity", "Note" }, p.ListEntities());
            var notice = Assert.Single(p.Notices);
            Assert.Contains("aos_contracts", notice, StringComparison.Ordinal);
            Assert.Contains("Contract is skipped", notice, StringComparison.Ordinal);
            Assert.Equal(2, Read(p, "Contact").Count);
        }

        [Fact]
        public void ProfileFilesAreCheckedWhenTheConnectionIsMade()
        {
            using var dir = new TempDir();
            string bad = dir.File("bad.json");
            System.IO.File.WriteAllText(bad, "{ \"entities\": { \"Contact\": { \"fields\": { \"Id\": \"id\" } } } }");
            var ex = Assert.Throws<CrmException>(() => ProviderFactory.ForServer(CrmProviderKind.PostgreSql, "h", 5432, "d", null, bad));
            Assert.Equal("ProfileInvalid", ex.Error.Code);
            Assert.Contains("table", ex.Message, StringComparison.Ordinal);
            Assert.Equal("ProfileNotFound", Assert.Throws<CrmException>(() => ProviderFactory.ForServer(CrmProviderKind.PostgreSql, "h", 5432, "d", null, "NoSuchCrm")).Error.Code);

            string good = dir.File("mine.json");
            System.IO.File.WriteAllText(good, "{ // my layout\n \"entities\": { \"Contact\": { \"table\": \"people\", \"key\": [\"Id\"], \"where\": [ { \"column\": \"gone\", \"notEquals\": true } ], \"fields\": { \"Id\": \"pid\", \"Name\": \"full name\" } } } }");
            using var db = new TestDatabase(CrmProviderKind.PostgreSql);
            db.Exec("CREATE TABLE people (pid int PRIMARY KEY, \"full name\" text, gone boolean); INSERT INTO people VALUES (1, 'A', NULL), (2, 'B', true), (3, 'C', false);");
            using var p = db.Provider(good);
            Assert.Equal(new[] { "Contact" }, p.ListEntities());
            Assert.Equal(new object?[] { "A", "C" }, Read(p, "Contact").Select(r => r["Name"]).ToArray());
        }
    }
}
