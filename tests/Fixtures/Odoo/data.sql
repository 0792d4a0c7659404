-- Small hand-made data for the Odoo-shaped schema. Timestamps are UTC, as Odoo stores them.
INSERT INTO res_currency (id, name, symbol, rounding, decimal_places, active, position) VALUES (1, 'EUR', '€', 0.01, 2, true, 'after'), (2, 'USD', '$', 0.01, 2, true, 'before');
INSERT INTO res_country (id, code, currency_id, name) VALUES (75, 'FR', 1, '{"en_US": "France", "fr_FR": "France"}'), (233, 'US', 2, '{"en_US": "United States"}');
INSERT INTO res_country_state (id, country_id, name, code) VALUES (1, 233, 'California', 'CA');
INSERT INTO res_partner (id, name, parent_id, country_id, state_id, type, street, zip, city, email, phone, website, active, is_company, partner_share, create_date, write_date, complete_name) VALUES
 (1, 'My Company (San Francisco)', NULL, 233, 1, 'contact', '250 Executive Park Blvd', '94134', 'San Francisco', 'info@yourcompany.example', '+1 555-555-5556', 'http://www.example.com', true, true, false, '2024-01-01 08:00:00', '2024-01-01 08:00:00', 'My Company (San Francisco)'),
 (2, 'OdooBot', NULL, NULL, NULL, 'contact', NULL, NULL, NULL, 'odoobot@example.com', NULL, NULL, false, false, false, '2024-01-01 08:00:00', '2024-01-01 08:00:00', 'OdooBot'),
 (3, 'Mitchell Admin', 1, 233, 1, 'contact', NULL, NULL, 'San Francisco', 'admin@yourcompany.example', NULL, NULL, true, false, false, '2024-01-01 08:00:00', '2024-05-04 12:00:00', 'My Company (San Francisco), Mitchell Admin'),
 (7, 'Acme SA', NULL, 75, NULL, 'contact', '1 rue de la Paix', '75001', 'Paris', 'info@acme.example', '+33 1 23', 'https://acme.example', true, true, true, '2024-05-01 12:00:00', '2024-05-01 12:00:00', 'Acme SA'),
 (8, 'Jane Doe', 7, 75, NULL, 'contact', NULL, NULL, 'Paris', 'jane@acme.example', NULL, NULL, true, false, true, '2024-05-02 12:00:00', '2024-05-02 12:00:00', 'Acme SA, Jane Doe'),
 (9, 'Archived Co', NULL, NULL, NULL, 'contact', NULL, NULL, NULL, NULL, NULL, NULL, false, true, true, '2024-05-03 12:00:00', '2024-05-03 12:00:00', 'Archived Co'),
 (10, 'Pat Orphan', 9, NULL, NULL, 'contact', NULL, NULL, NULL, 'pat@archived.example', NULL, NULL, true, false, true, '2024-05-03 12:00:00', '2024-05-03 12:00:00', 'Archived Co, Pat Orphan'),
 (11, 'Marc Demo', NULL, NULL, NULL, 'contact', NULL, NULL, NULL, 'mark.brown23@example.com', NULL, NULL, true, false, false, '2024-01-01 08:00:00', '2024-01-01 08:00:00', 'Marc Demo'),
 (12, 'Joel Portal', 7, NULL, NULL, 'contact', NULL, NULL, NULL, 'joel@acme.example', NULL, NULL, true, false, true, '2024-01-01 08:00:00', '2024-01-01 08:00:00', 'Acme SA, Joel Portal');
UPDATE res_partner SET function = 'CFO', mobile = '+33 6 00' WHERE id = 8;
INSERT INTO res_company (id, name, partner_id, currency_id, sequence, active, create_date, write_date) VALUES (1, 'My Company (San Francisco)', 1, 2, 10, true, '2024-01-01 08:00:00', '2024-01-01 08:00:00');
INSERT INTO res_users (id, company_id, partner_id, active, login, password, share, notification_type, create_date, write_date, signature) VALUES
 (1, 1, 2, false, '__system__', NULL, false, 'email', '2024-01-01 08:00:00', '2024-01-01 08:00:00', NULL),
 (2, 1, 3, true, 'admin', '$pbkdf2-sha512$600000$notarealhash', false, 'email', '2024-01-01 08:00:00', '2024-05-05 12:00:00', '{"en_US": "<span>-- <br/>Mitchell Admin</span>"}'),
 (6, 1, 11, true, 'demo', '$pbkdf2-sha512$600000$notarealhash2', false, 'email', '2024-01-01 08:00:00', '2024-01-01 08:00:00', NULL),
 (7, 1, 12, true, 'portal', '$pbkdf2-sha512$600000$notarealhash3', true, 'email', '2024-01-01 08:00:00', '2024-01-01 08:00:00', NULL),
 (8, 1, 10, false, 'pat', NULL, true, 'email', '2024-01-01 08:00:00', '2024-01-01 08:00:00', NULL);
