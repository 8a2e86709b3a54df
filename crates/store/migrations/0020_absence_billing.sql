-- Whether a booked day the child missed without cancelling is billed (R-BO-6): each
-- activity says so, as its structure's règlement does. Until now no absence was billed.
ALTER TABLE activities ADD COLUMN absence_billing TEXT NOT NULL DEFAULT 'non_facturee'
    CHECK (absence_billing IN ('facturee', 'non_facturee'));
-- An absence excused by a medical certificate is never billed.
ALTER TABLE attendance ADD COLUMN excused BIGINT NOT NULL DEFAULT 0
    CHECK (excused IN (0, 1) AND (excused = 0 OR present = 0));
