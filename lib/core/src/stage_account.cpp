#include "keel/core/stage_account.hpp"

namespace keel {

std::string_view StageName(Stage s) noexcept {
  switch (s) {
    case Stage::kRead:
      return "read";
    case Stage::kQueue:
      return "queue";
    case Stage::kHandler:
      return "app";
    case Stage::kWrite:
      return "write";
    case Stage::kDb:
      return "db";
    case Stage::kCache:
      return "cache";
    case Stage::kUpstream:
      return "upstream";
  }
  return "unknown";
}

}  // namespace keel
