// keel/core/utf8.hpp — well-formed UTF-8 (RFC 3629) for text that leaves the process.
//
// Consumers of what keel writes (JSON parsers, log pipelines, Prometheus' parser) reject invalid
// UTF-8 outright, and client-controlled text (paths, ids, header values) can contain anything.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keel {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629's table: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 if the bytes there are ill-formed.
// Requires i < s.size().
[[nodiscard]] std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) noexcept;

// `in` when it is valid UTF-8, otherwise a copy in `scratch` with each ill-formed byte replaced
// by U+FFFD.
[[nodiscard]] std::string_view ValidUtf8(std::string_view in, std::string& scratch);

}  // namespace keel
