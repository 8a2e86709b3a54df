-- The staff's second factor: the one-time-password secret (set when the staff member starts
-- the activation, in force once a first code confirmed it), and the last time step used, so
-- that a code is never accepted twice.
ALTER TABLE staff ADD COLUMN totp_secret TEXT;
ALTER TABLE staff ADD COLUMN totp_enabled_at TEXT;
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT;

-- Between the password and the code: a sign-in that still owes its code. Only the token's
-- hash is kept; a few minutes and a few wrong codes end it.
CREATE TABLE staff_login_challenges (
    token_hash TEXT PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    expires_at TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0
);
