#include "keel/core/with_deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace keel {

boost::asio::awaitable<Result<void>> SleepFor(Duration d, Deadline deadline) {
  const auto wake = std::chrono::steady_clock::now() + d;
  const bool deadline_first = deadline.when() < wake;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                  deadline_first ? deadline.when() : wake);
  auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec) {
    co_return Error(ErrorCode::kCancelled, "sleep cancelled");
  }
  if (deadline_first) {
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded while sleeping");
  }
  co_return Result<void>();
}

}  // namespace keel
