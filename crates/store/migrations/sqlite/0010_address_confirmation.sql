-- no-transaction
-- Address confirmation (a program's `email_confirmation = "required"`): a public registration
-- that gets a seat holds it as `held` until `hold_expires_at`, while the person follows the link
-- mailed to them; a hold not confirmed in time becomes `expired` and its seat goes on.
--
-- SQLite cannot change a CHECK constraint, so `registrations` is rebuilt the way SQLite
-- documents (https://www.sqlite.org/lang_altertable.html#otheralter): with foreign keys off,
-- in one transaction, create the new table, copy every row (ids kept), drop the old one, rename
-- the new one, rebuild its indexes (it has no trigger and no view reads it), check the foreign
-- keys, commit, and turn foreign keys back on. `PRAGMA foreign_keys` cannot change inside a
-- transaction, hence `no-transaction` above: this file runs its own.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE registrations_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id         TEXT NOT NULL REFERENCES sessions(id),
    email              TEXT NOT NULL,
    name               TEXT NOT NULL,
    attributes         TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('in_person', 'online')),
    tier               INTEGER NOT NULL,
    sequence           INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show', 'expired')),
    manage_token_hash  TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    email_key          TEXT NOT NULL DEFAULT '',
    lang               TEXT NOT NULL DEFAULT 'it' CHECK (lang IN ('it', 'en')),
    -- when a held seat is freed unless the address is confirmed (the first instant it no
    -- longer holds); set for every held registration
    hold_expires_at    TEXT,
    -- whether the person must confirm their address: 'none' (not asked: the program does not
    -- require it, or staff added them), 'pending' (asked, not yet confirmed: held, or waiting
    -- and held again when promoted), 'done' (confirmed by following the link)
    address_check      TEXT NOT NULL DEFAULT 'none' CHECK (address_check IN ('none', 'pending', 'done')),
    CHECK (status <> 'held' OR hold_expires_at IS NOT NULL)
);
INSERT INTO registrations_new (id, session_id, email, name, attributes, kind, tier, sequence,
        status, manage_token_hash, created_at, updated_at, email_key, lang)
    SELECT id, session_id, email, name, attributes, kind, tier, sequence, status,
           manage_token_hash, created_at, updated_at, email_key, lang
      FROM registrations;
-- AUTOINCREMENT: the new table goes on from where the old one was.
UPDATE sqlite_sequence
   SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'registrations')
 WHERE name = 'registrations_new'
   AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'registrations');
DROP TABLE registrations;
ALTER TABLE registrations_new RENAME TO registrations;

-- One live registration per person and session; a hold is live.
CREATE UNIQUE INDEX registrations_live_email ON registrations (session_id, email_key)
    WHERE status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show');
CREATE INDEX registrations_queue ON registrations (session_id, kind, tier, sequence)
    WHERE status = 'waitlisted';
CREATE INDEX registrations_by_session ON registrations (session_id, id);
CREATE INDEX registrations_by_email ON registrations (email_key);
-- The holds to expire, soonest first.
CREATE INDEX registrations_holds ON registrations (hold_expires_at, session_id)
    WHERE status = 'held';

-- How many of a session's taken seats (`seated_*`, which count holds too) are holds.
ALTER TABLE sessions ADD COLUMN held_in_person INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN held_online INTEGER NOT NULL DEFAULT 0;

-- A program that requires address confirmation: how long a seat is held, in minutes (NULL: the
-- program does not require it). Written when the program is loaded; programs loaded before
-- this migration get it from their definition when the store is next opened.
ALTER TABLE programs ADD COLUMN hold_minutes INTEGER CHECK (hold_minutes BETWEEN 1 AND 1440);
ALTER TABLE programs ADD COLUMN hold_minutes_read INTEGER NOT NULL DEFAULT 0;

-- Address-confirmation links mailed to a person: a new secret per message (stored hashed, like
-- manage links), issued by the sender when it writes the message.
CREATE TABLE confirm_tokens (
    token_hash       TEXT PRIMARY KEY,
    registration_id  INTEGER NOT NULL REFERENCES registrations(id),
    created_at       TEXT NOT NULL
);
CREATE INDEX confirm_tokens_by_registration ON confirm_tokens (registration_id);

-- Nothing may point nowhere after the rebuild: a row of `foreign_key_check` fails the CHECK
-- (RAISE works only in triggers), and the migration with it.
CREATE TEMP TABLE registrations_rebuild_check (dangling INTEGER CHECK (dangling = 0));
INSERT INTO registrations_rebuild_check SELECT 1 FROM pragma_foreign_key_check LIMIT 1;
DROP TABLE registrations_rebuild_check;

COMMIT;
PRAGMA foreign_keys = ON;
