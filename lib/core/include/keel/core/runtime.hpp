// keel/core/runtime.hpp — the I/O threads: one io_context per thread, shared nothing.
//
// A Runtime owns N io_contexts, each run by exactly one thread (default: one per core). A
// connection and all of its requests live on one context, so the request path needs no locks.
// Signals (SIGINT, SIGTERM) are delivered to a callback on context 0.
//
//   keel::Runtime rt({.threads = 0});          // 0 = one per core
//   rt.OnSignal([&](int) { server.Drain(); });
//   rt.Run();                                   // returns after Stop()
//
// Thread safety: Stop() and Context() may be called from any thread; Run() once, from one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "keel/core/metrics.hpp"

namespace keel {

struct RuntimeSettings {
  std::size_t threads = 0;  // 0 = std::thread::hardware_concurrency()
  // How often each loop measures its own lag (time a posted timer fires late).
  std::chrono::milliseconds lag_probe_interval{250};
};

class Runtime {
 public:
  explicit Runtime(RuntimeSettings settings, MetricSink* sink = nullptr);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return contexts_.size(); }
  [[nodiscard]] boost::asio::io_context& Context(std::size_t i) noexcept { return *contexts_[i]; }

  // Called on context 0 for each SIGINT/SIGTERM received while running.
  void OnSignal(std::function<void(int)> callback);

  // Runs every context (context 0 on the calling thread) until Stop(); joins the others.
  void Run();
  void Stop() noexcept;

 private:
  void StartLagProbe(std::size_t i);
  void ArmSignals();

  RuntimeSettings settings_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Gauge*> lag_gauges_;
  std::unique_ptr<boost::asio::signal_set> signals_;
  std::function<void(int)> on_signal_;
};

}  // namespace keel
