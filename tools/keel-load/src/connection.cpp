#include "connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

namespace keel::load {

namespace asio = boost::asio;

namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBufferSize = 16 * 1024;
constexpr std::size_t kMaxBuffer = ResponseParser::kMaxHead + kBufferSize;
}  // namespace

Connection::Connection(Worker& worker, bool extra)
    : worker_(worker), extra_(extra), socket_(worker.io()), wake_(worker.io()), in_(kBufferSize) {}

void Connection::Assign(const Pending& p) {
  current_ = p;
  has_request_ = true;
  wake_.cancel();
}

void Connection::Wake() {
  wake_.cancel();
}

void Connection::Abort(AbortReason reason) {
  abort_ = reason;
  Close();
}

std::optional<TimePoint> Connection::deadline() const noexcept {
  if (has_request_) {
    return worker_.start() + current_.scheduled + worker_.shared().timeout;
  }
  return connect_deadline_;
}

void Connection::Close() noexcept {
  boost::system::error_code ec;
  socket_.close(ec);
  begin_ = end_ = 0;
  reused_ = false;
}

asio::awaitable<void> Connection::Run() {
  if (!extra_) {  // connect before the timeline starts, so that no request pays for it
    connect_deadline_ = std::chrono::steady_clock::now() + worker_.shared().timeout;
    const bool ok = co_await Connect();
    connect_deadline_.reset();
    abort_ = AbortReason::kNone;
    worker_.OnInitialConnect(ok, connect_error_);
  }
  while (!worker_.stopping()) {
    if (extra_) {  // opened for a queued request; from now on it is like any other
      extra_ = false;
      worker_.OnExtraStarted();
    }
    if (!has_request_) {
      if (auto p = worker_.TakeQueued()) {
        current_ = *p;
        has_request_ = true;
      } else {
        worker_.AddIdle(this);
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(kAwait);
        continue;
      }
    }
    co_await Execute();
  }
  Close();
}

asio::awaitable<bool> Connection::Connect() {
  auto [ec] = co_await socket_.async_connect(worker_.shared().endpoint, kAwait);
  if (ec) {
    connect_error_ = ec.message();
    Close();
    co_return false;
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  ++worker_.recorder().connections().opened;
  begin_ = end_ = 0;
  reused_ = false;
  co_return true;
}

asio::awaitable<void> Connection::Execute() {
  worker_.writer().Write(current_.type, current_.index, out_);
  Result result = Result::kReset;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!socket_.is_open() && !co_await Connect()) {
      result = Result::kConnectError;
      break;
    }
    if (attempt == 0) {
      worker_.recorder().OnSent(current_.type, worker_.Now(), current_.scheduled);
    }
    result = co_await Exchange();
    if (result != Result::kStale || abort_ != AbortReason::kNone) {
      break;
    }
    ++worker_.recorder().connections().retries;
    Close();
    result = Result::kReset;  // a second stale connection is a reset
  }
  Record(result);
  has_request_ = false;
  abort_ = AbortReason::kNone;
}

void Connection::Record(Result result) {
  auto& rec = worker_.recorder();
  const Nanos now = worker_.Now();
  const int type = current_.type;
  switch (abort_) {
    case AbortReason::kTimeout:
      rec.OnError(type, current_.scheduled, now, ErrorKind::kTimeout);
      return;
    case AbortReason::kCancel:
      rec.OnCancelled(type, current_.scheduled, now);
      return;
    case AbortReason::kNone:
      break;
  }
  switch (result) {
    case Result::kResponse:
      rec.OnResponse(type, current_.scheduled, now, parser_.status());
      return;
    case Result::kConnectError:
      rec.OnError(type, current_.scheduled, now, ErrorKind::kConnect);
      return;
    case Result::kParse:
      rec.OnError(type, current_.scheduled, now, ErrorKind::kParse);
      return;
    case Result::kReset:
    case Result::kStale:
      rec.OnError(type, current_.scheduled, now, ErrorKind::kReset);
      return;
  }
}

asio::awaitable<Connection::Result> Connection::Exchange() {
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out_), kAwait);
  if (ec) {
    const bool stale = reused_;
    Close();
    co_return stale ? Result::kStale : Result::kReset;
  }
  parser_.Reset(
      current_.type >= 0 &&
      worker_.shared().scenario.requests[static_cast<std::size_t>(current_.type)].method == "HEAD");
  co_return co_await ReadResponse();
}

asio::awaitable<Connection::Result> Connection::ReadResponse() {
  bool any_byte = false;
  while (true) {
    if (begin_ < end_) {
      const auto step = parser_.Parse(in_.data() + begin_, end_ - begin_);
      begin_ += step.consumed;
      if (begin_ == end_) {
        begin_ = end_ = 0;
      }
      if (step.state == ResponseParser::State::kDone) {
        reused_ = true;
        if (!parser_.keep_alive()) {
          Close();
        }
        co_return Result::kResponse;
      }
      if (step.state == ResponseParser::State::kError) {
        Close();
        co_return Result::kParse;
      }
    }
    if (end_ == in_.size()) {  // make room: compact, or grow for a large head
      if (begin_ > 0) {
        std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      } else if (in_.size() < kMaxBuffer) {
        in_.resize(std::min(kMaxBuffer, in_.size() * 2));
      }
    }
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(in_.data() + end_, in_.size() - end_), kAwait);
    if (ec) {
      if (ec == asio::error::eof && parser_.OnEof() == ResponseParser::State::kDone) {
        Close();
        co_return Result::kResponse;
      }
      const bool stale = reused_ && !any_byte;
      Close();
      co_return stale ? Result::kStale : Result::kReset;
    }
    any_byte = true;
    end_ += n;
  }
}

}  // namespace keel::load
