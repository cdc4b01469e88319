// keel/resilience/overload_config.hpp — the overload.* and ratelimit.* configuration.
//
// Declares every key (with its default, bounds and description; docs/overload.md explains them)
// and turns a loaded Config into settings, checking what one key alone cannot (min <= max, shares
// that do not favour less important classes, policy syntax). Parsed once at startup.
//
//   keel::ConfigSchema schema;
//   keel::resilience::AddOverloadConfig(schema);
//   ...
//   keel::Result<keel::resilience::OverloadSettings> s =
//       keel::resilience::OverloadSettingsFromConfig(config);
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "keel/core/config.hpp"
#include "keel/resilience/admission_controller.hpp"
#include "keel/resilience/aimd_limit.hpp"
#include "keel/resilience/client_ip.hpp"
#include "keel/resilience/gradient2_limit.hpp"
#include "keel/resilience/rate_policy.hpp"
#include "keel/resilience/service_time.hpp"
#include "keel/resilience/vegas_limit.hpp"
#include "keel/resilience/windowed_limit.hpp"

namespace keel::resilience {

enum class LimiterKind : std::uint8_t { kStatic, kGradient2, kVegas, kAimd };

struct OverloadSettings {
  bool enabled = true;
  LimiterKind limiter = LimiterKind::kGradient2;
  int static_limit = 100;
  Gradient2Settings gradient2;
  VegasSettings vegas;
  AimdSettings aimd;
  std::optional<WindowSettings> window = WindowSettings{};  // nullopt: a sample per request
  AdmissionSettings admission;
  bool deadline_aware = true;
  ServiceTimeSettings service_time;
  CidrSet trusted_priority_peers;  // may send X-Priority
  std::chrono::seconds retry_after{1};
};

struct RateLimitSettings {
  bool enabled = false;
  std::optional<RateQuota> global;
  std::vector<RatePolicy> policies;
  ClientIpSettings client_ip;
  std::size_t max_keys = 100000;  // per policy
};

// Declares overload.* and ratelimit.*.
void AddOverloadConfig(ConfigSchema& schema);

// Errors: kInvalidArgument naming the keys that disagree.
[[nodiscard]] Result<OverloadSettings> OverloadSettingsFromConfig(const Config& config);
[[nodiscard]] Result<RateLimitSettings> RateLimitSettingsFromConfig(const Config& config);

// The limit the settings ask for (windowed when an adaptive limit and a window are set).
[[nodiscard]] std::unique_ptr<ConcurrencyLimit> MakeConcurrencyLimit(
    const OverloadSettings& settings);

}  // namespace keel::resilience
