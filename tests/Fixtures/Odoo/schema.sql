-- An Odoo 17 (PostgreSQL) database, shaped like a real installation's: tables, columns and types as Odoo's ORM
-- creates them for the base, mail, crm, fetchmail, auth_oauth and base_automation modules (serial ids, jsonb
-- translated names, timestamp without time zone in UTC, date columns, bytea attachments, m2m relation tables,
-- a SQL view like the reports Odoo defines), trimmed to what a decommission deals with plus tables no profile
-- entity reads. Written by hand for CrmMigration's tests; no Odoo code.
CREATE TABLE res_currency (id serial PRIMARY KEY, name varchar NOT NULL, symbol varchar NOT NULL, rounding numeric, decimal_places integer, active boolean,
  position varchar, currency_unit_label varchar, create_uid integer, write_uid integer, create_date timestamp, write_date timestamp);
CREATE TABLE res_country (id serial PRIMARY KEY, code varchar(2), address_format text, phone_code integer, currency_id integer REFERENCES res_currency(id), name jsonb NOT NULL,
  create_uid integer, write_uid integer, create_date timestamp, write_date timestamp);
CREATE TABLE res_country_state (id serial PRIMARY KEY, country_id integer NOT NULL REFERENCES res_country(id), name varchar NOT NULL, code varchar NOT NULL,
  create_uid integer, write_uid integer, create_date timestamp, write_date timestamp);
CREATE TABLE res_partner (id serial PRIMARY KEY, company_id integer, create_date timestamp, name varchar, title integer, parent_id integer REFERENCES res_partner(id) ON DELETE SET NULL,
  user_id integer, state_id integer REFERENCES res_country_state(id), country_id integer REFERENCES res_country(id), industry_id integer, color integer, commercial_partner_id integer,
  create_uid integer, write_uid integer, complete_name varchar, ref varchar, lang varchar, tz varchar, vat varchar, company_registry varchar, website varchar, function varchar,
  type varchar, street varchar, street2 varchar, zip varchar, city varchar, email varchar, phone varchar, mobile varchar, commercial_company_name varchar, company_name varchar,
  date date, comment text, partner_latitude numeric(10,7), partner_longitude numeric(10,7), active boolean, employee boolean, is_company boolean, partner_share boolean,
  write_date timestamp, message_bounce integer, email_normalized varchar, signup_type varchar);
CREATE INDEX res_partner_parent_id_index ON res_partner (parent_id);
CREATE TABLE res_company (id serial PRIMARY KEY, name varchar NOT NULL, partner_id integer NOT NULL REFERENCES res_partner(id), currency_id integer NOT NULL REFERENCES res_currency(id),
  sequence integer, create_date timestamp, parent_path varchar, email varchar, phone varchar, active boolean, create_uid integer, write_uid integer, write_date timestamp);
CREATE TABLE res_users (id serial PRIMARY KEY, company_id integer NOT NULL REFERENCES res_company(id), partner_id integer NOT NULL REFERENCES res_partner(id), active boolean DEFAULT true,
  create_date timestamp, login varchar NOT NULL, password varchar, action_id integer, create_uid integer, write_uid integer, signature jsonb, share boolean, write_date timestamp,
  totp_secret varchar, notification_type varchar NOT NULL, odoobot_state varchar, odoobot_failed boolean, sale_team_id integer, CONSTRAINT res_users_login_key UNIQUE (login));
CREATE TABLE res_groups (id serial PRIMARY KEY, name jsonb NOT NULL, category_id integer, color integer, create_uid integer, write_uid integer, comment jsonb, share boolean,
  create_date timestamp, write_date timestamp);
CREATE TABLE res_groups_users_rel (gid integer NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE, uid integer NOT NULL REFERENCES res_users(id) ON DELETE CASCADE, PRIMARY KEY (gid, uid));
CREATE TABLE res_users_apikeys (id serial PRIMARY KEY, name varchar NOT NULL, user_id integer NOT NULL REFERENCES res_users(id) ON DELETE CASCADE, scope varchar,
  index varchar(8) NOT NULL, key varchar NOT NULL, create_date timestamp without time zone DEFAULT (now() at time zone 'utc'), expiration_date timestamp without time zone);
CREATE INDEX res_users_apikeys_user_id_index_idx ON res_users_apikeys (user_id, index);
CREATE TABLE ir_model (id serial PRIMARY KEY, model varchar NOT NULL, name jsonb NOT NULL, state varchar, info text, transient boolean, create_uid integer, write_uid integer,
  create_date timestamp, write_date timestamp);
