-- data-model.md §6 and §13 item 8; architecture.md Decision 10.
-- call_kind ('discharge' for ours; NULL on product rows) and publish_version (bumped on every
-- reschedule; the `v<n>` of the QStash deduplication id). One call per (case_id, call_kind): a plain
-- UNIQUE constraint whose NULLs stay distinct, so product rows without a kind are never constrained
-- (the same as "unique where call_kind is not null") and upserts can say
-- ON CONFLICT (case_id, call_kind) without a predicate. Status CHECK: the product's six values plus
-- pending_publish, dialing and skipped, nothing else (`canceled` stays refused).
ALTER TABLE scheduled_discharge_calls
  ADD COLUMN IF NOT EXISTS call_kind       text,
  ADD COLUMN IF NOT EXISTS publish_version integer NOT NULL DEFAULT 1;

DO $fix$
DECLARE
  item record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'scheduled_discharge_calls'::regclass
                    AND conname = 'scheduled_discharge_calls_publish_version_check') THEN
    ALTER TABLE scheduled_discharge_calls ADD CONSTRAINT scheduled_discharge_calls_publish_version_check
      CHECK (publish_version >= 1);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'scheduled_discharge_calls'::regclass
                    AND conname = 'scheduled_discharge_calls_case_id_call_kind_key') THEN
    ALTER TABLE scheduled_discharge_calls ADD CONSTRAINT scheduled_discharge_calls_case_id_call_kind_key
      UNIQUE (case_id, call_kind);
  END IF;

  FOR item IN SELECT c.conname FROM pg_constraint c
               WHERE c.conrelid = 'scheduled_discharge_calls'::regclass AND c.contype = 'c'
                 AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                        WHERE attrelid = 'scheduled_discharge_calls'::regclass
                                          AND attname = 'status')]
  LOOP
    EXECUTE format('ALTER TABLE scheduled_discharge_calls DROP CONSTRAINT %I', item.conname);
  END LOOP;
  ALTER TABLE scheduled_discharge_calls ADD CONSTRAINT scheduled_discharge_calls_status_check
    CHECK (status IN ('pending_publish', 'queued', 'dialing', 'ringing', 'in_progress', 'completed',
                      'failed', 'cancelled', 'skipped'));
END
$fix$;

-- Due calls, pending publishes and the per-minute slot count.
CREATE INDEX IF NOT EXISTS scheduled_discharge_calls_status_scheduled_for_idx
  ON scheduled_discharge_calls (status, scheduled_for);
CREATE INDEX IF NOT EXISTS scheduled_discharge_calls_case_id_idx ON scheduled_discharge_calls (case_id);
