-- Places held per activity and day: the counter the processing run changes with a
-- conditional update in the transaction that records its decisions, so that capacity is
-- never exceeded even if two runs ever decided at once; also what the calendars read to
-- show the places left without counting every reservation of the month.
CREATE TABLE day_places (
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    taken BIGINT NOT NULL CHECK (taken >= 0),
    PRIMARY KEY (activity_id, day)
);
INSERT INTO day_places (activity_id, day, taken)
    SELECT activity_id, day, COUNT(*) FROM reservations WHERE state = 'acceptee' GROUP BY activity_id, day;

-- The requests not decided yet, counted per day for the places left.
CREATE INDEX reservations_not_sent ON reservations (activity_id, day) WHERE state = 'non_transmise';
