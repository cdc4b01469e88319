#include "src/orders/routes.hpp"

#include <keel/http/problem.hpp>

#include "src/common/http_helpers.hpp"

namespace shop::orders {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

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

void AddRoutes(keel::http::RouteGroup& v1, OrderService& service) {
  v1.Get("/users/{id:int}/orders",
         [&service](Request& r, RequestContext& c) { return ListOrders(service, r, c); },
         // The page and its items (or, for an empty page, whether the user exists): never N+1.
         {.max_body_bytes = 0, .max_queries = 3});
}

}  // namespace shop::orders
