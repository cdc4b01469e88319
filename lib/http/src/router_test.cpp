#include "keel/http/router.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

boost::asio::awaitable<Response> Noop(Request&, RequestContext&) {
  co_return Response(200);
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router.Get("/items/new", Noop);
    router.Get("/items/{id:int}", Noop);
    router.Get("/items/{name}", Noop);
    router.Add(Method::kPut, "/items/{id:int}", Noop);
    router.Add(Method::kPost, "/items", Noop);
    router.Get("/a/{x}/c", Noop);
    router.Get("/a/b/d", Noop);
  }
  Router router;
};

TEST_F(RouterTest, StaticBeatsParameter) {
  auto m = router.Match(Method::kGet, "/items/new");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/new");
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, IntBeatsString) {
  auto m = router.Match(Method::kGet, "/items/42");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/{id:int}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");
}

TEST_F(RouterTest, NonIntegerFallsBackToString) {
  auto m = router.Match(Method::kGet, "/items/abc");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/{name}");
  EXPECT_EQ(m.params[0].second, "abc");
}

TEST_F(RouterTest, Int64OverflowIsNotAnInt) {
  auto m = router.Match(Method::kGet, "/items/99999999999999999999");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/{name}");
}

TEST_F(RouterTest, BacktracksFromLiteralToParameter) {
  auto m = router.Match(Method::kGet, "/a/b/c");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/a/{x}/c");
  EXPECT_EQ(m.params[0].second, "b");
}

TEST_F(RouterTest, MethodNotAllowedListsEveryMatchingMethod) {
  auto m = router.Match(Method::kDelete, "/items/5");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, PUT");
}

TEST_F(RouterTest, MethodFoundOnLowerPrecedenceRoute) {
  // PUT exists only on {id:int}; GET on "abc" goes to {name}.
  auto m = router.Match(Method::kPut, "/items/7");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/{id:int}");
  auto wrong = router.Match(Method::kPut, "/items/abc");
  EXPECT_EQ(wrong.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(wrong.allow, "GET, HEAD");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = router.Match(Method::kHead, "/items/new");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->method, Method::kGet);
}

TEST_F(RouterTest, NotFound) {
  EXPECT_EQ(router.Match(Method::kGet, "/nothing").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.Match(Method::kGet, "/items/1/extra").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouterTest, PercentDecodingAndDotSegments) {
  auto m = router.Match(Method::kGet, "/items/%6Eew");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->path_template, "/items/new");
  auto dots = router.Match(Method::kGet, "/x/../items/./new");
  ASSERT_EQ(dots.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(dots.route->path_template, "/items/new");
  auto slashes = router.Match(Method::kGet, "//items//new");
  EXPECT_EQ(slashes.kind, RouteMatch::Kind::kFound);
}

TEST_F(RouterTest, RefusesEncodedSlashNulAndEscapes) {
  EXPECT_EQ(router.Match(Method::kGet, "/items/a%2Fb").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router.Match(Method::kGet, "/items/a%00").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router.Match(Method::kGet, "/items/%zz").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router.Match(Method::kGet, "/items/%4").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router.Match(Method::kGet, "/../etc/passwd").kind, RouteMatch::Kind::kBadPath);
}

TEST_F(RouterTest, DecodedParameterValue) {
  auto m = router.Match(Method::kGet, "/items/caf%C3%A9");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.params[0].second, "caf\xC3\xA9");
}

class Tag final : public Middleware {
 public:
  explicit Tag(std::string name) : name_(std::move(name)) {}
  boost::asio::awaitable<Response> Handle(Request& r, RequestContext& c, Next next) override {
    auto response = co_await next(r, c);
    response.AddHeader("X-Tag", name_);
    co_return response;
  }

 private:
  std::string name_;
};

TEST(RouterGroups, MiddlewareChainsInOrder) {
  Router router;
  router.Use(std::make_shared<Tag>("root"));
  auto& v1 = router.Group("/v1");
  v1.Use(std::make_shared<Tag>("v1"));
  v1.Get("/x", Noop);
  router.Get("/y", Noop);
  auto x = router.Match(Method::kGet, "/v1/x");
  ASSERT_EQ(x.kind, RouteMatch::Kind::kFound);
  ASSERT_EQ(x.route->chain.size(), 2u);
  auto y = router.Match(Method::kGet, "/y");
  ASSERT_EQ(y.kind, RouteMatch::Kind::kFound);
  // Middleware added after a route was registered does not apply to it.
  EXPECT_EQ(y.route->chain.size(), 1u);
}

}  // namespace
}  // namespace keel::http
