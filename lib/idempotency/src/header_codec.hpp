// Stored response headers as a JSON text column: [["Content-Type","application/json"],...].
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/error.hpp"

namespace keel::idempotency::detail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

[[nodiscard]] std::string EncodeHeaders(const HeaderList& headers);
// kInternal when the column does not hold such an array (a corrupted or foreign row).
[[nodiscard]] Result<HeaderList> DecodeHeaders(std::string_view json);

}  // namespace keel::idempotency::detail
