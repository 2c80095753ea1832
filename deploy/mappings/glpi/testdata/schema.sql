-- The GLPI 10 tables the mapping reads, with the columns it reads and
-- their neighbours, as GLPI 10.0's install/mysql/glpi-empty.sql declares
-- them (types, defaults, NULL-ability). Enough of GLPI to test the
-- mapping against; not a GLPI install.

CREATE TABLE glpi_entities (
  id int unsigned NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  entities_id int unsigned DEFAULT '0',
  completename text,
  comment text,
  level int NOT NULL DEFAULT '0',
  sons_cache longtext,
  ancestors_cache longtext,
  tag varchar(255) DEFAULT NULL,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY unicity (entities_id, name),
  KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_contracttypes (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_contracts (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT '0',
  is_recursive tinyint NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  num varchar(255) DEFAULT NULL,
  contracttypes_id int unsigned NOT NULL DEFAULT '0',
  begin_date date DEFAULT NULL,
  duration int NOT NULL DEFAULT '0',
  notice int NOT NULL DEFAULT '0',
  periodicity int NOT NULL DEFAULT '0',
  billing int NOT NULL DEFAULT '0',
  comment text,
  accounting_number varchar(255) DEFAULT NULL,
  is_deleted tinyint NOT NULL DEFAULT '0',
  max_links_allowed int NOT NULL DEFAULT '0',
  alert int NOT NULL DEFAULT '0',
  renewal int NOT NULL DEFAULT '0',
  template_name varchar(255) DEFAULT NULL,
  is_template tinyint NOT NULL DEFAULT '0',
  states_id int unsigned NOT NULL DEFAULT '0',
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY begin_date (begin_date),
  KEY entities_id (entities_id),
  KEY is_deleted (is_deleted),
  KEY is_template (is_template)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_contractcosts (
  id int unsigned NOT NULL AUTO_INCREMENT,
  contracts_id int unsigned NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  comment text,
  begin_date date DEFAULT NULL,
  end_date date DEFAULT NULL,
  cost decimal(20,4) NOT NULL DEFAULT '0.0000',
  budgets_id int unsigned NOT NULL DEFAULT '0',
  entities_id int unsigned NOT NULL DEFAULT '0',
  is_recursive tinyint NOT NULL DEFAULT '0',
  PRIMARY KEY (id),
  KEY contracts_id (contracts_id),
  KEY begin_date (begin_date),
  KEY end_date (end_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_computers (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  serial varchar(255) DEFAULT NULL,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  is_template tinyint NOT NULL DEFAULT '0',
  template_name varchar(255) DEFAULT NULL,
  is_deleted tinyint NOT NULL DEFAULT '0',
  is_dynamic tinyint NOT NULL DEFAULT '0',
  states_id int unsigned NOT NULL DEFAULT '0',
  date_creation timestamp NULL DEFAULT NULL,
  is_recursive tinyint NOT NULL DEFAULT '0',
  PRIMARY KEY (id),
  KEY entities_id (entities_id),
  KEY is_template (is_template),
  KEY is_deleted (is_deleted),
  KEY date_creation (date_creation)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_networkequipments (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT '0',
  is_recursive tinyint NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  date_mod timestamp NULL DEFAULT NULL,
  comment text,
  is_deleted tinyint NOT NULL DEFAULT '0',
  is_template tinyint NOT NULL DEFAULT '0',
  template_name varchar(255) DEFAULT NULL,
  states_id int unsigned NOT NULL DEFAULT '0',
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY entities_id (entities_id),
  KEY is_template (is_template),
  KEY is_deleted (is_deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_tickets (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  date timestamp NULL DEFAULT NULL,
  closedate timestamp NULL DEFAULT NULL,
  solvedate timestamp NULL DEFAULT NULL,
  takeintoaccountdate timestamp NULL DEFAULT NULL,
  date_mod timestamp NULL DEFAULT NULL,
  status int NOT NULL DEFAULT '1',
  content longtext,
  urgency int NOT NULL DEFAULT '1',
  impact int NOT NULL DEFAULT '1',
  priority int NOT NULL DEFAULT '1',
  type int NOT NULL DEFAULT '1',
  slas_id_ttr int unsigned NOT NULL DEFAULT '0',
  slas_id_tto int unsigned NOT NULL DEFAULT '0',
  time_to_resolve timestamp NULL DEFAULT NULL,
  time_to_own timestamp NULL DEFAULT NULL,
  sla_waiting_duration int NOT NULL DEFAULT '0',
  waiting_duration int NOT NULL DEFAULT '0',
  is_deleted tinyint NOT NULL DEFAULT '0',
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY date (date),
  KEY closedate (closedate),
  KEY status (status),
  KEY entities_id (entities_id),
  KEY solvedate (solvedate),
  KEY time_to_resolve (time_to_resolve),
  KEY is_deleted (is_deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_ticketsatisfactions (
  id int unsigned NOT NULL AUTO_INCREMENT,
  tickets_id int unsigned NOT NULL DEFAULT '0',
  type int NOT NULL DEFAULT '1',
  date_begin timestamp NULL DEFAULT NULL,
  date_answered timestamp NULL DEFAULT NULL,
  satisfaction int DEFAULT NULL,
  comment text,
  PRIMARY KEY (id),
  UNIQUE KEY tickets_id (tickets_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_planningeventcategories (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  color varchar(255) DEFAULT NULL,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_planningexternalevents (
  id int unsigned NOT NULL AUTO_INCREMENT,
  uuid varchar(255) DEFAULT NULL,
  planningexternaleventtemplates_id int unsigned NOT NULL DEFAULT '0',
  entities_id int unsigned NOT NULL DEFAULT '0',
  is_recursive tinyint NOT NULL DEFAULT '1',
  date timestamp NULL DEFAULT NULL,
  users_id int unsigned NOT NULL DEFAULT '0',
  users_id_guests text,
  groups_id int unsigned NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  text text,
  begin timestamp NULL DEFAULT NULL,
  end timestamp NULL DEFAULT NULL,
  rrule text,
  state int NOT NULL DEFAULT '0',
  planningeventcategories_id int unsigned NOT NULL DEFAULT '0',
  background tinyint NOT NULL DEFAULT '0',
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uuid (uuid),
  KEY entities_id (entities_id),
  KEY begin (begin),
  KEY planningeventcategories_id (planningeventcategories_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_contacttypes (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE glpi_contacts (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT '0',
  is_recursive tinyint NOT NULL DEFAULT '0',
  name varchar(255) DEFAULT NULL,
  firstname varchar(255) DEFAULT NULL,
  email varchar(255) DEFAULT NULL,
  contacttypes_id int unsigned NOT NULL DEFAULT '0',
  comment text,
  is_deleted tinyint NOT NULL DEFAULT '0',
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY entities_id (entities_id),
  KEY contacttypes_id (contacttypes_id),
  KEY is_deleted (is_deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
