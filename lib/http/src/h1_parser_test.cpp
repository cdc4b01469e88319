// h1_parser_test.cpp — unit tests of the strict HTTP/1.1 request parser and chunked decoder.
#include "h1_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::http {
namespace {

using Kind = ParseOutcome::Kind;
using namespace std::string_literals;

ParseOutcome Parse(std::string_view s, RequestHead& head, const ParserLimits& limits = {}) {
  return ParseRequestHead(s, limits, head);
}

// Asserts that `request` fails with `status` (and a non-empty static detail).
::testing::AssertionResult FailsWith(std::string_view request, int status,
                                     const ParserLimits& limits = {}) {
  RequestHead head;
  const ParseOutcome out = ParseRequestHead(request, limits, head);
  if (out.kind != Kind::kFailed) {
    return ::testing::AssertionFailure()
           << "expected failure " << status << ", got "
           << (out.kind == Kind::kComplete ? "complete" : "incomplete");
  }
  if (out.status != status) {
    return ::testing::AssertionFailure()
           << "expected " << status << ", got " << out.status << " (" << out.detail << ")";
  }
  if (out.detail.empty())
    return ::testing::AssertionFailure() << "empty detail";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Completes(std::string_view request, const ParserLimits& limits = {}) {
  RequestHead head;
  const ParseOutcome out = ParseRequestHead(request, limits, head);
  if (out.kind == Kind::kComplete && out.consumed == request.size()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "kind=" << static_cast<int>(out.kind) << " status=" << out.status
         << " detail=" << out.detail << " consumed=" << out.consumed;
}

// The detail for a failing request (for checking that the reason is the precise one).
std::string_view DetailOf(std::string_view request, const ParserLimits& limits = {}) {
  RequestHead head;
  return ParseRequestHead(request, limits, head).detail;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool PointsInto(std::string_view view, std::string_view buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

// A request with the given extra header lines (each ending in CRLF).
std::string Req(std::string_view extra, std::string_view line = "POST /upload HTTP/1.1") {
  std::string r(line);
  r += "\r\nHost: example.com\r\n";
  r += extra;
  r += "\r\n";
  return r;
}

// ---------------------------------------------------------------------------------------------
// Normal requests

TEST(H1Parser, NormalGetWithThreeHeaders) {
  const std::string buf =
      "GET /api/v1/items?id=42 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "User-Agent:  curl/8.0 \t\r\n"
      "Accept:*/*\r\n"
      "\r\n";
  RequestHead head;
  const ParseOutcome out = Parse(buf, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(out.consumed, buf.size());
  EXPECT_EQ(head.method, Method::kGet);
  EXPECT_EQ(head.method_text, "GET");
  EXPECT_EQ(head.target, "/api/v1/items?id=42");
  EXPECT_EQ(head.version_minor, 1);
  ASSERT_EQ(head.headers.size(), 3u);
  auto it = head.headers.begin();
  EXPECT_EQ(it->name, "Host");
  EXPECT_EQ(it->value, "example.com");
  ++it;
  EXPECT_EQ(it->name, "User-Agent");
  EXPECT_EQ(it->value, "curl/8.0");
  ++it;
  EXPECT_EQ(it->name, "Accept");
  EXPECT_EQ(it->value, "*/*");
  for (const HeaderField& f : head.headers) {
    EXPECT_TRUE(PointsInto(f.name, buf));
    EXPECT_TRUE(PointsInto(f.value, buf));
  }
  EXPECT_TRUE(PointsInto(head.method_text, buf));
  EXPECT_TRUE(PointsInto(head.target, buf));
  EXPECT_EQ(head.host, "example.com");
  EXPECT_TRUE(PointsInto(head.host, buf));
  EXPECT_EQ(head.headers.Find("user-agent"), "curl/8.0");
  EXPECT_EQ(head.headers.Find("ACCEPT"), "*/*");
  EXPECT_FALSE(head.headers.Find("Accept-Encoding").has_value());
  EXPECT_EQ(head.headers.Count("host"), 1u);
  EXPECT_FALSE(head.content_length.has_value());
  EXPECT_FALSE(head.chunked);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_FALSE(head.expect_continue);
}

TEST(H1Parser, PostWithContentLengthLeavesBodyUnconsumed) {
  const std::string buf = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  RequestHead head;
  const ParseOutcome out = Parse(buf, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(out.consumed, buf.size() - 5);
  EXPECT_EQ(head.method, Method::kPost);
  EXPECT_EQ(head.content_length, 5u);
}

TEST(H1Parser, PipelinedRequestsParsedOneAfterAnother) {
  const std::string buf =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
      "DELETE /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  std::string_view rest = buf;
  RequestHead head;

  ParseOutcome out = Parse(rest, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(head.target, "/a");
  EXPECT_EQ(out.consumed, 28u);
  rest.remove_prefix(out.consumed);

  out = Parse(rest, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(head.method, Method::kPost);
  EXPECT_EQ(head.target, "/b");
  ASSERT_EQ(head.content_length, 3u);
  rest.remove_prefix(out.consumed);
  EXPECT_EQ(rest.substr(0, 3), "xyz");
  rest.remove_prefix(3);

  out = Parse(rest, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(head.method, Method::kDelete);
  EXPECT_EQ(head.target, "/c");
  EXPECT_FALSE(head.keep_alive);
  EXPECT_FALSE(head.content_length.has_value());  // reset from the previous request
  EXPECT_EQ(head.headers.size(), 2u);
  EXPECT_EQ(out.consumed, rest.size());
}

TEST(H1Parser, HeadIsResetBetweenParses) {
  RequestHead head;
  ASSERT_TRUE(Parse("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n"
                    "Connection: keep-alive\r\nHost: x\r\n\r\n",
                    head)
                  .kind == Kind::kComplete);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: y\r\nTransfer-Encoding: chunked\r\n\r\n", head).kind,
            Kind::kComplete);
  EXPECT_EQ(head.method, Method::kGet);
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_FALSE(head.content_length.has_value());
  EXPECT_TRUE(head.chunked);
  EXPECT_EQ(head.host, "y");
  EXPECT_EQ(head.headers.size(), 2u);
  // A failed or incomplete parse leaves no stale fields either.
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\n", head).kind, Kind::kIncomplete);
  EXPECT_EQ(head.headers.size(), 0u);
  EXPECT_FALSE(head.chunked);
}

TEST(H1Parser, IncompleteAtEveryPrefix) {
  const std::vector<std::string> requests = {
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "\r\n\r\nPOST /p?q=1 HTTP/1.0\r\nContent-Length: 12\r\nX-A: \t b \r\n\r\n",
      "PUT http://example.com/x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip ,"
      "chunked\r\nTransfer-Encoding: chunked\r\n\r\n",  // fails at the end (chunked twice)
      "OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
  };
  for (const std::string& r : requests) {
    for (std::size_t n = 0; n < r.size(); ++n) {
      RequestHead head;
      const ParseOutcome out = Parse(std::string_view(r).substr(0, n), head);
      EXPECT_EQ(out.kind, Kind::kIncomplete)
          << "prefix " << n << " of " << r << ": status " << out.status << " " << out.detail;
    }
  }
}

TEST(H1Parser, EveryPrefixAlsoIncompleteWhenCopied) {
  // The same without a longer buffer behind the view (ASan catches any read past the end).
  const std::string r = "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
  for (std::size_t n = 0; n < r.size(); ++n) {
    const std::string prefix = r.substr(0, n);
    RequestHead head;
    EXPECT_EQ(Parse(prefix, head).kind, Kind::kIncomplete) << n;
  }
  EXPECT_TRUE(Completes(r));
}

TEST(H1Parser, EmptyBufferIsIncomplete) {
  RequestHead head;
  EXPECT_EQ(Parse({}, head).kind, Kind::kIncomplete);
}

// ---------------------------------------------------------------------------------------------
// Leading empty lines

TEST(H1Parser, UpToTwoLeadingEmptyLinesAreIgnored) {
  RequestHead head;
  const std::string one = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ParseOutcome out = Parse(one, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(out.consumed, one.size());
  EXPECT_EQ(head.target, "/");

  const std::string two = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  out = Parse(two, head);
  ASSERT_EQ(out.kind, Kind::kComplete) << out.detail;
  EXPECT_EQ(out.consumed, two.size());

  EXPECT_TRUE(FailsWith("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
}

// ---------------------------------------------------------------------------------------------
// Method

TEST(H1Parser, Methods) {
  const std::pair<std::string_view, Method> cases[] = {
      {"GET", Method::kGet},         {"HEAD", Method::kHead},      {"POST", Method::kPost},
      {"PUT", Method::kPut},         {"PATCH", Method::kPatch},    {"DELETE", Method::kDelete},
      {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},    {"PROPFIND", Method::kOther},
      {"get", Method::kOther},       {"M-SEARCH", Method::kOther},
  };
  for (const auto& [name, method] : cases) {
    const std::string r = std::string(name) + " / HTTP/1.1\r\nHost: a\r\n\r\n";
    RequestHead head;
    ASSERT_EQ(Parse(r, head).kind, Kind::kComplete) << name;
    EXPECT_EQ(head.method, method) << name;
    EXPECT_EQ(head.method_text, name);
  }
}

TEST(H1Parser, MethodNameRoundTrip) {
  for (int i = 0; i < kMethodCount - 1; ++i) {
    const auto m = static_cast<Method>(i);
    EXPECT_EQ(ParseMethod(MethodName(m)), m) << MethodName(m);
  }
  EXPECT_EQ(MethodName(Method::kConnect), "CONNECT");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
  EXPECT_EQ(ParseMethod(""), Method::kOther);
  EXPECT_EQ(ParseMethod("GETX"), Method::kOther);
}

TEST(H1Parser, InvalidMethodIs400) {
  EXPECT_TRUE(FailsWith("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GE\"T / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("G\xC3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400));  // empty method
  EXPECT_TRUE(FailsWith("GET\r\nHost: a\r\n\r\n", 400));          // method only
}

TEST(H1Parser, GarbageIsRejectedBeforeTheLineIsComplete) {
  EXPECT_TRUE(FailsWith("\x16\x03\x01\x02\x00", 400));  // a TLS ClientHello
  EXPECT_TRUE(FailsWith("GET /\x01", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\rX", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1X", 400));
  EXPECT_TRUE(FailsWith("GET / FTP", 400));
}

// ---------------------------------------------------------------------------------------------
// Request line shape and 414

TEST(H1Parser, RequestLineNeedsExactlySingleSpaces) {
  EXPECT_TRUE(FailsWith("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /\r\nHost: a\r\n\r\n", 400));   // HTTP/0.9 style
  EXPECT_TRUE(FailsWith("GET / \r\nHost: a\r\n\r\n", 400));  // empty version
  EXPECT_TRUE(FailsWith("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400));
}

TEST(H1Parser, RequestLineLimit) {
  ParserLimits limits;
  limits.max_request_line = 14;  // exactly "GET / HTTP/1.1"
  EXPECT_TRUE(Completes("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits));
  limits.max_request_line = 13;
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 414, limits));
  // While incomplete: 14 bytes without CR exceed 13 already; with the CR they may still end.
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1", 414, limits));
  limits.max_request_line = 14;
  RequestHead head;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r", head, limits).kind, Kind::kIncomplete);
  EXPECT_EQ(Parse("GET / HTTP/1.1", head, limits).kind, Kind::kIncomplete);
}

TEST(H1Parser, LongUriIs414WhileIncomplete) {
  std::string r = "GET /" + std::string(9000, 'a');  // no CRLF yet
  EXPECT_TRUE(FailsWith(r, 414));
  EXPECT_TRUE(Contains(DetailOf(r), "max_request_line"));
  r += " HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_TRUE(FailsWith(r, 414));
  // Just under the default limit is fine.
  EXPECT_TRUE(
      Completes("GET /" + std::string(8 * 1024 - 14, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(
      FailsWith("GET /" + std::string(8 * 1024 - 13, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414));
}

// ---------------------------------------------------------------------------------------------
// request-target

TEST(H1Parser, TargetBytesMustBeVisibleAscii) {
  EXPECT_TRUE(FailsWith("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /a\x7F HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /caf\xC3\xA9 HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /\xFF HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  EXPECT_TRUE(Contains(DetailOf("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s), "NUL"));
  EXPECT_TRUE(Completes("GET /%C3%A9?a=b&c=[d]#x!$'()*+,;=:@~ HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(H1Parser, TargetForms) {
  RequestHead head;
  ASSERT_EQ(Parse("GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n", head).kind,
            Kind::kComplete);
  EXPECT_EQ(head.target, "http://example.com/x?y");
  EXPECT_TRUE(Completes("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  EXPECT_TRUE(Completes("GET hTtP://a:8080 HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(FailsWith("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET ?a HTTP/1.1\r\nHost: a\r\n\r\n", 400));
}

TEST(H1Parser, AsteriskFormOnlyWithOptions) {
  EXPECT_TRUE(Completes("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(Completes("OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(FailsWith("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("FOO * HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("OPTIONS ** HTTP/1.1\r\nHost: a\r\n\r\n", 400));
}

TEST(H1Parser, AuthorityFormOnlyWithConnect) {
  RequestHead head;
  ASSERT_EQ(Parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", head).kind,
            Kind::kComplete);
  EXPECT_EQ(head.method, Method::kConnect);
  EXPECT_EQ(head.target, "example.com:443");
  EXPECT_TRUE(Completes("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"));
  EXPECT_TRUE(FailsWith("GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT http://a:1/ HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT example.com: HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT :443 HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT u@a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("CONNECT * HTTP/1.1\r\nHost: a\r\n\r\n", 400));
}

// ---------------------------------------------------------------------------------------------
// HTTP-version

TEST(H1Parser, Http10) {
  RequestHead head;
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", head).kind, Kind::kComplete);  // Host optional
  EXPECT_EQ(head.version_minor, 0);
  EXPECT_FALSE(head.keep_alive);
}

TEST(H1Parser, Http12IsAcceptedAsHttp11) {
  RequestHead head;
  ASSERT_EQ(Parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.9\r\nHost: a\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_TRUE(FailsWith("GET / HTTP/1.2\r\n\r\n", 400));  // treated as 1.1: Host required
}

TEST(H1Parser, OtherMajorVersionsAre505) {
  EXPECT_TRUE(FailsWith("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505));
  EXPECT_TRUE(FailsWith("GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505));
  EXPECT_TRUE(FailsWith("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505));
  EXPECT_TRUE(FailsWith("GET / HTTP/9.1\r\n", 505));  // decided on the request-line alone
}

TEST(H1Parser, MalformedVersionIs400) {
  for (const char* v :
       {"HTTP/1", "HTTP/1.", "HTTP/1.10", "HTTP/11.1", "http/1.1", "HTTP/1,1", "HTTP/a.1",
        "HTTP/1.x", "HTTPS/1.1", "HTTP /1.1", "HTTP/+1.1", "HTTP/1.1.1"}) {
    const std::string r = std::string("GET / ") + v + "\r\nHost: a\r\n\r\n";
    EXPECT_TRUE(FailsWith(r, 400)) << v;
  }
}

// ---------------------------------------------------------------------------------------------
// Line endings and forbidden bytes

TEST(H1Parser, BareLfIs400) {
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\nHost: a\n\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\n\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nX: y\nZ: w\r\n\r\n", 400));
  EXPECT_TRUE(Contains(DetailOf("GET / HTTP/1.1\nHost: a\n\n"), "bare LF"));
  EXPECT_TRUE(Contains(DetailOf("GET / HTTP/1.1\r\nHost: a\r\n\n"), "bare LF"));
}

TEST(H1Parser, BareCrIs400) {
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\rHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(Contains(DetailOf("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), "bare CR"));
  EXPECT_TRUE(Contains(DetailOf("GET / HTTP/1.1\rHost: a\r\n\r\n"), "bare CR"));
}

TEST(H1Parser, NulIs400) {
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n"s, 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHo\0st: a\r\n\r\n"s, 400));
  EXPECT_TRUE(FailsWith("\0GET / HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  EXPECT_TRUE(FailsWith("GET\0/ HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  EXPECT_TRUE(Contains(DetailOf("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n"s), "NUL"));
}

// ---------------------------------------------------------------------------------------------
// Header field syntax

TEST(H1Parser, ObsFoldIs400) {
  EXPECT_TRUE(FailsWith(Req("X: a\r\n b\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X: a\r\n\tb\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("Transfer-Encoding:\r\n chunked\r\n"), 400));
  EXPECT_TRUE(Contains(DetailOf(Req("X: a\r\n b\r\n")), "obs-fold"));
  EXPECT_TRUE(Contains(DetailOf(Req("Transfer-Encoding:\r\n chunked\r\n")), "obs-fold"));
}

TEST(H1Parser, WhitespaceBeforeFirstFieldIs400) {
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", 400));
}

TEST(H1Parser, WhitespaceBeforeColonIs400) {
  EXPECT_TRUE(FailsWith(Req("Transfer-Encoding : chunked\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("Content-Length\t: 5\r\n"), 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400));
  EXPECT_TRUE(Contains(DetailOf(Req("Transfer-Encoding : chunked\r\n")), "§5.1"));
}

TEST(H1Parser, FieldNameRules) {
  EXPECT_TRUE(FailsWith(Req("NoColonHere\r\n"), 400));
  EXPECT_TRUE(Contains(DetailOf(Req("NoColonHere\r\n")), "no colon"));
  EXPECT_TRUE(FailsWith(Req(": value\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X(y): z\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X/y: z\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("\xC3\xA9: z\r\n"), 400));
  EXPECT_TRUE(Completes(Req("X-Odd!#$%&'*+.^_`|~: z\r\n")));
}

TEST(H1Parser, FieldValueRules) {
  RequestHead head;
  const std::string r =
      Req("X-A: \t  hello \t world \t \r\nX-B:\r\nX-C:   \r\nX-D: caf\xC3\xA9\r\n");
  ASSERT_EQ(Parse(r, head).kind, Kind::kComplete);
  EXPECT_EQ(head.headers.Find("x-a"), "hello \t world");
  EXPECT_EQ(head.headers.Find("x-b"), "");
  EXPECT_EQ(head.headers.Find("x-c"), "");
  EXPECT_EQ(head.headers.Find("x-d"), "caf\xC3\xA9");  // obs-text allowed
  EXPECT_TRUE(FailsWith(Req("X: a\x7F b\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X: a\x01\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X: a\x1B[0m\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("X: \x0B\r\n"), 400));
}

TEST(H1Parser, RepeatedOrdinaryFieldsAreKept) {
  RequestHead head;
  const std::string r = Req("Accept: a\r\naccept: b\r\n");  // head's views point into r
  ASSERT_EQ(Parse(r, head).kind, Kind::kComplete);
  EXPECT_EQ(head.headers.Count("Accept"), 2u);
  EXPECT_EQ(head.headers.Find("Accept"), "a");
}

// ---------------------------------------------------------------------------------------------
// 431

TEST(H1Parser, TooManyHeadersIs431) {
  std::string hundred;
  for (int i = 0; i < 99; ++i)
    hundred += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_TRUE(Completes(Req(hundred)));                         // Host + 99 = 100 fields
  EXPECT_TRUE(FailsWith(Req(hundred + "X-Last: v\r\n"), 431));  // 101 fields
  ParserLimits limits;
  limits.max_header_count = 2;
  EXPECT_TRUE(Completes(Req("A: 1\r\n"), limits));
  EXPECT_TRUE(FailsWith(Req("A: 1\r\nB: 2\r\n"), 431, limits));
  // Detected before the header section is complete.
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n", 431, limits));
}

TEST(H1Parser, HugeHeaderIs431) {
  const std::string big = "X-Big: " + std::string(40 * 1024, 'a') + "\r\n";
  EXPECT_TRUE(FailsWith(Req(big), 431));
  // Also while incomplete: no CRLF yet after 40 KiB.
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nX-Big: " + std::string(40 * 1024, 'a'), 431));
  EXPECT_TRUE(Contains(DetailOf(Req(big)), "max_header_bytes"));
}

TEST(H1Parser, HeaderSectionLimitBoundary) {
  // "Host: a\r\n\r\n" is 11 bytes of header section.
  const std::string r = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ParserLimits limits;
  limits.max_header_bytes = 11;
  EXPECT_TRUE(Completes(r, limits));
  limits.max_header_bytes = 10;
  EXPECT_TRUE(FailsWith(r, 431, limits));
  RequestHead head;
  EXPECT_EQ(Parse(r.substr(0, r.size() - 1), head, limits).kind, Kind::kIncomplete);
  EXPECT_EQ(Parse(r + "GET", head, limits).status, 431);
}

// ---------------------------------------------------------------------------------------------
// Content-Length

TEST(H1Parser, ContentLengthValid) {
  RequestHead head;
  ASSERT_EQ(Parse(Req("Content-Length: 0\r\n"), head).kind, Kind::kComplete);
  EXPECT_EQ(head.content_length, 0u);
  ASSERT_EQ(Parse(Req("content-length:  \t1234 \r\n"), head).kind, Kind::kComplete);
  EXPECT_EQ(head.content_length, 1234u);
  ASSERT_EQ(Parse(Req("Content-Length: 007\r\n"), head).kind, Kind::kComplete);
  EXPECT_EQ(head.content_length, 7u);
  ASSERT_EQ(Parse(Req("Content-Length: 9999999999999999999\r\n"), head).kind, Kind::kComplete);
  EXPECT_EQ(head.content_length, 9999999999999999999ULL);
}

TEST(H1Parser, ContentLengthInvalidIs400) {
  for (const char* v : {"", "+5", "-5", "0x5", "5, 6", "5,5", "5 5", "5a", "1e3", "5.0", "\"5\"",
                        "18446744073709551615", "99999999999999999999", "00000000000000000001"}) {
    EXPECT_TRUE(FailsWith(Req(std::string("Content-Length: ") + v + "\r\n"), 400)) << v;
  }
  EXPECT_TRUE(Contains(DetailOf(Req("Content-Length: \r\n")), "empty"));
  EXPECT_TRUE(Contains(DetailOf(Req("Content-Length: 99999999999999999999\r\n")), "19 digits"));
}

TEST(H1Parser, DuplicateContentLengthIs400) {
  EXPECT_TRUE(FailsWith(Req("Content-Length: 5\r\nContent-Length: 5\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("Content-Length: 5\r\nContent-Length: 6\r\n"), 400));
  EXPECT_TRUE(FailsWith(Req("Content-Length: 0\r\ncontent-length: 0\r\n"), 400));
}

// ---------------------------------------------------------------------------------------------
// Transfer-Encoding

TEST(H1Parser, ChunkedAccepted) {
  RequestHead head;
  ASSERT_EQ(Parse(Req("Transfer-Encoding: chunked\r\n"), head).kind, Kind::kComplete);
  EXPECT_TRUE(head.chunked);
  EXPECT_FALSE(head.content_length.has_value());
  ASSERT_EQ(Parse(Req("transfer-encoding: CHUNKED\r\n"), head).kind, Kind::kComplete);
  EXPECT_TRUE(head.chunked);
  ASSERT_EQ(Parse(Req("Transfer-Encoding: , ,\tchunked , \r\n"), head).kind, Kind::kComplete);
  EXPECT_TRUE(head.chunked);
  ASSERT_EQ(Parse(Req("Transfer-Encoding: ,\r\nTransfer-Encoding: chunked\r\n"), head).kind,
            Kind::kFailed);  // the first field is an empty list
}

TEST(H1Parser, TransferEncodingCatalog) {
  const std::pair<const char*, int> cases[] = {
      {"Transfer-Encoding: chunked, gzip\r\n", 400},
      {"Transfer-Encoding: gzip, chunked\r\n", 501},
      {"Transfer-Encoding: gzip\r\n", 400},
      {"Transfer-Encoding: chunked, chunked\r\n", 400},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
      {"Transfer-Encoding: identity\r\n", 400},
      {"Transfer-Encoding: chunked, identity\r\n", 400},
      {"Transfer-Encoding: identity, chunked\r\n", 501},
      {"Transfer-Encoding: deflate,compress , chunked\r\n", 501},
      {"Transfer-Encoding: x-unknown, chunked\r\n", 501},
      {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", 400},
      {"Transfer-Encoding: gzip;q=1, chunked\r\n", 501},
      {"Transfer-Encoding: chunked;foo=bar\r\n", 400},
      {"Transfer-Encoding:\r\n", 400},
      {"Transfer-Encoding:   \r\n", 400},
      {"Transfer-Encoding: ,\r\n", 400},
      {"Transfer-Encoding: chu nked\r\n", 400},
      {"Transfer-Encoding: \"chunked\"\r\n", 400},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400},
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400},
      {"Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n", 400},
  };
  for (const auto& [fields, status] : cases) {
    EXPECT_TRUE(FailsWith(Req(fields), status)) << fields;
  }
  EXPECT_TRUE(Contains(DetailOf(Req("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")),
                       "Content-Length"));
}

TEST(H1Parser, TransferEncodingInHttp10Is400) {
  EXPECT_TRUE(FailsWith("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
  EXPECT_TRUE(Contains(DetailOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), "1.0"));
}

// ---------------------------------------------------------------------------------------------
// Host, Connection, Expect

TEST(H1Parser, HostRules) {
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nX: y\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400));
  EXPECT_TRUE(FailsWith("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400));
  RequestHead head;
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nhOsT:  example.org:8080 \r\n\r\n", head).kind,
            Kind::kComplete);
  EXPECT_EQ(head.host, "example.org:8080");
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(head.host, "");
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(head.host, "");
}

TEST(H1Parser, ConnectionTokens) {
  struct Case {
    const char* request;
    bool keep_alive;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", true},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close, keep-alive\r\n\r\n", false},
  };
  for (const Case& c : cases) {
    RequestHead head;
    ASSERT_EQ(Parse(c.request, head).kind, Kind::kComplete) << c.request;
    EXPECT_EQ(head.keep_alive, c.keep_alive) << c.request;
  }
}

TEST(H1Parser, Expect) {
  RequestHead head;
  ASSERT_EQ(Parse(Req("Expect: 100-continue\r\nContent-Length: 3\r\n"), head).kind,
            Kind::kComplete);
  EXPECT_TRUE(head.expect_continue);
  ASSERT_EQ(Parse(Req("Expect:  100-Continue \r\n"), head).kind, Kind::kComplete);
  EXPECT_TRUE(head.expect_continue);
  ASSERT_EQ(Parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_FALSE(head.expect_continue);  // ignored in HTTP/1.0 (RFC 9110 §10.1.1)
  EXPECT_TRUE(FailsWith(Req("Expect: 200-ok\r\n"), 417));
  EXPECT_TRUE(FailsWith(Req("Expect: 100-continue, foo\r\n"), 417));
  EXPECT_TRUE(FailsWith(Req("Expect: 100-continue=1\r\n"), 417));
  EXPECT_TRUE(FailsWith("POST / HTTP/1.0\r\nExpect: x\r\n\r\n", 417));
  // Framing errors take precedence over the expectation.
  EXPECT_TRUE(FailsWith(Req("Expect: foo\r\nTransfer-Encoding: gzip\r\n"), 400));
}

// ---------------------------------------------------------------------------------------------
// ChunkedDecoder

struct Decoded {
  ChunkedDecoder::Step step;  // the last step
  std::string body;
  std::string rest;  // bytes not consumed (the next request)
};

// Feeds `pieces` the way a connection does: each call gets the unconsumed rest plus new bytes.
Decoded Decode(const std::vector<std::string>& pieces, const ParserLimits& limits = {},
               std::uint64_t max_body = 1 << 20) {
  ChunkedDecoder decoder(limits, max_body);
  Decoded r;
  std::string pending;
  std::size_t k = 0;
  while (k < pieces.size()) {
    pending += pieces[k++];
    r.step = decoder.Feed(pending, r.body);
    EXPECT_LE(r.step.consumed, pending.size());
    pending.erase(0, r.step.consumed);
    if (r.step.done || r.step.status != 0)
      break;
  }
  while (k < pieces.size())
    pending += pieces[k++];
  r.rest = pending;
  return r;
}

Decoded DecodeWhole(std::string_view s, const ParserLimits& limits = {},
                    std::uint64_t max_body = 1 << 20) {
  return Decode({std::string(s)}, limits, max_body);
}

std::vector<std::string> Bytes(std::string_view s) {
  std::vector<std::string> v;
  for (char c : s)
    v.emplace_back(1, c);
  return v;
}

struct ValidChunked {
  std::string wire;
  std::string body;
  std::string rest;
};

std::vector<ValidChunked> ValidChunkedExamples() {
  return {
      {"5\r\nhello\r\n0\r\n\r\n", "hello", ""},
      {"0\r\n\r\n", "", ""},
      {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "hello world",
       "GET / HTTP/1.1\r\n"},
      {"A\r\n0123456789\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
       "0123456789abcdefghijklmnopqrstuvwxyz", ""},
      {"5;name=value;flag\r\nhello\r\n3 ; q=\"a;b\\\"c\"\r\nabc\r\n0;last\r\n\r\nX", "helloabc",
       "X"},
      {"3\t;x\r\n\r\n\r\r\n0\r\nX-Trailer: yes\r\nChecksum:abc \r\n\r\n", "\r\n\r", ""},
      {"0000000000000003\r\nabc\r\n0\r\nA:\r\n\r\n\r\n", "abc", "\r\n"},
  };
}

TEST(ChunkedDecoder, ValidExamplesWhole) {
  for (const ValidChunked& ex : ValidChunkedExamples()) {
    const Decoded d = DecodeWhole(ex.wire);
    EXPECT_TRUE(d.step.done) << ex.wire << " " << d.step.detail;
    EXPECT_EQ(d.step.status, 0) << ex.wire;
    EXPECT_EQ(d.body, ex.body) << ex.wire;
    EXPECT_EQ(d.rest, ex.rest) << ex.wire;
    EXPECT_EQ(d.step.consumed, ex.wire.size() - ex.rest.size());
  }
}

TEST(ChunkedDecoder, ValidExamplesByteByByte) {
  for (const ValidChunked& ex : ValidChunkedExamples()) {
    const Decoded d = Decode(Bytes(ex.wire));
    EXPECT_TRUE(d.step.done) << ex.wire << " " << d.step.detail;
    EXPECT_EQ(d.body, ex.body) << ex.wire;
    EXPECT_EQ(d.rest, ex.rest) << ex.wire;
  }
}

TEST(ChunkedDecoder, ValidExamplesEveryTwoWaySplit) {
  for (const ValidChunked& ex : ValidChunkedExamples()) {
    for (std::size_t i = 0; i <= ex.wire.size(); ++i) {
      const Decoded d = Decode({ex.wire.substr(0, i), ex.wire.substr(i)});
      EXPECT_TRUE(d.step.done) << ex.wire << " split " << i << " " << d.step.detail;
      EXPECT_EQ(d.body, ex.body) << ex.wire << " split " << i;
      EXPECT_EQ(d.rest, ex.rest) << ex.wire << " split " << i;
    }
  }
}

TEST(ChunkedDecoder, IncompleteConsumesEverythingAndIsNotDone) {
  const std::string wire = "5;a=b\r\nhello\r\n0\r\nT: v\r\n\r\n";
  for (std::size_t n = 0; n < wire.size(); ++n) {
    ChunkedDecoder decoder({}, 100);
    std::string body;
    const auto step = decoder.Feed(std::string_view(wire).substr(0, n), body);
    EXPECT_FALSE(step.done) << n;
    EXPECT_EQ(step.status, 0) << n;
    EXPECT_EQ(step.consumed, n);
  }
}

TEST(ChunkedDecoder, FeedAfterDoneAndAfterFailure) {
  ChunkedDecoder decoder({}, 100);
  std::string body;
  auto step = decoder.Feed("0\r\n\r\nGET", body);
  ASSERT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 5u);
  step = decoder.Feed("GET / HTTP/1.1\r\n", body);
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 0u);

  ChunkedDecoder bad({}, 100);
  step = bad.Feed("zz\r\n", body);
  ASSERT_EQ(step.status, 400);
  EXPECT_LE(step.consumed, 4u);
  step = bad.Feed("0\r\n\r\n", body);
  EXPECT_EQ(step.status, 400);
  EXPECT_FALSE(step.done);
  EXPECT_EQ(step.consumed, 0u);
}

TEST(ChunkedDecoder, InvalidChunkSizesAre400) {
  for (const char* wire :
       {"0x10\r\n", "-1\r\n", "\r\n", " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n", "5\t\r\n",
        "g\r\n", "5g\r\n", "+5\r\n", "12345678901234567\r\n", "00000000000000000\r\n", "5 5\r\n",
        "5,\r\n", ";a\r\n", "5\n", "5\rX", "\n"}) {
    const Decoded d = DecodeWhole(wire, {}, UINT64_MAX);
    EXPECT_EQ(d.step.status, 400) << wire;
    EXPECT_FALSE(d.step.done) << wire;
  }
  EXPECT_EQ(DecodeWhole("5\0\r\n"s).step.status, 400);
  EXPECT_EQ(DecodeWhole("\0\r\n"s).step.status, 400);
  EXPECT_EQ(DecodeWhole("1\r\nx\r\n0\r\nX: \0\r\n\r\n"s).step.status, 400);
  // 16 hex digits are allowed (given a large enough limit).
  const Decoded d = DecodeWhole("000000000000000A\r\n0123456789\r\n0\r\n\r\n");
  EXPECT_TRUE(d.step.done) << d.step.detail;
  EXPECT_EQ(d.body, "0123456789");
  EXPECT_EQ(DecodeWhole("ffffffffffffffff\r\n", {}, UINT64_MAX).step.status, 0);
}

TEST(ChunkedDecoder, RunawayChunkIs400) {
  const Decoded d = DecodeWhole("4\r\nSEE-THIS\r\n0\r\n\r\n");
  EXPECT_EQ(d.step.status, 400);
  EXPECT_TRUE(Contains(d.step.detail, "runaway"));
  EXPECT_EQ(DecodeWhole("5\r\nhello0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("5\r\nhello\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("5\r\nhello\rX0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("5\r\nhel\r\n0\r\n\r\n").step.status, 400);  // short chunk
  EXPECT_EQ(Decode(Bytes("4\r\nSEE-THIS\r\n")).step.status, 400);
}

TEST(ChunkedDecoder, BodyLimitIs413) {
  // Detected on the chunk-size, before any data arrives.
  Decoded d = DecodeWhole("b\r\n", {}, 10);
  EXPECT_EQ(d.step.status, 413);
  d = DecodeWhole("ffffffffffffffff\r\n", {}, 10);  // 16 digits: well-formed, too large
  EXPECT_EQ(d.step.status, 413);
  d = DecodeWhole("ffffffffffffffffff\r\n", {}, 10);  // 18 digits: malformed first
  EXPECT_EQ(d.step.status, 400);
  d = DecodeWhole("6\r\nhello \r\n5\r\n", {}, 10);
  EXPECT_EQ(d.step.status, 413);
  d = DecodeWhole("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", {}, 10);  // exactly the limit
  EXPECT_TRUE(d.step.done) << d.step.detail;
  EXPECT_EQ(d.body, "helloworld");
  d = DecodeWhole("0000000000000000\r\n\r\n", {}, 0);
  EXPECT_TRUE(d.step.done) << d.step.detail;
}

TEST(ChunkedDecoder, ChunkExtensionsOverCapAre400) {
  ParserLimits limits;
  limits.max_chunk_extension_bytes = 16;
  // Exactly 16 bytes of extension (";aaaaaaaaaaa=bbb") is fine.
  Decoded d = DecodeWhole("1;aaaaaaaaaaa=bbb\r\nx\r\n0\r\n\r\n", limits);
  EXPECT_TRUE(d.step.done) << d.step.detail;
  d = DecodeWhole("1;aaaaaaaaaaaa=bbb\r\nx\r\n0\r\n\r\n", limits);
  EXPECT_EQ(d.step.status, 400);
  EXPECT_TRUE(Contains(d.step.detail, "max_chunk_extension_bytes"));
  // Counted over the whole body: many small chunks with small extensions.
  d = DecodeWhole("1;abcde\r\nx\r\n1;abcde\r\nx\r\n1;abcde\r\nx\r\n0\r\n\r\n", limits);
  EXPECT_EQ(d.step.status, 400);
  // The default cap (4 KiB) against 1 MiB of "a=b;".
  std::string big = "5";
  for (int i = 0; i < 256 * 1024; ++i)
    big += ";a=b";
  big += "\r\nhello\r\n0\r\n\r\n";
  d = DecodeWhole(big);
  EXPECT_EQ(d.step.status, 400);
  EXPECT_LE(d.step.consumed, 4 * 1024 + 8u);  // stopped at the cap, not at the end
}

TEST(ChunkedDecoder, ChunkExtensionSyntax) {
  EXPECT_EQ(DecodeWhole("1;a\x01\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1;a=\"b\rc\"\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1;a=\"b\x7F\"\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1;a\n\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1;a(b)\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1;a\rb\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("1 x\r\nx\r\n0\r\n\r\n").step.status, 400);
  EXPECT_TRUE(DecodeWhole("1 \t ; a = \"x\\\"y\" ;b\r\nx\r\n0\r\n\r\n").step.done);
}

TEST(ChunkedDecoder, TrailerFieldsAreValidated) {
  EXPECT_EQ(DecodeWhole("0\r\nX: a\r\n b\r\n\r\n").step.status, 400);  // obs-fold
  EXPECT_TRUE(Contains(DecodeWhole("0\r\nX: a\r\n b\r\n\r\n").step.detail, "obs-fold"));
  EXPECT_EQ(DecodeWhole("0\r\n\tb\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\nNoColon\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\nX : a\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\nX: a\nY: b\r\n\r\n").step.status, 400);  // bare LF
  EXPECT_EQ(DecodeWhole("0\r\nX: a\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\n\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\nX: a\rY: b\r\n\r\n").step.status, 400);  // bare CR
  EXPECT_EQ(DecodeWhole("0\r\nX: a\x01\r\n\r\n").step.status, 400);
  EXPECT_EQ(DecodeWhole("0\r\n\r\r\n").step.status, 400);
  EXPECT_EQ(Decode(Bytes("0\r\nX: a\r\n b\r\n\r\n")).step.status, 400);
}

TEST(ChunkedDecoder, TrailerLimitIs431) {
  ParserLimits limits;
  limits.max_trailer_bytes = 10;  // "X: 123\r\n" (8) + "\r\n" (2)
  Decoded d = DecodeWhole("0\r\nX: 123\r\n\r\n", limits);
  EXPECT_TRUE(d.step.done) << d.step.detail;
  d = DecodeWhole("0\r\nX: 1234\r\n\r\n", limits);
  EXPECT_EQ(d.step.status, 431);
  d = Decode(Bytes("0\r\nX: 1234\r\n\r\n"), limits);
  EXPECT_EQ(d.step.status, 431);
  // Detected while incomplete: a trailer line that never ends.
  d = DecodeWhole("0\r\nX: " + std::string(20 * 1024, 'a'));
  EXPECT_EQ(d.step.status, 431);
}

TEST(ChunkedDecoder, ConsumedStopsAfterTheFinalCrlf) {
  const std::string wire = "3\r\nabc\r\n0\r\nT: x\r\n\r\n";
  const std::string next = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  ChunkedDecoder decoder({}, 100);
  std::string body;
  const std::string buf = wire + next;
  const auto step = decoder.Feed(buf, body);
  ASSERT_TRUE(step.done);
  EXPECT_EQ(step.consumed, wire.size());
  EXPECT_EQ(body, "abc");
  RequestHead head;
  const ParseOutcome out = Parse(std::string_view(buf).substr(step.consumed), head);
  ASSERT_EQ(out.kind, Kind::kComplete);
  EXPECT_EQ(head.target, "/next");
}

TEST(ChunkedDecoder, HeadThenBodyEndToEnd) {
  const std::string buf =
      "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
  RequestHead head;
  const ParseOutcome out = Parse(buf, head);
  ASSERT_EQ(out.kind, Kind::kComplete);
  ASSERT_TRUE(head.chunked);
  ChunkedDecoder decoder({}, 1024);
  std::string body;
  const auto step = decoder.Feed(std::string_view(buf).substr(out.consumed), body);
  ASSERT_TRUE(step.done);
  EXPECT_EQ(body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(out.consumed + step.consumed, buf.size());
}

// ---------------------------------------------------------------------------------------------
// Headers helpers

TEST(Headers, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("a", "ab"));
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));  // differ only in bit 0x20 but are not letters
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  EXPECT_TRUE(EqualsIgnoreCase("X-\xC3\xA9", "x-\xC3\xA9"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA9", "\xC3\x89"));  // no non-ASCII folding
}

}  // namespace
}  // namespace keel::http
