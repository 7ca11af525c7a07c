#pragma once

#include "shared/core/clock.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The seeded, labelled world for reconcile's evaluation and benchmark (record-linkage.md §11):
// clinics in several time zones, appointments, consultations and pre-created cases with the noise the
// handbook lists, and the ground truth for every consultation. Test code; never shipped.
namespace tests::linkage {

struct Profile
{
  std::uint64_t seed = 20261122;
  int clinics = 24;
  int days = 3;                        // clinic-local days, from first_day
  int visits_per_clinic_day = 75;      // booked visits (a clinic-day has 20-80)
  std::string first_day = "2026-10-31"; // 2026-11-01 is the US change back from daylight saving time
  double no_show = 0.05;               // a case without a consultation
  double walk_in = 0.05;               // a consultation without a case
  double siblings = 0.03;              // two pets of one owner in one slot
  double same_pet_twice = 0.01;        // a morning visit and a same-day recheck
  double forced_same_name = 0.02;      // another owner's pet of the same name at a nearby time
  double with_consultation_id = 0.05;  // cases carrying the consultation id (tier 1)
  double with_appointment_id = 0.35;   // cases carrying the appointment id only (tier 2)
  bool noise = true;                   // typos, variants, formats … on the case side
  std::string run_id = "eval-reconcile";
};

struct Clinic
{
  std::string id;
  std::string user_id;
  std::string name;
  std::string timezone;
  std::string phone;
};

// A calendar event as extract stages it.
struct Appointment
{
  std::size_t clinic = 0;
  std::string appointment_id;
  std::optional<std::string> consultation_id;
  shared::Instant start;
  std::string start_local; // YYYY-MM-DD HH:MM:SS
  std::string local_date;
  std::string patient_id;
  std::string patient_name;
  std::string client_id;
  std::string client_name;
  std::string phone_raw;
  std::string provider;
  std::string status_raw;
  std::string status;
};

struct Consultation
{
  std::size_t clinic = 0;
  std::string consultation_id;
  std::string appointment_id;
  shared::Instant consulted_at;
  std::string local_date;
  std::string patient_id;
  std::string patient_name;
  std::string species;
  std::string client_id;
  std::string client_name;
  std::string phone_raw;
  std::string notes_html;
};

struct Case
{
  std::size_t clinic = 0;
  std::string id;
  std::string source;
  std::optional<std::string> external_id;
  std::string metadata_json;
  shared::Instant scheduled_at;
  std::string pet_name;
  std::string owner_name;
  std::string owner_phone;
};

// The truth for one consultation: its case, or none (a walk-in), and the scenario tags.
struct TruthRow
{
  std::string clinic_id;
  std::string consultation_id;
  std::string case_id;
  std::string tags;
};

struct LabelledWorld
{
  Profile profile;
  std::vector<Clinic> clinics;
  std::vector<Appointment> appointments;
  std::vector<Consultation> consultations;
  std::vector<Case> cases;
  std::vector<TruthRow> truth;
  shared::Instant window_start;
  shared::Instant window_end;
};

// Deterministic for a profile.
LabelledWorld generate_world(const Profile& profile);

// Writes the product side (users, clinics, cases, patients) and the run (sync_runs, work items in
// state `extracted`, sessions, staging rows) in one transaction, as extract would have left it.
void write_world(pqxx::connection& connection, const LabelledWorld& world);

// Truth as tab-separated lines: clinic_id, consultation_id, case_id ("" for none), tags.
std::string truth_tsv(const LabelledWorld& world);

} // namespace tests::linkage
