-- Requests made by e-mail address on the public pages ("Ho perso il link", "I miei dati"),
-- counted so that one address gets at most a few messages an hour whoever asks, across every
-- server process. The address is kept only as the SHA-256 of its key (`Email::key`), never in
-- clear; rows older than the window are deleted as new requests come.
CREATE TABLE address_requests (
    purpose       TEXT NOT NULL CHECK (purpose IN ('lost_links', 'data_link')),
    key_hash      TEXT NOT NULL,
    requested_at  TEXT NOT NULL
);
CREATE INDEX address_requests_by_key ON address_requests (key_hash, purpose, requested_at);
CREATE INDEX address_requests_by_time ON address_requests (requested_at);

-- One-time links to a person's data ("I miei dati"), issued when the message that carries one is
-- sent (the outbox keeps no secret): stored hashed, valid until `expires_at`, spent by an
-- erasure (`used_at`; an erasure also empties `email_key` of every link of the address).
CREATE TABLE data_tokens (
    token_hash  TEXT PRIMARY KEY,
    email_key   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX data_tokens_by_key ON data_tokens (email_key);
CREATE INDEX data_tokens_by_expiry ON data_tokens (expires_at);
