// keel/http/handler.hpp — the handler and middleware contracts.
//
// A handler is a coroutine from (Request&, RequestContext&) to a Response. A middleware wraps the
// rest of the chain: it may inspect or change the request, answer by itself, or call next() and
// adjust the response. There is exactly one middleware contract.
//
//   class Timing final : public keel::http::Middleware {
//    public:
//     boost::asio::awaitable<Response> Handle(Request& r, RequestContext& c, Next next) override {
//       auto response = co_await next(r, c);
//       response.SetHeader("X-Handled", "yes");
//       co_return response;
//     }
//   };
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
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

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual boost::asio::awaitable<Response> Handle(Request& request, RequestContext& context,
                                                  Next next) = 0;
};

// Runs `chain` then `handler`.
boost::asio::awaitable<Response> RunChain(const MiddlewareChain& chain, const Handler& handler,
                                          Request& request, RequestContext& context);

}  // namespace keel::http
