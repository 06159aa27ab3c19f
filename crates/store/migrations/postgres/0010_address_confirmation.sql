-- Address confirmation (a program's `email_confirmation = "required"`): a public registration
-- that gets a seat holds it as `held` until `hold_expires_at`, while the person follows the link
-- mailed to them; a hold not confirmed in time becomes `expired` and its seat goes on.
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('held', 'confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show', 'expired'));
-- when a held seat is freed unless the address is confirmed; set for every held registration
ALTER TABLE registrations ADD COLUMN hold_expires_at TIMESTAMPTZ;
ALTER TABLE registrations ADD CONSTRAINT registrations_hold_has_expiry
    CHECK (status <> 'held' OR hold_expires_at IS NOT NULL);
-- whether the person must confirm their address: 'none' (not asked: the program does not
-- require it, or staff added them), 'pending' (asked, not yet confirmed: held, or waiting and
-- held again when promoted), 'done' (confirmed by following the link)
ALTER TABLE registrations ADD COLUMN address_check TEXT NOT NULL DEFAULT 'none'
    CHECK (address_check IN ('none', 'pending', 'done'));

-- One live registration per person and session; a hold is live.
DROP INDEX registrations_live_email;
CREATE UNIQUE INDEX registrations_live_email ON registrations (session_id, email_key)
    WHERE status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show');
-- The holds to expire, soonest first.
CREATE INDEX registrations_holds ON registrations (hold_expires_at, session_id)
    WHERE status = 'held';

-- How many of a session's taken seats (`seated_*`, which count holds too) are holds.
ALTER TABLE sessions ADD COLUMN held_in_person BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN held_online BIGINT NOT NULL DEFAULT 0;

-- A program that requires address confirmation: how long a seat is held, in minutes (NULL: the
-- program does not require it). Written when the program is loaded; programs loaded before
-- this migration get it from their definition when the store is next opened.
ALTER TABLE programs ADD COLUMN hold_minutes BIGINT CHECK (hold_minutes BETWEEN 1 AND 1440);
ALTER TABLE programs ADD COLUMN hold_minutes_read BOOLEAN NOT NULL DEFAULT FALSE;

-- Address-confirmation links mailed to a person: a new secret per message (stored hashed, like
-- manage links), issued by the sender when it writes the message.
CREATE TABLE confirm_tokens (
    token_hash       TEXT PRIMARY KEY,
    registration_id  BIGINT NOT NULL REFERENCES registrations(id),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX confirm_tokens_by_registration ON confirm_tokens (registration_id);
