#include "shared/core/exit_codes.hpp"

#include "shared/core/errors.hpp"

namespace shared {

int exit_code_for(const std::exception& error) noexcept
{
  if (dynamic_cast<const UsageError*>(&error) != nullptr) {
    return exit_usage;
  }
  if (dynamic_cast<const ConfigError*>(&error) != nullptr) {
    return exit_config;
  }
  if (dynamic_cast<const TransientError*>(&error) != nullptr) {
    return exit_transient;
  }
  return exit_bug;
}

} // namespace shared
