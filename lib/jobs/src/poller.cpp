// The poller of a WorkerSet: claims, dispatches, renews leases, runs maintenance, refreshes the
// depth gauges. One coroutine on the set's first executor; the only writer of its gauges.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "worker_state.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
data::CallOptions Budget(const WorkerSet::State& s) {
  return {.deadline = Deadline::After(s.settings.call_timeout)};
}

// Gives back slots reserved for a claim that returned fewer jobs.
void ReleaseSlots(WorkerSet::State& s, std::size_t n) {
  if (n == 0) {
    return;
  }
  const std::size_t left = s.running.fetch_sub(n) - n;
  if (s.stopping.load() && left == 0) {
    s.ReportStopped(true);
  }
}

asio::awaitable<void> ClaimAndDispatch(std::shared_ptr<WorkerSet::State> s) {
  const std::size_t busy = s->running.load();
  if (s->stopping.load() || busy >= s->settings.concurrency) {
    co_return;
  }
  // Reserved before the claim, so that a Stop() during it waits for what it returns.
  const std::size_t free = s->settings.concurrency - busy;
  s->running.fetch_add(free);
  // Arguments as named values: g++ 12 mishandles braced temporaries in a co_await expression.
  ClaimOptions claim{.worker = s->worker_id, .lease = s->settings.lease};
  auto claimed = co_await s->queue.Claim(s->settings.queues, free, std::move(claim), Budget(*s));
  if (!claimed) {
    s->poll_errors.Add();
    ReleaseSlots(*s, free);
    co_return;
  }
  for (ClaimedJob& job : *claimed) {
    const Deadline deadline = Deadline::After(std::chrono::milliseconds(job.job.timeout_ms));
    {
      std::lock_guard lock(s->mutex);
      s->active.insert_or_assign(job.job.id, WorkerSet::State::Active{job, deadline});
    }
    asio::co_spawn(s->NextExecutor(), RunJob(s, std::move(job), deadline), asio::detached);
  }
  ReleaseSlots(*s, free - claimed->size());
  s->running_gauge.Set(static_cast<double>(s->running.load()));
}

// Renews the leases of running jobs — except those a lease past their deadline: a handler that
// ignores its cancellation must not hold its job forever.
asio::awaitable<void> RenewLeases(WorkerSet::State& s) {
  std::vector<ClaimedJob> renew;
  const TimePoint now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [id, active] : s.active) {
      if (active.deadline.when() + s.settings.lease > now) {
        renew.push_back(active.job);
      }
    }
  }
  if (renew.empty()) {
    co_return;
  }
  auto extended = co_await s.queue.ExtendLeases(std::move(renew), s.settings.lease, Budget(s));
  if (!extended) {
    s.poll_errors.Add();
  }
}

asio::awaitable<void> Maintain(WorkerSet::State& s) {
  auto done = co_await s.queue.Maintain(Budget(s));
  if (!done) {
    s.poll_errors.Add();
    co_return;
  }
  s.rescued.Add(static_cast<std::uint64_t>(done->rescued));
  s.rescued_dead.Add(static_cast<std::uint64_t>(done->dead));
}

Gauge& DepthGauge(WorkerSet::State& s, const std::string& queue, int state) {
  Gauge*& g = s.depth_gauges[{queue, state}];
  if (g == nullptr) {
    g = &s.sink.GetGauge("keel_jobs_depth", "Jobs by queue and state",
                         {{"queue", queue}, {"state", std::string(JobStateName(JobState(state)))}});
  }
  return *g;
}

Gauge& AgeGauge(WorkerSet::State& s, const std::string& queue) {
  Gauge*& g = s.age_gauges[queue];
  if (g == nullptr) {
    g = &s.sink.GetGauge("keel_jobs_oldest_available_seconds",
                         "Age of the oldest available job: how far behind the workers are",
                         {{"queue", queue}});
  }
  return *g;
}

asio::awaitable<void> RefreshStats(WorkerSet::State& s) {
  auto depth = co_await s.queue.Depth(Budget(s));
  if (!depth) {
    s.poll_errors.Add();
    co_return;
  }
  for (auto& [queue, gauge] : s.age_gauges) {
    gauge->Set(0);  // a queue with no available job is absent from the result
  }
  for (const QueueDepth& d : *depth) {
    for (int state = 0; state < kJobStateCount; ++state) {
      DepthGauge(s, d.queue, state).Set(static_cast<double>(d.count[state]));
    }
    AgeGauge(s, d.queue).Set(std::chrono::duration<double>(d.oldest_available_age).count());
  }
}

void SetPollTimer(WorkerSet::State& s, asio::steady_timer* timer) {
  std::lock_guard lock(s.mutex);
  s.poll_timer = timer;
}
}  // namespace

asio::awaitable<void> PollLoop(std::shared_ptr<WorkerSet::State> s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  SetPollTimer(*s, &timer);
  const auto& settings = s->settings;
  TimePoint next_maintenance{}, next_stats{};
  TimePoint next_renewal = std::chrono::steady_clock::now() + settings.lease / 3;
  while (!s->stopping.load()) {
    const TimePoint now = std::chrono::steady_clock::now();
    if (now >= next_maintenance) {
      co_await Maintain(*s);
      next_maintenance = now + settings.maintenance_interval;
    }
    if (now >= next_renewal) {
      co_await RenewLeases(*s);
      next_renewal = now + settings.lease / 3;
    }
    if (now >= next_stats) {
      co_await RefreshStats(*s);
      next_stats = now + settings.stats_interval;
    }
    co_await ClaimAndDispatch(s);
    if (s->wake_pending.exchange(false)) {
      continue;  // woken while claiming: claim again before sleeping
    }
    timer.expires_after(settings.poll_interval);
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    s->wake_pending.store(false);
  }
  SetPollTimer(*s, nullptr);
}

}  // namespace keel::jobs
