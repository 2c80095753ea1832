-- The reference databases and the read-only account, from deploy/mysql
-- (mounted at /schema). Run once by the mariadb image on first start.
CREATE DATABASE IF NOT EXISTS psa;
CREATE DATABASE IF NOT EXISTS billing;
USE psa;
source /schema/psa.sql
USE billing;
source /schema/billing.sql
source /schema/grants.sql
-- The running exporter may keep all of grants.sql's 4 connections open
-- (max_open_conns, 2, per source); the backfill profile reads with the same
-- account beside it, one connection per source.
ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 8;
