-- One row per invoice number prefix (« F202610- »). Issuing a month's invoices updates its
-- row first: on PostgreSQL that row lock makes two gestionnaires issuing at once take
-- turns, so numbers follow each other without a gap or a duplicate.
CREATE TABLE invoice_numbering (
    prefix TEXT PRIMARY KEY
);

-- The staff lists and the accounting export read a structure's payments by date.
CREATE INDEX payments_by_structure_paid ON payments (structure_id, paid_at);
