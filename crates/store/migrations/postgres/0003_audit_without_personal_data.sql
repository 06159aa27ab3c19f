-- The audit log names registrations by id only: older lines that copied a registration's
-- e-mail, name and attributes into `before`/`after` lose those members, so erasing a person
-- leaves no personal data in the (otherwise append-only) log.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_is_append_only;
UPDATE audit_log SET before = ((before::jsonb) - 'email' - 'name' - 'attributes')::text
    WHERE entity = 'registration' AND before IS NOT NULL AND before LIKE '{%';
UPDATE audit_log SET after = ((after::jsonb) - 'email' - 'name' - 'attributes')::text
    WHERE entity = 'registration' AND after IS NOT NULL AND after LIKE '{%';
ALTER TABLE audit_log ENABLE TRIGGER audit_log_is_append_only;
