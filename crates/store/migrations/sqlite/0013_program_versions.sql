-- Programs as data (issue 18): every program has a current version, and each create or edit
-- stores a new version row (the definition as given, TOML or JSON, who, when, what changed).
-- Sessions record the program version they were published under. What was stored before this
-- migration is version 1 of its program.
ALTER TABLE programs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE programs ADD COLUMN format TEXT NOT NULL DEFAULT 'toml'
    CHECK (format IN ('toml', 'json'));
ALTER TABLE sessions ADD COLUMN program_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE program_versions (
    program_id  TEXT NOT NULL REFERENCES programs (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    format      TEXT NOT NULL CHECK (format IN ('toml', 'json')),
    definition  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    summary     TEXT NOT NULL,          -- Italian, short: skillhub_core::revision::summary_it
    changes     TEXT NOT NULL,          -- JSON: [{"kind", "it", "en"}] of the changes it made
    PRIMARY KEY (program_id, version)
);

INSERT INTO program_versions (program_id, version, format, definition, actor, created_at, summary, changes)
SELECT id, 1, 'toml', definition, 'seed', loaded_at, 'Prima versione.', '[]' FROM programs;

CREATE TRIGGER program_versions_are_kept_update BEFORE UPDATE ON program_versions
BEGIN SELECT RAISE(ABORT, 'program_versions is append-only'); END;
CREATE TRIGGER program_versions_are_kept_delete BEFORE DELETE ON program_versions
BEGIN SELECT RAISE(ABORT, 'program_versions is append-only'); END;
