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
    return handler(request, context);
  }
  return Next(&chain, 0, &handler)(request, context);
}

}  // namespace keel::http
