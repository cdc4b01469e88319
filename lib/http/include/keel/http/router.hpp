// keel/http/router.hpp — method + path templates to handlers.
//
// Templates are '/'-separated; a segment is a literal, `{name}` (any non-empty segment) or
// `{name:int}` (a signed 64-bit integer). Precedence per segment: literal, then int, then any, with
// backtracking, so `/items/new` beats `/items/{name}` and `/items/42` matches `{id:int}` before
// `{name}`. A path that matches a template but not its method answers 405 with Allow.
// Paths are matched after percent-decoding each segment once; dot-segments are resolved
// (RFC 3986 §5.2.4), empty segments ignored, and an encoded '/' or NUL in a segment is refused.
//
//   keel::http::Router router;
//   auto& v1 = router.Group("/v1");
//   v1.Use(std::make_shared<AuthMiddleware>(...));
//   v1.Get("/products/{id:int}", GetProduct, {.max_body_bytes = 0});
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/priority.hpp"
#include "keel/http/handler.hpp"
#include "keel/http/method.hpp"

namespace keel::http {

struct RouteOptions {
  // Request body limit for this route; nullopt = the server's default (server.max_body_bytes).
  std::optional<std::uint64_t> max_body_bytes;
  // Admin routes (health, metrics) are excluded from business metrics and admission control.
  bool admin = false;
  // Database calls one request of this route may make before it is reported as a likely N+1
  // pattern (warning log + keel_http_query_budget_exceeded_total); nullopt = the server default
  // (server.max_queries_per_request).
  std::optional<std::uint32_t> max_queries;
  // Latency budget: the request's deadline is arrival + budget, tightened (never extended) by a
  // client's deadline header. nullopt = the server default (server.request_timeout).
  std::optional<std::chrono::nanoseconds> budget;
  // How long a streamed response (keel/http/stream.hpp) of this route may run once its head is
  // sent. The budget bounds the handler until it returns the response; a stream that outlives it
  // needs this opt-in. nullopt = the stream ends at the request's deadline like any other work.
  std::optional<std::chrono::nanoseconds> stream_timeout;
  // Admission class under overload (sheddable refused first, critical last).
  Priority priority = Priority::kDefault;
};

struct Route {
  Method method;
  std::string path_template;
  Handler handler;
  RouteOptions options;
  MiddlewareChain chain;  // router-wide, then group middleware, in order of Use()
};

class Router;

class RouteGroup {
 public:
  void Use(std::shared_ptr<Middleware> middleware) { chain_.push_back(std::move(middleware)); }
  void Add(Method method, std::string_view path, Handler handler, RouteOptions options = {});
  void Get(std::string_view path, Handler h, RouteOptions o = {}) {
    Add(Method::kGet, path, std::move(h), o);
  }
  void Post(std::string_view path, Handler h, RouteOptions o = {}) {
    Add(Method::kPost, path, std::move(h), o);
  }
  void Put(std::string_view path, Handler h, RouteOptions o = {}) {
    Add(Method::kPut, path, std::move(h), o);
  }
  void Patch(std::string_view path, Handler h, RouteOptions o = {}) {
    Add(Method::kPatch, path, std::move(h), o);
  }
  void Delete(std::string_view path, Handler h, RouteOptions o = {}) {
    Add(Method::kDelete, path, std::move(h), o);
  }
  // A nested group; its middleware runs after this group's.
  RouteGroup& Group(std::string_view prefix);

 private:
  friend class Router;
  RouteGroup(Router* router, std::string prefix, RouteGroup* parent)
      : router_(router), prefix_(std::move(prefix)), parent_(parent) {}
  [[nodiscard]] MiddlewareChain FullChain() const;

  Router* router_;
  std::string prefix_;
  RouteGroup* parent_;
  MiddlewareChain chain_;
  std::vector<std::unique_ptr<RouteGroup>> children_;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string_view, std::string>> params;  // kFound
  std::string allow;        // kMethodNotAllowed: "GET, HEAD, PUT"
  std::string_view detail;  // kBadPath: why the path was refused
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // The root group ("" prefix): routes and middleware that apply to every route.
  RouteGroup& root() noexcept { return *root_; }
  void Use(std::shared_ptr<Middleware> m) { root_->Use(std::move(m)); }
  RouteGroup& Group(std::string_view prefix) { return root_->Group(prefix); }
  void Add(Method method, std::string_view path, Handler handler, RouteOptions options = {}) {
    root_->Add(method, path, std::move(handler), options);
  }
  void Get(std::string_view path, Handler h, RouteOptions o = {}) {
    root_->Add(Method::kGet, path, std::move(h), o);
  }

  // Matches a raw request path (no query). HEAD falls back to a GET route.
  [[nodiscard]] RouteMatch Match(Method method, std::string_view raw_path) const;
  [[nodiscard]] const std::vector<std::unique_ptr<Route>>& routes() const noexcept {
    return routes_;
  }

  struct Node;  // the segment tree (private to router.cpp)

 private:
  friend class RouteGroup;
  void Insert(std::unique_ptr<Route> route);

  std::unique_ptr<RouteGroup> root_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Node> tree_;
};

}  // namespace keel::http
