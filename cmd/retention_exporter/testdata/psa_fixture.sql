-- A small PSA whose every metric is worked out by hand in
-- integration_test.go. Dates are relative to the day the test runs (UTC).
SET time_zone = '+00:00';
SET @t = UTC_DATE();
SET @now = UTC_TIMESTAMP();

INSERT INTO clients (client_id, name, segment, account_manager, customer_since, churned_at, churn_reason) VALUES
  ('c1', 'Acme Corp', 'smb',        'Alice', @t - INTERVAL 400 DAY, NULL, NULL),
  ('c2', 'Beta GmbH', 'enterprise', 'Bob',   @t - INTERVAL 1000 DAY, NULL, NULL),
  ('c3', 'Gamma',     NULL,         NULL,    @t - INTERVAL 30 DAY, NULL, NULL),
  ('c4', 'Delta',     'smb',        'Alice', @t - INTERVAL 500 DAY, @t - INTERVAL 10 DAY, ' Price '),
  ('c5', 'Epsilon',   'smb',        'Alice', @t + INTERVAL 5 DAY, NULL, NULL),
  ('c6', 'Zeta',      'smb',        'Bob',   @t - INTERVAL 800 DAY, @t - INTERVAL 200 DAY, NULL),
  ('c7', 'Eta',       'smb',        'Bob',   @t - INTERVAL 60 DAY, @t, 'Service'),
  ('c8', 'Theta',     'smb',        'Bob',   @t - INTERVAL 10 DAY, @t - INTERVAL 20 DAY, NULL); -- churned before it started: invalid

INSERT INTO contracts (contract_id, client_id, name, contract_type, start_date, end_date, auto_renew,
                       monthly_value, currency, cancelled_at, renewal_notice_sent_at) VALUES
  ('k1',  'c1', 'Managed Services', 'managed', @t - INTERVAL 300 DAY, @t + INTERVAL 45 DAY, 0, 1000.00, 'USD', NULL, NULL),
  ('k2',  'c1', 'Backup',           'backup',  @t - INTERVAL 200 DAY, NULL,                 0,  200.00, 'EUR', NULL, NULL),
  ('k9',  'c1', 'Managed 2022',     'managed', @t - INTERVAL 700 DAY, @t - INTERVAL 301 DAY, 0,  900.00, 'USD', NULL, NULL),
  ('k10', 'c1', 'Managed bridge',   'managed', @t - INTERVAL 330 DAY, @t - INTERVAL 5 DAY,  0,  950.00, 'USD', NULL, NULL),
  ('k3',  'c2', 'Enterprise Care',  'managed', @t - INTERVAL 400 DAY, @t - INTERVAL 20 DAY, 0,  800.00, 'USD', NULL, @t - INTERVAL 60 DAY),
  ('k6',  'c3', 'Starter',          'managed', @t - INTERVAL 30 DAY,  @t + INTERVAL 335 DAY, 1, 300.00, 'USD', @t + INTERVAL 10 DAY, @t - INTERVAL 40 DAY),
  ('k7',  'c4', 'Delta Care',       NULL,      @t - INTERVAL 500 DAY, NULL,                 0,  400.00, 'USD', @t - INTERVAL 10 DAY, NULL),
  ('k8',  'c6', 'Zeta Care',        NULL,      @t - INTERVAL 800 DAY, NULL,                 0,  100.00, 'USD', @t - INTERVAL 200 DAY, NULL),
  ('k11', 'ghost', 'Orphan',        'managed', @t - INTERVAL 10 DAY,  NULL,                 0,   10.00, 'USD', NULL, NULL),
  ('k12', 'c1', 'Backwards',        'managed', @t - INTERVAL 10 DAY,  @t - INTERVAL 20 DAY, 0,   10.00, 'USD', NULL, NULL);

