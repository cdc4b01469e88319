// keel/cache/xfetch.hpp — probabilistic early expiration (Vattani, Chierichetti, Lowenstein,
// "Optimal Probabilistic Cache Stampede Prevention", PVLDB 8(8), 2015).
//
// A reader refreshes a still-fresh value early when
//     now - delta * beta * ln(rand()) >= expiry,     rand() uniform in (0, 1]
// where delta is how long the value took to compute. -ln(rand()) is exponential with mean 1, so
// the chance grows smoothly as expiry nears and with the cost of a recompute: a hot key is
// refreshed by one reader shortly before it expires instead of by a stampede after. beta = 1 is
// the paper's optimum; > 1 refreshes earlier, 0 disables.
//
//   if (XFetchShouldRefresh(now, entry.fresh_until, entry.load_time, 1.0, random.NextUnit())) {...}
//
// Thread safety: a pure function.
#pragma once

#include <chrono>
#include <cmath>

#include "keel/core/clock.hpp"

namespace keel::cache {

[[nodiscard]] inline bool XFetchShouldRefresh(TimePoint now, TimePoint expiry, Duration delta,
                                              double beta, double unit_random) noexcept {
  if (now >= expiry) {
    return true;
  }
  if (beta <= 0 || delta <= Duration::zero() || unit_random <= 0) {
    return false;
  }
  const double gap = -static_cast<double>(delta.count()) * beta * std::log(unit_random);
  return gap >= static_cast<double>((expiry - now).count());
}

}  // namespace keel::cache
