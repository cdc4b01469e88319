#include "keel/resilience/http/dependency_config.hpp"

#include <algorithm>
#include <sstream>

#include "keel/core/check.hpp"

namespace keel::resilience {

namespace {

using std::chrono::nanoseconds;

std::string Dur(Duration d) {
  return FormatDuration(std::chrono::duration_cast<nanoseconds>(d));
}

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::vector<std::string> SplitUrls(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.remove_suffix(1);
    }
    if (!part.empty()) {
      out.emplace_back(part);
    }
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

std::string JoinUrls(const std::vector<std::string>& urls) {
  std::string out;
  for (const auto& u : urls) {
    out += out.empty() ? u : "," + u;
  }
  return out;
}

std::optional<std::string> ValidateUrls(const ConfigValue& v) {
  const auto urls = SplitUrls(std::get<std::string>(v));
  if (urls.empty()) {
    return "must name at least one endpoint (http://host:port)";
  }
  for (const auto& u : urls) {
    if (auto o = http::ParseOrigin(u); !o) {
      return o.error().message();
    }
  }
  return std::nullopt;
}

bool LowerSnake(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Declares one key under deps.<name>.
class Declarer {
 public:
  Declarer(ConfigSchema& schema, std::string_view name)
      : schema_(schema), prefix_("deps." + std::string(name) + ".") {}
  void Add(const char* key, ConfigType type, std::string value, const char* description,
           std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt) {
    schema_.Add({.name = prefix_ + key,
                 .type = type,
                 .default_value = std::move(value),
                 .description = description,
                 .min = min,
                 .max = max});
  }
  ConfigSchema& schema() { return schema_; }
  const std::string& prefix() const { return prefix_; }

 private:
  ConfigSchema& schema_;
  std::string prefix_;
};

void DeclareTransport(Declarer& d, const DependencySettings& s) {
  constexpr auto kI = ConfigType::kInt;
  constexpr auto kD = ConfigType::kDuration;
  d.schema().Add({.name = d.prefix() + "url",
                  .type = ConfigType::kString,
                  .default_value = JoinUrls(s.urls),
                  .description = "Endpoints, comma-separated http://host:port; retries and hedges "
                                 "rotate through them",
                  .validate = ValidateUrls});
  d.Add("timeout", kD, Dur(s.timeout), "Bound of one whole call, every attempt included", 0.001);
  d.Add("attempt_timeout", kD, Dur(s.attempt_timeout), "Bound of one attempt (0 = only timeout)",
        0);
  d.Add("connect_timeout", kD, Dur(s.http.connect_timeout), "Bound of a TCP connect", 0.001);
  d.Add("max_connections", kI, std::to_string(s.http.max_connections),
        "Connections per I/O thread (connecting, busy or idle)", 1, 100000);
  d.Add("max_idle", kI, std::to_string(s.http.max_idle),
        "Idle keep-alive connections per I/O "
        "thread",
        0, 100000);
  d.Add("idle_timeout", kD, Dur(s.http.idle_timeout),
        "Idle connections older than this are closed (keep below the upstream's keep-alive)", 0);
  d.Add("max_lifetime", kD, Dur(s.http.max_lifetime),
        "Connections are not reused past this age "
        "(0 = unlimited)",
        0);
  d.Add("pool_wait_timeout", kD, Dur(s.http.pool_wait_timeout),
        "Longest wait for a busy pool's connection before kOverloaded", 0);
  d.Add("dns_ttl", kD, Dur(s.http.dns_ttl), "How long a name resolution is reused", 0);
  d.Add("max_response_bytes", kI, std::to_string(s.http.max_response_body_bytes),
        "Largest response body accepted", 0);
  d.Add("bulkhead.max_concurrent", kI, std::to_string(s.bulkhead.max_concurrent),
        "Calls in flight to this dependency at once (process-wide)", 1, 1000000);
  d.Add("bulkhead.max_queue", kI, std::to_string(s.bulkhead.max_queue),
        "Calls waiting for a bulkhead slot; past this refused at once", 0, 1000000);
  d.Add("bulkhead.max_wait", kD, Dur(s.bulkhead.max_wait),
        "Longest wait for a bulkhead slot (never past the deadline)", 0);
}

void DeclareBreaker(Declarer& d, const DependencySettings& s) {
  constexpr auto kI = ConfigType::kInt;
  constexpr auto kD = ConfigType::kDuration;
  constexpr auto kF = ConfigType::kDouble;
  const auto& b = s.breaker;
  d.Add("breaker.enabled", ConfigType::kBool, s.breaker_enabled ? "true" : "false",
        "Circuit breaker on this dependency");
  d.schema().Add(
      {.name = d.prefix() + "breaker.window_type",
       .type = ConfigType::kString,
       .default_value = b.window_type == BreakerWindow::kTimeBased ? "time_based" : "count_based",
       .description = "Sliding window: the last N calls or the last N seconds",
       .choices = {"count_based", "time_based"}});
  d.Add("breaker.window_size", kI, std::to_string(b.window_size), "Window size (calls or seconds)",
        1, 100000);
  d.Add("breaker.minimum_calls", kI, std::to_string(b.minimum_calls),
        "Calls recorded before rates are evaluated", 1, 1000000);
  d.Add("breaker.failure_rate_threshold", kF, Num(b.failure_rate_threshold),
        "Failure percentage that opens the breaker (>=)", 0.001, 100);
  d.Add("breaker.slow_call_rate_threshold", kF, Num(b.slow_call_rate_threshold),
        "Slow-call percentage that opens the breaker (>=)", 0.001, 100);
  d.Add("breaker.slow_call_duration", kD, Dur(b.slow_call_duration),
        "A call longer than this is slow", 0.000001);
  d.Add("breaker.wait_in_open", kD, Dur(b.wait_in_open), "How long OPEN refuses calls", 0.001);
  d.Add("breaker.wait_in_open_multiplier", kF, Num(b.wait_in_open_multiplier),
        "Growth of the open period on each re-open (1 = constant)", 1, 100);
  d.Add("breaker.max_wait_in_open", kD, Dur(b.max_wait_in_open), "Cap of the grown open period",
        0.001);
  d.Add("breaker.permitted_calls_in_half_open", kI, std::to_string(b.permitted_calls_in_half_open),
        "Trial calls in HALF_OPEN", 1, 100000);
  d.Add("breaker.max_wait_in_half_open", kD, Dur(b.max_wait_in_half_open),
        "HALF_OPEN longer than this reopens (0 = never)", 0);
}

void DeclareRetryAndHedge(Declarer& d, const DependencySettings& s) {
  constexpr auto kI = ConfigType::kInt;
  constexpr auto kD = ConfigType::kDuration;
  constexpr auto kF = ConfigType::kDouble;
  d.Add("retry.max_attempts", kI, std::to_string(s.retry.max_attempts),
        "Attempts per idempotent call, the original included (1 = no retry)", 1, 5);
  d.Add("retry.base", kD, Dur(s.retry.base), "Back-off base (full jitter)", 0);
  d.Add("retry.cap", kD, Dur(s.retry.cap), "Back-off cap", 0);
  d.Add("retry.budget_percent", kF, Num(s.retry_budget.percent),
        "Retries allowed as a percentage of calls", 0, 1000);
  d.Add("retry.budget_min_per_second", kF, Num(s.retry_budget.min_per_second),
        "Retries always allowed per second (reserve)", 0, 1e6);
  d.Add("retry.budget_ttl", kD, Dur(s.retry_budget.ttl), "Window of the retry budget", 1, 60);
  d.Add("hedge.enabled", ConfigType::kBool, s.hedge_enabled ? "true" : "false",
        "Hedge idempotent reads (GET/HEAD)");
  d.Add("hedge.max_attempts", kI, std::to_string(s.hedge.max_attempts),
        "Attempts per hedged call, the original included", 2, 5);
  d.Add("hedge.quantile", kF, Num(s.hedge.quantile),
        "Latency quantile of recent successes after which a hedge is sent", 0.5, 0.999);
  d.Add("hedge.min_delay", kD, Dur(s.hedge.min_delay), "Floor of the hedge delay", 0);
  d.Add("hedge.min_samples", kI, std::to_string(s.hedge.min_samples),
        "Successful calls observed before hedging starts", 1, 100000);
  d.Add("hedge.budget_percent", kF, Num(s.hedge_budget.percent),
        "Hedges allowed as a percentage of calls", 0, 100);
  d.Add("hedge.budget_min_per_second", kF, Num(s.hedge_budget.min_per_second),
        "Hedges always allowed per second (reserve)", 0, 1e6);
}

// Cross-key checks; returns every problem, one per line.
std::string CrossCheck(const DependencySettings& s, const std::string& p) {
  std::string problems;
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) {
      problems += (problems.empty() ? "" : "\n") + what;
    }
  };
  // The schema validates a URL that was set; an unset one is only caught here.
  if (auto bad = ValidateUrls(ConfigValue(JoinUrls(s.urls)))) {
    require(false, p + "url: " + *bad);
  }
  require(s.http.max_idle <= s.http.max_connections,
          p + "max_idle must not exceed " + p + "max_connections");
  require(s.retry.base <= s.retry.cap, p + "retry.base must not exceed " + p + "retry.cap");
  require(s.attempt_timeout <= s.timeout, p + "attempt_timeout must not exceed " + p + "timeout");
  require(s.breaker.max_wait_in_open >= s.breaker.wait_in_open,
          p + "breaker.max_wait_in_open must be at least " + p + "breaker.wait_in_open");
  return problems;
}

}  // namespace

