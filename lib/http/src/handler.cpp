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

Middleware::BeforeResult Middleware::Before(Request& /*request*/, RequestContext& /*context*/,
                                            HookState& /*state*/, Response& /*response*/) {
  return BeforeResult::kHandle;
}

void Middleware::After(Request& /*request*/, RequestContext& /*context*/, Response* /*answered*/,
                       HookState& /*state*/) noexcept {}

bool ChainRun::Begin(Response& response) {
  const MiddlewareChain& chain = *chain_;
  while (next_ < chain.size() && entered_ < kMaxSynchronous && chain[next_]->synchronous()) {
    HookState& state = states_[entered_];
    state = HookState{};  // every Before starts from zero (the run is reused across requests)
    switch (chain[next_]->Before(*request_, *context_, state, response)) {
      case Middleware::BeforeResult::kContinue:
        ++entered_;
        ++next_;
        break;
      case Middleware::BeforeResult::kAnswered:
        return true;
      case Middleware::BeforeResult::kHandle:
        return false;  // Rest starts with this middleware's Handle
    }
  }
  return false;
}

void ChainRun::End(Response* answered) noexcept {
  // The n-th entered Before belongs to chain entry n: the synchronous ones lead the chain.
  while (entered_ > 0) {
    --entered_;
    (*chain_)[entered_]->After(*request_, *context_, answered, states_[entered_]);
  }
}

// A coroutine (unlike Next): the Afters must run once the rest of the chain has answered.
boost::asio::awaitable<Response> RunChain(const MiddlewareChain& chain, const Handler& handler,
                                          Request& request, RequestContext& context) {
  ChainRun run(chain, handler, request, context);
  Response response;
  if (!run.Begin(response)) {
    response = co_await run.Rest();
  }
  run.End(&response);
  co_return response;
}

}  // namespace keel::http
