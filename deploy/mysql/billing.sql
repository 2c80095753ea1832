-- retention_exporter reference billing schema (MySQL 8, MariaDB 10.6+).

CREATE TABLE IF NOT EXISTS invoices (
  invoice_id VARCHAR(64)   NOT NULL,
  client_id  VARCHAR(64)   NOT NULL,
  issued_at  DATE          NOT NULL,
  due_at     DATE          NOT NULL,
  amount     DECIMAL(12,2) NOT NULL,
  currency   CHAR(3)       NOT NULL DEFAULT 'USD',
  paid_at    DATE          NULL,
  voided     BOOLEAN       NOT NULL DEFAULT 0,
  PRIMARY KEY (invoice_id),
  -- Overdue invoices are those unpaid at the instant asked about: the index
  -- leads with paid_at so the default query reads only those (unpaid, or
  -- paid after that instant), and covers every column it needs.
  KEY invoices_open (paid_at, voided, due_at, client_id, currency, amount, issued_at)
) DEFAULT CHARSET = utf8mb4;
