// Streamed response bodies (keel/http/stream.hpp): the connection's coroutine is the only writer
// to the socket (the "pump"); the producer runs as a coroutine of its own on the same I/O thread
// and hands it chunks; a watcher coroutine notices a client that goes away. They signal each
// other through timers used as condition variables, with flags that the pump re-checks on every
// turn (all three run on one thread, so no flag changes between a check and the wait after it).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "connection.hpp"

namespace keel::http {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

class Connection::ActiveStream final : public ResponseStream {
 public:
  ActiveStream(const asio::any_io_executor& executor, Clock::time_point deadline, bool chunked)
      : wake_(executor),
        written_(executor),
        sleep_(executor),
        deadline_(deadline),
        chunked_(chunked) {}

  asio::awaitable<bool> Write(std::string_view bytes) override {
    if (ended_) {
      co_return false;
    }
    if (bytes.empty()) {
      co_return true;  // an empty chunk would end a chunked body
    }
    Queue(bytes);
    const std::uint64_t mine = queued_;
    wake_.cancel();
    while (written_upto_ < mine && !ended_) {
      written_.expires_at(Clock::time_point::max());
      co_await written_.async_wait(kAwait);  // the pump cancels it after each write
    }
    co_return !ended_;
  }

  asio::awaitable<bool> Sleep(std::chrono::nanoseconds duration) override {
    if (ended_) {
      co_return false;
    }
    sleep_.expires_after(duration);
    co_await sleep_.async_wait(kAwait);
    co_return !ended_;
  }

  [[nodiscard]] bool ended() const noexcept override { return ended_; }
  [[nodiscard]] Deadline deadline() const noexcept override { return Deadline::At(deadline_); }

  // Frames `bytes` as one chunk (or raw on HTTP/1.0) for the pump.
  void Queue(std::string_view bytes) {
    if (chunked_) {
      char size[20];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
      pending_.append(size, static_cast<std::size_t>(n));
      pending_ += bytes;
      pending_ += "\r\n";
    } else {
      pending_ += bytes;
    }
    ++queued_;
  }

  // Ends the stream: no more writes; the producer's waits are cancelled.
  void End() {
    if (ended_) {
      return;
    }
    ended_ = true;
    sleep_.cancel();
    written_.cancel();
    wake_.cancel();
    producer_cancel_.emit(asio::cancellation_type::terminal);
  }

  asio::steady_timer wake_;     // the pump waits on it; cancelled to wake it
  asio::steady_timer written_;  // the producer waits on it for its chunk to be written
  asio::steady_timer sleep_;    // the producer's Sleep
  asio::cancellation_signal producer_cancel_;
  Clock::time_point deadline_;
  bool chunked_;
  std::string pending_;
  std::uint64_t queued_ = 0;        // chunks queued so far (heartbeats included)
  std::uint64_t written_upto_ = 0;  // chunks written to the socket so far
  bool ended_ = false;
  bool broken_ = false;  // the client went away or a write failed: the connection must close
  bool producer_done_ = false;
  bool stop_watch_ = false;  // the pump no longer needs the watcher
  bool watcher_done_ = false;
};

void Connection::EndStream() {
  if (stream_ != nullptr) {
    stream_->End();
  }
}

asio::awaitable<void> Connection::Produce(ActiveStream* stream, const StreamBody* body) {
  try {
    co_await body->produce(*stream);
  } catch (...) {
    // A producer that throws (or whose cancelled wait threw) just ends its stream; the head is
    // long gone, so there is no status to report the failure with.
  }
  stream->producer_done_ = true;
  stream->wake_.cancel();
}

// Waits for the socket to become readable while the stream runs: end of file or an error means
// the client went away, and the producer must stop. Bytes from the client (a pipelined request)
// end the watch and stay unread for after the stream; a client that leaves after that is noticed
// by the next write (a heartbeat at the latest).
asio::awaitable<void> Connection::WatchClient(ActiveStream* stream) {
  while (!stream->ended_ && !stream->stop_watch_) {
    auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kAwait);
    if (ec == asio::error::operation_aborted) {
      break;  // the stream finished and stopped the watch
    }
    if (!ec) {
      char byte;
      socket_.receive(asio::buffer(&byte, 1), asio::socket_base::message_peek, ec);
      if (!ec) {
        break;  // the client sent something
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        continue;
      }
    }
    stream->broken_ = true;  // EOF, reset, or a failed wait
    stream->End();
    break;
  }
  stream->watcher_done_ = true;
  stream->wake_.cancel();
}

asio::awaitable<bool> Connection::RunStream(const StreamBody& body, bool chunked,
                                            Clock::time_point deadline, std::uint64_t& bytes) {
  const auto executor = co_await asio::this_coro::executor;
  ActiveStream stream(executor, deadline, chunked);
  stream_ = &stream;
  phase_ = Phase::kStream;
  phase_deadline_ = Clock::time_point::max();  // the sweep leaves a stream alone between writes
  if (close_requested_ || worker_.shared.draining.load()) {
    stream.End();
  }
  if (stream.ended_ || !body.produce) {
    stream.producer_done_ = true;
  } else {
    asio::co_spawn(executor, Produce(&stream, &body),
                   asio::bind_cancellation_slot(stream.producer_cancel_.slot(), asio::detached));
  }
  asio::co_spawn(executor, WatchClient(&stream), asio::detached);

  const auto heartbeat = body.heartbeat_interval;
  auto last_write = Clock::now();
  for (;;) {
    if (!stream.pending_.empty() && !stream.broken_) {
      out_ += stream.pending_;
      bytes += stream.pending_.size();
      stream.pending_.clear();
      const std::uint64_t flushing = stream.queued_;
      const bool flushed = co_await Flush();  // bounded by server.write_timeout (phase kWrite)
      phase_ = Phase::kStream;
      phase_deadline_ = Clock::time_point::max();
      last_write = Clock::now();
      stream.written_upto_ = flushing;
      stream.written_.cancel();
      if (!flushed) {
        stream.broken_ = true;
        stream.End();
      }
      continue;
    }
    if (stream.producer_done_) {
      if (stream.watcher_done_) {
        break;
      }
      if (!stream.stop_watch_) {
        stream.stop_watch_ = true;  // a watcher that has not started waiting yet will not
        boost::system::error_code ec;
        socket_.cancel(ec);  // ends the watcher's wait
      }
    } else if (!stream.ended_) {
      const auto now = Clock::now();
      if (now >= deadline) {
        stream.End();
        continue;
      }
      if (heartbeat > std::chrono::nanoseconds::zero() && now >= last_write + heartbeat) {
        stream.Queue(body.heartbeat);
        continue;
      }
    }
    auto wake_at = Clock::time_point::max();
    if (!stream.ended_) {
      wake_at = deadline;
      if (heartbeat > std::chrono::nanoseconds::zero()) {
        wake_at = std::min(wake_at, last_write + heartbeat);
      }
    }
    stream.wake_.expires_at(wake_at);
    co_await stream.wake_.async_wait(kAwait);
  }
  stream_ = nullptr;
  if (stream.broken_) {
    co_return false;
  }
  if (!chunked) {
    co_return false;  // HTTP/1.0: closing the connection ends the body
  }
  out_ += "0\r\n\r\n";  // the last chunk: the body is complete
  co_return co_await Flush();
}

}  // namespace keel::http
