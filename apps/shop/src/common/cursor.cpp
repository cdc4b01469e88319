#include "src/common/cursor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>

namespace shop {

CursorSigner::CursorSigner(std::string_view secret) : codec_(std::string(secret)) {}

std::string CursorSigner::Sign(const boost::json::object& payload) const {
  return codec_.Encode(boost::json::serialize(payload));
}

std::optional<boost::json::object> CursorSigner::Verify(std::string_view cursor) const {
  auto payload = codec_.Decode(cursor);
  if (!payload) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(*payload, ec);
  if (ec || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.get_object());
}

std::string Digest(std::string_view canonical) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : canonical) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[hash & 0xf];
    hash >>= 4;
  }
  return out;
}

}  // namespace shop
