-- The requests not decided yet, counted per day beside the places held, so that a
-- calendar reads the places left from one row per day however many families asked.
-- Confirmations and the processing run move it in the transaction that changes the
-- reservations' states.
ALTER TABLE day_places ADD COLUMN asked BIGINT NOT NULL DEFAULT 0 CHECK (asked >= 0);
UPDATE day_places SET asked = (SELECT COUNT(*) FROM reservations r
    WHERE r.activity_id = day_places.activity_id AND r.day = day_places.day AND r.state = 'non_transmise');
INSERT INTO day_places (activity_id, day, taken, asked)
    SELECT r.activity_id, r.day, 0, COUNT(*) FROM reservations r
    WHERE r.state = 'non_transmise'
      AND NOT EXISTS (SELECT 1 FROM day_places d WHERE d.activity_id = r.activity_id AND d.day = r.day)
    GROUP BY r.activity_id, r.day;
-- Only the calendars counted these rows, and no longer do.
DROP INDEX reservations_not_sent;
