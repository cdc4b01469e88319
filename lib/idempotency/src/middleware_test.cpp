#include "keel/idempotency/middleware.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "keel/http/problem.hpp"
#include "keel/idempotency/sqlite_store.hpp"
#include "test_support.hpp"

namespace keel::idempotency {
namespace {

using namespace std::chrono_literals;
using boost::asio::awaitable;
using testing::TestRequest;

constexpr data::Query kInsertOrder{"insert_order", "INSERT INTO orders (sku) VALUES (?)"};

// Stands in for the server's boundary: an exception from the chain becomes a 500.
class CatchAll final : public http::Middleware {
 public:
  awaitable<http::Response> Handle(http::Request& r, http::RequestContext& c,
                                   http::Next next) override {
    std::optional<http::Response> response;
    try {
      response = co_await next(r, c);
    } catch (const std::exception&) {
      response = http::Response(500);
    }
    co_return std::move(*response);
  }
};

class IdempotencyMiddlewareTest : public ::testing::Test {
 protected:
  IdempotencyMiddlewareTest()
      : store_(tdb_.db(), {.ttl = 24h, .lock_timeout = 30s}, &clock_),
        recorder_(store_),
        middleware_(std::make_shared<IdempotencyMiddleware>(
            recorder_, MiddlewareSettings{.required = true, .scope = ScopeByHeader("X-Api-Key")},
            &sink_)),
        chain_{std::make_shared<CatchAll>(), middleware_} {
    handler_ = [this](http::Request&, http::RequestContext&) -> awaitable<http::Response> {
      ++runs_;
      if (throw_) {
        throw std::runtime_error("handler failed");
      }
      auto r = http::Response::Json(status_, R"({"run":)" + std::to_string(runs_) + "}");
      r.SetHeader("Location", "/v1/orders/" + std::to_string(runs_));
      r.SetHeader("X-Debug", "not stored");
      co_return r;
    };
  }

  // A handler that stores its response in the transaction of its business write.
  void UseTransactionalHandler(bool fail_after_complete) {
    handler_ = [this, fail_after_complete](http::Request& req,
                                           http::RequestContext& ctx) -> awaitable<http::Response> {
      ++runs_;
      const Ticket ticket = recorder_.Current(ctx);
      EXPECT_TRUE(ticket.active());
      http::Response response;
      auto done = co_await tdb_.db().Transaction(
          [&](data::Tx& tx) -> Result<void> {
            auto order = tx.Execute(kInsertOrder, data::Params(req.body()));
            if (!order) {
              return std::move(order).error();
            }
            response = http::Response::Json(
                201, R"({"id":)" + std::to_string(order->last_insert_id) + "}");
            if (auto completed = recorder_.CompleteInTx(tx, ticket, response); !completed) {
              return completed;
            }
            if (fail_after_complete) {
              return Error(ErrorCode::kUnavailable, "the commit failed");
            }
            return {};
          },
          {.deadline = ctx.deadline()});
      if (!done) {
        co_return http::ErrorResponse(done.error(), ctx.request_id());
      }
      co_return response;
    };
  }

  http::Response Send(const TestRequest& request) {
    return testing::Serve(io_, chain_, handler_, request);
  }
  std::int64_t Rows(std::string_view where) {
    return tdb_.Scalar("SELECT COUNT(*) FROM keel_idempotency_keys WHERE " + std::string(where));
  }
  // Locks the key of `request` as a concurrent first request would.
  BeginResult LockAsAnotherRequest(const TestRequest& request) {
    auto begun = testing::Await(
        io_, store_.Begin({"ip:" + request.remote, request.headers.at(0).second},
                          FingerprintRequest(request.method, request.target, request.body), {}));
    EXPECT_TRUE(begun);
    return *begun;
  }

