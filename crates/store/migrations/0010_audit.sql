-- The audit trail of the back office: every change a staff member makes, with what it was
-- before and after (as the page showed it), kept for the town hall to answer « who did
-- this, and when ». Readings of health data stay in health_data_reads.
CREATE TABLE audit_log (
    id {{pk}},
    at TEXT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    structure_id BIGINT REFERENCES structures (id),
    family_id BIGINT REFERENCES families (id),
    -- « Famille créée », « Activité modifiée »…
    action TEXT NOT NULL,
    -- What was changed, in words: « DUPONT Jean-Paul », « APS MATIN »…
    subject TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX audit_log_by_family ON audit_log (family_id, at);
CREATE INDEX audit_log_by_staff ON audit_log (staff_id, at);
