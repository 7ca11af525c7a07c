-- Per-clinic state that outlives runs (architecture.md Decision 6): our on/off switch (a clinic is
-- synced only when idexx_sync_enabled here AND clinics.is_active), the watermark and the failure
-- streak. Watermark columns are updated in the transaction that commits the data they cover.
CREATE TABLE IF NOT EXISTS clinic_sync_state (
  clinic_id            uuid PRIMARY KEY REFERENCES clinics (id) ON DELETE CASCADE,
  idexx_sync_enabled   boolean NOT NULL DEFAULT false,
  last_success_at      timestamptz,
  last_window_end      timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0
    CONSTRAINT clinic_sync_state_consecutive_failures_check CHECK (consecutive_failures >= 0),
  last_error_code      text,
  last_failure_at      timestamptz,
  last_run_id          text REFERENCES sync_runs (run_id) ON DELETE SET NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
