// Test helpers for keel::cache: running coroutines to the end, a fixed random source, a Zipf
// trace for hit-rate comparisons.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "keel/cache/random.hpp"

namespace keel::cache::testing {

// Starts `aw` on `io`; the returned slot is filled when it finishes (drive `io` meanwhile).
template <typename T>
std::shared_ptr<std::optional<T>> Spawn(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto out = std::make_shared<std::optional<T>>();
  boost::asio::co_spawn(
      io,
      [out, aw = std::move(aw)]() mutable -> boost::asio::awaitable<void> {
        out->emplace(co_await std::move(aw));
      },
      boost::asio::detached);
  return out;
}

// Runs `io` until `done()` or `limit` passes; false on timeout.
template <typename Pred>
bool RunUntil(boost::asio::io_context& io, Pred done,
              std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs `aw` to completion on `io` and returns its value.
template <typename T>
T Await(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto slot = Spawn(io, std::move(aw));
  if (!RunUntil(io, [&] { return slot->has_value(); })) {
    std::fprintf(stderr, "Await: the coroutine did not finish within 5 s\n");
    std::abort();
  }
  return std::move(**slot);
}

// Always returns the same draw (XFetch tests).
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  [[nodiscard]] double NextUnit() noexcept override { return value_; }
  void set(double v) noexcept { value_ = v; }

 private:
  double value_;
};

// Zipf(s) ranks over n keys, deterministic for a seed.
inline std::vector<std::uint64_t> ZipfKeys(std::size_t n, double s, std::size_t length,
                                           std::uint64_t seed) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
    cdf[k] = sum;
  }
  SplitMixRandom random(seed);
  std::vector<std::uint64_t> keys(length);
  for (auto& key : keys) {
    const double u = random.NextUnit() * sum;
    key = static_cast<std::uint64_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  }
  return keys;
}

}  // namespace keel::cache::testing