  boost::asio::io_context io_;
  ManualClock clock_;
  testing::TestDatabase tdb_;
  testing::TestSink sink_;
  SqliteIdempotencyStore store_;
  IdempotencyRecorder recorder_;
  std::shared_ptr<IdempotencyMiddleware> middleware_;
  http::MiddlewareChain chain_;
  http::Handler handler_;
  int runs_ = 0;
  int status_ = 201;
  bool throw_ = false;
};

TEST_F(IdempotencyMiddlewareTest, FirstRequestRunsAndItsResponseIsStored) {
  const auto r = Send(TestRequest().Key("k1"));
  EXPECT_EQ(r.status(), 201);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(r.FindHeader("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(Rows("state = 'completed' AND status = 201"), 1);
  EXPECT_EQ(sink_.Count("keel_idempotency_results_total", "stored"), 1u);
}

TEST_F(IdempotencyMiddlewareTest, RetryGetsTheStoredResponseReplayed) {
  const auto first = Send(TestRequest().Key("k1"));
  const auto again = Send(TestRequest().Key("k1"));
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(again.status(), 201);
  EXPECT_EQ(again.body(), first.body());
  ASSERT_NE(again.FindHeader("Location"), nullptr);
  EXPECT_EQ(*again.FindHeader("Location"), "/v1/orders/1");
  EXPECT_EQ(*again.FindHeader("Content-Type"), "application/json");
  EXPECT_EQ(again.FindHeader("X-Debug"), nullptr);
  ASSERT_NE(again.FindHeader("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(*again.FindHeader("Idempotent-Replayed"), "true");
}

TEST_F(IdempotencyMiddlewareTest, SameKeyWithDifferentRequestIs422) {
  (void)Send(TestRequest().Key("k1"));
  TestRequest other_body = TestRequest().Key("k1");
  other_body.body = R"({"sku":"B-2"})";
  TestRequest other_path = TestRequest().Key("k1");
  other_path.target = "/v1/payments";
  EXPECT_EQ(Send(other_body).status(), 422);
  EXPECT_EQ(Send(other_path).status(), 422);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyMiddlewareTest, RetryWhileTheFirstRunsIs409WithRetryAfter) {
  const TestRequest request = TestRequest().Key("k1");
  LockAsAnotherRequest(request);
  const auto r = Send(request);
  EXPECT_EQ(r.status(), 409);
  ASSERT_NE(r.FindHeader("Retry-After"), nullptr);
  EXPECT_EQ(*r.FindHeader("Retry-After"), "1");
  EXPECT_EQ(*r.FindHeader("Content-Type"), "application/problem+json");
  EXPECT_EQ(runs_, 0);
}

TEST_F(IdempotencyMiddlewareTest, StaleLockIsTakenOverAfterTheLockTimeout) {
  const TestRequest request = TestRequest().Key("k1");
  const BeginResult crashed = LockAsAnotherRequest(request);
  clock_.Advance(29s);
  EXPECT_EQ(Send(request).status(), 409);
  clock_.Advance(1s);
  EXPECT_EQ(Send(request).status(), 201);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(sink_.Count("keel_idempotency_requests_total", "taken_over"), 1u);
  // The presumed-dead first request can no longer write a result.
  auto late =
      testing::Await(io_, store_.Complete(crashed.lease, StoredResponse{.status = 200}, {}));
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(Send(request).status(), 201);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyMiddlewareTest, ExpiredKeyStartsANewRequest) {
  (void)Send(TestRequest().Key("k1"));
  clock_.Advance(24h - 1ms);
  EXPECT_NE(Send(TestRequest().Key("k1")).FindHeader("Idempotent-Replayed"), nullptr);
  clock_.Advance(1ms);
  const auto r = Send(TestRequest().Key("k1"));
  EXPECT_EQ(r.FindHeader("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotencyMiddlewareTest, KeysAreScopedToTheCaller) {
  (void)Send(TestRequest().Key("k1").Header("X-Api-Key", "secret-a"));
  TestRequest b = TestRequest().Key("k1").Header("X-Api-Key", "secret-b");
  b.body = R"({"sku":"B-2"})";
  EXPECT_EQ(Send(b).status(), 201);
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(Rows("scope LIKE '%secret%'"), 0);  // only digests of API keys are stored
  EXPECT_EQ(Rows("scope LIKE 'h:%'"), 2);
}

TEST_F(IdempotencyMiddlewareTest, ServerErrorsAreNotStoredSoTheRetryRunsAgain) {
  status_ = 503;
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 503);
  EXPECT_EQ(Rows("1"), 0);
  status_ = 201;
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 201);
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotencyMiddlewareTest, ClientErrorsAreStoredAndReplayed) {
  status_ = 400;
  (void)Send(TestRequest().Key("k1"));
  status_ = 201;
  const auto again = Send(TestRequest().Key("k1"));
  EXPECT_EQ(again.status(), 400);
  EXPECT_NE(again.FindHeader("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyMiddlewareTest, ThrowingHandlerReleasesTheKey) {
  throw_ = true;
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 500);
  // The release runs detached: let it finish.
  for (int i = 0; i < 2000 && Rows("1") != 0; ++i) {
    io_.restart();
    io_.run_for(1ms);
  }
  EXPECT_EQ(Rows("1"), 0);
  throw_ = false;
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 201);
}

TEST_F(IdempotencyMiddlewareTest, MissingOrMalformedKeysAre400) {
  const auto missing = Send(TestRequest());
  EXPECT_EQ(missing.status(), 400);
  EXPECT_EQ(*missing.FindHeader("Content-Type"), "application/problem+json");
  EXPECT_EQ(Send(TestRequest().Key(std::string(256, 'k'))).status(), 400);
  EXPECT_EQ(Send(TestRequest().Key("caf\xc3\xa9")).status(), 400);
  EXPECT_EQ(Send(TestRequest().Key("a").Key("b")).status(), 400);
  EXPECT_EQ(runs_, 0);
  EXPECT_EQ(sink_.Count("keel_idempotency_requests_total", "missing"), 1u);
  EXPECT_EQ(sink_.Count("keel_idempotency_requests_total", "invalid"), 3u);
}

TEST_F(IdempotencyMiddlewareTest, SafeMethodsAndOptionalKeysPassThrough) {
  TestRequest get;
  get.method = "GET";
  EXPECT_EQ(Send(get).status(), 201);
  auto optional = std::make_shared<IdempotencyMiddleware>(recorder_, MiddlewareSettings{});
  EXPECT_EQ(testing::Serve(io_, {optional}, handler_, TestRequest()).status(), 201);
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(Rows("1"), 0);
}

TEST_F(IdempotencyMiddlewareTest, ResponseStoredInTheBusinessTransaction) {
  UseTransactionalHandler(false);
  const auto first = Send(TestRequest().Key("k1"));
  EXPECT_EQ(first.status(), 201);
  EXPECT_EQ(sink_.Count("keel_idempotency_results_total", "stored_in_tx"), 1u);
  EXPECT_EQ(sink_.Count("keel_idempotency_results_total", "stored"), 0u);
  const auto again = Send(TestRequest().Key("k1"));
  EXPECT_EQ(again.body(), first.body());
  EXPECT_NE(again.FindHeader("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyMiddlewareTest, RolledBackTransactionStoresNothing) {
  UseTransactionalHandler(true);
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 503);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(Rows("1"), 0);  // released: the retry runs
  UseTransactionalHandler(false);
  EXPECT_EQ(Send(TestRequest().Key("k1")).status(), 201);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM orders"), 1);
}

}  // namespace
}  // namespace keel::idempotency