INSERT INTO res_groups (id, name, share) VALUES (1, '{"en_US": "Internal User"}', false), (2, '{"en_US": "Settings"}', false), (10, '{"en_US": "Portal"}', true);
INSERT INTO res_groups_users_rel VALUES (1, 2), (2, 2), (1, 6), (10, 7);
INSERT INTO res_users_apikeys (id, name, user_id, scope, index, key, create_date, expiration_date) VALUES
 (1, 'ERP sync', 6, 'rpc', '1a2b3c4d', '$pbkdf2-sha512$600000$apikeynotreal', '2024-02-01 00:00:00', NULL),
 (2, 'Old script', 2, NULL, '9f8e7d6c', '$pbkdf2-sha512$600000$apikeynotreal2', '2023-02-01 00:00:00', '2030-01-01 00:00:00');
INSERT INTO ir_model (id, model, name, state, transient) VALUES (1, 'res.partner', '{"en_US": "Contact"}', 'base', false), (2, 'mail.mail', '{"en_US": "Outgoing Mails"}', 'base', false),
 (3, 'crm.lead', '{"en_US": "Lead/Opportunity"}', 'base', false);
INSERT INTO ir_act_server (id, name, type, usage, model_id, model_name, state, code) VALUES
 (10, '{"en_US": "Mail: Email Queue Manager"}', 'ir.actions.server', 'ir_cron', 2, 'mail.mail', 'code', 'model.process_email_queue()'),
 (11, '{"en_US": "Lead Scoring: Probability Frequencies"}', 'ir.actions.server', 'ir_cron', 3, 'crm.lead', 'code', 'model._cron_update_automated_probabilities()'),
 (12, '{"en_US": "Base: Auto-vacuum internal data"}', 'ir.actions.server', 'ir_cron', 1, 'res.partner', 'code', 'model._run_vacuum_cleaner()');
INSERT INTO ir_cron (id, ir_actions_server_id, cron_name, user_id, interval_number, interval_type, numbercall, priority, nextcall, lastcall, active, doall) VALUES
 (1, 10, 'Mail: Email Queue Manager', 1, 1, 'hours', -1, 10, '2024-06-01 01:00:00', '2024-06-01 00:00:00', true, false),
 (2, 11, 'Lead Scoring: Probability Frequencies', 1, 1, 'days', -1, 5, '2024-06-02 00:00:00', NULL, false, false),
 (3, 12, 'Base: Auto-vacuum internal data', 1, 1, 'days', -1, 5, '2024-06-02 03:00:00', '2024-06-01 03:00:00', true, false);
INSERT INTO ir_mail_server (id, sequence, smtp_port, name, smtp_host, smtp_authentication, smtp_user, smtp_pass, smtp_encryption, active, smtp_ssl_certificate) VALUES
 (1, 10, 587, 'Company relay', 'smtp.yourcompany.example', 'login', 'odoo', 'not-a-real-password', 'starttls', true, '\x2d2d2d2d2d424547494e'::bytea);
INSERT INTO fetchmail_server (id, port, object_id, priority, name, state, server, server_type, "user", password, is_ssl, attach, original, active, date) VALUES
 (1, 993, 3, 5, 'Sales inbox', 'done', 'imap.yourcompany.example', 'imap', 'sales', 'not-a-real-password', true, true, false, true, '2024-06-01 00:00:00');
INSERT INTO auth_oauth_provider (id, sequence, client_id, auth_endpoint, scope, validation_endpoint, css_class, name, body, enabled) VALUES
 (3, 10, 'client-id-not-real', 'https://accounts.google.com/o/oauth2/auth', 'openid profile email', 'https://www.googleapis.com/oauth2/v3/userinfo', 'fa fa-fw fa-google', '{"en_US": "Google OAuth2"}', '{"en_US": "Log in with Google"}', true);
INSERT INTO base_automation (id, model_id, name, trigger, webhook_uuid, url, active) VALUES
 (1, 3, '{"en_US": "Push won deals to ERP"}', 'on_webhook', 'd0c1c8b5-8f50-4a5e-9b8a-5b6f8bd7a9c1', 'https://erp.example/hook', true);
