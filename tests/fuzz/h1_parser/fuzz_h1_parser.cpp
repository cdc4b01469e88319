// fuzz_h1_parser.cpp — libFuzzer target for the HTTP/1.1 request-head parser and ChunkedDecoder.
//
// Build (not wired into CMake), from the repository root:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilib/http/include \
//     -Ilib/http/src tests/fuzz/h1_parser/fuzz_h1_parser.cpp lib/http/src/h1_parser.cpp \
//     lib/http/src/headers.cpp lib/http/src/method.cpp -o /tmp/fuzz_h1_parser
//   /tmp/fuzz_h1_parser tests/fuzz/h1_parser/corpus
//
// Every input is run twice (default and tiny limits). Checked invariants:
//  * consumed <= input size, always; failures carry an expected status and a detail;
//  * a complete head's views all point into the input and the framing fields are consistent;
//  * monotonicity: the head one byte short of a complete head is incomplete; an input one byte
//    longer than a failing one fails with the same status;
//  * ChunkedDecoder gives the same result whether fed at once or byte by byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "h1_parser.hpp"

namespace {

using keel::http::ChunkedDecoder;
using keel::http::ParseOutcome;
using keel::http::ParserLimits;
using keel::http::RequestHead;

#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) {       \
      __builtin_trap();  \
    }                    \
  } while (false)

bool Inside(std::string_view view, std::string_view buffer) {
  if (view.empty())
    return true;
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

struct Decoded {
  bool done = false;
  int status = 0;
  std::size_t consumed = 0;  // total over all Feed calls
  std::string body;
};

Decoded DecodeAtOnce(std::string_view in, const ParserLimits& limits, std::uint64_t max_body) {
  ChunkedDecoder decoder(limits, max_body);
  Decoded d;
  const ChunkedDecoder::Step step = decoder.Feed(in, d.body);
  FUZZ_CHECK(step.consumed <= in.size());
  FUZZ_CHECK(step.status == 0 || !step.detail.empty());
  FUZZ_CHECK(step.status == 0 || step.status == 400 || step.status == 413 || step.status == 431);
  FUZZ_CHECK(!(step.done && step.status != 0));
  if (step.status == 0 && !step.done)
    FUZZ_CHECK(step.consumed == in.size());
  d.done = step.done;
  d.status = step.status;
  d.consumed = step.consumed;
  FUZZ_CHECK(d.body.size() <= max_body);
  // Feeding after done or failure consumes nothing and repeats the outcome.
  if (step.done || step.status != 0) {
    std::string more;
    const ChunkedDecoder::Step again = decoder.Feed(in, more);
    FUZZ_CHECK(again.consumed == 0 && again.done == step.done && again.status == step.status);
    FUZZ_CHECK(more.empty());
  }
  return d;
}

Decoded DecodeByteByByte(std::string_view in, const ParserLimits& limits, std::uint64_t max_body) {
  ChunkedDecoder decoder(limits, max_body);
  Decoded d;
  std::string pending;
  for (char c : in) {
    pending.push_back(c);
    const ChunkedDecoder::Step step = decoder.Feed(pending, d.body);
    FUZZ_CHECK(step.consumed <= pending.size());
    d.consumed += step.consumed;
    pending.erase(0, step.consumed);
    if (step.done || step.status != 0) {
      d.done = step.done;
      d.status = step.status;
      break;
    }
  }
  return d;
}

void CheckChunked(std::string_view in, const ParserLimits& limits, std::uint64_t max_body) {
  const Decoded whole = DecodeAtOnce(in, limits, max_body);
  const Decoded bytes = DecodeByteByByte(in, limits, max_body);
  FUZZ_CHECK(whole.done == bytes.done);
  FUZZ_CHECK(whole.status == bytes.status);
  FUZZ_CHECK(whole.body == bytes.body);
  if (whole.done)
    FUZZ_CHECK(whole.consumed == bytes.consumed);
}

void CheckHead(std::string_view in, const ParserLimits& limits, std::uint64_t max_body) {
  RequestHead head;
  const ParseOutcome out = keel::http::ParseRequestHead(in, limits, head);
  FUZZ_CHECK(out.consumed <= in.size());
  switch (out.kind) {
    case ParseOutcome::Kind::kIncomplete:
      FUZZ_CHECK(out.status == 0);
      break;
    case ParseOutcome::Kind::kFailed: {
      const int s = out.status;
      FUZZ_CHECK(s == 400 || s == 414 || s == 417 || s == 431 || s == 501 || s == 505);
      FUZZ_CHECK(!out.detail.empty());
      // More bytes cannot turn a failure into anything else.
      std::string longer(in);
      longer.push_back('\n');
      RequestHead other;
      const ParseOutcome more = keel::http::ParseRequestHead(longer, limits, other);
      FUZZ_CHECK(more.kind == ParseOutcome::Kind::kFailed && more.status == s);
      break;
    }
    case ParseOutcome::Kind::kComplete: {
      FUZZ_CHECK(out.consumed > 0);
      const std::string_view used = in.substr(0, out.consumed);
      FUZZ_CHECK(used.size() >= 4 && used.substr(used.size() - 4) == "\r\n\r\n");
      FUZZ_CHECK(Inside(head.method_text, used) && !head.method_text.empty());
      FUZZ_CHECK(Inside(head.target, used) && !head.target.empty());
      FUZZ_CHECK(Inside(head.host, used));
      FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
      FUZZ_CHECK(head.headers.size() <= limits.max_header_count);
      for (const auto& f : head.headers) {
        FUZZ_CHECK(Inside(f.name, used) && Inside(f.value, used) && !f.name.empty());
      }
      FUZZ_CHECK(!(head.chunked && head.content_length.has_value()));
      FUZZ_CHECK(!(head.chunked && head.version_minor == 0));
      if (head.version_minor == 1)
        FUZZ_CHECK(head.headers.Count("host") == 1);
      FUZZ_CHECK(head.headers.Count("content-length") <= 1);
      // The head does not depend on the bytes after it, and one byte less is incomplete.
      RequestHead again;
      const ParseOutcome exact = keel::http::ParseRequestHead(used, limits, again);
      FUZZ_CHECK(exact.kind == ParseOutcome::Kind::kComplete && exact.consumed == out.consumed);
      const ParseOutcome shorter =
          keel::http::ParseRequestHead(used.substr(0, used.size() - 1), limits, again);
      FUZZ_CHECK(shorter.kind == ParseOutcome::Kind::kIncomplete);
      if (head.chunked)
        CheckChunked(in.substr(out.consumed), limits, max_body);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const ParserLimits defaults;
  ParserLimits tiny;
  tiny.max_request_line = 64;
  tiny.max_header_bytes = 256;
  tiny.max_header_count = 8;
  tiny.max_chunk_extension_bytes = 16;
  tiny.max_trailer_bytes = 64;

  CheckHead(in, defaults, 1 << 20);
  CheckHead(in, tiny, 64);
  // Also drive the decoder directly, so that it is explored without a valid head in front.
  CheckChunked(in, defaults, 1 << 20);
  CheckChunked(in, tiny, 64);
  return 0;
}
