#include "keel/http/server.hpp"

#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connection.hpp"
#include "worker.hpp"

namespace keel::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Server::Impl {
 public:
  Impl(Server& owner, Runtime& runtime, ServerSettings settings, const Router& routes,
       const Router& admin_routes, RequestObserver* observer, MetricSink* sink)
      : owner_(owner), runtime_(runtime) {
    shared_.settings = std::move(settings);
    shared_.limits.max_request_line = shared_.settings.max_request_line;
    shared_.limits.max_header_bytes = shared_.settings.max_header_bytes;
    shared_.limits.max_header_count = shared_.settings.max_header_count;
    shared_.routes = &routes;
    shared_.admin_routes = &admin_routes;
    shared_.admin_on_main = shared_.settings.admin_listen.empty();
    shared_.observer = observer;
    if (sink != nullptr) {
      in_flight_gauge_ =
          &sink->GetGauge("keel_http_in_flight_requests", "Business requests being handled now");
      refused_ = &sink->GetCounter("keel_http_connections_refused_total",
                                   "Connections closed at accept: max_connections reached");
    }
    shared_.on_connection_closed_while_draining = [this] {
      if (shared_.connections.load() == 0) {
        FinishDrain();
      }
    };
    for (std::size_t i = 0; i < runtime.size(); ++i) {
      workers_.push_back(std::make_unique<Worker>(i, runtime.Context(i), shared_));
    }
  }

  Result<void> Start() {
    auto main = ParseHostPort(shared_.settings.listen);
    if (!main) {
      return main.error();
    }
    for (auto& w : workers_) {
      auto bound = Listen(*w, *main, /*reuse_port=*/true);
      if (!bound) {
        return bound.error();
      }
      if (main->port == 0) {
        main->port = bound->second;  // the other threads join the kernel-chosen port
      }
      port_ = bound->second;
      asio::co_spawn(w->io, Accept(*w, std::move(bound->first), false), asio::detached);
    }
    if (!shared_.admin_on_main) {
      auto admin = ParseHostPort(shared_.settings.admin_listen);
      if (!admin) {
        return admin.error();
      }
      Worker& w = *workers_[0];
      auto bound = Listen(w, *admin, /*reuse_port=*/false);
      if (!bound) {
        return bound.error();
      }
      admin_port_ = bound->second;
      asio::co_spawn(w.io, Accept(w, std::move(bound->first), true), asio::detached);
    }
    for (auto& w : workers_) {
      asio::post(w->io, [this, worker = w.get()] {
        worker->StartSweep();
        if (worker->index == 0) {
          StartGaugeUpdates();
        }
      });
    }
    return {};
  }

  void Drain(std::function<void()> done) {
    drain_done_ = std::move(done);
    shared_.draining.store(true);
    for (auto& w : workers_) {
      asio::post(w->io, [worker = w.get()] { worker->BeginDrain(); });
    }
    auto timer = std::make_shared<asio::steady_timer>(workers_[0]->io);
    drain_timer_ = timer;
    timer->expires_after(shared_.settings.drain_timeout);
    timer->async_wait([this, timer](boost::system::error_code ec) {
      if (!ec) {
        FinishDrain();
      }
    });
    asio::post(workers_[0]->io, [this] {
      if (shared_.connections.load() == 0) {
        FinishDrain();
      }
    });
  }

  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;

 private:
  void FinishDrain() {
    if (drain_finished_.exchange(true)) {
      return;
    }
    // Run `done` on worker 0, whatever thread noticed the end of the drain.
    asio::post(workers_[0]->io, [this] {
      if (auto timer = drain_timer_.lock()) {
        timer->cancel();
      }
      if (drain_done_) {
        drain_done_();
      }
    });
  }

