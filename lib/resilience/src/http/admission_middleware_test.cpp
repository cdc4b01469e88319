// The admission middleware on real io_contexts: waiting, waking across threads, refusals, admin
// routes, trusted priority headers. Runs under TSan (cmake --preset tsan). Every test runs twice:
// leading the chain (its frame-free Before/After, as the server runs it) and behind a coroutine
// middleware (its Handle).
#include "keel/resilience/http/admission_middleware.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "keel/http/router.hpp"

namespace keel::resilience {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::Request;
using http::RequestContext;
using http::Response;

// One request's objects, kept alive for the coroutine.
struct Call {
  Request request;
  http::Headers headers;
  RequestContext context;
  Response response;
  bool done = false;
};

// A coroutine middleware that only passes the request on: the admission behind it runs as Handle.
class PassThrough final : public http::Middleware {
 public:
  asio::awaitable<Response> Handle(Request& r, RequestContext& c, http::Next next) override {
    co_return co_await next(r, c);
  }
};

class MiddlewareTest : public ::testing::TestWithParam<bool> {
 protected:
  // The chain: `admission` alone, or behind a PassThrough (GetParam()).
  void SetChain(std::shared_ptr<AdmissionMiddleware> admission) {
    chain_.clear();
    if (GetParam()) {
      chain_.push_back(std::make_shared<PassThrough>());
    }
    chain_.push_back(std::move(admission));
  }
  std::shared_ptr<AdmissionMiddleware> Make(int limit, AdmissionMiddlewareSettings s) {
    return std::make_shared<AdmissionMiddleware>(std::make_unique<FixedLimit>(limit), std::move(s),
                                                 clock_, sink_);
  }
  // Spawns one request through [middleware] -> handler on `io`.
  void Spawn(asio::io_context& io, Call& call, const http::RouteOptions& route,
             std::string_view peer = "192.0.2.1", std::string_view priority_header = {},
             Deadline deadline = Deadline::After(10s)) {
    if (!priority_header.empty()) {
      call.headers.Add("X-Priority", priority_header);
    }
    call.request.Assign({.method = http::Method::kGet,
                         .method_text = "GET",
                         .target = "/x",
                         .path = "/x",
                         .version_minor = 1,
                         .remote_address = peer},
                        call.headers);
    call.context.Reset("req-1", deadline);
    call.context.set_route("/x", &route, route.priority);
    asio::co_spawn(
        io,
        [this, &call]() -> asio::awaitable<void> {
          call.response = co_await http::RunChain(chain_, handler_, call.request, call.context);
          call.done = true;
        },
        asio::detached);
  }

  std::shared_ptr<const Clock> clock_ = std::make_shared<SteadyClock>();
  DiscardingMetricSink sink_;
  http::MiddlewareChain chain_;
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  Duration hold_ = 30ms;
  bool throw_ = false;
  http::Handler handler_ = [this](Request&, RequestContext& ctx) -> asio::awaitable<Response> {
    if (throw_) {
      throw std::runtime_error("handler failed");
    }
    const int now = ++running_;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, hold_);
    co_await timer.async_wait(asio::use_awaitable);
    --running_;
    co_return Response::Text(200, std::string(PriorityName(ctx.priority())));
  };
};

TEST_P(MiddlewareTest, QueuesThenAdmitsWhenASlotFrees) {
  SetChain(Make(1, {}));
  const http::RouteOptions route;
  asio::io_context io;
  Call a, b;
  Spawn(io, a, route);
  Spawn(io, b, route);
  io.run();
  ASSERT_TRUE(a.done && b.done);
  EXPECT_EQ(a.response.status(), 200);
  EXPECT_EQ(b.response.status(), 200);
  EXPECT_EQ(max_running_.load(), 1);
  // b waited about one hold in the queue.
  EXPECT_GE(b.context.stages().Total(Stage::kQueue), 20ms);
  EXPECT_EQ(b.context.stages().Count(Stage::kQueue), 1u);
  EXPECT_EQ(a.context.stages().Count(Stage::kQueue), 0u);
}

TEST_P(MiddlewareTest, RefusalIs503ProblemWithRetryAfter) {
  AdmissionMiddlewareSettings s;
  s.admission.queue_size = 0;
  s.retry_after = 3s;
  SetChain(Make(1, std::move(s)));
  const http::RouteOptions route;
  asio::io_context io;
  Call a, b;
  Spawn(io, a, route);
  Spawn(io, b, route);
  io.run();
  EXPECT_EQ(a.response.status(), 200);
  EXPECT_EQ(b.response.status(), 503);
  ASSERT_NE(b.response.FindHeader("Retry-After"), nullptr);
  EXPECT_EQ(*b.response.FindHeader("Retry-After"), "3");
  EXPECT_EQ(*b.response.FindHeader("Content-Type"), "application/problem+json");
  EXPECT_NE(b.response.body().find("concurrency limit"), std::string::npos);
}

