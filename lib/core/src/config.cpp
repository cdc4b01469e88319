#include "keel/core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "keel/core/check.hpp"

extern char** environ;  // NOLINT: POSIX

namespace keel {

namespace {

const char* TypeName(ConfigType t) {
  switch (t) {
    case ConfigType::kString:
      return "a string";
    case ConfigType::kInt:
      return "an integer";
    case ConfigType::kBool:
      return "a boolean (true or false)";
    case ConfigType::kDouble:
      return "a number";
    case ConfigType::kDuration:
      return "a duration like \"250ms\", \"10s\" or \"2m\"";
  }
  return "a value";
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string TrimSpaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Parses a textual value (environment, flags, schema defaults) as the key's type.
std::optional<ConfigValue> ParseText(ConfigType type, std::string_view raw) {
  const std::string text = TrimSpaces(raw);
  switch (type) {
    case ConfigType::kString:
      return ConfigValue(std::string(raw));
    case ConfigType::kInt: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
        return std::nullopt;
      }
      return ConfigValue(v);
    }
    case ConfigType::kBool:
      if (text == "true" || text == "1" || text == "yes" || text == "on") {
        return ConfigValue(true);
      }
      if (text == "false" || text == "0" || text == "no" || text == "off") {
        return ConfigValue(false);
      }
      return std::nullopt;
    case ConfigType::kDouble: {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
        return std::nullopt;
      }
      return ConfigValue(v);
    }
    case ConfigType::kDuration: {
      auto d = ParseDuration(text);
      if (!d) {
        return std::nullopt;
      }
      return ConfigValue(*d);
    }
  }
  return std::nullopt;
}

// Converts a TOML node to the key's type; nullopt on a type mismatch.
std::optional<ConfigValue> FromToml(ConfigType type, const toml::node& node) {
  switch (type) {
    case ConfigType::kString:
      if (auto s = node.value_exact<std::string>()) {
        return ConfigValue(*s);
      }
      return std::nullopt;
    case ConfigType::kInt:
      if (auto i = node.value_exact<std::int64_t>()) {
        return ConfigValue(*i);
      }
      return std::nullopt;
    case ConfigType::kBool:
      if (auto b = node.value_exact<bool>()) {
        return ConfigValue(*b);
      }
      return std::nullopt;
    case ConfigType::kDouble:
      if (auto d = node.value<double>()) {
        return ConfigValue(*d);
      }
      return std::nullopt;
    case ConfigType::kDuration:
      if (auto s = node.value_exact<std::string>()) {
        return ParseText(type, *s);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::string NodeText(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) {
    return Quote(*s);
  }
  std::ostringstream out;
  node.visit([&](auto&& n) { out << n; });
  return out.str();
}

std::string ValueText(const ConfigValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return Quote(x);
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) {
          return Quote(FormatDuration(x));
        } else if constexpr (std::is_same_v<T, double>) {
          std::ostringstream out;
          out << x;
          std::string s = out.str();
          if (s.find_first_of(".eE") == std::string::npos) {
            s += ".0";
          }
          return s;
        } else {
          return std::to_string(x);
        }
      },
      v);
}

double NumericOf(const ConfigValue& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    return static_cast<double>(*i);
  }
  if (auto* d = std::get_if<double>(&v)) {
    return *d;
  }
  if (auto* n = std::get_if<std::chrono::nanoseconds>(&v)) {
    return std::chrono::duration<double>(*n).count();
  }
  return 0;
}

std::optional<std::string> CheckBounds(const ConfigKey& key, const ConfigValue& v) {
  if (key.type == ConfigType::kInt || key.type == ConfigType::kDouble ||
      key.type == ConfigType::kDuration) {
    const double x = NumericOf(v);
    const bool is_duration = key.type == ConfigType::kDuration;
    auto bound = [&](double b) {
      return is_duration ? FormatDuration(std::chrono::nanoseconds(
                               static_cast<std::int64_t>(std::llround(b * 1e9))))
                         : ValueText(key.type == ConfigType::kInt
                                         ? ConfigValue(static_cast<std::int64_t>(b))
                                         : ConfigValue(b));
    };
    if (key.min && x < *key.min) {
      return "must be at least " + bound(*key.min);
    }
    if (key.max && x > *key.max) {
      return "must be at most " + bound(*key.max);
    }
  }
  if (!key.choices.empty()) {
    const auto& s = std::get<std::string>(v);
    if (std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end()) {
      std::string list;
      for (const auto& c : key.choices) {
        list += (list.empty() ? "" : ", ") + c;
      }
      return "must be one of: " + list;
    }
  }
  if (key.validate) {
    return key.validate(v);
  }
  return std::nullopt;
}

