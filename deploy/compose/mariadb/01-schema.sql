-- The reference databases and the read-only account, from deploy/mysql
-- (mounted at /schema). Run once by the mariadb image on first start.
CREATE DATABASE IF NOT EXISTS psa;
CREATE DATABASE IF NOT EXISTS billing;
USE psa;
source /schema/psa.sql
USE billing;
source /schema/billing.sql
source /schema/grants.sql
