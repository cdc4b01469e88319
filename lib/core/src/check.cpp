#include "keel/core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace keel::detail {

void CheckFailed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "keel: check failed: %s at %s:%d\n", expr, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace keel::detail
