-- data-model.md §8 and §13 item 5: one active credential row per (user_id, clinic_id), a user-wide
-- row (clinic_id NULL) counting as one key (NULLS NOT DISTINCT); validation_status limited to our
-- vocabulary. Existing rows are checked first: offending rows stop the migration with a list (ids
-- only), nothing is changed automatically.
DO $fix$
DECLARE
  listing text;
BEGIN
  SELECT string_agg(format('user %s clinic %s: %s active rows', user_id, coalesce(clinic_id::text, '(none)'), n),
                    E'\n')
    INTO listing
    FROM (SELECT user_id, clinic_id, count(*) AS n
            FROM idexx_credentials
           WHERE is_active
           GROUP BY user_id, clinic_id
          HAVING count(*) > 1) AS duplicates;
  IF listing IS NOT NULL THEN
    RAISE EXCEPTION 'idexx_credentials has more than one active row per (user_id, clinic_id)'
      USING DETAIL = listing, HINT = 'deactivate all but the newest row of each pair, then migrate again';
  END IF;

  SELECT string_agg(format('%L: %s rows', validation_status, n), ', ')
    INTO listing
    FROM (SELECT validation_status, count(*) AS n
            FROM idexx_credentials
           WHERE validation_status NOT IN ('unknown', 'valid', 'invalid', '2fa_unsupported')
           GROUP BY validation_status) AS unexpected;
  IF listing IS NOT NULL THEN
    RAISE EXCEPTION 'idexx_credentials.validation_status has values outside unknown|valid|invalid|2fa_unsupported'
      USING DETAIL = listing;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'idexx_credentials'::regclass
                    AND conname = 'idexx_credentials_validation_status_check') THEN
    ALTER TABLE idexx_credentials ADD CONSTRAINT idexx_credentials_validation_status_check
      CHECK (validation_status IN ('unknown', 'valid', 'invalid', '2fa_unsupported'));
  END IF;
END
$fix$;

CREATE UNIQUE INDEX IF NOT EXISTS idexx_credentials_one_active_key
  ON idexx_credentials (user_id, clinic_id) NULLS NOT DISTINCT WHERE is_active;
