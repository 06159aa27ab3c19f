-- One live application per cooperative and call. Each application keeps the partita IVA of its
-- applicant (the 11 digits, as skillhub-core reads them; NULL when it does not parse or the
-- application was imported from a call file), and a partial unique index allows one live
-- application (not ineligible, withdrawn or closed) per partita IVA and call. The store refuses
-- a second one first, in the transaction that holds the call's lock; the index is the backstop.
ALTER TABLE grant_applications ADD COLUMN partita_iva TEXT;

UPDATE grant_applications
   SET partita_iva = CASE WHEN trim(json_extract(applicant, '$.partita_iva')) LIKE 'IT%'
                          THEN substr(trim(json_extract(applicant, '$.partita_iva')), 3)
                          ELSE trim(json_extract(applicant, '$.partita_iva')) END
 WHERE applicant IS NOT NULL;

-- Live duplicates written before this migration keep the oldest application's partita IVA only.
UPDATE grant_applications
   SET partita_iva = NULL
 WHERE partita_iva IS NOT NULL
   AND stage NOT IN ('ineligible', 'withdrawn', 'closed')
   AND EXISTS (SELECT 1 FROM grant_applications older
                WHERE older.call_id = grant_applications.call_id
                  AND older.partita_iva = grant_applications.partita_iva
                  AND older.id < grant_applications.id
                  AND older.stage NOT IN ('ineligible', 'withdrawn', 'closed'));

CREATE UNIQUE INDEX grant_applications_one_live_per_partita_iva
    ON grant_applications (call_id, partita_iva)
 WHERE partita_iva IS NOT NULL AND stage NOT IN ('ineligible', 'withdrawn', 'closed');
