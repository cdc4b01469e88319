#include "routes.hpp"

namespace shop::info {

void AddRoutes(keel::http::Router& router) {
  router.Get("/",
             [](keel::http::Request&,
                keel::http::RequestContext&) -> boost::asio::awaitable<keel::http::Response> {
               co_return keel::http::Response::Json(
                   200, R"({"service":"keel-shop","health":"/healthz","readiness":"/readyz",)"
                        R"("metrics":"/metrics","openapi":"/openapi.json"})");
             });
}

}  // namespace shop::info
