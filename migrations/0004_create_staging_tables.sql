-- Staging (architecture.md Decision 5, 23; record-linkage.md §2). Extract writes normalised records
-- with typed columns; `raw` is evidence only (staff data such as pageData.providers[] stripped) and is
-- never parsed by a later stage. Every row belongs to a (run_id, clinic_id); writes are upserts on the
-- unique keys below, so a re-extracted clinic replaces its rows instead of duplicating them. The audit
-- stage deletes old runs' rows (DELETE ... WHERE run_id = ...; the keys start with run_id).
-- Neo ids are stored as decimal strings (idexx-neo.md §4.1).

CREATE TABLE IF NOT EXISTS staging_appointments (
  id                  bigserial PRIMARY KEY,
  run_id              text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
  clinic_id           uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  neo_appointment_id  text NOT NULL CONSTRAINT staging_appointments_neo_appointment_id_check
                        CHECK (neo_appointment_id <> ''),
  neo_consultation_id text,                 -- NULL until someone opens a consultation
  start_at            timestamptz NOT NULL, -- UTC instant (DST rules: Decision 24)
  end_at              timestamptz,          -- Neo's end may be missing
  local_date          date NOT NULL,        -- clinic-local date of the start
  start_local         text NOT NULL,        -- clinic-local wall clock, 'YYYY-MM-DD HH:MM:SS'
  patient_id          text,
  patient_name        text,
  client_id           text,
  client_name         text,
  phone_raw           text,                 -- free text as typed by staff
  email               text,
  provider            text,
  resource_id         text,                 -- calendar column, not a provider id
  appointment_type    text,
  reason              text,
  status_raw          text,
  status              text NOT NULL,        -- canonical (idexx-neo.md §6.1), 'unknown' if unmapped
  is_block            boolean NOT NULL DEFAULT false,
  time_flags          text,                 -- e.g. DST gap / ambiguity markers, NULL when none
  raw                 jsonb NOT NULL,
  content_hash        text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT staging_appointments_run_clinic_appointment_key
    UNIQUE (run_id, clinic_id, neo_appointment_id)
);
CREATE INDEX IF NOT EXISTS staging_appointments_consultation_idx
  ON staging_appointments (run_id, clinic_id, neo_consultation_id);

-- A consultation whose detail fetch failed is staged too, with fetch_error set and no content
-- (Decision 23); reconcile writes its `failed` status.
CREATE TABLE IF NOT EXISTS staging_consultations (
  id                     bigserial PRIMARY KEY,
  run_id                 text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
  clinic_id              uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  neo_consultation_id    text NOT NULL CONSTRAINT staging_consultations_neo_consultation_id_check
                           CHECK (neo_consultation_id <> ''),
  neo_appointment_id     text,
  consulted_at           timestamptz,
  local_date             date,                -- clinic-local date of consulted_at
  status                 text,                -- canonical (idexx-neo.md §6.2), 'unknown' if unmapped
  reason                 text,
  patient_id             text,
  patient_name           text,
  patient_species        text,
  patient_breed          text,
  client_id              text,
  client_name            text,
  phone_raw              text,
  email                  text,
  notes_html             text,
  discharge_summary_html text,
  lines                  jsonb NOT NULL DEFAULT '[]'::jsonb,  -- billed lines
  vitals                 jsonb,
  diagnoses              jsonb NOT NULL DEFAULT '[]'::jsonb,
  fetch_error            text,                -- error code of a failed detail fetch, else NULL
  raw                    jsonb,
  content_hash           text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT staging_consultations_run_clinic_consultation_key
    UNIQUE (run_id, clinic_id, neo_consultation_id),
  -- Either fetched content (with its hash and evidence) or a fetch error.
  CONSTRAINT staging_consultations_content_check
    CHECK (fetch_error IS NOT NULL OR (content_hash IS NOT NULL AND raw IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS staging_consultations_appointment_idx
  ON staging_consultations (run_id, clinic_id, neo_appointment_id);

-- Malformed records with the reason (idexx-neo.md §5 `malformed_record`). raw holds the record when
-- it is JSON, raw_text when it is not. No natural key (a malformed record may have no id): extract
-- deletes the clinic's quarantine rows of the run and inserts them again in the transaction that
-- writes the clinic's staging rows.
CREATE TABLE IF NOT EXISTS staging_quarantine (
  id          bigserial PRIMARY KEY,
  run_id      text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
  clinic_id   uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  record_kind text NOT NULL CONSTRAINT staging_quarantine_record_kind_check
                CHECK (record_kind IN ('appointment', 'consultation')),
  neo_id      text,
  reason      text NOT NULL,
  raw         jsonb,
  raw_text    text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS staging_quarantine_run_clinic_idx ON staging_quarantine (run_id, clinic_id);

-- Reconcile's decision per consultation (record-linkage.md §2, §9): auto_linked (tier 1 id,
-- 2 appointment id, 3 probabilistic), needs_review (candidates in reasons), unmatched, created (a case
-- we created for an unmatched consultation) or failed (fetch/parse/link failure).
CREATE TABLE IF NOT EXISTS staging_matches (
  id                  bigserial PRIMARY KEY,
  run_id              text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
  clinic_id           uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  neo_consultation_id text NOT NULL,
  case_id             uuid REFERENCES cases (id) ON DELETE CASCADE,
  decision            text NOT NULL CONSTRAINT staging_matches_decision_check
                        CHECK (decision IN ('auto_linked', 'needs_review', 'unmatched', 'created', 'failed')),
  tier                smallint CONSTRAINT staging_matches_tier_check CHECK (tier IN (1, 2, 3)),
  score               double precision,
  reasons             jsonb NOT NULL DEFAULT '{}'::jsonb,
  params_version      text,               -- linkage parameter version used
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT staging_matches_run_clinic_consultation_key UNIQUE (run_id, clinic_id, neo_consultation_id),
  CONSTRAINT staging_matches_linked_check
    CHECK (decision NOT IN ('auto_linked', 'created') OR case_id IS NOT NULL),
  CONSTRAINT staging_matches_auto_linked_tier_check CHECK (decision <> 'auto_linked' OR tier IS NOT NULL)
);
