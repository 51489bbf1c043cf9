-- A count of the changes to each workspace's stints (`memberships`), so a
-- logged line judged on stints read earlier can be stored without reading
-- them again: it is stored only if the count is still the one read with
-- them (before them: a change in between then shows as a newer count).
-- Kept by triggers, so no change to a stint, whatever writes it, is missed.
CREATE TABLE stint_versions (
    team_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO stint_versions (team_id, version)
    SELECT DISTINCT team_id, 1 FROM memberships;

CREATE TRIGGER stint_versions_on_insert AFTER INSERT ON memberships
BEGIN
    INSERT INTO stint_versions (team_id, version) VALUES (NEW.team_id, 1)
    ON CONFLICT (team_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER stint_versions_on_update AFTER UPDATE ON memberships
BEGIN
    INSERT INTO stint_versions (team_id, version) VALUES (NEW.team_id, 1)
    ON CONFLICT (team_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER stint_versions_on_delete AFTER DELETE ON memberships
BEGIN
    INSERT INTO stint_versions (team_id, version) VALUES (OLD.team_id, 1)
    ON CONFLICT (team_id) DO UPDATE SET version = version + 1;
END;
