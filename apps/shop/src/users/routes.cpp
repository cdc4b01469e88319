#include "src/users/routes.hpp"

#include <keel/http/problem.hpp>

#include "src/common/http_helpers.hpp"

namespace shop::users {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

boost::asio::awaitable<Response> GetUser(UserService& service, Request& request,
                                         RequestContext& ctx) {
  auto user = co_await service.Get(request.PathParamInt("id"), DbCall(ctx));
  if (!user) {
    co_return keel::http::ErrorResponse(user.error(), ctx.request_id());
  }
  co_return Response::Json(200, UserJson(*user));
}

boost::asio::awaitable<Response> GetSummary(UserService& service, Request& request,
                                            RequestContext& ctx) {
  auto summary = co_await service.SummaryOf(request.PathParamInt("id"), DbCall(ctx));
  if (!summary) {
    co_return keel::http::ErrorResponse(summary.error(), ctx.request_id());
  }
  co_return Response::Json(200, SummaryJson(*summary));
}

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, UserService& service) {
  const keel::http::RouteOptions no_body{.max_body_bytes = 0, .max_queries = 1};
  v1.Get(
      "/users/{id:int}",
      [&service](Request& r, RequestContext& c) { return GetUser(service, r, c); }, no_body);
  v1.Get(
      "/users/{id:int}/summary",
      [&service](Request& r, RequestContext& c) { return GetSummary(service, r, c); }, no_body);
}

}  // namespace shop::users
