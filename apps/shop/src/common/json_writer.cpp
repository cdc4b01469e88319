#include "src/common/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <keel/core/check.hpp>
#include <keel/core/json_string.hpp>

namespace shop {

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    if (has_items_[depth_ - 1]) {
      out_ += ',';
    }
    has_items_[depth_ - 1] = true;
  }
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  KEEL_ASSERT(depth_ < kMaxDepth);
  out_ += bracket;
  has_items_[depth_++] = false;
}

void JsonWriter::Close(char bracket) {
  KEEL_ASSERT(depth_ > 0);
  --depth_;
  out_ += bracket;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  keel::AppendJsonString(out_, key);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  keel::AppendJsonString(out_, value);
}

void JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out_.append(buf, end);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";
    return;
  }
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out_.append(buf, end);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
}

}  // namespace shop
