// Entity tags and the conditional request headers that carry them (RFC 9110 §8.8.3, §13.1).
//
// If-None-Match uses the weak comparison (W/"x" matches "x"), If-Match the strong one (a weak tag
// never matches). "*" matches any current representation. A field that is not a valid list is
// reported as nullopt; the caller decides what that means (400 for If-Match, "no match" for
// If-None-Match).
//
//   auto tags = shop::ParseEntityTags(R"(W/"p1-v2", "p1-v3")");
//   bool fresh = shop::WeakMatch(*tags, R"("p1-v3")");  // true: answer 304
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace shop {

struct EntityTag {
  bool weak = false;
  std::string_view opaque;  // with its double quotes: "\"p1-v3\""
};

struct EntityTagList {
  bool any = false;  // the field was "*"
  std::vector<EntityTag> tags;
};

// Parses `*` or a comma-separated list of entity-tags (empty list elements are skipped, as
// RFC 9110 §5.6.1 requires). The views point into `field`.
[[nodiscard]] std::optional<EntityTagList> ParseEntityTags(std::string_view field);

// If-None-Match: true when `current` (a strong tag, quotes included) matches weakly.
[[nodiscard]] bool WeakMatch(const EntityTagList& list, std::string_view current) noexcept;
// If-Match: true when `current` matches strongly (weak tags in the list never match).
[[nodiscard]] bool StrongMatch(const EntityTagList& list, std::string_view current) noexcept;

}  // namespace shop
