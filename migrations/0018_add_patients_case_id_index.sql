-- The schedule stage and the dispatcher find a case's patient row (one per case, data-model.md 5)
-- with `patients.case_id = cases.id` for every call they plan or place, and reconcile reads each
-- candidate case's patient (name, owner, phone) the same way; the baseline has no index on it, so
-- each lookup scanned the whole table (10,000 calls: ~1 s of planning per 500-call clinic).
-- A plain CREATE INDEX: the migrator runs each file in a transaction, so CONCURRENTLY is not
-- possible; on the product's table it holds writes back for the seconds the build takes.
CREATE INDEX IF NOT EXISTS patients_case_id_idx ON patients (case_id);
