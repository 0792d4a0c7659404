-- Small hand-made data for the SuiteCRM-shaped schema: live and soft-deleted rows, audit rows, opted-out and
-- invalid addresses, schedulers, queued jobs, OAuth clients and tokens, a mailbox, a workflow. Dates are UTC.
INSERT INTO users (id, user_name, user_hash, first_name, last_name, is_admin, status, deleted, date_entered, date_modified, employee_status, is_group, show_on_employees) VALUES
 ('1', 'admin', '$2y$10$Kz0adminhashnotrealxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Sally', 'Admin', 1, 'Active', 0, '2019-01-02 03:04:05', '2024-01-02 03:04:05', 'Active', 0, 1),
 ('seed_sam_id', 'sam', '$2y$10$Kz0samhashnotrealxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Sam', 'Seller', 0, 'Active', 0, '2019-02-02 03:04:05', '2024-02-02 03:04:05', 'Active', 0, 1),
 ('seed_old_id', 'old', '$2y$10$Kz0oldhashnotrealxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Olga', 'Former', 0, 'Inactive', 0, '2019-03-02 03:04:05', '2022-02-02 03:04:05', 'Terminated', 0, 1),
 ('seed_gone_id', 'gone', NULL, 'Gone', 'Deleted', 0, 'Active', 1, '2019-04-02 03:04:05', '2021-02-02 03:04:05', 'Active', 0, 0);
INSERT INTO user_preferences VALUES ('up1', 'global', 0, '2024-01-02 03:04:05', '2024-01-02 03:04:05', '1', 'YToxOntzOjg6InRpbWV6b25lIjtzOjEzOiJFdXJvcGUvQmVybGluIjt9');
INSERT INTO accounts (id, name, date_entered, date_modified, deleted, assigned_user_id, account_type, industry, billing_address_street, billing_address_city, billing_address_state,
  billing_address_postalcode, billing_address_country, phone_office, website, shipping_address_city, parent_id) VALUES
 ('acc-acme', 'Acme GmbH', '2020-01-01 08:00:00', '2024-02-03 10:00:00', 0, '1', 'Customer', 'Manufacturing', 'Hauptstr. 1', 'Köln', 'NRW', '50667', 'DE', '+49 221 1', 'https://acme.example', 'Köln', NULL),
 ('acc-acme-sub', 'Acme Logistik', '2020-01-02 08:00:00', '2024-02-04 10:00:00', 0, 'seed_sam_id', 'Customer', 'Transportation', NULL, 'Bonn', 'NRW', '53111', 'DE', NULL, NULL, NULL, 'acc-acme'),
 ('acc-gone', 'Deleted Ltd', '2020-01-03 08:00:00', '2024-02-05 10:00:00', 1, '1', 'Customer', NULL, NULL, 'Leeds', NULL, NULL, 'GB', NULL, NULL, NULL, NULL);
INSERT INTO accounts_cstm (id_c, jjwg_maps_geocode_status_c) VALUES ('acc-acme', 'OK');
INSERT INTO accounts_audit VALUES ('aud1', 'acc-acme', '2023-05-01 09:00:00', '1', 'industry', 'enum', 'Retail', 'Manufacturing', NULL, NULL),
 ('aud2', 'acc-gone', '2024-02-05 10:00:00', '1', 'deleted', 'bool', '0', '1', NULL, NULL);
