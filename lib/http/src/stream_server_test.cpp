// Streamed responses through a real Server on a loopback socket: the wire format (chunked, one
// chunk per write, the last chunk, the connection reused), heartbeats between events, the end of
// the stream at the request deadline without stream_timeout, a producer that throws, drain, and
// the producer's waits cancelled when the client goes away.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "keel/core/runtime.hpp"
#include "keel/http/router.hpp"
#include "keel/http/server.hpp"
#include "keel/http/stream.hpp"
#include "keel/testing/loopback_client.hpp"
#include "loopback_server_test_support.hpp"

namespace keel::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using Client = testing::LoopbackClient;

// The chunks of a chunked body (without the last, empty one); fails the test on bad framing.
std::vector<std::string> Chunks(std::string_view body) {
  std::vector<std::string> chunks;
  for (;;) {
    const auto eol = body.find("\r\n");
    EXPECT_NE(eol, std::string_view::npos) << body;
    if (eol == std::string_view::npos) {
      return chunks;
    }
    const std::size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    body.remove_prefix(eol + 2);
    if (size == 0) {
      EXPECT_EQ(body, "\r\n");
      return chunks;
    }
    EXPECT_GE(body.size(), size + 2);
    chunks.emplace_back(body.substr(0, size));
    EXPECT_EQ(body.substr(size, 2), "\r\n");
    body.remove_prefix(size + 2);
  }
}

std::string BodyOf(const std::string& response) {
  const auto head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? std::string() : response.substr(head_end + 4);
}

using StreamServerTest = LoopbackServerTest;

boost::asio::awaitable<void> SendTwo(ResponseStream& stream) {
  const ServerSentEvent a{.data = "a"};
  co_await SendEvent(stream, a);
  const ServerSentEvent b{.data = "b"};
  co_await SendEvent(stream, b);
}

TEST_F(StreamServerTest, ChunkedOneChunkPerEventThenTheConnectionIsReused) {
  router_.Get("/s", [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    co_return EventStreamResponse(SendTwo);
  });
  router_.Get("/plain", [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    co_return Response::Text(200, "plain");
  });
  Start();
  Client c(server_->port());
  c.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("\r\n0\r\n\r\n")) << c.received();
  const std::string& r = c.received();
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nContent-Type: text/event-stream\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("Content-Length"), std::string::npos) << r;
  EXPECT_EQ(BodyOf(r), "9\r\ndata: a\n\n\r\n9\r\ndata: b\n\n\r\n0\r\n\r\n");
  c.received().clear();
  c.Send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("plain")) << c.received();
}

TEST_F(StreamServerTest, HeartbeatsGoBetweenEventsNeverInsideOne) {
  router_.Get("/s", [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    StreamProducer producer = [](ResponseStream& stream) -> boost::asio::awaitable<void> {
      for (int n = 1; n <= 30; ++n) {
        const std::string data = std::string(2000, 'x') + std::to_string(n);
        const ServerSentEvent event{.data = data};
        const bool sent = co_await SendEvent(stream, event);
        const bool slept = co_await stream.Sleep(3ms);
        if (!sent || !slept) {
          co_return;
        }
      }
    };
    co_return EventStreamResponse(std::move(producer), 1ms);
  });
  Start();
  Client c(server_->port());
  c.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("\r\n0\r\n\r\n", 10000ms));
  int events = 0;
  int heartbeats = 0;
  for (const auto& chunk : Chunks(BodyOf(c.received()))) {
    if (chunk == ":\n\n") {
      ++heartbeats;
      continue;
    }
    ++events;
    EXPECT_EQ(chunk, "data: " + std::string(2000, 'x') + std::to_string(events) + "\n\n");
  }
  EXPECT_EQ(events, 30);
  EXPECT_GT(heartbeats, 0);
}

TEST_F(StreamServerTest, WithoutStreamTimeoutTheStreamEndsAtTheRequestDeadline) {
  auto ticks = [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    StreamProducer producer = [](ResponseStream& stream) -> boost::asio::awaitable<void> {
      const ServerSentEvent event{.data = "tick"};
      for (;;) {
        const bool sent = co_await SendEvent(stream, event);
        if (!sent) {
          co_return;
        }
        const bool slept = co_await stream.Sleep(20ms);
        if (!slept) {
          co_return;
        }
      }
    };
    co_return EventStreamResponse(std::move(producer));
  };
  router_.Get("/bounded", ticks, {.budget = 200ms});
  router_.Get("/long", ticks, {.budget = 100ms, .stream_timeout = 600ms});
  Start();
  for (const auto& [path, low, high] :
       {std::tuple{"/bounded", 150ms, 1500ms}, std::tuple{"/long", 550ms, 2500ms}}) {
    Client c(server_->port());
    const auto started = Clock::now();
    c.Send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(c.ReadUntil("\r\n0\r\n\r\n", 5000ms)) << path;
    const auto elapsed = Clock::now() - started;
    EXPECT_GE(elapsed, low) << path;
    EXPECT_LT(elapsed, high) << path;
  }
}

TEST_F(StreamServerTest, ClientGoneCancelsWhateverTheProducerAwaits) {
  std::atomic<bool> cancelled{false};
  router_.Get("/s", [&cancelled](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    StreamProducer producer = [&cancelled](ResponseStream& stream) -> boost::asio::awaitable<void> {
      const ServerSentEvent event{.data = "first"};
      co_await SendEvent(stream, event);
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 30s);
      try {
        co_await timer.async_wait(boost::asio::use_awaitable);
      } catch (const boost::system::system_error&) {
        cancelled = stream.ended();
      }
    };
    co_return EventStreamResponse(std::move(producer));
  });
  Start();
  Client c(server_->port());
  c.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("data: first"));
  c.Close();
  const auto deadline = Clock::now() + 3s;
  while (!cancelled && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(cancelled);
}

TEST_F(StreamServerTest, AThrowingProducerEndsTheBodyCleanly) {
  router_.Get("/s", [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    StreamProducer producer = [](ResponseStream& stream) -> boost::asio::awaitable<void> {
      const ServerSentEvent event{.data = "before"};
      co_await SendEvent(stream, event);
      throw std::runtime_error("producer bug");
    };
    co_return EventStreamResponse(std::move(producer));
  });
  Start();
  Client c(server_->port());
  c.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("\r\n0\r\n\r\n"));
  EXPECT_EQ(Chunks(BodyOf(c.received())), std::vector<std::string>{"data: before\n\n"});
}

TEST_F(StreamServerTest, DrainEndsOpenStreams) {
  router_.Get(
      "/s",
      [](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
        StreamProducer producer = [](ResponseStream& stream) -> boost::asio::awaitable<void> {
          const ServerSentEvent event{.data = "tick"};
          for (;;) {
            const bool sent = co_await SendEvent(stream, event);
            if (!sent) {
              co_return;
            }
            const bool slept = co_await stream.Sleep(50ms);
            if (!slept) {
              co_return;
            }
          }
        };
        co_return EventStreamResponse(std::move(producer));
      },
      {.stream_timeout = 60s});
  Start();
  Client c(server_->port());
  c.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("data: tick"));
  std::atomic<bool> drained{false};
  server_->Drain([&drained] { drained = true; });
  ASSERT_TRUE(c.ReadUntil("\r\n0\r\n\r\n"));
  const auto deadline = Clock::now() + 3s;
  while (!drained && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(drained);
}

}  // namespace
}  // namespace keel::http
