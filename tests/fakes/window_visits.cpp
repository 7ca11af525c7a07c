#include "tests/fakes/window_visits.hpp"

#include <algorithm>
#include <stdexcept>

namespace tests::fakes {

void add_window_visits(World& world, int per_clinic)
{
  if (per_clinic < 0) {
    throw std::invalid_argument("add_window_visits: the count must not be negative");
  }
  if (per_clinic == 0) {
    return;
  }
  using std::chrono::minutes;
  const SysSeconds first = world.now - std::chrono::hours{46};
  const auto spacing = std::chrono::duration_cast<minutes>(std::chrono::hours{45}) / per_clinic;
  for (auto& tenant : world.tenants) {
    if (tenant.consultations.empty()) {
      throw std::invalid_argument("add_window_visits: tenant " + tenant.username + " has no consultation to copy");
    }
    std::int64_t next_appointment = 0;
    for (const auto& a : tenant.appointments) {
      next_appointment = std::max(next_appointment, a.id + 1);
    }
    std::int64_t next_consultation = 0;
    std::int64_t next_line = 0;
    for (const auto& c : tenant.consultations) {
      next_consultation = std::max(next_consultation, c.id + 1);
      for (const auto& line : c.lines) {
        next_line = std::max(next_line, line.id + 1);
      }
    }
    const auto templates = tenant.consultations.size();
    for (int i = 0; i < per_clinic; ++i) {
      Consultation c = tenant.consultations[static_cast<std::size_t>(i) % templates];
      const SysSeconds start = first + spacing * i;
      Appointment a;
      a.id = next_appointment++;
      a.start_utc = start;
      a.start_local = format_local(utc_to_local(tenant.timezone, start));
      a.end_local = format_local(utc_to_local(tenant.timezone, start + minutes{15}));
      a.patient_id = c.patient_id;
      a.patient_name = c.patient_name;
      a.client_id = c.client_id;
      a.first_name = c.client_first_name;
      a.last_name = c.client_last_name;
      a.email = c.client_email;
      a.phone_number = c.client_phone;
      a.provider = c.provider_name;
      a.resource_id = "1";
      a.type_description = "Sick Visit";
      a.reason = c.reason;
      a.status = "Finalized";
      c.id = next_consultation++;
      c.appointment_id = a.id;
      c.consulted_at_utc = start + minutes{5};
      c.consulted_at_local = format_local(utc_to_local(tenant.timezone, c.consulted_at_utc));
      c.status = "completed";
      for (auto& line : c.lines) {
        line.id = next_line++;
      }
      a.consultation_id = c.id;
      tenant.appointments.push_back(std::move(a));
      tenant.consultations.push_back(std::move(c));
    }
    std::stable_sort(tenant.appointments.begin(), tenant.appointments.end(),
                     [](const Appointment& x, const Appointment& y) { return x.start_utc < y.start_utc; });
  }
}

} // namespace tests::fakes
