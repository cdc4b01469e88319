#include "keel/http/router.hpp"

#include <array>
#include <charconv>

#include "keel/core/check.hpp"

namespace keel::http {

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> int_child;
  std::string int_name;
  std::unique_ptr<Node> any_child;
  std::string any_name;
  std::array<const Route*, kMethodCount> routes{};

  [[nodiscard]] bool HasRoutes() const noexcept {
    for (const Route* r : routes) {
      if (r != nullptr) {
        return true;
      }
    }
    return false;
  }
};

namespace {

bool ParsesAsInt64(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// Splits a path template into segments, ignoring empty ones.
std::vector<std::string_view> SplitTemplate(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto seg = path.substr(0, slash);
    if (!seg.empty()) {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

constexpr std::size_t kMaxSegments = 64;

// A path segment as a trivially constructible view: Normalized is made per request, and an array
// of 64 std::string_views would be zero-filled each time (~130 stores); only [0, count) is read.
struct Segment {
  const char* data;
  std::size_t size;
  [[nodiscard]] std::string_view view() const noexcept { return {data, size}; }
};

struct Normalized {
  std::array<Segment, kMaxSegments> segments;  // left uninitialized beyond count
  std::size_t count = 0;
  std::string arena;  // decoded segments; reserved up front so views into it stay valid
  std::string_view error;
};

// Decodes each segment once and resolves dot-segments (RFC 3986 §5.2.4). Segments without '%'
// are views into the request; no allocation on that path.
void NormalizePath(std::string_view raw, Normalized& n) {
  if (raw.empty() || raw.front() != '/') {
    n.error = "the request path must start with '/'";
    return;
  }
  std::string_view rest = raw;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty()) {
      continue;
    }
    if (seg.find('%') != std::string_view::npos) {
      auto decoded = PercentDecode(seg, false);
      if (!decoded) {
        n.error = "malformed percent-encoding in the request path";
        return;
      }
      if (decoded->find('/') != std::string::npos || decoded->find('\0') != std::string::npos) {
        n.error = "an encoded '/' or NUL in a path segment is not allowed";
        return;
      }
      if (n.arena.capacity() == 0) {
        n.arena.reserve(raw.size());
      }
      const std::size_t at = n.arena.size();
      n.arena += *decoded;
      seg = std::string_view(n.arena).substr(at, decoded->size());
    }
    if (seg == ".") {
      continue;
    }
    if (seg == "..") {
      if (n.count == 0) {
        n.error = "the request path escapes the root with '..'";
        return;
      }
      --n.count;
      continue;
    }
    if (n.count == kMaxSegments) {
      n.error = "the request path has more than 64 segments";
      return;
    }
    n.segments[n.count++] = Segment{seg.data(), seg.size()};
  }
}

const Route* RouteFor(const std::array<const Route*, kMethodCount>& routes, Method m) {
  const Route* r = routes[static_cast<int>(m)];
  if (r == nullptr && m == Method::kHead) {
    r = routes[static_cast<int>(Method::kGet)];
  }
  return r;
}

struct Matcher {
  const Normalized& path;
  Method method;
  std::vector<std::pair<std::string_view, std::string>> params;
  std::array<bool, kMethodCount> allowed{};
  const Route* found = nullptr;

  bool Walk(const Router::Node& node, std::size_t i);
};

}  // namespace

// Depth-first in precedence order (literal, int, any); stops at the first route for the method.
bool Matcher::Walk(const Router::Node& node, std::size_t i) {
  if (i == path.count) {
    if (const Route* r = RouteFor(node.routes, method)) {
      found = r;
      return true;
    }
    for (int m = 0; m < kMethodCount; ++m) {
      allowed[m] = allowed[m] || node.routes[m] != nullptr;
    }
    return false;
  }
  const std::string_view seg = path.segments[i].view();
  for (const auto& [literal, child] : node.literals) {
    if (literal == seg && Walk(*child, i + 1)) {
      return true;
    }
  }
  if (node.int_child && ParsesAsInt64(seg)) {
    params.emplace_back(node.int_name, std::string(seg));
    if (Walk(*node.int_child, i + 1)) {
      return true;
    }
    params.pop_back();
  }
  if (node.any_child) {
    params.emplace_back(node.any_name, std::string(seg));
    if (Walk(*node.any_child, i + 1)) {
      return true;
    }
    params.pop_back();
  }
  return false;
}

RouteGroup& RouteGroup::Group(std::string_view prefix) {
  children_.push_back(
      std::unique_ptr<RouteGroup>(new RouteGroup(router_, prefix_ + std::string(prefix), this)));
  return *children_.back();
}

MiddlewareChain RouteGroup::FullChain() const {
  MiddlewareChain chain = parent_ ? parent_->FullChain() : MiddlewareChain{};
  chain.insert(chain.end(), chain_.begin(), chain_.end());
  return chain;
}

void RouteGroup::Add(Method method, std::string_view path, Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  route->method = method;
  route->path_template = prefix_ + std::string(path);
  route->handler = std::move(handler);
  route->options = options;
  route->chain = FullChain();
  router_->Insert(std::move(route));
}

Router::Router()
    : root_(std::unique_ptr<RouteGroup>(new RouteGroup(this, "", nullptr))),
      tree_(std::make_unique<Node>()) {}

Router::~Router() = default;

void Router::Insert(std::unique_ptr<Route> route) {
  Node* node = tree_.get();
  for (std::string_view seg : SplitTemplate(route->path_template)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view spec = seg.substr(1, seg.size() - 2);
      const auto colon = spec.find(':');
      const std::string name(spec.substr(0, colon));
      const std::string_view type =
          colon == std::string_view::npos ? "str" : spec.substr(colon + 1);
      KEEL_CHECK(!name.empty() && (type == "int" || type == "str"));
      auto& child = type == "int" ? node->int_child : node->any_child;
      auto& child_name = type == "int" ? node->int_name : node->any_name;
      if (!child) {
        child = std::make_unique<Node>();
        child_name = name;
      }
      KEEL_CHECK(child_name == name);  // one name per parameter position
      node = child.get();
      continue;
    }
    Node* next = nullptr;
    for (auto& [literal, child] : node->literals) {
      if (literal == seg) {
        next = child.get();
      }
    }
    if (next == nullptr) {
      node->literals.emplace_back(std::string(seg), std::make_unique<Node>());
      next = node->literals.back().second.get();
    }
    node = next;
  }
  auto& slot = node->routes[static_cast<int>(route->method)];
  KEEL_CHECK(slot == nullptr);  // the same method and template registered twice
  slot = route.get();
  routes_.push_back(std::move(route));
}

