// connection.hpp — one keep-alive HTTP/1.1 client connection of a Worker.
//
// A coroutine that takes a request (handed over while idle, or from the worker's queue), writes
// it, reads the response through ResponseParser and records the outcome; one request at a time
// (no pipelining: that would hide queueing inside the server's socket buffer). A reused
// connection that turns out closed by the server (EOF or reset before any response byte) is
// re-opened and the request sent once more — servers close idle keep-alive connections, and that
// race is not the server failing the request; such retries are counted.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <vector>

#include "response_parser.hpp"
#include "worker.hpp"

namespace keel::load {

class Connection {
 public:
  Connection(Worker& worker, bool extra);

  boost::asio::awaitable<void> Run();
  // Hands a request to this idle connection and wakes it.
  void Assign(const Pending& p);
  // Wakes an idle connection so that it sees the worker stopping.
  void Wake();
  enum class AbortReason { kNone, kTimeout, kCancel };
  // Ends the current request (or initial connect): closes the socket, which completes the
  // pending operation with an error; the request is recorded as timed out or cancelled.
  void Abort(AbortReason reason);
  // When the current request (or initial connect) times out; nullopt when idle.
  [[nodiscard]] std::optional<TimePoint> deadline() const noexcept;
  [[nodiscard]] bool busy() const noexcept { return has_request_; }

 private:
  enum class Result { kResponse, kConnectError, kReset, kParse, kStale };

  boost::asio::awaitable<bool> Connect();
  boost::asio::awaitable<void> Execute();
  boost::asio::awaitable<Result> Exchange();
  boost::asio::awaitable<Result> ReadResponse();
  void Record(Result result);
  void Close() noexcept;

  Worker& worker_;
  bool extra_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer wake_;
  std::vector<char> in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string out_;
  ResponseParser parser_;
  Pending current_;
  bool has_request_ = false;
  bool reused_ = false;  // this socket already carried a response
  AbortReason abort_ = AbortReason::kNone;
  std::optional<TimePoint> connect_deadline_;
  std::string connect_error_;
};

}  // namespace keel::load
