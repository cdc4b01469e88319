#include "run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include "format.hpp"
#include "worker.hpp"

namespace keel::load {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kConnectGrace = std::chrono::seconds(1);

Result<asio::ip::tcp::endpoint> Resolve(const Target& t) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(t.host, t.port, ec);
  if (ec || results.empty()) {
    return Error(ErrorCode::kUnavailable,
                 "cannot resolve " + t.host + ":" + t.port + ": " + ec.message());
  }
  for (const auto& r : results) {  // prefer IPv4: "localhost" is usually served there
    if (r.endpoint().address().is_v4()) {
      return r.endpoint();
    }
  }
  return results.begin()->endpoint();
}

int Share(int total, int threads, int t) {
  return total / threads + (t < total % threads ? 1 : 0);
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The main thread during the run: progress, RSS, signals, the ramp's stop, the safety limit.
class Supervisor {
 public:
  Supervisor(const Settings& s, Aggregator& aggregator,
             std::vector<std::unique_ptr<Worker>>& workers, TimePoint start)
      : settings_(s), aggregator_(aggregator), workers_(workers), start_(start) {}

  StopReason Run(std::vector<RssSample>& rss) {
    rss_ = &rss;
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    WaitSignal(signals);
    asio::co_spawn(io_, Tick(signals), asio::detached);
    io_.run();
    return reason_;
  }

 private:
  void WaitSignal(asio::signal_set& signals) {
    signals.async_wait([this, &signals](boost::system::error_code ec, int) {
      if (ec) {
        return;
      }
      if (interrupted_) {
        std::_Exit(130);  // a second Ctrl-C: no report, now
      }
      interrupted_ = true;
      reason_ = StopReason::kInterrupted;
      std::fputs("\nkeel-load: interrupted, writing the report (Ctrl-C again to quit now)\n",
                 stderr);
      StopAll(true);
      WaitSignal(signals);
    });
  }

  void StopAll(bool abort) {
    for (auto& w : workers_) {
      w->Stop(abort);
    }
  }

  asio::awaitable<void> Tick(asio::signal_set& signals) {
    asio::steady_timer timer(io_);
    const auto limit = settings_.profile.duration + settings_.timeout + std::chrono::seconds(10);
    while (true) {
      timer.expires_after(kTick);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      const Nanos elapsed = SteadyClock::now() - start_;
      if (std::all_of(workers_.begin(), workers_.end(), [](auto& w) { return w->finished(); })) {
        break;
      }
      if (!stopped_ && aggregator_.slo_broken()) {
        stopped_ = true;
        reason_ = StopReason::kSloBroken;
        StopAll(false);
      }
      if (elapsed > limit && !interrupted_) {  // a bug or a wedged thread: do not hang
        interrupted_ = true;
        reason_ = StopReason::kOverran;
        StopAll(true);
      }
      if (elapsed >= std::chrono::seconds(next_second_)) {
        OnSecond(static_cast<double>(next_second_));
        ++next_second_;
      }
    }
    boost::system::error_code ec;
    signals.cancel(ec);
  }

  void OnSecond(double elapsed_s) {
    if (settings_.pid > 0 && !pid_gone_) {
      const auto rss = ReadRss(settings_.pid);
      if (rss) {
        rss_->push_back({elapsed_s, *rss});
      } else {
        pid_gone_ = true;
        std::fprintf(stderr, "keel-load: --pid %d: process gone, RSS sampling stopped\n",
                     settings_.pid);
      }
    }
    if (settings_.quiet || elapsed_s == 0) {
      return;
    }
    const Progress p = aggregator_.Snapshot();
    const auto& c = p.totals;
    const uint64_t sent_delta = c.sent - last_sent_;
    last_sent_ = c.sent;
    const auto in_flight = static_cast<int64_t>(c.scheduled) - static_cast<int64_t>(c.Resolved());
    std::fprintf(stderr,
                 "[%5.0fs] rate %8.0f/s  sent %10llu  ok %10llu  4xx/5xx %8llu  errors %8llu  "
                 "p99 %9s  in-flight %lld\n",
                 elapsed_s, static_cast<double>(sent_delta),
                 static_cast<unsigned long long>(c.sent),
                 static_cast<unsigned long long>(c.status.Between(100, 399)),
                 static_cast<unsigned long long>(c.status.Between(400, 599)),
                 static_cast<unsigned long long>(c.Errors()), FormatLatency(p.p99).c_str(),
                 static_cast<long long>(std::max<int64_t>(0, in_flight)));
  }

  const Settings& settings_;
  Aggregator& aggregator_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  TimePoint start_;
  asio::io_context io_{1};
  std::vector<RssSample>* rss_ = nullptr;
  StopReason reason_ = StopReason::kCompleted;
  bool interrupted_ = false;
  bool stopped_ = false;
  bool pid_gone_ = false;
  int64_t next_second_ = 0;
  uint64_t last_sent_ = 0;
};

// Waits until every initial connection has connected or failed (bounded by the timeout).
Result<void> AwaitConnections(const std::vector<std::unique_ptr<Worker>>& workers,
                              const Settings& s, const Target& target) {
  const auto deadline = SteadyClock::now() + s.timeout + kConnectGrace;
  int done = 0;
  int ok = 0;
  while (SteadyClock::now() < deadline) {
    done = ok = 0;
    for (const auto& w : workers) {
      done += w->initial_done();
      ok += w->initial_ok();
    }
    if (done == s.connections) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (ok == 0) {
    const std::string why = workers.front()->first_connect_error();
    return Error(ErrorCode::kUnavailable, "cannot connect to " + target.host + ":" + target.port +
                                              ": " + (why.empty() ? "timeout" : why));
  }
  if (ok < s.connections && !s.quiet) {
    std::fprintf(stderr, "keel-load: warning: %d of %d connections failed to connect (%s)\n",
                 s.connections - ok, s.connections, workers.front()->first_connect_error().c_str());
  }
  return {};
}

void Collect(std::vector<std::unique_ptr<Worker>>& workers, RunResult& out) {
  for (auto& w : workers) {
    auto& rec = w->recorder();
    if (out.types.empty()) {
      out.types.resize(rec.types().size());
    }
    for (std::size_t i = 0; i < rec.types().size(); ++i) {
      out.types[i].Merge(rec.types()[i]);
    }
    out.send_delay.Merge(rec.send_delay());
    out.connections.Merge(rec.connections());
  }
}

}  // namespace

const char* StopReasonName(StopReason r) noexcept {
  switch (r) {
    case StopReason::kCompleted:
      return "completed";
    case StopReason::kSloBroken:
      return "slo_broken";
    case StopReason::kInterrupted:
      return "interrupted";
    case StopReason::kOverran:
      return "overran";
  }
  return "?";
}

Result<RunResult> RunLoad(const Settings& settings, const Scenario& scenario,
                          const Profile& profile) {
  auto endpoint = Resolve(scenario.target);
  if (!endpoint) {
    return std::move(endpoint).error();
  }
  std::vector<VarSampler> samplers(scenario.vars.begin(), scenario.vars.end());
  const RunShared shared{scenario,         samplers,         profile,      *endpoint,
                         settings.threads, settings.timeout, settings.seed};
  std::optional<Slo> slo;
  if (profile.settings.kind == ProfileKind::kRamp) {
    slo = Slo{settings.slo_p99, settings.slo_error_percent / 100.0};
  }
  Aggregator aggregator(profile, settings.threads, slo);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < settings.threads; ++t) {
    workers.push_back(
        std::make_unique<Worker>(shared, t, Share(settings.connections, settings.threads, t),
                                 Share(settings.max_connections, settings.threads, t), aggregator));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&w] { w->Run(); });
  }
  RunResult result;
  result.endpoint = endpoint->address().to_string() + ":" + std::to_string(endpoint->port());
  auto connected = AwaitConnections(workers, settings, scenario.target);
  const TimePoint start = SteadyClock::now() + std::chrono::milliseconds(10);
  result.started_at = UtcNow();
  if (connected) {
    for (auto& w : workers) {
      w->Start(start);
    }
    result.stop_reason = Supervisor(settings, aggregator, workers, start).Run(result.rss);
  } else {
    for (auto& w : workers) {
      w->Stop(true);
    }
  }
  for (auto& t : threads) {
    t.join();
  }
  if (!connected) {
    return std::move(connected).error();
  }
  result.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  aggregator.Finish(result.stop_reason != StopReason::kCompleted);
  result.seconds = aggregator.seconds();
  result.phases = aggregator.phases();
  Collect(workers, result);
  return result;
}

}  // namespace keel::load
