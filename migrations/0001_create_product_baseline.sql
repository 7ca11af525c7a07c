-- Product baseline (data-model.md §0 "Baseline for tests", §13 item 1; architecture.md Decision 14).
--
-- The product's core tables predate its migration history, so this file creates every product table
-- the pipeline reads or writes, with the product's names, types, defaults and constraints, using
-- CREATE TABLE IF NOT EXISTS. On the product database (where the tables exist) it changes nothing;
-- tests and the demo build their databases from it. Everything we ADD to these tables is in the
-- later migrations, never here.
--
-- Rules followed here: a column is NOT NULL only where data-model.md says so (the product's shape is
-- what the code must cope with); foreign keys from product tables follow data-model.md; the
-- Supabase-only default auth.uid() on cases.user_id is not reproduced.

-- Supabase's auth schema: a stub only when the schema is absent (test and demo databases).
DO $baseline$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    CREATE TABLE auth.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
  END IF;
END
$baseline$;

-- Enum types of cases, with the product's names and values.
DO $baseline$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'public' AND t.typname = 'CaseStatus') THEN
    CREATE TYPE public."CaseStatus" AS ENUM ('draft', 'ongoing', 'completed', 'reviewed');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'public' AND t.typname = 'CaseType') THEN
    CREATE TYPE public."CaseType" AS ENUM ('checkup', 'emergency', 'surgery', 'follow_up');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'public' AND t.typname = 'CaseVisibility') THEN
    CREATE TYPE public."CaseVisibility" AS ENUM ('public', 'private');
  END IF;
END
$baseline$;

-- §2. clinics. idexx_base_url is ours and comes in a later migration.
CREATE TABLE IF NOT EXISTS clinics (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                     text NOT NULL UNIQUE,
  slug                     text,
  phone                    text,
  email                    text,
  address                  text,
  timezone                 text DEFAULT 'America/Los_Angeles',
  business_hours           jsonb,
  pims_type                text DEFAULT 'idexx_neo',
  outbound_assistant_id    text,
  outbound_phone_number_id text,
  inbound_assistant_id     text,
  inbound_phone_number_id  text,
  is_active                boolean DEFAULT true,
  clerk_org_id             text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

-- §3. users: one row per auth user (same id). idexx_username/idexx_password/idexx_company_id and
-- weave_password are the product's plaintext credential columns (a defect; a later migration clears
-- the idexx_* ones).
CREATE TABLE IF NOT EXISTS users (
  id                             uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email                          text,
  first_name                     text,
  last_name                      text,
  role                           text,
  clinic_name                    text,
  test_mode_enabled              boolean DEFAULT false,
  test_contact_phone             text,
  test_contact_name              text,
  test_contact_email             text,
  call_delay_days                integer DEFAULT 2,
  preferred_call_start_time      time DEFAULT '16:00',
  preferred_call_end_time        time DEFAULT '19:00',
  default_schedule_delay_minutes integer DEFAULT 2,
  email_delay_days               integer DEFAULT 1,
  preferred_email_start_time     time,
  preferred_email_end_time       time,
  max_call_retries               integer DEFAULT 3,
  voicemail_detection_enabled    boolean DEFAULT false,
  voicemail_hangup_on_detection  boolean DEFAULT false,
  voicemail_message              text,
  emergency_phone                text,
  idexx_username                 text,
  idexx_password                 text,
  idexx_company_id               text,
  weave_password                 text,
  created_at                     timestamptz NOT NULL DEFAULT now(),
  updated_at                     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS user_clinic_access (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  clinic_id  uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  role       text DEFAULT 'member',
  is_primary boolean DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, clinic_id)
);

-- §5. Owner identity per clinic; opt-out.
CREATE TABLE IF NOT EXISTS clients (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id                uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  first_name               text,
  last_name                text,
  email                    text,
  phone                    text,
  communication_opt_out    boolean DEFAULT false,
  preferred_contact_method text,
  metadata                 jsonb DEFAULT '{}'::jsonb,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT clients_clinic_id_phone_key UNIQUE NULLS NOT DISTINCT (clinic_id, phone)
);