CREATE TABLE ir_act_server (id serial PRIMARY KEY, name jsonb NOT NULL, type varchar NOT NULL, usage varchar NOT NULL, model_id integer NOT NULL REFERENCES ir_model(id),
  model_name varchar, state varchar NOT NULL, code text, create_uid integer, write_uid integer, create_date timestamp, write_date timestamp);
CREATE TABLE ir_cron (id serial PRIMARY KEY, ir_actions_server_id integer NOT NULL REFERENCES ir_act_server(id) ON DELETE RESTRICT, cron_name varchar, user_id integer NOT NULL REFERENCES res_users(id),
  interval_number integer NOT NULL, interval_type varchar NOT NULL, numbercall integer NOT NULL, priority integer, create_uid integer, write_uid integer, nextcall timestamp NOT NULL,
  lastcall timestamp, create_date timestamp, write_date timestamp, active boolean, doall boolean);
CREATE TABLE ir_mail_server (id serial PRIMARY KEY, sequence integer, smtp_port integer, create_uid integer, write_uid integer, name varchar NOT NULL, from_filter varchar,
  smtp_host varchar, smtp_authentication varchar NOT NULL, smtp_user varchar, smtp_pass varchar, smtp_encryption varchar NOT NULL, smtp_ssl_certificate bytea,
  smtp_ssl_private_key bytea, smtp_debug boolean, active boolean, create_date timestamp, write_date timestamp);
CREATE TABLE fetchmail_server (id serial PRIMARY KEY, port integer, object_id integer REFERENCES ir_model(id), priority integer, create_uid integer, write_uid integer,
  name varchar NOT NULL, state varchar, server varchar, server_type varchar NOT NULL, "user" varchar, password varchar, script varchar, configuration text,
  date timestamp, is_ssl boolean, attach boolean, original boolean, active boolean, create_date timestamp, write_date timestamp);
CREATE TABLE auth_oauth_provider (id serial PRIMARY KEY, sequence integer, create_uid integer, write_uid integer, client_id varchar, auth_endpoint varchar NOT NULL,
  scope varchar, validation_endpoint varchar NOT NULL, data_endpoint varchar, css_class varchar, name jsonb NOT NULL, body jsonb NOT NULL, enabled boolean,
  create_date timestamp, write_date timestamp);
CREATE TABLE base_automation (id serial PRIMARY KEY, model_id integer NOT NULL REFERENCES ir_model(id) ON DELETE CASCADE, trg_date_id integer, trg_date_range integer,
  trg_date_calendar_id integer, create_uid integer, write_uid integer, name jsonb NOT NULL, trigger varchar NOT NULL, trg_date_range_type varchar, filter_pre_domain varchar,
  filter_domain varchar, webhook_uuid varchar, url varchar, description text, active boolean, log_webhook_calls boolean, last_run timestamp, create_date timestamp, write_date timestamp);
CREATE TABLE crm_team (id serial PRIMARY KEY, sequence integer, company_id integer REFERENCES res_company(id), user_id integer REFERENCES res_users(id), color integer,
  create_uid integer, write_uid integer, name jsonb NOT NULL, active boolean, create_date timestamp, write_date timestamp, use_leads boolean, use_opportunities boolean);
CREATE TABLE crm_stage (id serial PRIMARY KEY, sequence integer, team_id integer REFERENCES crm_team(id), create_uid integer, write_uid integer, name jsonb NOT NULL,
  requirements text, is_won boolean, fold boolean, create_date timestamp, write_date timestamp);
CREATE TABLE crm_lost_reason (id serial PRIMARY KEY, create_uid integer, write_uid integer, name jsonb NOT NULL, active boolean, create_date timestamp, write_date timestamp);
CREATE TABLE crm_tag (id serial PRIMARY KEY, color integer, create_uid integer, write_uid integer, name jsonb NOT NULL, create_date timestamp, write_date timestamp);
CREATE TABLE crm_lead (id serial PRIMARY KEY, campaign_id integer, source_id integer, medium_id integer, message_bounce integer, user_id integer REFERENCES res_users(id) ON DELETE SET NULL,
  team_id integer REFERENCES crm_team(id), company_id integer REFERENCES res_company(id), stage_id integer REFERENCES crm_stage(id), color integer, recurring_plan integer,
  partner_id integer REFERENCES res_partner(id) ON DELETE SET NULL, title integer, lang_id integer, state_id integer REFERENCES res_country_state(id), country_id integer REFERENCES res_country(id),
  lost_reason_id integer REFERENCES crm_lost_reason(id), create_uid integer, write_uid integer, phone_sanitized varchar, email_normalized varchar, email_cc text, name varchar NOT NULL,
  referred varchar, description text, type varchar NOT NULL, priority varchar, contact_name varchar, partner_name varchar, function varchar, email_from varchar, phone varchar,
  mobile varchar, phone_state varchar, email_state varchar, website varchar, street varchar, street2 varchar, zip varchar, city varchar, date_deadline date, lead_properties jsonb,
  date_closed timestamp, date_action_last timestamp, date_open timestamp, date_last_stage_update timestamp, date_conversion timestamp, create_date timestamp, write_date timestamp,
  expected_revenue numeric, prorated_revenue numeric, recurring_revenue numeric, recurring_revenue_monthly numeric, recurring_revenue_monthly_prorated numeric,
  recurring_revenue_prorated numeric, day_open double precision, day_close double precision, probability double precision, automated_probability double precision, active boolean);
