-- data-model.md §13 item 4: the clinic's IDEXX Neo base URL (NULL means https://us.idexxneo.com).
-- Whether plain http:// is acceptable (loopback only, Decision 8) is checked by the code.
ALTER TABLE clinics ADD COLUMN IF NOT EXISTS idexx_base_url text;

DO $fix$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conrelid = 'clinics'::regclass AND conname = 'clinics_idexx_base_url_check') THEN
    ALTER TABLE clinics ADD CONSTRAINT clinics_idexx_base_url_check
      CHECK (idexx_base_url ~ '^https?://[^/]+');
  END IF;
END
$fix$;
