#include "response_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keel::load {
namespace {

struct Outcome {
  ResponseParser::State state = ResponseParser::State::kNeedMore;
  int status = 0;
  bool keep_alive = false;
  uint64_t body = 0;
  std::size_t left = 0;  // bytes not consumed after the response
};

// Feeds `pieces` like a connection does: unconsumed bytes are kept and passed again, followed by
// the next piece. `eof` closes the connection after the last piece.
Outcome Feed(const std::vector<std::string>& pieces, bool head = false, bool eof = false) {
  ResponseParser p;
  p.Reset(head);
  std::string buf;
  Outcome out;
  std::size_t unfed = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto& piece = pieces[i];
    buf += piece;
    const auto step = p.Parse(buf.data(), buf.size());
    buf.erase(0, step.consumed);
    out.state = step.state;
    if (step.state != ResponseParser::State::kNeedMore) {
      for (std::size_t j = i + 1; j < pieces.size(); ++j) {
        unfed += pieces[j].size();
      }
      break;
    }
  }
  if (eof && out.state == ResponseParser::State::kNeedMore) {
    out.state = p.OnEof();
  }
  out.status = p.status();
  out.keep_alive = p.keep_alive();
  out.body = p.body_bytes();
  out.left = buf.size() + unfed;
  return out;
}

Outcome FeedWhole(const std::string& s, bool head = false) {
  return Feed({s}, head);
}

// Every split of `wire` into two pieces (and one byte at a time) gives the same outcome.
void ExpectSplitInvariant(const std::string& wire, const Outcome& expected) {
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    const auto got = Feed({wire.substr(0, cut), wire.substr(cut)});
    ASSERT_EQ(got.state, expected.state) << "cut at " << cut;
    ASSERT_EQ(got.status, expected.status) << "cut at " << cut;
    ASSERT_EQ(got.body, expected.body) << "cut at " << cut;
    ASSERT_EQ(got.left, expected.left) << "cut at " << cut;
    ASSERT_EQ(got.keep_alive, expected.keep_alive) << "cut at " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : wire) {
    bytes.emplace_back(1, c);
  }
  const auto got = Feed(bytes);
  EXPECT_EQ(got.state, expected.state);
  EXPECT_EQ(got.body, expected.body);
}

constexpr ResponseParser::State kDone = ResponseParser::State::kDone;
constexpr ResponseParser::State kError = ResponseParser::State::kError;
constexpr ResponseParser::State kNeedMore = ResponseParser::State::kNeedMore;

TEST(ResponseParserTest, ContentLength) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
  const auto o = FeedWhole(wire);
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.status, 200);
  EXPECT_TRUE(o.keep_alive);
  EXPECT_EQ(o.body, 5u);
  EXPECT_EQ(o.left, 0u);
  ExpectSplitInvariant(wire, o);
}

TEST(ResponseParserTest, DoesNotConsumeTheNextResponse) {
  const std::string wire =
      "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\n";
  const auto o = FeedWhole(wire);
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.status, 404);
  EXPECT_EQ(o.left, std::string("HTTP/1.1 200 OK\r\n").size());
  ExpectSplitInvariant(wire, o);
}

TEST(ResponseParserTest, Chunked) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1A;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
  const auto o = FeedWhole(wire);
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.body, 31u);
  EXPECT_EQ(o.left, 0u);
  EXPECT_TRUE(o.keep_alive);
  ExpectSplitInvariant(wire, o);
}

TEST(ResponseParserTest, ChunkedWinsOverContentLength) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  const auto o = FeedWhole(wire);
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.body, 3u);
  ExpectSplitInvariant(wire, o);
}

TEST(ResponseParserTest, BareLfLineEndingsAreTolerated) {
  const auto o = FeedWhole("HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.body, 2u);
}

TEST(ResponseParserTest, NoBodyForHeadAnd204And304) {
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true).state, kDone);
  EXPECT_EQ(FeedWhole("HTTP/1.1 204 No Content\r\n\r\n").state, kDone);
  const auto o = FeedWhole("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.body, 0u);
  EXPECT_TRUE(o.keep_alive);
}

TEST(ResponseParserTest, InterimResponsesAreSkipped) {
  const std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
  const auto o = FeedWhole(wire);
  EXPECT_EQ(o.state, kDone);
  EXPECT_EQ(o.status, 201);
  ExpectSplitInvariant(wire, o);
}

TEST(ResponseParserTest, ConnectionCloseAndHttp10) {
  EXPECT_FALSE(
      FeedWhole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(FeedWhole("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_TRUE(FeedWhole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
                  .keep_alive);
}

TEST(ResponseParserTest, BodyUntilCloseWithoutLength) {
  const auto open = Feed({"HTTP/1.1 200 OK\r\n\r\nsome", " data"});
  EXPECT_EQ(open.state, kNeedMore);
  const auto closed = Feed({"HTTP/1.1 200 OK\r\n\r\nsome", " data"}, false, true);
  EXPECT_EQ(closed.state, kDone);
  EXPECT_EQ(closed.body, 9u);
  EXPECT_FALSE(closed.keep_alive);
}

TEST(ResponseParserTest, EofBeforeTheEndIsAnError) {
  EXPECT_EQ(Feed({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, false, true).state, kError);
  EXPECT_EQ(Feed({"HTTP/1.1 200 O"}, false, true).state, kError);
  EXPECT_EQ(Feed({""}, false, true).state, kError);
}

TEST(ResponseParserTest, MalformedResponsesAreErrors) {
  for (const char* wire :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
        "garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n"}) {
    EXPECT_EQ(FeedWhole(wire).state, kError) << wire;
  }
}

TEST(ResponseParserTest, HugeHeadIsAnError) {
  std::string wire = "HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a');
  EXPECT_EQ(FeedWhole(wire).state, kError);
}

TEST(ResponseParserTest, ResetAllowsReuse) {
  ResponseParser p;
  p.Reset(false);
  std::string a = "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(p.Parse(a.data(), a.size()).state, kDone);
  EXPECT_EQ(p.status(), 500);
  p.Reset(false);
  std::string b = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  EXPECT_EQ(p.Parse(b.data(), b.size()).state, kDone);
  EXPECT_EQ(p.status(), 200);
}

}  // namespace
}  // namespace keel::load
