-- The language a registration was made in: its messages are written in it.
ALTER TABLE registrations ADD COLUMN lang TEXT NOT NULL DEFAULT 'it' CHECK (lang IN ('it', 'en'));
-- A session's iCalendar SEQUENCE: one more each time staff change its time or place, so the
-- calendar entry a person imported is updated instead of doubled.
ALTER TABLE sessions ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Manage links mailed to a person: every message that shows a registration's manage link gets a
-- new secret of its own (stored hashed, like the one the registration answer shows), so no
-- secret is ever stored readable, not even in the outbox.
CREATE TABLE manage_tokens (
    token_hash       TEXT PRIMARY KEY,
    registration_id  BIGINT NOT NULL REFERENCES registrations(id),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX manage_tokens_by_registration ON manage_tokens (registration_id);

-- Messages to people, written in the transaction of the decision they tell. `notice` is the
-- JSON of a skillhub_notify::Notice (the facts, no secret); the text is written when it is sent.
-- A message is queued, then sent or failed; a sender claims it with a lease (`lease_until`), so
-- two processes never send the same message at once.
CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT NOT NULL,
    registration_id  BIGINT REFERENCES registrations(id),
    recipient        TEXT NOT NULL,
    recipient_key    TEXT NOT NULL,
    lang             TEXT NOT NULL CHECK (lang IN ('it', 'en')),
    notice           TEXT NOT NULL,
    -- once per registration and purpose (a reminder's offset), when set
    dedupe           TEXT UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_until      TIMESTAMPTZ,
    leased_by        TEXT,
    message_id       TEXT,
    last_error       TEXT,
    finished_at      TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_by_registration ON outbox (registration_id);
CREATE INDEX outbox_by_recipient ON outbox (recipient_key);

-- A session staff cancelled: every live registration was cancelled with it, and nobody may
-- register any more.
ALTER TABLE sessions ADD COLUMN cancelled_at TIMESTAMPTZ;
