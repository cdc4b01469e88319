// profile.hpp — the arrival-rate timeline of a run and the phases it is reported in.
//
// A profile is a piecewise-constant rate over [0, duration): `constant` and `soak` have one
// segment; `spike` three (base, base × factor, base); `ramp` one per step, each `step_percent`
// faster than the one before. Phases are the report's slices of the timeline (whole seconds):
// the ramp's steps, the spike's before/during/after, the soak's windows.
//
// Arrival i (counting from 0) is scheduled at the time the expected count ∫rate reaches i, so
// arrivals are evenly spaced within a segment and the count stays right across rate changes.
// Threads split the timeline by index: thread t of n takes arrivals t, t+n, t+2n, …
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keel::load {

using Nanos = std::chrono::nanoseconds;

enum class ProfileKind { kConstant, kRamp, kSpike, kSoak };

[[nodiscard]] const char* ProfileKindName(ProfileKind kind) noexcept;

struct ProfileSettings {
  ProfileKind kind = ProfileKind::kConstant;
  double rate = 100;  // req/s; ramp: the first step's; spike: the base rate
  Nanos duration = std::chrono::seconds(10);
  double ramp_step_percent = 10;
  Nanos ramp_interval = std::chrono::seconds(10);
  double spike_factor = 5;
  Nanos spike_start = Nanos(0);     // 0 = a third of the duration
  Nanos spike_duration = Nanos(0);  // 0 = a third of the duration
  Nanos soak_window = std::chrono::seconds(60);
};

struct Segment {
  Nanos start;
  Nanos end;
  double rate;
};

struct Phase {
  std::string label;  // "step 3", "before", "spike", "after", "window 2"
  int64_t first_second;
  int64_t end_second;  // exclusive
  double rate;         // target rate (of the phase's first segment)
};

struct Profile {
  ProfileSettings settings;
  std::vector<Segment> segments;
  std::vector<Phase> phases;

  // The phase holding second s (of the run), or -1.
  [[nodiscard]] int PhaseOf(int64_t second) const noexcept;
  // Total number of arrivals in the run.
  [[nodiscard]] uint64_t TotalArrivals() const noexcept;
  [[nodiscard]] int64_t Seconds() const noexcept;  // whole or partial seconds of the run
};

// Builds the profile; settings must be valid (checked by the command line).
[[nodiscard]] Profile BuildProfile(const ProfileSettings& s);

struct Arrival {
  uint64_t index;  // global arrival index (the {seq} placeholder)
  Nanos at;        // scheduled time since the run's start
};

// The arrivals of one thread, in time order.
class ArrivalSchedule {
 public:
  ArrivalSchedule(const Profile& profile, uint64_t offset, uint64_t stride);

  // The next arrival without consuming it; nullopt when the timeline is over.
  [[nodiscard]] std::optional<Arrival> Peek() const noexcept;
  void Pop() noexcept;

 private:
  void Locate() noexcept;

  const Profile& profile_;
  uint64_t stride_;
  uint64_t next_index_;
  std::size_t segment_ = 0;
  double count_at_segment_ = 0;  // ∫rate from 0 to the current segment's start
  std::optional<Arrival> next_;
};

}  // namespace keel::load
