-- The audit log names registrations by id only: older lines that copied a registration's
-- e-mail, name and attributes into `before`/`after` lose those members, so erasing a person
-- leaves no personal data in the (otherwise append-only) log.
DROP TRIGGER audit_log_is_append_only_update;
UPDATE audit_log SET before = json_remove(before, '$.email', '$.name', '$.attributes')
    WHERE entity = 'registration' AND before IS NOT NULL AND json_valid(before);
UPDATE audit_log SET after = json_remove(after, '$.email', '$.name', '$.attributes')
    WHERE entity = 'registration' AND after IS NOT NULL AND json_valid(after);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
