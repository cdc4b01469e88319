// keel/core/json_string.hpp — text as a JSON string literal (RFC 8259 §7).
//
// The one escaper behind problem+json bodies, structured logs and the shop's JSON writer: on a
// refusal or a cached read it is a visible share of the request's user-space time, so runs of
// characters that need nothing are appended at once.
#pragma once

#include <string>
#include <string_view>

namespace keel {

// Appends `s` as a JSON string literal, quotes included: '"' and '\' escaped, control
// characters as \n, \r, \t, \b, \f or \u00XX, and each ill-formed UTF-8 byte replaced by U+FFFD,
// so the output is valid JSON and valid UTF-8 whatever the input.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace keel
