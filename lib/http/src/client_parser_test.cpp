#include "client_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace keel::http {
namespace {

using Kind = ResponseParse::Kind;

ResponseParse Parse(std::string_view text, ResponseHead& head, ResponseLimits limits = {}) {
  return ParseResponseHead(text, limits, head);
}

// Feeds `body` to a reader in pieces of `piece` bytes, as a socket would deliver it.
struct Fed {
  std::string body;
  bool done = false;
  std::string error;
  std::size_t consumed = 0;
};
Fed FeedInPieces(ResponseBodyReader reader, std::string_view wire, std::size_t piece) {
  Fed out;
  std::string pending;
  for (std::size_t i = 0; i < wire.size() && !out.done && out.error.empty(); i += piece) {
    pending += wire.substr(i, piece);
    const auto step = reader.Feed(pending, out.body);
    out.consumed += step.consumed;
    out.done = step.done;
    out.error = std::string(step.error);
    pending.erase(0, step.consumed);
  }
  return out;
}

TEST(ClientParser, ContentLengthResponse) {
  ResponseHead head;
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello";
  const auto r = Parse(wire, head);
  ASSERT_EQ(r.kind, Kind::kComplete);
  EXPECT_EQ(r.consumed, wire.size() - 5);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.headers.Find("x-a"), "b");
  EXPECT_EQ(FramingFor(head, false), BodyFraming::kLength);
  std::string body;
  ResponseBodyReader reader(BodyFraming::kLength, 5, {});
  const auto step = reader.Feed(std::string_view(wire).substr(r.consumed), body);
  EXPECT_TRUE(step.done);
  EXPECT_EQ(body, "hello");
}

TEST(ClientParser, HeadSplitAtEveryByte) {
  const std::string wire =
      "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n";
  for (std::size_t n = 0; n < wire.size(); ++n) {
    ResponseHead head;
    EXPECT_EQ(Parse(wire.substr(0, n), head).kind, Kind::kIncomplete) << "prefix " << n;
  }
  ResponseHead head;
  EXPECT_EQ(Parse(wire, head).kind, Kind::kComplete);
  EXPECT_EQ(head.status, 201);
}

TEST(ClientParser, BodySplitAtEveryPieceSize) {
  const std::string body(300, 'x');
  for (std::size_t piece = 1; piece <= 17; ++piece) {
    const auto fed = FeedInPieces(ResponseBodyReader(BodyFraming::kLength, 300, {}), body, piece);
    EXPECT_TRUE(fed.done) << piece;
    EXPECT_EQ(fed.body, body);
  }
}

TEST(ClientParser, ChunkedSplitAtEveryByte) {
  const std::string wire =
      "5;ext=\"a b\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\nNEXT";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    const auto fed = FeedInPieces(ResponseBodyReader(BodyFraming::kChunked, 0, {}), wire, piece);
    ASSERT_TRUE(fed.error.empty()) << piece << ": " << fed.error;
    ASSERT_TRUE(fed.done) << piece;
    EXPECT_EQ(fed.body, "helloabcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(fed.consumed, wire.size() - 4) << "bytes after the body are not consumed";
  }
}

TEST(ClientParser, ChunkedErrors) {
  const char* bad[] = {
      "x\r\n",                      // not hex
      "\r\n",                       // empty size
      "5\nhello\r\n",               // bare LF
      "3\r\nhello\r\n",             // data longer than size
      "1000000000000000\r\n",       // absurd size
      "0\r\nBad\nTrailer\r\n\r\n",  // bare LF in trailer
  };
  for (const char* wire : bad) {
    std::string body;
    ResponseBodyReader reader(BodyFraming::kChunked, 0, {});
    EXPECT_FALSE(reader.Feed(wire, body).error.empty()) << wire;
  }
}

TEST(ClientParser, BodyLimits) {
  ResponseLimits limits;
  limits.max_body_bytes = 4;
  std::string body;
  EXPECT_FALSE(
      ResponseBodyReader(BodyFraming::kLength, 5, limits).Feed("hello", body).error.empty());
  body.clear();
  EXPECT_FALSE(ResponseBodyReader(BodyFraming::kChunked, 0, limits)
                   .Feed("5\r\nhello\r\n", body)
                   .error.empty());
  body.clear();
  EXPECT_FALSE(
      ResponseBodyReader(BodyFraming::kUntilClose, 0, limits).Feed("hello", body).error.empty());
}

TEST(ClientParser, UntilCloseEndsAtEof) {
  ResponseHead head;
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(FramingFor(head, false), BodyFraming::kUntilClose);
  ResponseBodyReader reader(BodyFraming::kUntilClose, 0, {});
  std::string body;
  EXPECT_FALSE(reader.Feed("abc", body).done);
  EXPECT_TRUE(reader.Finish().done);
  EXPECT_EQ(body, "abc");
  EXPECT_FALSE(ResponseBodyReader(BodyFraming::kLength, 3, {}).Finish().error.empty());
}

TEST(ClientParser, NoBodyStatusesAndHead) {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                           "HTTP/1.1 100 Continue\r\n\r\n"}) {
    ResponseHead head;
    ASSERT_EQ(Parse(wire, head).kind, Kind::kComplete) << wire;
    EXPECT_EQ(FramingFor(head, false), BodyFraming::kNone) << wire;
  }
  ResponseHead head;
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_EQ(FramingFor(head, /*head_request=*/true), BodyFraming::kNone);
}

TEST(ClientParser, KeepAliveRules) {
  ResponseHead head;
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.0 200 OK\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n", head).kind, Kind::kComplete);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.1 200\r\n\r\n", head).kind, Kind::kComplete);  // no reason phrase
  EXPECT_EQ(head.status, 200);
}

TEST(ClientParser, AmbiguousFramingIsRefused) {
  const char* bad[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\nX: a\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n",
      "HTTP/2.0 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
  };
  for (const char* wire : bad) {
    ResponseHead head;
    EXPECT_EQ(Parse(wire, head).kind, Kind::kFailed) << wire;
  }
  ResponseHead head;
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", head).kind,
            Kind::kComplete)
      << "identical repeated lengths are not ambiguous";
}

TEST(ClientParser, HeadLimits) {
  ResponseLimits limits;
  limits.max_head_bytes = 64;
  ResponseHead head;
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nX: " + std::string(80, 'a'), head, limits).kind,
            Kind::kFailed);
  limits = {};
  limits.max_header_count = 2;
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", head, limits).kind,
            Kind::kFailed);
}

}  // namespace
}  // namespace keel::http
