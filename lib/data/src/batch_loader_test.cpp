#include "keel/data/batch_loader.hpp"

#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <stdexcept>

#include "data_test_support.hpp"

namespace keel::data {
namespace {

using namespace std::chrono_literals;
using testing::Await;
using testing::RunUntil;
using testing::Spawn;
using Map = std::unordered_map<std::int64_t, std::string>;
using Loader = BatchLoader<std::int64_t, std::string>;

// A batch function over ids 1..10 that records every call's keys.
struct FakeStore {
  std::vector<std::vector<std::int64_t>> calls;
  boost::asio::awaitable<Result<Map>> Load(std::vector<std::int64_t> ids) {
    calls.push_back(ids);
    Map out;
    for (auto id : ids) {
      if (id >= 1 && id <= 10) {
        out.emplace(id, "v" + std::to_string(id));
      }
    }
    co_return out;
  }
};

TEST(BatchLoader, LoadsIssuedTogetherBecomeOneBatch) {
  boost::asio::io_context io;
  FakeStore store;
  Loader loader([&](std::vector<std::int64_t> ids) { return store.Load(std::move(ids)); });
  auto a = Spawn(io, loader.Load(3));
  auto b = Spawn(io, loader.Load(1));
  auto c = Spawn(io, loader.Load(3));  // a duplicate key is loaded once
  auto d = Spawn(io, loader.Load(2));
  ASSERT_TRUE(RunUntil(
      io, [&] { return a->has_value() && b->has_value() && c->has_value() && d->has_value(); }));
  EXPECT_EQ(loader.batches(), 1);
  ASSERT_EQ(store.calls.size(), 1u);
  EXPECT_EQ(store.calls[0], (std::vector<std::int64_t>{3, 1, 2}));  // distinct, first-seen order
  EXPECT_EQ(***a, "v3");
  EXPECT_EQ(***b, "v1");
  EXPECT_EQ(***c, "v3");
  EXPECT_EQ(***d, "v2");
}

TEST(BatchLoader, ParallelBranchesOfOneCoroutineShareABatch) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::io_context io;
  FakeStore store;
  Loader loader([&](std::vector<std::int64_t> ids) { return store.Load(std::move(ids)); });
  auto both = Await(
      io, [&]() -> boost::asio::awaitable<std::pair<Result<std::string>, Result<std::string>>> {
        auto [x, y] = co_await (loader.Load(4) && loader.Load(5));
        co_return std::pair{std::move(x), std::move(y)};
      }());
  EXPECT_EQ(store.calls.size(), 1u);
  EXPECT_EQ(*both.first, "v4");
  EXPECT_EQ(*both.second, "v5");
}

TEST(BatchLoader, MissingKeysAreNotFoundNamingTheKey) {
  boost::asio::io_context io;
  FakeStore store;
  Loader loader([&](std::vector<std::int64_t> ids) { return store.Load(std::move(ids)); });
  auto found = Spawn(io, loader.Load(1));
  auto missing = Spawn(io, loader.Load(42));
  ASSERT_TRUE(RunUntil(io, [&] { return found->has_value() && missing->has_value(); }));
  EXPECT_TRUE((*found)->ok());
  ASSERT_FALSE((*missing)->ok());
  EXPECT_EQ((*missing)->error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*missing)->error().message(), "no 42");
  EXPECT_EQ(loader.batches(), 1);
}

TEST(BatchLoader, BatchErrorReachesEveryWaiter) {
  boost::asio::io_context io;
  int calls = 0;
  Loader loader([&](std::vector<std::int64_t>) -> boost::asio::awaitable<Result<Map>> {
    ++calls;
    co_return Error(ErrorCode::kUnavailable, "db down");
  });
  auto a = Spawn(io, loader.Load(1));
  auto b = Spawn(io, loader.Load(2));
  ASSERT_TRUE(RunUntil(io, [&] { return a->has_value() && b->has_value(); }));
  EXPECT_EQ(calls, 1);
  for (const auto* r : {&**a, &**b}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(r->error().message(), "db down");
  }
}

TEST(BatchLoader, ThrowingBatchFunctionBecomesInternalError) {
  boost::asio::io_context io;
  Loader loader([](std::vector<std::int64_t>) -> boost::asio::awaitable<Result<Map>> {
    throw std::runtime_error("bug");
    co_return Map{};
  });
  auto r = Await(io, loader.Load(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

TEST(BatchLoader, LoadManyKeepsRequestOrderAndReportsMissing) {
  boost::asio::io_context io;
  FakeStore store;
  Loader loader([&](std::vector<std::int64_t> ids) { return store.Load(std::move(ids)); });
  auto alone = Spawn(io, loader.Load(7));  // joins LoadMany's batch
  auto many = Await(io, loader.LoadMany({9, 11, 2, 9, 12}));
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->found, (std::vector<std::string>{"v9", "v2", "v9"}));
  EXPECT_EQ(many->missing, (std::vector<std::int64_t>{11, 12}));
  ASSERT_TRUE(RunUntil(io, [&] { return alone->has_value(); }));
  EXPECT_EQ(loader.batches(), 1);
  EXPECT_EQ(store.calls.at(0), (std::vector<std::int64_t>{7, 9, 11, 2, 12}));
}

TEST(BatchLoader, LoadsAfterDispatchStartANewBatch) {
  boost::asio::io_context io;
  FakeStore store;
  Loader loader([&](std::vector<std::int64_t> ids) { return store.Load(std::move(ids)); });
  EXPECT_EQ(*Await(io, loader.Load(1)), "v1");
  EXPECT_EQ(*Await(io, loader.Load(2)), "v2");  // sequential awaits: one query each
  EXPECT_EQ(loader.batches(), 2);
  EXPECT_EQ(store.calls.size(), 2u);
}

TEST(BatchLoader, StringKeysAreNamedInNotFound) {
  boost::asio::io_context io;
  BatchLoader<std::string, int> loader(
      [](std::vector<std::string>)
          -> boost::asio::awaitable<Result<std::unordered_map<std::string, int>>> {
        co_return std::unordered_map<std::string, int>{};
      });
  auto r = Await(io, loader.Load("sku-7"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "no sku-7");
}

}  // namespace
}  // namespace keel::data
