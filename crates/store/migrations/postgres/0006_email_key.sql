-- E-mail identity is case-insensitive: `Anna@Example.it` and `anna@example.it` are one person.
-- Each registration keeps the address as typed (`email`, for display) and its key (`email_key`:
-- the address with ASCII letters lowercased, as skillhub-core's `Email::key` writes it), and the
-- one-live-registration-per-session index moves to the key.
ALTER TABLE registrations ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
-- COLLATE "C": only ASCII letters change, as in SQLite and in `Email::key`.
UPDATE registrations SET email_key = LOWER(email COLLATE "C");

-- Live registrations of one session that were two addresses before and are one person now
-- (written before this migration) are all kept: the oldest keeps the key, each later one is
-- listed here, with the registration it collides with, and its key gets `#ID` (which no
-- address's key can end with), so the unique index can be built without losing any of them.
CREATE TABLE email_key_collisions (
    registration_id  BIGINT PRIMARY KEY REFERENCES registrations(id),
    session_id       TEXT NOT NULL,
    kept_id          BIGINT NOT NULL REFERENCES registrations(id),
    email_key        TEXT NOT NULL    -- the key both share (the person's, for their data)
);
INSERT INTO email_key_collisions (registration_id, session_id, kept_id, email_key)
SELECT r.id, r.session_id,
       (SELECT MIN(o.id) FROM registrations o
         WHERE o.session_id = r.session_id AND o.email_key = r.email_key
           AND o.status IN ('confirmed', 'waitlisted', 'attended', 'no_show')),
       r.email_key
  FROM registrations r
 WHERE r.status IN ('confirmed', 'waitlisted', 'attended', 'no_show')
   AND EXISTS (SELECT 1 FROM registrations o
                WHERE o.session_id = r.session_id AND o.email_key = r.email_key AND o.id < r.id
                  AND o.status IN ('confirmed', 'waitlisted', 'attended', 'no_show'));
UPDATE registrations SET email_key = email_key || '#' || CAST(id AS TEXT)
 WHERE id IN (SELECT registration_id FROM email_key_collisions);

DROP INDEX registrations_live_email;
CREATE UNIQUE INDEX registrations_live_email ON registrations (session_id, email_key)
    WHERE status IN ('confirmed', 'waitlisted', 'attended', 'no_show');
CREATE INDEX email_key_collisions_by_key ON email_key_collisions (email_key);
-- A person's registrations (GDPR export and erasure by the admin).
CREATE INDEX registrations_by_email ON registrations (email_key);
