-- The synthetic MSP written by the datagen service (mounted at /seed).
USE psa;
source /seed/psa.sql
USE billing;
source /seed/billing.sql
