#include "keel/core/priority.hpp"

namespace keel {

std::string_view PriorityName(Priority p) noexcept {
  switch (p) {
    case Priority::kCritical:
      return "critical";
    case Priority::kDefault:
      return "default";
    case Priority::kSheddable:
      return "sheddable";
  }
  return "default";
}

std::optional<Priority> ParsePriority(std::string_view s) noexcept {
  if (s == "critical") {
    return Priority::kCritical;
  }
  if (s == "default") {
    return Priority::kDefault;
  }
  if (s == "sheddable") {
    return Priority::kSheddable;
  }
  return std::nullopt;
}

}  // namespace keel
