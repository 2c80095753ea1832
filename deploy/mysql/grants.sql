-- Read-only account for retention_exporter. Run as a DBA, after replacing
-- the password (or use your own authentication plugin). The exporter also
-- reads in read-only transactions, so even a broader grant cannot change
-- data; DDL is only kept out by the statement check and by these grants.
-- Adjust the database names (psa, billing) to yours.
--
-- MariaDB: a fresh mariadb-install-db leaves anonymous users ''@'localhost'
-- and ''@'<hostname>'. A login from the database host itself (socket or
-- localhost, and 127.0.0.1 without skip-name-resolve) then matches
-- ''@'localhost' before 'retention_exporter'@'%' and is refused ("Access
-- denied for user 'retention_exporter'@'localhost'"). Drop them first, or
-- run mariadb-secure-installation:
--   DROP USER IF EXISTS ''@'localhost', ''@'<hostname>';  -- SELECT @@hostname

CREATE USER IF NOT EXISTS 'retention_exporter'@'%' IDENTIFIED BY 'change-me';

-- A few connections are plenty: the exporter uses at most max_open_conns
-- (default 2) per source, and a backfill run beside it as many again.
ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 8;

GRANT SELECT ON psa.clients     TO 'retention_exporter'@'%';
GRANT SELECT ON psa.contracts   TO 'retention_exporter'@'%';
GRANT SELECT ON psa.endpoints   TO 'retention_exporter'@'%';
GRANT SELECT ON psa.tickets     TO 'retention_exporter'@'%';
GRANT SELECT ON psa.surveys     TO 'retention_exporter'@'%';
GRANT SELECT ON psa.reviews     TO 'retention_exporter'@'%';
GRANT SELECT ON psa.contacts    TO 'retention_exporter'@'%';
GRANT SELECT ON psa.assessments TO 'retention_exporter'@'%';
GRANT SELECT ON billing.invoices TO 'retention_exporter'@'%';
