#include "profile.hpp"

#include <algorithm>
#include <cmath>

namespace keel::load {

namespace {

constexpr Nanos kSecond = std::chrono::seconds(1);

int64_t CeilSeconds(Nanos d) {
  return (d.count() + kSecond.count() - 1) / kSecond.count();
}

int64_t FloorSeconds(Nanos d) {
  return d.count() / kSecond.count();
}

double ToSeconds(Nanos d) {
  return std::chrono::duration<double>(d).count();
}

// Phases of `window` seconds each over the whole run.
std::vector<Phase> Windows(const ProfileSettings& s, Nanos window, const char* label,
                           double rate_growth) {
  std::vector<Phase> phases;
  const int64_t total = CeilSeconds(s.duration);
  const int64_t w = std::max<int64_t>(1, FloorSeconds(window));
  double rate = s.rate;
  for (int64_t first = 0, k = 1; first < total; first += w, ++k) {
    phases.push_back(
        {std::string(label) + " " + std::to_string(k), first, std::min(first + w, total), rate});
    rate *= rate_growth;
  }
  return phases;
}

void BuildSpike(Profile& p) {
  const auto& s = p.settings;
  const Nanos third = kSecond * std::max<int64_t>(1, FloorSeconds(s.duration) / 3);
  const Nanos start = s.spike_start.count() > 0 ? s.spike_start : third;
  const Nanos end =
      std::min(s.duration, start + (s.spike_duration.count() > 0 ? s.spike_duration : third));
  p.segments = {
      {Nanos(0), start, s.rate}, {start, end, s.rate * s.spike_factor}, {end, s.duration, s.rate}};
  const int64_t total = CeilSeconds(s.duration);
  p.phases = {{"before", 0, FloorSeconds(start), s.rate},
              {"spike", FloorSeconds(start), FloorSeconds(end), s.rate * s.spike_factor},
              {"after", FloorSeconds(end), total, s.rate}};
}

void BuildRamp(Profile& p) {
  const auto& s = p.settings;
  const double growth = 1.0 + s.ramp_step_percent / 100.0;
  double rate = s.rate;
  for (Nanos start(0); start < s.duration; start += s.ramp_interval) {
    p.segments.push_back({start, std::min(s.duration, start + s.ramp_interval), rate});
    rate *= growth;
  }
  p.phases = Windows(s, s.ramp_interval, "step", growth);
}

}  // namespace

const char* ProfileKindName(ProfileKind kind) noexcept {
  switch (kind) {
    case ProfileKind::kConstant:
      return "constant";
    case ProfileKind::kRamp:
      return "ramp";
    case ProfileKind::kSpike:
      return "spike";
    case ProfileKind::kSoak:
      return "soak";
  }
  return "?";
}

Profile BuildProfile(const ProfileSettings& s) {
  Profile p;
  p.settings = s;
  switch (s.kind) {
    case ProfileKind::kConstant:
      p.segments = {{Nanos(0), s.duration, s.rate}};
      p.phases = {{"all", 0, CeilSeconds(s.duration), s.rate}};
      break;
    case ProfileKind::kSoak:
      p.segments = {{Nanos(0), s.duration, s.rate}};
      p.phases = Windows(s, s.soak_window, "window", 1.0);
      break;
    case ProfileKind::kSpike:
      BuildSpike(p);
      break;
    case ProfileKind::kRamp:
      BuildRamp(p);
      break;
  }
  std::erase_if(p.phases, [](const Phase& ph) { return ph.end_second <= ph.first_second; });
  return p;
}

int Profile::PhaseOf(int64_t second) const noexcept {
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (second >= phases[i].first_second && second < phases[i].end_second) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

uint64_t Profile::TotalArrivals() const noexcept {
  double total = 0;
  for (const auto& seg : segments) {
    total += seg.rate * ToSeconds(seg.end - seg.start);
  }
  return static_cast<uint64_t>(std::ceil(total - 1e-9));
}

int64_t Profile::Seconds() const noexcept {
  return CeilSeconds(settings.duration);
}

ArrivalSchedule::ArrivalSchedule(const Profile& profile, uint64_t offset, uint64_t stride)
    : profile_(profile), stride_(stride), next_index_(offset) {
  Locate();
}

std::optional<Arrival> ArrivalSchedule::Peek() const noexcept {
  return next_;
}

void ArrivalSchedule::Pop() noexcept {
  next_index_ += stride_;
  Locate();
}

void ArrivalSchedule::Locate() noexcept {
  const auto& segments = profile_.segments;
  const auto i = static_cast<double>(next_index_);
  while (segment_ < segments.size()) {
    const auto& seg = segments[segment_];
    const double count_at_end = count_at_segment_ + seg.rate * ToSeconds(seg.end - seg.start);
    if (i < count_at_end - 1e-9) {
      const double offset_s = (i - count_at_segment_) / seg.rate;
      const Nanos at = seg.start + Nanos(static_cast<int64_t>(std::llround(offset_s * 1e9)));
      next_ = Arrival{next_index_, std::min(at, seg.end - Nanos(1))};
      return;
    }
    count_at_segment_ = count_at_end;
    ++segment_;
  }
  next_.reset();
}

}  // namespace keel::load
