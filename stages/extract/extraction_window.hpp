#pragma once

#include "shared/core/clock.hpp"

#include <chrono>
#include <optional>
#include <vector>

namespace extract {

struct WindowSettings
{
  std::chrono::hours window{48};        // "extract.window_hours"
  std::chrono::hours overlap{2};        // "extract.overlap_hours"
  std::chrono::days max_lookback{14};   // "extract.max_lookback_days"
};

struct Window
{
  shared::Instant from;
  shared::Instant to;
};

// A pending backfill request's range (backfill_requests.window_from/window_to).
struct BackfillRange
{
  shared::Instant from;
  shared::Instant to;
};

// The clinic's window (operations.md 7.2): [min(now - window, last_window_end - overlap), now],
// the catch-up part capped at `max_lookback`; pending backfills widen it to cover their ranges
// (a backfill is explicit, so it is not capped). A range ending in the future is cut at now.
Window extraction_window(shared::Instant now, std::optional<shared::Instant> last_window_end,
                         const WindowSettings& settings, const std::vector<BackfillRange>& backfills);

} // namespace extract
