-- data-model.md §13 item 2: before cases gets UNIQUE (clinic_id, external_id), stop if duplicates
-- exist and list them. Nothing is deleted here: an admin command merges duplicates (keep the newest,
-- re-point calls and patients), then `idexx-sync migrate` is run again. Cases with a NULL clinic_id
-- or external_id are not covered by the key and are not reported.
DO $report$
DECLARE
  groups  bigint;
  listing text;
BEGIN
  SELECT count(*),
         string_agg(format('clinic %s external_id %s: %s cases (%s)', clinic_id, external_id, n, ids), E'\n'
                    ORDER BY clinic_id, external_id)
    INTO groups, listing
    FROM (SELECT clinic_id, external_id, count(*) AS n,
                 string_agg(id::text, ', ' ORDER BY created_at DESC, id) AS ids
            FROM cases
           WHERE clinic_id IS NOT NULL AND external_id IS NOT NULL
           GROUP BY clinic_id, external_id
          HAVING count(*) > 1) AS duplicates;
  IF groups > 0 THEN
    RAISE EXCEPTION 'cases has % duplicate (clinic_id, external_id) group(s); merge them before migrating', groups
      USING DETAIL = listing,
            HINT = 'merge each group into its newest case (listed first), re-pointing calls and patients, then run idexx-sync migrate again';
  END IF;
END
$report$;
