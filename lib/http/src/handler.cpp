#include "keel/http/handler.hpp"

namespace keel::http {

// Neither function is a coroutine: each returns the (lazily started) coroutine of the next layer
// itself, so a chain of n middleware costs n + 1 coroutine frames, not 2n + 2. A middleware's
// Handle takes its Next by value (a copy in its own frame), so nothing refers to a Next made here.
boost::asio::awaitable<Response> Next::operator()(Request& request, RequestContext& context) const {
  if (index_ < chain_->size()) {
    return (*chain_)[index_]->Handle(request, context, Next(chain_, index_ + 1, handler_));
  }
  return (*handler_)(request, context);
}

boost::asio::awaitable<Response> RunChain(const MiddlewareChain& chain, const Handler& handler,
                                          Request& request, RequestContext& context) {
  return Next(&chain, 0, &handler)(request, context);
}

}  // namespace keel::http
