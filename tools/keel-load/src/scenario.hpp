// scenario.hpp — what keel-load sends: the target and a weighted mix of request types.
//
// A scenario comes from a TOML file (format in docs/keel-load.md, examples in
// tools/keel-load/examples/) or, for a quick run, from a single URL on the command line:
//
//   base_url = "http://127.0.0.1:8080"
//   [vars.id]
//   dist = "zipf"   lo = 1   hi = 10000   s = 1.1
//   [[requests]]
//   name = "read"   weight = 90   path = "/v1/products/{id}"
//
// Every error names the offending key ("requests[2].path: must start with '/'"), and unknown
// keys are errors, so a typo never silently changes a benchmark.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"
#include "template.hpp"
#include "vars.hpp"

namespace keel::load {

struct Target {
  std::string url;          // as given, for reports
  std::string host;         // to resolve and connect to
  std::string port;         // "80" when the URL has none
  std::string host_header;  // host[:port], sent as Host
  std::string base_path;    // path prefix without a trailing '/', prepended to every path
  std::string path;         // the URL's own path and query ("/" when empty), for `keel-load URL`
};

struct HeaderTemplate {
  std::string name;
  Template value;
};

struct RequestType {
  std::string name;  // in reports
  double weight = 1.0;
  std::string method = "GET";
  Template target;  // base path + path, with placeholders
  std::vector<HeaderTemplate> headers;
  bool has_body = false;
  Template body;
};

struct Scenario {
  Target target;
  std::vector<VarSpec> vars;
  std::vector<RequestType> requests;
};

// Parses an http:// URL (no TLS, no userinfo, no fragment) into a Target.
[[nodiscard]] Result<Target> ParseBaseUrl(std::string_view url);

// Parses scenario TOML; `source` names it in error messages.
[[nodiscard]] Result<Scenario> ParseScenario(std::string_view toml_text, std::string_view source);
[[nodiscard]] Result<Scenario> LoadScenarioFile(const std::string& path);

// The single-request scenario of `keel-load URL`: one type named after the URL's path; the
// path, headers ("Name: value") and body may use {uuid} and {seq}.
[[nodiscard]] Result<Scenario> ScenarioFromUrl(std::string_view url, std::string_view method,
                                               const std::vector<std::string>& headers,
                                               std::string_view body);

}  // namespace keel::load
