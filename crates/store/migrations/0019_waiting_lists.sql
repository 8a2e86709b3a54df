-- The days whose waiting list the processing run serves when no request is about them (a
-- capacity raised, a closure lifted): every run looks them up, the immediate structures'
-- after each confirmation, so the lookup reads the waiting reservations only.
CREATE INDEX reservations_waiting ON reservations (activity_id, day) WHERE state = 'attente';
