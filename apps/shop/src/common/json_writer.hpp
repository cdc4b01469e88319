// A minimal JSON writer that appends to a std::string: responses are built in one pass without
// an intermediate DOM (a by-id read is on the hot path). Commas are placed automatically.
//
//   std::string out;
//   shop::JsonWriter w(out);
//   w.BeginObject();
//   w.Key("id");
//   w.Int(42);
//   w.EndObject();  // {"id":42}
//
// The caller keeps the structure balanced (nesting deeper than kMaxDepth is a bug, KEEL_ASSERT).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

class JsonWriter {
 public:
  static constexpr std::size_t kMaxDepth = 16;

  explicit JsonWriter(std::string& out) noexcept : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(std::int64_t value);
  // The shortest text that reads back as `value`; NaN and infinities are written as null.
  void Double(double value);
  void Bool(bool value);
  void Null();

 private:
  void Open(char bracket);
  void Close(char bracket);
  void BeforeValue();

  std::string& out_;
  std::array<bool, kMaxDepth> has_items_{};  // per open container: a comma is due
  std::size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace shop
