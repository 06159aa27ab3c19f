-- A session's allocation policy: first come, first served, or a batch draw when registration
-- closes (everyone waits until then; the draw's seed is recorded).
ALTER TABLE sessions ADD COLUMN policy TEXT NOT NULL DEFAULT 'first_come' CHECK (policy IN ('first_come', 'batch'));
ALTER TABLE sessions ADD COLUMN lottery_seed TEXT;