INSERT INTO contacts (id, date_entered, date_modified, deleted, assigned_user_id, first_name, last_name, title, phone_work, phone_mobile, do_not_call, lead_source,
  primary_address_city, primary_address_state, primary_address_country, birthdate, reports_to_id) VALUES
 ('con-ada', '2020-02-01 08:00:00', '2024-03-05 10:11:12', 0, '1', 'Ada', 'Lovelace', 'Analyst', '+44 20 1', NULL, 0, 'Web Site', 'London', NULL, 'GB', '1815-12-10', NULL),
 ('con-bob', '2020-02-02 08:00:00', '2024-03-06 00:00:00', 0, NULL, 'Bob', 'O''Brien', NULL, NULL, '+1 555 0100', 1, NULL, NULL, NULL, NULL, NULL, 'con-ada'),
 ('con-orphan', '2020-02-03 08:00:00', '2024-03-06 00:00:00', 0, NULL, 'Orla', 'Phan', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL),
 ('con-del', '2020-02-04 08:00:00', '2024-03-07 00:00:00', 1, NULL, 'Del', 'Eted', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO contacts_audit VALUES ('caud1', 'con-ada', '2023-06-01 09:00:00', '1', 'title', 'varchar', 'Intern', 'Analyst', NULL, NULL);
INSERT INTO accounts_contacts VALUES ('ac1', 'con-ada', 'acc-acme', '2024-01-01 00:00:00', 0), ('ac2', 'con-bob', 'acc-acme', '2024-01-01 00:00:00', 1),
 ('ac3', 'con-orphan', 'acc-gone', '2024-01-01 00:00:00', 0);
INSERT INTO email_addresses (id, email_address, email_address_caps, invalid_email, opt_out, date_created, date_modified, deleted) VALUES
 ('ea1', 'ada@acme.example', 'ADA@ACME.EXAMPLE', 0, 1, '2020-02-01 08:00:00', '2024-01-01 00:00:00', 0),
 ('ea2', 'bob@old.example', 'BOB@OLD.EXAMPLE', 1, 0, '2020-02-02 08:00:00', '2024-01-01 00:00:00', 0),
 ('ea3', 'info@acme.example', 'INFO@ACME.EXAMPLE', 0, 0, '2020-01-01 08:00:00', '2024-01-01 00:00:00', 0),
 ('ea4', 'admin@crm.example', 'ADMIN@CRM.EXAMPLE', 0, 0, '2019-01-02 03:04:05', '2024-01-01 00:00:00', 0),
 ('ea5', 'sam@crm.example', 'SAM@CRM.EXAMPLE', 0, 0, '2019-02-02 03:04:05', '2024-01-01 00:00:00', 0),
 ('ea6', 'olga@crm.example', 'OLGA@CRM.EXAMPLE', 0, 0, '2019-03-02 03:04:05', '2024-01-01 00:00:00', 0),
 ('ea7', 'lee@prospect.example', 'LEE@PROSPECT.EXAMPLE', 0, 0, '2021-01-01 00:00:00', '2024-01-01 00:00:00', 0),
 ('ea8', 'gone@x.example', 'GONE@X.EXAMPLE', 0, 0, '2021-01-01 00:00:00', '2024-01-01 00:00:00', 1);
INSERT INTO email_addr_bean_rel (id, email_address_id, bean_id, bean_module, primary_address, deleted) VALUES
 ('eb1', 'ea1', 'con-ada', 'Contacts', 1, 0), ('eb2', 'ea2', 'con-bob', 'Contacts', 1, 0), ('eb3', 'ea3', 'acc-acme', 'Accounts', 1, 0),
 ('eb4', 'ea4', '1', 'Users', 1, 0), ('eb5', 'ea5', 'seed_sam_id', 'Users', 1, 0), ('eb6', 'ea6', 'seed_old_id', 'Users', 1, 0),
 ('eb7', 'ea7', 'lead-lee', 'Leads', 1, 0), ('eb8', 'ea8', 'con-ada', 'Contacts', 0, 1);
INSERT INTO leads (id, date_entered, date_modified, deleted, assigned_user_id, first_name, last_name, account_name, status, lead_source, converted, contact_id, account_id,
  opportunity_id, primary_address_city, primary_address_country) VALUES
 ('lead-lee', '2021-01-01 00:00:00', '2024-04-01 00:00:00', 0, 'seed_sam_id', 'Lee', 'Ad', 'Prospect AG', 'New', 'Web Site', 0, NULL, NULL, NULL, 'Zürich', 'CH'),
 ('lead-ada', '2020-01-15 00:00:00', '2020-02-01 08:00:00', 0, '1', 'Ada', 'Lovelace', 'Acme GmbH', 'Converted', 'Cold Call', 1, 'con-ada', 'acc-acme', 'opp-big', NULL, NULL),
 ('lead-dead', '2020-01-16 00:00:00', '2020-02-01 08:00:00', 1, NULL, 'Gone', 'Lead', NULL, 'Dead', NULL, 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO leads_audit VALUES ('laud1', 'lead-ada', '2020-02-01 08:00:00', '1', 'status', 'enum', 'New', 'Converted', NULL, NULL);
INSERT INTO opportunities (id, name, date_entered, date_modified, deleted, assigned_user_id, amount, amount_usdollar, currency_id, date_closed, sales_stage, probability) VALUES
 ('opp-big', 'Big deal', '2020-02-01 08:00:00', '2024-04-01 08:00:00', 0, '1', 12500.5, 13750.55, 'cur-eur', '2024-06-30', 'Negotiation/Review', 60),
 ('opp-dead', 'Dead deal', '2020-02-01 08:00:00', '2020-03-01 08:00:00', 1, NULL, 1, 1, '-99', NULL, 'Closed Lost', 0);
INSERT INTO opportunities_audit VALUES ('oaud1', 'opp-big', '2024-04-01 08:00:00', '1', 'sales_stage', 'enum', 'Prospecting', 'Negotiation/Review', NULL, NULL);
INSERT INTO accounts_opportunities VALUES ('ao1', 'opp-big', 'acc-acme', NULL, 0);
INSERT INTO opportunities_contacts VALUES ('oc1', 'con-ada', 'opp-big', 'Primary Decision Maker', NULL, 0);
INSERT INTO cases (id, name, date_entered, date_modified, deleted, case_number, status, priority, account_id, description) VALUES
 ('case-1', 'Broken widget', '2023-01-01 00:00:00', '2024-05-01 00:00:00', 0, 1, 'Open_Assigned', 'P1', 'acc-acme', 'It squeaks.'),
 ('case-2', 'Old complaint', '2020-01-01 00:00:00', '2021-05-01 00:00:00', 0, 2, 'Closed_Closed', 'P3', 'acc-gone', NULL);
INSERT INTO cases_audit VALUES ('kaud1', 'case-1', '2024-05-01 00:00:00', '1', 'status', 'enum', 'Open_New', 'Open_Assigned', NULL, NULL);
INSERT INTO campaigns (id, name, date_entered, date_modified, deleted, tracker_key, start_date, end_date, status, currency_id, budget, campaign_type) VALUES
 ('camp-1', 'Spring newsletter', '2024-01-01 00:00:00', '2024-01-02 00:00:00', 0, 1, '2024-03-01', '2024-03-31', 'Active', '-99', 1500, 'Newsletter');
INSERT INTO aos_contracts (id, name, date_entered, date_modified, deleted, start_date, end_date, total_contract_value, currency_id, status, contract_account_id) VALUES
 ('ctr-1', 'Support 2024', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 0, '2024-01-01', '2024-12-31', 12000.000000, '-99', 'Signed', 'acc-acme');
INSERT INTO aos_quotes (id, name, date_entered, date_modified, deleted, billing_account_id, expiration, number, stage, total_amount, currency_id) VALUES
 ('q-1', 'Quote 1', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 0, 'acc-acme', '2024-02-01', 1, 'Closed Accepted', 12000.000000, '-99');
INSERT INTO aos_invoices (id, name, date_entered, date_modified, deleted, billing_account_id, number, total_amount, currency_id, invoice_date, due_date, status) VALUES
 ('inv-1', 'Invoice 1', '2024-02-01 00:00:00', '2024-02-01 00:00:00', 0, 'acc-acme', 1, 12000.000000, '-99', '2024-02-01', '2024-03-01', 'Paid'),
 ('inv-2', 'Cancelled invoice', '2024-02-02 00:00:00', '2024-02-03 00:00:00', 1, 'acc-acme', 2, 10.000000, '-99', '2024-02-02', NULL, 'Cancelled');
INSERT INTO calls (id, name, date_entered, date_modified, deleted, date_start, status, parent_type, parent_id, direction) VALUES
 ('call-1', 'Intro call', '2024-03-10 09:00:00', '2024-03-10 10:00:00', 0, '2024-03-10 09:00:00', 'Held', 'Contacts', 'con-ada', 'Outbound'),
 ('call-2', 'Deleted call', '2024-03-11 09:00:00', '2024-03-11 09:00:00', 1, NULL, 'Planned', NULL, NULL, NULL);
INSERT INTO meetings (id, name, date_entered, date_modified, deleted, date_start, status, parent_type, parent_id) VALUES
 ('meet-1', 'Kick-off', '2024-03-11 10:00:00', '2024-03-11 10:00:00', 0, '2024-03-12 14:00:00', 'Planned', 'Accounts', 'acc-acme');
INSERT INTO notes (id, date_entered, date_modified, name, file_mime_type, filename, parent_type, parent_id, contact_id, description, deleted) VALUES
 ('note-1', '2024-03-12 15:00:00', '2024-03-12 15:00:00', 'Minutes', 'text/plain', 'minutes.txt', 'Accounts', 'acc-acme', 'con-ada', 'See attachment.', 0);
INSERT INTO tasks (id, name, date_entered, date_modified, deleted, status, date_due, parent_type, parent_id, priority) VALUES
 ('task-1', 'Send proposal', '2024-03-12 15:00:00', '2024-03-12 15:00:00', 0, 'Not Started', '2024-03-20 12:00:00', 'Opportunities', 'opp-big', 'High');
INSERT INTO emails (id, name, date_entered, date_modified, deleted, date_sent_received, message_id, type, status, parent_type, parent_id) VALUES
 ('mail-1', 'Re: proposal', '2024-03-13 08:00:00', '2024-03-13 08:00:00', 0, '2024-03-13 08:00:00', '<m1@acme.example>', 'inbound', 'read', 'Accounts', 'acc-acme');
INSERT INTO emails_text (email_id, from_addr, to_addrs, description, deleted) VALUES ('mail-1', 'ada@acme.example', 'sam@crm.example', 'Looks good — 谢谢!', 0);
INSERT INTO documents (id, date_entered, date_modified, deleted, document_name, doc_type, active_date, status_id, document_revision_id) VALUES
 ('doc-1', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 0, 'Price list', 'Sugar', '2024-01-01', 'Active', 'rev-1');
INSERT INTO document_revisions (id, document_id, doc_type, date_entered, filename, file_ext, file_mime_type, revision, deleted, date_modified) VALUES
 ('rev-1', 'doc-1', 'Sugar', '2024-01-01 00:00:00', 'prices.pdf', 'pdf', 'application/pdf', '1', 0, '2024-01-01 00:00:00');
INSERT INTO schedulers (id, deleted, date_entered, date_modified, name, job, date_time_start, job_interval, status, catch_up) VALUES
 ('sch-1', 0, '2019-01-01 00:00:00', '2019-01-01 00:00:00', 'Process Workflow Tasks', 'function::processAOW_Workflow', '2015-01-01 00:00:00', '*::*::*::*::*', 'Active', 1),
 ('sch-2', 0, '2019-01-01 00:00:00', '2019-01-01 00:00:00', 'Check Inbound Mailboxes', 'function::pollMonitoredInboxesAOP', '2015-01-01 00:00:00', '*::*::*::*::*', 'Active', 0),
 ('sch-3', 0, '2019-01-01 00:00:00', '2019-01-01 00:00:00', 'Prune Database on 1st of Month', 'function::pruneDatabase', '2015-01-01 00:00:00', '0::4::1::*::*', 'Inactive', 0);
INSERT INTO job_queue (id, name, deleted, date_entered, date_modified, scheduler_id, execute_time, status, resolution, target, requeue) VALUES
 ('job-1', 'Process Workflow Tasks', 0, '2024-06-01 00:00:00', '2024-06-01 00:00:00', 'sch-1', '2024-06-01 00:01:00', 'queued', 'queued', 'function::processAOW_Workflow', 0),
 ('job-2', 'Check Inbound Mailboxes', 0, '2024-05-31 23:59:00', '2024-06-01 00:00:10', 'sch-2', '2024-05-31 23:59:00', 'done', 'success', 'function::pollMonitoredInboxesAOP', 0);
INSERT INTO inbound_email (id, deleted, date_entered, date_modified, name, status, server_url, email_user, email_password, port, service, mailbox, mailbox_type, is_personal) VALUES
 ('ie-1', 0, '2020-01-01 00:00:00', '2020-01-01 00:00:00', 'Support inbox', 'Active', 'imap.acme.example', 'support', 'bm90IGEgcmVhbCBwYXNzd29yZA==', 993, '::::ssl::imap::novalidate-cert::notls', 'INBOX', 'pick', 0);
INSERT INTO outbound_email (id, name, type, user_id, smtp_from_name, smtp_from_addr, mail_sendtype, mail_smtpserver, mail_smtpport, mail_smtpuser, mail_smtppass, mail_smtpauth_req, deleted) VALUES
 ('oe-1', 'system', 'system', '1', 'CRM', 'crm@acme.example', 'SMTP', 'smtp.acme.example', '587', 'crm', 'c2VjcmV0', 1, 0);
INSERT INTO oauth2clients (id, name, date_entered, date_modified, deleted, secret, is_confidential, allowed_grant_type) VALUES
 ('cli-1', 'ERP sync', '2023-01-01 00:00:00', '2023-01-01 00:00:00', 0, '$2y$10$clientsecrethashnotreal', 1, 'client_credentials');
INSERT INTO oauth2tokens (id, date_entered, date_modified, deleted, token_is_revoked, token_type, access_token_expires, access_token, refresh_token, grant_type, client, assigned_user_id) VALUES
 ('tok-1', '2024-06-01 00:00:00', '2024-06-01 00:00:00', 0, 0, 'Bearer', '2024-06-01 01:00:00', 'access-token-not-real', NULL, 'client_credentials', 'cli-1', '1'),
 ('tok-2', '2024-05-01 00:00:00', '2024-05-01 00:00:00', 0, 1, 'Bearer', '2024-05-01 01:00:00', 'old-token-not-real', NULL, 'client_credentials', 'cli-1', '1');
INSERT INTO oauth_consumer (id, name, date_entered, date_modified, deleted, c_key, c_secret) VALUES ('oc-1', 'Legacy portal', '2018-01-01 00:00:00', '2018-01-01 00:00:00', 0, 'portalkey', 'portalsecret');
INSERT INTO oauth_tokens (id, secret, tstate, consumer, token_ts, deleted, assigned_user_id) VALUES ('ot-1', 'tokensecret', 'a', 'oc-1', 1700000000, 0, '1');
INSERT INTO oauth_nonce VALUES ('portalkey', 'n0nce', 1700000000);
INSERT INTO aow_workflow (id, name, date_entered, date_modified, deleted, flow_module, status, run_when) VALUES
 ('wf-1', 'Notify on new case', '2022-01-01 00:00:00', '2022-01-01 00:00:00', 0, 'Cases', 'Active', 'On_Save');
INSERT INTO config VALUES ('info', 'sugar_version', '6.5.25'), ('system', 'name', 'Acme CRM'), ('MySettings', 'tab', 'YToyOntpOjA7czo0OiJIb21lIjt9');
INSERT INTO currencies VALUES ('cur-eur', 'Euro', '€', 'EUR', 0.9, 'Active', 0, '2020-01-01 00:00:00', '2020-01-01 00:00:00', '1');
INSERT INTO tracker (monitor_id, user_id, module_name, item_id, item_summary, date_modified, action, session_id, visible, deleted) VALUES
 ('mon-1', '1', 'Accounts', 'acc-acme', 'Acme GmbH', '2024-06-01 00:00:00', 'detailview', 'sess-1', 1, 0);
INSERT INTO fields_meta_data (id, name, custom_module, type, len, date_modified, deleted) VALUES ('Accountsjjwg_maps_lng_c', 'jjwg_maps_lng_c', 'Accounts', 'float', 11, '2019-01-01 00:00:00', 0);
INSERT INTO relationships (id, relationship_name, lhs_module, lhs_table, lhs_key, rhs_module, rhs_table, rhs_key, join_table, join_key_lhs, join_key_rhs, relationship_type, deleted) VALUES
 ('rel-1', 'accounts_contacts', 'Accounts', 'accounts', 'id', 'Contacts', 'contacts', 'id', 'accounts_contacts', 'account_id', 'contact_id', 'many-to-many', 0);
INSERT INTO acl_roles (id, date_entered, date_modified, name, description, deleted) VALUES ('role-1', '2019-01-01 00:00:00', '2019-01-01 00:00:00', 'Sales', 'Sales team', 0);
INSERT INTO acl_roles_users VALUES ('ru-1', 'role-1', 'seed_sam_id', '2019-01-01 00:00:00', 0);
INSERT INTO upgrade_history (id, filename, md5sum, type, status, version, name, date_entered, enabled) VALUES ('uh-1', 'upload/upgrades/patch/SuiteCRM-7.14.zip', 'd41d8cd98f00b204e9800998ecf8427e', 'patch', 'installed', '7.14.0', 'SuiteCRM 7.14', '2024-01-01 00:00:00', 1);
INSERT INTO versions (id, deleted, date_entered, date_modified, name, file_version, db_version) VALUES ('ver-1', 0, '2019-01-01 00:00:00', '2019-01-01 00:00:00', 'Chart Data Cache', '3.5.1', '3.5.1');
