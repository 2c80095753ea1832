-- A small MSP in ITFlow 26.08. The mapping test pins the clock at
-- 2026-11-15 09:30 and at 2026-06-15 12:00, America/New_York (ITFlow's
-- default zone, and the mapping's time_zone): every DATETIME below is a
-- New York wall-clock time, as ITFlow stores them. The values expected at
-- both instants are worked out from these rows in testdata/worked-values.md.

-- Clients: three current ones, one churned (archived), one lead.
-- customer since: Acme from its agreement (2022-01-01), before its creation;
-- Birch from its first invoice (2024-01-15); Elm from its creation (its
-- draft invoice of 2026-09-01 does not count).
INSERT INTO clients (client_id, client_lead, client_name, client_type, client_currency_code, client_created_at, client_archived_at) VALUES
  (1, 0, 'Acme Dental', 'Healthcare', 'USD', '2023-03-01 09:00:00', NULL),
  (2, 0, 'Birch Legal', '', 'EUR', '2024-02-10 09:00:00', NULL),           -- no industry: segment NULL
  (3, 0, 'Cobalt Labs', 'Manufacturing', 'USD', '2023-05-01 09:00:00', '2026-08-20 16:00:00'), -- churned
  (4, 1, 'Delta Prospects', 'Retail', 'USD', '2026-10-01 09:00:00', NULL), -- a lead: in no fact
  (5, 0, 'Elm Books', 'Retail', 'USD', '2026-09-10 09:00:00', NULL);       -- no assets, no contract

-- Income categories: the type of a recurring invoice.
INSERT INTO categories (category_id, category_name) VALUES
  (1, 'Managed Services'), (2, 'Licensing'), (3, 'Backup');

-- Recurring invoices (frequency, last sent, status 1 active / 0 stopped).
INSERT INTO recurring_invoices (recurring_invoice_id, recurring_invoice_prefix, recurring_invoice_number, recurring_invoice_scope,
    recurring_invoice_frequency, recurring_invoice_last_sent, recurring_invoice_status, recurring_invoice_amount,
    recurring_invoice_currency_code, recurring_invoice_created_at, recurring_invoice_archived_at,
    recurring_invoice_category_id, recurring_invoice_client_id) VALUES
  (1, 'REC-', 1, 'Managed services', 'month', '2026-11-01', 1, 1500.00, 'USD', '2024-01-05 10:00:00', NULL, 1, 1),
  -- yearly: 1000 / 12 = 83.33 a month
  (2, 'REC-', 2, 'Backup licences', 'year', '2026-02-01', 1, 1000.00, 'USD', '2025-02-01 10:00:00', NULL, 2, 1),
  -- no scope: named by prefix and number
  (3, 'REC-', 3, NULL, 'month', '2026-11-01', 1, 800.00, 'EUR', '2024-02-10 10:00:00', NULL, 1, 2),
  -- stopped after billing 2026-08-10: ends 2026-09-10
  (4, 'REC-', 4, 'Offsite backup', 'month', '2026-08-10', 0, 200.00, 'EUR', '2025-01-10 10:00:00', NULL, 3, 2),
  -- archived with its client, last billed 2026-08-01: ends 2026-09-01
  (5, 'REC-', 5, 'Managed services', 'month', '2026-08-01', 1, 600.00, 'USD', '2023-06-01 10:00:00', '2026-08-20 16:00:00', 1, 3),
  -- stopped before it ever billed: not a contract
  (6, 'REC-', 6, 'Managed services', 'month', NULL, 0, 300.00, 'USD', '2026-09-15 10:00:00', NULL, 1, 5),
  -- a lead's
  (7, 'REC-', 7, 'Pilot', 'month', '2026-11-01', 1, 100.00, 'USD', '2026-10-01 10:00:00', NULL, 1, 4);

-- Agreements.
INSERT INTO contracts (contract_id, contract_name, contract_status, contract_type, contract_client_id,
    contract_start_date, contract_end_date, contract_renewal_frequency, contract_archived_at) VALUES
  (1, 'Acme MSA', 'Active', 'Fully Managed', 1, '2022-01-01', '2027-01-01', 'Annually', NULL),
  -- archived: left out (and not Acme's start)
  (2, 'Acme MSA 2020', 'Expired', 'Fully Managed', 1, '2020-06-01', '2021-12-31', 'Manual', '2024-01-01 10:00:00'),
  -- a draft: left out (and not Birch's start)
  (3, 'Birch managed draft', 'Draft', 'Fully Managed', 2, '2023-01-01', '2027-12-31', 'Annually', NULL),
  -- manual renewal, ended 2026-04-30: lapsed in June
  (4, 'Birch break/fix', 'Active', 'Break/Fix', 2, '2025-05-01', '2026-04-30', 'Manual', NULL),
  -- no start date: left out
  (5, 'Birch pending', 'Pending', 'Fully Managed', 2, NULL, NULL, NULL, NULL);

-- Assets. Endpoints: laptops, desktops, servers, virtual machines,
-- firewalls/routers, switches, access points.
INSERT INTO assets (asset_id, asset_type, asset_status, asset_created_at, asset_updated_at, asset_archived_at, asset_client_id) VALUES
  (1, 'Laptop', 'Deployed', '2024-01-10 09:00:00', '2024-01-10 09:00:00', NULL, 1),
  (2, 'Desktop', 'Deployed', '2024-01-10 09:00:00', NULL, NULL, 1),
  (3, 'Server', 'Deployed', '2025-05-01 09:00:00', NULL, NULL, 1),
  (4, 'Printer', 'Deployed', '2024-01-10 09:00:00', NULL, NULL, 1),                           -- not an endpoint
  (5, 'Laptop', 'Deployed', '2024-02-01 09:00:00', '2026-07-01 09:00:00', '2026-07-01 09:00:00', 1), -- archived 2026-07-01
  (6, 'Desktop', 'Retired', '2024-02-01 09:00:00', '2026-09-01 09:00:00', NULL, 1),           -- retired 2026-09-01
  (7, 'Virtual Machine', 'Deployed', '2026-10-01 09:00:00', NULL, NULL, 1),
  (8, 'Firewall/Router', 'Deployed', '2024-03-01 09:00:00', NULL, NULL, 2),
  (9, 'Laptop', 'Lost', '2024-03-01 09:00:00', '2026-10-20 09:00:00', NULL, 2),               -- lost 2026-10-20
  (10, 'Access Point', 'Deployed', '2024-03-01 09:00:00', NULL, NULL, 2),
  (11, 'Mobile Phone', 'Deployed', '2024-03-01 09:00:00', NULL, NULL, 2),                     -- not an endpoint
  (12, 'Desktop', 'Deployed', '2023-07-01 09:00:00', NULL, NULL, 3),
  (13, 'Laptop', 'Deployed', '2026-10-02 09:00:00', NULL, NULL, 4);                           -- a lead's

-- Tickets. SLA targets and flags as ITFlow stores them: *_sla_met 1 met,
-- 0 missed, NULL not judged yet; *_alert_stage 2 once the breach alert
-- went out.
INSERT INTO tickets (ticket_id, ticket_sla_id, ticket_feedback, ticket_created_at, ticket_resolved_at, ticket_first_response_at,
    ticket_response_due_at, ticket_resolution_due_at, ticket_response_sla_met, ticket_resolution_sla_met,
    ticket_response_sla_alert_stage, ticket_resolution_sla_alert_stage, ticket_closed_at, ticket_client_id) VALUES
  -- Acme: met
  (1, 1, 'Good', '2026-11-02 10:00:00', '2026-11-02 16:00:00', '2026-11-02 10:30:00',
      '2026-11-02 11:00:00', '2026-11-03 10:00:00', 1, 1, 0, 0, '2026-11-05 16:00:00', 1),
  -- Acme: first response late: breached
  (2, 1, 'Bad', '2026-11-10 08:00:00', '2026-11-11 08:00:00', '2026-11-10 09:45:00',
      '2026-11-10 09:00:00', '2026-11-11 17:00:00', 0, 1, 2, 0, '2026-11-14 08:00:00', 1),
  -- Acme: in flight (answered in time, resolution due tomorrow)
  (3, 1, NULL, '2026-11-14 12:00:00', NULL, '2026-11-14 12:30:00',
      '2026-11-14 13:00:00', '2026-11-16 12:00:00', 1, NULL, 0, 0, NULL, 1),
  -- Acme: no SLA
  (4, 0, 'Neutral', '2026-10-01 10:00:00', '2026-10-02 10:00:00', '2026-10-01 11:00:00',
      NULL, NULL, NULL, NULL, 0, 0, '2026-10-02 10:00:00', 1),
  -- Acme: opened after the clock
  (5, 1, NULL, '2026-11-15 10:00:00', NULL, NULL,
      '2026-11-15 11:00:00', '2026-11-17 10:00:00', NULL, NULL, 0, 0, NULL, 1),
  -- Acme, June: resolved after its resolution target: breached since 2026-06-02
  (6, 1, 'Good', '2026-06-01 10:00:00', '2026-06-20 10:00:00', '2026-06-01 10:20:00',
      '2026-06-01 11:00:00', '2026-06-02 10:00:00', 1, 0, 0, 2, '2026-06-22 10:00:00', 1),
  -- Acme, June: met, but closed at 15:00 on 2026-06-15: in flight at noon
  (7, 1, NULL, '2026-06-14 09:00:00', '2026-06-15 15:00:00', '2026-06-14 09:30:00',
      '2026-06-14 10:00:00', '2026-06-16 09:00:00', 1, 1, 0, 0, '2026-06-15 15:00:00', 1),
  -- Birch: met, its SLA has no resolution target
  (8, 2, 'Good', '2026-10-20 10:00:00', '2026-10-21 09:00:00', '2026-10-20 10:15:00',
      '2026-10-20 11:00:00', NULL, 1, NULL, 0, 0, '2026-10-21 10:00:00', 2),
  -- Birch: never answered, still open: breached (alert sent)
  (9, 2, NULL, '2026-09-10 10:00:00', NULL, NULL,
      '2026-09-10 11:00:00', NULL, NULL, NULL, 2, 0, NULL, 2),
  -- a lead's
  (10, 0, 'Good', '2026-11-05 10:00:00', '2026-11-05 12:00:00', NULL,
      NULL, NULL, NULL, NULL, 0, 0, '2026-11-05 12:00:00', 4),
  -- Cobalt, June
  (11, 0, 'Good', '2026-06-10 10:00:00', '2026-06-11 10:00:00', NULL,
      NULL, NULL, NULL, NULL, 0, 0, '2026-06-11 10:00:00', 3),
  -- an internal ticket, of no client
  (12, 0, NULL, '2026-11-03 10:00:00', NULL, NULL,
      NULL, NULL, NULL, NULL, 0, 0, NULL, 0),
  -- Birch: met; its feedback is not one ITFlow gives (no answer)
  (13, 2, 'Meh', '2026-10-05 10:00:00', '2026-10-06 10:00:00', '2026-10-05 10:10:00',
      '2026-10-05 11:00:00', NULL, 1, NULL, 0, 0, '2026-10-06 10:00:00', 2);

-- Calendar events: reviews are titled QBR or Business Review, in any case.
INSERT INTO calendar_events (event_id, event_title, event_start, event_archived_at, event_client_id) VALUES
  (1, 'Q3 QBR', '2026-08-20 10:00:00', NULL, 1),
  (2, 'Business review Q4', '2026-12-01 10:00:00', NULL, 1),   -- planned
  (3, 'Patch night', '2026-11-01 22:00:00', NULL, 1),          -- not a review
  (4, 'Annual business REVIEW', '2026-03-10 10:00:00', NULL, 1),
  (5, 'Quarterly QBR', '2026-05-15 10:00:00', '2026-05-20 09:00:00', 2), -- archived: never held
  (6, 'qbr', '2026-10-01 14:00:00', NULL, 2),
  (7, 'QBR pitch', '2026-11-01 10:00:00', NULL, 4);            -- a lead's

-- Contacts: renewal contacts are primary or important.
INSERT INTO contacts (contact_id, contact_primary, contact_important, contact_created_at, contact_archived_at, contact_client_id) VALUES
  (1, 1, 0, '2023-03-01 09:00:00', NULL, 1),
  (2, 0, 0, '2023-03-01 09:00:00', NULL, 1),                    -- neither
  (3, 0, 1, '2024-01-01 09:00:00', '2026-07-01 09:00:00', 1),   -- archived 2026-07-01
  (4, 0, 1, '2026-10-01 09:00:00', NULL, 1),                    -- since 2026-10-01
  (5, 0, 1, '2024-05-01 09:00:00', '2026-09-01 09:00:00', 1),   -- archived 2026-09-01
  (6, 1, 0, '2024-02-10 09:00:00', NULL, 2),
  (7, 0, 0, '2024-02-10 09:00:00', NULL, 2),
  (8, 1, 1, '2023-05-01 09:00:00', NULL, 3),
  (9, 1, 0, '2026-10-01 09:00:00', NULL, 4);                    -- a lead's

-- Invoices and payments.
INSERT INTO invoices (invoice_id, invoice_status, invoice_date, invoice_due, invoice_amount, invoice_currency_code, invoice_client_id) VALUES
  (1, 'Paid', '2026-09-01', '2026-10-01', 1500.00, 'USD', 1),
  (2, 'Partial', '2026-10-01', '2026-10-31', 1500.00, 'USD', 1),   -- 500 paid: 1000 overdue
  (3, 'Sent', '2026-11-01', '2026-12-01', 1500.00, 'USD', 1),      -- not due yet
  (4, 'Paid', '2026-05-01', '2026-05-31', 1500.00, 'USD', 1),      -- paid in two goes, the last 2026-07-10
  (5, 'Partial', '2026-08-01', '2026-08-31', 800.00, 'EUR', 2),    -- 500 paid: 300 overdue
  (6, 'Cancelled', '2026-09-01', '2026-10-01', 800.00, 'EUR', 2),
  (7, 'Sent', '2026-10-01', '2026-10-31', 800.00, 'EUR', 2),
  (8, 'Viewed', '2026-09-15', '2026-10-15', 250.00, 'USD', 2),     -- Birch's second currency
  (9, 'Paid', '2024-01-15', '2024-02-14', 800.00, 'EUR', 2),       -- Birch's first invoice
  (10, 'Draft', '2026-09-01', '2026-09-15', 300.00, 'USD', 5),
  (11, 'Non-Billable', '2026-09-20', '2026-10-05', 100.00, 'USD', 5),
  (12, 'Sent', '2026-10-02', '2026-10-20', 100.00, 'USD', 4),      -- a lead's
  (13, 'Paid', '2026-04-01', '2026-05-01', 600.00, 'USD', 3);      -- paid late, 2026-06-20
INSERT INTO payments (payment_id, payment_date, payment_amount, payment_invoice_id) VALUES
  (1, '2026-09-20', 1500.00, 1),
  (2, '2026-10-15', 500.00, 2),
  (3, '2026-06-01', 500.00, 4),
  (4, '2026-07-10', 1000.00, 4),
  (5, '2026-09-05', 300.00, 5),
  (6, '2026-10-10', 200.00, 5),
  (7, '2024-02-01', 800.00, 9),
  (8, '2026-06-20', 600.00, 13);
