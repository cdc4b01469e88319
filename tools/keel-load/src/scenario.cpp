#include "scenario.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

namespace keel::load {

namespace {

Error KeyError(std::string_view key, std::string_view message) {
  return Error(ErrorCode::kInvalidArgument, std::string(key) + ": " + std::string(message));
}

bool IsToken(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != kSpecials.npos;
  });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Result<void> CheckKeys(const toml::table& t, std::string_view where,
                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, node] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      const std::string full = where.empty() ? std::string(key.str())
                                             : std::string(where) + "." + std::string(key.str());
      return KeyError(full, "unknown key");
    }
  }
  return {};
}

// The string at key, nullopt when absent, an error when it is not a string.
Result<std::optional<std::string>> OptString(const toml::table& t, std::string_view where,
                                             std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return std::optional<std::string>();
  }
  if (auto s = n->value_exact<std::string>()) {
    return std::optional<std::string>(*s);
  }
  return KeyError(std::string(where) + "." + std::string(key), "must be a string");
}

Result<std::optional<int64_t>> OptInt(const toml::table& t, std::string_view where,
                                      std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return std::optional<int64_t>();
  }
  if (auto i = n->value_exact<int64_t>()) {
    return std::optional<int64_t>(*i);
  }
  return KeyError(std::string(where) + "." + std::string(key), "must be an integer");
}

Result<std::optional<double>> OptNumber(const toml::table& t, std::string_view where,
                                        std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return std::optional<double>();
  }
  if (n->is_number()) {
    return std::optional<double>(n->value<double>().value_or(0.0));
  }
  return KeyError(std::string(where) + "." + std::string(key), "must be a number");
}

Result<VarSpec> ParseVar(std::string name, const toml::node& node) {
  const std::string where = "vars." + name;
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    return KeyError(where, "must be a table");
  }
  if (auto ok = CheckKeys(*t, where, {"dist", "lo", "hi", "s", "values"}); !ok) {
    return std::move(ok).error();
  }
  VarSpec v;
  v.name = std::move(name);
  auto dist = OptString(*t, where, "dist");
  if (!dist) {
    return std::move(dist).error();
  }
  const std::string kind = dist->value_or("");
  if (kind == "choice") {
    v.kind = VarKind::kChoice;
    const toml::array* values = t->get_as<toml::array>("values");
    if (values == nullptr || values->empty()) {
      return KeyError(where + ".values", "choice needs a non-empty array of strings");
    }
    for (const auto& value : *values) {
      auto s = value.value_exact<std::string>();
      if (!s || s->find_first_of("\r\n") != std::string::npos) {
        return KeyError(where + ".values", "must be strings without CR or LF");
      }
      v.values.push_back(*s);
    }
    return v;
  }
  if (kind != "uniform" && kind != "zipf") {
    return KeyError(where + ".dist", "must be \"uniform\", \"zipf\" or \"choice\"");
  }
  v.kind = kind == "zipf" ? VarKind::kZipf : VarKind::kUniform;
  auto lo = OptInt(*t, where, "lo");
  auto hi = OptInt(*t, where, "hi");
  auto s = OptNumber(*t, where, "s");
  if (!lo || !hi || !s) {
    return !lo ? std::move(lo).error() : !hi ? std::move(hi).error() : std::move(s).error();
  }
  if (!lo->has_value() || !hi->has_value()) {
    return KeyError(where + (lo->has_value() ? ".hi" : ".lo"), "required integer is missing");
  }
  v.lo = **lo;
  v.hi = **hi;
  if (v.lo > v.hi) {
    return KeyError(where + ".hi", "must be >= lo");
  }
  v.s = s->value_or(1.0);
  if (v.kind == VarKind::kZipf && !(v.s > 0 && v.s < 100)) {
    return KeyError(where + ".s", "must be in (0, 100)");
  }
  return v;
}

Result<std::vector<HeaderTemplate>> ParseHeaders(const toml::node* node, std::string_view where,
                                                 const std::vector<std::string>& var_names) {
  std::vector<HeaderTemplate> out;
  if (node == nullptr) {
    return out;
  }
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    return KeyError(where, "must be a table of \"Name\" = \"value\"");
  }
  for (const auto& [key, value] : *t) {
    const std::string name(key.str());
    const std::string full = std::string(where) + "." + name;
    auto text = value.value_exact<std::string>();
    if (!IsToken(name)) {
      return KeyError(full, "not a valid header name");
    }
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
        EqualsIgnoreCase(name, "connection")) {
      return KeyError(full, "set by keel-load itself");
    }
    if (!text || text->find_first_of("\r\n") != std::string::npos) {
      return KeyError(full, "must be a string without CR or LF");
    }
    auto compiled = Template::Compile(*text, var_names);
    if (!compiled) {
      return KeyError(full, compiled.error().message());
    }
    out.push_back({name, std::move(compiled).value()});
  }
  return out;
}

