// Client tests against a scripted upstream on a real loopback socket (same io_context).
#include "keel/http/client.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <string>

namespace keel::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Starts `op` on `io`; the result lands in `out` (co_spawn's own completion would need a
// default-constructible value type, which Result is not).
template <typename Token = asio::detached_t>
void Start(asio::io_context& io, asio::awaitable<Result<ClientResponse>> op,
           std::optional<Result<ClientResponse>>& out, Token token = asio::detached) {
  asio::co_spawn(
      io,
      [op = std::move(op), &out]() mutable -> asio::awaitable<void> {
        out = co_await std::move(op);
      },
      token);
}

// What the scripted upstream does with one request.
struct Reply {
  std::string wire;                    // bytes to send
  std::chrono::milliseconds delay{0};  // before sending
  bool hang = false;                   // never answer (until the client closes)
  bool close_after = false;            // close the connection after sending
  bool reset_after = false;            // RST (SO_LINGER 0) after sending
};

class Upstream {
 public:
  explicit Upstream(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(io, Accept(), asio::detached);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::function<Reply(const std::string& request)> script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  };
  int accepted = 0;
  std::vector<std::string> requests;
  void Stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
      if (ec) {
        co_return;
      }
      ++accepted;
      asio::co_spawn(acceptor_.get_executor(), Serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> Serve(tcp::socket socket) {
    std::string buffer;
    for (;;) {
      auto [ec, n] =
          co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", kAwait);
      if (ec) {
        co_return;
      }
      std::string request = buffer.substr(0, n);
      buffer.erase(0, n);
      if (auto cl = request.find("Content-Length: "); cl != std::string::npos) {
        const auto len = std::stoul(request.substr(cl + 16));
        while (buffer.size() < len) {
          char tmp[512];
          auto [rec, got] = co_await socket.async_read_some(asio::buffer(tmp), kAwait);
          if (rec) {
            co_return;
          }
          buffer.append(tmp, got);
        }
        buffer.erase(0, len);
      }
      requests.push_back(request);
      const Reply reply = script(request);
      if (reply.hang) {
        char tmp[16];
        co_await socket.async_read_some(asio::buffer(tmp), kAwait);  // until the client closes
        co_return;
      }
      if (reply.delay.count() > 0) {
        asio::steady_timer t(socket.get_executor(), reply.delay);
        co_await t.async_wait(kAwait);
      }
      co_await asio::async_write(socket, asio::buffer(reply.wire), kAwait);
      if (reply.reset_after) {
        ::linger l{1, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        socket.close();
        co_return;
      }
      if (reply.close_after) {
        co_return;
      }
    }
  }
  tcp::acceptor acceptor_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientSettings Settings() {
    ClientSettings s;
    s.name = "test";
    s.url = upstream_.url();
    return s;
  }
  // Runs `Send` to completion on the io_context.
  Result<ClientResponse> Run(Client& client, const ClientRequest& req,
                             Deadline deadline = Deadline::After(2s)) {
    std::optional<Result<ClientResponse>> out;
    Start(io_, client.Send(req, deadline), out);
    while (!out) {
      io_.run_one();
    }
    return std::move(*out);
  }

  asio::io_context io_;
  Upstream upstream_{io_};
  DiscardingMetricSink sink_;
};

TEST_F(ClientTest, KeepAliveReusesOneConnectionAndSendsTheBudget) {
  Client client(Settings(), {&io_}, sink_);
  for (int i = 0; i < 3; ++i) {
    auto r = Run(client, {.target = "/x?i=" + std::to_string(i)}, Deadline::After(800ms));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(upstream_.accepted, 1);
  ASSERT_EQ(upstream_.requests.size(), 3u);
  const auto& req = upstream_.requests[2];
  EXPECT_EQ(req.rfind("GET /x?i=2 HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u) << req;
  const auto pos = req.find("X-Request-Timeout: ");
  ASSERT_NE(pos, std::string::npos);
  const int ms = std::stoi(req.substr(pos + 19));
  EXPECT_GT(ms, 500);
  EXPECT_LE(ms, 800);
  EXPECT_EQ(client.StatsForThisThread(io_).idle, 1u);
}

TEST_F(ClientTest, ChunkedResponseIsReadAndConnectionReused) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire =
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"};
  };
  Client client(Settings(), {&io_}, sink_);
  for (int i = 0; i < 2; ++i) {
    auto r = Run(client, {.method = Method::kPost, .target = "/p", .body = "{}"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->body, "abcde");
  }
  EXPECT_EQ(upstream_.accepted, 1);
  EXPECT_NE(upstream_.requests[0].find("Content-Length: 2\r\n"), std::string::npos);
}

TEST_F(ClientTest, InterimResponsesAreSkipped) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"};
  };
  Client client(Settings(), {&io_}, sink_);
  auto r = Run(client, {.target = "/"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 204);
}

TEST_F(ClientTest, ConnectRefusedIsUnavailable) {
  auto s = Settings();
  upstream_.Stop();  // nothing listens on that port any more
  Client client(s, {&io_}, sink_);
  auto r = Run(client, {.target = "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
}

TEST_F(ClientTest, HangingUpstreamEndsAtTheDeadlineAndClosesTheConnection) {
  upstream_.script = [](const std::string&) { return Reply{.hang = true}; };
  Client client(Settings(), {&io_}, sink_);
  const auto start = std::chrono::steady_clock::now();
  auto r = Run(client, {.target = "/"}, Deadline::After(80ms));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_GE(took, 75ms);
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(client.StatsForThisThread(io_).open, 0u);
}

TEST_F(ClientTest, SettingsTimeoutTightensTheDeadline) {
  upstream_.script = [](const std::string&) { return Reply{.hang = true}; };
  auto s = Settings();
  s.timeout = 50ms;
  Client client(s, {&io_}, sink_);
  auto r = Run(client, {.target = "/"}, Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST_F(ClientTest, ResetMidBodyIsUnavailableAndNotReused) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten!!",
                 .reset_after = true};
  };
  Client client(Settings(), {&io_}, sink_);
  auto r = Run(client, {.target = "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
  EXPECT_EQ(client.StatsForThisThread(io_).open, 0u);
}

TEST_F(ClientTest, MalformedResponseIsUnavailable) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 9\r\n\r\nx"};
  };
  Client client(Settings(), {&io_}, sink_);
  auto r = Run(client, {.target = "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Content-Length"), std::string::npos);
}

TEST_F(ClientTest, PoolExhaustedIsOverloaded) {
  upstream_.script = [](const std::string&) { return Reply{.hang = true}; };
  auto s = Settings();
  s.max_connections = 1;
  s.pool_wait_timeout = 20ms;
  Client client(s, {&io_}, sink_);
  std::optional<Result<ClientResponse>> first;
  const ClientRequest req{.target = "/"};
  Start(io_, client.Send(req, Deadline::After(300ms)), first);
  io_.run_for(20ms);  // the first request holds the only connection
  auto second = Run(client, req);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kOverloaded);
  EXPECT_TRUE(second.error().retry_after().has_value());
  while (!first) {
    io_.run_one();
  }
}

TEST_F(ClientTest, WaiterGetsTheReleasedConnection) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .delay = 30ms};
  };
  auto s = Settings();
  s.max_connections = 1;
  s.pool_wait_timeout = 1s;
  Client client(s, {&io_}, sink_);
  const ClientRequest req{.target = "/"};
  std::optional<Result<ClientResponse>> out[3];
  for (auto& o : out) {
    Start(io_, client.Send(req, Deadline::After(2s)), o);
  }
  for (auto& o : out) {
    while (!o) {
      io_.run_one();
    }
    EXPECT_TRUE(o->ok()) << o->error().message();
  }
  EXPECT_EQ(upstream_.accepted, 1);
}

TEST_F(ClientTest, CancellationEndsTheWaitAtOnce) {
  upstream_.script = [](const std::string&) { return Reply{.hang = true}; };
  Client client(Settings(), {&io_}, sink_);
  asio::cancellation_signal signal;
  std::optional<Result<ClientResponse>> out;
  const ClientRequest req{.target = "/"};
  Start(io_, client.Send(req, Deadline::After(5s)), out,
        asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io_.run_for(30ms);
  const auto start = std::chrono::steady_clock::now();
  signal.emit(asio::cancellation_type::terminal);
  while (!out) {
    io_.run_one();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code(), ErrorCode::kCancelled) << out->error().message();
  EXPECT_EQ(client.StatsForThisThread(io_).open, 0u);
}

TEST_F(ClientTest, UpstreamClosingIdleConnectionIsNoticed) {
  upstream_.script = [](const std::string&) {
    return Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .close_after = true};
  };
  Client client(Settings(), {&io_}, sink_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Run(client, {.target = "/"}).ok());
    io_.run_for(10ms);  // let the FIN arrive
  }
  EXPECT_EQ(upstream_.accepted, 2);
}

