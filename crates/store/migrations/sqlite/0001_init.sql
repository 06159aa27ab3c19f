-- skillhub schema, SQLite. Times are RFC 3339 UTC text; JSON is text.
CREATE TABLE programs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL,          -- the program's TOML, as validated by skillhub-core
    loaded_at   TEXT NOT NULL
);

CREATE TABLE hubs (
    id          TEXT PRIMARY KEY,
    program_id  TEXT NOT NULL REFERENCES programs(id),
    name        TEXT NOT NULL,
    zone        TEXT NOT NULL,
    address     TEXT NOT NULL
);

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    program_id        TEXT NOT NULL REFERENCES programs(id),
    hub_id            TEXT REFERENCES hubs(id),
    title             TEXT NOT NULL,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    zone              TEXT NOT NULL,
    mode              TEXT NOT NULL CHECK (mode IN ('in_person', 'online', 'hybrid')),
    level_min         INTEGER,
    level_max         INTEGER,
    seats_in_person   INTEGER NOT NULL CHECK (seats_in_person >= 0),
    seats_online      INTEGER NOT NULL CHECK (seats_online >= 0),
    -- counters, changed only in the transaction that changes the registrations they count
    seated_in_person  INTEGER NOT NULL DEFAULT 0,
    seated_online     INTEGER NOT NULL DEFAULT 0,
    waiting_in_person INTEGER NOT NULL DEFAULT 0,
    waiting_online    INTEGER NOT NULL DEFAULT 0,
    next_sequence     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sessions_by_start ON sessions (starts_at, id);
CREATE INDEX sessions_by_program ON sessions (program_id, starts_at, id);

CREATE TABLE registrations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id         TEXT NOT NULL REFERENCES sessions(id),
    email              TEXT NOT NULL,
    name               TEXT NOT NULL,
    attributes         TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('in_person', 'online')),
    tier               INTEGER NOT NULL,
    sequence           INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')),
    manage_token_hash  TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
-- one live registration per e-mail and session; a cancelled one may register again
CREATE UNIQUE INDEX registrations_live_email ON registrations (session_id, email)
    WHERE status IN ('confirmed', 'waitlisted', 'attended', 'no_show');
CREATE INDEX registrations_queue ON registrations (session_id, kind, tier, sequence)
    WHERE status = 'waitlisted';
CREATE INDEX registrations_by_session ON registrations (session_id, id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    program_id  TEXT NOT NULL REFERENCES programs(id),
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
