#pragma once

#include "shared/core/ids.hpp"
#include "stages/extract/clinic_extractor.hpp"
#include "stages/extract/extraction_window.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace extract {

struct ClinicToExtract
{
  std::string timezone;
  std::optional<std::string> base_url;        // clinics.idexx_base_url; NULL: the default host
  std::optional<shared::Instant> last_window_end;
  std::vector<std::int64_t> backfill_ids;
  std::vector<BackfillRange> backfills;
};

struct StagingCounts
{
  std::int64_t appointments = 0;
  std::int64_t consultations = 0;
  std::int64_t fetch_failures = 0;
  std::int64_t quarantined = 0;
};

// The SQL of the extract stage; every call runs in the caller's transaction.
class ExtractRepository
{
public:
  explicit ExtractRepository(pqxx::work& tx) : m_tx(tx) {}

  // One work item per eligible clinic (our switch on, clinics.is_active, PIMS IDEXX Neo); an
  // existing item is left alone (Decision 17). Returns the items inserted.
  std::int64_t add_work_items(const shared::RunId& run, const Window& default_window);
  ClinicToExtract clinic(const shared::ClinicId& clinic);
  // Opens (or re-opens, for a retried pod) the clinic's idexx_sync_sessions row as in_progress.
  std::string open_session(const shared::RunId& run, const shared::ClinicId& clinic, const std::string& user_id,
                           const std::string& credential_id, const Window& window);
  void record_login_refusal(const std::string& credential_id, const std::string& validation_status);
  // Stages the clinic's records, marks its consultations pending, serves its backfill requests and
  // advances its watermark, all in this transaction.
  StagingCounts stage(const shared::RunId& run, const shared::ClinicId& clinic, const std::string& session_id,
                      const Window& window, const ExtractedClinic& extracted, const ClinicToExtract& info);

private:
  pqxx::work& m_tx;
};

} // namespace extract
