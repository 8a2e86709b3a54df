-- Accounts: sessions shared by every instance, login throttling, password resets,
-- versioned legal texts with the families' acceptances, and règlement signatures.

-- Only a hash of the session token is stored, so a leaked database opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    family_id BIGINT REFERENCES families (id),
    staff_id BIGINT REFERENCES staff (id),
    structure_id BIGINT REFERENCES structures (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    CHECK ((family_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX sessions_by_family ON sessions (family_id);
CREATE INDEX sessions_by_staff ON sessions (staff_id);

-- Failed logins per key ('compte:<identifiant>' or 'adresse:<ip>').
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT
);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    family_id BIGINT NOT NULL REFERENCES families (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_by_family ON password_resets (family_id);

-- RGPD notice, CGU and règlement intérieur, per structure, each version kept.
CREATE TABLE legal_texts (
    id {{pk}},
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    kind TEXT NOT NULL CHECK (kind IN ('rgpd', 'cgu', 'reglement')),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (structure_id, kind, version)
);

CREATE TABLE consents (
    family_id BIGINT NOT NULL REFERENCES families (id),
    legal_text_id BIGINT NOT NULL REFERENCES legal_texts (id),
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (family_id, legal_text_id)
);

-- A family's signature of a structure's règlement intérieur for one child: the version
-- signed, the name, place, date and time written by the parent, and when we recorded it.
CREATE TABLE reglement_signatures (
    id {{pk}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    legal_text_id BIGINT NOT NULL REFERENCES legal_texts (id),
    signer_name TEXT NOT NULL,
    signed_place TEXT NOT NULL,
    signed_at_text TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (child_id, legal_text_id)
);
