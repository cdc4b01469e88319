// The reactor hint that spares a keep-alive connection its EAGAIN recv per request, first on a raw
// socket pair, then through a real Server in the orders of arrival that could lose a readiness
// event if the hint were wrong: the next request arriving while the handler waits, requests split
// across writes, requests larger than the idle buffer, pipelined bursts.
#include "read_readiness.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <thread>

#include "keel/core/runtime.hpp"
#include "keel/http/router.hpp"
#include "keel/http/server.hpp"
#include "keel/testing/loopback_client.hpp"
#include "loopback_server_test_support.hpp"

namespace keel::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

struct SocketPair {
  asio::io_context io;
  tcp::socket server{io};
  tcp::socket client{io};
  SocketPair() {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    server.non_blocking(true);
  }
};

TEST(ReadReadinessTest, AReadParksAfterTheQueueIsMarkedEmptyAndAReadinessEventEndsThat) {
  SocketPair p;
  EXPECT_TRUE(detail::ReadTriesSocketFirst(p.server));  // a new socket may already hold bytes
  detail::MarkReceiveQueueEmpty(p.server);
  EXPECT_FALSE(detail::ReadTriesSocketFirst(p.server));

  char buf[16];
  std::size_t got = 0;
  p.server.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    got = n;
  });
  p.io.poll();
  EXPECT_EQ(got, 0u);  // parked: nothing to read yet
  asio::write(p.client, asio::buffer(std::string_view("abc")));
  p.io.run_for(2s);
  EXPECT_EQ(got, 3u);
  EXPECT_EQ(std::string_view(buf, got), "abc");
  // The readiness event re-enables trying the socket first: more bytes may follow a read.
  EXPECT_TRUE(detail::ReadTriesSocketFirst(p.server));
}

TEST(ReadReadinessTest, BytesArrivingWhileNoReadIsParkedAreReadAtOnce) {
  SocketPair p;
  detail::MarkReceiveQueueEmpty(p.server);
  asio::write(p.client, asio::buffer(std::string_view("late")));
  // Another socket's work runs the reactor while no read is parked on this one.
  asio::steady_timer tick(p.io, 20ms);
  tick.async_wait([](boost::system::error_code) {});
  p.io.run_for(1s);
  p.io.restart();
  EXPECT_TRUE(detail::ReadTriesSocketFirst(p.server));
  char buf[16];
  std::size_t got = 0;
  p.server.async_read_some(asio::buffer(buf),
                           [&](boost::system::error_code, std::size_t n) { got = n; });
  p.io.run_for(1s);
  EXPECT_EQ(got, 4u);
}

class KeepAliveReadTest : public LoopbackServerTest {
 protected:
  void SetUp() override {
    router_.Get("/fast", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      co_return Response::Text(200, "fast");
    });
    router_.Get("/slow", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
      co_await t.async_wait(asio::use_awaitable);
      co_return Response::Text(200, "slow");
    });
    ServerSettings settings;
    // A lost readiness event would stall a connection until one of these: far beyond the waits
    // below, so a stall fails the test.
    settings.keepalive_timeout = 30s;
    settings.header_timeout = 30s;
    Start(settings);
  }
};

constexpr std::string_view kFast = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(KeepAliveReadTest, SequentialRequestsOnOneConnectionAreEachAnsweredPromptly) {
  testing::LoopbackClient c(server_->port());
  for (std::size_t i = 1; i <= 300; ++i) {
    c.Send(kFast);
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", i, 1000ms)) << "request " << i;
  }
}

TEST_F(KeepAliveReadTest, TheNextRequestArrivingWhileTheHandlerWaitsIsAnswered) {
  testing::LoopbackClient c(server_->port());
  for (int round = 0; round < 5; ++round) {
    c.received().clear();
    c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(10ms);  // the server reads the first and waits in the handler
    c.Send(kFast);
    ASSERT_TRUE(c.ReadUntil("\r\n\r\nfast", 2000ms)) << "round " << round << ": " << c.received();
    EXPECT_LT(c.received().find("slow"), c.received().find("\r\n\r\nfast"));
  }
}

TEST_F(KeepAliveReadTest, ARequestSplitAcrossWritesIsAnswered) {
  testing::LoopbackClient c(server_->port());
  for (int round = 1; round <= 5; ++round) {
    c.Send("GET /fa");
    std::this_thread::sleep_for(5ms);
    c.Send("st HTTP/1.1\r\nHo");
    std::this_thread::sleep_for(5ms);
    c.Send("st: x\r\n\r\n");
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", round, 2000ms)) << "round " << round;
  }
}

TEST_F(KeepAliveReadTest, RequestsLargerThanTheIdleBufferAndPipelinedBurstsAreAnswered) {
  testing::LoopbackClient c(server_->port());
  const std::string large =
      "GET /fast HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(3000, 'p') + "\r\n\r\n";
  std::size_t expected = 0;
  for (int round = 0; round < 5; ++round) {
    c.Send(large);
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", ++expected, 2000ms)) << "large " << round;
    std::string burst;
    for (int i = 0; i < 40; ++i) {  // 40 requests, more than the 1 KiB idle buffer holds
      burst += kFast;
    }
    c.Send(burst);
    expected += 40;
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", expected, 2000ms)) << "burst " << round;
    c.Send(kFast);  // and a lone request after the burst
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", ++expected, 2000ms)) << "lone " << round;
  }
}

TEST_F(KeepAliveReadTest, ABurstThatFillsTheIdleBufferExactlyIsAnsweredInFull) {
  // 32-byte requests: a 1 KiB read ends on a request boundary with more bytes still queued, the
  // case where a full read must not be taken for an emptied socket.
  constexpr std::string_view k32 = "GET /fast HTTP/1.1\r\nHost: xy\r\n\r\n";
  static_assert(k32.size() == 32);
  testing::LoopbackClient c(server_->port());
  std::size_t expected = 0;
  for (int round = 0; round < 5; ++round) {
    std::string burst;
    for (int i = 0; i < 96; ++i) {
      burst += k32;
    }
    c.Send(burst);
    expected += 96;
    ASSERT_TRUE(c.ReadUntilCount("\r\n\r\nfast", expected, 2000ms)) << "round " << round;
  }
}

}  // namespace
}  // namespace keel::http
