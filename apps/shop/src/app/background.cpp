#include "src/app/background.hpp"

#include <algorithm>
#include <keel/core/check.hpp>
#include <keel/jobs/admin_routes.hpp>

namespace shop {

Background::Background(keel::data::Database& db, const BackgroundSettings& settings,
                       keel::MetricSink* sink)
    : settings_(settings),
      sink_(sink),
      queue_(db, settings.jobs.queue, sink),
      relay_(db, queue_, {}, sink),
      // An order's event reaches the queue at once instead of at the relay's next round.
      outbox_(nullptr, [this] { relay_.Wake(); }),
      idempotency_store_(db, settings.idempotency.store),
      purger_(idempotency_store_, settings.idempotency.purge_interval, sink) {}

Background::~Background() {
  Stop();
}

void Background::RegisterHandler(std::string kind, keel::jobs::JobHandler handler,
                                 std::string queue) {
  KEEL_CHECK(runtime_ == nullptr);  // before Start
  KEEL_CHECK(std::none_of(handlers_.begin(), handlers_.end(),
                          [&](const Registration& r) { return r.kind == kind; }));
  handlers_.push_back({std::move(kind), std::move(queue), std::move(handler)});
}

void Background::RegisterEventHandler(const std::string& topic, keel::jobs::JobHandler handler) {
  RegisterHandler(topic, std::move(handler), topic);
}

void Background::AddAdminRoutes(keel::http::Router& admin) {
  keel::jobs::AddJobAdminRoutes(admin, queue_);
}

void Background::Start(bool run_workers) {
  KEEL_CHECK(runtime_ == nullptr);
  // No metric sink: the service's runtime already reports keel_event_loop_lag_seconds{thread}.
  runtime_ = std::make_unique<keel::Runtime>(keel::RuntimeSettings{.threads = 1}, nullptr);
  auto executor = runtime_->Context(0).get_executor();
  relay_.Start(executor);
  purger_.Start(executor);
  const keel::jobs::WorkerSetSettings& configured = settings_.jobs.workers;
  if (run_workers && configured.concurrency > 0) {
    const bool all = configured.queues.size() == 1 && configured.queues[0] == kAllQueues;
    for (const Registration& r : handlers_) {
      const bool listed = all || std::find(configured.queues.begin(), configured.queues.end(),
                                           r.queue) != configured.queues.end();
      if (listed && std::find(served_queues_.begin(), served_queues_.end(), r.queue) ==
                        served_queues_.end()) {
        served_queues_.push_back(r.queue);
      }
    }
    if (!all) {  // listed queues without a handler here still run (their jobs fail: unknown kind)
      for (const std::string& q : configured.queues) {
        if (std::find(served_queues_.begin(), served_queues_.end(), q) == served_queues_.end()) {
          served_queues_.push_back(q);
        }
      }
    }
    if (!served_queues_.empty()) {
      keel::jobs::WorkerSetSettings worker_settings = configured;
      worker_settings.queues = served_queues_;
      workers_ = std::make_unique<keel::jobs::WorkerSet>(queue_, worker_settings, sink_);
      for (const Registration& r : handlers_) {
        workers_->Register(r.kind, r.handler);
      }
      workers_->Start(*runtime_);
    }
  }
  thread_ = std::thread([this] { runtime_->Run(); });
}

bool Background::Stop() {
  if (!thread_.joinable()) {
    return true;
  }
  const bool drained = workers_ == nullptr || workers_->StopAndWait();
  relay_.Stop();
  purger_.Stop();
  runtime_->Stop();
  thread_.join();
  return drained;
}

}  // namespace shop
