// format.hpp — human-readable numbers for the progress line and the text summary.
#pragma once

#include <cstdint>
#include <string>

namespace keel::load {

// 950ns, 12.3us, 20.1ms, 1.52s: three significant digits, the unit chosen to fit.
[[nodiscard]] std::string FormatLatency(int64_t ns);
// Nanoseconds as milliseconds, rounded to the microsecond (the JSON/CSV unit).
[[nodiscard]] double Ms(int64_t ns) noexcept;

}  // namespace keel::load