-- c1: 12 endpoints added, 2 retired: 10 managed today. One for c5 (not yet a customer).
INSERT INTO endpoints (endpoint_id, client_id, kind, added_at, retired_at) VALUES
  ('e1', 'c1', 'workstation', @t - INTERVAL 100 DAY, NULL),
  ('e2', 'c1', 'workstation', @t - INTERVAL 100 DAY, NULL),
  ('e3', 'c1', 'workstation', @t - INTERVAL 100 DAY, NULL),
  ('e4', 'c1', 'workstation', @t - INTERVAL 100 DAY, NULL),
  ('e5', 'c1', 'workstation', @t - INTERVAL 100 DAY, NULL),
  ('e6', 'c1', 'server',      @t - INTERVAL 100 DAY, NULL),
  ('e7', 'c1', 'server',      @t - INTERVAL 100 DAY, NULL),
  ('e8', 'c1', 'server',      @t - INTERVAL 100 DAY, NULL),
  ('e9', 'c1', 'server',      @t - INTERVAL 100 DAY, NULL),
  ('e10','c1', 'server',      @t - INTERVAL 100 DAY, @t + INTERVAL 1 DAY),
  ('e11','c1', 'server',      @t - INTERVAL 100 DAY, @t - INTERVAL 10 DAY),
  ('e12','c1', 'server',      @t - INTERVAL 100 DAY, @t),
  ('e13','c1', 'server',      @t + INTERVAL 1 DAY, NULL),
  ('e14','c5', 'server',      @t - INTERVAL 1 DAY, NULL);

-- c1: 5 tickets in 30d, 3 more in 90d; 4 SLA tickets in 90d, 1 breached.
-- c3: 2 tickets in 30d, no SLA. One ticket of an unknown client.
INSERT INTO tickets (ticket_id, client_id, created_at, closed_at, priority, sla_breached) VALUES
  ('t1', 'c1', @now - INTERVAL 1 DAY,   NULL, 'high',   1),
  ('t2', 'c1', @now - INTERVAL 2 DAY,   NULL, 'normal', 0),
  ('t3', 'c1', @now - INTERVAL 3 DAY,   NULL, 'normal', NULL),
  ('t4', 'c1', @now - INTERVAL 4 DAY,   NULL, 'low',    NULL),
  ('t5', 'c1', @now - INTERVAL 29 DAY,  NULL, 'low',    NULL),
  ('t6', 'c1', @now - INTERVAL 31 DAY,  NULL, 'normal', 0),
  ('t7', 'c1', @now - INTERVAL 60 DAY,  NULL, 'normal', 0),
  ('t8', 'c1', @now - INTERVAL 89 DAY,  NULL, 'normal', NULL),
  ('t9', 'c1', @now - INTERVAL 91 DAY,  NULL, 'normal', 1),
  ('t10','c3', @now - INTERVAL 5 DAY,   NULL, 'normal', NULL),
  ('t11','c3', @now - INTERVAL 6 DAY,   NULL, 'normal', NULL),
  ('t12','nobody', @now - INTERVAL 6 DAY, NULL, 'normal', NULL);

-- c1: 4 responses in 90d, 2 positive (score >= 4); one older response.
INSERT INTO surveys (survey_id, client_id, ticket_id, answered_at, score) VALUES
  ('s1', 'c1', 't1', @now - INTERVAL 1 DAY,  5),
  ('s2', 'c1', 't2', @now - INTERVAL 2 DAY,  4),
  ('s3', 'c1', 't3', @now - INTERVAL 3 DAY,  2),
  ('s4', 'c1', 't6', @now - INTERVAL 40 DAY, 1),
  ('s5', 'c1', 't9', @now - INTERVAL 95 DAY, 5);

INSERT INTO reviews (review_id, client_id, held_at, kind) VALUES
  ('r1', 'c1', @t - INTERVAL 300 DAY, 'QBR'),
  ('r2', 'c1', @t - INTERVAL 100 DAY, 'QBR'),
  ('r3', 'c1', @t + INTERVAL 20 DAY,  'QBR'); -- planned: not held yet

INSERT INTO contacts (contact_id, client_id, name, is_renewal_contact, active) VALUES
  ('p1', 'c1', 'Ann',   1, 1),
  ('p2', 'c1', 'Ben',   1, 1),
  ('p3', 'c1', 'Cid',   1, 0),
  ('p4', 'c1', 'Dee',   0, 1),
  ('p5', 'c3', 'Eve',   1, 1);

INSERT INTO assessments (assessment_id, client_id, assessed_at, standards_total, standards_met) VALUES
  ('a1', 'c1', @t - INTERVAL 200 DAY, 10, 5),
  ('a2', 'c1', @t - INTERVAL 30 DAY,  20, 15),
  ('a3', 'c2', @t - INTERVAL 30 DAY,  0,  0);
