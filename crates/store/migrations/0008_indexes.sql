-- The balance (read on every reservation page for the débiteur rule) sums what was paid
-- per invoice: without this index it scans every payment's allocations.
CREATE INDEX payment_allocations_by_invoice ON payment_allocations (invoice_id);
