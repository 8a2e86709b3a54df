-- The changes of a day's undecided requests not yet folded into its counter: on
-- PostgreSQL a confirmation writes them here, where no other confirmation waits for its
-- rows, and one instance at a time folds them into `day_places` (see `places`). The
-- calendars add them to the counter. SQLite, whose one writer waits for nobody, moves the
-- counter in place and leaves this table empty.
CREATE TABLE day_place_moves (
    id {{pk}},
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    day TEXT NOT NULL,
    asked BIGINT NOT NULL
);
CREATE INDEX day_place_moves_by_day ON day_place_moves (activity_id, day);
