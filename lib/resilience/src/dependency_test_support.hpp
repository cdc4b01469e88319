// dependency_test_support.hpp — helpers for the client-side resilience tests (test-only).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keel/core/metrics.hpp"

namespace keel::resilience::testing {

// A sink whose metrics the test can read back by name and labels.
class RecordingSink final : public MetricSink {
 public:
  Counter& GetCounter(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(counters_, name, l);
  }
  Gauge& GetGauge(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(gauges_, name, l);
  }
  Histogram& GetHistogram(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(histograms_, name, l);
  }
  std::uint64_t Count(std::string_view name, const MetricLabels& l) {
    return GetCounter(name, "", l).Value();
  }
  double GaugeValue(std::string_view name, const MetricLabels& l) {
    return GetGauge(name, "", l).Value();
  }

 private:
  template <typename M>
  static M& Get(std::map<std::string, std::unique_ptr<M>>& map, std::string_view name,
                const MetricLabels& labels) {
    std::string key(name);
    for (const auto& [k, v] : labels) {
      key += "|" + k + "=" + v;
    }
    auto& slot = map[key];
    if (!slot) {
      slot = std::make_unique<M>();
    }
    return *slot;
  }
  std::map<std::string, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

// A co_spawn completion that lets a coroutine's exception escape run_one() (and fail the test).
inline constexpr auto kRethrow = [](std::exception_ptr e) {
  if (e) {
    std::rethrow_exception(e);
  }
};

// Runs `op` on `io` until it completes; returns its value.
template <typename T>
T RunToCompletion(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  io.restart();  // an io_context stops whenever it runs out of work
  boost::asio::co_spawn(
      io,
      [&out, op = std::move(op)]() mutable -> boost::asio::awaitable<void> {
        out.emplace(co_await std::move(op));
      },
      kRethrow);
  while (!out && io.run_one() > 0) {
  }
  return std::move(out).value();  // throws (fails the test) if the io_context ran dry
}

// A loopback HTTP upstream answering each request with what `script` returns (the raw response;
// empty: never answer until the client closes). Bodies are read by Content-Length.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(boost::asio::io_context& io)
      : acceptor_(io, {boost::asio::ip::address_v4::loopback(), 0}) {
    boost::asio::co_spawn(io, Accept(), boost::asio::detached);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::function<std::string(const std::string& request)> script = [](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  };
  std::chrono::milliseconds delay{0};
  std::vector<std::string> requests;

 private:
  static constexpr auto kAwait = boost::asio::as_tuple(boost::asio::use_awaitable);
  boost::asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
      if (ec) {
        co_return;
      }
      boost::asio::co_spawn(acceptor_.get_executor(), Serve(std::move(socket)),
                            boost::asio::detached);
    }
  }
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket) {
    std::string buffer;
    for (;;) {
      auto [ec, n] = co_await boost::asio::async_read_until(
          socket, boost::asio::dynamic_buffer(buffer), "\r\n\r\n", kAwait);
      if (ec) {
        co_return;
      }
      std::string request = buffer.substr(0, n);
      buffer.erase(0, n);
      if (auto cl = request.find("Content-Length: "); cl != std::string::npos) {
        const auto len = std::stoul(request.substr(cl + 16));
        while (buffer.size() < len) {
          char tmp[512];
          auto [rec, got] = co_await socket.async_read_some(boost::asio::buffer(tmp), kAwait);
          if (rec) {
            co_return;
          }
          buffer.append(tmp, got);
        }
        request += buffer.substr(0, len);
        buffer.erase(0, len);
      }
      requests.push_back(request);
      const std::string reply = script(request);
      if (delay.count() > 0) {
        boost::asio::steady_timer t(socket.get_executor(), delay);
        co_await t.async_wait(kAwait);
      }
      if (reply.empty()) {
        char tmp[16];
        co_await socket.async_read_some(boost::asio::buffer(tmp), kAwait);
        co_return;
      }
      co_await boost::asio::async_write(socket, boost::asio::buffer(reply), kAwait);
    }
  }
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace keel::resilience::testing
