// recorder.hpp — one worker thread's measurements: lock-free on the request path.
//
// Every outcome is recorded twice: into the run totals of its request type (merged once, at the
// end) and into the deltas of its seconds, which Flush hands to the shared Aggregator a few
// times a second under its lock. Times are offsets from the run's start.
#pragma once

#include <cstdint>
#include <vector>

#include "histogram.hpp"
#include "profile.hpp"
#include "stats.hpp"

namespace keel::load {

class Aggregator;

struct ConnectionCounters {
  uint64_t opened = 0;   // successful connects, initial ones included
  uint64_t extra = 0;    // connections opened beyond --connections because all were busy
  uint64_t retries = 0;  // requests re-sent once because a reused connection was found closed

  void Merge(const ConnectionCounters& o) {
    opened += o.opened;
    extra += o.extra;
    retries += o.retries;
  }
};

class Recorder {
 public:
  explicit Recorder(std::size_t request_types);

  void OnScheduled(int type, Nanos scheduled, bool late);
  void OnSent(int type, Nanos now, Nanos scheduled);
  void OnResponse(int type, Nanos scheduled, Nanos now, int status);
  void OnError(int type, Nanos scheduled, Nanos now, ErrorKind kind);
  void OnCancelled(int type, Nanos scheduled, Nanos now);

  // Hands the open seconds to the aggregator; `watermark`: nothing earlier will be recorded
  // as scheduled any more by this thread.
  void Flush(Aggregator& aggregator, int thread, Nanos watermark);

  [[nodiscard]] std::vector<TypeStats>& types() noexcept { return types_; }
  [[nodiscard]] Histogram& send_delay() noexcept { return send_delay_; }
  [[nodiscard]] ConnectionCounters& connections() noexcept { return connections_; }

 private:
  SecondDelta& At(Nanos t);
  void Resolve(Nanos scheduled, bool failed);

  std::vector<TypeStats> types_;
  Histogram send_delay_;  // actual send time - scheduled time
  ConnectionCounters connections_;
  SecondDeltas open_;
  std::vector<std::unique_ptr<SecondDelta>> spare_;  // flushed deltas, reused (220 KiB each)
};

}  // namespace keel::load