  using Bound = std::pair<std::unique_ptr<tcp::acceptor>, std::uint16_t>;
  Result<Bound> Listen(Worker& w, const HostPort& hp, bool reuse_port) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(hp.host == "localhost" ? "127.0.0.1" : hp.host, ec);
    if (ec) {
      return Error(ErrorCode::kInvalidArgument,
                   "cannot listen on " + hp.host + ": not an IP address");
    }
    tcp::endpoint endpoint(address, hp.port);
    auto acceptor = std::make_unique<tcp::acceptor>(w.io);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec && reuse_port) {
      const int one = 1;
      if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
          0) {
        ec = boost::system::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) {
      acceptor->bind(endpoint, ec);
    }
    if (!ec) {
      acceptor->listen(shared_.settings.backlog, ec);
    }
    if (ec) {
      return Error(ErrorCode::kUnavailable, "cannot listen on " + hp.host + ":" +
                                                std::to_string(hp.port) + ": " + ec.message());
    }
    const auto port = acceptor->local_endpoint().port();
    return Bound(std::move(acceptor), port);
  }

  // Owns the acceptor: it is destroyed with this coroutine, before the io_context.
  asio::awaitable<void> Accept(Worker& w, std::unique_ptr<tcp::acceptor> owned, bool admin) {
    tcp::acceptor& acceptor = *owned;
    w.acceptors.push_back(&acceptor);
    struct Unlist {
      Worker& w;
      tcp::acceptor* a;
      ~Unlist() { std::erase(w.acceptors, a); }
    } unlist{w, &acceptor};
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      if (ec) {
        // EMFILE and friends: back off briefly instead of spinning on the error.
        asio::steady_timer pause(w.io, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (shared_.connections.load(std::memory_order_relaxed) >= shared_.settings.max_connections) {
        if (refused_ != nullptr) {
          refused_->Add();
        }
        continue;  // the socket closes as it goes out of scope
      }
      shared_.connections.fetch_add(1, std::memory_order_relaxed);
      // The signal lives in the coroutine frame it is bound to (Serve keeps it).
      auto cancel = std::make_unique<asio::cancellation_signal>();
      auto slot = cancel->slot();
      asio::co_spawn(w.io, Serve(w, std::move(socket), admin, std::move(cancel)),
                     asio::bind_cancellation_slot(slot, asio::detached));
    }
  }

  asio::awaitable<void> Serve(Worker& w, tcp::socket socket, bool admin,
                              std::unique_ptr<asio::cancellation_signal> cancel) {
    {
      Connection connection(w, std::move(socket), admin, cancel.get());
      co_await connection.Run();
    }
    shared_.connections.fetch_sub(1, std::memory_order_relaxed);
    if (shared_.draining.load() && shared_.on_connection_closed_while_draining) {
      shared_.on_connection_closed_while_draining();
    }
  }

  void StartGaugeUpdates() {
    if (in_flight_gauge_ == nullptr) {
      return;
    }
    ArmGaugeTimer(std::make_shared<asio::steady_timer>(workers_[0]->io));
  }
  void ArmGaugeTimer(std::shared_ptr<asio::steady_timer> timer) {
    timer->expires_after(std::chrono::milliseconds(100));
    timer->async_wait([this, timer](boost::system::error_code ec) mutable {
      if (ec) {
        return;
      }
      std::int64_t total = 0;
      for (auto& w : workers_) {
        total += w->in_flight.load(std::memory_order_relaxed);
      }
      in_flight_gauge_->Set(static_cast<double>(total));
      ArmGaugeTimer(std::move(timer));
    });
  }

  Server& owner_;
  Runtime& runtime_;
  ServerShared shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::function<void()> drain_done_;
  std::atomic<bool> drain_finished_{false};
  std::weak_ptr<asio::steady_timer> drain_timer_;
  Gauge* in_flight_gauge_ = nullptr;
  Counter* refused_ = nullptr;
};

Server::Server(Runtime& runtime, ServerSettings settings, const Router& routes,
               const Router& admin_routes, RequestObserver* observer, MetricSink* sink)
    : impl_(std::make_unique<Impl>(*this, runtime, std::move(settings), routes, admin_routes,
                                   observer, sink)) {}

Server::~Server() = default;

Result<void> Server::Start() {
  auto started = impl_->Start();
  if (started) {
    ready_.store(true, std::memory_order_release);
  }
  return started;
}

std::uint16_t Server::port() const noexcept {
  return impl_->port_;
}
std::uint16_t Server::admin_port() const noexcept {
  return impl_->admin_port_;
}

void Server::Drain(std::function<void()> done) {
  ready_.store(false, std::memory_order_release);
  impl_->Drain(std::move(done));
}

}  // namespace keel::http
