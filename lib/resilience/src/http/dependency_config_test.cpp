#include "keel/resilience/http/dependency_config.hpp"

#include <gtest/gtest.h>

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

Result<DependencySettings> Load(std::vector<std::string> env, const DependencySettings& d = {}) {
  ConfigSchema schema;
  AddDependencyConfig(schema, "payment", d);
  ConfigSources sources;
  sources.environment = std::move(env);
  auto config = Config::Load(schema, sources);
  if (!config) {
    return std::move(config).error();
  }
  return DependencySettingsFromConfig(*config, "payment");
}

TEST(DependencyConfig, DefaultsComeFromTheGivenSettings) {
  DependencySettings d;
  d.urls = {"http://127.0.0.1:8081", "http://127.0.0.1:8082"};
  d.timeout = 300ms;
  d.breaker.minimum_calls = 7;
  d.hedge_enabled = true;
  auto s = Load({}, d);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->name, "payment");
  EXPECT_EQ(s->urls, d.urls);
  EXPECT_EQ(s->timeout, 300ms);
  EXPECT_EQ(s->breaker.minimum_calls, 7u);
  EXPECT_EQ(s->breaker.name, "payment");
  EXPECT_TRUE(s->hedge_enabled);
  EXPECT_EQ(s->retry.max_attempts, 3);
  EXPECT_EQ(s->retry.base, 25ms);
  EXPECT_EQ(s->breaker.wait_in_open, 60s);
  EXPECT_EQ(s->hedge.quantile, 0.95);
}

TEST(DependencyConfig, EnvironmentOverridesNestedKeys) {
  auto s = Load({"KEEL_DEPS__PAYMENT__URL=http://localhost:9000",
                 "KEEL_DEPS__PAYMENT__BREAKER__WINDOW_TYPE=time_based",
                 "KEEL_DEPS__PAYMENT__RETRY__MAX_ATTEMPTS=2",
                 "KEEL_DEPS__PAYMENT__BULKHEAD__MAX_WAIT=5ms"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->urls, std::vector<std::string>{"http://localhost:9000"});
  EXPECT_EQ(s->breaker.window_type, BreakerWindow::kTimeBased);
  EXPECT_EQ(s->retry.max_attempts, 2);
  EXPECT_EQ(s->bulkhead.max_wait, 5ms);
}

TEST(DependencyConfig, ErrorsNameTheKey) {
  auto bad_url = Load({"KEEL_DEPS__PAYMENT__URL=https://x"});
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.error().message().find("deps.payment.url"), std::string::npos)
      << bad_url.error().message();
  auto missing = Load({});  // no URL at all
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("deps.payment.url"), std::string::npos);
  auto range =
      Load({"KEEL_DEPS__PAYMENT__URL=http://x:1", "KEEL_DEPS__PAYMENT__RETRY__MAX_ATTEMPTS=9"});
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message().find("deps.payment.retry.max_attempts"), std::string::npos);
  auto cross = Load({"KEEL_DEPS__PAYMENT__URL=http://x:1", "KEEL_DEPS__PAYMENT__RETRY__BASE=1s"});
  ASSERT_FALSE(cross.ok());
  EXPECT_NE(cross.error().message().find("deps.payment.retry.base must not exceed "
                                         "deps.payment.retry.cap"),
            std::string::npos)
      << cross.error().message();
}

}  // namespace
}  // namespace keel::resilience
