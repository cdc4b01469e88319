#include "keel/resilience/admission_controller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
using Kind = Admission::Kind;

class TestWaiter final : public AdmissionWaiter {
 public:
  int wakes = 0;

 private:
  void Wake() noexcept override { ++wakes; }
};

class AdmissionTest : public ::testing::Test {
 protected:
  std::unique_ptr<AdmissionController> Make(int limit, AdmissionSettings settings = {}) {
    return std::make_unique<AdmissionController>(std::make_unique<FixedLimit>(limit), settings,
                                                 clock_, sink_);
  }
  static AdmissionRequest Ask(Priority p, Deadline d = Deadline::Never(),
                              std::optional<Duration> service_time = std::nullopt) {
    return {.priority = p, .deadline = d, .service_time = service_time};
  }
  ManualClock clock_;
  DiscardingMetricSink sink_;
};

constexpr auto kCritical = Priority::kCritical;
constexpr auto kDefault = Priority::kDefault;
constexpr auto kSheddable = Priority::kSheddable;

TEST_F(AdmissionTest, ShedsSheddableFirstAndCriticalLast) {
  auto c = Make(10, {.shares = {1.0, 0.8, 0.5}, .queue_size = 0});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(c->TryAdmit(Ask(kSheddable)).kind, Kind::kAdmitted);
  }
  // Sheddable may fill 50 %: the 6th is refused while others still fit.
  auto refused = c->TryAdmit(Ask(kSheddable));
  EXPECT_EQ(refused.kind, Kind::kRefused);
  EXPECT_EQ(refused.reason, Refusal::kPriority);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  }
  EXPECT_EQ(c->TryAdmit(Ask(kDefault)).reason, Refusal::kPriority);  // 80 % reached
  EXPECT_EQ(c->TryAdmit(Ask(kCritical)).kind, Kind::kAdmitted);
  const auto last = c->TryAdmit(Ask(kCritical));
  EXPECT_EQ(last.kind, Kind::kAdmitted);
  EXPECT_EQ(last.in_flight, 10);
  EXPECT_EQ(c->TryAdmit(Ask(kCritical)).reason, Refusal::kLimit);
  EXPECT_EQ(c->rejections(Refusal::kPriority, kSheddable), 1u);
  EXPECT_EQ(c->rejections(Refusal::kPriority, kDefault), 1u);
  EXPECT_EQ(c->rejections(Refusal::kLimit, kCritical), 1u);
  for (int i = 0; i < 10; ++i) {
    c->Release(nullptr);
  }
  EXPECT_EQ(c->in_flight(), 0);
}

