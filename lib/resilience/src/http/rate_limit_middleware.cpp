#include "keel/resilience/http/rate_limit_middleware.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <span>

#include "keel/core/json_string.hpp"
#include "keel/http/problem.hpp"
#include "keel/http/router.hpp"
#include "keel/resilience/ratelimit_headers.hpp"

namespace keel::resilience {

namespace asio = boost::asio;

struct RateLimitMiddleware::Rule {
  RateLimitRule rule;
  Counter* rejections = nullptr;
  std::string policy_item;  // this policy's RateLimit-Policy list member, formatted once
};

struct RateLimitMiddleware::Checked {
  const Rule* rule = nullptr;
  std::optional<RateDecision> decision;  // nullopt: the limiter failed (let through)
};

namespace {

constexpr std::string_view kQuotaExceeded =
    "https://iana.org/assignments/http-problem-types#quota-exceeded";
constexpr std::size_t kMaxKeyBytes = 64;

// A bucket key, built without allocating: a kind byte, then the IP's 16 bytes or the API key
// (hashed when longer than 64 bytes, so a huge header cannot make a huge table entry).
class KeyBuffer {
 public:
  std::string_view Set(char kind, std::string_view value) noexcept {
    buf_[0] = kind;
    if (!value.empty()) {  // the global key's empty view has a null data(): memcpy would be UB
      std::memcpy(buf_.data() + 1, value.data(), value.size());
    }
    return {buf_.data(), value.size() + 1};
  }
  std::string_view SetHashed(std::string_view value) noexcept {
    const std::size_t h = std::hash<std::string_view>{}(value);
    char bytes[sizeof h];
    std::memcpy(bytes, &h, sizeof h);
    return Set('h', std::string_view(bytes, sizeof h));
  }

