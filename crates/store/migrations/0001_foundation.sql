-- One schema for SQLite and PostgreSQL. `{{pk}}` is replaced by each backend's
-- auto-incremented primary key; everything else is portable SQL. Dates are ISO text
-- ('2027-05-15'), instants are UTC text with fixed width ('2027-05-15T06:00:00.000000Z')
-- so that they sort as text, money is integer cents, flags are 0/1 integers.

CREATE TABLE structures (
    id {{pk}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    website_url TEXT,
    school_zone TEXT NOT NULL CHECK (school_zone IN ('A', 'B', 'C')),
    alsace_moselle BIGINT NOT NULL DEFAULT 0,
    accent_color TEXT NOT NULL DEFAULT '#1f5f9e',
    processing_mode TEXT NOT NULL DEFAULT 'nuit' CHECK (processing_mode IN ('nuit', 'immediat')),
    created_at TEXT NOT NULL
);

CREATE TABLE announcements (
    id {{pk}},
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    display_from TEXT NOT NULL,
    display_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX announcements_by_structure ON announcements (structure_id, display_from);

CREATE TABLE school_holidays (
    id {{pk}},
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    UNIQUE (zone, first_day)
);

CREATE TABLE wallets (
    id {{pk}},
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    name TEXT NOT NULL,
    billing_mode TEXT NOT NULL CHECK (billing_mode IN ('facturation', 'prepaiement')),
    UNIQUE (structure_id, name)
);

CREATE TABLE activities (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    wallet_id BIGINT NOT NULL REFERENCES wallets (id),
    name TEXT NOT NULL,
    -- 'scolaire': open on the school days of its weekdays; 'vacances': open on the
    -- weekdays of holiday periods, booked inside each period's window.
    period_kind TEXT NOT NULL CHECK (period_kind IN ('scolaire', 'vacances')),
    weekdays TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    capacity BIGINT,
    deadline_weekday BIGINT NOT NULL DEFAULT 4,
    deadline_time TEXT NOT NULL DEFAULT '23:59:59',
    deadline_weeks_before BIGINT NOT NULL DEFAULT 1,
    horizon_days BIGINT NOT NULL DEFAULT 90,
    UNIQUE (structure_id, name)
);

CREATE TABLE holiday_booking_windows (
    id {{pk}},
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    holiday_name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL
);

CREATE TABLE activity_closures (
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (activity_id, day)
);

-- A price applies up to and including `qf_max`; the bracket with no maximum applies
-- above every other one (and to families whose quotient familial is unknown).
CREATE TABLE price_brackets (
    id {{pk}},
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    qf_max BIGINT,
    price_cents BIGINT NOT NULL
);

CREATE TABLE families (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    identifiant TEXT NOT NULL UNIQUE,
    civility TEXT NOT NULL,
    last_name TEXT NOT NULL,
    first_name TEXT NOT NULL,
    emails TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 1,
    quotient_familial BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE family_structures (
    family_id BIGINT NOT NULL REFERENCES families (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    PRIMARY KEY (family_id, structure_id)
);

CREATE TABLE children (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    family_id BIGINT NOT NULL REFERENCES families (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    school TEXT
);
CREATE INDEX children_by_family ON children (family_id);

CREATE TABLE registrations (
    child_id BIGINT NOT NULL REFERENCES children (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    PRIMARY KEY (child_id, activity_id)
);

CREATE TABLE staff (
    id {{pk}},
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('administrateur', 'gestionnaire', 'animateur')),
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE staff_structures (
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    PRIMARY KEY (staff_id, structure_id)
);

-- The current state of one child's day at one activity.
CREATE TABLE reservations (
    id {{pk}},
    family_id BIGINT NOT NULL REFERENCES families (id),
    child_id BIGINT NOT NULL REFERENCES children (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('non_transmise', 'acceptee', 'attente', 'refusee', 'annulee')),
    amount_cents BIGINT NOT NULL,
    confirmed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (child_id, activity_id, day)
);
CREATE INDEX reservations_by_family ON reservations (family_id, day);
CREATE INDEX reservations_by_activity_day ON reservations (activity_id, day, state);

CREATE TABLE invoices (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    family_id BIGINT NOT NULL REFERENCES families (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    wallet_id BIGINT NOT NULL REFERENCES wallets (id),
    period_month TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL
);
CREATE INDEX invoices_by_family ON invoices (family_id, structure_id);

CREATE TABLE consommations (
    id {{pk}},
    family_id BIGINT NOT NULL REFERENCES families (id),
    child_id BIGINT NOT NULL REFERENCES children (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    invoice_id BIGINT REFERENCES invoices (id),
    UNIQUE (child_id, activity_id, day)
);
CREATE INDEX consommations_by_family ON consommations (family_id, day);

CREATE TABLE payments (
    id {{pk}},
    public_id TEXT NOT NULL UNIQUE,
    family_id BIGINT NOT NULL REFERENCES families (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    wallet_id BIGINT REFERENCES wallets (id),
    amount_cents BIGINT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('carte', 'especes', 'cheque', 'cesu', 'virement')),
    reference TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('en_cours', 'paye', 'refuse', 'abandonne')),
    created_at TEXT NOT NULL,
    paid_at TEXT
);
CREATE INDEX payments_by_family ON payments (family_id, structure_id);

CREATE TABLE payment_allocations (
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);

-- Transactional outbox: a mail is inserted in the transaction of the change that causes
-- it, then delivered by the sender, which claims rows with a lease so that several
-- instances never send the same mail twice at once.
CREATE TABLE outbox (
    id {{pk}},
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- Installation-wide facts such as the time of the last data change.
CREATE TABLE app_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
