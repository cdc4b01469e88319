#include "keel/cache/http/response_cache.hpp"

#include <gtest/gtest.h>

#include "cache_test_support.hpp"
#include "keel/cache/http/cache_control.hpp"

namespace keel::cache::http {
namespace {

using namespace std::chrono_literals;
using keel::http::Headers;
using keel::http::Method;
using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using testing::Await;
namespace asio = boost::asio;

// A request whose strings live in the test.
struct TestRequest {
  TestRequest(std::string m, std::string p, std::string q,
              std::vector<std::pair<std::string, std::string>> h = {})
      : method(std::move(m)), path(std::move(p)), query(std::move(q)), fields(std::move(h)) {
    target = query.empty() ? path : path + "?" + query;
    Headers headers;
    for (const auto& [name, value] : fields) {
      headers.Add(name, value);
    }
    request.Assign({.method = method == "GET" ? Method::kGet : Method::kPost,
                    .method_text = method,
                    .target = target,
                    .path = path,
                    .query = query,
                    .version_minor = 1},
                   headers);
  }
  std::string method, path, query, target;
  std::vector<std::pair<std::string, std::string>> fields;
  Request request;
};

ResponseCacheSettings Settings() {
  return {.cache = {.name = "http",
                    .max_weight = 1 << 20,
                    .shards = 1,
                    .negative_ttl = 3s,
                    .xfetch_beta = 0},
          .query_params = {"page", "sort"},
          .vary = {"accept-encoding"}};
}

std::optional<std::string> Key(TestRequest r, const ResponseCacheSettings& s = Settings()) {
  return ResponseCacheKey(r.request, s);
}

TEST(ResponseCacheKey, NormalisesPathAndSortsWhitelistedQuery) {
  const auto a = Key({"GET", "/v1//products/./x/../42", "sort=name&page=2"});
  const auto b = Key({"GET", "/v1/products/%34%32", "page=2&sort=name"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a, b);
  EXPECT_EQ(*a, "/v1/products/42?page=2&sort=name\naccept-encoding:");
  EXPECT_EQ(Key({"HEAD", "/v1/products/42", "page=2&sort=name"}), a);  // HEAD reads GET's entry
  EXPECT_NE(Key({"GET", "/v1/products/42", "page=3&sort=name"}), a);
  EXPECT_EQ(*Key({"GET", "/a%20b", "page=x+y"}), "/a%20b?page=x%20y\naccept-encoding:");
}

TEST(ResponseCacheKey, VaryHeadersArePartOfTheKey) {
  const auto gzip = Key({"GET", "/p", "", {{"Accept-Encoding", "gzip"}}});
  const auto br = Key({"GET", "/p", "", {{"accept-encoding", "br"}}});
  EXPECT_NE(gzip, br);
  EXPECT_NE(*gzip, *Key({"GET", "/p", ""}));
  EXPECT_EQ(gzip, Key({"GET", "/p", "", {{"X-Other", "1"}, {"accept-encoding", "gzip"}}}));
}

TEST(ResponseCacheKey, BypassesWritesPersonalAndUnlistedQueries) {
  EXPECT_FALSE(Key({"POST", "/p", ""}));
  EXPECT_FALSE(Key({"GET", "/p", "", {{"Authorization", "Bearer x"}}}));
  EXPECT_FALSE(Key({"GET", "/p", "", {{"Cookie", "sid=1"}}}));
  EXPECT_FALSE(Key({"GET", "/p", "debug=1"}));
  auto lenient = Settings();
  lenient.bypass_unknown_query = false;
  EXPECT_EQ(Key({"GET", "/p", "debug=1&page=1"}, lenient), Key({"GET", "/p", "page=1"}, lenient));
}

TEST(CacheControl, ParsesDirectives) {
  const auto cc = ParseCacheControl("public, Max-Age=60, s-maxage=\"30\", stale-if-error=300");
  EXPECT_EQ(cc.max_age, 60s);
  EXPECT_EQ(cc.s_maxage, 30s);
  EXPECT_EQ(cc.stale_if_error, 300s);
  EXPECT_FALSE(cc.no_store);
  EXPECT_TRUE(ParseCacheControl("private, max-age=5").is_private);
  EXPECT_TRUE(ParseCacheControl("no-store").no_store);
  EXPECT_FALSE(ParseCacheControl("max-age=-1").max_age);
  EXPECT_TRUE(ETagMatches(R"(W/"a", "b")", R"("a")"));
  EXPECT_TRUE(ETagMatches("*", R"("x")"));
  EXPECT_FALSE(ETagMatches(R"("a")", R"("b")"));
}

// A handler serving a configurable response and counting its runs.
struct App {
  int runs = 0;
  Response next_response = Make(200, "public, max-age=60");
  static Response Make(int status, std::string cache_control, std::string body = "body") {
    Response r = Response::Json(status, std::move(body));
    if (!cache_control.empty()) {
      r.SetHeader("Cache-Control", cache_control);
    }
    return r;
  }
  std::string seen_if_none_match;
  keel::http::Handler Handler() {
    return [this](Request& req, RequestContext&) -> asio::awaitable<Response> {
      ++runs;
      seen_if_none_match = std::string(req.Header("if-none-match").value_or(""));
      co_return next_response;
    };
  }
};

struct Fixture : ::testing::Test {
  ManualClock clock;
  std::shared_ptr<ResponseCache> cache =
      std::make_shared<ResponseCache>(Settings(), clock, nullptr);
  App app;
  keel::http::Handler handler = app.Handler();
  keel::http::MiddlewareChain rest;  // nothing after the cache but the handler
  asio::io_context io;

  // Calls the middleware with a Next that lives in the coroutine frame (keel::http::RunChain
  // returns a coroutine bound to a temporary Next, which is unsafe to await later).
  Response Run(TestRequest r) {
    RequestContext ctx;
    auto run = [&]() -> asio::awaitable<Response> {
      keel::http::Next next(&rest, 0, &handler);
      co_return co_await cache->Handle(r.request, ctx, next);
    };
    return Await(io, run());
  }
  static std::string XCache(const Response& r) {
    const std::string* v = r.FindHeader("X-Cache");
    return v != nullptr ? *v : "";
  }
};

using ResponseCacheTest = Fixture;

TEST_F(ResponseCacheTest, CachesPublicGetsForMaxAge) {
  Response first = Run({"GET", "/p/1", ""});
  EXPECT_EQ(XCache(first), "miss");
  Response second = Run({"GET", "/p/1", ""});
  EXPECT_EQ(XCache(second), "hit");
  EXPECT_EQ(second.body(), "body");
  EXPECT_EQ(*second.FindHeader("Content-Type"), "application/json");
  EXPECT_EQ(app.runs, 1);
  clock.Advance(61s);
  EXPECT_EQ(XCache(Run({"GET", "/p/1", ""})), "miss");
  EXPECT_EQ(app.runs, 2);
}

TEST_F(ResponseCacheTest, SMaxageWinsOverMaxAge) {
  app.next_response = App::Make(200, "max-age=600, s-maxage=5");
  (void)Run({"GET", "/p/1", ""});
  clock.Advance(6s);
  EXPECT_EQ(XCache(Run({"GET", "/p/1", ""})), "miss");
}

TEST_F(ResponseCacheTest, NeverCachesPrivateNoStoreCookiesOrOtherStatuses) {
  for (const auto& r :
       {App::Make(200, "no-store"), App::Make(200, "private, max-age=60"), App::Make(200, ""),
        App::Make(500, "max-age=60"), App::Make(201, "max-age=60")}) {
    app.next_response = r;
    (void)Run({"GET", "/p/1", ""});
    EXPECT_EQ(XCache(Run({"GET", "/p/1", ""})), "miss");
  }
  app.next_response = App::Make(200, "max-age=60");
  app.next_response.AddHeader("Set-Cookie", "a=b");
  (void)Run({"GET", "/p/2", ""});
  EXPECT_EQ(XCache(Run({"GET", "/p/2", ""})), "miss");
  app.next_response = App::Make(200, "max-age=60");
  app.next_response.SetHeader("Vary", "Accept-Language");  // not in the key
  (void)Run({"GET", "/p/3", ""});
  EXPECT_EQ(XCache(Run({"GET", "/p/3", ""})), "miss");
  EXPECT_EQ(cache->store().size(), 0u);
}

TEST_F(ResponseCacheTest, NotFoundIsCachedForTheNegativeTtl) {
  app.next_response = App::Make(404, "");
  (void)Run({"GET", "/p/404", ""});
  Response again = Run({"GET", "/p/404", ""});
  EXPECT_EQ(again.status(), 404);
  EXPECT_EQ(XCache(again), "hit");
  EXPECT_EQ(cache->store().metrics().negative_hits->Value(), 1u);
  clock.Advance(3s);
  EXPECT_EQ(XCache(Run({"GET", "/p/404", ""})), "miss");
}

TEST_F(ResponseCacheTest, AnswersIfNoneMatchFromTheCachedETag) {
  app.next_response.SetHeader("ETag", R"("p1-v3")");
  // On a miss the handler sees no conditional header (the full 200 is stored) and the 304 is
  // derived from its ETag.
  Response first = Run({"GET", "/p/1", "", {{"If-None-Match", R"("p1-v3")"}}});
  EXPECT_EQ(first.status(), 304);
  EXPECT_EQ(app.seen_if_none_match, "");
  EXPECT_EQ(*first.FindHeader("ETag"), R"("p1-v3")");
  Response hit = Run({"GET", "/p/1", "", {{"If-None-Match", R"(W/"p1-v3")"}}});
  EXPECT_EQ(hit.status(), 304);
  EXPECT_TRUE(hit.body().empty());
  EXPECT_EQ(XCache(hit), "hit");
  EXPECT_EQ(*hit.FindHeader("Cache-Control"), "public, max-age=60");
  Response other = Run({"GET", "/p/1", "", {{"If-None-Match", R"("p1-v2")"}}});
  EXPECT_EQ(other.status(), 200);
  EXPECT_EQ(other.body(), "body");
  EXPECT_EQ(app.runs, 1);
}

TEST_F(ResponseCacheTest, VaryingRequestsGetTheirOwnEntries) {
  app.next_response.SetHeader("Vary", "Accept-Encoding");
  (void)Run({"GET", "/p/1", "", {{"Accept-Encoding", "gzip"}}});
  EXPECT_EQ(XCache(Run({"GET", "/p/1", "", {{"Accept-Encoding", "gzip"}}})), "hit");
  EXPECT_EQ(XCache(Run({"GET", "/p/1", "", {{"Accept-Encoding", "br"}}})), "miss");
  EXPECT_EQ(app.runs, 2);
}

TEST_F(ResponseCacheTest, TagsFromTheResponseHeaderInvalidateAndAreStripped) {
  app.next_response.SetHeader("X-Cache-Tags", "product:42 product:7");
  Response page = Run({"GET", "/products", "page=1"});
  EXPECT_EQ(page.FindHeader("X-Cache-Tags"), nullptr);
  Response hit = Run({"GET", "/products", "page=1"});
  EXPECT_EQ(XCache(hit), "hit");
  EXPECT_EQ(hit.FindHeader("X-Cache-Tags"), nullptr);
  EXPECT_EQ(cache->InvalidateTag("product:7"), 1u);
  EXPECT_EQ(XCache(Run({"GET", "/products", "page=1"})), "miss");
}

TEST_F(ResponseCacheTest, StaleIfErrorServesTheOldPageOnA5xx) {
  app.next_response = App::Make(200, "max-age=10, stale-if-error=60");
  (void)Run({"GET", "/p/1", ""});
  clock.Advance(20s);
  app.next_response = App::Make(503, "", "down");
  Response r = Run({"GET", "/p/1", ""});
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(XCache(r), "stale");
  clock.Advance(60s);
  EXPECT_EQ(Run({"GET", "/p/1", ""}).status(), 503);
}

TEST_F(ResponseCacheTest, StaleWhileRevalidateLetsOneRequestRefresh) {
  app.next_response = App::Make(200, "max-age=10, stale-while-revalidate=30");
  (void)Run({"GET", "/p/1", ""});
  clock.Advance(15s);
  app.next_response = App::Make(200, "max-age=10", "new");
  Response refresher = Run({"GET", "/p/1", ""});  // no other refresh running: it refreshes
  EXPECT_EQ(refresher.body(), "new");
  EXPECT_EQ(XCache(Run({"GET", "/p/1", ""})), "hit");
  EXPECT_EQ(app.runs, 2);
}

TEST_F(ResponseCacheTest, BypassedRequestsGoStraightToTheHandler) {
  Response r = Run({"GET", "/p/1", "", {{"Authorization", "Bearer t"}}});
  EXPECT_EQ(XCache(r), "");
  EXPECT_EQ(cache->store().size(), 0u);
}

}  // namespace
}  // namespace keel::cache::http
