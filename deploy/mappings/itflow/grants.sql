-- A read-only account for retention_exporter on ITFlow's database: SELECT
-- on the tables the mapping reads and nothing else. ITFlow's database also
-- holds users' password hashes, API keys, stored credentials and, in
-- settings, mail server passwords: grant no other table, settings
-- included (read its config_timezone once yourself). Change the password
-- and, if ITFlow's database is not named itflow, the database name. Both
-- RETENTION_PSA_DSN and RETENTION_BILLING_DSN use this account.

CREATE USER IF NOT EXISTS 'retention_exporter'@'%' IDENTIFIED BY 'change-me';

ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 8;

GRANT SELECT ON itflow.clients            TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.contracts          TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.recurring_invoices TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.categories         TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.assets             TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.tickets            TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.calendar_events    TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.contacts           TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.invoices           TO 'retention_exporter'@'%';
GRANT SELECT ON itflow.payments           TO 'retention_exporter'@'%';
