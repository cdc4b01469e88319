// worker.hpp — one I/O thread of keel-load: its io_context, its share of the arrival timeline,
// its connections.
//
// Shared-nothing like keel's server: thread t of n takes arrivals t, t+n, …, runs them on its own
// connections, and records into its own Recorder; only the flush to the Aggregator (a few times
// a second) and Start/Stop cross threads (by posting to the io_context).
//
// An arrival goes to an idle connection at once; when every connection is busy it is queued —
// its latency clock already running — counted as late, and, below --max-connections, a new
// connection is opened for it. A sweep every 10 ms enforces the timeout, counted from the
// scheduled time: a request in flight has its connection closed; a queued one is dropped unsent.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aggregator.hpp"
#include "pacer.hpp"
#include "random.hpp"
#include "recorder.hpp"
#include "request_writer.hpp"
#include "scenario.hpp"

namespace keel::load {

class Connection;

struct Pending {
  uint64_t index = 0;
  Nanos scheduled{0};
  int type = 0;
};

// What every worker shares, immutable during the run.
struct RunShared {
  const Scenario& scenario;
  const std::vector<VarSampler>& samplers;
  const Profile& profile;
  boost::asio::ip::tcp::endpoint endpoint;
  int threads = 1;
  Nanos timeout{0};
  uint64_t seed = 1;
};

class Worker {
 public:
  Worker(const RunShared& shared, int index, int connections, int max_connections,
         Aggregator& aggregator);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs on the calling thread: connects, waits for Start, paces, drains; returns at the end.
  void Run();
  // Any thread. Starts the timeline at `start` (the same instant for every worker).
  void Start(TimePoint start);
  // Any thread. Stops scheduling; in-flight requests finish (or time out), unless `abort`, which
  // cancels them (counted as cancelled, not as errors).
  void Stop(bool abort);

  // Initial connections that finished connecting (successfully or not), and the successes.
  [[nodiscard]] int initial_done() const noexcept { return initial_done_.load(); }
  [[nodiscard]] int initial_ok() const noexcept { return initial_ok_.load(); }
  [[nodiscard]] int initial_connections() const noexcept { return initial_connections_; }
  [[nodiscard]] std::string first_connect_error() const;
  [[nodiscard]] bool finished() const noexcept { return finished_.load(); }
  // Valid after Run returned.
  [[nodiscard]] Recorder& recorder() noexcept { return recorder_; }

  // --- for Connection (worker thread only) ---
  [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
  [[nodiscard]] const RunShared& shared() const noexcept { return shared_; }
  [[nodiscard]] Nanos Now() const noexcept;  // since the start of the run
  [[nodiscard]] TimePoint start() const noexcept { return start_; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }
  [[nodiscard]] RequestWriter& writer() noexcept { return writer_; }
  std::optional<Pending> TakeQueued();
  void AddIdle(Connection* c);
  void OnInitialConnect(bool ok, const std::string& error);
  void OnExtraStarted() noexcept { --extras_starting_; }

 private:
  boost::asio::awaitable<void> Lifecycle();
  boost::asio::awaitable<void> Sweep();
  boost::asio::awaitable<void> FlushLoop();
  void Dispatch(const Arrival& a);
  void OpenConnection(bool extra);
  void Flush(Nanos watermark);
  void Shutdown();
  void CancelAll();
  [[nodiscard]] std::size_t InFlight() const noexcept;

  // First member: destroyed last. Sockets and timers are touched only by this thread, so the
  // reactor's per-descriptor locks are off; the scheduler stays locked for Start/Stop posts.
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  const RunShared& shared_;
  int index_;
  int initial_connections_;
  int max_connections_;
  Aggregator& aggregator_;
  Random random_;
  RequestWriter writer_;
  TypePicker picker_;
  Recorder recorder_;
  TimePoint start_{};
  std::optional<Pacer> pacer_;
  boost::asio::steady_timer start_timer_;
  boost::asio::steady_timer pace_timer_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer flush_timer_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<Connection*> idle_;
  std::deque<Pending> queue_;
  int extras_starting_ = 0;
  bool started_ = false;
  bool stop_ = false;
  bool stopping_ = false;
  std::atomic<int> initial_done_{0};
  std::atomic<int> initial_ok_{0};
  std::atomic<bool> finished_{false};
  mutable std::mutex error_mu_;
  std::string first_connect_error_;
};

}  // namespace keel::load
