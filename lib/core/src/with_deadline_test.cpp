#include "keel/core/with_deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace keel {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Sleeps `d` on a timer; an aborted wait (cancellation) is reported as -1, not thrown.
asio::awaitable<int> Nap(std::chrono::milliseconds d, int value) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return ec ? -1 : value;
}

asio::awaitable<int> ThrowAfter(std::chrono::milliseconds d) {
  co_await Nap(d, 0);
  throw std::runtime_error("boom");
}

// A value type without a default constructor: WithDeadline must not need one.
struct Token {
  explicit Token(std::string s) : text(std::move(s)) {}
  std::string text;
};

asio::awaitable<Token> MakeToken() {
  co_await Nap(1ms, 0);
  co_return Token("made");
}

// Runs `a` to its end on `io`; an exception from it is rethrown here.
template <typename T>
std::optional<Result<T>> RunToEnd(asio::io_context& io, asio::awaitable<Result<T>> a) {
  std::optional<Result<T>> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(a)); },
      [](std::exception_ptr e) {
        if (e) {
          std::rethrow_exception(e);
        }
      });
  io.run();
  return out;
}

TEST(WithDeadline, ReturnsTheValueWhenTheOperationWins) {
  asio::io_context io;
  const auto started = std::chrono::steady_clock::now();
  auto r = RunToEnd(io, WithDeadline(Deadline::After(5s), Nap(1ms, 7)));
  ASSERT_TRUE(r && r->ok());
  EXPECT_EQ(r->value(), 7);
  // The timer was cancelled, not waited for.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(WithDeadline, ReportsTheDeadlineAndCancelsTheOperation) {
  asio::io_context io;
  auto r = RunToEnd(io, WithDeadline(Deadline::After(10ms), Nap(10s, 7)));
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(WithDeadline, DeadlineWinsEvenWhenTheCancelledOperationThrows) {
  asio::io_context io;
  auto throws_when_cancelled = []() -> asio::awaitable<int> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 10s);
    co_await timer.async_wait(asio::use_awaitable);  // throws operation_aborted
    co_return 1;
  };
  auto r = RunToEnd(io, WithDeadline(Deadline::After(10ms), throws_when_cancelled()));
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(WithDeadline, RethrowsTheOperationsExceptionAtOnce) {
  asio::io_context io;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(RunToEnd(io, WithDeadline(Deadline::After(10s), ThrowAfter(1ms))),
               std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not at the deadline
}

TEST(WithDeadline, WorksForTypesWithoutADefaultConstructor) {
  asio::io_context io;
  auto r = RunToEnd(io, WithDeadline(Deadline::After(5s), MakeToken()));
  ASSERT_TRUE(r && r->ok());
  EXPECT_EQ(r->value().text, "made");
}

TEST(WithDeadline, ExpiredAndNeverDeadlines) {
  asio::io_context io;
  auto expired = RunToEnd(io, WithDeadline(Deadline::After(-1ms), Nap(1ms, 7)));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->error().code(), ErrorCode::kDeadlineExceeded);
  io.restart();
  auto never = RunToEnd(io, WithDeadline(Deadline::Never(), Nap(1ms, 7)));
  ASSERT_TRUE(never && never->ok());
  EXPECT_EQ(never->value(), 7);
}

TEST(WithDeadline, CancellingTheCallerEndsBothWithTheOperationsOwnResult) {
  asio::io_context io;
  asio::cancellation_signal cancel;
  std::optional<Result<int>> out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        out.emplace(co_await WithDeadline(Deadline::After(10s), Nap(10s, 7)));
      },
      asio::bind_cancellation_slot(cancel.slot(), [](std::exception_ptr e) { ASSERT_FALSE(e); }));
  asio::steady_timer later(io, 5ms);
  later.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::all); });
  const auto started = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  ASSERT_TRUE(out && out->ok());
  EXPECT_EQ(out->value(), -1);  // Nap saw its wait aborted: the operation's own account
}

}  // namespace
}  // namespace keel
