#include "stages/extract/extraction_window.hpp"

#include <algorithm>

namespace extract {

Window extraction_window(shared::Instant now, std::optional<shared::Instant> last_window_end,
                         const WindowSettings& settings, const std::vector<BackfillRange>& backfills)
{
  Window window{.from = now - settings.window, .to = now};
  if (last_window_end) {
    // A clinic that failed for a while catches up instead of leaving a hole, but not forever.
    const auto catch_up = std::max(*last_window_end - settings.overlap, now - settings.max_lookback);
    window.from = std::min(window.from, catch_up);
  }
  for (const auto& backfill : backfills) {
    window.from = std::min(window.from, backfill.from);
  }
  return window;
}

} // namespace extract
