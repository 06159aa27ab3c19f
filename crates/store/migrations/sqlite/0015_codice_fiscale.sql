-- A program may require the codice fiscale of whoever registers (its `[settings]
-- codice_fiscale = "required"`): the registration keeps the code it was given (checked, in
-- upper case), and one code holds at most one live registration per session, as one address
-- does. Erasure clears it with the rest of the person's data.
ALTER TABLE registrations ADD COLUMN codice_fiscale TEXT;
CREATE UNIQUE INDEX registrations_live_codice_fiscale ON registrations (session_id, codice_fiscale)
    WHERE codice_fiscale IS NOT NULL
      AND status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show');
