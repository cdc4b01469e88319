// keel/http/handler.hpp — the handler and middleware contracts.
//
// A handler is a coroutine from (Request&, RequestContext&) to a Response. A middleware wraps the
// rest of the chain: it may inspect or change the request, answer by itself, or call next() and
// adjust the response. Handle is the one contract every middleware implements.
//
//   class Timing final : public keel::http::Middleware {
//    public:
//     boost::asio::awaitable<Response> Handle(Request& r, RequestContext& c, Next next) override {
//       auto response = co_await next(r, c);
//       response.SetHeader("X-Handled", "yes");
//       co_return response;
//     }
//   };
//
// A middleware whose work before and after the rest of the chain never waits may also offer a
// synchronous form (Before/After, enabled by constructing the base with `synchronous = true`).
// The server then runs it without a coroutine frame when it leads the route's chain (only other
// synchronous middleware before it): Before before the rest of the chain, After once the chain
// has answered. Anywhere else its Handle runs as usual, so both forms must behave the same.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "keel/http/context.hpp"
#include "keel/http/request.hpp"
#include "keel/http/response.hpp"

namespace keel::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&, RequestContext&)>;

class Middleware;
using MiddlewareChain = std::vector<std::shared_ptr<Middleware>>;

// The rest of the chain after the current middleware.
class Next {
 public:
  Next(const MiddlewareChain* chain, std::size_t index, const Handler* handler) noexcept
      : chain_(chain), index_(index), handler_(handler) {}
  boost::asio::awaitable<Response> operator()(Request& request, RequestContext& context) const;

 private:
  const MiddlewareChain* chain_;
  std::size_t index_;
  const Handler* handler_;
};

// What a synchronous middleware carries from its Before to its After for one request (opaque to
// the server; inline, so it costs no allocation). Zeroed before each Before.
struct HookState {
  void* pointer = nullptr;
  std::int64_t value = 0;
  std::int64_t time = 0;
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual boost::asio::awaitable<Response> Handle(Request& request, RequestContext& context,
                                                  Next next) = 0;

  // The synchronous form (used only when synchronous() is true).
  enum class BeforeResult : std::uint8_t {
    kContinue,  // run the rest of the chain, then After
    kAnswered,  // `response` is the answer: neither the rest of the chain nor this After runs
    kHandle,    // it would have to wait: run Handle instead (Before has changed nothing)
  };
  [[nodiscard]] bool synchronous() const noexcept { return synchronous_; }
  virtual BeforeResult Before(Request& request, RequestContext& context, HookState& state,
                              Response& response);
  // `answered`: the chain's response (it may be changed); null when the chain threw, was
  // cancelled by the request's deadline with an exception, or its coroutine was destroyed.
  virtual void After(Request& request, RequestContext& context, Response* answered,
                     HookState& state) noexcept;

 protected:
  explicit Middleware(bool synchronous = false) noexcept : synchronous_(synchronous) {}

 private:
  bool synchronous_;
};

// One run of a route's chain, as the server does it: the synchronous middleware leading the
// chain run their Before/After without a coroutine frame; the rest (from the first coroutine
// middleware, or the first Before that answers kHandle) runs through Next as coroutines.
//
//   ChainRun run(chain, handler, request, context);
//   if (!run.Begin(response)) response = co_await run.Rest();   // exceptions: End(nullptr)
//   run.End(&response);
//
// The server keeps one per connection (Start for each request) rather than in its per-request
// coroutine frame: Asio recycles frames only up to 1020 bytes, and that frame is close to it.
class ChainRun {
 public:
  // At most this many leading synchronous middleware run frame-free; later ones run as Handle.
  static constexpr std::size_t kMaxSynchronous = 2;

  ChainRun() = default;
  ChainRun(const MiddlewareChain& chain, const Handler& handler, Request& request,
           RequestContext& context) noexcept {
    Start(chain, handler, request, context);
  }
  // A run abandoned before End (an exception, a destroyed coroutine) ends as failed.
  ~ChainRun() { End(nullptr); }
  ChainRun(const ChainRun&) = delete;
  ChainRun& operator=(const ChainRun&) = delete;

  // Begins a new run (the previous one must have ended).
  void Start(const MiddlewareChain& chain, const Handler& handler, Request& request,
             RequestContext& context) noexcept {
    chain_ = &chain;
    handler_ = &handler;
    request_ = &request;
    context_ = &context;
    next_ = 0;
    entered_ = 0;
  }
  // Runs the leading synchronous Befores. True when one answered (into `response`): skip Rest.
  bool Begin(Response& response);
  // The rest of the chain and the handler, after Begin returned false.
  [[nodiscard]] boost::asio::awaitable<Response> Rest() const {
    return Next(chain_, next_, handler_)(*request_, *context_);
  }
  // Runs the Afters of the Befores that continued, innermost first, once. `answered`: the
  // chain's response, or null when it failed.
  void End(Response* answered) noexcept;

 private:
  const MiddlewareChain* chain_ = nullptr;
  const Handler* handler_ = nullptr;
  Request* request_ = nullptr;
  RequestContext* context_ = nullptr;
  std::size_t next_ = 0;     // the first chain entry Rest runs
  std::size_t entered_ = 0;  // Befores that answered kContinue (their After is due)
  std::array<HookState, kMaxSynchronous> states_{};
};

// Runs `chain` then `handler` as the server does (ChainRun); a coroutine frame of its own.
boost::asio::awaitable<Response> RunChain(const MiddlewareChain& chain, const Handler& handler,
                                          Request& request, RequestContext& context);

}  // namespace keel::http
