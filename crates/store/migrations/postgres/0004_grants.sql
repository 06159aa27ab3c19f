-- Grant calls ("bandi"): the call, its applications, evaluators with their assignments and
-- declared conflicts of interest, score sheets, awards and monitoring reports. Every decision
-- is taken by skillhub-core's grant rules inside one transaction that holds the call's lock
-- (SELECT … FOR UPDATE on the call row). JSON is text.
CREATE TABLE grant_calls (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    definition    TEXT NOT NULL,          -- the call's JSON, as validated by skillhub-core
    budget_cents  BIGINT NOT NULL CHECK (budget_cents >= 0),
    lottery_seed  TEXT,                   -- 64 hex digits, recorded before any ranking
    ranked_at     TIMESTAMPTZ,                   -- set once, by the ranking; no submissions after it
    next_number   BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE grant_applications (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id          TEXT NOT NULL REFERENCES grant_calls(id),
    code             TEXT NOT NULL,       -- the id in the call's ranking, e.g. coop-1
    applicant        TEXT,                -- JSON; NULL for one imported from a call file
    requested_cents  BIGINT NOT NULL CHECK (requested_cents > 0),
    priorities       TEXT NOT NULL,       -- JSON list of priority criteria declared
    project_kinds    TEXT NOT NULL,       -- JSON list of project kinds declared
    stage            TEXT NOT NULL CHECK (stage IN ('draft', 'submitted', 'eligible', 'ineligible',
                         'under_evaluation', 'evaluated', 'ranked', 'funded', 'reserve',
                         'not_funded', 'reports_due', 'final_report_received', 'closed',
                         'withdrawn')),
    submitted_at     TIMESTAMPTZ,
    shortfalls       TEXT NOT NULL DEFAULT '[]', -- JSON [{"it", "en"}] when ineligible
    token_hash       TEXT UNIQUE,         -- the applicant's token, hashed; NULL when imported
    in_ranking       BIGINT NOT NULL DEFAULT 0 CHECK (in_ranking IN (0, 1)),
    rank             BIGINT,
    withdrawal_seq   BIGINT,             -- order of withdrawals after the ranking (replayed)
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (call_id, code)
);
CREATE INDEX grant_applications_by_stage ON grant_applications (call_id, stage);

CREATE TABLE grant_evaluators (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES grant_calls(id),
    code        TEXT NOT NULL,            -- the evaluator's id in score sheets, e.g. ev1
    label       TEXT NOT NULL,
    token_hash  TEXT UNIQUE,              -- NULL for evaluators imported from a call file
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (call_id, code)
);

-- An evaluator is assigned to an application, or declared a conflict of interest with it.
CREATE TABLE grant_assignments (
    evaluator_id    BIGINT NOT NULL REFERENCES grant_evaluators(id),
    application_id  BIGINT NOT NULL REFERENCES grant_applications(id),
    role            TEXT NOT NULL CHECK (role IN ('assigned', 'conflict')),
    PRIMARY KEY (evaluator_id, application_id)
);
CREATE INDEX grant_assignments_by_application ON grant_assignments (application_id);

CREATE TABLE grant_scores (
    application_id  BIGINT NOT NULL REFERENCES grant_applications(id),
    evaluator_id    BIGINT NOT NULL REFERENCES grant_evaluators(id),
    criterion       TEXT NOT NULL,
    points_micros   BIGINT NOT NULL CHECK (points_micros BETWEEN 0 AND 5000000),
    comment         TEXT NOT NULL,
    scored_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, evaluator_id, criterion)
);

CREATE TABLE grant_awards (
    application_id  BIGINT PRIMARY KEY REFERENCES grant_applications(id),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    awarded_at      TIMESTAMPTZ NOT NULL,
    how             TEXT NOT NULL CHECK (how IN ('ranking', 'promotion')),
    withdrawn_at    TIMESTAMPTZ
);

CREATE TABLE grant_reports (
    application_id  BIGINT NOT NULL REFERENCES grant_applications(id),
    number          BIGINT NOT NULL CHECK (number >= 1),
    kind            TEXT NOT NULL CHECK (kind IN ('periodic', 'final')),
    received_on     DATE NOT NULL,        -- a Europe/Rome date
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, number)
);
