-- retention_exporter reference PSA schema (MySQL 8, MariaDB 10.6+).
-- The indexes serve the exporter's default queries: each aggregates per
-- client over a date range, so every range column leads an index that
-- also covers the columns the query reads.

CREATE TABLE IF NOT EXISTS clients (
  client_id       VARCHAR(64)  NOT NULL,
  name            VARCHAR(255) NOT NULL,
  segment         VARCHAR(64)  NULL,
  account_manager VARCHAR(255) NULL,
  customer_since  DATE         NOT NULL,
  churned_at      DATE         NULL,
  churn_reason    VARCHAR(64)  NULL,
  PRIMARY KEY (client_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS contracts (
  contract_id            VARCHAR(64)   NOT NULL,
  client_id              VARCHAR(64)   NOT NULL,
  name                   VARCHAR(255)  NOT NULL,
  contract_type          VARCHAR(64)   NULL,
  start_date             DATE          NOT NULL,
  end_date               DATE          NULL,      -- NULL = evergreen
  auto_renew             BOOLEAN       NOT NULL DEFAULT 0,
  monthly_value          DECIMAL(12,2) NOT NULL DEFAULT 0,
  currency               CHAR(3)       NOT NULL DEFAULT 'USD',
  cancelled_at           DATE          NULL,
  renewal_notice_sent_at DATE          NULL,
  PRIMARY KEY (contract_id),
  KEY contracts_end_date (end_date),
  KEY contracts_client (client_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS endpoints (
  endpoint_id VARCHAR(64) NOT NULL,
  client_id   VARCHAR(64) NOT NULL,
  kind        VARCHAR(32) NULL,
  added_at    DATE        NOT NULL,
  retired_at  DATE        NULL,
  PRIMARY KEY (endpoint_id),
  KEY endpoints_client_dates (client_id, added_at, retired_at)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS tickets (
  ticket_id    VARCHAR(64) NOT NULL,
  client_id    VARCHAR(64) NOT NULL,
  created_at   DATETIME    NOT NULL,
  closed_at    DATETIME    NULL,
  priority     VARCHAR(16) NULL,
  sla_breached BOOLEAN     NULL,                  -- NULL = no SLA applies
  PRIMARY KEY (ticket_id),
  KEY tickets_created (created_at, client_id, sla_breached)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS surveys (
  survey_id   VARCHAR(64) NOT NULL,
  client_id   VARCHAR(64) NOT NULL,
  ticket_id   VARCHAR(64) NULL,
  answered_at DATETIME    NOT NULL,
  score       TINYINT     NOT NULL,               -- 1..5
  PRIMARY KEY (survey_id),
  KEY surveys_answered (answered_at, client_id, score)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS reviews (
  review_id VARCHAR(64) NOT NULL,
  client_id VARCHAR(64) NOT NULL,
  held_at   DATE        NOT NULL,
  kind      VARCHAR(32) NULL,                     -- QBR, health check
  PRIMARY KEY (review_id),
  KEY reviews_client_held (client_id, held_at)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS contacts (
  contact_id         VARCHAR(64)  NOT NULL,
  client_id          VARCHAR(64)  NOT NULL,
  name               VARCHAR(255) NOT NULL,
  is_renewal_contact BOOLEAN      NOT NULL DEFAULT 0,
  active             BOOLEAN      NOT NULL DEFAULT 1,
  PRIMARY KEY (contact_id),
  KEY contacts_client (client_id, is_renewal_contact, active)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS assessments (
  assessment_id   VARCHAR(64) NOT NULL,
  client_id       VARCHAR(64) NOT NULL,
  assessed_at     DATE        NOT NULL,
  standards_total INT         NOT NULL,
  standards_met   INT         NOT NULL,
  PRIMARY KEY (assessment_id),
  KEY assessments_client_date (client_id, assessed_at)
) DEFAULT CHARSET = utf8mb4;
