#include "keel/http/deadline_header.hpp"

#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>

namespace keel::http {

namespace {

std::optional<std::int64_t> ParseDigits(std::string_view v) {
  if (v.empty() || v.size() > 8) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view v) {
  if (v.size() < 2) {
    return std::nullopt;
  }
  const auto n = ParseDigits(v.substr(0, v.size() - 1));
  if (!n) {
    return std::nullopt;
  }
  using namespace std::chrono;
  switch (v.back()) {
    case 'H':
      return hours(*n);
    case 'M':
      return minutes(*n);
    case 'S':
      return seconds(*n);
    case 'm':
      return milliseconds(*n);
    case 'u':
      return microseconds(*n);
    case 'n':
      return nanoseconds(*n);
    default:
      return std::nullopt;
  }
}

Result<std::optional<std::chrono::nanoseconds>> ClientTimeout(const Headers& headers) {
  using Out = std::optional<std::chrono::nanoseconds>;
  using namespace std::string_view_literals;  // sized: no strlen per request
  // Precedence order; the first two carry milliseconds, the last gRPC's syntax.
  static constexpr std::string_view kNames[] = {"x-request-timeout"sv,
                                                "x-yataxi-client-timeoutms"sv, "grpc-timeout"sv};
  constexpr std::size_t kGrpc = 2;
  // One pass over the fields for all three names (this runs for every request), keeping the
  // first occurrence of each; the precedence below is that of kNames.
  std::optional<std::string_view> found[std::size(kNames)];
  for (const HeaderField& f : headers) {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      if (!found[i] && f.name.size() == kNames[i].size() && EqualsIgnoreCase(f.name, kNames[i])) {
        found[i] = f.value;
      }
    }
  }
  for (std::size_t i = 0; i < kGrpc; ++i) {
    const std::string_view name = kNames[i];
    if (const auto& v = found[i]) {
      const auto ms = ParseDigits(*v);
      if (!ms) {
        return Error(ErrorCode::kInvalidArgument,
                     std::string(name) + " must be 1 to 8 digits of milliseconds, got \"" +
                         std::string(*v) + "\"");
      }
      return Out(std::chrono::milliseconds(*ms));
    }
  }
  if (const auto& v = found[kGrpc]) {
    auto t = ParseGrpcTimeout(*v);
    if (!t) {
      return Error(ErrorCode::kInvalidArgument,
                   "grpc-timeout must be 1 to 8 digits and a unit (H, M, S, m, u, n), got \"" +
                       std::string(*v) + "\"");
    }
    return Out(*t);
  }
  return Out();
}

}  // namespace keel::http
