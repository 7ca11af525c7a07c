-- data-model.md §10 and §13 item 7: consultation ids are unique per clinic, not globally. Adds
-- clinic_id (filled from the session row for existing rows, then NOT NULL), the per-clinic key used by
-- ON CONFLICT (clinic_id, neo_consultation_id), drops the product's global unique on
-- neo_consultation_id (whatever its name), adds the link columns and the statuses needs_review and
-- unmatched.
ALTER TABLE consultation_sync_status
  ADD COLUMN IF NOT EXISTS clinic_id          uuid REFERENCES clinics (id) ON DELETE CASCADE,
  ADD COLUMN IF NOT EXISTS neo_appointment_id text,
  ADD COLUMN IF NOT EXISTS content_hash       text,
  ADD COLUMN IF NOT EXISTS revision           integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS has_clinical_notes boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS notes_synced_at    timestamptz,
  ADD COLUMN IF NOT EXISTS discharge_call_id  uuid REFERENCES scheduled_discharge_calls (id) ON DELETE SET NULL,
  ADD COLUMN IF NOT EXISTS last_sync_attempt  timestamptz;

UPDATE consultation_sync_status AS c
   SET clinic_id = s.clinic_id
  FROM idexx_sync_sessions AS s
 WHERE c.clinic_id IS NULL AND s.id = c.sync_session_id;

ALTER TABLE consultation_sync_status ALTER COLUMN clinic_id SET NOT NULL;

DO $fix$
DECLARE
  neo_column smallint;
  item record;
BEGIN
  SELECT attnum INTO neo_column FROM pg_attribute
   WHERE attrelid = 'consultation_sync_status'::regclass AND attname = 'neo_consultation_id';

  -- The global unique key: a constraint, or a bare unique index, on neo_consultation_id alone.
  FOR item IN SELECT conname FROM pg_constraint
               WHERE conrelid = 'consultation_sync_status'::regclass AND contype = 'u'
                 AND conkey = ARRAY[neo_column]
  LOOP
    EXECUTE format('ALTER TABLE consultation_sync_status DROP CONSTRAINT %I', item.conname);
  END LOOP;
  FOR item IN SELECT i.indexrelid::regclass::text AS index_name FROM pg_index i
               WHERE i.indrelid = 'consultation_sync_status'::regclass AND i.indisunique
                 AND NOT i.indisprimary AND i.indnkeyatts = 1 AND i.indkey[0] = neo_column
                 AND i.indpred IS NULL
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  LOOP
    EXECUTE format('DROP INDEX %s', item.index_name);
  END LOOP;

  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'consultation_sync_status'::regclass
                    AND conname = 'consultation_sync_status_clinic_id_neo_consultation_id_key') THEN
    ALTER TABLE consultation_sync_status ADD CONSTRAINT consultation_sync_status_clinic_id_neo_consultation_id_key
      UNIQUE (clinic_id, neo_consultation_id);
  END IF;

  -- Replace the status CHECK (any CHECK on status alone, whatever its name).
  FOR item IN SELECT c.conname FROM pg_constraint c
               WHERE c.conrelid = 'consultation_sync_status'::regclass AND c.contype = 'c'
                 AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                        WHERE attrelid = 'consultation_sync_status'::regclass
                                          AND attname = 'status')]
  LOOP
    EXECUTE format('ALTER TABLE consultation_sync_status DROP CONSTRAINT %I', item.conname);
  END LOOP;
  ALTER TABLE consultation_sync_status ADD CONSTRAINT consultation_sync_status_status_check
    CHECK (status IN ('pending', 'synced', 'reconciled', 'failed', 'skipped', 'needs_review', 'unmatched'));
END
$fix$;

CREATE INDEX IF NOT EXISTS consultation_sync_status_case_id_idx ON consultation_sync_status (case_id);
CREATE INDEX IF NOT EXISTS consultation_sync_status_clinic_status_idx ON consultation_sync_status (clinic_id, status);
