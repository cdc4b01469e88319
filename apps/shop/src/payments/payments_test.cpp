// The payment gateway's reading of provider answers, the charge job's arguments, and the
// idempotent settle / job handler on a real database (no provider: payments not configured).
#include <gtest/gtest.h>

#include <boost/asio/system_executor.hpp>
#include <keel/jobs/sqlite_queue.hpp>

#include "src/payments/gateway.hpp"
#include "src/payments/payment_step.hpp"
#include "src/payments/store.hpp"
#include "src/testing/test_db.hpp"

namespace shop::payments {
namespace {

using testing::RunSync;
using testing::TestDb;

TEST(PaymentGateway, ReadsTheProviderAnswer) {
  auto paid = OutcomeOfResponse(201, R"({"id":"pay_7","status":"captured"})");
  EXPECT_EQ(paid.status, PaymentStatus::kPaid);
  EXPECT_EQ(paid.payment_id, "pay_7");
  EXPECT_EQ(OutcomeOfResponse(200, R"({"id":"pay_7","status":"captured"})").status,
            PaymentStatus::kPaid);
  EXPECT_EQ(OutcomeOfResponse(402, "").status, PaymentStatus::kFailed);
  EXPECT_EQ(OutcomeOfResponse(201, R"({"id":"pay_7","status":"declined"})").status,
            PaymentStatus::kFailed);
  // Anything unclear is pending: the job asks again with the same idempotency key.
  EXPECT_EQ(OutcomeOfResponse(201, R"({"id":"pay_7","status":"processing"})").status,
            PaymentStatus::kPending);
  EXPECT_EQ(OutcomeOfResponse(201, "garbage").status, PaymentStatus::kPending);
  EXPECT_EQ(OutcomeOfResponse(409, "{}").status, PaymentStatus::kPending);
}

TEST(PaymentGateway, RequestIsKeyedByTheOrder) {
  EXPECT_EQ(ChargeIdempotencyKey(42), "order-42");
  EXPECT_EQ(ChargeBody({.order_id = 42, .amount_cents = 1999}),
            R"({"order_id":42,"amount_cents":1999,"currency":"USD"})");
}

TEST(PaymentGateway, DisabledAnswersPendingWithoutACall) {
  PaymentGateway gateway(nullptr);
  EXPECT_FALSE(gateway.enabled());
  auto outcome =
      RunSync(gateway.Charge({.order_id = 1, .amount_cents = 5}, keel::Deadline::Never()));
  EXPECT_EQ(outcome.status, PaymentStatus::kPending);
  EXPECT_EQ(outcome.kind, "disabled");
}

TEST(ChargeJob, Args) {
  auto id = ParseChargeJobArgs(R"({"order_id":42})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 42);
  for (const char* bad : {"", "{}", R"({"order_id":"42"})", R"({"order_id":0})", "[42]"}) {
    auto r = ParseChargeJobArgs(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), keel::ErrorCode::kInvalidArgument) << bad;  // discarded
  }
  const auto spec = ChargeJobSpec(42);
  EXPECT_EQ(spec.kind, "payment.charge");
  EXPECT_EQ(spec.queue, "payments");
  EXPECT_EQ(spec.dedupe_key, "payment:42");
  EXPECT_EQ(*ParseChargeJobArgs(spec.args), 42);
}

class PaymentStoreTest : public ::testing::Test {
 protected:
  PaymentStoreTest() : store_(t_.db()) {
    t_.Exec(
        "INSERT INTO users (id, email, name, created_at) VALUES "
        "(1, 'a@example.com', 'A', '2024-01-01T00:00:00.000Z');"
        "INSERT INTO orders (id, user_id, status, total_cents, created_at) VALUES "
        "(10, 1, 'pending', 1999, '2024-01-01T00:00:00.000Z'),"
        "(11, 1, 'pending', 500, '2024-01-01T00:00:00.000Z')");
  }

  std::string Status(std::int64_t id) {
    auto order = RunSync(store_.Find(id, {}));
    EXPECT_TRUE(order.ok() && order->has_value());
    return order.ok() && order->has_value() ? (*order)->payment_status : "";
  }

  TestDb t_;
  PaymentStore store_;
};

TEST_F(PaymentStoreTest, OnlyAPendingPaymentSettles) {
  auto order = RunSync(store_.Find(10, {}));
  ASSERT_TRUE(order.ok() && order->has_value());
  EXPECT_EQ((*order)->total_cents, 1999);
  EXPECT_EQ((*order)->payment_status, "pending");  // the column's default
  auto first = RunSync(store_.Settle(10, PaymentStatus::kPaid, {}));
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  auto again = RunSync(store_.Settle(10, PaymentStatus::kFailed, {}));  // a late result
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(Status(10), "paid");
  auto missing = RunSync(store_.Find(99, {}));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(PaymentStoreTest, JobIsIdempotentOnRedelivery) {
  keel::jobs::SqliteJobQueue queue(t_.db(), {});
  PaymentGateway gateway(nullptr);
  PaymentStep step(gateway, store_, queue, boost::asio::system_executor(), nullptr);
  auto run = [&](std::string args) {
    keel::jobs::ClaimedJob claimed;
    claimed.job.kind = "payment.charge";
    claimed.job.args = std::move(args);
    keel::jobs::JobContext job(queue, claimed, keel::Deadline::Never());
    return RunSync(step.RunJob(job));
  };
  ASSERT_TRUE(RunSync(store_.Settle(10, PaymentStatus::kPaid, {})).ok());
  EXPECT_TRUE(run(R"({"order_id":10})").ok());  // settled: done without a call
  auto pending = run(R"({"order_id":11})");     // no provider: retried later
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().code(), keel::ErrorCode::kUnavailable);
  EXPECT_EQ(Status(11), "pending");
  auto unknown = run(R"({"order_id":99})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), keel::ErrorCode::kInvalidArgument);  // discarded
}

TEST_F(PaymentStoreTest, DisabledPaymentsLeaveTheOrderPendingWithoutAJob) {
  keel::jobs::SqliteJobQueue queue(t_.db(), {});
  PaymentGateway gateway(nullptr);
  PaymentStep step(gateway, store_, queue, boost::asio::system_executor(), nullptr);
  auto result = RunSync(
      step.AfterCommit({.order_id = 11, .amount_cents = 500}, keel::Deadline::Never(), nullptr));
  EXPECT_EQ(result.status, PaymentStatus::kPending);
  EXPECT_FALSE(result.retry_enqueued);
  EXPECT_EQ(Status(11), "pending");
}

}  // namespace
}  // namespace shop::payments
