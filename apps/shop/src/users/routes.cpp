#include "src/users/routes.hpp"

#include <keel/http/problem.hpp>

#include "src/common/http_helpers.hpp"
#include "src/common/overload_policy.hpp"

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

boost::asio::awaitable<Response> GetSummary(SummaryCache& cache, Request& request,
                                            RequestContext& ctx) {
  keel::cache::CacheStatus status = keel::cache::CacheStatus::kNone;
  auto summary =
      co_await cache.Get(request.PathParamInt("id"), ctx.deadline(), &ctx.stages(), &status);
  Response response = summary ? Response::Json(200, SummaryJson(**summary))
                              : keel::http::ErrorResponse(summary.error(), ctx.request_id());
  if (cache.enabled()) {
    response.SetHeader("X-Cache", keel::cache::CacheStatusName(status));
  }
  co_return response;
}

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, UserService& service, SummaryCache& summaries) {
  // Budgets and admission classes: src/common/overload_policy.hpp.
  const keel::http::RouteOptions user{
      .max_body_bytes = 0, .max_queries = 1, .budget = kPointReadBudget};
  const keel::http::RouteOptions summary{.max_body_bytes = 0,
                                         .max_queries = 1,
                                         .budget = kPointReadBudget,
                                         .priority = keel::Priority::kSheddable};
  v1.Get(
      "/users/{id:int}",
      [&service](Request& r, RequestContext& c) { return GetUser(service, r, c); }, user);
  v1.Get(
      "/users/{id:int}/summary",
      [&summaries](Request& r, RequestContext& c) { return GetSummary(summaries, r, c); }, summary);
}

}  // namespace shop::users