RouteMatch Router::Match(Method method, std::string_view raw_path) const {
  RouteMatch result;
  Normalized path;
  NormalizePath(raw_path, path);
  if (!path.error.empty()) {
    result.kind = RouteMatch::Kind::kBadPath;
    result.detail = path.error;
    return result;
  }
  Matcher matcher{path, method, {}, {}, nullptr};
  if (matcher.Walk(*tree_, 0)) {
    result.kind = RouteMatch::Kind::kFound;
    result.route = matcher.found;
    result.params = std::move(matcher.params);
    return result;
  }
  bool any = false;
  constexpr Method kOrder[] = {Method::kGet,     Method::kHead,  Method::kPost,
                               Method::kPut,     Method::kPatch, Method::kDelete,
                               Method::kOptions, Method::kTrace, Method::kConnect};
  for (Method m : kOrder) {
    bool allowed = matcher.allowed[static_cast<int>(m)];
    if (m == Method::kHead) {
      allowed = allowed || matcher.allowed[static_cast<int>(Method::kGet)];
    }
    if (allowed) {
      result.allow += (any ? ", " : "") + std::string(MethodName(m));
      any = true;
    }
  }
  result.kind = any ? RouteMatch::Kind::kMethodNotAllowed : RouteMatch::Kind::kNotFound;
  return result;
}

}  // namespace keel::http
