#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <optional>

#include "keel/core/wall_time.hpp"
#include "keel/jobs/outbox.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
constexpr data::Query kUnpublished{
    "outbox_unpublished",
    "SELECT id, topic, payload FROM keel_outbox WHERE published_at IS NULL ORDER BY id LIMIT ?"};
constexpr data::Query kMarkPublished{
    "outbox_mark_published", "UPDATE keel_outbox SET published_at = ?, job_id = ? WHERE id = ?"};
constexpr data::Query kPrunePublished{
    "outbox_prune",
    "DELETE FROM keel_outbox WHERE id IN (SELECT id FROM keel_outbox "
    "WHERE published_at IS NOT NULL AND published_at <= ? LIMIT ?)"};
constexpr auto kPruneEvery = std::chrono::minutes(1);
}  // namespace

struct OutboxRelay::State : std::enable_shared_from_this<OutboxRelay::State> {
  State(data::Database& d, JobQueue& q, OutboxRelaySettings s, MetricSink* metrics,
        const Clock* clock)
      : db(d),
        queue(q),
        settings(s),
        sink(metrics != nullptr ? *metrics : own_sink),
        wall(clock != nullptr ? *clock : steady),
        relayed(sink.GetCounter("keel_outbox_relayed_total", "Outbox events moved to the queue")),
        errors(sink.GetCounter("keel_outbox_relay_errors_total", "Failed relay rounds")),
        backlog(
            sink.GetGauge("keel_outbox_backlog",
                          "Unpublished events seen by the last relay round (at most a batch)")) {}

  // The transaction body of one round (writer thread).
  Result<void> RelayInTx(data::Tx& tx, std::size_t& relayed_count);
  Result<void> Fault(std::int64_t event_id);

  data::Database& db;
  JobQueue& queue;
  const OutboxRelaySettings settings;
  DiscardingMetricSink own_sink;
  MetricSink& sink;
  SteadyClock steady;
  WallTime wall;
  Counter& relayed;
  Counter& errors;
  Gauge& backlog;

  std::atomic<bool> stopped{false};
  std::atomic<bool> wake_pending{false};
  std::mutex mutex;  // guards the three below
  std::optional<asio::any_io_executor> executor;
  asio::steady_timer* timer = nullptr;  // used on `executor` only
  std::function<Result<void>(std::int64_t)> fault_for_test;
};

Result<void> OutboxRelay::State::Fault(std::int64_t event_id) {
  std::function<Result<void>(std::int64_t)> fault;
  {
    std::lock_guard lock(mutex);
    fault = fault_for_test;
  }
  return fault ? fault(event_id) : Result<void>();
}

Result<void> OutboxRelay::State::RelayInTx(data::Tx& tx, std::size_t& count) {
  auto events = tx.Query(kUnpublished, data::Params(static_cast<std::int64_t>(settings.batch)));
  if (!events) {
    return std::move(events).error();
  }
  backlog.Set(static_cast<double>(events->size()));
  for (const data::Row& event : *events) {
    const std::int64_t id = event.Int(0);
    auto job = queue.Enqueue(tx, JobSpec{.queue = std::string(event.Text(1)),
                                         .kind = std::string(event.Text(1)),
                                         .args = std::string(event.Text(2)),
                                         .priority = settings.priority,
                                         .dedupe_key = OutboxDedupeKey(id),
                                         .dedupe_completed = true});
    if (!job && job.error().code() == ErrorCode::kOverloaded) {
      break;  // the queue is full: the events wait here, durably
    }
    if (!job) {
      return std::move(job).error();
    }
    if (auto fault = Fault(id); !fault) {
      return fault;
    }
    auto marked = tx.Execute(kMarkPublished, data::Params(wall.NowMs(), job->id, id));
    if (!marked) {
      return std::move(marked).error();
    }
    ++count;
  }
  return {};
}

namespace {
// The state is held by shared_ptr: a round still running when the relay is destroyed keeps it.
asio::awaitable<Result<std::size_t>> RelayRound(std::shared_ptr<OutboxRelay::State> s,
                                                data::CallOptions options) {
  std::size_t count = 0;
  auto done =
      co_await s->db.Transaction([&](data::Tx& tx) { return s->RelayInTx(tx, count); }, options);
  if (!done) {
    s->errors.Add();
    co_return std::move(done).error();
  }
  s->relayed.Add(count);
  co_return count;
}

asio::awaitable<Result<std::int64_t>> PruneRound(std::shared_ptr<OutboxRelay::State> s,
                                                 data::CallOptions options) {
  const auto keep =
      std::chrono::duration_cast<std::chrono::milliseconds>(s->settings.keep_published).count();
  auto params = data::Params(s->wall.NowMs() - keep, static_cast<std::int64_t>(1000));
  auto done = co_await s->db.Execute(kPrunePublished, std::move(params), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return done->rows_affected;
}

asio::awaitable<void> RelayLoop(std::shared_ptr<OutboxRelay::State> s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(s->mutex);
    s->timer = &timer;
  }
  TimePoint next_prune = std::chrono::steady_clock::now() + kPruneEvery;
  while (!s->stopped.load()) {
    const data::CallOptions options{.deadline = Deadline::After(std::chrono::seconds(5))};
    auto relayed = co_await RelayRound(s, options);
    if (std::chrono::steady_clock::now() >= next_prune) {
      (void)co_await PruneRound(s, options);
      next_prune = std::chrono::steady_clock::now() + kPruneEvery;
    }
    const bool full = relayed && *relayed == s->settings.batch;
    if (full || s->wake_pending.exchange(false)) {
      continue;  // more is waiting
    }
    timer.expires_after(s->settings.interval);
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    s->wake_pending.store(false);
  }
  std::lock_guard lock(s->mutex);
  s->timer = nullptr;
}
}  // namespace

OutboxRelay::OutboxRelay(data::Database& db, JobQueue& queue, OutboxRelaySettings settings,
                         MetricSink* sink, const Clock* clock)
    : state_(std::make_shared<State>(db, queue, settings, sink, clock)) {}

OutboxRelay::~OutboxRelay() {
  Stop();
}

asio::awaitable<Result<std::size_t>> OutboxRelay::RelayOnce(data::CallOptions options) {
  return RelayRound(state_, options);
}

asio::awaitable<Result<std::int64_t>> OutboxRelay::Prune(data::CallOptions options) {
  return PruneRound(state_, options);
}

void OutboxRelay::Start(asio::any_io_executor executor) {
  {
    std::lock_guard lock(state_->mutex);
    state_->executor = executor;
  }
  asio::co_spawn(executor, RelayLoop(state_), asio::detached);
}

void OutboxRelay::Wake() {
  state_->wake_pending.store(true);
  std::lock_guard lock(state_->mutex);
  if (state_->executor) {
    asio::post(*state_->executor, [s = state_] {
      std::lock_guard inner(s->mutex);
      if (s->timer != nullptr) {
        s->timer->cancel();
      }
    });
  }
}

void OutboxRelay::Stop() {
  state_->stopped.store(true);
  Wake();
}

void OutboxRelay::SetFaultForTest(std::function<Result<void>(std::int64_t)> fault) {
  std::lock_guard lock(state_->mutex);
  state_->fault_for_test = std::move(fault);
}

}  // namespace keel::jobs
