#include "header_codec.hpp"

#include <boost/json.hpp>

namespace keel::idempotency::detail {

std::string EncodeHeaders(const HeaderList& headers) {
  boost::json::array out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    out.push_back(boost::json::array{boost::json::string(name), boost::json::string(value)});
  }
  return boost::json::serialize(out);
}

Result<HeaderList> DecodeHeaders(std::string_view json) {
  const Error corrupt(ErrorCode::kInternal, "stored idempotency response has malformed headers");
  if (json.empty()) {
    return HeaderList{};
  }
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_array()) {
    return corrupt;
  }
  HeaderList headers;
  for (const boost::json::value& field : parsed.get_array()) {
    const auto* pair = field.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
        !(*pair)[1].is_string()) {
      return corrupt;
    }
    headers.emplace_back(std::string((*pair)[0].get_string()),
                         std::string((*pair)[1].get_string()));
  }
  return headers;
}

}  // namespace keel::idempotency::detail