// Per-type headers replace global headers of the same name (case-insensitively).
std::vector<HeaderTemplate> MergeHeaders(const std::vector<HeaderTemplate>& global,
                                         std::vector<HeaderTemplate> own) {
  for (const auto& g : global) {
    const bool overridden = std::any_of(own.begin(), own.end(), [&](const HeaderTemplate& h) {
      return EqualsIgnoreCase(h.name, g.name);
    });
    if (!overridden) {
      own.push_back(g);
    }
  }
  return own;
}

struct Context {
  const Target& target;
  const std::vector<std::string>& var_names;
  const std::vector<HeaderTemplate>& global_headers;
};

Result<RequestType> ParseRequest(std::size_t index, const toml::node& node, const Context& ctx) {
  const std::string where = "requests[" + std::to_string(index + 1) + "]";
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    return KeyError(where, "must be a table ([[requests]])");
  }
  if (auto ok = CheckKeys(*t, where, {"name", "weight", "method", "path", "headers", "body"});
      !ok) {
    return std::move(ok).error();
  }
  auto name = OptString(*t, where, "name");
  auto method = OptString(*t, where, "method");
  auto path = OptString(*t, where, "path");
  auto body = OptString(*t, where, "body");
  auto weight = OptNumber(*t, where, "weight");
  for (auto* r : {&name, &method, &path, &body}) {
    if (!*r) {
      return std::move(*r).error();
    }
  }
  if (!weight) {
    return std::move(weight).error();
  }
  RequestType rt;
  if (!path->has_value()) {
    return KeyError(where + ".path", "required string is missing");
  }
  if (!(*path)->starts_with('/') || (*path)->find_first_of(" \r\n") != std::string::npos) {
    return KeyError(where + ".path", "must start with '/' and contain no space, CR or LF");
  }
  rt.name = name->value_or(**path);
  rt.method = method->value_or("GET");
  if (!IsToken(rt.method)) {
    return KeyError(where + ".method", "not a valid HTTP method");
  }
  rt.weight = weight->value_or(1.0);
  if (!(rt.weight > 0)) {
    return KeyError(where + ".weight", "must be > 0");
  }
  auto target = Template::Compile(**path, ctx.var_names);
  if (!target) {
    return KeyError(where + ".path", target.error().message());
  }
  rt.target = std::move(target).value();
  rt.target.Prepend(ctx.target.base_path);
  auto headers = ParseHeaders(t->get("headers"), where + ".headers", ctx.var_names);
  if (!headers) {
    return std::move(headers).error();
  }
  rt.headers = MergeHeaders(ctx.global_headers, std::move(headers).value());
  if (body->has_value()) {
    auto compiled = Template::Compile(**body, ctx.var_names);
    if (!compiled) {
      return KeyError(where + ".body", compiled.error().message());
    }
    rt.has_body = true;
    rt.body = std::move(compiled).value();
  }
  return rt;
}

Result<std::vector<VarSpec>> ParseVars(const toml::table& root) {
  std::vector<VarSpec> vars;
  const toml::node* node = root.get("vars");
  if (node == nullptr) {
    return vars;
  }
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    return KeyError("vars", "must be a table of [vars.NAME] tables");
  }
  for (const auto& [key, value] : *t) {
    const std::string name(key.str());
    if (name == "uuid" || name == "seq") {
      return KeyError("vars." + name, "is a built-in placeholder");
    }
    auto v = ParseVar(name, value);
    if (!v) {
      return std::move(v).error();
    }
    vars.push_back(std::move(v).value());
  }
  return vars;
}

Result<std::vector<RequestType>> ParseRequests(const toml::table& root, const Context& ctx) {
  const toml::array* requests = root.get_as<toml::array>("requests");
  if (requests == nullptr || requests->empty()) {
    return KeyError("requests", "at least one [[requests]] table is required");
  }
  std::vector<RequestType> out;
  for (std::size_t i = 0; i < requests->size(); ++i) {
    auto rt = ParseRequest(i, *requests->get(i), ctx);
    if (!rt) {
      return std::move(rt).error();
    }
    for (const auto& other : out) {
      if (other.name == rt->name) {
        return KeyError("requests[" + std::to_string(i + 1) + "].name",
                        "duplicate name \"" + rt->name + "\"");
      }
    }
    out.push_back(std::move(rt).value());
  }
  return out;
}

