// shop::Background over a migrated database: handlers registered by kind run on the queues they
// name (jobs.queues = "*"), outbox events reach their consumer, and Stop() drains.
#include "src/app/background.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "src/testing/test_db.hpp"

namespace shop {
namespace {

using namespace std::chrono_literals;

BackgroundSettings FastSettings() {
  BackgroundSettings s;
  s.jobs.workers.queues = {std::string(kAllQueues)};
  s.jobs.workers.poll_interval = 20ms;
  return s;
}

bool WaitFor(const std::atomic<int>& n, int want) {
  for (int i = 0; i < 500 && n.load() < want; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  return n.load() >= want;
}

TEST(Background, RunsHandlersAndEventConsumersThenStopsGracefully) {
  testing::TestDb t;
  Background background(t.db(), FastSettings(), nullptr);
  std::atomic<int> jobs{0};
  std::atomic<int> events{0};
  background.RegisterHandler(
      "echo",
      [&](keel::jobs::JobContext&) -> boost::asio::awaitable<keel::Result<void>> {
        ++jobs;
        co_return keel::Result<void>();
      },
      "q1");
  background.RegisterEventHandler(
      "thing.happened",
      [&](keel::jobs::JobContext& job) -> boost::asio::awaitable<keel::Result<void>> {
        EXPECT_EQ(job.dedupe_key().substr(0, 7), "outbox:");
        ++events;
        co_return keel::Result<void>();
      });
  background.Start(true);
  EXPECT_EQ(background.served_queues(), (std::vector<std::string>{"q1", "thing.happened"}));

  auto done = t.db().TransactionBlocking([&](keel::data::Tx& tx) -> keel::Result<void> {
    keel::jobs::JobSpec spec;
    spec.queue = "q1";
    spec.kind = "echo";
    spec.args = "{}";
    auto job = background.queue().Enqueue(tx, spec);
    if (!job) {
      return std::move(job).error();
    }
    auto event = background.outbox().Add(tx, "thing.happened", R"({"n":1})");
    return event ? keel::Result<void>() : keel::Result<void>(std::move(event).error());
  });
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_TRUE(WaitFor(jobs, 1));
  EXPECT_TRUE(WaitFor(events, 1));
  EXPECT_TRUE(background.Stop());
  EXPECT_TRUE(background.Stop());  // idempotent
  t.db().Close();                  // before the Background goes (see Stop())
}

TEST(Background, ListedQueuesLimitWhatTheWorkersServe) {
  testing::TestDb t;
  BackgroundSettings settings = FastSettings();
  settings.jobs.workers.queues = {"reports"};
  Background background(t.db(), settings, nullptr);
  background.RegisterHandler(
      "a",
      [](keel::jobs::JobContext&) -> boost::asio::awaitable<keel::Result<void>> {
        co_return keel::Result<void>();
      },
      "other");
  background.Start(true);
  EXPECT_EQ(background.served_queues(), (std::vector<std::string>{"reports"}));
  background.Stop();
  t.db().Close();
}

TEST(Background, WithoutWorkersItStillStartsAndStops) {
  testing::TestDb t;
  Background background(t.db(), FastSettings(), nullptr);
  background.Start(false);
  EXPECT_TRUE(background.served_queues().empty());
  EXPECT_TRUE(background.Stop());
  t.db().Close();
}

}  // namespace
}  // namespace shop
