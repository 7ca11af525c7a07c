#include "stages/reconcile/notes_merge.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace reconcile {

namespace {

std::string quantity_text(double quantity)
{
  std::ostringstream out;
  out << quantity;
  return out.str();
}

nlohmann::json line_strings(const std::vector<BilledLine>& lines, bool declined)
{
  auto out = nlohmann::json::array();
  for (const auto& line : lines) {
    if (line.declined == declined) {
      out.push_back(std::abs(line.quantity - 1.0) < 1e-9 ? line.name
                                                         : line.name + " (Qty: " + quantity_text(line.quantity) + ")");
    }
  }
  return out;
}

} // namespace

std::string render_lines(const std::vector<BilledLine>& lines, bool declined)
{
  std::string out;
  for (const auto& item : line_strings(lines, declined)) {
    out += (out.empty() ? "" : "; ") + item.get<std::string>();
  }
  return out;
}

std::string cap_utf8(const std::string& text, std::size_t cap_bytes)
{
  if (text.size() <= cap_bytes) {
    return text;
  }
  std::size_t end = cap_bytes;
  // Step back over continuation bytes (10xxxxxx) so no sequence is split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  return text.substr(0, end);
}

std::string pims_consultation_patch(const ConsultationContent& content, const std::string& fetched_at)
{
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& line : content.lines) {
    lines.push_back({{"name", line.name}, {"quantity", line.quantity}, {"declined", line.declined}});
  }
  // The discharge summary falls back to the notes, as the product did (data-model.md 4.5).
  const bool has_summary = !content.discharge_summary_html.empty();
  nlohmann::json patch{
      {"id", content.consultation_id},
      {"date", content.date},
      {"status", content.status},
      {"reason", content.reason},
      {"notes", content.notes_html},
      {"notesText", content.notes_text},
      {"dischargeSummary", has_summary ? content.discharge_summary_html : content.notes_html},
      {"dischargeSummaryText", has_summary ? content.discharge_summary_text : content.notes_text},
      {"productsServices", render_lines(content.lines, false)},
      {"declinedProductsServices", render_lines(content.lines, true)},
      {"lines", lines},
      {"contentHash", content.content_hash},
      {"fetchedAt", fetched_at},
      {"changedAt", fetched_at},
      {"syncedBy", "idexx-sync"},
  };
  patch["appointmentId"] = content.appointment_id ? nlohmann::json(*content.appointment_id) : nlohmann::json(nullptr);
  return patch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string clinical_entities_patch(const ConsultationContent& content, std::size_t cap_bytes)
{
  const nlohmann::json patch{
      {"clinicalNotes", cap_utf8(content.notes_text, cap_bytes)},
      {"productsServicesProvided", line_strings(content.lines, false)},
      {"productsServicesDeclined", line_strings(content.lines, true)},
  };
  return patch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace reconcile
