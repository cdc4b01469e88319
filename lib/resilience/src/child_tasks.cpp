#include "keel/resilience/child_tasks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace keel::resilience {

namespace asio = boost::asio;

ChildTasks::ChildTasks(asio::any_io_executor executor)
    : executor_(std::move(executor)), state_(std::make_shared<State>(executor_)) {}

ChildTasks::~ChildTasks() {
  // Normally every child was joined. If the parent's frame is destroyed early (io_context
  // shutdown), stop the children from touching it when they resume.
  CancelAll();
}

std::size_t ChildTasks::Spawn(asio::awaitable<void> task) {
  auto& st = *state_;
  const std::size_t index = st.done.size();
  st.signals.emplace_back();
  st.done.push_back(false);
  ++st.running;
  asio::co_spawn(executor_, std::move(task),
                 asio::bind_cancellation_slot(st.signals.back().slot(),
                                              [state = state_, index](std::exception_ptr) {
                                                state->done[index] = true;
                                                --state->running;
                                                state->woken = true;
                                                state->wake.cancel();
                                              }));
  return index;
}

void ChildTasks::Cancel(std::size_t index) {
  auto& st = *state_;
  if (index < st.done.size() && !st.done[index]) {
    st.signals[index].emit(asio::cancellation_type::terminal);
  }
}

void ChildTasks::CancelAll() {
  for (std::size_t i = 0; i < state_->done.size(); ++i) {
    Cancel(i);
  }
}

std::size_t ChildTasks::running() const noexcept {
  return state_->running;
}

bool ChildTasks::finished(std::size_t index) const noexcept {
  return index < state_->done.size() && state_->done[index];
}

asio::awaitable<ChildTasks::Wake> ChildTasks::WaitAny(TimePoint until) {
  auto state = state_;
  const bool throws = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  Wake wake = Wake::kTimeout;
  if (state->woken) {
    wake = Wake::kChildDone;
  } else if ((co_await asio::this_coro::cancellation_state).cancelled() !=
             asio::cancellation_type::none) {
    wake = Wake::kCancelled;
  } else {
    state->wake.expires_at(until);
    auto [ec] = co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    wake = state->woken ? Wake::kChildDone : ec ? Wake::kCancelled : Wake::kTimeout;
  }
  state->woken = false;
  co_await asio::this_coro::throw_if_cancelled(throws);
  co_return wake;
}

asio::awaitable<void> ChildTasks::JoinAll() {
  auto state = state_;
  const bool throws = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  while (state->running > 0) {
    state->wake.expires_at(TimePoint::max());
    co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  state->woken = false;
  co_await asio::this_coro::throw_if_cancelled(throws);
}

}  // namespace keel::resilience
