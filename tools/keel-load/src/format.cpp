#include "format.hpp"

#include <cmath>
#include <cstdio>

namespace keel::load {

std::string FormatLatency(int64_t ns) {
  struct Unit {
    double size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
  char buf[32];
  for (const auto& u : kUnits) {
    if (static_cast<double>(ns) >= u.size) {
      const double v = static_cast<double>(ns) / u.size;
      std::snprintf(buf, sizeof(buf),
                    v >= 100  ? "%.0f%s"
                    : v >= 10 ? "%.1f%s"
                              : "%.2f%s",
                    v, u.name);
      return buf;
    }
  }
  std::snprintf(buf, sizeof(buf), "%lldns", static_cast<long long>(ns));
  return buf;
}

double Ms(int64_t ns) noexcept {
  return std::round(static_cast<double>(ns) / 1e3) / 1e3;
}

}  // namespace keel::load
