-- When each stage first claimed a work item and when it last let go of it (advanced, failed or
-- released), e.g. {"extracting_started": "...", "extracting_finished": "..."}: the run closer's
-- per-stage durations come from here (operations.md 3.3, idexx_sync_last_run_stage_duration_seconds).
-- Kept on the item, not in a per-run row, so that parallel workers never wait on one hot row.
ALTER TABLE sync_work_items ADD COLUMN IF NOT EXISTS stage_times jsonb NOT NULL DEFAULT '{}'::jsonb;
