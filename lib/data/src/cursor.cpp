#include "keel/data/cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "base64url.hpp"

namespace keel::data {

namespace {
constexpr std::size_t kSignatureBytes = 32;  // SHA-256

Error Invalid(std::string what) {
  return Error(ErrorCode::kInvalidArgument, "invalid cursor: " + std::move(what));
}
}  // namespace

CursorCodec::CursorCodec(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) {
    throw std::invalid_argument("CursorCodec: the secret must not be empty");
  }
}

std::string CursorCodec::Sign(std::string_view payload) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string CursorCodec::Encode(std::string_view payload_json) const {
  return detail::Base64UrlEncode(payload_json) + "." + detail::Base64UrlEncode(Sign(payload_json));
}

Result<std::string> CursorCodec::Decode(std::string_view cursor) const {
  if (cursor.empty()) {
    return Invalid("empty");
  }
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos || dot + 1 == cursor.size()) {
    return Invalid("missing signature");
  }
  auto payload = detail::Base64UrlDecode(cursor.substr(0, dot));
  if (!payload) {
    return Invalid("payload is not base64url");
  }
  auto signature = detail::Base64UrlDecode(cursor.substr(dot + 1));
  if (!signature) {
    return Invalid("signature is not base64url");
  }
  if (signature->size() != kSignatureBytes) {
    return Invalid("signature has " + std::to_string(signature->size()) + " bytes, expected " +
                   std::to_string(kSignatureBytes));
  }
  const std::string expected = Sign(*payload);
  // Constant time: how much of a forged signature matched must not show in the response time.
  if (CRYPTO_memcmp(expected.data(), signature->data(), kSignatureBytes) != 0) {
    return Invalid("signature mismatch");
  }
  return std::move(*payload);
}

}  // namespace keel::data
