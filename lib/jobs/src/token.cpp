#include "token.hpp"

#include <openssl/rand.h>

#include <array>
#include <random>

namespace keel::jobs::detail {

std::string RandomToken() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // A token only needs to differ between claims; the OS generator gives that as well.
    std::random_device rd;
    for (auto& b : bytes) {
      b = static_cast<unsigned char>(rd());
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace keel::jobs::detail
