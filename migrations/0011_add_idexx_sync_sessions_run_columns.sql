-- data-model.md §9 and §13 item 6: one session row per clinic per run, upserted on
-- ON CONFLICT (run_id, clinic_id); the product's own rows (run_id NULL) are not constrained.
-- A deadline is status 'failed' with error_code 'deadline_exceeded'.
ALTER TABLE idexx_sync_sessions
  ADD COLUMN IF NOT EXISTS run_id       text,
  ADD COLUMN IF NOT EXISTS error_code   text,
  ADD COLUMN IF NOT EXISTS window_start timestamptz,
  ADD COLUMN IF NOT EXISTS window_end   timestamptz;

DO $fix$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'idexx_sync_sessions'::regclass
                    AND conname = 'idexx_sync_sessions_run_id_clinic_id_key') THEN
    ALTER TABLE idexx_sync_sessions ADD CONSTRAINT idexx_sync_sessions_run_id_clinic_id_key
      UNIQUE (run_id, clinic_id);
  END IF;
END
$fix$;
