// keel/core/stage_account.hpp — where a request's time went (its latency-budget account).
//
// Every request carries one StageAccount. Each stage of the request path adds the time it took;
// modules that wait on something (database, cache, upstream calls) add to their named stage and
// count their operations (the db count is how N+1 query patterns are detected). The account is
// exported as a Server-Timing header (when enabled) and as per-stage histograms.
//
//   auto started = std::chrono::steady_clock::now();
//   ... run the query ...
//   ctx.stages().Add(keel::Stage::kDb, std::chrono::steady_clock::now() - started);
//
// Thread safety: owned by one request, used from the request's I/O thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keel {

enum class Stage : std::uint8_t {
  kRead,      // reading and parsing the request (first byte to complete request)
  kQueue,     // waiting for admission (concurrency limit queue)
  kHandler,   // the handler and route middleware, including the sub-stages below
  kWrite,     // serializing and writing the response
  kDb,        // sub-stage of kHandler: database queries (count = queries issued)
  kCache,     // sub-stage of kHandler: cache lookups and loads
  kUpstream,  // sub-stage of kHandler: calls to other services
};
inline constexpr std::size_t kStageCount = 7;

// The Server-Timing metric name of a stage ("read", "queue", "app", "write", "db", ...).
[[nodiscard]] std::string_view StageName(Stage s) noexcept;

class StageAccount {
 public:
  void Add(Stage s, std::chrono::nanoseconds d) noexcept {
    auto& e = entries_[static_cast<std::size_t>(s)];
    e.total += d;
    ++e.count;
  }
  [[nodiscard]] std::chrono::nanoseconds Total(Stage s) const noexcept {
    return entries_[static_cast<std::size_t>(s)].total;
  }
  [[nodiscard]] std::uint32_t Count(Stage s) const noexcept {
    return entries_[static_cast<std::size_t>(s)].count;
  }
  void Reset() noexcept { entries_ = {}; }

 private:
  struct Entry {
    std::chrono::nanoseconds total{0};
    std::uint32_t count = 0;
  };
  std::array<Entry, kStageCount> entries_{};
};

}  // namespace keel
