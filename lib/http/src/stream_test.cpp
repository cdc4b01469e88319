#include "keel/http/stream.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

TEST(FormatEvent, DataOnly) {
  EXPECT_EQ(FormatEvent({.data = "hello"}), "data: hello\n\n");
}

TEST(FormatEvent, AllFields) {
  EXPECT_EQ(FormatEvent({.event = "progress",
                         .data = R"({"progress":40})",
                         .id = "7",
                         .retry = std::chrono::milliseconds(2500)}),
            "event: progress\nid: 7\nretry: 2500\ndata: {\"progress\":40}\n\n");
}

TEST(FormatEvent, EveryLineOfDataIsADataLine) {
  EXPECT_EQ(FormatEvent({.data = "a\nb\r\nc\rd"}), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  // A trailing line break is an empty last line (the client's data then ends with '\n').
  EXPECT_EQ(FormatEvent({.data = "a\n"}), "data: a\ndata: \n\n");
}

TEST(FormatEvent, EmptyDataStillDispatches) {
  EXPECT_EQ(FormatEvent({}), "data: \n\n");
}

TEST(FormatEvent, LineBreaksInSingleLineFieldsAreDropped) {
  EXPECT_EQ(FormatEvent({.event = "a\nevent: b", .data = "x", .id = "1\r2"}),
            "event: aevent: b\nid: 12\ndata: x\n\n");
}

TEST(EventStreamResponse, HeadersAndBody) {
  StreamProducer producer = [](ResponseStream&) -> boost::asio::awaitable<void> { co_return; };
  const Response r = EventStreamResponse(producer, std::chrono::seconds(3));
  EXPECT_EQ(r.status(), 200);
  ASSERT_NE(r.FindHeader("content-type"), nullptr);
  EXPECT_EQ(*r.FindHeader("content-type"), "text/event-stream");
  EXPECT_EQ(*r.FindHeader("cache-control"), "no-store");
  EXPECT_EQ(*r.FindHeader("x-accel-buffering"), "no");
  ASSERT_NE(r.stream(), nullptr);
  EXPECT_EQ(r.stream()->heartbeat_interval, std::chrono::seconds(3));
  EXPECT_EQ(r.stream()->heartbeat, ":\n\n");
  EXPECT_TRUE(r.body().empty());
}

TEST(Response, OrdinaryResponseHasNoStream) {
  EXPECT_EQ(Response::Text(200, "x").stream(), nullptr);
}

}  // namespace
}  // namespace keel::http
