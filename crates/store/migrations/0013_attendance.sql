-- Pointage (R-BO-6): who came to an activity on a day, as the staff recorded it. A day
-- with rows here is billed from them (present children only); a day without any keeps
-- being billed from its accepted reservations by the nightly step.
CREATE TABLE attendance (
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    child_id BIGINT NOT NULL REFERENCES children (id),
    present BIGINT NOT NULL CHECK (present IN (0, 1)),
    -- 1 for a child who came without an accepted reservation.
    walk_in BIGINT NOT NULL CHECK (walk_in IN (0, 1)),
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (activity_id, day, child_id)
);
