-- Invoices for the PSA fixture; dates relative to the test day (UTC).
SET @t = UTC_DATE();

INSERT INTO invoices (invoice_id, client_id, issued_at, due_at, amount, currency, paid_at, voided) VALUES
  ('i1', 'c1', @t - INTERVAL 80 DAY, @t - INTERVAL 50 DAY, 500.00, 'USD', NULL, 0),
  ('i2', 'c1', @t - INTERVAL 60 DAY, @t - INTERVAL 30 DAY, 700.00, 'USD', @t - INTERVAL 25 DAY, 0),
  ('i3', 'c1', @t - INTERVAL 90 DAY, @t - INTERVAL 70 DAY, 900.00, 'USD', NULL, 1),
  ('i4', 'c1', @t - INTERVAL 10 DAY, @t + INTERVAL 20 DAY, 300.00, 'USD', NULL, 0),
  ('i5', 'c1', @t - INTERVAL 30 DAY, @t,                   100.00, 'EUR', NULL, 0),
  ('i6', 'c2', @t - INTERVAL 30 DAY, @t - INTERVAL 5 DAY,  250.00, 'USD', @t - INTERVAL 1 DAY, 0);
