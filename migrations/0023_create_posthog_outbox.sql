-- PostHog events wait here until the capture endpoint accepted them (architecture.md, Consistency 3;
-- external-services.md §3). A row is written in the same transaction as what it reports, with its
-- deterministic uuid (UUIDv5 of "<event>|<natural key>") and its timestamp, so a re-run adds nothing
-- and a retry re-sends identical bytes. An unreachable PostHog leaves rows unsent for the next run.
CREATE TABLE IF NOT EXISTS posthog_outbox (
  id          bigserial PRIMARY KEY,
  uuid        uuid NOT NULL CONSTRAINT posthog_outbox_uuid_key UNIQUE,
  event       text NOT NULL CONSTRAINT posthog_outbox_event_check
                CHECK (event IN ('sync.started', 'sync.completed', 'sync.failed', 'discharge.scheduled',
                                 'credential.validated')),
  distinct_id text NOT NULL CONSTRAINT posthog_outbox_distinct_id_check CHECK (distinct_id <> ''),
  occurred_at timestamptz NOT NULL,  -- the event's `timestamp`, fixed at enqueue time
  properties  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,           -- NULL until a batch holding it was answered 2xx
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
CREATE INDEX IF NOT EXISTS posthog_outbox_unsent_idx ON posthog_outbox (id) WHERE sent_at IS NULL;

DO $grant$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'idexx_sync_pipeline') THEN
    GRANT SELECT, INSERT, UPDATE ON posthog_outbox TO idexx_sync_pipeline;
    GRANT USAGE ON SEQUENCE posthog_outbox_id_seq TO idexx_sync_pipeline;
  END IF;
END
$grant$;
