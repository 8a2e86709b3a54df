-- The régie of a structure: the payment provider it has a contract with, and its
-- credentials. 'simulee' is the simulated bank the binary serves (demonstrations);
-- 'test', 'activation' and 'production' are the provider's own platforms.
CREATE TABLE regies (
    structure_id BIGINT PRIMARY KEY REFERENCES structures (id),
    provider TEXT NOT NULL CHECK (provider IN ('payfip', 'systempay')),
    environment TEXT NOT NULL CHECK (environment IN ('simulee', 'test', 'activation', 'production')),
    -- PayFiP: the 6-digit numcli; Systempay: the 8-digit site id.
    merchant_id TEXT NOT NULL,
    -- Systempay: the certificate of the environment (the HMAC key); empty for PayFiP.
    secret TEXT NOT NULL DEFAULT ''
);

-- A card payment's exchange with its provider. The payment row keeps the amount, the state
-- and our reference (PayFiP refdet, Systempay order id).
CREATE TABLE online_payments (
    payment_id BIGINT PRIMARY KEY REFERENCES payments (id),
    provider TEXT NOT NULL,
    -- PayFiP's idOp, known once the payment is created on its side.
    provider_id TEXT,
    -- Where the payment ticket goes: the family's first address when it paid.
    email TEXT NOT NULL,
    -- The bank's authorisation number (or transaction id), for the ticket.
    authorisation TEXT,
    updated_at TEXT NOT NULL
);

-- What a payment was asked to settle; allocated when the payment is paid.
CREATE TABLE payment_invoices (
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_invoices_by_invoice ON payment_invoices (invoice_id);

-- Notifications find their payment by reference; reconciliation walks the unfinished ones.
CREATE INDEX payments_by_reference ON payments (reference);
CREATE INDEX payments_by_state ON payments (state, created_at);
