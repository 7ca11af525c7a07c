#include "stages/extract/clinic_extractor.hpp"

#include "shared/crypto/hashing.hpp"
#include "shared/idexx/json_text.hpp"
#include "shared/logging/logger.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace extract {

// The hash of the compact JSON text of [notes, discharge summary, [[line, quantity, declined]…],
// status, reason]. Written piece by piece: the notes are the bulk and are not copied into a
// nlohmann::json first (a unit test holds it to compact_json of that array).
std::string consultation_content_hash(const shared::idexx::ConsultationDetail& detail)
{
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& line : detail.lines) {
    lines.push_back({line.name, line.quantity, line.declined});
  }
  std::string content;
  content.reserve(detail.notes_html.size() + detail.discharge_summary_html.size() + 256);
  content.push_back('[');
  shared::idexx::append_json_string(content, detail.notes_html, true);
  content.push_back(',');
  shared::idexx::append_json_string(content, detail.discharge_summary_html, true);
  content.push_back(',');
  content += shared::idexx::compact_json(lines, true);
  content.push_back(',');
  shared::idexx::append_json_string(content, std::string(shared::idexx::to_string(detail.status)), true);
  content.push_back(',');
  shared::idexx::append_json_string(content, detail.reason, true);
  content.push_back(']');
  return shared::crypto::sha256_hex(content);
}

namespace {

bool inside(const Window& window, shared::Instant instant)
{
  return instant >= window.from && instant <= window.to;
}

} // namespace

ExtractedClinic extract_clinic(shared::idexx::IdexxClient& client, shared::idexx::Session& session,
                               const shared::ClinicZone& zone, const Window& window, bool search_enabled)
{
  ExtractedClinic out;
  const auto range = shared::local_query_range(zone, window.from, window.to);
  const shared::idexx::LocalDays days{.first = range.first_day, .last = range.last_day};

  // The calendar is the backbone; records outside the precise window are dropped after the query,
  // so "start inside the range" and "overlapping it" read the same (idexx-neo.md 4.1).
  auto calendar = client.calendar(session, days);
  std::map<std::string, FetchedConsultation> consultations;
  std::map<std::string, shared::Instant> appointment_starts;
  for (auto& appointment : calendar.appointments) {
    if (!inside(window, appointment.start.utc)) {
      continue;
    }
    appointment_starts[appointment.id.value] = appointment.start.utc;
    if (appointment.consultation_id) {
      auto& entry = consultations[appointment.consultation_id->value];
      entry.id = *appointment.consultation_id;
      entry.appointment_id = appointment.id;
    }
    out.appointments.push_back(std::move(appointment));
  }
  for (auto& record : calendar.malformed) {
    out.quarantined.push_back({"appointment", record.reason, std::move(record.raw_json)});
  }

  if (search_enabled) {
    try {
      auto search = client.search_consultations(session, days);
      out.unstable_listing = search.unstable_listing;
      for (auto& item : search.items) {
        if (item.consulted_at && !inside(window, item.consulted_at->utc)) {
          continue;
        }
        auto& entry = consultations[item.id.value];
        entry.id = item.id;
        if (!entry.appointment_id && item.appointment_id) {
          entry.appointment_id = item.appointment_id;
        }
        if (item.consulted_at) {
          entry.consulted_at = item.consulted_at->utc;
        }
      }
      for (auto& record : search.malformed) {
        out.quarantined.push_back({"consultation", record.reason, std::move(record.raw_json)});
      }
    } catch (const shared::idexx::SearchUnavailable&) {
      // A supplement, not the backbone (idexx-neo.md 11): go on with the calendar alone.
      out.search_unavailable = true;
    }
  }

  // page-data of every consultation, every run: notes change after the first sync (idexx-neo.md 7).
  int failures = 0;
  for (auto& [id, entry] : consultations) {
    try {
      auto detail = client.consultation(session, entry.id);
      if (!detail) {
        entry.fetch_error = "not_found";
        ++failures;
        continue;
      }
      if (detail->date) {
        entry.consulted_at = detail->date->utc;
      }
      entry.content_hash = consultation_content_hash(*detail);
      entry.detail = std::move(detail);
    } catch (const shared::idexx::SchemaError&) {
      entry.fetch_error = "schema_error";
      ++failures;
    } catch (const shared::idexx::RequestRejected&) {
      entry.fetch_error = "client_error";
      ++failures;
    }
  }
  for (auto& [id, entry] : consultations) {
    // Keep what lies in the window; without a time of its own a consultation goes by its visit.
    std::optional<shared::Instant> when = entry.consulted_at;
    if (!when && entry.appointment_id) {
      if (const auto start = appointment_starts.find(entry.appointment_id->value); start != appointment_starts.end()) {
        when = start->second;
      }
    }
    if (when && !inside(window, *when)) {
      continue;
    }
    out.consultations.push_back(std::move(entry));
  }
  if (failures > 0 && failures == static_cast<int>(consultations.size())) {
    // Every detail fetch failing is a failed clinic, never "no notes" (data-model.md, lesson 1).
    throw shared::ClinicError("details_unavailable", "every consultation detail fetch failed (" +
                                                         std::to_string(failures) + ")");
  }
  return out;
}

} // namespace extract