CREATE TABLE crm_tag_rel (lead_id integer NOT NULL REFERENCES crm_lead(id) ON DELETE CASCADE, tag_id integer NOT NULL REFERENCES crm_tag(id) ON DELETE CASCADE, PRIMARY KEY (lead_id, tag_id));
CREATE TABLE mail_message_subtype (id serial PRIMARY KEY, name jsonb NOT NULL, description jsonb, internal boolean, res_model varchar, "default" boolean, sequence integer, hidden boolean,
  create_uid integer, write_uid integer, create_date timestamp, write_date timestamp);
CREATE TABLE mail_message (id serial PRIMARY KEY, parent_id integer REFERENCES mail_message(id) ON DELETE SET NULL, res_id integer, record_alias_domain_id integer,
  record_company_id integer, subtype_id integer REFERENCES mail_message_subtype(id), mail_activity_type_id integer, author_id integer REFERENCES res_partner(id) ON DELETE SET NULL,
  author_guest_id integer, mail_server_id integer, create_uid integer, write_uid integer, subject varchar, model varchar, record_name varchar, message_type varchar NOT NULL,
  email_from varchar, message_id varchar, reply_to varchar, email_layout_xmlid varchar, body text, is_internal boolean, reply_to_force_new boolean, email_add_signature boolean,
  date timestamp, create_date timestamp, write_date timestamp);
CREATE INDEX mail_message_model_res_id_idx ON mail_message (model, res_id);
CREATE TABLE mail_tracking_value (id serial PRIMARY KEY, field_id integer, old_value_integer integer, new_value_integer integer, currency_id integer,
  mail_message_id integer NOT NULL REFERENCES mail_message(id) ON DELETE CASCADE, create_uid integer, write_uid integer, old_value_char varchar, new_value_char varchar,
  old_value_text text, new_value_text text, old_value_datetime timestamp, new_value_datetime timestamp, old_value_float double precision, new_value_float double precision,
  create_date timestamp, write_date timestamp);
CREATE TABLE mail_followers (id serial PRIMARY KEY, res_id integer, partner_id integer NOT NULL REFERENCES res_partner(id) ON DELETE CASCADE, res_model varchar NOT NULL);
CREATE TABLE ir_attachment (id serial PRIMARY KEY, res_id integer, company_id integer, file_size integer, original_id integer, create_uid integer, write_uid integer,
  name varchar NOT NULL, res_model varchar, res_field varchar, type varchar NOT NULL, url varchar(1024), access_token varchar, store_fname varchar, checksum varchar(40),
  mimetype varchar, description text, index_content text, public boolean, create_date timestamp, write_date timestamp, db_datas bytea);
CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, create_uid integer, write_uid integer, key varchar NOT NULL UNIQUE, value text NOT NULL, create_date timestamp, write_date timestamp);
CREATE TABLE ir_sequence (id serial PRIMARY KEY, number_next integer NOT NULL, number_increment integer NOT NULL, padding integer NOT NULL, company_id integer, create_uid integer,
  write_uid integer, name varchar NOT NULL, code varchar, implementation varchar NOT NULL, prefix varchar, suffix varchar, active boolean, use_date_range boolean,
  create_date timestamp, write_date timestamp);
CREATE SEQUENCE ir_sequence_001 INCREMENT BY 1 START WITH 1;
CREATE VIEW crm_activity_report AS
  SELECT m.id, m.create_date, m.author_id, l.user_id, l.team_id, l.stage_id, l.partner_id, m.subject, m.date, l.type AS lead_type, l.active
  FROM mail_message m JOIN crm_lead l ON m.res_id = l.id WHERE m.model = 'crm.lead';
