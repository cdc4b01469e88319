#include "keel/resilience/overload_config.hpp"

#include <random>
#include <string>

namespace keel::resilience {

namespace {

using T = ConfigType;

ConfigKey Key(std::string name, T type, std::string default_value, std::string description) {
  return ConfigKey{.name = std::move(name),
                   .type = type,
                   .default_value = std::move(default_value),
                   .description = std::move(description)};
}

ConfigKey Bounded(ConfigKey key, double min, double max) {
  key.min = min;
  key.max = max;
  return key;
}

std::optional<std::string> ValidateCidrs(const ConfigValue& v) {
  if (auto set = CidrSet::Parse(std::get<std::string>(v)); !set) {
    return set.error().message();
  }
  return std::nullopt;
}

void AddLimiterKeys(ConfigSchema& s) {
  s.Add(Key("overload.enabled", T::kBool, "true",
            "Admission control (concurrency limit, priorities, queue) on business routes."));
  auto limiter = Key("overload.limiter", T::kString, "gradient2",
                     "How the concurrency limit is set: a fixed number, or adapted from latency "
                     "(gradient2, vegas) or from drops (aimd).");
  limiter.choices = {"static", "gradient2", "vegas", "aimd"};
  s.Add(std::move(limiter));
  s.Add(Bounded(Key("overload.static_limit", T::kInt, "100",
                    "Concurrent requests per process when overload.limiter = \"static\"."),
                1, 1e6));
  s.Add(Bounded(Key("overload.initial_limit", T::kInt, "20", "Adaptive limiters: starting limit."),
                1, 1e6));
  s.Add(Bounded(Key("overload.min_limit", T::kInt, "20",
                    "Adaptive limiters: the limit never goes below this (gradient2, aimd; vegas "
                    "stops at 1 like its anchor)."),
                1, 1e6));
  s.Add(Bounded(Key("overload.max_limit", T::kInt, "200",
                    "Adaptive limiters: the limit never goes above this."),
                1, 1e6));
}

void AddAlgorithmKeys(ConfigSchema& s) {
  s.Add(Bounded(Key("overload.gradient2_smoothing", T::kDouble, "0.2",
                    "Gradient2: weight of each new estimate against the current limit."),
                0.01, 1));
  s.Add(Bounded(Key("overload.gradient2_tolerance", T::kDouble, "1.5",
                    "Gradient2: latency inflation over the long-term average tolerated before "
                    "the limit shrinks."),
                1, 10));
  s.Add(Bounded(Key("overload.gradient2_queue_size", T::kInt, "4",
                    "Gradient2: growth per update while latency is within tolerance."),
                0, 1000));
  s.Add(Bounded(Key("overload.gradient2_long_window", T::kInt, "600",
                    "Gradient2: samples in the long-term RTT average."),
                10, 1e6));
  s.Add(Bounded(Key("overload.vegas_smoothing", T::kDouble, "1.0",
                    "Vegas: weight of each new estimate against the current limit."),
                0.01, 1));
  s.Add(Bounded(Key("overload.vegas_probe_multiplier", T::kInt, "30",
                    "Vegas: re-measure the no-load RTT every ~multiplier x limit samples."),
                1, 1000));
  s.Add(Bounded(Key("overload.aimd_backoff_ratio", T::kDouble, "0.9",
                    "AIMD: the limit is multiplied by this on a drop (a 503 or 504)."),
                0.5, 0.999));
  s.Add(Bounded(Key("overload.aimd_timeout", T::kDuration, "5s",
                    "AIMD: a request slower than this counts as a drop."),
                0.001, 3600));
  s.Add(Bounded(Key("overload.window", T::kDuration, "1s",
                    "Adaptive limiters: samples are aggregated per window of this length "
                    "(0 = update on every request)."),
                0, 60));
  s.Add(Bounded(Key("overload.window_min_samples", T::kInt, "10",
                    "Adaptive limiters: a window with fewer samples is discarded."),
                1, 1e6));
  s.Add(Bounded(Key("overload.min_rtt", T::kDuration, "100us",
                    "Adaptive limiters (windowed): faster requests are not sampled."),
                0, 1));
}

void AddAdmissionKeys(ConfigSchema& s) {
  s.Add(Bounded(Key("overload.queue_size", T::kInt, "100",
                    "Requests that may wait for admission (0 = refuse at once at the limit)."),
                0, 1e6));
  s.Add(Bounded(Key("overload.queue_target", T::kDuration, "5ms",
                    "Longest wait for admission once a queue stands (CoDel target)."),
                0.0001, 10));
  s.Add(Bounded(Key("overload.queue_interval", T::kDuration, "100ms",
                    "Longest wait otherwise; a queue not empty for this long is standing and is "
                    "then served newest first (adaptive LIFO)."),
                0.001, 60));
  s.Add(Bounded(Key("overload.share_default", T::kDouble, "0.8",
                    "Share of the limit default-priority requests may fill (critical: all)."),
                0, 1));
  s.Add(Bounded(Key("overload.share_sheddable", T::kDouble, "0.5",
                    "Share of the limit sheddable requests may fill (<= share_default)."),
                0, 1));
  auto peers = Key("overload.trusted_priority_peers", T::kString, "",
                   "Comma-separated CIDRs of internal callers whose X-Priority header "
                   "(critical, default or sheddable) overrides the route's class.");
  peers.validate = ValidateCidrs;
  s.Add(std::move(peers));
  s.Add(Key("overload.deadline_aware", T::kBool, "true",
            "Refuse at once (504) a request whose remaining deadline is shorter than its "
            "route's typical service time."));
  s.Add(Bounded(Key("overload.retry_after", T::kDuration, "1s",
                    "Retry-After sent with a 503 refusal (whole seconds)."),
                1, 3600));
}

void AddRateLimitKeys(ConfigSchema& s) {
  s.Add(Key("ratelimit.enabled", T::kBool, "false", "Per-client rate limits (GCRA, 429)."));
  auto global = Key("ratelimit.global_rate", T::kString, "",
                    "One limit over all business requests, e.g. \"1000/s burst 200\"; empty = "
                    "none.");
  global.validate = [](const ConfigValue& v) -> std::optional<std::string> {
    const auto& text = std::get<std::string>(v);
    if (auto q = ParseRateQuota(text); !text.empty() && !q) {
      return q.error().message();
    }
    return std::nullopt;
  };
  s.Add(std::move(global));
  auto policies = Key("ratelimit.policies", T::kString, "",
                      "Per-route limits, ';'-separated: \"[METHOD] ROUTE=COUNT/PERIOD [burst N] "
                      "[key=K] [name=NAME]\" with K one of ip, api_key, subject, global.");
  policies.validate = [](const ConfigValue& v) -> std::optional<std::string> {
    if (auto p = ParseRatePolicies(std::get<std::string>(v)); !p) {
      return p.error().message();
    }
    return std::nullopt;
  };
  s.Add(std::move(policies));
  auto proxies = Key("ratelimit.trusted_proxies", T::kString, "",
                     "Comma-separated CIDRs of proxies whose forwarding header names the client.");
  proxies.validate = ValidateCidrs;
  s.Add(std::move(proxies));
  auto header = Key("ratelimit.forwarded_header", T::kString, "x-forwarded-for",
                    "The header the trusted proxies write (only that one is read).");
  header.choices = {"x-forwarded-for", "forwarded"};
  s.Add(std::move(header));
  s.Add(Bounded(Key("ratelimit.max_keys", T::kInt, "100000",
                    "Clients remembered per policy; idle ones are dropped first, then the least "
                    "recently seen."),
                1, 1e8));
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

LimiterKind ParseLimiter(const std::string& s) {
  return s == "static"  ? LimiterKind::kStatic
         : s == "vegas" ? LimiterKind::kVegas
         : s == "aimd"  ? LimiterKind::kAimd
                        : LimiterKind::kGradient2;
}

int Int(const Config& c, std::string_view key) {
  return static_cast<int>(c.GetInt(key));
}

void ReadLimiters(const Config& c, OverloadSettings& s) {
  s.limiter = ParseLimiter(c.GetString("overload.limiter"));
  s.static_limit = Int(c, "overload.static_limit");
  const int initial = Int(c, "overload.initial_limit");
  const int min = Int(c, "overload.min_limit");
  const int max = Int(c, "overload.max_limit");
  s.gradient2 = {.initial_limit = initial,
                 .min_limit = min,
                 .max_limit = max,
                 .smoothing = c.GetDouble("overload.gradient2_smoothing"),
                 .tolerance = c.GetDouble("overload.gradient2_tolerance"),
                 .queue_size = Int(c, "overload.gradient2_queue_size"),
                 .long_window = Int(c, "overload.gradient2_long_window")};
  s.vegas = {.initial_limit = initial,
             .max_limit = max,
             .smoothing = c.GetDouble("overload.vegas_smoothing"),
             .probe_multiplier = Int(c, "overload.vegas_probe_multiplier"),
             .seed = std::random_device{}()};
  s.aimd = {.initial_limit = initial,
            .min_limit = min,
            .max_limit = max,
            .backoff_ratio = c.GetDouble("overload.aimd_backoff_ratio"),
            .timeout = c.GetDuration("overload.aimd_timeout")};
  const Duration window = c.GetDuration("overload.window");
  s.window.reset();
  if (window > Duration::zero()) {
    s.window = WindowSettings{.min_window = window,
                              .max_window = window,
                              .min_samples = Int(c, "overload.window_min_samples"),
                              .min_rtt = c.GetDuration("overload.min_rtt")};
  }
}

}  // namespace

void AddOverloadConfig(ConfigSchema& schema) {
  AddLimiterKeys(schema);
  AddAlgorithmKeys(schema);
  AddAdmissionKeys(schema);
  AddRateLimitKeys(schema);
}

Result<OverloadSettings> OverloadSettingsFromConfig(const Config& c) {
  OverloadSettings s;
  s.enabled = c.GetBool("overload.enabled");
  ReadLimiters(c, s);
  if (s.gradient2.min_limit > s.gradient2.max_limit) {
    return Invalid("overload.min_limit (" + std::to_string(s.gradient2.min_limit) +
                   ") must not exceed overload.max_limit (" +
                   std::to_string(s.gradient2.max_limit) + ")");
  }
  const double share_default = c.GetDouble("overload.share_default");
  const double share_sheddable = c.GetDouble("overload.share_sheddable");
  if (share_sheddable > share_default) {
    return Invalid("overload.share_sheddable (" + std::to_string(share_sheddable) +
                   ") must not exceed overload.share_default (" + std::to_string(share_default) +
                   "): sheddable requests are refused first");
  }
  s.admission = {.shares = {1.0, share_default, share_sheddable},
                 .queue_size = static_cast<std::size_t>(c.GetInt("overload.queue_size")),
                 .queue_target = c.GetDuration("overload.queue_target"),
                 .queue_interval = c.GetDuration("overload.queue_interval")};
  s.deadline_aware = c.GetBool("overload.deadline_aware");
  s.trusted_priority_peers = *CidrSet::Parse(c.GetString("overload.trusted_priority_peers"));
  s.retry_after = c.GetDurationAs<std::int64_t, std::ratio<1>>("overload.retry_after");
  return s;
}

Result<RateLimitSettings> RateLimitSettingsFromConfig(const Config& c) {
  RateLimitSettings s;
  s.enabled = c.GetBool("ratelimit.enabled");
  if (const auto& global = c.GetString("ratelimit.global_rate"); !global.empty()) {
    auto q = ParseRateQuota(global);
    if (!q) {
      return Invalid("ratelimit.global_rate: " + q.error().message());
    }
    s.global = *q;
  }
  auto policies = ParseRatePolicies(c.GetString("ratelimit.policies"));
  if (!policies) {
    return Invalid("ratelimit.policies: " + policies.error().message());
  }
  s.policies = std::move(*policies);
  for (const auto& p : s.policies) {
    if (p.name == "global") {
      return Invalid(
          "ratelimit.policies: the name \"global\" is reserved for "
          "ratelimit.global_rate");
    }
  }
  auto proxies = CidrSet::Parse(c.GetString("ratelimit.trusted_proxies"));
  if (!proxies) {
    return Invalid("ratelimit.trusted_proxies: " + proxies.error().message());
  }
  s.client_ip = {.trusted_proxies = std::move(*proxies),
                 .header = *ParseForwardedHeader(c.GetString("ratelimit.forwarded_header"))};
  s.max_keys = static_cast<std::size_t>(c.GetInt("ratelimit.max_keys"));
  return s;
}

std::unique_ptr<ConcurrencyLimit> MakeConcurrencyLimit(const OverloadSettings& s) {
  std::unique_ptr<ConcurrencyLimit> limit;
  switch (s.limiter) {
    case LimiterKind::kStatic:
      return std::make_unique<FixedLimit>(s.static_limit);
    case LimiterKind::kGradient2:
      limit = std::make_unique<Gradient2Limit>(s.gradient2);
      break;
    case LimiterKind::kVegas:
      limit = std::make_unique<VegasLimit>(s.vegas);
      break;
    case LimiterKind::kAimd:
      limit = std::make_unique<AimdLimit>(s.aimd);
      break;
  }
  if (s.window) {
    return std::make_unique<WindowedLimit>(std::move(limit), *s.window);
  }
  return limit;
}

}  // namespace keel::resilience
