-- Reservations: the family's draft (pending changes, kept on the server so that they
-- survive a reload or a change of device), the confirmed movements in arrival order, and
-- the confirmations already answered (a double submit records nothing twice).

CREATE TABLE pending_changes (
    family_id BIGINT NOT NULL REFERENCES families (id),
    child_id BIGINT NOT NULL REFERENCES children (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('reserver', 'annuler')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (child_id, activity_id, day)
);
CREATE INDEX pending_changes_by_family ON pending_changes (family_id);

-- One row per movement confirmed by a family; the id is the arrival order that the
-- processing run follows.
CREATE TABLE reservation_requests (
    id {{pk}},
    confirmation_key TEXT NOT NULL,
    family_id BIGINT NOT NULL REFERENCES families (id),
    child_id BIGINT NOT NULL REFERENCES children (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('reserver', 'annuler')),
    -- The reservation's state when the family confirmed (for a cancellation: whether a
    -- place was held).
    previous_state TEXT,
    amount_cents BIGINT NOT NULL,
    confirmed_at TEXT NOT NULL,
    processed_at TEXT,
    outcome TEXT
);
CREATE INDEX reservation_requests_unprocessed ON reservation_requests (processed_at, id);
CREATE INDEX reservation_requests_by_family ON reservation_requests (family_id, confirmed_at);

CREATE TABLE confirmations (
    key TEXT PRIMARY KEY,
    family_id BIGINT NOT NULL REFERENCES families (id),
    bookings BIGINT NOT NULL,
    cancellations BIGINT NOT NULL,
    confirmed_at TEXT NOT NULL
);

-- Private addresses of the iCalendar feeds of a child's accepted days. The token is kept
-- readable so that the family can copy its address again; it opens nothing else.
CREATE TABLE calendar_feeds (
    token TEXT PRIMARY KEY,
    child_id BIGINT NOT NULL UNIQUE REFERENCES children (id),
    created_at TEXT NOT NULL
);
