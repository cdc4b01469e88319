// connection.hpp — one HTTP/1.1 connection's life, as a coroutine (private to keel::http).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "h1_parser.hpp"
#include "keel/http/context.hpp"
#include "keel/http/handler.hpp"
#include "keel/http/request.hpp"
#include "keel/http/response.hpp"
#include "keel/http/stream.hpp"
#include "worker.hpp"

namespace keel::http {

class Connection {
 public:
  // kStream: a streamed response body is being produced (between writes).
  enum class Phase { kIdle, kHeader, kBody, kHandler, kWrite, kStream };

  // `cancel` is the signal bound to this connection's coroutine: emitting it cancels whatever the
  // coroutine awaits (used to stop a handler whose deadline passed).
  Connection(Worker& worker, boost::asio::ip::tcp::socket socket, bool admin_listener,
             boost::asio::cancellation_signal* cancel);
  ~Connection();

  boost::asio::awaitable<void> Run();

  // Called by the worker's sweep: ends the current wait if its phase deadline passed.
  void EnforceDeadline(std::chrono::steady_clock::time_point now);
  // Called on drain: an idle connection closes now, a busy one after its response; a stream ends.
  void RequestClose();
  // Ends the stream being produced, if any (drain).
  void EndStream();

  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  struct HeadInfo;
  class ActiveStream;  // connection_stream.cpp
  void SetPhase(Phase p, std::chrono::nanoseconds timeout,
                std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  boost::asio::awaitable<bool> ReadMore();
  void MakeRoom();       // ensures in_ has free space after end_ (compacts or grows)
  bool ReadAvailable();  // non-blocking read of what the socket holds; true when bytes arrived
  boost::system::error_code ReadNow();  // the read behind both, with the reactor hint
  void RetainIdleBuffer();
  boost::asio::awaitable<bool> Flush();
  bool WriteNow();
  boost::asio::awaitable<void> LingeringClose();
  boost::asio::awaitable<bool> ServeOne(std::size_t head_size, bool& close);
  // Produces a streamed body after its head was flushed. Returns false when the connection must
  // close (the client went away, a write failed, or the body was not chunked).
  boost::asio::awaitable<bool> RunStream(const StreamBody& body, bool chunked,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::uint64_t& bytes);
  static boost::asio::awaitable<void> Produce(ActiveStream* stream, const StreamBody* body);
  boost::asio::awaitable<void> WatchClient(ActiveStream* stream);
  [[nodiscard]] Result<Deadline> RequestDeadline(
      const RouteOptions* options, std::chrono::steady_clock::time_point received) const;
  boost::asio::awaitable<bool> ReadBody(RequestHead& head, std::size_t& head_size,
                                        std::uint64_t limit, std::string_view& body,
                                        std::size_t& total, bool& close);
  void EnsureCapacity(std::size_t bytes);
  void WriteErrorAndClose(int status, std::string_view detail);
  void AppendResponse(const Response& response, bool head_only, bool close,
                      std::string_view request_id, std::chrono::steady_clock::time_point now);
  std::string_view RequestIdFor(const RequestHead& head, char* scratch);

  Worker& worker_;
  boost::asio::ip::tcp::socket socket_;
  bool admin_listener_;
  std::string remote_;

  std::unique_ptr<char[]> in_;
  std::size_t in_capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool buffer_moved_ = false;  // in_ was reallocated: views into it must be re-derived
  std::string out_;

  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point phase_deadline_;
  std::chrono::steady_clock::time_point request_started_;
  bool timed_out_ = false;
  boost::asio::cancellation_signal* cancel_;
  // kHandler phase: the request deadline the sweep enforces.
  std::chrono::steady_clock::time_point handler_deadline_ =
      std::chrono::steady_clock::time_point::max();
  bool deadline_cancelled_ = false;
  bool close_requested_ = false;
  ActiveStream* stream_ = nullptr;  // while RunStream runs

  RequestHead head_;
  Request request_;
  RequestContext context_;
  std::string chunked_body_;
  // The current request's chain run. Declared after request_ and context_: if the connection is
  // destroyed mid-request (shutdown), its destructor ends the run (as failed) while they live.
  ChainRun chain_run_;
};

}  // namespace keel::http
