// keel/core/priority.hpp — how important a unit of work is when capacity runs short.
//
// Under pressure, sheddable work is refused first and critical work last (DESIGN.md, overload).
// Routes declare a priority; trusted internal callers may raise or lower it per request.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace keel {

enum class Priority : std::uint8_t {
  kCritical = 0,  // refused last (e.g. checkout, payments)
  kDefault = 1,
  kSheddable = 2,  // refused first (e.g. recommendations, reports, prefetch)
};
inline constexpr int kPriorityCount = 3;

[[nodiscard]] std::string_view PriorityName(Priority p) noexcept;
// "critical" | "default" | "sheddable" → Priority; nullopt otherwise.
[[nodiscard]] std::optional<Priority> ParsePriority(std::string_view s) noexcept;

}  // namespace keel
