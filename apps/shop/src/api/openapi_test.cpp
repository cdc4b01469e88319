// The OpenAPI document and the router agree: every /v1 route the shop registers is documented
// (method + path, `{id:int}` written `{id}`), and the document describes no /v1 route that does
// not exist.
#include "src/api/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cctype>
#include <set>
#include <string>

#include "src/app/shop.hpp"

namespace shop::api {
namespace {

using RouteKey = std::pair<std::string, std::string>;  // method (lower case), path

// "/v1/products/{id:int}" -> "/v1/products/{id}"
std::string OpenApiPath(std::string_view route_template) {
  std::string out;
  for (std::size_t i = 0; i < route_template.size(); ++i) {
    if (route_template[i] == ':' && out.find('{') != std::string::npos) {
      i = route_template.find('}', i) - 1;  // drop the type, keep the closing brace
      continue;
    }
    out += route_template[i];
  }
  return out;
}

std::set<RouteKey> RegisteredV1Routes() {
  keel::data::SqliteDatabase db({.path = "/nonexistent/never-opened.db"}, nullptr);
  Background background(db, BackgroundSettings{}, nullptr);
  Shop shop(db, ShopSettings{.cursor_secret = "0123456789abcdef-test-secret", .debug_routes = true},
            background);
  keel::http::Router router;
  shop.AddRoutes(router);
  std::set<RouteKey> routes;
  for (const auto& route : router.routes()) {
    if (!route->path_template.starts_with("/v1/")) {
      continue;
    }
    std::string method(keel::http::MethodName(route->method));
    for (char& c : method) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    routes.emplace(method, OpenApiPath(route->path_template));
  }
  return routes;
}

boost::json::object Document() {
  boost::system::error_code ec;
  auto doc = boost::json::parse(OpenApiDocument(), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(doc.is_object());
  return doc.is_object() ? doc.get_object() : boost::json::object();
}

std::set<RouteKey> DocumentedV1Routes(const boost::json::object& doc) {
  static const std::set<std::string> kMethods = {"get",   "put",  "post",    "delete",
                                                 "patch", "head", "options", "trace"};
  std::set<RouteKey> routes;
  const auto* paths = doc.if_contains("paths");
  if (paths == nullptr || !paths->is_object()) {
    ADD_FAILURE() << "no paths";
    return routes;
  }
  for (const auto& [path, item] : paths->get_object()) {
    if (!std::string_view(path).starts_with("/v1/") || !item.is_object()) {
      continue;
    }
    for (const auto& [method, operation] : item.get_object()) {
      if (kMethods.contains(std::string(method))) {
        routes.emplace(std::string(method), std::string(path));
      }
    }
  }
  return routes;
}

TEST(OpenApi, PathTemplateConversion) {
  EXPECT_EQ(OpenApiPath("/v1/products/{id:int}"), "/v1/products/{id}");
  EXPECT_EQ(OpenApiPath("/v1/users/{id:int}/orders"), "/v1/users/{id}/orders");
  EXPECT_EQ(OpenApiPath("/v1/products/batch"), "/v1/products/batch");
}

TEST(OpenApi, DocumentsExactlyTheRegisteredV1Routes) {
  const auto registered = RegisteredV1Routes();
  const auto documented = DocumentedV1Routes(Document());
  // The two loops below compare the sets both ways; this floor only guards against an empty
  // router (several features add routes; no exact count to keep in step).
  EXPECT_GE(registered.size(), 7u);
  for (const auto& [method, path] : registered) {
    EXPECT_TRUE(documented.contains({method, path})) << "undocumented: " << method << " " << path;
  }
  for (const auto& [method, path] : documented) {
    EXPECT_TRUE(registered.contains({method, path})) << "not registered: " << method << " " << path;
  }
}

TEST(OpenApi, IsAnOpenApi31DocumentWithProblemResponses) {
  const auto doc = Document();
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  const auto* schemas = doc.at("components").as_object().if_contains("schemas");
  ASSERT_NE(schemas, nullptr);
  EXPECT_TRUE(schemas->as_object().contains("Problem"));
  // Every operation declares its responses, and every error response is problem+json.
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") {
        continue;
      }
      const auto* responses = operation.as_object().if_contains("responses");
      ASSERT_NE(responses, nullptr) << method << " " << path;
      // A success: 200, or 201 / 202 for creating or accepting work.
      const auto& codes = responses->as_object();
      EXPECT_TRUE(codes.contains("200") || codes.contains("201") || codes.contains("202"))
          << method << " " << path;
    }
  }
}

}  // namespace
}  // namespace shop::api
