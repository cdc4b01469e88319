// DependencyClient against a scripted loopback upstream: the composition, not each policy (those
// have their own tests).
#include "keel/resilience/http/dependency_client.hpp"

#include <gtest/gtest.h>

#include "dependency_test_support.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using http::ClientRequest;
using http::ClientResponse;
using http::Method;

constexpr const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
constexpr const char* kUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 0\r\n\r\n";

class DependencyClientTest : public ::testing::Test {
 protected:
  DependencySettings Settings() {
    DependencySettings s;
    s.name = "dep";
    s.urls = {upstream_.url()};
    s.retry = {.name = "dep", .max_attempts = 3, .base = 1ms, .cap = 2ms};
    s.retry_budget = {.percent = 100, .min_per_second = 100};
    s.breaker = {.name = "dep", .window_size = 4, .minimum_calls = 4, .wait_in_open = 1s};
    return s;
  }
  std::unique_ptr<DependencyClient> Make(DependencySettings s) {
    return std::make_unique<DependencyClient>(std::move(s), std::vector{&io_}, sink_, clock_,
                                              random_);
  }
  Result<ClientResponse> Call(DependencyClient& c, const ClientRequest& req,
                              CallOptions o = {.deadline = Deadline::After(2s)}) {
    return testing::RunToCompletion(io_, c.Call(req, o));
  }

  asio::io_context io_;
  testing::ScriptedUpstream upstream_{io_};
  testing::RecordingSink sink_;
  SteadyClock clock_;
  SplitMixRandom random_{1};
};

TEST_F(DependencyClientTest, SuccessPassesThroughAndAccountsUpstreamTime) {
  auto c = Make(Settings());
  StageAccount stages;
  auto r = Call(*c, {.target = "/x"}, {.deadline = Deadline::After(500ms), .stages = &stages});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(stages.Count(Stage::kUpstream), 1u);
  ASSERT_EQ(upstream_.requests.size(), 1u);
  EXPECT_NE(upstream_.requests[0].find("X-Request-Timeout: "), std::string::npos);
}

TEST_F(DependencyClientTest, AnswersAreNotErrorsFailuresAre) {
  upstream_.script = [](const std::string&) {
    return std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  };
  auto c = Make(Settings());
  auto r = Call(*c, {.target = "/x"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(upstream_.requests.size(), 1u);

  auto mapped =
      DependencyOutcome(ClientResponse{.status = 503, .headers = {{"Retry-After", "3"}}}, "dep");
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(mapped.error().retry_after(), 3s);
  EXPECT_EQ(DependencyOutcome(ClientResponse{.status = 504}, "dep").error().code(),
            ErrorCode::kDeadlineExceeded);
  EXPECT_FALSE(DependencyOutcome(ClientResponse{.status = 429}, "dep").ok());
}

TEST_F(DependencyClientTest, IdempotentCallsAreRetriedOthersAreNot) {
  upstream_.script = [](const std::string&) { return std::string(kUnavailable); };
  auto s = Settings();
  s.breaker_enabled = false;
  auto c = Make(s);
  auto get = Call(*c, {.target = "/x"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(upstream_.requests.size(), 3u);

  upstream_.requests.clear();
  auto post = Call(*c, {.method = Method::kPost, .target = "/pay", .body = "{}"});
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(upstream_.requests.size(), 1u);

  upstream_.requests.clear();
  ClientRequest keyed{.method = Method::kPost, .target = "/pay", .body = "{}"};
  keyed.headers.emplace_back("Idempotency-Key", "k1");
  ASSERT_FALSE(Call(*c, keyed).ok());
  EXPECT_EQ(upstream_.requests.size(), 3u);
}

TEST_F(DependencyClientTest, OpenBreakerFailsFastWithoutCallingUpstream) {
  upstream_.script = [](const std::string&) { return std::string(kUnavailable); };
  auto s = Settings();
  s.retry.max_attempts = 1;
  auto c = Make(s);
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(Call(*c, {.target = "/x"}).ok());
  }
  ASSERT_EQ(c->breaker()->state(), BreakerState::kOpen);
  const auto start = std::chrono::steady_clock::now();
  auto r = Call(*c, {.target = "/x"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().retry_after(), 1s);
  EXPECT_EQ(upstream_.requests.size(), 4u);
}

TEST_F(DependencyClientTest, CallTimeoutBoundsEveryAttempt) {
  upstream_.script = [](const std::string&) { return std::string(); };  // hang
  auto s = Settings();
  s.timeout = 60ms;
  s.attempt_timeout = 25ms;
  s.breaker_enabled = false;
  auto c = Make(s);
  const auto start = std::chrono::steady_clock::now();
  auto r = Call(*c, {.target = "/x"}, {.deadline = Deadline::After(5s)});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(took, 150ms);
  EXPECT_GE(upstream_.requests.size(), 2u) << "a hung attempt leaves time for a retry";
}

TEST_F(DependencyClientTest, BulkheadRefusesBeyondItsLimit) {
  upstream_.script = [](const std::string&) { return std::string(kOk); };
  upstream_.delay = 50ms;
  auto s = Settings();
  s.bulkhead = {.name = "dep", .max_concurrent = 1, .max_queue = 0, .max_wait = 0ms};
  auto c = Make(s);
  std::optional<Result<ClientResponse>> first;
  const ClientRequest req{.target = "/x"};
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        first.emplace(co_await c->Call(req, {.deadline = Deadline::After(1s)}));
      },
      asio::detached);
  io_.run_for(10ms);
  auto second = Call(*c, req);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kOverloaded);
  while (!first) {
    io_.run_one();
  }
  EXPECT_TRUE(first->ok());
}

TEST_F(DependencyClientTest, HedgeGoesToTheNextEndpoint) {
  testing::ScriptedUpstream fast(io_);
  auto s = Settings();
  s.urls = {upstream_.url(), fast.url()};
  s.hedge_enabled = true;
  s.hedge = {.name = "dep", .max_attempts = 2, .min_delay = 10ms, .min_samples = 1};
  s.hedge_budget = {.percent = 100, .min_per_second = 100};
  auto c = Make(s);
  ASSERT_TRUE(Call(*c, {.target = "/x"}).ok());  // a fast sample: the hedge delay is now 10 ms
  EXPECT_EQ(fast.requests.size(), 0u);
  upstream_.delay = 500ms;  // endpoint 0 turns slow
  const auto start = std::chrono::steady_clock::now();
  auto r = Call(*c, {.target = "/x"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  auto post = Call(*c, {.method = Method::kPost, .target = "/x"});  // never hedged
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(fast.requests.size(), 1u);
  EXPECT_GE(sink_.Count("keel_hedges_won_total", {{"dependency", "dep"}}), 1u);
}

}  // namespace
}  // namespace keel::resilience
