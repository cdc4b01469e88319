#include "cli.hpp"

#include <keel/core/command_line.hpp>

namespace keel::load {

namespace {

constexpr const char* kDescription =
    "keel-load: an open-loop HTTP/1.1 load generator.\n"
    "Requests are scheduled at a constant arrival rate (request i at start + i/rate) whatever the\n"
    "server does; latency is measured from the SCHEDULED time, so queueing in the server (or for\n"
    "a free connection) is counted, not hidden (coordinated omission).";

constexpr const char* kFooter = R"(
WHAT TO SEND
  keel-load URL ...           GET (or -X METHOD, -H, --body) one URL
  keel-load -s FILE.toml ...  a scenario: base_url, a weighted mix of request types with {var}
                              placeholders (uniform / zipf / choice), {uuid}, {seq}, headers.
                              See docs/keel-load.md and tools/keel-load/examples/.
PROFILES (-p)
  constant  --rate for --duration
  ramp      start at --rate, +--ramp-step % every --ramp-interval until a step breaks the SLO
            (--slo-p99, --slo-errors); reports the capacity = the last passing rate.
            --duration bounds the search.
  spike     --rate, then --rate x --spike-factor from --spike-start for --spike-duration, then
            --rate again; reports p99 before/during/after and the time to recover.
  soak      --rate for a long --duration; reports RSS drift of --pid and latency per --soak-window.
OUTPUT
  stderr: a progress line every second (elapsed, rate, ok, errors, p99 so far) unless --quiet.
  stdout: the summary (percentiles per request type, statuses, errors, profile verdict).
  --out DIR: summary.json, timeseries.csv, timeseries.json, report.html (self-contained).
  Ctrl-C stops the run and still writes everything (a second Ctrl-C exits at once).
NOTES
  Latency counts responses of any status. Errors: connect, reset (closed mid-exchange), timeout
  (--timeout after the scheduled time; queued requests expire unsent), parse. A 5xx, an error or
  a timeout counts as failed for the ramp SLO. Meant for loopback/lab targets: keel-load sends
  what you ask at the rate you ask, with no safety net for shared or production servers.
EXIT STATUS: 0 done (also after Ctrl-C), 1 the target could not be reached, 2 usage error.
)";

Result<Nanos> Duration(const std::string& text, const char* option) {
  auto d = keel::ParseDuration(text);
  if (!d || d->count() <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(option) +
                     ": expected a positive duration like 500ms, 10s, 2m; got \"" + text + "\"");
  }
  return *d;
}

Error Invalid(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, message);
}

bool WholeSeconds(Nanos d) {
  return d.count() % 1'000'000'000 == 0;
}

struct DurationTexts {
  std::string duration = "10s";
  std::string timeout = "5s";
  std::string ramp_interval = "10s";
  std::string slo_p99 = "100ms";
  std::string spike_start;
  std::string spike_duration;
  std::string soak_window = "60s";
};

void AddOptions(CLI::App& app, Settings& s, DurationTexts& d, std::string& profile) {
  app.add_option("url", s.url, "Target URL (http:// only) when no --scenario is given");
  app.add_option("-s,--scenario", s.scenario_file, "Scenario TOML file")->check(CLI::ExistingFile);
  app.add_option("-X,--method", s.method, "Method for URL mode")->capture_default_str();
  app.add_option("-H,--header", s.headers, "Header \"Name: value\" for URL mode (repeatable)");
  app.add_option("--body", s.body, "Request body for URL mode");
  app.add_option("-p,--profile", profile, "constant | ramp | spike | soak")
      ->check(CLI::IsMember({"constant", "ramp", "spike", "soak"}))
      ->capture_default_str();
  app.add_option("-r,--rate", s.profile.rate,
                 "Arrival rate, req/s (ramp: first step; spike: base rate)")
      ->capture_default_str();
  app.add_option("-d,--duration", d.duration, "Run length (ramp: upper bound)")
      ->capture_default_str();
  app.add_option("-c,--connections", s.connections, "Keep-alive connections opened at start")
      ->capture_default_str();
  app.add_option("--max-connections", s.max_connections,
                 "Open extra connections while all are busy, up to this many in total "
                 "(0 = none beyond --connections)")
      ->capture_default_str();
  app.add_option("-t,--threads", s.threads, "I/O threads (one io_context each)")
      ->capture_default_str();
  app.add_option("--timeout", d.timeout, "Per-request timeout from the scheduled time (<= 60s)")
      ->capture_default_str();
  app.add_option("--ramp-step", s.profile.ramp_step_percent, "Ramp: rate increase per step, %")
      ->capture_default_str();
  app.add_option("--ramp-interval", d.ramp_interval, "Ramp: step length (whole seconds)")
      ->capture_default_str();
  app.add_option("--slo-p99", d.slo_p99, "Ramp SLO: a step's p99 must be <= this")
      ->capture_default_str();
  app.add_option("--slo-errors", s.slo_error_percent,
                 "Ramp SLO: a step's failed requests (errors, timeouts, 5xx) must be <= this %")
      ->capture_default_str();
  app.add_option("--spike-factor", s.profile.spike_factor, "Spike: rate multiplier")
      ->capture_default_str();
  app.add_option("--spike-start", d.spike_start, "Spike: when it starts (default: duration/3)");
  app.add_option("--spike-duration", d.spike_duration, "Spike: how long (default: duration/3)");
  app.add_option("--soak-window", d.soak_window, "Soak: latency reported per window")
      ->capture_default_str();
  app.add_option("--pid", s.pid, "Sample this process's RSS (/proc/PID/statm) every second");
  app.add_option("-o,--out", s.out_dir,
                 "Write summary.json, timeseries.csv, timeseries.json, report.html here");
  app.add_flag("-q,--quiet", s.quiet, "No progress line");
  app.add_option("--seed", s.seed, "Random seed (request mix, placeholders)")
      ->capture_default_str();
}

