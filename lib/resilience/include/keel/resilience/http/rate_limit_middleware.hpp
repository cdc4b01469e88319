// keel/resilience/http/rate_limit_middleware.hpp — per-client rate limits as a Middleware.
//
// For a business request (routes marked `admin` pass untouched) it takes one unit from the
// policy of the matched route (by method and route template) and from the global policy, each
// keyed as the policy says: the client IP (the socket peer, or the forwarding chain behind a
// trusted proxy, see client_ip.hpp), the X-Api-Key header (the IP without one), the
// authenticated subject (the `subject` hook; by default the API key), or one global bucket.
// Over a quota: 429 problem+json (type quota-exceeded, with "violated-policies"), Retry-After,
// and the IETF RateLimit-Policy / RateLimit fields; within it the same fields are added to the
// response. A limiter that fails (a shared store down) lets the request through: a limiter
// outage must not become an outage of the API. A request the route policy admitted and the
// global policy refused has still spent its route unit (the route check is first).
//
//   auto limiter = std::make_shared<keel::resilience::LocalRateLimiter>(quota, {}, *clock);
//   keel::resilience::RateLimitMiddlewareSettings s;
//   s.rules.push_back({.policy = policy, .limiter = limiter});
//   router.Use(std::make_shared<keel::resilience::RateLimitMiddleware>(std::move(s), clock, sink));
//
// Thread safety: one instance serves every I/O thread; the limiters synchronise themselves.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/http/handler.hpp"
#include "keel/resilience/client_ip.hpp"
#include "keel/resilience/rate_limiter.hpp"
#include "keel/resilience/rate_policy.hpp"

namespace keel::resilience {

struct RateLimitRule {
  RatePolicy policy;  // for the global rule only the name, quota and key are used
  std::shared_ptr<RateLimiter> limiter;
};

// The authenticated subject of a request, for key=subject policies (nullopt: anonymous, keyed by
// IP). An auth module supplies one that reads what its verification established.
using SubjectFunction = std::function<std::optional<std::string_view>(const http::Request&,
                                                                      const http::RequestContext&)>;

struct RateLimitMiddlewareSettings {
  std::vector<RateLimitRule> rules;     // per route
  std::optional<RateLimitRule> global;  // over every business route
  ClientIpSettings client_ip;
  SubjectFunction subject;  // null: the API key
};

class RateLimitMiddleware final : public http::Middleware {
 public:
  // `clock` is the one the limiters were built with (kept alive with them); `sink` must outlive
  // the middleware.
  RateLimitMiddleware(RateLimitMiddlewareSettings settings, std::shared_ptr<const Clock> clock,
                      MetricSink& sink);
  ~RateLimitMiddleware() override;

  boost::asio::awaitable<http::Response> Handle(http::Request& request,
                                                http::RequestContext& context,
                                                http::Next next) override;

 private:
  struct Rule;
  struct Checked;
  [[nodiscard]] const Rule* FindRule(std::string_view method, std::string_view route) const;
  [[nodiscard]] http::Response TooManyRequests(const Checked* checked, std::size_t n,
                                               std::string_view request_id) const;
  static void AddFields(http::Response& response, const Checked* checked, std::size_t n);

  std::shared_ptr<const Clock> clock_;
  ClientIpSettings client_ip_;
  SubjectFunction subject_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::unique_ptr<Rule> global_;
  std::unordered_map<std::string_view, std::vector<const Rule*>> by_route_;
};

}  // namespace keel::resilience