Result<Scenario> ParseRoot(const toml::table& root) {
  if (auto ok = CheckKeys(root, "", {"base_url", "headers", "vars", "requests"}); !ok) {
    return std::move(ok).error();
  }
  auto base = OptString(root, "", "base_url");
  if (!base || !base->has_value()) {
    return KeyError("base_url", "required string is missing");
  }
  auto target = ParseBaseUrl(**base);
  if (!target) {
    return KeyError("base_url", target.error().message());
  }
  Scenario sc;
  sc.target = std::move(target).value();
  auto vars = ParseVars(root);
  if (!vars) {
    return std::move(vars).error();
  }
  sc.vars = std::move(vars).value();
  std::vector<std::string> var_names;
  for (const auto& v : sc.vars) {
    var_names.push_back(v.name);
  }
  auto global = ParseHeaders(root.get("headers"), "headers", var_names);
  if (!global) {
    return std::move(global).error();
  }
  auto requests = ParseRequests(root, Context{sc.target, var_names, *global});
  if (!requests) {
    return std::move(requests).error();
  }
  sc.requests = std::move(requests).value();
  return sc;
}

}  // namespace

Result<Target> ParseBaseUrl(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument, "not a valid URL: " + std::string(url));
  }
  const auto& u = *parsed;
  if (u.scheme() != "http") {
    return Error(ErrorCode::kInvalidArgument, "only http:// URLs are supported");
  }
  if (u.has_userinfo() || u.has_fragment() || u.encoded_host().empty()) {
    return Error(ErrorCode::kInvalidArgument, "expected http://HOST[:PORT][/PATH]");
  }
  Target t;
  t.url = std::string(url);
  t.host = u.host_address();
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : "80";
  t.host_header = std::string(u.encoded_host_and_port());
  t.base_path = std::string(u.encoded_path());
  if (u.has_query()) {
    t.base_path += "?" + std::string(u.encoded_query());
  }
  t.path = t.base_path.empty() ? "/" : t.base_path;
  while (!t.base_path.empty() && t.base_path.back() == '/') {
    t.base_path.pop_back();
  }
  return t;
}

Result<Scenario> ParseScenario(std::string_view toml_text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& err) {
    std::ostringstream msg;
    msg << source << ":" << err.source().begin.line << ":" << err.source().begin.column << ": "
        << err.description();
    return Error(ErrorCode::kInvalidArgument, msg.str());
  }
  auto sc = ParseRoot(root);
  if (!sc) {
    return Error(ErrorCode::kInvalidArgument, std::string(source) + ": " + sc.error().message());
  }
  return sc;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument, path + ": cannot open the scenario file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path);
}

Result<Scenario> ScenarioFromUrl(std::string_view url, std::string_view method,
                                 const std::vector<std::string>& headers, std::string_view body) {
  auto target = ParseBaseUrl(url);
  if (!target) {
    return std::move(target).error();
  }
  Scenario sc;
  sc.target = std::move(target).value();
  RequestType rt;
  rt.method = std::string(method);
  if (!IsToken(rt.method)) {
    return KeyError("--method", "not a valid HTTP method");
  }
  // The whole path and query of the URL is the request target.
  rt.name = sc.target.path.substr(0, 40);
  auto path = Template::Compile(sc.target.path, {});
  if (!path) {
    return KeyError("URL", path.error().message());
  }
  rt.target = std::move(path).value();
  sc.target.base_path.clear();
  for (const auto& h : headers) {
    const auto colon = h.find(':');
    const std::string name = h.substr(0, colon);
    std::string_view value =
        colon == std::string::npos ? "" : std::string_view(h).substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    if (colon == std::string::npos || !IsToken(name) || EqualsIgnoreCase(name, "content-length") ||
        EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "transfer-encoding")) {
      return KeyError("--header", "expected \"Name: value\" (not Content-Length/Connection): " + h);
    }
    auto compiled = Template::Compile(value, {});
    if (!compiled) {
      return KeyError("--header", compiled.error().message());
    }
    rt.headers.push_back({name, std::move(compiled).value()});
  }
  if (!body.empty()) {
    auto compiled = Template::Compile(body, {});
    if (!compiled) {
      return KeyError("--body", compiled.error().message());
    }
    rt.has_body = true;
    rt.body = std::move(compiled).value();
  }
  sc.requests.push_back(std::move(rt));
  return sc;
}

}  // namespace keel::load
