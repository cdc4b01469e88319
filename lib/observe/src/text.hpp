// Internal text helpers shared by the exposition, log and Server-Timing formatters. They append
// to a caller-owned string so one line or page is built with a single growing buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::observe::detail {

void AppendUint(std::string& out, std::uint64_t v);
void AppendInt(std::string& out, std::int64_t v);
// The shortest text that reads back as `v`; NaN and infinities as Prometheus spells them.
void AppendDouble(std::string& out, double v);
// `v` with exactly `decimals` fractional digits.
void AppendFixed(std::string& out, double v, int decimals);
// Nanoseconds as exact decimal seconds without trailing zeros: 32768 -> "0.000032768".
void AppendNanosAsSeconds(std::string& out, std::uint64_t ns);
// Nanoseconds as milliseconds with exactly three decimals, rounded: 1234567 -> "1.235"
// (negative durations as "0.000").
void AppendNanosAsMillis3(std::string& out, std::int64_t ns);

}  // namespace keel::observe::detail
