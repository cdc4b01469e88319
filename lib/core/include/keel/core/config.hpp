// keel/core/config.hpp — one validated configuration object, from file, environment and flags.
//
// Every key is declared once in a ConfigSchema (type, default, bounds, description, secret), so
// the configuration is documented, validated at startup with an error that names the key and the
// bad value, and never parsed on the hot path. Sources, weakest first: schema defaults, a TOML
// file, environment variables KEEL_<SECTION>__<KEY>, then command-line overrides.
//
//   keel::ConfigSchema schema;
//   schema.Add({.name = "server.threads", .type = keel::ConfigType::kInt, .default_value = "0",
//               .description = "I/O threads (0 = one per core)", .min = 0, .max = 1024});
//   keel::Result<keel::Config> cfg = keel::Config::Load(schema, sources);
//   int64_t threads = cfg->GetInt("server.threads");
//
// Thread safety: a loaded Config is immutable and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "keel/core/error.hpp"

namespace keel {

enum class ConfigType { kString, kInt, kBool, kDouble, kDuration };

using ConfigValue = std::variant<std::string, std::int64_t, bool, double, std::chrono::nanoseconds>;

struct ConfigKey {
  std::string name;  // "section.key", lower_snake
  ConfigType type = ConfigType::kString;
  std::string default_value;  // textual, parsed like an environment value
  std::string description;
  std::optional<double> min;  // for kInt, kDouble (and kDuration, in seconds)
  std::optional<double> max;
  std::vector<std::string> choices;  // for kString: the allowed values
  bool secret = false;               // masked in --print-config
  // Extra check on a parsed value; returns the reason it is invalid, or nullopt.
  std::function<std::optional<std::string>(const ConfigValue&)> validate;
};

class ConfigSchema {
 public:
  // Declares a key; declaring the same name twice is a programming error (KEEL_CHECK).
  void Add(ConfigKey key);
  // Replaces the default of a declared key: an application's own default for a key a library
  // declares (e.g. keel-shop's overload.queue_size). An undeclared key, or a default that does not
  // parse or breaks the key's bounds or choices, is a programming error (KEEL_CHECK).
  void SetDefault(std::string_view name, std::string default_value);
  [[nodiscard]] const ConfigKey* Find(std::string_view name) const;
  [[nodiscard]] const std::vector<ConfigKey>& keys() const noexcept { return keys_; }
  // Markdown table of every key (for docs/configuration.md).
  [[nodiscard]] std::string DescribeMarkdown() const;

 private:
  std::vector<ConfigKey> keys_;
};

struct ConfigSources {
  std::optional<std::string> file;  // a TOML file; a missing file is an error
  // Environment entries "NAME=value"; Load() uses the process environment when empty.
  std::optional<std::vector<std::string>> environment;
  std::vector<std::pair<std::string, std::string>> overrides;  // key -> value, from flags
};

class Config {
 public:
  // Loads and validates. The error's message lists every problem, one per line, each naming the
  // key, the bad value and where it came from.
  [[nodiscard]] static Result<Config> Load(const ConfigSchema& schema,
                                           const ConfigSources& sources);

  [[nodiscard]] const std::string& GetString(std::string_view key) const;
  [[nodiscard]] std::int64_t GetInt(std::string_view key) const;
  [[nodiscard]] bool GetBool(std::string_view key) const;
  [[nodiscard]] double GetDouble(std::string_view key) const;
  [[nodiscard]] std::chrono::nanoseconds GetDuration(std::string_view key) const;
  template <typename Rep, typename Period>
  [[nodiscard]] std::chrono::duration<Rep, Period> GetDurationAs(std::string_view key) const {
    return std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(GetDuration(key));
  }

  // The effective configuration as TOML, secrets masked, with each value's origin as a comment.
  [[nodiscard]] std::string Render() const;

 private:
  struct Entry {
    ConfigKey key;  // a copy: the Config may outlive the schema it was loaded with
    ConfigValue value;
    std::string origin;  // "default", "file shop.toml", "env KEEL_SERVER__LISTEN", "flag"
  };
  [[nodiscard]] const Entry& Get(std::string_view key, ConfigType type) const;
  std::map<std::string, Entry, std::less<>> entries_;
};

// Parses "250ms", "10s", "2m", "1h", "500us", "0" (units ns, us, ms, s, m, h).
[[nodiscard]] Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);
// Formats a duration with the largest exact unit ("250ms", "10s").
[[nodiscard]] std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace keel
