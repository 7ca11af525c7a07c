-- Requested backfills (architecture.md Decision 25): one row per clinic; a request for several
-- clinics is several rows sharing group_id. A run serves pending rows of its clinics (state served,
-- served_by_run, served_at) and counts them in sync_runs.backfills_served.
CREATE TABLE IF NOT EXISTS backfill_requests (
  id            bigserial PRIMARY KEY,
  group_id      uuid NOT NULL DEFAULT gen_random_uuid(),
  clinic_id     uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  window_from   timestamptz NOT NULL,
  window_to     timestamptz NOT NULL,
  requested_by  text NOT NULL,
  reason        text,
  state         text NOT NULL DEFAULT 'pending'
    CONSTRAINT backfill_requests_state_check CHECK (state IN ('pending', 'served', 'cancelled')),
  served_by_run text REFERENCES sync_runs (run_id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  served_at     timestamptz,
  CONSTRAINT backfill_requests_window_check CHECK (window_from < window_to),
  CONSTRAINT backfill_requests_served_at_check CHECK (state <> 'served' OR served_at IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS backfill_requests_pending_idx ON backfill_requests (clinic_id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS backfill_requests_group_id_idx ON backfill_requests (group_id);
