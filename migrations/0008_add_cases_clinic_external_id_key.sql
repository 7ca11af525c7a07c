-- data-model.md §13 item 3: one case per (clinic_id, external_id); upserts use
-- ON CONFLICT (clinic_id, external_id). NULLs stay distinct: extension cases without a clinic are not
-- constrained (Neo appointment ids are only unique within a tenant).
DO $fix$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conrelid = 'cases'::regclass AND conname = 'cases_clinic_id_external_id_key') THEN
    ALTER TABLE cases ADD CONSTRAINT cases_clinic_id_external_id_key UNIQUE (clinic_id, external_id);
  END IF;
END
$fix$;
