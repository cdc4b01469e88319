// The shop's background machinery over its database: the durable job queue (keel::jobs, SQLite),
// the transactional outbox and its relay, the workers that run job handlers, and the purger that
// keeps the idempotency store bounded. `keel-shop serve` runs it next to the API (workers unless
// shop.serve_workers = false); `keel-shop worker` runs it alone, so workers scale separately.
//
//   shop::Background background(db, *settings, &metrics);
//   background.RegisterHandler("report", RunReport, "reports");      // before Start
//   background.RegisterEventHandler("order.created", NotifyOrder);   // an outbox topic
//   background.AddAdminRoutes(service.admin_routes());               // /admin/jobs…
//   background.Start(/*run_workers=*/true);
//   ... on shutdown (after the HTTP drain, before the database closes):
//   background.Stop();
//   db.Close();                      // before the Background is destroyed (see Stop())
//
// Everything runs on a runtime of its own (one thread), which is what makes Stop() a graceful
// drain: it stops claiming, waits for the running jobs (jobs.* stop timeout, 10 s), then stops
// the relay and the purger. A job still running after that is abandoned; its lease expires and a
// worker runs it again (delivery is at least once: handlers dedupe, see docs/jobs.md).
#pragma once

#include <keel/core/metrics.hpp>
#include <keel/core/runtime.hpp>
#include <keel/data/database.hpp>
#include <keel/http/router.hpp>
#include <keel/idempotency/purger.hpp>
#include <keel/idempotency/sqlite_store.hpp>
#include <keel/jobs/outbox.hpp>
#include <keel/jobs/sqlite_queue.hpp>
#include <keel/jobs/worker_set.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/app/background_config.hpp"

namespace shop {

class Background {
 public:
  // `db` and `sink` (may be null) must outlive the Background.
  Background(keel::data::Database& db, const BackgroundSettings& settings, keel::MetricSink* sink);
  ~Background();  // Stop()
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Producers: enqueue in a business transaction (queue().Enqueue(tx, spec)) or add an outbox
  // event (outbox().Add(tx, topic, payload)).
  [[nodiscard]] keel::jobs::JobQueue& queue() noexcept { return queue_; }
  [[nodiscard]] const keel::jobs::Outbox& outbox() const noexcept { return outbox_; }
  // The Idempotency-Key records (same database: responses are stored in business transactions).
  [[nodiscard]] keel::idempotency::IdempotencyStore& idempotency_store() noexcept {
    return idempotency_store_;
  }

  // Declares the handler of job kind `kind`, whose jobs are enqueued on `queue` (before Start;
  // once per kind). With jobs.queues = "*" (the default) the workers serve every queue that has
  // a handler; otherwise only the listed ones (a process dedicated to some queues).
  void RegisterHandler(std::string kind, keel::jobs::JobHandler handler,
                       std::string queue = "default");
  // The consumer of an outbox topic: the relay enqueues each event on queue = kind = topic, with
  // dedupe key "outbox:<event id>" (JobContext::dedupe_key(), what handlers dedupe by).
  void RegisterEventHandler(const std::string& topic, keel::jobs::JobHandler handler);

  // GET /admin/jobs, GET /admin/jobs/{id}, POST /admin/jobs/{id}/retry|discard (admin routes).
  void AddAdminRoutes(keel::http::Router& admin);

  // Starts the relay, the purger and, when `run_workers` and jobs.workers > 0, the workers, on
  // the background thread. Once.
  void Start(bool run_workers);
  // Graceful stop (blocks up to the workers' stop timeout); never from a job handler. Idempotent.
  // Returns false when jobs were still running at the timeout (they will be redelivered).
  // Then close the database before destroying the Background: a database call the relay or a
  // worker still had in flight completes onto this runtime, which must still exist (Close()
  // finishes or cancels those calls).
  bool Stop();

  [[nodiscard]] const BackgroundSettings& settings() const noexcept { return settings_; }

  // The queues the workers serve (empty before Start or without workers).
  [[nodiscard]] const std::vector<std::string>& served_queues() const noexcept {
    return served_queues_;
  }

 private:
  struct Registration {
    std::string kind;
    std::string queue;
    keel::jobs::JobHandler handler;
  };

  BackgroundSettings settings_;
  keel::MetricSink* sink_;
  // Declared first, destroyed last: the relay, purger and workers post to its executor until they
  // are destroyed (Stop() stops it; pending handlers die with it).
  std::unique_ptr<keel::Runtime> runtime_;
  keel::jobs::SqliteJobQueue queue_;
  keel::jobs::OutboxRelay relay_;
  keel::jobs::Outbox outbox_;
  keel::idempotency::SqliteIdempotencyStore idempotency_store_;
  keel::idempotency::Purger purger_;
  std::vector<Registration> handlers_;
  std::vector<std::string> served_queues_;
  std::unique_ptr<keel::jobs::WorkerSet> workers_;
  std::thread thread_;
};

}  // namespace shop
