-- The pipeline's least-privilege role (architecture.md "Security", Decisions 11 and 21). NOLOGIN;
-- production logins are members of it. Owner-only work (migrate, audit partition upkeep) does not
-- run with it.
--
-- Roles are cluster-wide and several databases may migrate at once on one server: creating it
-- tolerates a concurrent creator.
DO $grant$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'idexx_sync_pipeline') THEN
    BEGIN
      CREATE ROLE idexx_sync_pipeline NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created by a concurrent migration of another database
    END;
  END IF;
END
$grant$;

GRANT USAGE ON SCHEMA public TO idexx_sync_pipeline;

-- Product tables: read.
GRANT SELECT ON clinics, user_clinic_access, clients, canonical_patients, auto_scheduling_config,
                clinic_case_type_cadence, cases, patients, scheduled_discharge_calls, idexx_credentials,
                idexx_sync_sessions, consultation_sync_status
   TO idexx_sync_pipeline;

-- users: every column except the legacy plaintext credential columns.
DO $grant$
DECLARE
  columns text;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute
   WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped
     AND attname NOT IN ('idexx_username', 'idexx_password', 'idexx_company_id', 'weave_password');
  EXECUTE format('GRANT SELECT (%s) ON users TO idexx_sync_pipeline', columns);
END
$grant$;

-- Product tables the stages write.
GRANT INSERT, UPDATE ON cases, patients, consultation_sync_status, idexx_sync_sessions,
                        scheduled_discharge_calls
   TO idexx_sync_pipeline;
GRANT UPDATE ON idexx_credentials TO idexx_sync_pipeline;

-- Audit: insert-only log, updatable chain heads.
GRANT SELECT, INSERT ON idexx_sync_audit_log TO idexx_sync_pipeline;
REVOKE UPDATE, DELETE, TRUNCATE ON idexx_sync_audit_log FROM idexx_sync_pipeline;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO idexx_sync_pipeline;

-- The pipeline's own tables.
GRANT SELECT, INSERT, UPDATE, DELETE
   ON sync_runs, sync_work_items, staging_appointments, staging_consultations, staging_quarantine,
      staging_matches, clinic_sync_state, backfill_requests
   TO idexx_sync_pipeline;

-- Their sequences (bigserial ids).
DO $grant$
DECLARE
  sequence_name text;
BEGIN
  FOR sequence_name IN
    SELECT pg_get_serial_sequence(t, 'id')
      FROM unnest(ARRAY['sync_work_items', 'staging_appointments', 'staging_consultations',
                        'staging_quarantine', 'staging_matches', 'backfill_requests']) AS t
  LOOP
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO idexx_sync_pipeline', sequence_name);
  END LOOP;
END
$grant$;

-- Row-level security: the product enables RLS on its tenant tables for clinic users; the pipeline
-- role is not BYPASSRLS, so it gets its own policies (what it may do at all is limited by the grants
-- above; on the audit log the policies, too, allow only SELECT and INSERT). Harmless where RLS is off.
DO $grant$
DECLARE
  table_name text;
BEGIN
  FOREACH table_name IN ARRAY ARRAY['clinics', 'users', 'user_clinic_access', 'clients', 'canonical_patients',
                                    'auto_scheduling_config', 'clinic_case_type_cadence', 'cases', 'patients',
                                    'scheduled_discharge_calls', 'idexx_credentials', 'idexx_sync_sessions',
                                    'consultation_sync_status']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = table_name::regclass
                      AND polname = 'idexx_sync_pipeline_access') THEN
      EXECUTE format('CREATE POLICY idexx_sync_pipeline_access ON %I AS PERMISSIVE FOR ALL TO idexx_sync_pipeline '
                     'USING (true) WITH CHECK (true)', table_name);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = 'idexx_sync_audit_log'::regclass
                    AND polname = 'idexx_sync_pipeline_read') THEN
    CREATE POLICY idexx_sync_pipeline_read ON idexx_sync_audit_log AS PERMISSIVE FOR SELECT
      TO idexx_sync_pipeline USING (true);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = 'idexx_sync_audit_log'::regclass
                    AND polname = 'idexx_sync_pipeline_append') THEN
    CREATE POLICY idexx_sync_pipeline_append ON idexx_sync_audit_log AS PERMISSIVE FOR INSERT
      TO idexx_sync_pipeline WITH CHECK (true);
  END IF;
END
$grant$;
