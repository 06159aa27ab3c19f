-- The back office's staff: accounts scoped by role (admin; manager of a program; operator of one
-- hub of a program; trainer of a program, who reaches the sessions they are assigned to), their
-- one-time setup links, their login sessions, and the trainers of each session.
--
-- Every secret is kept as a hash: the password as an argon2id PHC string (made by the server),
-- setup links and login cookies as SHA-256 of 256-bit random values. The TOTP secret of an admin
-- who turned it on must be read to check a code, so it is kept as given (SECURITY.md says so);
-- `totp_last_step` is the time step of the last code accepted, so that no code works twice.
CREATE TABLE staff (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    email          TEXT NOT NULL,
    email_key      TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'operator', 'trainer')),
    program_id     TEXT REFERENCES programs (id),
    hub_id         TEXT REFERENCES hubs (id),
    password_hash  TEXT,
    totp_secret    TEXT,
    totp_last_step INTEGER,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL,
    disabled_at    TEXT
);

-- A setup link sets the account's password once, until `expires_at` (72 hours).
CREATE TABLE staff_setup_tokens (
    token_hash  TEXT PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX staff_setup_tokens_by_staff ON staff_setup_tokens (staff_id);

-- A login session: the cookie's hash. It ends at logout or revocation (`closed_at`), after
-- inactivity (`last_seen_at`) or at its absolute end (`expires_at`). `second_factor` is 'due'
-- between the password and the TOTP code of an account that has one, 'done' or 'none' after.
CREATE TABLE staff_logins (
    token_hash     TEXT PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    second_factor  TEXT NOT NULL CHECK (second_factor IN ('none', 'due', 'done')),
    closed_at      TEXT
);
CREATE INDEX staff_logins_by_staff ON staff_logins (staff_id);

-- Who trains at a session: a trainer account sees and checks in only these.
CREATE TABLE session_trainers (
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    PRIMARY KEY (session_id, staff_id)
);
CREATE INDEX session_trainers_by_staff ON session_trainers (staff_id);
