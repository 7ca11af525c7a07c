-- data-model.md §3 and §13 item 10: the product kept IDEXX credentials in plaintext on users. Each
-- non-empty value is cleared once the user has its encrypted counterpart in idexx_credentials (any row
-- of the user: username_encrypted and password_encrypted are NOT NULL there; a company id needs a row
-- with company_id_encrypted). A company id of 'default' is the web app's "none" and needs no
-- counterpart. If any user lacks a counterpart, the migration stops and lists those user ids (never
-- the values), so someone stores their credentials first (idexx-sync credentials set). Dropping the
-- columns, and weave_password (not an IDEXX credential), are the product team's business.
DO $fix$
DECLARE
  listing text;
BEGIN
  SELECT string_agg(u.id::text, ', ' ORDER BY u.id) INTO listing
    FROM users AS u
   WHERE (nullif(u.idexx_username, '') IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM idexx_credentials c WHERE c.user_id = u.id))
      OR (nullif(u.idexx_password, '') IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM idexx_credentials c WHERE c.user_id = u.id))
      OR (nullif(nullif(u.idexx_company_id, ''), 'default') IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM idexx_credentials c
                           WHERE c.user_id = u.id AND c.company_id_encrypted IS NOT NULL));
  IF listing IS NOT NULL THEN
    RAISE EXCEPTION 'users with plaintext IDEXX credentials and no encrypted counterpart in idexx_credentials'
      USING DETAIL = 'user ids: ' || listing,
            HINT = 'store their credentials with idexx-sync credentials set (or clear the columns), then migrate again';
  END IF;

  UPDATE users
     SET idexx_username = NULL, idexx_password = NULL, idexx_company_id = NULL
   WHERE idexx_username IS NOT NULL OR idexx_password IS NOT NULL OR idexx_company_id IS NOT NULL;
END
$fix$;
