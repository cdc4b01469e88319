#include "src/orders/routes.hpp"

#include <keel/http/json_body.hpp>
#include <keel/http/problem.hpp>
#include <keel/idempotency/middleware.hpp>
#include <memory>

#include "src/common/http_helpers.hpp"
#include "src/common/overload_policy.hpp"

namespace shop::orders {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

using Awaitable = boost::asio::awaitable<Response>;

constexpr std::uint64_t kMaxOrderBody = 64 * 1024;

// Built outside the coroutines: GCC 12 mis-compiles a JsonWriter living in a coroutine frame.
std::string OrderJson(const Order& order) {
  std::string body;
  body.reserve(160 + order.items.size() * 96);
  JsonWriter w(body);
  WriteOrder(w, order);
  return body;
}

Response Created(const Order& order) {
  Response response = Response::Json(201, OrderJson(order));
  response.SetHeader("Location", "/v1/orders/" + std::to_string(order.id));
  return response;
}

// 422 (unknown user or products) or 409 (insufficient stock), one entry per offending field.
Response Rejection(const keel::Error& error, const FieldErrors& rejected,
                   std::string_view request_id) {
  keel::http::Problem problem{.status = error.code() == keel::ErrorCode::kConflict ? 409 : 422,
                              .detail = error.message()};
  for (const FieldError& e : rejected) {
    problem.errors.push_back({e.field, e.detail});
  }
  return keel::http::ProblemResponse(problem, request_id);
}

class WriteHandlers {
 public:
  WriteHandlers(OrderService& service, const WriteRoutes& writes)
      : service_(service),
        placement_(writes.placement),
        recorder_(writes.recorder),
        in_tx_(writes.in_tx),
        on_placed_(writes.on_placed),
        pay_(writes.pay) {}

  Awaitable Create(Request& request, RequestContext& ctx) {
    auto json = keel::http::ParseJsonBody(request);
    if (!json) {
      co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
    }
    FieldErrors errors;
    const CreateOrderRequest parsed = ParseCreateOrder(*json, errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    const keel::idempotency::Ticket ticket = recorder_.Current(ctx);
    Response response;
    const InOrderTx store_response = [&](keel::data::Tx& tx, const Order& order) {
      response = Created(order);
      if (in_tx_) {
        if (auto done = in_tx_(tx, order); !done) {
          return done;
        }
      }
      return recorder_.CompleteInTx(tx, ticket, response);
    };
    FieldErrors rejected;
    auto order = co_await placement_.Place(parsed, rejected, store_response, DbCall(ctx));
    if (!order) {
      if (!rejected.empty()) {
        co_return Rejection(order.error(), rejected, ctx.request_id());
      }
      co_return keel::http::ErrorResponse(order.error(), ctx.request_id());
    }
    if (on_placed_) {
      on_placed_(*order);
    }
    if (pay_) {
      std::string paid = co_await pay_(*order, ctx);
      if (paid != order->payment_status) {
        order->payment_status = std::move(paid);
        response.set_body(OrderJson(*order));
      }
    }
    co_return response;
  }

  Awaitable Get(Request& request, RequestContext& ctx) {
    auto order = co_await service_.Get(request.PathParamInt("id"), DbCall(ctx));
    if (!order) {
      co_return keel::http::ErrorResponse(order.error(), ctx.request_id());
    }
    co_return Response::Json(200, OrderJson(*order));
  }

 private:
  OrderService& service_;
  OrderPlacement& placement_;
  const keel::idempotency::IdempotencyRecorder& recorder_;
  InOrderTx in_tx_;
  std::function<void(const Order&)> on_placed_;
  std::function<boost::asio::awaitable<std::string>(const Order&, RequestContext&)> pay_;
};

std::string PageJson(const Page& page) {
  std::string body;
  body.reserve(64 + page.items.size() * 320);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("items");
  w.BeginArray();
  for (const auto& order : page.items) {
    WriteOrder(w, order);
  }
  w.EndArray();
  w.Key("next_cursor");
  page.next_cursor ? w.String(*page.next_cursor) : w.Null();
  w.EndObject();
  return body;
}

boost::asio::awaitable<Response> ListOrders(OrderService& service, Request& request,
                                            RequestContext& ctx) {
  FieldErrors errors;
  const auto params = QueryParams::Parse(request.query(), errors);
  const ListQuery query =
      ParseListQuery(request.PathParamInt("id"), params, service.signer(), errors);
  if (!errors.empty()) {
    co_return ValidationProblem(errors, ctx.request_id());
  }
  auto page = co_await service.ListForUser(query, DbCall(ctx));
  if (!page) {
    co_return keel::http::ErrorResponse(page.error(), ctx.request_id());
  }
  co_return Response::Json(200, PageJson(*page));
}

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, OrderService& service, const WriteRoutes& writes) {
  v1.Get("/users/{id:int}/orders",
         [&service](Request& r, RequestContext& c) { return ListOrders(service, r, c); },
         // The page and its items (or, for an empty page, whether the user exists): never N+1.
         // Budget and admission class: src/common/overload_policy.hpp.
         {.max_body_bytes = 0, .max_queries = 3, .budget = kPageReadBudget});

  auto h = std::make_shared<WriteHandlers>(service, writes);
  auto& orders = v1.Group("/orders");
  // Safe methods pass through the middleware; POST needs a key (missing: 400).
  orders.Use(std::make_shared<keel::idempotency::IdempotencyMiddleware>(
      writes.recorder,
      keel::idempotency::MiddlewareSettings{
          .required = true, .scope = keel::idempotency::ScopeByHeader(std::string(kCallerHeader))},
      writes.metrics));
  // A placement is the key's lock (one call), the order's transaction (one), and for a replay
  // nothing else. Admission class: critical (src/common/overload_policy.hpp).
  orders.Post("", [h](Request& r, RequestContext& c) { return h->Create(r, c); },
              {.max_body_bytes = kMaxOrderBody,
               .max_queries = 3,
               .budget = kWriteBudget,
               .priority = keel::Priority::kCritical});
  // The order, then its items.
  orders.Get("/{id:int}", [h](Request& r, RequestContext& c) { return h->Get(r, c); },
             {.max_body_bytes = 0, .max_queries = 2, .budget = kPointReadBudget});
}

}  // namespace shop::orders
