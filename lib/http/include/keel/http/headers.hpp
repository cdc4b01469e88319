// keel/http/headers.hpp — a request's header fields as views into the connection buffer.
//
// Header names and values are std::string_views into the buffer the request was parsed from; they
// stay valid until the handler's response has been produced. Lookup is case-insensitive
// (RFC 9110 §5.1). Values have leading and trailing whitespace removed (RFC 9112 §5.1).
//
//   if (auto v = request.headers().Find("if-none-match")) { ... *v ... }
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace keel::http {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive equality, for header names and tokens.
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

class Headers {
 public:
  void Add(std::string_view name, std::string_view value) { fields_.push_back({name, value}); }
  void Clear() noexcept { fields_.clear(); }

  // The first field with this name, or nullopt.
  [[nodiscard]] std::optional<std::string_view> Find(std::string_view name) const noexcept;
  [[nodiscard]] std::size_t Count(std::string_view name) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] auto begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] auto end() const noexcept { return fields_.end(); }

 private:
  std::vector<HeaderField> fields_;
};

}  // namespace keel::http
