-- Activities, their holiday windows, closures and prices change seldom and are read at
-- every booking step: the portal keeps them in memory and reloads them when this counter
-- has moved. Triggers move it, so that no write, from the back office or by hand, can
-- leave a portal on a stale catalogue.
CREATE TABLE catalog_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER activities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activities
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER windows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holiday_booking_windows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER closures_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity_closures
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER prices_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON price_brackets
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