CREATE TABLE IF NOT EXISTS canonical_patients (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id     uuid REFERENCES clinics (id) ON DELETE CASCADE,
  client_id     uuid REFERENCES clients (id) ON DELETE CASCADE,
  name          text NOT NULL,
  species       text,
  breed         text,
  sex           text,
  date_of_birth date,
  is_deceased   boolean DEFAULT false,
  deceased_at   timestamptz,
  metadata      jsonb DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Unique (client_id, lower(name)): an expression, so an index; created only when the table has no
-- expression unique index yet, so the product's own (under whatever name) is not duplicated.
DO $baseline$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_index i
                  WHERE i.indrelid = 'canonical_patients'::regclass
                    AND i.indisunique AND i.indexprs IS NOT NULL) THEN
    CREATE UNIQUE INDEX canonical_patients_client_id_lower_name_key
      ON canonical_patients (client_id, lower(name));
  END IF;
END
$baseline$;

-- §4. cases. No unique (clinic_id, external_id) here: that is our fix, a later migration.
CREATE TABLE IF NOT EXISTS cases (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid REFERENCES users (id) ON DELETE SET NULL,
  clinic_id            uuid REFERENCES clinics (id) ON DELETE CASCADE,
  created_by           uuid,
  updated_by           uuid,
  source               text DEFAULT 'manual',
  external_id          text,
  status               public."CaseStatus" DEFAULT 'draft',
  type                 public."CaseType",
  visibility           public."CaseVisibility" DEFAULT 'private',
  scheduled_at         timestamptz,
  metadata             jsonb DEFAULT '{}'::jsonb,
  entity_extraction    jsonb,
  extreme_case_check   jsonb,
  is_urgent            boolean DEFAULT false,
  is_starred           boolean DEFAULT false,
  auto_scheduled_at    timestamptz,
  scheduling_source    text CHECK (scheduling_source IN ('auto', 'manual')),
  call_enabled         boolean DEFAULT true,
  email_enabled        boolean DEFAULT true,
  cadence_source       text,
  call_delay_days      integer,
  email_delay_days     integer,
  detected_case_type   text,
  canonical_patient_id uuid REFERENCES canonical_patients (id) ON DELETE SET NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- §5. One patient row per case (not enforced by the product).
CREATE TABLE IF NOT EXISTS patients (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id              uuid REFERENCES cases (id) ON DELETE CASCADE,
  user_id              uuid,
  clinic_id            uuid REFERENCES clinics (id) ON DELETE CASCADE,
  client_id            uuid REFERENCES clients (id) ON DELETE SET NULL,
  canonical_patient_id uuid REFERENCES canonical_patients (id) ON DELETE SET NULL,
  name                 text NOT NULL,
  species              text,
  breed                text,
  sex                  text,
  date_of_birth        date,
  weight_kg            numeric,
  owner_name           text,
  owner_phone          text,
  owner_email          text,
  source               text,
  external_id          text,
  metadata             jsonb DEFAULT '{}'::jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- §7. Call rules, product defaults.
CREATE TABLE IF NOT EXISTS auto_scheduling_config (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id            uuid NOT NULL UNIQUE REFERENCES clinics (id) ON DELETE CASCADE,
  is_enabled           boolean DEFAULT false,
  auto_call_enabled    boolean DEFAULT true,
  auto_email_enabled   boolean DEFAULT true,
  email_delay_days     integer DEFAULT 1,
  preferred_email_time time DEFAULT '10:00',
  call_delay_days      integer DEFAULT 3,
  preferred_call_time  time DEFAULT '16:00',
  scheduling_criteria  jsonb DEFAULT '{"excludeCaseTypes": [], "includeCaseStatuses": ["completed"], "minCaseAgeHours": 0, "maxCaseAgeDays": 3, "requireContactInfo": true, "requireDischargeSummary": true}'::jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS clinic_case_type_cadence (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id            uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  case_type            text NOT NULL,
  auto_schedule_call   boolean DEFAULT true,
  auto_schedule_email  boolean DEFAULT true,
  call_delay_days      integer DEFAULT 1,
  email_delay_days     integer DEFAULT 1,
  preferred_call_time  time DEFAULT '10:00',
  preferred_email_time time DEFAULT '09:00',
  never_auto_schedule  boolean DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (clinic_id, case_type)
);

-- §6. The product's CHECK on status; a later migration adds pending_publish, dialing, skipped.
CREATE TABLE IF NOT EXISTS scheduled_discharge_calls (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                  uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  case_id                  uuid REFERENCES cases (id) ON DELETE CASCADE,
  assistant_id             text,
  outbound_phone_number_id text,
  customer_phone           text,
  scheduled_for            timestamptz NOT NULL,
  status                   text NOT NULL DEFAULT 'queued'
    CONSTRAINT scheduled_discharge_calls_status_check
    CHECK (status IN ('queued', 'ringing', 'in_progress', 'completed', 'failed', 'cancelled')),
  vapi_call_id             text,
  qstash_message_id        text,
  dynamic_variables        jsonb NOT NULL,
  metadata                 jsonb DEFAULT '{}'::jsonb,
  started_at               timestamptz,
  ended_at                 timestamptz,
  ended_reason             text,
  duration_seconds         integer,
  transcript               text,
  summary                  text,
  recording_url            text,
  cost                     numeric,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

-- §8. Encrypted Neo logins (live shape). One-active-row key and the validation_status CHECK are ours,
-- a later migration.
CREATE TABLE IF NOT EXISTS idexx_credentials (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  clinic_id            uuid REFERENCES clinics (id) ON DELETE CASCADE,
  username_encrypted   bytea NOT NULL,
  password_encrypted   bytea NOT NULL,
  company_id_encrypted bytea,
  encryption_key_id    text DEFAULT 'default',
  is_active            boolean DEFAULT true,
  sync_enabled         boolean DEFAULT true,
  validation_status    text DEFAULT 'unknown',
  last_validated_at    timestamptz,
  last_used_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- §9. One row per clinic per sync (live shape); run_id and friends come later.
CREATE TABLE IF NOT EXISTS idexx_sync_sessions (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  clinic_id                 uuid NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
  credential_id             uuid REFERENCES idexx_credentials (id) ON DELETE SET NULL,
  session_type              text DEFAULT 'full_sync'
    CONSTRAINT idexx_sync_sessions_session_type_check
    CHECK (session_type IN ('appointment_sync', 'consultation_sync', 'full_sync')),
  status                    text DEFAULT 'pending'
    CONSTRAINT idexx_sync_sessions_status_check
    CHECK (status IN ('pending', 'in_progress', 'completed', 'failed')),
  started_at                timestamptz DEFAULT now(),
  completed_at              timestamptz,
  appointments_synced       integer DEFAULT 0,
  consultations_synced      integer DEFAULT 0,
  consultations_failed      integer DEFAULT 0,
  discharge_calls_scheduled integer DEFAULT 0,
  error_message             text,
  error_details             jsonb,
  next_scheduled_sync       timestamptz,
  metadata                  jsonb DEFAULT '{}'::jsonb,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- §10. Live shape, including its defect: neo_consultation_id unique across all clinics.
CREATE TABLE IF NOT EXISTS consultation_sync_status (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sync_session_id     uuid NOT NULL REFERENCES idexx_sync_sessions (id) ON DELETE CASCADE,
  neo_consultation_id text NOT NULL UNIQUE,
  case_id             uuid REFERENCES cases (id) ON DELETE SET NULL,
  status              text DEFAULT 'pending'
    CONSTRAINT consultation_sync_status_status_check
    CHECK (status IN ('pending', 'synced', 'reconciled', 'failed', 'skipped')),
  synced_at           timestamptz,
  reconciled_at       timestamptz,
  error_message       text,
  metadata            jsonb DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- §11. The live audit table (unpartitioned, empty in production). A later migration replaces it with
-- the partitioned, hash-chained table.
CREATE TABLE IF NOT EXISTS idexx_sync_audit_log (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL,
  clinic_id       uuid NOT NULL,
  sync_session_id uuid,
  action_type     text NOT NULL
    CONSTRAINT idexx_sync_audit_log_action_type_check
    CHECK (action_type IN ('credential_access', 'sync_started', 'sync_completed', 'sync_failed',
                           'consultation_synced', 'reconciliation')),
  resource_type   text
    CONSTRAINT idexx_sync_audit_log_resource_type_check
    CHECK (resource_type IN ('credential', 'appointment', 'consultation', 'sync_session')),
  resource_id     text,
  status          text NOT NULL
    CONSTRAINT idexx_sync_audit_log_status_check CHECK (status IN ('success', 'failure')),
  ip_address      inet,
  user_agent      text,
  details         jsonb DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);
