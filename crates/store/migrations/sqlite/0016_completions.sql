-- Completions of online courses from an e-learning platform (a Moodle export, xAPI statements):
-- the facts an online target counts. A person is their address's key as registrations keep it
-- (`email_key`, `Email::key`) and counts by its SHA-256 (`person_key`), the same key their
-- attended registrations count by, so someone who attends in a classroom and completes online
-- counts once for a target above both. An xAPI account has no address: its key is
-- `account HOME_PAGE NAME`, hashed, and `email`/`email_key` stay empty. A course completed twice
-- by one person is one row: importing the same export again adds nothing. Erasure empties
-- `email` and `email_key` and keeps the hashed key, so the targets' counts stay as they were.
CREATE TABLE completions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id         TEXT NOT NULL REFERENCES programs(id),
    email              TEXT,
    email_key          TEXT,
    person_key         TEXT NOT NULL,
    course             TEXT NOT NULL,
    completed_on       TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('moodle', 'xapi')),
    country            TEXT NOT NULL,
    organisation_type  TEXT,
    organisation_code  TEXT,
    imported_at        TEXT NOT NULL,
    UNIQUE (program_id, person_key, course)
);
-- A person's completions (GDPR export and erasure).
CREATE INDEX completions_by_email ON completions (email_key);
