// keel/core/check.hpp — saying when to crash.
//
// KEEL_ASSERT(cond)  a debug-only invariant of our own code (compiled out with NDEBUG).
// KEEL_CHECK(cond)   an invariant whose violation leaves no safe way on: always fatal.
// Never use either on input or environment; those are Errors (keel/core/error.hpp).
#pragma once

namespace keel::detail {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line) noexcept;
}  // namespace keel::detail

#define KEEL_CHECK(cond)                                      \
  do {                                                        \
    if (!(cond)) [[unlikely]] {                               \
      ::keel::detail::CheckFailed(#cond, __FILE__, __LINE__); \
    }                                                         \
  } while (false)

#ifdef NDEBUG
#define KEEL_ASSERT(cond) \
  do {                    \
  } while (false)
#else
#define KEEL_ASSERT(cond) KEEL_CHECK(cond)
#endif
