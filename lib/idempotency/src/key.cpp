#include "keel/idempotency/key.hpp"

#include "digest.hpp"

namespace keel::idempotency {

namespace {
Error Invalid(std::string detail) {
  return Error(ErrorCode::kInvalidArgument, "Idempotency-Key: " + std::move(detail));
}

bool Printable(char c) noexcept {
  return c >= 0x20 && c <= 0x7e;
}

// RFC 8941 §4.2.5: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE.
Result<std::string> ParseSfString(std::string_view v) {
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      if (i + 1 != v.size()) {
        return Invalid("unexpected text after the closing quote");
      }
      return out;
    }
    if (c == '\\') {
      if (i + 1 == v.size() || (v[i + 1] != '"' && v[i + 1] != '\\')) {
        return Invalid("only \\\" and \\\\ may be escaped in a quoted key");
      }
      out.push_back(v[++i]);
      continue;
    }
    if (!Printable(c)) {
      return Invalid("the key must be printable ASCII");
    }
    out.push_back(c);
  }
  return Invalid("the quoted key is not terminated");
}

Result<std::string> Validate(std::string key) {
  if (key.empty()) {
    return Invalid("the key is empty");
  }
  if (key.size() > kMaxKeyLength) {
    return Invalid("the key is longer than " + std::to_string(kMaxKeyLength) + " characters");
  }
  for (const char c : key) {
    if (!Printable(c)) {
      return Invalid("the key must be printable ASCII");
    }
  }
  return key;
}
}  // namespace

Result<std::string> ParseIdempotencyKey(std::string_view field_value) {
  if (!field_value.empty() && field_value.front() == '"') {
    auto unquoted = ParseSfString(field_value);
    if (!unquoted) {
      return std::move(unquoted).error();
    }
    return Validate(std::move(*unquoted));
  }
  return Validate(std::string(field_value));
}

RequestFingerprint FingerprintRequest(std::string_view method, std::string_view target,
                                      std::string_view body) {
  RequestFingerprint fp{.method = std::string(method), .target = std::string(target)};
  // Newlines cannot occur in a method or a request target, so the joined text is unambiguous.
  std::string text;
  text.reserve(method.size() + target.size() + 66);
  text.append(method).append("\n").append(target).append("\n").append(detail::Sha256Hex(body));
  fp.digest = detail::Sha256Hex(text);
  return fp;
}

}  // namespace keel::idempotency
