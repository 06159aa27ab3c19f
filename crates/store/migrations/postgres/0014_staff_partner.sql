-- An operator may be bound to a partner organisation of a program instead of one hub: it reaches
-- every hub that partner runs, as the program's definition names them when the question is asked
-- (a partner is data of its program: `partners` in the definition, `partner` on each hub). The
-- partner's id is checked against the program when the account is added.
ALTER TABLE staff ADD COLUMN partner_id TEXT;
