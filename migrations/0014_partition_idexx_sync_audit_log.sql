-- data-model.md §11 and §13 item 9; architecture.md Decisions 11 and 21.
--
-- Replaces the live idexx_sync_audit_log (unpartitioned, empty in production) with a table
-- partitioned by month on created_at: rename, create, copy, swap, in this one transaction. The new
-- table has the live columns plus the hash-chain columns; clinic_id and user_id become nullable;
-- action_type and resource_type CHECKs are extended; status stays success|failure. The product's
-- grants, row-level-security flags and policies on the old table are carried over. The migration
-- stops (nothing changed) if the old table has columns or triggers it does not know, so a person
-- decides instead of a silent loss. The old table's foreign keys, if any, are not carried over:
-- audit rows must outlive the users and clinics they mention (six-year retention).
--
-- Hash chain: one chain per clinic, chain_key = the clinic id as lower-case text, or 'global' for
-- entries without a clinic. A chained row has chain_key, seq (1, 2, ... per chain), hash, event_key
-- (the idempotency key, e.g. run id + action + resource) and prev_hash (NULL only for seq 1, or a
-- genesis value the code chooses). Rows the product writes carry no chain columns at all; the
-- CHECKs allow all-or-nothing only.
--
-- Uniqueness: a unique index on a partitioned table must contain the partition key, so a global
-- UNIQUE (chain_key, seq) is impossible (UNIQUE (chain_key, seq, created_at) would allow the same
-- seq twice at different instants, i.e. nothing useful). What is enforced:
--   * PRIMARY KEY (id, created_at) on the parent (id is a random uuid, so in practice unique alone);
--   * on EVERY partition (including the default one): UNIQUE (chain_key, seq) and
--     UNIQUE (chain_key, event_key) -- a duplicated sequence number or a re-run's duplicate entry
--     within one month is refused by the database;
--   * across months, the chain head (audit_chain_heads, row-locked by every append, which checks the
--     event key before inserting) hands out each seq once, and `idexx-sync audit verify` detects any
--     gap, duplicate or re-ordering by walking the chain.
-- Partitions are created only through idexx_sync_audit_ensure_partition(month) below, so every
-- partition gets those two indexes; `idexx-sync audit maintain` (owner role) calls it for the months
-- ahead and drops partitions older than six years. The migration creates the current month (UTC)
-- and the next three, plus a DEFAULT partition for anything outside them.

