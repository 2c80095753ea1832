-- A small MSP in GLPI 10, with GLPI's quirks. The mapping test pins the
-- clock at 2026-11-15 09:30 UTC and at 2025-06-15 12:00 UTC; the values
-- it expects are worked out from these rows in glpi_test.go.
SET time_zone = '+00:00';

-- Entities: the root, four clients, a chain seven levels deep under Acme.
INSERT INTO glpi_entities (id, name, entities_id, completename, comment, level, date_creation) VALUES
  (0, 'Root entity', NULL, 'Root entity', NULL, 1, '2019-01-01 00:00:00'),
  (1, 'Acme Corp', 0, 'Root entity > Acme Corp',
      'segment: smb\r\naccount manager: Jane Doe\r\ncustomer since: 2019-04-01\r\nBilling contact is on the contract.', 2, '2021-03-01 08:00:00'),
  (11, 'Paris', 1, 'Root entity > Acme Corp > Paris', NULL, 3, '2021-03-01 08:00:00'),
  (111, 'Floor 2', 11, 'Root entity > Acme Corp > Paris > Floor 2', NULL, 4, '2021-03-01 08:00:00'),
  (1111, 'Wing B', 111, 'Root entity > Acme Corp > Paris > Floor 2 > Wing B', NULL, 5, '2021-03-01 08:00:00'),
  (11111, 'Lab', 1111, 'Root entity > Acme Corp > Paris > Floor 2 > Wing B > Lab', NULL, 6, '2021-03-01 08:00:00'),
  (111111, 'Rack room', 11111, 'Root entity > Acme Corp > Paris > Floor 2 > Wing B > Lab > Rack room', NULL, 7, '2021-03-01 08:00:00'),
  (1111111, 'Rack 4', 111111, 'Root entity > Acme Corp > Paris > Floor 2 > Wing B > Lab > Rack room > Rack 4', NULL, 8, '2021-03-01 08:00:00'),
  (2, 'Smith &#38; Sons', 0, 'Root entity > Smith &#38; Sons',
      'segment: enterprise\naccount manager: Raj Patel', 2, '2022-06-10 08:00:00'),
  (3, 'Gamma Dental', 0, 'Root entity > Gamma Dental',
      'segment: smb\nchurned: 2026-08-31\nchurn reason: price', 2, '2023-02-01 08:00:00'),
  (4, 'Delta Logistics', 0, 'Root entity > Delta Logistics', NULL, 2, '2026-10-01 08:00:00');

INSERT INTO glpi_contracttypes (id, name) VALUES (1, 'Managed services'), (2, 'Backup');

