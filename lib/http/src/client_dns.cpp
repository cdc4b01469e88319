#include "client_dns.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>

#include "keel/core/with_deadline.hpp"

namespace keel::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

DnsCache::DnsCache(Origin origin, std::chrono::nanoseconds ttl)
    : origin_(std::move(origin)), ttl_(ttl) {
  boost::system::error_code ec;
  std::string host = origin_.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    fixed_.emplace_back(address, origin_.port);
  } else if (host == "localhost") {
    fixed_.emplace_back(asio::ip::address_v4::loopback(), origin_.port);
  }
}

void DnsCache::Invalidate() {
  std::lock_guard lock(mu_);
  cached_.clear();
}

asio::awaitable<Result<DnsCache::Endpoints>> DnsCache::Resolve(Deadline deadline) {
  if (!fixed_.empty()) {
    co_return fixed_;
  }
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (!cached_.empty() && now < expires_) {
      co_return cached_;
    }
  }
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto raced = co_await WithDeadline(
      deadline, resolver.async_resolve(origin_.host, std::to_string(origin_.port),
                                       asio::as_tuple(asio::use_awaitable)));
  if (!raced) {
    co_return std::move(raced).error();
  }
  auto [ec, results] = std::move(raced).value();
  if (ec == asio::error::operation_aborted) {
    co_return Error(ErrorCode::kCancelled, "name resolution cancelled");
  }
  if (ec || results.empty()) {
    co_return Error(ErrorCode::kUnavailable,
                    "cannot resolve '" + origin_.host + "': " + ec.message());
  }
  Endpoints endpoints;
  for (const auto& entry : results) {
    endpoints.push_back(entry.endpoint());
  }
  std::lock_guard lock(mu_);
  cached_ = endpoints;
  expires_ = now + ttl_;
  co_return endpoints;
}

}  // namespace keel::http
