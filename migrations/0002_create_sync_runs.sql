-- The run ledger (architecture.md "Run model", Decisions 1 and 17). One row per run; run_id is the
-- Kubernetes Job's name (or --run-id). Every pod of a Job inserts the row with ON CONFLICT DO NOTHING
-- and joins it; the partial unique index below lets only ONE run be `running` at a time, so a pod of
-- a concurrent Job fails to open its run (the conflict is on sync_runs_one_running_key), records its
-- own run as `skipped` and exits 0. Live pods refresh heartbeat_at; a run without a heartbeat for
-- run.abandon_after is set `failed` (error 'abandoned') by the next Job.
CREATE TABLE IF NOT EXISTS sync_runs (
  run_id           text PRIMARY KEY CONSTRAINT sync_runs_run_id_check CHECK (run_id <> ''),
  trigger          text NOT NULL
    CONSTRAINT sync_runs_trigger_check CHECK (trigger IN ('scheduled', 'manual')),
  status           text NOT NULL DEFAULT 'running'
    CONSTRAINT sync_runs_status_check
    CHECK (status IN ('running', 'completed', 'completed_with_failures', 'failed', 'skipped')),
  window_start     timestamptz NOT NULL,
  window_end       timestamptz NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  heartbeat_at     timestamptz NOT NULL DEFAULT now(),
  backfills_served integer NOT NULL DEFAULT 0
    CONSTRAINT sync_runs_backfills_served_check CHECK (backfills_served >= 0),
  error            text,
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT sync_runs_window_check CHECK (window_start < window_end),
  -- A run that is no longer running says when it stopped.
  CONSTRAINT sync_runs_finished_at_check CHECK (status = 'running' OR finished_at IS NOT NULL)
);

-- Only one open run at a time (a constant indexed expression over the running rows).
CREATE UNIQUE INDEX IF NOT EXISTS sync_runs_one_running_key ON sync_runs ((true)) WHERE status = 'running';
-- runs list / retention.
CREATE INDEX IF NOT EXISTS sync_runs_started_at_idx ON sync_runs (started_at);