 private:
  std::array<char, kMaxKeyBytes + 1> buf_{};
};

std::optional<IpAddress> RequestClientIp(const http::Request& request,
                                         const ClientIpSettings& settings) {
  if (settings.trusted_proxies.empty()) {
    return IpAddress::Parse(request.remote_address());
  }
  // The last few fields of the header (a proxy appends to the last one); a chain longer than
  // this behind trusted proxies is not plausible.
  std::array<std::string_view, 8> values;
  std::size_t count = 0;
  const std::string_view name = ForwardedHeaderName(settings.header);
  for (const auto& field : request.headers()) {
    if (http::EqualsIgnoreCase(field.name, name)) {
      values[count++ % values.size()] = field.value;
    }
  }
  if (count > values.size()) {
    std::rotate(values.begin(), values.begin() + count % values.size(), values.end());
    count = values.size();
  }
  return ClientIp(request.remote_address(), std::span(values.data(), count), settings);
}

std::string_view IpKey(const http::Request& request, const ClientIpSettings& settings,
                       KeyBuffer& buf) {
  const auto ip = RequestClientIp(request, settings);
  if (!ip) {
    return buf.Set('p', request.remote_address().substr(0, kMaxKeyBytes));
  }
  const auto& bytes = ip->bytes();
  return buf.Set('i', std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

RateLimitMiddleware::RateLimitMiddleware(RateLimitMiddlewareSettings settings,
                                         std::shared_ptr<const Clock> clock, MetricSink& sink)
    : clock_(std::move(clock)),
      client_ip_(std::move(settings.client_ip)),
      subject_(std::move(settings.subject)) {
  auto make = [&sink](RateLimitRule rule) {
    auto r = std::make_unique<Rule>();
    r->rejections = &sink.GetCounter("keel_ratelimit_rejections_total",
                                     "Requests refused with 429 by a rate-limit policy",
                                     {{"policy", rule.policy.name}});
    AppendRateLimitPolicy(r->policy_item, rule.policy.name, rule.policy.quota);
    r->rule = std::move(rule);
    return r;
  };
  for (auto& rule : settings.rules) {
    rules_.push_back(make(std::move(rule)));
    by_route_[rules_.back()->rule.policy.route].push_back(rules_.back().get());
  }
  if (settings.global) {
    global_ = make(std::move(*settings.global));
  }
}

RateLimitMiddleware::~RateLimitMiddleware() = default;

const RateLimitMiddleware::Rule* RateLimitMiddleware::FindRule(std::string_view method,
                                                               std::string_view route) const {
  const auto it = by_route_.find(route);
  if (it == by_route_.end()) {
    return nullptr;
  }
  for (const Rule* r : it->second) {
    const std::string& m = r->rule.policy.method;
    if (m == "*" || m == method || (method == "HEAD" && m == "GET")) {
      return r;
    }
  }
  return nullptr;
}

asio::awaitable<http::Response> RateLimitMiddleware::Handle(http::Request& request,
                                                            http::RequestContext& context,
                                                            http::Next next) {
  const http::RouteOptions* route = context.route_options();
  std::array<Checked, 2> checked;
  std::size_t n = 0;
  if (route != nullptr && !route->admin) {
    if (const Rule* r = FindRule(request.method_text(), context.route())) {
      checked[n++].rule = r;
    }
    if (global_) {
      checked[n++].rule = global_.get();
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const RatePolicy& policy = checked[i].rule->rule.policy;
    KeyBuffer buf;
    std::string_view key;
    std::optional<std::string_view> id;
    if (policy.key == RateKey::kSubject && subject_) {
      id = subject_(request, context);
    } else if (policy.key == RateKey::kApiKey || policy.key == RateKey::kSubject) {
      id = request.Header("x-api-key");
    }
    if (policy.key == RateKey::kGlobal) {
      key = buf.Set('g', {});
    } else if (id && !id->empty()) {
      key = id->size() <= kMaxKeyBytes ? buf.Set('k', *id) : buf.SetHashed(*id);
    } else {
      key = IpKey(request, client_ip_, buf);
    }
    auto decision = co_await checked[i].rule->rule.limiter->Acquire(key, 1, context.deadline());
    if (!decision) {
      continue;  // fail open
    }
    checked[i].decision = *decision;
    if (!decision->allowed) {
      checked[i].rule->rejections->Add();
      co_return TooManyRequests(checked.data(), i + 1, context.request_id());
    }
  }
  http::Response response = co_await next(request, context);
  AddFields(response, checked.data(), n);
  co_return response;
}

http::Response RateLimitMiddleware::TooManyRequests(const Checked* checked, std::size_t n,
                                                    std::string_view request_id) const {
  const Checked& refused = checked[n - 1];
  const RateDecision& d = *refused.decision;
  const std::string& name = refused.rule->rule.policy.name;
  const std::int64_t retry =
      std::max<std::int64_t>(1, CeilSeconds(d.retry_after.value_or(d.reset_after)));
  http::Problem problem{.status = 429,
                        .detail = "the rate limit \"" + name + "\" is exceeded; retry in " +
                                  std::to_string(retry) + " s",
                        .type = std::string(kQuotaExceeded),
                        .title = "Request cannot be satisfied as assigned quota has been exceeded"};
  http::Response response = http::ProblemResponse(problem, request_id);
  // RFC 9457 extension member of the quota-exceeded type.
  std::string& body = response.mutable_body();
  body.pop_back();
  body += ",\"violated-policies\":[";
  AppendJsonString(body, name);
  body += "]}";
  response.SetHeader("Retry-After", std::to_string(retry));
  AddFields(response, checked, n);
  return response;
}

void RateLimitMiddleware::AddFields(http::Response& response, const Checked* checked,
                                    std::size_t n) {
  std::string policy_field, limit_field;
  for (std::size_t i = 0; i < n; ++i) {
    if (checked[i].decision) {
      policy_field += (policy_field.empty() ? "" : ", ") + checked[i].rule->policy_item;
      AppendRateLimit(limit_field, checked[i].rule->rule.policy.name, *checked[i].decision);
    }
  }
  if (!policy_field.empty()) {
    response.SetHeader("RateLimit-Policy", policy_field);
    response.SetHeader("RateLimit", limit_field);
  }
}

}  // namespace keel::resilience
