-- Reconcile reads each candidate case's patient row (name, owner, phone) by case id, and creates a
-- patient row only when its case has none: both look patients up by case_id, which the product
-- never indexed (one patient row per case, data-model.md §5). Without it every lookup scans the table.
CREATE INDEX IF NOT EXISTS patients_case_id_idx ON patients (case_id);