// "KEEL_SERVER__MAX_BODY_BYTES" -> "server.max_body_bytes"; nullopt when not a config variable.
std::optional<std::string> KeyFromEnvName(std::string_view name) {
  constexpr std::string_view kPrefix = "KEEL_";
  if (name.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  name.remove_prefix(kPrefix.size());
  if (name.find("__") == std::string_view::npos) {
    return std::nullopt;
  }
  std::string key;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
      key += '.';
      ++i;
    } else {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    }
  }
  return key;
}

void FlattenToml(const toml::table& table, const std::string& prefix,
                 std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, node] : table) {
    std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      FlattenToml(*sub, name, out);
    } else {
      out.emplace_back(std::move(name), &node);
    }
  }
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size()) {
    return Error(ErrorCode::kInvalidArgument, "not a duration");
  }
  double scale = 0;
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else if (unit.empty() && v == 0) {
    scale = 1;
  } else {
    return Error(ErrorCode::kInvalidArgument, "unknown duration unit");
  }
  const double ns = v * scale;
  if (ns > 9.2e18) {
    return Error(ErrorCode::kInvalidArgument, "duration too large");
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  const std::int64_t ns = d.count();
  struct Unit {
    std::int64_t size;
    const char* name;
  };
  constexpr Unit kUnits[] = {{3600'000'000'000, "h"},
                             {60'000'000'000, "m"},
                             {1'000'000'000, "s"},
                             {1'000'000, "ms"},
                             {1'000, "us"}};
  for (const auto& u : kUnits) {
    if (ns != 0 && ns % u.size == 0) {
      return std::to_string(ns / u.size) + u.name;
    }
  }
  return ns == 0 ? "0s" : std::to_string(ns) + "ns";
}

void ConfigSchema::Add(ConfigKey key) {
  KEEL_CHECK(Find(key.name) == nullptr);
  KEEL_CHECK(ParseText(key.type, key.default_value).has_value());
  keys_.push_back(std::move(key));
}

void ConfigSchema::SetDefault(std::string_view name, std::string default_value) {
  auto it =
      std::find_if(keys_.begin(), keys_.end(), [&](const ConfigKey& k) { return k.name == name; });
  KEEL_CHECK(it != keys_.end());
  // The key's bounds and choices were written for the library's default; an application's must
  // meet them too, since defaults are not checked again when a configuration loads.
  const auto value = ParseText(it->type, default_value);
  KEEL_CHECK(value.has_value() && !CheckBounds(*it, *value));
  it->default_value = std::move(default_value);
}

const ConfigKey* ConfigSchema::Find(std::string_view name) const {
  for (const auto& k : keys_) {
    if (k.name == name) {
      return &k;
    }
  }
  return nullptr;
}

std::string ConfigSchema::DescribeMarkdown() const {
  std::string out = "| key | environment | type | default | description |\n|---|---|---|---|---|\n";
  for (const auto& k : keys_) {
    std::string env = "KEEL_";
    for (char c : k.name) {
      env += c == '.' ? std::string("__") : std::string(1, static_cast<char>(std::toupper(c)));
    }
    std::string desc = k.description;
    if (!k.choices.empty()) {
      desc += " One of:";
      for (const auto& c : k.choices) {
        desc += " `" + c + "`";
      }
      desc += ".";
    }
    out += "| `" + k.name + "` | `" + env + "` | " + TypeName(k.type) + " | `" +
           (k.default_value.empty() ? std::string("\"\"") : k.default_value) + "` | " + desc +
           " |\n";
  }
  return out;
}

Result<Config> Config::Load(const ConfigSchema& schema, const ConfigSources& sources) {
  Config config;
  std::vector<std::string> problems;
  for (const auto& key : schema.keys()) {
    config.entries_.emplace(key.name,
                            Entry{key, *ParseText(key.type, key.default_value), "default"});
  }
  auto set = [&](const std::string& name, std::optional<ConfigValue> value, const std::string& raw,
                 const std::string& origin) {
    auto it = config.entries_.find(name);
    if (it == config.entries_.end()) {
      problems.push_back("unknown config key " + name + " (from " + origin + ")");
      return;
    }
    const ConfigKey& key = it->second.key;
    if (!value) {
      problems.push_back(name + ": expected " + TypeName(key.type) + ", got " + raw + " (from " +
                         origin + ")");
      return;
    }
    if (auto why = CheckBounds(key, *value)) {
      problems.push_back(name + ": " + *why + ", got " + raw + " (from " + origin + ")");
      return;
    }
    it->second.value = std::move(*value);
    it->second.origin = origin;
  };

  if (sources.file) {
    toml::table parsed;
    try {
      parsed = toml::parse_file(*sources.file);
    } catch (const toml::parse_error& err) {
      std::ostringstream msg;
      msg << "config file " << *sources.file;
      if (err.source().begin.line > 0) {
        msg << ":" << err.source().begin.line << ":" << err.source().begin.column;
      }
      msg << ": " << err.description();
      return Error(ErrorCode::kInvalidArgument, msg.str());
    }
    std::vector<std::pair<std::string, const toml::node*>> flat;
    FlattenToml(parsed, "", flat);
    for (const auto& [name, node] : flat) {
      const ConfigKey* key = schema.Find(name);
      set(name, key ? FromToml(key->type, *node) : std::nullopt, NodeText(*node),
          "file " + *sources.file);
    }
  }

  std::vector<std::string> env_entries;
  if (sources.environment) {
    env_entries = *sources.environment;
  } else {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      env_entries.emplace_back(*e);
    }
  }
  for (const auto& entry : env_entries) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    const std::string var = entry.substr(0, eq);
    if (auto name = KeyFromEnvName(var)) {
      const std::string raw = entry.substr(eq + 1);
      const ConfigKey* key = schema.Find(*name);
      set(*name, key ? ParseText(key->type, raw) : std::nullopt, Quote(raw), "environment " + var);
    }
  }
  for (const auto& [name, raw] : sources.overrides) {
    const ConfigKey* key = schema.Find(name);
    set(name, key ? ParseText(key->type, raw) : std::nullopt, Quote(raw), "command line");
  }

  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) {
      msg += (msg.empty() ? "" : "\n") + p;
    }
    return Error(ErrorCode::kInvalidArgument, msg);
  }
  return config;
}

const Config::Entry& Config::Get(std::string_view key, ConfigType type) const {
  auto it = entries_.find(key);
  KEEL_CHECK(it != entries_.end());         // reading an undeclared key is a programming error
  KEEL_CHECK(it->second.key.type == type);  // so is reading it as another type
  return it->second;
}

const std::string& Config::GetString(std::string_view key) const {
  return std::get<std::string>(Get(key, ConfigType::kString).value);
}
std::int64_t Config::GetInt(std::string_view key) const {
  return std::get<std::int64_t>(Get(key, ConfigType::kInt).value);
}
bool Config::GetBool(std::string_view key) const {
  return std::get<bool>(Get(key, ConfigType::kBool).value);
}
double Config::GetDouble(std::string_view key) const {
  return std::get<double>(Get(key, ConfigType::kDouble).value);
}
std::chrono::nanoseconds Config::GetDuration(std::string_view key) const {
  return std::get<std::chrono::nanoseconds>(Get(key, ConfigType::kDuration).value);
}

std::string Config::Render() const {
  std::map<std::string, std::vector<const Entry*>> sections;
  for (const auto& [name, entry] : entries_) {
    sections[name.substr(0, name.rfind('.'))].push_back(&entry);
  }
  std::string out;
  for (const auto& [section, entries] : sections) {
    out += (out.empty() ? "[" : "\n[") + section + "]\n";
    for (const Entry* e : entries) {
      const std::string& name = e->key.name;
      const std::string value = e->key.secret ? Quote("********") : ValueText(e->value);
      out += name.substr(name.rfind('.') + 1) + " = " + value + "  # " + e->origin + "\n";
    }
  }
  return out;
}

}  // namespace keel
