-- The processing run: one at a time (a lease), resumable (each batch of requests is one
-- transaction), and each family's report queued exactly once per run.

CREATE TABLE run_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);

CREATE TABLE processing_runs (
    id {{pk}},
    started_at TEXT NOT NULL,
    finished_at TEXT,
    requests BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE reservation_requests ADD COLUMN run_id BIGINT REFERENCES processing_runs (id);

-- Where a reservation stands in its day's waiting list: the request that put it there.
ALTER TABLE reservations ADD COLUMN queue_position BIGINT;

-- Waiting reservations given a place by a run, for the families' mails.
CREATE TABLE promotions (
    run_id BIGINT NOT NULL REFERENCES processing_runs (id),
    reservation_id BIGINT NOT NULL REFERENCES reservations (id),
    PRIMARY KEY (run_id, reservation_id)
);

-- The mails of a run already queued: 'compte_rendu' (the report) or 'liste_attente' (places
-- given from the waiting list), once per family and structure.
CREATE TABLE run_reports (
    run_id BIGINT NOT NULL REFERENCES processing_runs (id),
    family_id BIGINT NOT NULL REFERENCES families (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    kind TEXT NOT NULL CHECK (kind IN ('compte_rendu', 'liste_attente')),
    PRIMARY KEY (run_id, family_id, structure_id, kind)
);
CREATE INDEX reservation_requests_by_run ON reservation_requests (run_id, family_id);
CREATE INDEX reservation_requests_by_day ON reservation_requests (child_id, activity_id, day);
