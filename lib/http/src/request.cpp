#include "keel/http/request.hpp"

#include <charconv>

namespace keel::http {

namespace {
int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}
}  // namespace

std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return std::nullopt;
      }
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void Request::Assign(const Parts& p, Headers& headers) {
  method_ = p.method;
  method_text_ = p.method_text;
  target_ = p.target;
  path_ = p.path;
  query_ = p.query;
  version_minor_ = p.version_minor;
  body_ = p.body;
  remote_address_ = p.remote_address;
  std::swap(headers_, headers);
  params_.clear();
}

std::optional<std::string_view> Request::PathParam(std::string_view name) const noexcept {
  for (const auto& [k, v] : params_) {
    if (k == name) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

std::int64_t Request::PathParamInt(std::string_view name) const noexcept {
  std::int64_t value = 0;
  if (auto v = PathParam(name)) {
    std::from_chars(v->data(), v->data() + v->size(), value);
  }
  return value;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::string_view rest = query_;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto decoded_key = PercentDecode(key, true);
    if (!decoded_key || *decoded_key != name) {
      continue;
    }
    if (eq == std::string_view::npos) {
      return std::string();
    }
    return PercentDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace keel::http
