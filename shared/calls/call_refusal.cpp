#include "shared/calls/call_refusal.hpp"

namespace shared::calls {

std::string_view to_string(RefusalReason reason)
{
  switch (reason) {
  case RefusalReason::not_finished: return "not_finished";
  case RefusalReason::no_notes: return "no_notes";
  case RefusalReason::phone_invalid: return "phone_invalid";
  case RefusalReason::opted_out: return "opted_out";
  case RefusalReason::calls_disabled: return "calls_disabled";
  case RefusalReason::no_show: return "no_show";
  case RefusalReason::cancelled: return "cancelled";
  case RefusalReason::euthanasia_or_death: return "euthanasia_or_death";
  case RefusalReason::too_old: return "too_old";
  case RefusalReason::call_exists: return "call_exists";
  case RefusalReason::vapi_not_configured: return "vapi_not_configured";
  case RefusalReason::needs_review: return "needs_review";
  }
  return "calls_disabled";
}

} // namespace shared::calls
