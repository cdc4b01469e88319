#include "keel/http/handler.hpp"

namespace keel::http {

boost::asio::awaitable<Response> Next::operator()(Request& request, RequestContext& context) const {
  if (index_ < chain_->size()) {
    co_return co_await (*chain_)[index_]->Handle(request, context,
                                                 Next(chain_, index_ + 1, handler_));
  }
  co_return co_await (*handler_)(request, context);
}

boost::asio::awaitable<Response> RunChain(const MiddlewareChain& chain, const Handler& handler,
                                          Request& request, RequestContext& context) {
  if (chain.empty()) {
    co_return co_await handler(request, context);
  }
  // The Next lives in this frame: the coroutine it starts refers to it until it completes.
  const Next next(&chain, 0, &handler);
  co_return co_await next(request, context);
}

}  // namespace keel::http
