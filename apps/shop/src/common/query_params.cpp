#include "src/common/query_params.hpp"

#include <charconv>
#include <keel/http/request.hpp>

namespace shop {

QueryParams QueryParams::Parse(std::string_view raw, FieldErrors& errors) {
  QueryParams params;
  while (!raw.empty()) {
    const auto amp = raw.find('&');
    const std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) {
      continue;  // "a=1&&b=2": an empty pair carries nothing
    }
    const auto eq = pair.find('=');
    auto name = keel::http::PercentDecode(pair.substr(0, eq), true);
    auto value = keel::http::PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) {
      AddFieldError(errors, name ? *name : std::string(pair.substr(0, eq)),
                    "malformed percent-encoding in the query string");
      continue;
    }
    if (params.Find(*name)) {
      AddFieldError(errors, *name, "given more than once; send each parameter at most once");
      continue;
    }
    params.entries_.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

std::optional<std::string_view> QueryParams::Find(std::string_view name) const noexcept {
  for (const auto& [key, value] : entries_) {
    if (key == name) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> ParseInt64(std::string_view text) noexcept {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> ReadOptionalInt(const QueryParams& params, std::string_view name,
                                            std::int64_t min, std::int64_t max,
                                            FieldErrors& errors) {
  const auto text = params.Find(name);
  if (!text) {
    return std::nullopt;
  }
  const auto value = ParseInt64(*text);
  if (!value || *value < min || *value > max) {
    std::string detail = "must be an integer from " + std::to_string(min);
    detail += max == INT64_MAX ? " up" : " to " + std::to_string(max);
    AddFieldError(errors, std::string(name), std::move(detail));
    return std::nullopt;
  }
  return value;
}

std::int64_t ReadInt(const QueryParams& params, std::string_view name, const IntRange& range,
                     FieldErrors& errors) {
  return ReadOptionalInt(params, name, range.min, range.max, errors).value_or(range.fallback);
}

std::optional<bool> ReadOptionalBool(const QueryParams& params, std::string_view name,
                                     FieldErrors& errors) {
  const auto text = params.Find(name);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true") {
    return true;
  }
  if (*text == "false") {
    return false;
  }
  AddFieldError(errors, std::string(name), "must be true or false");
  return std::nullopt;
}

}  // namespace shop
