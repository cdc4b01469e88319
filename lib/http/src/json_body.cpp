#include "keel/http/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "keel/http/headers.hpp"

namespace keel::http {

namespace {

// A validating SAX pass: finds syntax errors (with their offset), duplicate keys and depth.
// Boost.JSON keeps the last of duplicate keys silently, so duplicates must be caught here.
class DuplicateKeyCheck {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string duplicate;  // the first duplicated key, when found

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    key_ += s;
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code& ec) {
    key_ += s;
    if (!keys_.back().insert(key_).second) {
      duplicate = key_;
      ec = boost::json::error::syntax;  // stop the parse here
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;
  std::string key_;
};

std::string Position(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "at byte " + std::to_string(offset) + " (line " + std::to_string(line) + ", column " +
         std::to_string(column) + ")";
}

}  // namespace

bool IsJsonMediaType(std::string_view ct) noexcept {
  const auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
    type.remove_suffix(1);
  }
  if (EqualsIgnoreCase(type, "application/json")) {
    return true;
  }
  constexpr std::string_view kPrefix = "application/";
  constexpr std::string_view kSuffix = "+json";
  return type.size() > kPrefix.size() + kSuffix.size() &&
         EqualsIgnoreCase(type.substr(0, kPrefix.size()), kPrefix) &&
         EqualsIgnoreCase(type.substr(type.size() - kSuffix.size()), kSuffix);
}

Result<boost::json::value> ParseJson(std::string_view text, const JsonBodyOptions& options) {
  if (text.empty()) {
    if (options.allow_empty) {
      return boost::json::value(nullptr);
    }
    return Error(ErrorCode::kInvalidArgument,
                 "the request body is empty; a JSON value is required");
  }
  boost::json::parse_options parse_options;
  parse_options.max_depth = options.max_depth;
  boost::json::basic_parser<DuplicateKeyCheck> check(parse_options);
  boost::system::error_code ec;
  const std::size_t used = check.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) {
    if (!check.handler().duplicate.empty()) {
      return Error(ErrorCode::kInvalidArgument, "duplicate key \"" + check.handler().duplicate +
                                                    "\" in JSON object " + Position(text, used));
    }
    if (!ec) {
      return Error(ErrorCode::kInvalidArgument,
                   "unexpected data after the JSON value " + Position(text, used));
    }
    const std::string what =
        ec == boost::json::error::too_deep
            ? "JSON nested deeper than " + std::to_string(options.max_depth) + " levels"
            : "malformed JSON (" + ec.message() + ")";
    return Error(ErrorCode::kInvalidArgument, what + " " + Position(text, used));
  }
  boost::json::value value = boost::json::parse(text, ec, {}, parse_options);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument, "malformed JSON (" + ec.message() + ")");
  }
  return value;
}

Result<boost::json::value> ParseJsonBody(const Request& request, const JsonBodyOptions& options) {
  const auto ct = request.Header("content-type");
  if (!ct || !IsJsonMediaType(*ct)) {
    return Error(ErrorCode::kUnsupportedMediaType,
                 "the request body must be application/json" +
                     (ct ? ", not " + std::string(*ct) : std::string(" (no Content-Type sent)")));
  }
  return ParseJson(request.body(), options);
}

}  // namespace keel::http
