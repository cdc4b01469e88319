#include "scenario.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "random.hpp"
#include "request_writer.hpp"

namespace keel::load {
namespace {

constexpr const char* kProducts = R"(
base_url = "http://127.0.0.1:8080/api/"
[headers]
Accept = "application/json"

[vars.id]
dist = "zipf"
lo = 1
hi = 1000
s = 1.1

[vars.color]
dist = "choice"
values = ["red", "blue"]

[[requests]]
name = "read"
weight = 60
path = "/v1/products/{id}"

[[requests]]
name = "write"
weight = 30
method = "PUT"
path = "/v1/products/{id}"
body = '{"id": {id}, "color": "{color}"}'
[requests.headers]
Idempotency-Key = "{uuid}"
Accept = "*/*"
)";

std::string ErrorOf(const std::string& toml) {
  auto sc = ParseScenario(toml, "t.toml");
  return sc ? std::string("(no error)") : sc.error().message();
}

TEST(ScenarioTest, ParsesTheProductsMix) {
  auto sc = ParseScenario(kProducts, "t.toml");
  ASSERT_TRUE(sc) << sc.error().message();
  EXPECT_EQ(sc->target.host, "127.0.0.1");
  EXPECT_EQ(sc->target.port, "8080");
  EXPECT_EQ(sc->target.host_header, "127.0.0.1:8080");
  EXPECT_EQ(sc->target.base_path, "/api");
  ASSERT_EQ(sc->requests.size(), 2u);
  EXPECT_EQ(sc->requests[1].method, "PUT");
  EXPECT_DOUBLE_EQ(sc->requests[0].weight, 60);
  ASSERT_EQ(sc->vars.size(), 2u);
}

TEST(ScenarioTest, RendersRequestsWithConsistentDraws) {
  auto sc = ParseScenario(kProducts, "t.toml");
  ASSERT_TRUE(sc);
  std::vector<VarSampler> samplers(sc->vars.begin(), sc->vars.end());
  Random random(1);
  RequestWriter writer(*sc, samplers, random);
  std::string out;
  writer.Write(1, 7, out);
  // PUT /api/v1/products/<id> ... body {"id": <same id>, ...}
  const auto path_start = out.find("/api/v1/products/") + 17;
  const std::string id = out.substr(path_start, out.find(' ', path_start) - path_start);
  EXPECT_NE(out.find("{\"id\": " + id + ", \"color\": \""), std::string::npos) << out;
  EXPECT_EQ(out.rfind("PUT /api/v1/products/", 0), 0u) << out;
  EXPECT_NE(out.find("\r\nHost: 127.0.0.1:8080\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nAccept: */*\r\n"), std::string::npos);  // the type's header wins
  EXPECT_EQ(out.find("application/json"), std::string::npos);
  EXPECT_NE(out.find("\r\nIdempotency-Key: "), std::string::npos);
  const auto body_at = out.find("\r\n\r\n") + 4;
  EXPECT_NE(out.find("\r\nContent-Length: " + std::to_string(out.size() - body_at) + "\r\n"),
            std::string::npos);
  writer.Write(0, 8, out);
  EXPECT_EQ(out.rfind("GET /api/v1/products/", 0), 0u);
  EXPECT_NE(out.find("\r\nAccept: application/json\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
}

TEST(ScenarioTest, ErrorsNameTheKey) {
  const std::map<std::string, std::string> cases = {
      {"[[requests]]\npath='/'", "base_url: required"},
      {"base_url='https://x'\n[[requests]]\npath='/'", "base_url: only http://"},
      {"base_url='http://x'", "requests: at least one"},
      {"base_url='http://x'\n[[requests]]\nname='a'", "requests[1].path: required"},
      {"base_url='http://x'\n[[requests]]\npath='x'", "requests[1].path: must start with '/'"},
      {"base_url='http://x'\n[[requests]]\npath='/'\nmethd='GET'", "requests[1].methd: unknown"},
      {"base_url='http://x'\n[[requests]]\npath='/'\nweight=0", "requests[1].weight: must be > 0"},
      {"base_url='http://x'\n[[requests]]\npath='/'\nweight='x'", "requests[1].weight: must be a "},
      {"base_url='http://x'\n[[requests]]\npath='/{idd}'",
       "requests[1].path: unknown placeholder {idd}"},
      {"base_url='http://x'\n[[requests]]\npath='/'\n[[requests]]\npath='/'",
       "requests[2].name: duplicate"},
      {"base_url='http://x'\n[[requests]]\npath='/'\nmethod='G T'", "requests[1].method"},
      {"base_url='http://x'\n[[requests]]\npath='/'\nheaders={Content-Length='1'}",
       "requests[1].headers.Content-Length: set by keel-load"},
      {"base_url='http://x'\n[vars.id]\ndist='zipf'\nlo=1\nhi=10\ns=0\n[[requests]]\npath='/'",
       "vars.id.s: must be in (0, 100)"},
      {"base_url='http://x'\n[vars.id]\ndist='pareto'\n[[requests]]\npath='/'", "vars.id.dist"},
      {"base_url='http://x'\n[vars.id]\ndist='uniform'\nlo=5\nhi=1\n[[requests]]\npath='/'",
       "vars.id.hi: must be >= lo"},
      {"base_url='http://x'\n[vars.id]\ndist='uniform'\nhi=1\n[[requests]]\npath='/'",
       "vars.id.lo: required"},
      {"base_url='http://x'\n[vars.id]\ndist='choice'\n[[requests]]\npath='/'", "vars.id.values"},
      {"base_url='http://x'\n[vars.uuid]\ndist='uniform'\nlo=1\nhi=2\n[[requests]]\npath='/'",
       "vars.uuid: is a built-in"},
      {"base_url='http://x'\nrate=5\n[[requests]]\npath='/'", "rate: unknown key"},
      {"base_url = 'http://x'\n[[requests]\n", "t.toml:2:"},
  };
  for (const auto& [toml, expected] : cases) {
    EXPECT_NE(ErrorOf(toml).find(expected), std::string::npos)
        << "scenario:\n"
        << toml << "\nerror: " << ErrorOf(toml) << "\nexpected: " << expected;
  }
}

TEST(ScenarioTest, FromUrl) {
  auto sc = ScenarioFromUrl("http://localhost:9000/delay?ms=20", "GET", {"X-A: {uuid}"}, "");
  ASSERT_TRUE(sc) << sc.error().message();
  EXPECT_EQ(sc->target.host, "localhost");
  std::vector<VarSampler> samplers;
  Random random(1);
  RequestWriter writer(*sc, samplers, random);
  std::string out;
  writer.Write(0, 0, out);
  EXPECT_EQ(out.rfind("GET /delay?ms=20 HTTP/1.1\r\nHost: localhost:9000\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\r\nX-A: "), std::string::npos);
  EXPECT_FALSE(ScenarioFromUrl("http://x/", "GET", {"bad header"}, ""));
  EXPECT_FALSE(ScenarioFromUrl("ftp://x/", "GET", {}, ""));
  auto root = ScenarioFromUrl("http://x", "POST", {}, "{\"a\":1}");
  ASSERT_TRUE(root);
  RequestWriter post(*root, samplers, random);
  post.Write(0, 0, out);
  EXPECT_EQ(out.rfind("POST / HTTP/1.1\r\n", 0), 0u) << out;
  EXPECT_TRUE(out.ends_with("\r\nContent-Length: 7\r\n\r\n{\"a\":1}")) << out;
}

TEST(TemplateTest, PlaceholdersBracesAndEscapes) {
  auto t = Template::Compile("{\"a\": {n}, \"b\": \"{{n}\", \"c\": {\"d\": {}}}{seq}", {"n"});
  ASSERT_TRUE(t) << t.error().message();
  VarSpec spec;
  spec.lo = spec.hi = 42;
  std::vector<VarSampler> samplers = {VarSampler(spec)};
  Random random(1);
  RenderContext ctx(samplers, random);
  ctx.NewRequest(9);
  std::string out;
  ctx.Render(*t, out);
  EXPECT_EQ(out, "{\"a\": 42, \"b\": \"{n}\", \"c\": {\"d\": {}}}9");
}

TEST(TemplateTest, DrawsChangeBetweenRequests) {
  auto t = Template::Compile("{n}", {"n"});
  ASSERT_TRUE(t);
  VarSpec spec;
  spec.lo = 1;
  spec.hi = 1'000'000;
  std::vector<VarSampler> samplers = {VarSampler(spec)};
  Random random(1);
  RenderContext ctx(samplers, random);
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    ctx.NewRequest(static_cast<uint64_t>(i));
    std::string a;
    std::string b;
    ctx.Render(*t, a);
    ctx.Render(*t, b);
    EXPECT_EQ(a, b);  // one draw per request
    seen.insert(a);
  }
  EXPECT_GT(seen.size(), 15u);
}

TEST(TypePickerTest, FollowsTheWeights) {
  std::vector<RequestType> types(3);
  types[0].weight = 60;
  types[1].weight = 30;
  types[2].weight = 10;
  TypePicker picker(types);
  Random random(4);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 100000; ++i) {
    ++counts[picker.Pick(random)];
  }
  EXPECT_NEAR(counts[0], 60000, 1000);
  EXPECT_NEAR(counts[1], 30000, 1000);
  EXPECT_NEAR(counts[2], 10000, 600);
}

}  // namespace
}  // namespace keel::load