TEST_P(MiddlewareTest, QueueTimeoutRefuses) {
  AdmissionMiddlewareSettings s;
  s.admission.queue_interval = 10ms;
  SetChain(Make(1, std::move(s)));
  hold_ = 200ms;
  const http::RouteOptions route;
  asio::io_context io;
  Call a, b;
  Spawn(io, a, route);
  Spawn(io, b, route);
  io.run();
  EXPECT_EQ(a.response.status(), 200);
  EXPECT_EQ(b.response.status(), 503);
  EXPECT_NE(b.response.body().find("while the request waited"), std::string::npos);
  EXPECT_GE(b.context.stages().Total(Stage::kQueue), 10ms);
}

TEST_P(MiddlewareTest, AdminRoutesPassAtTheLimit) {
  AdmissionMiddlewareSettings s;
  s.admission.queue_size = 0;
  SetChain(Make(1, std::move(s)));
  const http::RouteOptions business;
  const http::RouteOptions admin{.admin = true};
  asio::io_context io;
  Call a, health;
  Spawn(io, a, business);
  Spawn(io, health, admin);
  io.run();
  EXPECT_EQ(a.response.status(), 200);
  EXPECT_EQ(health.response.status(), 200);
}

TEST_P(MiddlewareTest, PriorityHeaderOnlyFromTrustedPeers) {
  AdmissionMiddlewareSettings s;
  s.trusted_priority_peers = *CidrSet::Parse("10.0.0.0/8");
  SetChain(Make(10, std::move(s)));
  const http::RouteOptions route{.priority = Priority::kSheddable};
  asio::io_context io;
  Call outsider, insider, garbage;
  Spawn(io, outsider, route, "192.0.2.1", "critical");
  Spawn(io, insider, route, "10.1.2.3", "critical");
  Spawn(io, garbage, route, "10.1.2.3", "urgent");
  io.run();
  EXPECT_EQ(outsider.response.body(), "sheddable");
  EXPECT_EQ(insider.response.body(), "critical");
  EXPECT_EQ(garbage.response.body(), "sheddable");
}

TEST_P(MiddlewareTest, DeadlineShorterThanTypicalServiceTimeIsRefusedAtOnce) {
  AdmissionMiddlewareSettings s;
  s.service_time.min_samples = 2;
  SetChain(Make(10, std::move(s)));
  hold_ = 40ms;
  const http::RouteOptions route;
  {
    asio::io_context io;
    Call a, b;
    Spawn(io, a, route);
    Spawn(io, b, route);
    io.run();
  }
  asio::io_context io;
  Call late;
  const auto started = std::chrono::steady_clock::now();
  Spawn(io, late, route, "192.0.2.1", {}, Deadline::After(10ms));
  io.run();
  EXPECT_EQ(late.response.status(), 504);
  EXPECT_NE(late.response.body().find("typical service time"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10ms);  // the handler never ran
  EXPECT_EQ(running_.load(), 0);
}

TEST_P(MiddlewareTest, AFailedHandlerReleasesItsSlot) {
  AdmissionMiddlewareSettings s;
  s.admission.queue_size = 0;
  auto middleware = Make(1, std::move(s));
  SetChain(middleware);
  const http::RouteOptions route;
  {
    throw_ = true;
    asio::io_context io;
    Call failed;
    Spawn(io, failed, route);
    io.run();
    EXPECT_FALSE(failed.done);  // the exception left the chain
  }
  EXPECT_EQ(middleware->controller().in_flight(), 0);
  throw_ = false;
  asio::io_context io;
  Call next;
  Spawn(io, next, route);
  io.run();
  EXPECT_EQ(next.response.status(), 200);
  EXPECT_EQ(middleware->controller().in_flight(), 0);
}

// Several I/O threads, each with its own io_context, share one middleware: the limit holds and
// every request finishes (admitted, or refused after its queue allowance).
TEST_P(MiddlewareTest, ManyThreadsNeverExceedTheLimit) {
  AdmissionMiddlewareSettings s;
  s.admission.queue_size = 1000;
  s.admission.queue_interval = 5s;
  auto middleware = Make(3, std::move(s));
  SetChain(middleware);
  hold_ = 1ms;
  const http::RouteOptions route;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<std::vector<Call>> calls(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    ios.push_back(std::make_unique<asio::io_context>(1));
    calls[t] = std::vector<Call>(kPerThread);
    for (auto& c : calls[t]) {
      Spawn(*ios[t], c, route);
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&io = *ios[t]] { io.run(); });
  }
  for (auto& th : threads) {
    th.join();
  }
  int ok = 0;
  for (auto& per : calls) {
    for (auto& c : per) {
      ASSERT_TRUE(c.done);
      ok += c.response.status() == 200 ? 1 : 0;
    }
  }
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_LE(max_running_.load(), 3);
  EXPECT_EQ(middleware->controller().in_flight(), 0);
  EXPECT_EQ(middleware->controller().queue_depth(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Forms, MiddlewareTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("BehindCoroutine")
                                             : std::string("Leading");
                         });

}  // namespace
}  // namespace keel::resilience
