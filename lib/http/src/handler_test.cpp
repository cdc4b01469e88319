// ChainRun: synchronous middleware leading a chain run Before/After without a frame of their own,
// in the same order as their Handle would; anywhere else their Handle runs.
#include "keel/http/handler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace keel::http {
namespace {

namespace asio = boost::asio;

// Records "<name>:before", "<name>:after:<status or failed>" (sync form) or
// "<name>:handle", "<name>:handled:<status>" (coroutine form) into a shared log.
class Recorder final : public Middleware {
 public:
  enum class Mode { kContinue, kAnswer, kHandle };
  Recorder(std::string name, std::vector<std::string>& log, Mode mode = Mode::kContinue,
           bool synchronous = true)
      : Middleware(synchronous), name_(std::move(name)), log_(log), mode_(mode) {}
  // Records the state.value each Before finds.
  void set_seen(std::vector<std::int64_t>* seen) { seen_ = seen; }

  asio::awaitable<Response> Handle(Request& r, RequestContext& c, Next next) override {
    log_.push_back(name_ + ":handle");
    Response response = co_await next(r, c);
    log_.push_back(name_ + ":handled:" + std::to_string(response.status()));
    response.AddHeader("X-Via", name_);
    co_return response;
  }
  BeforeResult Before(Request&, RequestContext&, HookState& state, Response& response) override {
    log_.push_back(name_ + ":before");
    if (seen_ != nullptr) {
      seen_->push_back(state.value);
    }
    state.value = 42;
    switch (mode_) {
      case Mode::kContinue:
        return BeforeResult::kContinue;
      case Mode::kAnswer:
        response = Response(503);
        return BeforeResult::kAnswered;
      case Mode::kHandle:
        return BeforeResult::kHandle;
    }
    return BeforeResult::kHandle;
  }
  void After(Request&, RequestContext&, Response* answered, HookState& state) noexcept override {
    log_.push_back(
        name_ + ":after:" +
        (answered == nullptr ? std::string("failed") : std::to_string(answered->status())) +
        (state.value == 42 ? "" : ":lost-state"));
    if (answered != nullptr) {
      answered->AddHeader("X-Via", name_);
    }
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  Mode mode_;
  std::vector<std::int64_t>* seen_ = nullptr;
};

class ChainRunTest : public ::testing::Test {
 protected:
  // Runs the chain the way the server does; `threw` when the chain failed.
  Response Run(bool& threw) {
    Response out;
    threw = false;
    asio::io_context io;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          ChainRun run(chain_, handler_, request_, context_);
          bool failed = false;
          try {
            if (!run.Begin(out)) {
              out = co_await run.Rest();
            }
          } catch (const std::exception&) {
            failed = true;
          }
          run.End(failed ? nullptr : &out);
          threw = failed;
        },
        asio::detached);
    io.run();
    return out;
  }
  std::vector<std::string> Vias(const Response& r) const {
    std::vector<std::string> v;
    for (const auto& [name, value] : r.headers()) {
      if (name == "X-Via") {
        v.push_back(value);
      }
    }
    return v;
  }

  std::vector<std::string> log_;
  std::vector<std::int64_t> seen_before_;
  MiddlewareChain chain_;
  Request request_;
  RequestContext context_;
  bool throw_ = false;
  Handler handler_ = [this](Request&, RequestContext&) -> asio::awaitable<Response> {
    log_.push_back("handler");
    if (throw_) {
      throw std::runtime_error("boom");
    }
    co_return Response(200);
  };
};

TEST_F(ChainRunTest, LeadingSynchronousMiddlewareWrapLikeHandle) {
  chain_ = {std::make_shared<Recorder>("a", log_), std::make_shared<Recorder>("b", log_),
            std::make_shared<Recorder>("c", log_, Recorder::Mode::kContinue, false),
            std::make_shared<Recorder>("d", log_)};
  bool threw = false;
  const Response r = Run(threw);
  EXPECT_FALSE(threw);
  EXPECT_EQ(r.status(), 200);
  // d follows a coroutine middleware: its Handle runs.
  EXPECT_EQ(log_, (std::vector<std::string>{"a:before", "b:before", "c:handle", "d:handle",
                                            "handler", "d:handled:200", "c:handled:200",
                                            "b:after:200", "a:after:200"}));
  EXPECT_EQ(Vias(r), (std::vector<std::string>{"d", "c", "b", "a"}));
}

TEST_F(ChainRunTest, AnswerSkipsTheRestAndItsOwnAfter) {
  chain_ = {std::make_shared<Recorder>("a", log_),
            std::make_shared<Recorder>("b", log_, Recorder::Mode::kAnswer),
            std::make_shared<Recorder>("c", log_)};
  bool threw = false;
  const Response r = Run(threw);
  EXPECT_EQ(r.status(), 503);
  EXPECT_EQ(log_, (std::vector<std::string>{"a:before", "b:before", "a:after:503"}));
}

TEST_F(ChainRunTest, HandleResultFallsBackToTheCoroutine) {
  chain_ = {std::make_shared<Recorder>("a", log_),
            std::make_shared<Recorder>("b", log_, Recorder::Mode::kHandle),
            std::make_shared<Recorder>("c", log_)};
  bool threw = false;
  const Response r = Run(threw);
  EXPECT_EQ(r.status(), 200);
  // From b on, the chain runs as coroutines: b's and c's Handle.
  EXPECT_EQ(log_,
            (std::vector<std::string>{"a:before", "b:before", "b:handle", "c:handle", "handler",
                                      "c:handled:200", "b:handled:200", "a:after:200"}));
}

TEST_F(ChainRunTest, FailureReachesAfterAsNull) {
  chain_ = {std::make_shared<Recorder>("a", log_)};
  throw_ = true;
  bool threw = false;
  (void)Run(threw);
  EXPECT_TRUE(threw);
  EXPECT_EQ(log_, (std::vector<std::string>{"a:before", "handler", "a:after:failed"}));
}

TEST_F(ChainRunTest, AbandonedRunEndsAsFailedOnce) {
  chain_ = {std::make_shared<Recorder>("a", log_)};
  {
    ChainRun run(chain_, handler_, request_, context_);
    Response r;
    ASSERT_FALSE(run.Begin(r));
  }  // destroyed without End, as when a coroutine is destroyed mid-request
  EXPECT_EQ(log_, (std::vector<std::string>{"a:before", "a:after:failed"}));
}

// The server reuses one ChainRun per connection: a Before always starts from a zeroed state.
TEST_F(ChainRunTest, StateStartsZeroedOnEveryRun) {
  auto a = std::make_shared<Recorder>("a", log_);
  a->set_seen(&seen_before_);
  chain_ = {a};
  ChainRun run;
  for (int i = 0; i < 2; ++i) {
    run.Start(chain_, handler_, request_, context_);
    Response r;
    ASSERT_FALSE(run.Begin(r));
    run.End(&r);
  }
  EXPECT_EQ(seen_before_, (std::vector<std::int64_t>{0, 0}));
}

TEST_F(ChainRunTest, RunChainMatchesTheServer) {
  chain_ = {std::make_shared<Recorder>("a", log_)};
  Response out;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        out = co_await RunChain(chain_, handler_, request_, context_);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(out.status(), 200);
  EXPECT_EQ(log_, (std::vector<std::string>{"a:before", "handler", "a:after:200"}));
}

}  // namespace
}  // namespace keel::http