CREATE TABLE IF NOT EXISTS audit_chain_heads (
  chain_key  text PRIMARY KEY,
  last_seq   bigint NOT NULL DEFAULT 0 CONSTRAINT audit_chain_heads_last_seq_check CHECK (last_seq >= 0),
  last_hash  text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Creates the partition of the month containing `month` (UTC month boundaries) with its unique
-- chain indexes, unless it exists; returns its name. Owner role only (EXECUTE revoked from PUBLIC).
CREATE OR REPLACE FUNCTION idexx_sync_audit_ensure_partition(month date) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  first_day   date := date_trunc('month', month)::date;
  part        text := format('idexx_sync_audit_log_p%s', to_char(first_day, 'YYYYMM'));
  lower_bound timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
  upper_bound timestamptz := (first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(quote_ident(part)) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF idexx_sync_audit_log FOR VALUES FROM (%L) TO (%L)',
                   part, lower_bound, upper_bound);
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (chain_key, seq)', part || '_chain_seq_key', part);
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (chain_key, event_key)', part || '_chain_event_key', part);
  END IF;
  RETURN part;
END
$fn$;
REVOKE EXECUTE ON FUNCTION idexx_sync_audit_ensure_partition(date) FROM PUBLIC;

DO $audit$
DECLARE
  old_table  constant text := 'idexx_sync_audit_log_unpartitioned';
  known      constant text[] := ARRAY['id', 'user_id', 'clinic_id', 'sync_session_id', 'action_type',
                                      'resource_type', 'resource_id', 'status', 'ip_address', 'user_agent',
                                      'details', 'created_at', 'run_id', 'chain_key', 'seq', 'prev_hash',
                                      'hash', 'event_key'];
  old_oid    oid;
  listing    text;
  columns    text;
  this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  item       record;
BEGIN
  SELECT c.oid INTO old_oid FROM pg_class c
   WHERE c.oid = to_regclass('idexx_sync_audit_log');
  IF (SELECT relkind FROM pg_class WHERE oid = old_oid) = 'p' THEN
    RETURN; -- already converted
  END IF;

  SELECT string_agg(attname, ', ') INTO listing FROM pg_attribute
   WHERE attrelid = old_oid AND attnum > 0 AND NOT attisdropped AND attname <> ALL (known);
  IF listing IS NOT NULL THEN
    RAISE EXCEPTION 'idexx_sync_audit_log has columns this migration does not know: %', listing
      USING HINT = 'extend the partitioned table in a new migration before converting';
  END IF;
  SELECT string_agg(tgname, ', ') INTO listing FROM pg_trigger WHERE tgrelid = old_oid AND NOT tgisinternal;
  IF listing IS NOT NULL THEN
    RAISE EXCEPTION 'idexx_sync_audit_log has triggers this migration would drop: %', listing;
  END IF;

  EXECUTE format('ALTER TABLE idexx_sync_audit_log RENAME TO %I', old_table);

  CREATE TABLE idexx_sync_audit_log (
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id         uuid,
    clinic_id       uuid,
    sync_session_id uuid,
    action_type     text NOT NULL
      CONSTRAINT idexx_sync_audit_log_action_type_check
      CHECK (action_type IN ('credential_access', 'sync_started', 'sync_completed', 'sync_failed',
                             'consultation_synced', 'reconciliation',
                             'credential_configured', 'credential_validated', 'credential_rotated',
                             'credential_revoked', 'case_created', 'case_updated', 'case_removed',
                             'consultation_review', 'call_scheduled', 'call_cancelled', 'call_skipped')),
    resource_type   text
      CONSTRAINT idexx_sync_audit_log_resource_type_check
      CHECK (resource_type IN ('credential', 'appointment', 'consultation', 'sync_session', 'case',
                               'discharge_call')),
    resource_id     text,
    status          text NOT NULL
      CONSTRAINT idexx_sync_audit_log_status_check CHECK (status IN ('success', 'failure')),
    ip_address      inet,
    user_agent      text,
    details         jsonb DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    run_id          text,
    chain_key       text,
    seq             bigint,
    prev_hash       text,
    hash            text,
    event_key       text,
    CONSTRAINT idexx_sync_audit_log_chain_columns_check
      CHECK ((chain_key IS NULL) = (seq IS NULL) AND (chain_key IS NULL) = (hash IS NULL)
             AND (chain_key IS NULL) = (event_key IS NULL) AND (chain_key IS NOT NULL OR prev_hash IS NULL)),
    CONSTRAINT idexx_sync_audit_log_seq_check CHECK (seq >= 1),
    CONSTRAINT idexx_sync_audit_log_chain_key_check
      CHECK (chain_key = coalesce(clinic_id::text, 'global'))
  ) PARTITION BY RANGE (created_at);

  CREATE TABLE idexx_sync_audit_log_default PARTITION OF idexx_sync_audit_log DEFAULT;
  CREATE UNIQUE INDEX idexx_sync_audit_log_default_chain_seq_key
    ON idexx_sync_audit_log_default (chain_key, seq);
  CREATE UNIQUE INDEX idexx_sync_audit_log_default_chain_event_key
    ON idexx_sync_audit_log_default (chain_key, event_key);
  FOR month_offset IN 0..3 LOOP
    PERFORM idexx_sync_audit_ensure_partition((this_month + make_interval(months => month_offset))::date);
  END LOOP;

  -- Copy (the live table is empty; any rows are moved with their columns).
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute
   WHERE attrelid = old_oid AND attnum > 0 AND NOT attisdropped;
  EXECUTE format('INSERT INTO idexx_sync_audit_log (%s) SELECT %s FROM %I', columns, columns, old_table);

  -- Carry over the product's grants (other than the owner's own), RLS flags and policies.
  FOR item IN SELECT a.privilege_type, a.is_grantable,
                     CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
                FROM pg_class c, aclexplode(c.relacl) a
                LEFT JOIN pg_roles r ON r.oid = a.grantee
               WHERE c.oid = old_oid AND a.grantee <> c.relowner
  LOOP
    EXECUTE format('GRANT %s ON idexx_sync_audit_log TO %s%s', item.privilege_type, item.grantee,
                   CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  IF (SELECT relrowsecurity FROM pg_class WHERE oid = old_oid) THEN
    ALTER TABLE idexx_sync_audit_log ENABLE ROW LEVEL SECURITY;
  END IF;
  IF (SELECT relforcerowsecurity FROM pg_class WHERE oid = old_oid) THEN
    ALTER TABLE idexx_sync_audit_log FORCE ROW LEVEL SECURITY;
  END IF;
  FOR item IN SELECT p.polname, p.polpermissive,
                     CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
                     (SELECT string_agg(CASE WHEN role_oid = 0 THEN 'public'
                                             ELSE quote_ident((SELECT rolname FROM pg_roles WHERE oid = role_oid)) END,
                                        ', ')
                        FROM unnest(p.polroles) AS role_oid) AS roles,
                     pg_get_expr(p.polqual, p.polrelid) AS qual,
                     pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
                FROM pg_policy p WHERE p.polrelid = old_oid
  LOOP
    EXECUTE format('CREATE POLICY %I ON idexx_sync_audit_log AS %s FOR %s TO %s%s%s', item.polname,
                   CASE WHEN item.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, item.command,
                   item.roles,
                   CASE WHEN item.qual IS NULL THEN '' ELSE ' USING (' || item.qual || ')' END,
                   CASE WHEN item.with_check IS NULL THEN '' ELSE ' WITH CHECK (' || item.with_check || ')' END);
  END LOOP;

  EXECUTE format('DROP TABLE %I', old_table);

  ALTER TABLE idexx_sync_audit_log ADD CONSTRAINT idexx_sync_audit_log_pkey PRIMARY KEY (id, created_at);
END
$audit$;

CREATE INDEX IF NOT EXISTS idexx_sync_audit_log_clinic_created_idx ON idexx_sync_audit_log (clinic_id, created_at);
CREATE INDEX IF NOT EXISTS idexx_sync_audit_log_run_id_idx ON idexx_sync_audit_log (run_id);

COMMENT ON TABLE idexx_sync_audit_log IS
  'HIPAA audit trail, partitioned by month on created_at (UTC). Hash chain per clinic (chain_key = clinic id, or global). '
  'Unique (chain_key, seq) and (chain_key, event_key) are enforced per partition; across partitions the chain head lock '
  'and idexx-sync audit verify guard them. Create partitions only with idexx_sync_audit_ensure_partition(date). '
  'The pipeline role may only INSERT and SELECT.';