Result<void> ParseDurations(const DurationTexts& d, Settings& s) {
  const std::pair<const std::string*, Nanos*> required[] = {
      {&d.duration, &s.profile.duration},
      {&d.timeout, &s.timeout},
      {&d.ramp_interval, &s.profile.ramp_interval},
      {&d.slo_p99, &s.slo_p99},
      {&d.soak_window, &s.profile.soak_window},
      {&d.spike_start, &s.profile.spike_start},
      {&d.spike_duration, &s.profile.spike_duration}};
  const char* names[] = {"--duration",    "--timeout",     "--ramp-interval", "--slo-p99",
                         "--soak-window", "--spike-start", "--spike-duration"};
  for (std::size_t i = 0; i < std::size(required); ++i) {
    if (required[i].first->empty()) {
      continue;  // optional, default kept
    }
    auto v = Duration(*required[i].first, names[i]);
    if (!v) {
      return std::move(v).error();
    }
    *required[i].second = *v;
  }
  return {};
}

Result<void> Validate(const Settings& s) {
  const auto& p = s.profile;
  if (s.url.empty() == s.scenario_file.empty()) {
    return Invalid("give either a URL or --scenario FILE (see --help)");
  }
  if (!(p.rate > 0 && p.rate <= 10'000'000)) {
    return Invalid("--rate: must be in (0, 1e7] requests per second");
  }
  if (p.duration > std::chrono::hours(24 * 7)) {
    return Invalid("--duration: at most a week");
  }
  if (s.threads < 1 || s.threads > 256) {
    return Invalid("--threads: must be in [1, 256]");
  }
  if (s.connections < s.threads || s.connections > 100'000) {
    return Invalid("--connections: must be in [--threads, 100000]");
  }
  if (s.max_connections != 0 && s.max_connections < s.connections) {
    return Invalid("--max-connections: must be 0 or >= --connections");
  }
  if (s.timeout > std::chrono::seconds(60)) {
    return Invalid("--timeout: at most 60s (the histograms' range)");
  }
  if (!WholeSeconds(p.ramp_interval) || !WholeSeconds(p.soak_window) ||
      !WholeSeconds(p.spike_start) || !WholeSeconds(p.spike_duration)) {
    return Invalid(
        "--ramp-interval, --soak-window, --spike-start, --spike-duration: "
        "whole seconds (phases are reported per second)");
  }
  if (p.kind == ProfileKind::kRamp && !(p.ramp_step_percent > 0)) {
    return Invalid("--ramp-step: must be > 0");
  }
  if (p.kind == ProfileKind::kSpike &&
      (!(p.spike_factor > 0) || p.spike_start >= p.duration ||
       (p.spike_start.count() == 0 && p.duration < std::chrono::seconds(3)))) {
    return Invalid(
        "spike: --spike-factor must be > 0 and --spike-start before the end "
        "(with the defaults, --duration >= 3s)");
  }
  if (!(s.slo_error_percent >= 0 && s.slo_error_percent <= 100)) {
    return Invalid("--slo-errors: a percentage");
  }
  return {};
}

ProfileKind KindOf(const std::string& name) {
  if (name == "ramp") {
    return ProfileKind::kRamp;
  }
  if (name == "spike") {
    return ProfileKind::kSpike;
  }
  return name == "soak" ? ProfileKind::kSoak : ProfileKind::kConstant;
}

}  // namespace

Result<Settings> ParseCommandLine(int argc, char** argv) {
  CLI::App app{kDescription, "keel-load"};
  app.footer(kFooter);
  app.get_formatter()->column_width(34);
  Settings s;
  DurationTexts d;
  std::string profile = "constant";
  AddOptions(app, s, d, profile);
  keel::ParseCommandLineOrExit(app, argc, argv);
  s.profile.kind = KindOf(profile);
  if (auto ok = ParseDurations(d, s); !ok) {
    return std::move(ok).error();
  }
  if (auto ok = Validate(s); !ok) {
    return std::move(ok).error();
  }
  if (s.max_connections == 0) {
    s.max_connections = s.connections;
  }
  return s;
}

}  // namespace keel::load
