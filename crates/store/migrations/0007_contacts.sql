-- The family's contacts (R-DOS-5): people other than the responsables who may pick a
-- child up or be called in an emergency, kept once per family and tied to each child.
CREATE TABLE contacts (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    family_id BIGINT NOT NULL REFERENCES families (id),
    last_name TEXT NOT NULL,
    first_name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_by_family ON contacts (family_id);

CREATE TABLE child_contacts (
    child_id BIGINT NOT NULL REFERENCES children (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    relationship TEXT NOT NULL,
    may_pick_up BIGINT NOT NULL,
    emergency BIGINT NOT NULL,
    PRIMARY KEY (child_id, contact_id)
);
CREATE INDEX child_contacts_by_contact ON child_contacts (contact_id);
