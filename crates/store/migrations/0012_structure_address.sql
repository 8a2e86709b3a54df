-- The postal address of a structure, shown to families and on documents; set from the
-- back office's structure page.
ALTER TABLE structures ADD COLUMN address TEXT NOT NULL DEFAULT '';
