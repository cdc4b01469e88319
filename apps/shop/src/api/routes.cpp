#include <keel/http/router.hpp>

#include "src/api/openapi.hpp"

namespace shop::api {

void AddRoutes(keel::http::Router& router) {
  router.Get("/openapi.json",
             [](keel::http::Request&,
                keel::http::RequestContext&) -> boost::asio::awaitable<keel::http::Response> {
               auto response = keel::http::Response::Json(200, std::string(OpenApiDocument()));
               response.SetHeader("Cache-Control", "public, max-age=300");
               co_return response;
             },
             {.max_body_bytes = 0});
}

}  // namespace shop::api