TEST_F(ClientTest, IdempotentRequestIsReplayedOnceWhenAReusedConnectionDies) {
  int n = 0;
  upstream_.script = [&n](const std::string&) {
    // The second request arrives on the kept-alive connection, which then dies unanswered (the
    // race of an upstream closing an idle connection just as it is reused).
    return ++n == 2 ? Reply{.close_after = true}
                    : Reply{.wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  };
  Client client(Settings(), {&io_}, sink_);
  ASSERT_TRUE(Run(client, {.target = "/"}).ok());
  auto r = Run(client, {.target = "/"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(upstream_.accepted, 2);
  EXPECT_EQ(n, 3);

  n = 0;  // not idempotent: the failure is returned, never replayed
  ASSERT_TRUE(Run(client, {.method = Method::kPost, .target = "/"}).ok());
  auto post = Run(client, {.method = Method::kPost, .target = "/"});
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(n, 2);
}

TEST_F(ClientTest, IdleTimeoutRetiresConnections) {
  auto s = Settings();
  s.idle_timeout = 5ms;
  Client client(s, {&io_}, sink_);
  ASSERT_TRUE(Run(client, {.target = "/"}).ok());
  io_.run_for(20ms);
  ASSERT_TRUE(Run(client, {.target = "/"}).ok());
  EXPECT_EQ(upstream_.accepted, 2);
}

TEST(ClientOrigin, Parse) {
  auto o = ParseOrigin("http://127.0.0.1:8081");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 8081);
  o = ParseOrigin("http://localhost/");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->port, 80);
  o = ParseOrigin("http://[::1]:9");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "[::1]");
  for (const char* bad : {"https://x", "http://", "http://x:0", "http://x:99999", "http://x/path",
                          "http://u@x", "x:80", "http://x:8a"}) {
    EXPECT_FALSE(ParseOrigin(bad).ok()) << bad;
  }
}

TEST(ClientIdempotency, MethodOrKey) {
  EXPECT_TRUE(IsIdempotent({.method = Method::kGet}));
  EXPECT_TRUE(IsIdempotent({.method = Method::kPut}));
  EXPECT_FALSE(IsIdempotent({.method = Method::kPost}));
  ClientRequest post{.method = Method::kPost};
  post.headers.emplace_back("Idempotency-Key", "abc");
  EXPECT_TRUE(IsIdempotent(post));
}

}  // namespace
}  // namespace keel::http
