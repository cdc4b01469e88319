#include "keel/core/runtime.hpp"

#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <string>
#include <thread>

namespace keel {

namespace {

std::size_t ResolveThreads(std::size_t requested) {
  if (requested > 0) {
    return requested;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

// Re-arming timer that measures how late each tick fires: the loop's scheduling lag.
struct LagProbe : std::enable_shared_from_this<LagProbe> {
  LagProbe(boost::asio::io_context& io, std::chrono::milliseconds interval, Gauge* gauge)
      : timer(io), interval(interval), gauge(gauge) {}
  void Arm() {
    expected = std::chrono::steady_clock::now() + interval;
    timer.expires_at(expected);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) {
        return;
      }
      const auto late = std::chrono::steady_clock::now() - self->expected;
      self->gauge->Set(std::chrono::duration<double>(late).count());
      self->Arm();
    });
  }
  boost::asio::steady_timer timer;
  std::chrono::milliseconds interval;
  Gauge* gauge;
  std::chrono::steady_clock::time_point expected;
};

}  // namespace

Runtime::Runtime(RuntimeSettings settings, MetricSink* sink) : settings_(settings) {
  const std::size_t n = ResolveThreads(settings_.threads);
  contexts_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread, so Asio may skip locking.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
  lag_gauges_.assign(n, nullptr);
  if (sink != nullptr) {
    for (std::size_t i = 0; i < n; ++i) {
      lag_gauges_[i] = &sink->GetGauge("keel_event_loop_lag_seconds",
                                       "How late the I/O loop's last probe timer fired",
                                       {{"thread", std::to_string(i)}});
    }
  }
  signals_ = std::make_unique<boost::asio::signal_set>(*contexts_[0], SIGINT, SIGTERM);
}

Runtime::~Runtime() {
  Stop();
}

void Runtime::OnSignal(std::function<void(int)> callback) {
  on_signal_ = std::move(callback);
  ArmSignals();
}

void Runtime::ArmSignals() {
  signals_->async_wait([this](boost::system::error_code ec, int signo) {
    if (ec) {
      return;
    }
    if (on_signal_) {
      on_signal_(signo);
    }
    ArmSignals();
  });
}

void Runtime::StartLagProbe(std::size_t i) {
  if (lag_gauges_[i] == nullptr) {
    return;
  }
  std::make_shared<LagProbe>(*contexts_[i], settings_.lag_probe_interval, lag_gauges_[i])->Arm();
}

void Runtime::Run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    StartLagProbe(i);
  }
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([this, i] {
      auto guard = boost::asio::make_work_guard(*contexts_[i]);
      contexts_[i]->run();
    });
  }
  {
    auto guard = boost::asio::make_work_guard(*contexts_[0]);
    contexts_[0]->run();
  }
  for (auto& t : threads) {
    t.join();
  }
}

void Runtime::Stop() noexcept {
  for (auto& c : contexts_) {
    c->stop();
  }
}

}  // namespace keel
