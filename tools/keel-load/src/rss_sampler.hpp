// rss_sampler.hpp — the resident set size of another process, from /proc/PID/statm.
#pragma once

#include <cstdint>
#include <optional>

namespace keel::load {

struct RssSample {
  double elapsed_s;  // since the run's start
  int64_t rss_bytes;
};

// The RSS of `pid` in bytes; nullopt when the process is gone or /proc is unreadable.
[[nodiscard]] std::optional<int64_t> ReadRss(int pid);

}  // namespace keel::load
