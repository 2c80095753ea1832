-- A read-only account for retention_exporter on GLPI's database: SELECT on
-- the tables the mapping reads and nothing else (GLPI's database also
-- holds users' password hashes and API tokens). Change the password and,
-- if GLPI's database is not named glpi, the database name.

CREATE USER IF NOT EXISTS 'retention_exporter'@'%' IDENTIFIED BY 'change-me';

ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 8;

GRANT SELECT ON glpi.glpi_entities                TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_contracts               TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_contracttypes           TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_contractcosts           TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_computers               TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_networkequipments       TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_tickets                 TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_ticketsatisfactions     TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_planningexternalevents  TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_planningeventcategories TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_contacts                TO 'retention_exporter'@'%';
GRANT SELECT ON glpi.glpi_contacttypes            TO 'retention_exporter'@'%';
