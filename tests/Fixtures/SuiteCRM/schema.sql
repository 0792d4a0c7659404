-- A SuiteCRM 7 (MariaDB) database, shaped like a real installation's: the tables, columns, types, defaults and
-- indexes below follow SuiteCRM 7's vardefs as its installer creates them (char(36) ids, tinyint(1) flags,
-- deleted = soft delete, datetime in UTC, *_audit tables, *_cstm custom-field tables), trimmed to the tables a
-- decommission must deal with plus a dozen that no profile entity reads. Written by hand for CrmMigration's tests;
-- no SuiteCRM code. A real install has about 218 tables; the same kinds are all represented here.
SET NAMES utf8mb4;
CREATE TABLE users (
  id char(36) NOT NULL, user_name varchar(60) DEFAULT NULL, user_hash varchar(255) DEFAULT NULL, system_generated_password tinyint(1) DEFAULT NULL,
  pwd_last_changed datetime DEFAULT NULL, authenticate_id varchar(100) DEFAULT NULL, sugar_login tinyint(1) DEFAULT 1, first_name varchar(255) DEFAULT NULL,
  last_name varchar(255) DEFAULT NULL, is_admin tinyint(1) DEFAULT 0, external_auth_only tinyint(1) DEFAULT 0, receive_notifications tinyint(1) DEFAULT 1,
  description text, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL, created_by char(36) DEFAULT NULL,
  title varchar(50) DEFAULT NULL, photo varchar(255) DEFAULT NULL, department varchar(50) DEFAULT NULL, phone_home varchar(50) DEFAULT NULL, phone_mobile varchar(50) DEFAULT NULL,
  phone_work varchar(50) DEFAULT NULL, phone_other varchar(50) DEFAULT NULL, phone_fax varchar(50) DEFAULT NULL, status varchar(100) DEFAULT NULL,
  address_street varchar(150) DEFAULT NULL, address_city varchar(100) DEFAULT NULL, address_state varchar(100) DEFAULT NULL, address_country varchar(100) DEFAULT NULL,
  address_postalcode varchar(20) DEFAULT NULL, deleted tinyint(1) DEFAULT NULL, portal_only tinyint(1) DEFAULT 0, show_on_employees tinyint(1) DEFAULT 1,
  employee_status varchar(100) DEFAULT NULL, messenger_id varchar(100) DEFAULT NULL, messenger_type varchar(100) DEFAULT NULL, reports_to_id char(36) DEFAULT NULL,
  is_group tinyint(1) DEFAULT NULL, factor_auth tinyint(1) DEFAULT NULL, factor_auth_interface varchar(255) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_user_name (user_name, is_group, status, last_name(30), first_name(30), id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE user_preferences (
  id char(36) NOT NULL, category varchar(50) DEFAULT NULL, deleted tinyint(1) DEFAULT 0, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL,
  assigned_user_id char(36) DEFAULT NULL, contents longtext, PRIMARY KEY (id), KEY idx_userprefnamecat (assigned_user_id, category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE accounts (
  id char(36) NOT NULL, name varchar(150) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, account_type varchar(50) DEFAULT NULL,
  industry varchar(50) DEFAULT NULL, annual_revenue varchar(100) DEFAULT NULL, phone_fax varchar(100) DEFAULT NULL, billing_address_street varchar(150) DEFAULT NULL,
  billing_address_city varchar(100) DEFAULT NULL, billing_address_state varchar(100) DEFAULT NULL, billing_address_postalcode varchar(20) DEFAULT NULL,
  billing_address_country varchar(255) DEFAULT NULL, rating varchar(100) DEFAULT NULL, phone_office varchar(100) DEFAULT NULL, phone_alternate varchar(100) DEFAULT NULL,
  website varchar(255) DEFAULT NULL, ownership varchar(100) DEFAULT NULL, employees varchar(10) DEFAULT NULL, ticker_symbol varchar(10) DEFAULT NULL,
  shipping_address_street varchar(150) DEFAULT NULL, shipping_address_city varchar(100) DEFAULT NULL, shipping_address_state varchar(100) DEFAULT NULL,
  shipping_address_postalcode varchar(20) DEFAULT NULL, shipping_address_country varchar(255) DEFAULT NULL, parent_id char(36) DEFAULT NULL, sic_code varchar(10) DEFAULT NULL,
  campaign_id char(36) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_accnt_id_del (id, deleted), KEY idx_accnt_name_del (name, deleted), KEY idx_accnt_assigned_del (deleted, assigned_user_id), KEY idx_accnt_parent_id (parent_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE accounts_cstm (id_c char(36) NOT NULL, jjwg_maps_lng_c float(11,8) DEFAULT 0.00000000, jjwg_maps_lat_c float(10,8) DEFAULT 0.00000000,
  jjwg_maps_geocode_status_c varchar(255) DEFAULT NULL, jjwg_maps_address_c varchar(255) DEFAULT NULL, PRIMARY KEY (id_c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE accounts_audit (
  id char(36) NOT NULL, parent_id char(36) NOT NULL, date_created datetime DEFAULT NULL, created_by varchar(36) DEFAULT NULL, field_name varchar(100) DEFAULT NULL,
  data_type varchar(100) DEFAULT NULL, before_value_string varchar(255) DEFAULT NULL, after_value_string varchar(255) DEFAULT NULL, before_value_text text, after_value_text text,
  PRIMARY KEY (id), KEY idx_accounts_parent_id (parent_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE contacts (
  id char(36) NOT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL, created_by char(36) DEFAULT NULL,
  description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, salutation varchar(255) DEFAULT NULL, first_name varchar(100) DEFAULT NULL,
  last_name varchar(100) DEFAULT NULL, title varchar(100) DEFAULT NULL, photo varchar(255) DEFAULT NULL, department varchar(255) DEFAULT NULL, do_not_call tinyint(1) DEFAULT 0,
  phone_home varchar(100) DEFAULT NULL, phone_mobile varchar(100) DEFAULT NULL, phone_work varchar(100) DEFAULT NULL, phone_other varchar(100) DEFAULT NULL,
  phone_fax varchar(100) DEFAULT NULL, lawful_basis text, date_reviewed date DEFAULT NULL, lawful_basis_source varchar(100) DEFAULT NULL,
  primary_address_street varchar(150) DEFAULT NULL, primary_address_city varchar(100) DEFAULT NULL, primary_address_state varchar(100) DEFAULT NULL,
  primary_address_postalcode varchar(20) DEFAULT NULL, primary_address_country varchar(255) DEFAULT NULL, alt_address_street varchar(150) DEFAULT NULL,
  alt_address_city varchar(100) DEFAULT NULL, alt_address_state varchar(100) DEFAULT NULL, alt_address_postalcode varchar(20) DEFAULT NULL, alt_address_country varchar(255) DEFAULT NULL,
  assistant varchar(75) DEFAULT NULL, assistant_phone varchar(100) DEFAULT NULL, lead_source varchar(255) DEFAULT NULL, reports_to_id char(36) DEFAULT NULL,
  birthdate date DEFAULT NULL, campaign_id char(36) DEFAULT NULL, joomla_account_id varchar(255) DEFAULT NULL, portal_account_disabled tinyint(1) DEFAULT NULL,
  portal_user_type varchar(100) DEFAULT 'Single',
  PRIMARY KEY (id), KEY idx_cont_last_first (last_name, first_name, deleted), KEY idx_contacts_del_last (deleted, last_name), KEY idx_reports_to_id (reports_to_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE contacts_cstm (id_c char(36) NOT NULL, jjwg_maps_lng_c float(11,8) DEFAULT 0.00000000, jjwg_maps_lat_c float(10,8) DEFAULT 0.00000000,
  jjwg_maps_geocode_status_c varchar(255) DEFAULT NULL, jjwg_maps_address_c varchar(255) DEFAULT NULL, PRIMARY KEY (id_c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE contacts_audit LIKE accounts_audit;
CREATE TABLE accounts_contacts (id varchar(36) NOT NULL, contact_id varchar(36) DEFAULT NULL, account_id varchar(36) DEFAULT NULL, date_modified datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_account_contact (account_id, contact_id), KEY idx_contid_del_accid (contact_id, deleted, account_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE email_addresses (
  id char(36) NOT NULL, email_address varchar(255) DEFAULT NULL, email_address_caps varchar(255) DEFAULT NULL, invalid_email tinyint(1) DEFAULT 0, opt_out tinyint(1) DEFAULT 0,
  confirm_opt_in varchar(255) DEFAULT 'not-opt-in', confirm_opt_in_date datetime DEFAULT NULL, confirm_opt_in_sent_date datetime DEFAULT NULL,
  confirm_opt_in_fail_date datetime DEFAULT NULL, confirm_opt_in_token varchar(255) DEFAULT NULL, date_created datetime DEFAULT NULL, date_modified datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_ea_caps_opt_out_invalid (email_address_caps, opt_out, invalid_email), KEY idx_ea_opt_out_invalid (email_address, opt_out, invalid_email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE email_addr_bean_rel (
  id char(36) NOT NULL, email_address_id char(36) NOT NULL, bean_id char(36) DEFAULT NULL, bean_module varchar(100) DEFAULT NULL, primary_address tinyint(1) DEFAULT 0,
  reply_to_address tinyint(1) DEFAULT 0, date_created datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, deleted tinyint(1) DEFAULT 0,
  PRIMARY KEY (id), KEY idx_email_address_id (email_address_id), KEY idx_bean_id (bean_id, bean_module)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE leads (
  id char(36) NOT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL, created_by char(36) DEFAULT NULL,
  description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, salutation varchar(255) DEFAULT NULL, first_name varchar(100) DEFAULT NULL,
  last_name varchar(100) DEFAULT NULL, title varchar(100) DEFAULT NULL, photo varchar(255) DEFAULT NULL, department varchar(100) DEFAULT NULL, do_not_call tinyint(1) DEFAULT 0,
  phone_home varchar(100) DEFAULT NULL, phone_mobile varchar(100) DEFAULT NULL, phone_work varchar(100) DEFAULT NULL, phone_other varchar(100) DEFAULT NULL,
  phone_fax varchar(100) DEFAULT NULL, lawful_basis text, date_reviewed date DEFAULT NULL, lawful_basis_source varchar(100) DEFAULT NULL,
  primary_address_street varchar(150) DEFAULT NULL, primary_address_city varchar(100) DEFAULT NULL, primary_address_state varchar(100) DEFAULT NULL,
  primary_address_postalcode varchar(20) DEFAULT NULL, primary_address_country varchar(255) DEFAULT NULL, alt_address_street varchar(150) DEFAULT NULL,
  alt_address_city varchar(100) DEFAULT NULL, alt_address_state varchar(100) DEFAULT NULL, alt_address_postalcode varchar(20) DEFAULT NULL, alt_address_country varchar(255) DEFAULT NULL,
  assistant varchar(75) DEFAULT NULL, assistant_phone varchar(100) DEFAULT NULL, converted tinyint(1) DEFAULT 0, refered_by varchar(100) DEFAULT NULL,
  lead_source varchar(100) DEFAULT NULL, lead_source_description text, status varchar(100) DEFAULT NULL, status_description text, reports_to_id char(36) DEFAULT NULL,
  account_name varchar(255) DEFAULT NULL, account_description text, contact_id char(36) DEFAULT NULL, account_id char(36) DEFAULT NULL, opportunity_id char(36) DEFAULT NULL,
  opportunity_name varchar(255) DEFAULT NULL, opportunity_amount varchar(50) DEFAULT NULL, campaign_id char(36) DEFAULT NULL, birthdate date DEFAULT NULL,
  portal_name varchar(255) DEFAULT NULL, portal_app varchar(255) DEFAULT NULL, website varchar(255) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_lead_acct_name_first (account_name, deleted), KEY idx_lead_del_stat (last_name, status, deleted, first_name), KEY idx_lead_contact (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE leads_cstm (id_c char(36) NOT NULL, jjwg_maps_lng_c float(11,8) DEFAULT 0.00000000, jjwg_maps_lat_c float(10,8) DEFAULT 0.00000000,
  jjwg_maps_geocode_status_c varchar(255) DEFAULT NULL, jjwg_maps_address_c varchar(255) DEFAULT NULL, PRIMARY KEY (id_c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE leads_audit LIKE accounts_audit;
CREATE TABLE opportunities (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, opportunity_type varchar(255) DEFAULT NULL,
  campaign_id char(36) DEFAULT NULL, lead_source varchar(50) DEFAULT NULL, amount double DEFAULT NULL, amount_usdollar double DEFAULT NULL, currency_id char(36) DEFAULT NULL,
  date_closed date DEFAULT NULL, next_step varchar(100) DEFAULT NULL, sales_stage varchar(255) DEFAULT NULL, probability double DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_opp_name (name), KEY idx_opp_assigned (assigned_user_id), KEY idx_opp_id_deleted (id, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE opportunities_cstm (id_c char(36) NOT NULL, PRIMARY KEY (id_c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE opportunities_audit LIKE accounts_audit;
CREATE TABLE accounts_opportunities (id varchar(36) NOT NULL, opportunity_id varchar(36) DEFAULT NULL, account_id varchar(36) DEFAULT NULL, date_modified datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_account_opportunity (account_id, opportunity_id), KEY idx_oppid_del_accid (opportunity_id, deleted, account_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE opportunities_contacts (id varchar(36) NOT NULL, contact_id varchar(36) DEFAULT NULL, opportunity_id varchar(36) DEFAULT NULL, contact_role varchar(50) DEFAULT NULL,
  date_modified datetime DEFAULT NULL, deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_con_opp_con (contact_id), KEY idx_con_opp_opp (opportunity_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE cases (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, case_number int(11) NOT NULL AUTO_INCREMENT,
  type varchar(255) DEFAULT NULL, status varchar(100) DEFAULT NULL, priority varchar(100) DEFAULT NULL, resolution text, work_log text, account_id char(36) DEFAULT NULL,
  state varchar(100) DEFAULT 'Open', contact_created_by_id char(36) DEFAULT NULL,
  PRIMARY KEY (id), UNIQUE KEY casesnumk (case_number), KEY idx_case_name (name), KEY idx_account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE cases_cstm (id_c char(36) NOT NULL, PRIMARY KEY (id_c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE cases_audit LIKE accounts_audit;
CREATE TABLE campaigns (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, tracker_key int(11) NOT NULL AUTO_INCREMENT, tracker_count int(11) DEFAULT 0,
  refer_url varchar(255) DEFAULT 'http://', tracker_text varchar(255) DEFAULT NULL, start_date date DEFAULT NULL, end_date date DEFAULT NULL, status varchar(100) DEFAULT NULL,
  impressions int(11) DEFAULT 0, currency_id char(36) DEFAULT NULL, budget double DEFAULT NULL, expected_cost double DEFAULT NULL, actual_cost double DEFAULT NULL,
  expected_revenue double DEFAULT NULL, campaign_type varchar(100) DEFAULT NULL, objective text, content text, frequency varchar(100) DEFAULT NULL, survey_id char(36) DEFAULT NULL,
  PRIMARY KEY (id), KEY camp_auto_tracker_key (tracker_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE aos_contracts (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, reference_code varchar(255) DEFAULT NULL,
  start_date date DEFAULT NULL, end_date date DEFAULT NULL, total_contract_value decimal(26,6) DEFAULT NULL, total_contract_value_usdollar decimal(26,6) DEFAULT NULL,
  currency_id char(36) DEFAULT NULL, status varchar(100) DEFAULT 'Not Started', customer_signed_date date DEFAULT NULL, company_signed_date date DEFAULT NULL,
  renewal_reminder_date datetime DEFAULT NULL, contract_type varchar(100) DEFAULT 'Type', contract_account_id char(36) DEFAULT NULL, opportunity_id char(36) DEFAULT NULL,
  contact_id char(36) DEFAULT NULL, call_id char(36) DEFAULT NULL, total_amt decimal(26,6) DEFAULT NULL, subtotal_amount decimal(26,6) DEFAULT NULL,
  discount_amount decimal(26,6) DEFAULT NULL, tax_amount decimal(26,6) DEFAULT NULL, shipping_amount decimal(26,6) DEFAULT NULL, shipping_tax varchar(100) DEFAULT NULL,
  shipping_tax_amt decimal(26,6) DEFAULT NULL, total_amount decimal(26,6) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE aos_quotes (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, deleted tinyint(1) DEFAULT 0,
  assigned_user_id char(36) DEFAULT NULL, approval_issue text, billing_account_id char(36) DEFAULT NULL, expiration date DEFAULT NULL, number int(11) NOT NULL,
  stage varchar(100) DEFAULT 'Draft', total_amount decimal(26,6) DEFAULT NULL, currency_id char(36) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE aos_invoices (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, deleted tinyint(1) DEFAULT 0,
  assigned_user_id char(36) DEFAULT NULL, billing_account_id char(36) DEFAULT NULL, number int(11) NOT NULL, total_amount decimal(26,6) DEFAULT NULL,
  currency_id char(36) DEFAULT NULL, quote_number int(11) DEFAULT NULL, quote_date date DEFAULT NULL, invoice_date date DEFAULT NULL, due_date date DEFAULT NULL,
  status varchar(100) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE calls (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, duration_hours int(2) DEFAULT NULL,
  duration_minutes int(2) DEFAULT NULL, date_start datetime DEFAULT NULL, date_end datetime DEFAULT NULL, parent_type varchar(255) DEFAULT NULL, status varchar(100) DEFAULT 'Planned',
  direction varchar(100) DEFAULT NULL, parent_id char(36) DEFAULT NULL, reminder_time int(11) DEFAULT -1, email_reminder_time int(11) DEFAULT -1, email_reminder_sent tinyint(1) DEFAULT 0,
  outlook_id varchar(255) DEFAULT NULL, repeat_type varchar(36) DEFAULT NULL, repeat_interval int(3) DEFAULT 1, repeat_dow varchar(7) DEFAULT NULL, repeat_until date DEFAULT NULL,
  repeat_count int(7) DEFAULT NULL, repeat_parent_id char(36) DEFAULT NULL, recurring_source varchar(36) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_call_name (name), KEY idx_status (status), KEY idx_calls_date_start (date_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE meetings (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, location varchar(50) DEFAULT NULL,
  password varchar(50) DEFAULT NULL, join_url varchar(200) DEFAULT NULL, host_url varchar(400) DEFAULT NULL, displayed_url varchar(400) DEFAULT NULL, creator varchar(50) DEFAULT NULL,
  external_id varchar(50) DEFAULT NULL, duration_hours int(3) DEFAULT NULL, duration_minutes int(2) DEFAULT NULL, date_start datetime DEFAULT NULL, date_end datetime DEFAULT NULL,
  parent_type varchar(100) DEFAULT NULL, status varchar(100) DEFAULT 'Planned', type varchar(255) DEFAULT 'Sugar', parent_id char(36) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_mtg_name (name), KEY idx_meet_par_del (parent_id, parent_type, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE notes (
  assigned_user_id char(36) DEFAULT NULL, id char(36) NOT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, name varchar(255) DEFAULT NULL, file_mime_type varchar(100) DEFAULT NULL, filename varchar(255) DEFAULT NULL, parent_type varchar(255) DEFAULT NULL,
  parent_id char(36) DEFAULT NULL, contact_id char(36) DEFAULT NULL, portal_flag tinyint(1) DEFAULT NULL, embed_flag tinyint(1) DEFAULT 0, description text, deleted tinyint(1) DEFAULT 0,
  PRIMARY KEY (id), KEY idx_note_name (name), KEY idx_notes_parent (parent_id, parent_type), KEY idx_note_contact (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tasks (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, status varchar(100) DEFAULT 'Not Started',
  date_due_flag tinyint(1) DEFAULT 0, date_due datetime DEFAULT NULL, date_start_flag tinyint(1) DEFAULT 0, date_start datetime DEFAULT NULL, parent_type varchar(255) DEFAULT NULL,
  parent_id char(36) DEFAULT NULL, contact_id char(36) DEFAULT NULL, priority varchar(100) DEFAULT NULL, PRIMARY KEY (id), KEY idx_tsk_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE emails (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, deleted tinyint(1) DEFAULT NULL, assigned_user_id char(36) DEFAULT NULL, orphaned tinyint(1) DEFAULT NULL, last_synced datetime DEFAULT NULL,
  date_sent_received datetime DEFAULT NULL, message_id varchar(255) DEFAULT NULL, type varchar(100) DEFAULT NULL, status varchar(100) DEFAULT NULL, flagged tinyint(1) DEFAULT NULL,
  reply_to_status tinyint(1) DEFAULT NULL, intent varchar(100) DEFAULT 'pick', mailbox_id char(36) DEFAULT NULL, parent_type varchar(100) DEFAULT NULL, parent_id char(36) DEFAULT NULL,
  uid varchar(255) DEFAULT NULL, category_id varchar(100) DEFAULT NULL, PRIMARY KEY (id), KEY idx_email_name (name), KEY idx_message_id (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE emails_text (
  email_id char(36) NOT NULL, from_addr varchar(255) DEFAULT NULL, reply_to_addr varchar(255) DEFAULT NULL, to_addrs text, cc_addrs text, bcc_addrs text,
  description longtext, description_html longtext, raw_source longtext, deleted tinyint(1) DEFAULT 0, PRIMARY KEY (email_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE documents (
  id char(36) NOT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL, created_by char(36) DEFAULT NULL,
  description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, document_name varchar(255) DEFAULT NULL, doc_id varchar(100) DEFAULT NULL,
  doc_type varchar(100) DEFAULT 'Sugar', doc_url varchar(255) DEFAULT NULL, active_date date DEFAULT NULL, exp_date date DEFAULT NULL, category_id varchar(100) DEFAULT NULL,
  subcategory_id varchar(100) DEFAULT NULL, status_id varchar(100) DEFAULT NULL, document_revision_id varchar(36) DEFAULT NULL, related_doc_id char(36) DEFAULT NULL,
  related_doc_rev_id char(36) DEFAULT NULL, is_template tinyint(1) DEFAULT 0, template_type varchar(100) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE document_revisions (
  id varchar(36) NOT NULL, change_log varchar(255) DEFAULT NULL, document_id varchar(36) DEFAULT NULL, doc_id varchar(100) DEFAULT NULL, doc_type varchar(100) DEFAULT NULL,
  doc_url varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, created_by char(36) DEFAULT NULL, filename varchar(255) DEFAULT NULL, file_ext varchar(100) DEFAULT NULL,
  file_mime_type varchar(100) DEFAULT NULL, revision varchar(100) DEFAULT NULL, deleted tinyint(1) DEFAULT 0, date_modified datetime DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE schedulers (
  id varchar(36) NOT NULL, deleted tinyint(1) DEFAULT 0, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, created_by char(36) DEFAULT NULL,
  modified_user_id char(36) DEFAULT NULL, name varchar(255) DEFAULT NULL, job varchar(255) DEFAULT NULL, date_time_start datetime DEFAULT NULL, date_time_end datetime DEFAULT NULL,
  job_interval varchar(100) DEFAULT NULL, time_from time DEFAULT NULL, time_to time DEFAULT NULL, last_run datetime DEFAULT NULL, status varchar(100) DEFAULT NULL,
  catch_up tinyint(1) DEFAULT 1, PRIMARY KEY (id), KEY idx_schedule (date_time_start, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE job_queue (
  assigned_user_id char(36) DEFAULT NULL, id char(36) NOT NULL, name varchar(255) DEFAULT NULL, deleted tinyint(1) DEFAULT 0, date_entered datetime DEFAULT NULL,
  date_modified datetime DEFAULT NULL, scheduler_id char(36) DEFAULT NULL, execute_time datetime DEFAULT NULL, status varchar(20) DEFAULT NULL, resolution varchar(20) DEFAULT NULL,
  message text, target varchar(255) DEFAULT NULL, data longtext, requeue tinyint(1) DEFAULT 0, retry_count tinyint(4) DEFAULT NULL, failure_count tinyint(4) DEFAULT NULL,
  job_delay int(11) DEFAULT NULL, client varchar(255) DEFAULT NULL, percent_complete int(11) DEFAULT NULL,
  PRIMARY KEY (id), KEY idx_status_scheduler (status, scheduler_id), KEY idx_status_time (status, execute_time, date_entered), KEY idx_status_entered (status, date_entered), KEY idx_status_modified (status, date_modified)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE inbound_email (
  id varchar(36) NOT NULL, deleted tinyint(1) DEFAULT 0, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, name varchar(255) DEFAULT NULL, status varchar(100) DEFAULT 'Active', server_url varchar(100) DEFAULT NULL, email_user varchar(100) DEFAULT NULL,
  email_password varchar(100) DEFAULT NULL, port int(5) DEFAULT NULL, service varchar(50) DEFAULT NULL, mailbox text, delete_seen tinyint(1) DEFAULT 0, mailbox_type varchar(10) DEFAULT NULL,
  template_id char(36) DEFAULT NULL, stored_options text, group_id char(36) DEFAULT NULL, is_personal tinyint(1) DEFAULT 0, groupfolder_id char(36) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE outbound_email (
  id char(36) NOT NULL, name varchar(50) DEFAULT NULL, type varchar(15) DEFAULT 'user', user_id char(36) DEFAULT NULL, smtp_from_name varchar(255) DEFAULT NULL,
  smtp_from_addr varchar(255) DEFAULT NULL, mail_sendtype varchar(8) DEFAULT 'SMTP', mail_smtptype varchar(20) DEFAULT 'other', mail_smtpserver varchar(100) DEFAULT NULL,
  mail_smtpport varchar(5) DEFAULT '0', mail_smtpuser varchar(100) DEFAULT NULL, mail_smtppass varchar(100) DEFAULT NULL, mail_smtpauth_req tinyint(1) DEFAULT 0,
  mail_smtpssl varchar(1) DEFAULT '0', date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, PRIMARY KEY (id), KEY oe_user_id_idx (id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE oauth2clients (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, secret varchar(4000) DEFAULT NULL, redirect_url varchar(255) DEFAULT NULL,
  is_confidential tinyint(1) DEFAULT 1, allowed_grant_type varchar(255) DEFAULT 'password', duration_value int(11) DEFAULT NULL, duration_amount int(11) DEFAULT NULL,
  duration_unit varchar(255) DEFAULT 'Duration Unit', assigned_user_id char(36) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE oauth2tokens (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, token_is_revoked tinyint(1) DEFAULT NULL, token_type varchar(255) DEFAULT NULL,
  access_token_expires datetime DEFAULT NULL, access_token varchar(4000) DEFAULT NULL, refresh_token varchar(4000) DEFAULT NULL, refresh_token_expires datetime DEFAULT NULL,
  grant_type varchar(255) DEFAULT NULL, state varchar(1024) DEFAULT NULL, client char(36) DEFAULT NULL, assigned_user_id char(36) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE oauth_consumer (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, c_key varchar(255) DEFAULT NULL,
  c_secret varchar(255) DEFAULT NULL, PRIMARY KEY (id), UNIQUE KEY ckey (c_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE oauth_tokens (
  id char(36) NOT NULL, secret varchar(32) DEFAULT NULL, tstate varchar(1) DEFAULT NULL, consumer char(36) NOT NULL, token_ts bigint(20) DEFAULT NULL, verify varchar(32) DEFAULT NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0, callback_url varchar(255) DEFAULT NULL, assigned_user_id char(36) DEFAULT NULL, PRIMARY KEY (id, deleted), KEY oauth_state_ts (tstate, token_ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE oauth_nonce (conskey varchar(32) NOT NULL, nonce varchar(32) NOT NULL, nonce_ts bigint(20) DEFAULT NULL, PRIMARY KEY (conskey, nonce), KEY oauth_nonce_keyts (conskey, nonce_ts)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE aow_workflow (
  id char(36) NOT NULL, name varchar(255) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT 0, assigned_user_id char(36) DEFAULT NULL, flow_module varchar(100) DEFAULT NULL,
  flow_run_on varchar(100) DEFAULT '0', status varchar(100) DEFAULT 'Active', run_when varchar(100) DEFAULT 'Always', multiple_runs tinyint(1) DEFAULT 0, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE config (category varchar(32) DEFAULT NULL, name varchar(32) DEFAULT NULL, value text, KEY idx_config_cat (category)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE currencies (
  id char(36) NOT NULL, name varchar(36) DEFAULT NULL, symbol varchar(36) DEFAULT NULL, iso4217 varchar(3) DEFAULT NULL, conversion_rate double DEFAULT 0, status varchar(100) DEFAULT NULL,
  deleted tinyint(1) DEFAULT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, created_by char(36) NOT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tracker (
  id int(11) NOT NULL AUTO_INCREMENT, monitor_id char(36) NOT NULL, user_id varchar(36) DEFAULT NULL, module_name varchar(255) DEFAULT NULL, item_id varchar(36) DEFAULT NULL,
  item_summary varchar(255) DEFAULT NULL, date_modified datetime DEFAULT NULL, action varchar(255) DEFAULT NULL, session_id varchar(36) DEFAULT NULL, visible tinyint(1) DEFAULT 0,
  deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_tracker_iid (item_id), KEY idx_tracker_monitor_id (monitor_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE fields_meta_data (
  id varchar(255) NOT NULL, name varchar(255) DEFAULT NULL, vname varchar(255) DEFAULT NULL, comments varchar(255) DEFAULT NULL, help varchar(255) DEFAULT NULL,
  custom_module varchar(255) DEFAULT NULL, type varchar(255) DEFAULT NULL, len int(11) DEFAULT NULL, required tinyint(1) DEFAULT 0, default_value varchar(255) DEFAULT NULL,
  date_modified datetime DEFAULT NULL, deleted tinyint(1) DEFAULT 0, audited tinyint(1) DEFAULT 0, massupdate tinyint(1) DEFAULT 0, duplicate_merge smallint(6) DEFAULT 0,
  reportable tinyint(1) DEFAULT 1, importable varchar(255) DEFAULT NULL, ext1 varchar(255) DEFAULT NULL, ext2 varchar(255) DEFAULT NULL, ext3 varchar(255) DEFAULT NULL, ext4 text,
  PRIMARY KEY (id), KEY idx_meta_id_del (id, deleted), KEY idx_meta_cm_del (custom_module, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE relationships (
  id char(36) NOT NULL, relationship_name varchar(150) DEFAULT NULL, lhs_module varchar(100) DEFAULT NULL, lhs_table varchar(64) DEFAULT NULL, lhs_key varchar(64) DEFAULT NULL,
  rhs_module varchar(100) DEFAULT NULL, rhs_table varchar(64) DEFAULT NULL, rhs_key varchar(64) DEFAULT NULL, join_table varchar(64) DEFAULT NULL, join_key_lhs varchar(64) DEFAULT NULL,
  join_key_rhs varchar(64) DEFAULT NULL, relationship_type varchar(64) DEFAULT NULL, relationship_role_column varchar(64) DEFAULT NULL,
  relationship_role_column_value varchar(50) DEFAULT NULL, reverse tinyint(1) DEFAULT 0, deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_rel_name (relationship_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE acl_roles (
  id char(36) NOT NULL, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL, created_by char(36) DEFAULT NULL,
  name varchar(150) DEFAULT NULL, description text, deleted tinyint(1) DEFAULT NULL, PRIMARY KEY (id), KEY idx_aclrole_id_del (id, deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE acl_roles_users (id varchar(36) NOT NULL, role_id varchar(36) DEFAULT NULL, user_id varchar(36) DEFAULT NULL, date_modified datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT 0, PRIMARY KEY (id), KEY idx_aclrole_id (role_id), KEY idx_acluser_id (user_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE upgrade_history (
  id char(36) NOT NULL, filename varchar(255) DEFAULT NULL, md5sum varchar(32) DEFAULT NULL, type varchar(30) DEFAULT NULL, status varchar(50) DEFAULT NULL, version varchar(64) DEFAULT NULL,
  name varchar(255) DEFAULT NULL, description text, id_name varchar(255) DEFAULT NULL, manifest longtext, date_entered datetime DEFAULT NULL, enabled tinyint(1) DEFAULT 1,
  PRIMARY KEY (id), UNIQUE KEY upgrade_history_md5_uk (md5sum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE versions (
  id char(36) NOT NULL, deleted tinyint(1) DEFAULT 0, date_entered datetime DEFAULT NULL, date_modified datetime DEFAULT NULL, modified_user_id char(36) DEFAULT NULL,
  created_by char(36) DEFAULT NULL, name varchar(255) DEFAULT NULL, file_version varchar(255) DEFAULT NULL, db_version varchar(255) DEFAULT NULL, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