-- Contracts. renewal: 0 never, 1 tacit, 2 express; durations in months.
INSERT INTO glpi_contracts (id, entities_id, name, contracttypes_id, begin_date, duration, notice, periodicity, renewal, comment, is_deleted, is_template, template_name) VALUES
  -- tacit, rolling past today: ends 2025-01-01, 2026-01-01, 2027-01-01
  -- we sent the renewal notice; the client's notice came too late for
  -- the term ending 2027-01-01 (3 months' notice), so it ends 2028-01-01
  (101, 1, 'Managed Services', 1, '2024-01-01', 12, 3, 12, 1, 'renewal notice sent: 2026-10-20\nnotice given: 2026-10-15', 0, 0, NULL),
  -- open-ended (duration 0), at a sub-entity
  (102, 11, 'Backup', 2, '2025-03-01', 0, 1, 0, 0, NULL, 0, 0, NULL),
  -- a template and a trashed contract: neither is a contract
  (103, 1, NULL, 1, '2024-01-01', 12, 0, 0, 1, NULL, 0, 1, 'MSP standard'),
  (104, 1, 'Old Managed Services', 1, '2024-01-01', 12, 0, 0, 0, NULL, 1, 0, NULL),
  -- express renewal, ended long ago
  (201, 2, 'Enterprise Care', 1, '2020-01-01', 36, 0, 0, 2, NULL, 0, 0, NULL),
  -- express renewal, in USD; notice given: it ends with its term
  (202, 2, 'Enterprise Care 2023', 1, '2023-01-01', 48, 3, 0, 2, 'currency: USD\r\nnotice given: 2026-06-01', 0, 0, NULL),
  -- tacit with no periodicity (renews by its duration), no cost lines
  (203, 2, 'Monitoring', 0, '2024-06-01', 24, 1, 0, 1, NULL, 0, 0, NULL),
  (301, 3, 'Managed services', 1, '2023-02-01', 12, 1, 12, 1, NULL, 0, 0, NULL),
  (401, 4, 'Managed services', 1, '2026-10-01', 12, 2, 0, 0, NULL, 0, 0, NULL);

-- Cost lines: a cost for a period, spread over its months.
INSERT INTO glpi_contractcosts (contracts_id, name, begin_date, end_date, cost, entities_id) VALUES
  (101, 'Year 1', '2024-01-01', '2024-12-31', 12000, 1),    -- 1000/month
  (101, 'Year 2', '2025-01-01', '2025-12-31', 13200, 1),    -- 1100/month, and since
  (102, 'Backup 1', '2025-03-01', '2026-02-28', 1200, 11),  -- 100/month
  (102, 'Backup 2', '2026-03-01', '2027-02-28', 1440, 11),  -- 120/month
  (102, 'Setup', '2026-05-10', '2026-05-10', 500, 11),      -- one-off
  (202, 'Term', '2023-01-01', '2026-12-31', 96000, 2),      -- 2000/month
  (301, 'Year 1', '2023-02-01', '2024-01-31', 6000, 3),
  (401, 'Year 1', '2026-10-01', '2027-09-30', 9000, 4);     -- 750/month

-- Endpoints: computers and network equipment.
INSERT INTO glpi_computers (id, entities_id, name, is_template, template_name, is_deleted, date_creation, date_mod) VALUES
  (1, 1, 'ACME-PC-01', 0, NULL, 0, '2024-01-10 09:00:00', '2026-01-10 09:00:00'),
  (2, 11, 'ACME-PC-02', 0, NULL, 0, '2024-02-01 09:00:00', '2026-01-10 09:00:00'),
  (3, 1111111, 'ACME-SRV-01', 0, NULL, 0, '2025-05-01 09:00:00', '2026-01-10 09:00:00'),
  (4, 1, NULL, 1, 'Laptop template', 0, '2024-01-01 09:00:00', NULL),
  (5, 1, 'ACME-PC-OLD', 0, NULL, 1, '2024-03-01 09:00:00', '2026-03-01 10:00:00'),
  (6, 2, 'SMITH-PC-01', 0, NULL, 0, '2022-07-01 09:00:00', NULL),
  (7, 2, 'SMITH-PC-02', 0, NULL, 0, '2022-07-01 09:00:00', NULL),
  (8, 4, 'DELTA-PC-01', 0, NULL, 0, '2026-10-05 09:00:00', NULL),
  (9, 3, 'GAMMA-PC-01', 0, NULL, 0, '2023-02-10 09:00:00', NULL);
INSERT INTO glpi_networkequipments (id, entities_id, name, is_template, is_deleted, date_creation) VALUES
  (1, 111, 'acme-sw-1', 0, 0, NULL),
  (2, 2, 'smith-fw-1', 0, 0, '2022-07-01 09:00:00');

-- Tickets. time_to_resolve is the SLA deadline.
INSERT INTO glpi_tickets (id, entities_id, name, date, solvedate, status, time_to_resolve, is_deleted) VALUES
  (1, 1, 'Printer offline', '2026-11-01 10:00:00', '2026-11-01 15:00:00', 5, '2026-11-02 10:00:00', 0),
  (2, 1111111, 'Rack 4 PDU alarm', '2026-11-10 08:00:00', '2026-11-12 08:00:00', 5, '2026-11-11 08:00:00', 0),
  (3, 11, 'New starter', '2026-09-20 10:00:00', '2026-09-21 10:00:00', 6, NULL, 0),
  (4, 1, 'VPN down', '2026-11-14 12:00:00', NULL, 2, '2026-11-14 20:00:00', 0),
  (5, 1, 'Duplicate of 4', '2026-11-05 10:00:00', NULL, 1, NULL, 1),
  (6, 1, 'Opened after the clock', '2026-11-15 10:00:00', NULL, 1, '2026-11-16 10:00:00', 0),
  (7, 2, 'Mailbox full', '2026-10-01 10:00:00', '2026-10-02 10:00:00', 6, '2026-10-03 10:00:00', 0),
  (8, 2, 'Laptop slow', '2026-11-13 10:00:00', NULL, 2, '2026-11-20 10:00:00', 0),
  -- its entity was deleted
  (9, 99, 'Orphan', '2026-11-03 10:00:00', NULL, 1, NULL, 0),
  (10, 1, 'Backup failed', '2025-06-01 10:00:00', '2025-06-02 10:00:00', 6, '2025-06-01 18:00:00', 0);

-- Satisfaction: 0 to 5 stars; 0 is an answer, NULL is none yet.
INSERT INTO glpi_ticketsatisfactions (tickets_id, type, date_begin, date_answered, satisfaction) VALUES
  (1, 1, '2026-11-01 16:00:00', '2026-11-02 09:00:00', 5),
  (3, 1, '2026-09-22 10:00:00', '2026-09-25 09:00:00', 0),
  (2, 1, '2026-11-12 09:00:00', NULL, NULL),
  (7, 1, '2026-10-02 11:00:00', '2026-10-05 09:00:00', 4),
  (5, 1, '2026-11-05 11:00:00', '2026-11-06 09:00:00', 1),
  (10, 1, '2025-06-02 11:00:00', '2025-06-20 09:00:00', 2);

INSERT INTO glpi_planningeventcategories (id, name) VALUES (1, 'Business review'), (2, 'Maintenance');
INSERT INTO glpi_planningexternalevents (uuid, entities_id, name, begin, end, state, planningeventcategories_id) VALUES
  ('e1', 1, 'Q3 review', '2026-08-20 10:00:00', '2026-08-20 11:00:00', 2, 1),
  ('e2', 11, 'Q4 review', '2026-12-01 10:00:00', '2026-12-01 11:00:00', 1, 1),
  ('e3', 1, 'Patch night', '2026-11-01 22:00:00', '2026-11-02 02:00:00', 2, 2),
  ('e4', 2, 'Annual review', '2026-05-15 14:00:00', '2026-05-15 16:00:00', 2, 1),
  ('e5', 1, 'Q1 review', '2025-03-10 10:00:00', '2025-03-10 11:00:00', 2, 1);

INSERT INTO glpi_contacttypes (id, name) VALUES (1, 'Renewal'), (2, 'Technical');
INSERT INTO glpi_contacts (entities_id, name, firstname, contacttypes_id, is_deleted, date_creation, date_mod) VALUES
  (1, 'Martin', 'Claire', 1, 0, '2024-01-01 09:00:00', NULL),
  (11, 'Dubois', 'Paul', 1, 0, '2024-01-01 09:00:00', NULL),
  (1, 'Leroy', 'Anne', 2, 0, '2024-01-01 09:00:00', NULL),
  (1, 'Moreau', 'Luc', 1, 1, '2024-01-01 09:00:00', '2026-01-01 09:00:00'),
  (2, 'Smith', 'Tom', 1, 0, '2022-07-01 09:00:00', NULL);
