#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reconcile {

// One billed line of a consultation (staging_consultations.lines).
struct BilledLine
{
  std::string name;
  double quantity = 1;
  bool declined = false;
};

// What reconcile writes into a case for one consultation (data-model.md 4.5), already rendered.
struct ConsultationContent
{
  std::string consultation_id;
  std::optional<std::string> appointment_id;
  std::string date;            // consultedAt as the clinic wrote it, or ""
  std::string status;          // canonical consultation status
  std::string reason;
  std::string notes_html;
  std::string notes_text;
  std::string discharge_summary_html;
  std::string discharge_summary_text;
  std::vector<BilledLine> lines;
  std::string content_hash;    // SHA-256 of the normalised content, from extract
};

// `"NAME; NAME (Qty: 4)"`, the product's rendering of billed (or declined) lines.
std::string render_lines(const std::vector<BilledLine>& lines, bool declined);

// The JSON object of the keys we own under metadata.pimsConsultation (without revision, which the
// UPDATE bumps from the stored value), as text. `fetched_at` is an ISO-8601 UTC instant.
std::string pims_consultation_patch(const ConsultationContent& content, const std::string& fetched_at);

// The JSON object of the keys we own under metadata.entities.clinical, as text; plain text capped
// at `cap_bytes` (on a UTF-8 boundary).
std::string clinical_entities_patch(const ConsultationContent& content, std::size_t cap_bytes);

// Cuts `text` to at most `cap_bytes` bytes without splitting a UTF-8 sequence.
std::string cap_utf8(const std::string& text, std::size_t cap_bytes);

} // namespace reconcile
