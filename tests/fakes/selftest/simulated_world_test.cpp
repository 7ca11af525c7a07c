#include "shared/core/clock.hpp"
#include "tests/fakes/fault_settings_json.hpp"
#include "tests/fakes/simulated_world.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace fakes = tests::fakes;

namespace {

fakes::SysSeconds at(const char* iso)
{
  return std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(iso));
}

} // namespace

BOOST_AUTO_TEST_SUITE(fakes_simulated_world)

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_world_and_another_seed_another)
{
  const auto now = at("2026-03-09T18:00:00Z");
  const auto first = fakes::generate_world(42, now, 4, 30);
  const auto second = fakes::generate_world(42, now, 4, 30);
  const auto other = fakes::generate_world(43, now, 4, 30);

  BOOST_TEST((first == second));
  BOOST_TEST(!(first == other));
  BOOST_TEST(first.tenants.size() == 4U);
}

BOOST_AUTO_TEST_CASE(tenants_have_unique_logins_strong_passwords_and_the_required_zones)
{
  const auto world = fakes::generate_world(5, at("2026-03-09T18:00:00Z"), 6, 10);
  std::set<std::string> usernames;
  std::set<std::string> zones;
  for (const auto& tenant : world.tenants) {
    usernames.insert(tenant.username);
    zones.insert(tenant.timezone);
    const auto& p = tenant.password;
    BOOST_TEST(p.size() >= 16U);
    BOOST_TEST(std::any_of(p.begin(), p.end(),
                           [](char c) { return std::isupper(static_cast<unsigned char>(c)); }));
    BOOST_TEST(std::any_of(p.begin(), p.end(),
                           [](char c) { return std::islower(static_cast<unsigned char>(c)); }));
    BOOST_TEST(std::any_of(p.begin(), p.end(),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }));
    BOOST_TEST(std::any_of(p.begin(), p.end(),
                           [](char c) { return std::ispunct(static_cast<unsigned char>(c)); }));
  }
  BOOST_TEST(usernames.size() == 6U);
  for (const char* zone :
       {"America/Chicago", "America/Los_Angeles", "America/New_York", "Europe/London"}) {
    BOOST_TEST(zones.count(zone) == 1U, zone);
  }
  BOOST_TEST(!world.tenants[0].company_id.empty());
  BOOST_TEST(world.tenants[1].company_id.empty());
}

BOOST_AUTO_TEST_CASE(statuses_follow_now_and_only_opened_visits_have_a_consultation)
{
  const auto now = at("2026-03-09T18:00:00Z");
  const auto world = fakes::generate_world(9, now, 3, 60);
  std::size_t past = 0;
  std::size_t future = 0;
  std::size_t walk_ins = 0;
  for (const auto& tenant : world.tenants) {
    for (const auto& a : tenant.appointments) {
      if (a.kind != fakes::EntryKind::visit) {
        BOOST_TEST(!a.consultation_id.has_value());
        continue;
      }
      const bool opened =
          a.status == "Finalized" || a.status == "Ready to Pay" || a.status == "In Progress";
      BOOST_TEST(a.consultation_id.has_value() == opened, a.id << " " << a.status);
      if (a.start_utc > now) {
        ++future;
        BOOST_TEST((a.status == "Scheduled" || a.status == "Cancelled"), a.status);
      } else if (a.status != "In Progress") {
        ++past;
        BOOST_TEST((a.status == "Finalized" || a.status == "Ready to Pay" ||
                    a.status == "No Show" || a.status == "Cancelled"),
                   a.status);
      }
      BOOST_TEST(fakes::parse_local(a.start_local).has_value());
    }
    for (const auto& c : tenant.consultations) {
      BOOST_TEST((c.consulted_at_utc <= now));
      BOOST_TEST(c.notes_html.size() >= 1024U);
      BOOST_TEST(c.notes_html.size() <= 4096U);
      walk_ins += c.appointment_id.has_value() ? 0U : 1U;
    }
  }
  BOOST_TEST(past > 0U);
  BOOST_TEST(future > 0U);
  BOOST_TEST(walk_ins >= 6U);
}

BOOST_AUTO_TEST_CASE(
    local_times_in_a_dst_gap_use_the_offset_before_the_gap_and_overlaps_the_earlier_instant)
{
  const auto gap = fakes::parse_local("2026-03-08 02:30:00");
  BOOST_REQUIRE(gap.has_value());
  BOOST_TEST((fakes::local_to_utc("America/Chicago", *gap) == at("2026-03-08T08:30:00Z")));
  const auto doubled = fakes::parse_local("2026-11-01 01:30:00");
  BOOST_REQUIRE(doubled.has_value());
  BOOST_TEST((fakes::local_to_utc("America/Chicago", *doubled) == at("2026-11-01T06:30:00Z")));
  BOOST_TEST(!fakes::parse_local("2026-03-08T02:30:00").has_value());
  BOOST_TEST(!fakes::parse_search_local("2026-03-08 02:30:00").has_value());
  BOOST_TEST(fakes::parse_search_local("08.03.2026 02:30:00").has_value());
}

BOOST_AUTO_TEST_CASE(consultations_in_window_counts_both_ends)
{
  auto world = fakes::generate_world(3, at("2026-03-09T18:00:00Z"), 1, 20);
  const auto& tenant = world.tenants[0];
  BOOST_REQUIRE(!tenant.consultations.empty());
  const auto instant = tenant.consultations.front().consulted_at_utc;
  const auto same = static_cast<std::size_t>(
      std::count_if(tenant.consultations.begin(), tenant.consultations.end(),
                    [&](const auto& c) { return c.consulted_at_utc == instant; }));

  BOOST_TEST(fakes::consultations_in_window(tenant, instant, instant) == same);
  BOOST_TEST(fakes::consultations_in_window(tenant, instant + std::chrono::seconds{1},
                                            instant - std::chrono::seconds{1}) == 0U);
}

BOOST_AUTO_TEST_CASE(fault_settings_are_read_from_json_and_an_unknown_key_is_named)
{
  const auto faults = fakes::fault_settings_from_json(nlohmann::json::parse(
      R"({"http500_probability": 0.05, "expiry_style": "unauthorized", "latency_ms": 20,
          "pagination_deletions": 1, "never_complete_every_n_requests": 7, "retry_after_http_date": true})"));
  BOOST_TEST(faults.http500_probability == 0.05);
  BOOST_TEST((faults.expiry_style == fakes::ExpiryStyle::unauthorized));
  BOOST_TEST(faults.latency.count() == 20);
  BOOST_TEST(faults.pagination_deletions == 1);
  BOOST_TEST(faults.never_complete_every_n_requests == 7);
  BOOST_TEST(faults.retry_after_http_date);
  BOOST_TEST(faults.http429_probability == 0.0); // left out: the default
  const auto message = [](const char* text) {
    try {
      fakes::fault_settings_from_json(nlohmann::json::parse(text));
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  BOOST_TEST(message(R"({"http_500_probability": 0.1})").find("unknown key 'http_500_probability'") != std::string::npos);
  BOOST_TEST(message(R"({"http500_probability": 2})").find("'http500_probability' wants a probability") != std::string::npos);
  BOOST_TEST(message(R"({"expiry_style": "sometimes"})").find("'expiry_style'") != std::string::npos);
  BOOST_TEST(message("[1]").find("want a JSON object") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
