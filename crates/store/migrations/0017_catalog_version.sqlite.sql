-- Activities, their holiday windows, closures and prices change seldom and are read at
-- every booking step: the portal keeps them in memory and reloads them when this counter
-- has moved. Triggers move it, so that no write, from the back office or by hand, can
-- leave a portal on a stale catalogue.
CREATE TABLE catalog_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
CREATE TRIGGER activities_inserted AFTER INSERT ON activities BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER activities_updated AFTER UPDATE ON activities BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER activities_deleted AFTER DELETE ON activities BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER windows_inserted AFTER INSERT ON holiday_booking_windows BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER windows_updated AFTER UPDATE ON holiday_booking_windows BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER windows_deleted AFTER DELETE ON holiday_booking_windows BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER closures_inserted AFTER INSERT ON activity_closures BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER closures_updated AFTER UPDATE ON activity_closures BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER closures_deleted AFTER DELETE ON activity_closures BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER prices_inserted AFTER INSERT ON price_brackets BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER prices_updated AFTER UPDATE ON price_brackets BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER prices_deleted AFTER DELETE ON price_brackets BEGIN UPDATE catalog_version SET version = version + 1; END;
