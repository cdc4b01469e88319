// stats.hpp — the counts keel-load keeps per thread, per second and per request type.
//
// Two attributions, on purpose:
//   - by *scheduled* second: latency, `scheduled`, `resolved`, `failed` — so a stall shows up in
//     the seconds whose requests it delayed (the coordinated-omission-correct view);
//   - by *event* second: `sent`, `responses`, statuses, errors — so throughput is what happened
//     on the wire in that second.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "histogram.hpp"

namespace keel::load {

enum class ErrorKind : uint8_t { kConnect, kReset, kTimeout, kParse };
inline constexpr std::size_t kErrorKinds = 4;

[[nodiscard]] const char* ErrorKindName(ErrorKind kind) noexcept;

// A refusal: what an overloaded or rate-limiting server answers instead of doing the work (503,
// 429). Its latency is kept apart from that of successes (1xx-3xx), because a fast refusal and a
// slow success have different goals (docs/overload.md) and mixed in one histogram hide each other.
[[nodiscard]] constexpr bool IsRefusal(int status) noexcept {
  return status == 429 || status == 503;
}
[[nodiscard]] constexpr bool IsOk(int status) noexcept {
  return status >= 100 && status < 400;
}

// Status code -> count; a handful of codes per run, so a small vector beats a map.
class StatusCounts {
 public:
  void Add(int status, uint64_t n = 1);
  void Merge(const StatusCounts& other);
  [[nodiscard]] uint64_t Total() const noexcept;
  [[nodiscard]] uint64_t Count(int status) const noexcept;
  // Responses with status in [lo, hi].
  [[nodiscard]] uint64_t Between(int lo, int hi) const noexcept;
  [[nodiscard]] const std::vector<std::pair<int, uint64_t>>& items() const noexcept {
    return items_;
  }

 private:
  std::vector<std::pair<int, uint64_t>> items_;
};

// Additive event counts (by event time unless noted).
struct Counters {
  uint64_t scheduled = 0;  // by scheduled second
  uint64_t late = 0;       // by scheduled second: found no free connection, had to queue
  uint64_t sent = 0;
  uint64_t responses = 0;
  uint64_t cancelled = 0;  // stopped by Ctrl-C before an outcome
  std::array<uint64_t, kErrorKinds> errors{};
  StatusCounts status;

  void Merge(const Counters& o);
  [[nodiscard]] uint64_t Errors() const noexcept;
  // Outcomes of any kind: responses, errors, cancellations.
  [[nodiscard]] uint64_t Resolved() const noexcept { return responses + Errors() + cancelled; }
};

// What one second of the run accumulates before it is final.
struct SecondDelta {
  Counters counters;
  Histogram latency;          // requests scheduled in this second that got a response
  Histogram ok_latency;       // ... a 1xx-3xx response
  Histogram refused_latency;  // ... a 429 or 503
  uint64_t resolved = 0;      // requests scheduled in this second with an outcome
  uint64_t failed = 0;        // ... whose outcome was an error, a timeout or a 5xx

  void Merge(const SecondDelta& o);
  void Reset();
};

// Whole-run totals of one request type (per thread, merged at the end).
struct TypeStats {
  Counters counters;
  Histogram latency;
  Histogram ok_latency;       // 1xx-3xx responses
  Histogram refused_latency;  // 429 and 503 responses

  void Merge(const TypeStats& o);
};

}  // namespace keel::load

namespace keel::load {

// Open seconds of one thread (or of the aggregator), by second index since the run's start.
using SecondDeltas = std::map<int64_t, std::unique_ptr<SecondDelta>>;

}  // namespace keel::load
