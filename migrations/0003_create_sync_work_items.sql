-- One work item per clinic per run (architecture.md Decisions 4, 17, 18; operations.md §6).
-- Opened with INSERT ... ON CONFLICT (run_id, clinic_id) DO NOTHING. Claimed with a lease:
--   UPDATE ... SET state = '<stage>ing', lease_owner = $1, lease_expires_at = now() + <lease>,
--          attempts = attempts + 1, updated_at = now()
--   WHERE id IN (SELECT id FROM sync_work_items WHERE run_id = $2 AND (state = <input state> OR
--          (state = '<stage>ing' AND lease_expires_at < now())) ORDER BY id FOR UPDATE SKIP LOCKED LIMIT n)
-- and moved forward fenced on (id, lease_owner, state). The window is per item because a backfill
-- request widens it for one clinic only. counts holds per-clinic numbers for the run summary.
CREATE TABLE IF NOT EXISTS sync_work_items (
  id               bigserial PRIMARY KEY,
  run_id           text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
  clinic_id        uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  state            text NOT NULL DEFAULT 'pending'
    CONSTRAINT sync_work_items_state_check
    CHECK (state IN ('pending', 'extracting', 'extracted', 'reconciling', 'reconciled',
                     'scheduling', 'scheduled', 'done', 'failed')),
  lease_owner      text,
  lease_expires_at timestamptz,
  attempts         integer NOT NULL DEFAULT 0
    CONSTRAINT sync_work_items_attempts_check CHECK (attempts >= 0),
  last_error       text,
  error_code       text,
  window_start     timestamptz NOT NULL,
  window_end       timestamptz NOT NULL,
  counts           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sync_work_items_run_id_clinic_id_key UNIQUE (run_id, clinic_id),
  CONSTRAINT sync_work_items_window_check CHECK (window_start < window_end),
  -- `failed` always carries its reason code (no_credentials, invalid_credentials, ...).
  CONSTRAINT sync_work_items_failed_has_code_check CHECK (state <> 'failed' OR error_code IS NOT NULL)
);

-- Claiming: items of a run in a given state, oldest first.
CREATE INDEX IF NOT EXISTS sync_work_items_run_id_state_idx ON sync_work_items (run_id, state, id);
-- A clinic's history (failure streaks, runs show).
CREATE INDEX IF NOT EXISTS sync_work_items_clinic_id_idx ON sync_work_items (clinic_id, created_at);
