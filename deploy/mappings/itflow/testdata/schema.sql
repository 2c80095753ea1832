-- The ITFlow tables the mapping reads, with the columns it reads and each
-- table's primary key: ITFlow 26.08, database version 2.6.7
-- (itflow-org/itflow, db.sql). Types, defaults and NULL-ability are
-- ITFlow's; the columns the mapping does not read are left out, so this is
-- enough of ITFlow to test the mapping against, not an ITFlow install.
--
-- Database version 2.6.7 changed only ai_models, which the mapping does not
-- read: these definitions are those of 2.6.6 and 2.6.7 alike.

CREATE TABLE clients (
  client_id int(11) NOT NULL AUTO_INCREMENT,
  client_lead tinyint(1) NOT NULL DEFAULT 0,
  client_name varchar(200) NOT NULL,
  client_type varchar(200) DEFAULT NULL,          -- "Industry" in the UI
  client_currency_code varchar(200) NOT NULL,
  client_created_at datetime NOT NULL DEFAULT current_timestamp(),
  client_archived_at datetime DEFAULT NULL,
  PRIMARY KEY (client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Agreements. 26.08 keeps the table but has no screen for it.
CREATE TABLE contracts (
  contract_id int(11) NOT NULL AUTO_INCREMENT,
  contract_name varchar(255) NOT NULL,
  contract_status varchar(50) NOT NULL,
  contract_type varchar(50) NOT NULL,
  contract_client_id int(11) DEFAULT NULL,
  contract_start_date date DEFAULT NULL,
  contract_end_date date DEFAULT NULL,
  contract_renewal_frequency varchar(50) DEFAULT NULL, -- Manual, Annually, 2 Year, ...
  contract_archived_at datetime DEFAULT NULL,
  PRIMARY KEY (contract_id),
  KEY contract_client_id (contract_client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE recurring_invoices (
  recurring_invoice_id int(11) NOT NULL AUTO_INCREMENT,
  recurring_invoice_prefix varchar(200) DEFAULT NULL,
  recurring_invoice_number int(11) NOT NULL,
  recurring_invoice_scope varchar(255) DEFAULT NULL,
  recurring_invoice_frequency varchar(200) NOT NULL, -- month, year
  recurring_invoice_last_sent date DEFAULT NULL,
  recurring_invoice_status int(1) NOT NULL,          -- 1 active, 0 stopped
  recurring_invoice_amount decimal(15,2) NOT NULL DEFAULT 0.00,
  recurring_invoice_currency_code varchar(200) NOT NULL,
  recurring_invoice_created_at datetime NOT NULL DEFAULT current_timestamp(),
  recurring_invoice_archived_at datetime DEFAULT NULL,
  recurring_invoice_category_id int(11) NOT NULL,
  recurring_invoice_client_id int(11) NOT NULL,
  PRIMARY KEY (recurring_invoice_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE categories (
  category_id int(11) NOT NULL AUTO_INCREMENT,
  category_name varchar(200) NOT NULL,
  PRIMARY KEY (category_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE assets (
  asset_id int(11) NOT NULL AUTO_INCREMENT,
  asset_type varchar(200) NOT NULL,
  asset_status varchar(200) DEFAULT NULL,
  asset_created_at datetime NOT NULL DEFAULT current_timestamp(),
  asset_updated_at datetime DEFAULT NULL ON UPDATE current_timestamp(),
  asset_archived_at datetime DEFAULT NULL,
  asset_client_id int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (asset_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE tickets (
  ticket_id int(11) NOT NULL AUTO_INCREMENT,
  ticket_sla_id int(11) NOT NULL DEFAULT 0,
  ticket_feedback varchar(200) DEFAULT NULL,
  ticket_created_at datetime NOT NULL DEFAULT current_timestamp(),
  ticket_resolved_at datetime DEFAULT NULL,
  ticket_first_response_at datetime DEFAULT NULL,
  ticket_response_due_at datetime DEFAULT NULL,
  ticket_resolution_due_at datetime DEFAULT NULL,
  ticket_response_sla_met tinyint(1) DEFAULT NULL,
  ticket_resolution_sla_met tinyint(1) DEFAULT NULL,
  ticket_response_sla_alert_stage tinyint(1) NOT NULL DEFAULT 0,
  ticket_resolution_sla_alert_stage tinyint(1) NOT NULL DEFAULT 0,
  ticket_closed_at datetime DEFAULT NULL,
  ticket_client_id int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (ticket_id),
  KEY ticket_response_due_at (ticket_response_due_at),
  KEY ticket_resolution_due_at (ticket_resolution_due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE calendar_events (
  event_id int(11) NOT NULL AUTO_INCREMENT,
  event_title varchar(200) NOT NULL,
  event_start datetime NOT NULL,
  event_archived_at datetime DEFAULT NULL,
  event_client_id int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE contacts (
  contact_id int(11) NOT NULL AUTO_INCREMENT,
  contact_primary tinyint(1) NOT NULL DEFAULT 0,
  contact_important tinyint(1) NOT NULL DEFAULT 0,
  contact_created_at datetime NOT NULL DEFAULT current_timestamp(),
  contact_archived_at datetime DEFAULT NULL,
  contact_client_id int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE invoices (
  invoice_id int(11) NOT NULL AUTO_INCREMENT,
  invoice_status varchar(200) NOT NULL,  -- Draft, Sent, Viewed, Partial, Paid, Cancelled, Non-Billable
  invoice_date date NOT NULL,
  invoice_due date NOT NULL,
  invoice_amount decimal(15,2) NOT NULL DEFAULT 0.00,
  invoice_currency_code varchar(200) NOT NULL,
  invoice_client_id int(11) NOT NULL,
  PRIMARY KEY (invoice_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE payments (
  payment_id int(11) NOT NULL AUTO_INCREMENT,
  payment_date date NOT NULL,
  payment_amount decimal(15,2) NOT NULL,
  payment_invoice_id int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (payment_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