TEST_F(AdmissionTest, SmallLimitStillGivesEveryClassASlot) {
  auto c = Make(1, {.shares = {1.0, 0.8, 0.5}, .queue_size = 0});
  EXPECT_EQ(c->TryAdmit(Ask(kSheddable)).kind, Kind::kAdmitted);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, QueuedRequestIsGrantedWhenASlotFrees) {
  auto c = Make(1);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kMustQueue);
  TestWaiter w;
  ASSERT_EQ(c->Enqueue(w, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(c->queue_depth(), 1u);
  clock_.Advance(3ms);
  c->Release(nullptr);
  EXPECT_EQ(w.wakes, 1);
  const auto a = c->Finish(w, false);
  EXPECT_EQ(a.kind, Kind::kAdmitted);
  EXPECT_EQ(a.in_flight, 1);
  EXPECT_EQ(c->queue_depth(), 0u);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, QueueTimeoutIsTheIntervalUntilAQueueStandsThenTheTarget) {
  auto c = Make(1, {.queue_size = 10, .queue_target = 5ms, .queue_interval = 100ms});
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  const TimePoint t0 = clock_.Now();
  TestWaiter w1, w2, w3;
  ASSERT_EQ(c->Enqueue(w1, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(w1.give_up_at(), t0 + 100ms);
  clock_.Advance(60ms);
  ASSERT_EQ(c->Enqueue(w2, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(w2.give_up_at(), t0 + 160ms);  // not empty for 60 ms only: not standing yet
  clock_.Advance(40ms);
  const auto timed_out = c->Finish(w1, false);  // its timer fired
  EXPECT_EQ(timed_out.kind, Kind::kRefused);
  EXPECT_EQ(timed_out.reason, Refusal::kQueueTimeout);
  ASSERT_EQ(c->Enqueue(w3, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(w3.give_up_at(), t0 + 105ms);  // standing for 100 ms: only the 5 ms target
  EXPECT_EQ(c->Finish(w2, true).reason, Refusal::kDeadline);
  EXPECT_EQ(c->Finish(w3, true).reason, Refusal::kDeadline);
  // Drained: the next waiter gets the interval again.
  TestWaiter w4;
  ASSERT_EQ(c->Enqueue(w4, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(w4.give_up_at(), clock_.Now() + 100ms);
  EXPECT_EQ(c->Finish(w4, false).reason, Refusal::kQueueTimeout);
  EXPECT_EQ(c->rejections(Refusal::kQueueTimeout, kDefault), 2u);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, ServesFifoWithoutAStandingQueue) {
  auto c = Make(1);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter w1, w2;
  ASSERT_EQ(c->Enqueue(w1, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(10ms);
  ASSERT_EQ(c->Enqueue(w2, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(10ms);
  c->Release(nullptr);
  EXPECT_EQ(w1.wakes, 1);
  EXPECT_EQ(w2.wakes, 0);
  EXPECT_EQ(c->Finish(w1, false).kind, Kind::kAdmitted);
  EXPECT_EQ(c->Finish(w2, true).kind, Kind::kRefused);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, SwitchesToLifoOnceTheQueueStands) {
  auto c = Make(1, {.queue_size = 10, .queue_target = 5ms, .queue_interval = 100ms});
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter old1, old2, fresh;
  ASSERT_EQ(c->Enqueue(old1, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(60ms);
  ASSERT_EQ(c->Enqueue(old2, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(40ms);
  (void)c->Finish(old1, false);  // timed out; the queue never emptied
  ASSERT_EQ(c->Enqueue(fresh, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(1ms);
  c->Release(nullptr);
  // Standing queue: the newest waiter (whose client is most likely still there) goes first.
  EXPECT_EQ(fresh.wakes, 1);
  EXPECT_EQ(old2.wakes, 0);
  EXPECT_EQ(c->Finish(fresh, false).kind, Kind::kAdmitted);
  EXPECT_EQ(c->Finish(old2, false).reason, Refusal::kQueueTimeout);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, GrantsMoreImportantWaitersFirst) {
  auto c = Make(2, {.shares = {1.0, 1.0, 1.0}});
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter shed, crit;
  ASSERT_EQ(c->Enqueue(shed, Ask(kSheddable)).kind, Kind::kQueued);
  ASSERT_EQ(c->Enqueue(crit, Ask(kCritical)).kind, Kind::kQueued);
  c->Release(nullptr);
  EXPECT_EQ(crit.wakes, 1);
  EXPECT_EQ(shed.wakes, 0);
  EXPECT_EQ(c->Finish(crit, false).kind, Kind::kAdmitted);
  c->Release(nullptr);
  EXPECT_EQ(c->Finish(shed, false).kind, Kind::kAdmitted);
  c->Release(nullptr);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, SheddableWaiterIsNotGrantedAboveItsShare) {
  auto c = Make(4, {.shares = {1.0, 1.0, 0.5}});
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  }
  TestWaiter shed;
  ASSERT_EQ(c->Enqueue(shed, Ask(kSheddable)).kind, Kind::kQueued);
  c->Release(nullptr);  // 3 in flight: above the sheddable share of 2
  EXPECT_EQ(shed.wakes, 0);
  c->Release(nullptr);  // 2 in flight: still not below
  EXPECT_EQ(shed.wakes, 0);
  c->Release(nullptr);  // 1: fits
  EXPECT_EQ(shed.wakes, 1);
  EXPECT_EQ(c->Finish(shed, false).kind, Kind::kAdmitted);
  c->Release(nullptr);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, FullQueuePushesOutALessImportantWaiter) {
  auto c = Make(1, {.queue_size = 1});
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter shed, def, def2;
  ASSERT_EQ(c->Enqueue(shed, Ask(kSheddable)).kind, Kind::kQueued);
  ASSERT_EQ(c->Enqueue(def, Ask(kDefault)).kind, Kind::kQueued);
  EXPECT_EQ(shed.wakes, 1);
  const auto pushed = c->Finish(shed, false);
  EXPECT_EQ(pushed.reason, Refusal::kPriority);
  // Nothing less important left to push out: refused.
  const auto full = c->Enqueue(def2, Ask(kDefault));
  EXPECT_EQ(full.kind, Kind::kRefused);
  EXPECT_EQ(full.reason, Refusal::kLimit);
  EXPECT_EQ(c->rejections(Refusal::kPriority, kSheddable), 1u);
  EXPECT_EQ(c->Finish(def, true).reason, Refusal::kDeadline);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, TryAdmitRefusesWhenTheQueueIsFullOfEquallyImportantWaiters) {
  auto c = Make(1, {.queue_size = 1});
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter waiting;
  ASSERT_EQ(c->Enqueue(waiting, Ask(kDefault)).kind, Kind::kQueued);
  // No place, and nobody less important to push out: refused without a waiter.
  const auto full = c->TryAdmit(Ask(kDefault));
  EXPECT_EQ(full.kind, Kind::kRefused);
  EXPECT_EQ(full.reason, Refusal::kLimit);
  EXPECT_EQ(c->TryAdmit(Ask(kSheddable)).kind, Kind::kRefused);
  EXPECT_EQ(c->rejections(Refusal::kLimit, kDefault), 1u);
  // A critical request could push the default waiter out: it still goes to the queue.
  EXPECT_EQ(c->TryAdmit(Ask(kCritical)).kind, Kind::kMustQueue);
  EXPECT_EQ(waiting.wakes, 0);  // TryAdmit decided; only Enqueue pushes out
  EXPECT_EQ(c->queue_depth(), 1u);
  EXPECT_EQ(c->Finish(waiting, true).reason, Refusal::kDeadline);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, RefusesAtOnceWhenTheDeadlineIsShorterThanTheServiceTime) {
  auto c = Make(10);
  const auto now = clock_.Now();
  const auto refused = c->TryAdmit(Ask(kCritical, Deadline::At(now + 50ms), 100ms));
  EXPECT_EQ(refused.kind, Kind::kRefused);
  EXPECT_EQ(refused.reason, Refusal::kDeadline);
  EXPECT_EQ(c->rejections(Refusal::kDeadline, kCritical), 1u);
  EXPECT_EQ(c->TryAdmit(Ask(kCritical, Deadline::At(now + 150ms), 100ms)).kind, Kind::kAdmitted);
  // Unknown service time: only an expired deadline is refused.
  EXPECT_EQ(c->TryAdmit(Ask(kCritical, Deadline::At(now + 1ms))).kind, Kind::kAdmitted);
  EXPECT_EQ(c->TryAdmit(Ask(kCritical, Deadline::At(now))).reason, Refusal::kDeadline);
  c->Release(nullptr);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, StopsWaitingWhileTheServiceTimeStillFits) {
  auto c = Make(1);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter w;
  const auto now = clock_.Now();
  ASSERT_EQ(c->Enqueue(w, Ask(kDefault, Deadline::At(now + 130ms), 100ms)).kind, Kind::kQueued);
  EXPECT_EQ(w.give_up_at(), now + 30ms);
  clock_.Advance(30ms);
  EXPECT_EQ(c->Finish(w, false).reason, Refusal::kDeadline);
  TestWaiter late;
  EXPECT_EQ(c->Enqueue(late, Ask(kDefault, Deadline::At(now + 120ms), 90ms)).reason,
            Refusal::kDeadline);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, CancelledAfterGrantGivesTheSlotBack) {
  auto c = Make(1);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter w1, w2;
  ASSERT_EQ(c->Enqueue(w1, Ask(kDefault)).kind, Kind::kQueued);
  ASSERT_EQ(c->Enqueue(w2, Ask(kDefault)).kind, Kind::kQueued);
  c->Release(nullptr);
  ASSERT_EQ(w1.wakes, 1);
  EXPECT_EQ(c->Finish(w1, /*cancelled=*/true).reason, Refusal::kDeadline);
  EXPECT_EQ(w2.wakes, 1);  // the slot went on to the next waiter
  EXPECT_EQ(c->Finish(w2, false).kind, Kind::kAdmitted);
  EXPECT_EQ(c->in_flight(), 1);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, ExpiredWaiterIsDroppedAtDequeue) {
  auto c = Make(1);
  ASSERT_EQ(c->TryAdmit(Ask(kDefault)).kind, Kind::kAdmitted);
  TestWaiter stale, fresh;
  const auto t0 = clock_.Now();
  // Its deadline allows only 20 ms of waiting.
  ASSERT_EQ(c->Enqueue(stale, Ask(kDefault, Deadline::At(t0 + 20ms))).kind, Kind::kQueued);
  clock_.Advance(5ms);
  ASSERT_EQ(c->Enqueue(fresh, Ask(kDefault)).kind, Kind::kQueued);
  clock_.Advance(25ms);  // stale's wait is spent; its timer has not run yet
  c->Release(nullptr);   // FIFO (no standing queue): stale comes first and is dropped
  EXPECT_EQ(stale.wakes, 1);
  EXPECT_EQ(fresh.wakes, 1);
  EXPECT_EQ(c->Finish(stale, false).reason, Refusal::kDeadline);
  EXPECT_EQ(c->Finish(fresh, false).kind, Kind::kAdmitted);
  c->Release(nullptr);
}

TEST_F(AdmissionTest, ReleaseFeedsTheLimit) {
  auto limit = std::make_unique<FixedLimit>(3);
  AdmissionController c(std::move(limit), {}, clock_, sink_);
  const auto a = c.TryAdmit(Ask(kDefault));
  ASSERT_EQ(a.kind, Kind::kAdmitted);
  {
    AdmissionPermit permit(c, a.in_flight);
    clock_.Advance(7ms);
    EXPECT_EQ(permit.Finish(false), 7ms);
    EXPECT_EQ(permit.Finish(false), Duration::zero());  // once only
  }
  EXPECT_EQ(c.in_flight(), 0);
  {
    AdmissionPermit dropped(c, c.TryAdmit(Ask(kDefault)).in_flight);
  }  // destroyed unfinished: released
  EXPECT_EQ(c.in_flight(), 0);
}

// The lock-free path under contention (run it under TSan too: build/tsan). Several threads admit
// and release as fast as they can; the slots held at any moment never exceed the limit.
TEST_F(AdmissionTest, ConcurrentFastPathNeverExceedsTheLimit) {
  constexpr int kLimit = 3;
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  auto c = Make(kLimit, {.shares = {1.0, 1.0, 1.0}, .queue_size = 0});
  std::atomic<int> held{0};
  std::atomic<int> most{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        const Admission a = c->TryAdmit(Ask(kDefault));
        if (a.kind != Kind::kAdmitted) {
          ASSERT_EQ(a.kind, Kind::kRefused);
          continue;
        }
        EXPECT_LE(a.in_flight, kLimit);
        const int now = held.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        admitted.fetch_add(1);
        held.fetch_sub(1);
        const LimitSample sample{.now = clock_.Now(), .rtt = 1ms, .in_flight = a.in_flight};
        c->Release((i & 1) != 0 ? &sample : nullptr);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_LE(most.load(), kLimit);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_EQ(c->in_flight(), 0);
  EXPECT_EQ(c->queue_depth(), 0u);
}

// A limit that wants every other sample, so Release alternates between the lock-free path and the
// locked one; OnSample must only ever be called serialised (TSan checks the plain counter).
class HalfSampledLimit final : public ConcurrencyLimit {
 public:
  explicit HalfSampledLimit(int limit) : limit_(limit) {}
  [[nodiscard]] int limit() const noexcept override { return limit_; }
  void OnSample(const LimitSample&) noexcept override { ++samples; }
  [[nodiscard]] bool Wants(const LimitSample& s) const noexcept override {
    return s.rtt.count() % 2 == 1;
  }
  int samples = 0;

 private:
  int limit_;
};

class FlagWaiter final : public AdmissionWaiter {
 public:
  std::atomic<bool> woken{false};

 private:
  void Wake() noexcept override { woken.store(true); }
};

// Waiters racing lock-free releases: a slot freed while a request is being queued must reach it
// (the clock never moves, so a lost wakeup would leave a waiter stuck until the test's timeout).
TEST_F(AdmissionTest, ConcurrentQueueingLosesNoWakeup) {
  constexpr int kLimit = 2;
  constexpr int kThreads = 4;
  constexpr int kRounds = 5000;
  auto limit = std::make_unique<HalfSampledLimit>(kLimit);
  HalfSampledLimit* limit_view = limit.get();
  AdmissionController c(std::move(limit),
                        {.shares = {1.0, 1.0, 1.0}, .queue_size = 64, .queue_interval = 1h}, clock_,
                        sink_);
  std::atomic<int> held{0};
  std::atomic<int> most{0};
  std::atomic<int> queued{0};
  std::atomic<int> stuck{0};
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        Admission a = c.TryAdmit(Ask(kDefault));
        if (a.kind == Kind::kMustQueue) {
          FlagWaiter waiter;
          a = c.Enqueue(waiter, Ask(kDefault));
          if (a.kind == Kind::kQueued) {
            queued.fetch_add(1);
            const auto give_up = std::chrono::steady_clock::now() + 5s;
            while (!waiter.woken.load() && std::chrono::steady_clock::now() < give_up) {
              std::this_thread::yield();
            }
            if (!waiter.woken.load()) {
              stuck.fetch_add(1);
            }
            a = c.Finish(waiter, /*cancelled=*/false);
          }
        }
        ASSERT_EQ(a.kind, Kind::kAdmitted) << "refused: " << RefusalName(a.reason);
        const int now = held.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        held.fetch_sub(1);
        const LimitSample sample{
            .now = clock_.Now(), .rtt = Duration(t + i), .in_flight = a.in_flight};
        c.Release(&sample);
        released.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(stuck.load(), 0);
  EXPECT_EQ(released.load(), kThreads * kRounds);
  EXPECT_LE(most.load(), kLimit);
  EXPECT_EQ(c.in_flight(), 0);
  EXPECT_EQ(c.queue_depth(), 0u);
  EXPECT_EQ(limit_view->samples, kThreads * kRounds / 2);
  RecordProperty("queued", queued.load());
}

}  // namespace
}  // namespace keel::resilience