void AddDependencyConfig(ConfigSchema& schema, std::string_view name,
                         const DependencySettings& defaults) {
  KEEL_CHECK(LowerSnake(name));
  Declarer d(schema, name);
  DeclareTransport(d, defaults);
  DeclareBreaker(d, defaults);
  DeclareRetryAndHedge(d, defaults);
}

namespace {

// Typed reads of deps.<name>.<key>.
struct Reader {
  const Config& c;
  std::string p;
  Duration Dur(const char* k) const {
    return std::chrono::duration_cast<Duration>(c.GetDuration(p + k));
  }
  std::size_t Size(const char* k) const { return static_cast<std::size_t>(c.GetInt(p + k)); }
  std::uint32_t U32(const char* k) const { return static_cast<std::uint32_t>(c.GetInt(p + k)); }
  int Int(const char* k) const { return static_cast<int>(c.GetInt(p + k)); }
  double Dbl(const char* k) const { return c.GetDouble(p + k); }
  bool Bool(const char* k) const { return c.GetBool(p + k); }
};

void ReadTransport(const Reader& r, DependencySettings& s) {
  s.urls = SplitUrls(r.c.GetString(r.p + "url"));
  s.timeout = r.Dur("timeout");
  s.attempt_timeout = r.Dur("attempt_timeout");
  s.http.name = s.name;
  s.http.connect_timeout = r.Dur("connect_timeout");
  s.http.max_connections = r.Size("max_connections");
  s.http.max_idle = r.Size("max_idle");
  s.http.idle_timeout = r.Dur("idle_timeout");
  s.http.max_lifetime = r.Dur("max_lifetime");
  s.http.pool_wait_timeout = r.Dur("pool_wait_timeout");
  s.http.dns_ttl = r.Dur("dns_ttl");
  s.http.max_response_body_bytes = r.Size("max_response_bytes");
  s.bulkhead = {.name = s.name,
                .max_concurrent = r.Size("bulkhead.max_concurrent"),
                .max_queue = r.Size("bulkhead.max_queue"),
                .max_wait = r.Dur("bulkhead.max_wait")};
}

void ReadBreaker(const Reader& r, DependencySettings& s) {
  auto& b = s.breaker;
  s.breaker_enabled = r.Bool("breaker.enabled");
  b.name = s.name;
  b.window_type = r.c.GetString(r.p + "breaker.window_type") == "time_based"
                      ? BreakerWindow::kTimeBased
                      : BreakerWindow::kCountBased;
  b.window_size = r.U32("breaker.window_size");
  b.minimum_calls = r.U32("breaker.minimum_calls");
  b.failure_rate_threshold = r.Dbl("breaker.failure_rate_threshold");
  b.slow_call_rate_threshold = r.Dbl("breaker.slow_call_rate_threshold");
  b.slow_call_duration = r.Dur("breaker.slow_call_duration");
  b.wait_in_open = r.Dur("breaker.wait_in_open");
  b.wait_in_open_multiplier = r.Dbl("breaker.wait_in_open_multiplier");
  b.max_wait_in_open = r.Dur("breaker.max_wait_in_open");
  b.permitted_calls_in_half_open = r.U32("breaker.permitted_calls_in_half_open");
  b.max_wait_in_half_open = r.Dur("breaker.max_wait_in_half_open");
}

void ReadRetryAndHedge(const Reader& r, DependencySettings& s) {
  s.retry.name = s.name;
  s.retry.max_attempts = r.Int("retry.max_attempts");
  s.retry.base = r.Dur("retry.base");
  s.retry.cap = r.Dur("retry.cap");
  s.retry_budget = {.percent = r.Dbl("retry.budget_percent"),
                    .min_per_second = r.Dbl("retry.budget_min_per_second"),
                    .ttl = r.Dur("retry.budget_ttl")};
  s.hedge_enabled = r.Bool("hedge.enabled");
  s.hedge.name = s.name;
  s.hedge.max_attempts = r.Int("hedge.max_attempts");
  s.hedge.quantile = r.Dbl("hedge.quantile");
  s.hedge.min_delay = r.Dur("hedge.min_delay");
  s.hedge.min_samples = r.Size("hedge.min_samples");
  s.hedge_budget = {.percent = r.Dbl("hedge.budget_percent"),
                    .min_per_second = r.Dbl("hedge.budget_min_per_second"),
                    .ttl = s.retry_budget.ttl};
}

}  // namespace

Result<DependencySettings> DependencySettingsFromConfig(const Config& config,
                                                        std::string_view name) {
  const Reader reader{config, "deps." + std::string(name) + "."};
  DependencySettings s;
  s.name = std::string(name);
  ReadTransport(reader, s);
  ReadBreaker(reader, s);
  ReadRetryAndHedge(reader, s);
  if (auto problems = CrossCheck(s, reader.p); !problems.empty()) {
    return Error(ErrorCode::kInvalidArgument, problems);
  }
  return s;
}

}  // namespace keel::resilience