INSERT INTO crm_team (id, sequence, company_id, user_id, name, active, use_leads, use_opportunities) VALUES (1, 10, 1, 2, '{"en_US": "Sales"}', true, true, true);
INSERT INTO crm_stage (id, sequence, team_id, name, is_won, fold) VALUES (1, 1, NULL, '{"en_US": "New", "fr_FR": "Nouveau"}', false, false), (2, 2, NULL, '{"en_US": "Qualified"}', false, false),
 (4, 70, NULL, '{"en_US": "Won"}', true, false);
INSERT INTO crm_lost_reason (id, name, active) VALUES (1, '{"en_US": "Too expensive"}', true);
INSERT INTO crm_tag (id, color, name) VALUES (1, 1, '{"en_US": "Product"}');
INSERT INTO crm_lead (id, user_id, team_id, company_id, stage_id, partner_id, name, type, priority, contact_name, partner_name, email_from, phone, date_deadline, expected_revenue, probability, active, create_date, write_date, country_id, lost_reason_id) VALUES
 (1, NULL, 1, 1, 1, NULL, 'Website inquiry', 'lead', '0', 'Paul Prospect', 'Prospect SARL', 'lead@prospect.example', '+33 1 99', NULL, 0, 10, true, '2024-06-01 09:00:00', '2024-06-01 09:00:00', 75, NULL),
 (2, 2, 1, 1, 4, 7, 'Big deal', 'opportunity', '2', NULL, NULL, NULL, NULL, '2025-06-30', 12500.50, 100, true, '2024-06-02 09:00:00', '2024-06-02 09:00:00', 75, NULL),
 (3, 2, 1, 1, 1, 7, 'Archived deal', 'opportunity', '0', NULL, NULL, NULL, NULL, NULL, 99, 0, false, '2024-06-03 09:00:00', '2024-06-03 09:00:00', NULL, 1);
INSERT INTO crm_tag_rel VALUES (2, 1);
INSERT INTO mail_message_subtype (id, name, internal, "default", sequence, hidden) VALUES (1, '{"en_US": "Discussions"}', false, true, 0, false), (2, '{"en_US": "Note"}', true, false, 100, false);
INSERT INTO mail_message (id, res_id, subtype_id, author_id, subject, model, record_name, message_type, email_from, message_id, body, is_internal, date, create_date, write_date) VALUES
 (1, 2, 2, 3, NULL, 'crm.lead', 'Big deal', 'comment', '"Mitchell Admin" <admin@yourcompany.example>', '<1@odoo>', '<p>Called, they want a demo.</p>', true, '2024-06-02 10:00:00', '2024-06-02 10:00:00', '2024-06-02 10:00:00'),
 (2, 2, 1, 3, NULL, 'crm.lead', 'Big deal', 'notification', NULL, '<2@odoo>', '', false, '2024-06-02 10:01:00', '2024-06-02 10:01:00', '2024-06-02 10:01:00');
INSERT INTO mail_tracking_value (id, mail_message_id, old_value_char, new_value_char, old_value_integer, new_value_integer) VALUES (1, 2, 'New', 'Won', 1, 4);
INSERT INTO mail_followers (id, res_id, partner_id, res_model) VALUES (1, 2, 3, 'crm.lead');
INSERT INTO ir_attachment (id, res_id, name, res_model, type, store_fname, checksum, mimetype, file_size, public, create_date, write_date, db_datas) VALUES
 (1, 2, 'proposal.pdf', 'crm.lead', 'binary', 'ab/ab3f0c9e8d1a2b3c4d5e6f708192a3b4c5d6e7f8', 'ab3f0c9e8d1a2b3c4d5e6f708192a3b4c5d6e7f8', 'application/pdf', 1024, false, '2024-06-02 10:05:00', '2024-06-02 10:05:00', NULL),
 (2, 7, 'logo.png', 'res.partner', 'binary', NULL, '0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5', 'image/png', 8, false, '2024-06-02 10:06:00', '2024-06-02 10:06:00', '\x89504e470d0a1a0a'::bytea);
INSERT INTO ir_config_parameter (id, key, value) VALUES (1, 'web.base.url', 'http://localhost:8069'), (2, 'database.uuid', '6f5d1a9e-0000-4000-8000-000000000001');
INSERT INTO ir_sequence (id, number_next, number_increment, padding, name, code, implementation, prefix, active) VALUES (1, 1, 1, 5, 'Lead', 'crm.lead', 'standard', 'L', true);
SELECT setval('res_partner_id_seq', 20), setval('res_users_id_seq', 20), setval('crm_lead_id_seq', 10);
