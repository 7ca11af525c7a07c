-- architecture.md Decision 10, data-model.md 7 and lesson 6: no more than vapi.max_concurrent_calls
-- calls of one VAPI account may start in the same minute, across every clinic and every pod. One
-- row per (account, UTC minute) counts the starts taken; a start is taken with one conditional
-- upsert (`used < max`), so two pods can never both take the last start of a minute. Rows are
-- never decremented (a cancelled call keeps its start): this bounds starts from above.
CREATE TABLE IF NOT EXISTS call_start_slots (
  account text        NOT NULL,
  minute  timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
  used    integer     NOT NULL CHECK (used >= 1),
  PRIMARY KEY (account, minute)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON call_start_slots TO idexx_sync_pipeline;
