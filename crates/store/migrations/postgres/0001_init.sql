-- skillhub schema, PostgreSQL.
CREATE TABLE programs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    loaded_at   TIMESTAMPTZ NOT NULL
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
    starts_at         TIMESTAMPTZ NOT NULL,
    ends_at           TIMESTAMPTZ NOT NULL,
    zone              TEXT NOT NULL,
    mode              TEXT NOT NULL CHECK (mode IN ('in_person', 'online', 'hybrid')),
    level_min         BIGINT,
    level_max         BIGINT,
    seats_in_person   BIGINT NOT NULL CHECK (seats_in_person >= 0),
    seats_online      BIGINT NOT NULL CHECK (seats_online >= 0),
    seated_in_person  BIGINT NOT NULL DEFAULT 0,
    seated_online     BIGINT NOT NULL DEFAULT 0,
    waiting_in_person BIGINT NOT NULL DEFAULT 0,
    waiting_online    BIGINT NOT NULL DEFAULT 0,
    next_sequence     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX sessions_by_start ON sessions (starts_at, id);
CREATE INDEX sessions_by_program ON sessions (program_id, starts_at, id);

CREATE TABLE registrations (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id         TEXT NOT NULL REFERENCES sessions(id),
    email              TEXT NOT NULL,
    name               TEXT NOT NULL,
    attributes         TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('in_person', 'online')),
    tier               BIGINT NOT NULL,
    sequence           BIGINT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')),
    manage_token_hash  TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX registrations_live_email ON registrations (session_id, email)
    WHERE status IN ('confirmed', 'waitlisted', 'attended', 'no_show');
CREATE INDEX registrations_queue ON registrations (session_id, kind, tier, sequence)
    WHERE status = 'waitlisted';
CREATE INDEX registrations_by_session ON registrations (session_id, id);

CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_is_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);

CREATE TABLE api_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    program_id  TEXT NOT NULL REFERENCES programs(id),
    label       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
