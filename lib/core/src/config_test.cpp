#include "keel/core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace keel {
namespace {

ConfigSchema TestSchema() {
  ConfigSchema s;
  s.Add({.name = "server.listen", .type = ConfigType::kString, .default_value = "127.0.0.1:8080"});
  s.Add({.name = "server.threads",
         .type = ConfigType::kInt,
         .default_value = "0",
         .min = 0,
         .max = 64});
  s.Add({.name = "server.timeout", .type = ConfigType::kDuration, .default_value = "10s"});
  s.Add({.name = "server.timing", .type = ConfigType::kBool, .default_value = "false"});
  s.Add({.name = "log.level",
         .type = ConfigType::kString,
         .default_value = "info",
         .choices = {"debug", "info"}});
  s.Add(
      {.name = "shop.secret", .type = ConfigType::kString, .default_value = "dev", .secret = true});
  return s;
}

std::string WriteFile(const std::string& text) {
  char name[] = "/tmp/keel_config_testXXXXXX";
  const int fd = mkstemp(name);
  ::close(fd);
  std::ofstream(name) << text;
  return name;
}

ConfigSources Env(std::vector<std::string> env) {
  ConfigSources s;
  s.environment = std::move(env);
  return s;
}

TEST(Config, DefaultsApply) {
  auto c = Config::Load(TestSchema(), Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->GetString("server.listen"), "127.0.0.1:8080");
  EXPECT_EQ(c->GetInt("server.threads"), 0);
  EXPECT_EQ(c->GetDuration("server.timeout"), std::chrono::seconds(10));
  EXPECT_FALSE(c->GetBool("server.timing"));
}

TEST(Config, SetDefaultReplacesTheDeclaredDefaultOnly) {
  ConfigSchema schema = TestSchema();
  schema.SetDefault("server.threads", "4");
  auto c = Config::Load(schema, Env({}));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->GetInt("server.threads"), 4);
  EXPECT_EQ(schema.Find("server.threads")->default_value, "4");
  // Still only the weakest source: the environment (and a file, flags) win over it.
  auto overridden = Config::Load(schema, Env({"KEEL_SERVER__THREADS=2"}));
  ASSERT_TRUE(overridden.ok()) << overridden.error().message();
  EXPECT_EQ(overridden->GetInt("server.threads"), 2);
}

TEST(ConfigDeathTest, SetDefaultOfAnUndeclaredKeyOrAnInvalidValueIsAProgrammingError) {
  ConfigSchema schema = TestSchema();
  EXPECT_DEATH(schema.SetDefault("server.no_such_key", "1"), "");
  EXPECT_DEATH(schema.SetDefault("server.threads", "many"), "");
  EXPECT_DEATH(schema.SetDefault("server.threads", "65"), "");  // above the key's max
  EXPECT_DEATH(schema.SetDefault("log.level", "trace"), "");    // not one of its choices
}

TEST(Config, PrecedenceFileThenEnvThenFlags) {
  const auto file = WriteFile("[server]\nthreads = 2\nlisten = \"0.0.0.0:1\"\n");
  ConfigSources s = Env({"KEEL_SERVER__THREADS=3", "PATH=/bin"});
  s.file = file;
  auto c = Config::Load(TestSchema(), s);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->GetInt("server.threads"), 3);
  EXPECT_EQ(c->GetString("server.listen"), "0.0.0.0:1");
  s.overrides.emplace_back("server.threads", "4");
  auto flagged = Config::Load(TestSchema(), s);
  EXPECT_EQ(flagged->GetInt("server.threads"), 4);
  std::remove(file.c_str());
}

TEST(Config, BadEnvValueNamesKeyValueAndOrigin) {
  auto c = Config::Load(TestSchema(), Env({"KEEL_SERVER__THREADS=abc"}));
  ASSERT_FALSE(c.ok());
  const auto& msg = c.error().message();
  EXPECT_NE(msg.find("server.threads"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"abc\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("KEEL_SERVER__THREADS"), std::string::npos) << msg;
}

TEST(Config, OutOfRangeAndChoices) {
  auto c = Config::Load(TestSchema(), Env({"KEEL_SERVER__THREADS=100", "KEEL_LOG__LEVEL=loud"}));
  ASSERT_FALSE(c.ok());
  const auto& msg = c.error().message();
  EXPECT_NE(msg.find("server.threads: must be at most 64"), std::string::npos) << msg;
  EXPECT_NE(msg.find("log.level: must be one of: debug, info"), std::string::npos) << msg;
}

TEST(Config, UnknownKeyInFileIsAnError) {
  const auto file = WriteFile("[server]\ntreads = 2\n");
  ConfigSources s = Env({});
  s.file = file;
  auto c = Config::Load(TestSchema(), s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("unknown config key server.treads"), std::string::npos);
  std::remove(file.c_str());
}

TEST(Config, WrongTypeInFile) {
  const auto file = WriteFile("[server]\nthreads = \"two\"\ntimeout = \"10 parsecs\"\n");
  ConfigSources s = Env({});
  s.file = file;
  auto c = Config::Load(TestSchema(), s);
  ASSERT_FALSE(c.ok());
  const auto& msg = c.error().message();
  EXPECT_NE(msg.find("server.threads: expected an integer, got \"two\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("server.timeout: expected a duration"), std::string::npos) << msg;
  std::remove(file.c_str());
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  const auto file = WriteFile("[server]\nthreads = = 2\n");
  ConfigSources s = Env({});
  s.file = file;
  auto c = Config::Load(TestSchema(), s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find(file + ":2:"), std::string::npos) << c.error().message();
  std::remove(file.c_str());
}

TEST(Config, MissingFileIsAnError) {
  ConfigSources s = Env({});
  s.file = "/nonexistent/keel.toml";
  auto c = Config::Load(TestSchema(), s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("/nonexistent/keel.toml"), std::string::npos);
}

TEST(Config, RenderMasksSecretsAndShowsOrigins) {
  auto c = Config::Load(TestSchema(), Env({"KEEL_SHOP__SECRET=hunter2"}));
  ASSERT_TRUE(c.ok());
  const std::string out = c->Render();
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  EXPECT_NE(out.find("secret = \"********\""), std::string::npos) << out;
  EXPECT_NE(out.find("[server]"), std::string::npos);
  EXPECT_NE(out.find("timeout = \"10s\"  # default"), std::string::npos) << out;
}

TEST(Durations, ParseAndFormat) {
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(*ParseDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*ParseDuration("0"), std::chrono::nanoseconds(0));
  EXPECT_FALSE(ParseDuration("10 parsecs").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(120)), "2m");
}

}  // namespace
}  // namespace keel
