-- A session's registration window: open from `registration_opens_at` (NULL: since it was
-- created) until `registration_closes_at` (NULL: its start), end excluded.
ALTER TABLE sessions ADD COLUMN registration_opens_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN registration_closes_at TIMESTAMPTZ;
-- A batch session's draw: the commitment recorded while registration is open (`sha256:HEX` of a
-- secret, or the description of a public value to come) and, after the draw, the public value
-- revealed; the seed is SHA-256 of the pool's canonical list followed by that value.
ALTER TABLE sessions ADD COLUMN draw_commitment TEXT;
ALTER TABLE sessions ADD COLUMN draw_public_value TEXT;
