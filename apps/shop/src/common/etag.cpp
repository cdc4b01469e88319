#include "src/common/etag.hpp"

namespace shop {

namespace {

bool IsSpace(char c) noexcept {
  return c == ' ' || c == '\t';
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3): no space, no DQUOTE, no control.
bool IsEtagChar(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

// Parses one entity-tag at the front of `s`, advancing past it.
std::optional<EntityTag> ParseOne(std::string_view& s) {
  EntityTag tag;
  if (s.starts_with("W/")) {
    tag.weak = true;
    s.remove_prefix(2);
  }
  if (s.empty() || s.front() != '"') {
    return std::nullopt;
  }
  std::size_t i = 1;
  while (i < s.size() && s[i] != '"') {
    if (!IsEtagChar(s[i])) {
      return std::nullopt;
    }
    ++i;
  }
  if (i == s.size()) {
    return std::nullopt;  // no closing quote
  }
  tag.opaque = s.substr(0, i + 1);
  s.remove_prefix(i + 1);
  return tag;
}

}  // namespace

std::optional<EntityTagList> ParseEntityTags(std::string_view field) {
  EntityTagList list;
  field = Trim(field);
  if (field == "*") {
    list.any = true;
    return list;
  }
  while (true) {
    field = Trim(field);
    if (field.empty()) {
      break;
    }
    if (field.front() == ',') {
      field.remove_prefix(1);
      continue;
    }
    auto tag = ParseOne(field);
    if (!tag) {
      return std::nullopt;
    }
    list.tags.push_back(*tag);
    field = Trim(field);
    if (!field.empty() && field.front() != ',') {
      return std::nullopt;
    }
  }
  if (list.tags.empty()) {
    return std::nullopt;
  }
  return list;
}

bool WeakMatch(const EntityTagList& list, std::string_view current) noexcept {
  if (list.any) {
    return true;
  }
  for (const auto& tag : list.tags) {
    if (tag.opaque == current) {
      return true;
    }
  }
  return false;
}

bool StrongMatch(const EntityTagList& list, std::string_view current) noexcept {
  if (list.any) {
    return true;
  }
  for (const auto& tag : list.tags) {
    if (!tag.weak && tag.opaque == current) {
      return true;
    }
  }
  return false;
}

}  // namespace shop
