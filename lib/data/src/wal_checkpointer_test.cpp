// WAL checkpoints off the writer's path: the background thread checkpoints once the WAL passes
// its mark and the WAL restarts (stays bounded); writes that never pause still keep it bounded
// through the writer's backstop; 0 leaves checkpoints to SQLite.
#include "wal_checkpointer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "data_test_support.hpp"
#include "keel/data/sqlite_database.hpp"
#include "keel/testing/test_sink.hpp"

namespace keel::data {
namespace {

using namespace std::chrono_literals;
using testing::Await;
using testing::TempDir;

constexpr Query kInsert{"insert_blob", "INSERT INTO blobs (b) VALUES (zeroblob(8192))"};
constexpr std::size_t kMarkPages = 32;
constexpr std::uintmax_t kPageBytes = 4096;

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void Open(std::size_t checkpoint_pages) {
    db_ = std::make_unique<SqliteDatabase>(SqliteSettings{.name = "t",
                                                          .path = dir_.File("t.db"),
                                                          .readers = 1,
                                                          .wal_checkpoint_pages = checkpoint_pages},
                                           &sink_);
    ASSERT_TRUE(db_->Open().ok());
    auto created = db_->TransactionBlocking([](Tx& tx) {
      return tx.ExecuteScript("schema", "CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)");
    });
    ASSERT_TRUE(created.ok()) << created.error().message();
  }
  // Each insert commits three or more pages.
  void Insert(int rows, std::chrono::microseconds pause) {
    for (int i = 0; i < rows; ++i) {
      auto done = Await(io_, db_->Execute(kInsert, {}, {}));
      ASSERT_TRUE(done.ok()) << done.error().message();
      std::this_thread::sleep_for(pause);
    }
  }
  std::uintmax_t WalBytes() const { return std::filesystem::file_size(dir_.File("t.db-wal")); }
  std::uint64_t Checkpoints(std::string_view by) {
    return sink_.Count("keel_db_wal_checkpoints_total", "t|" + std::string(by));
  }

  TempDir dir_;
  keel::testing::TestSink sink_;
  boost::asio::io_context io_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(WalCheckpointerTest, TheBackgroundThreadCheckpointsAndTheWalStaysBounded) {
  Open(kMarkPages);
  Insert(800, 500us);  // ~2,400 pages, with pauses a checkpoint can finish in
  EXPECT_GT(Checkpoints("background"), 0u);
  // Without checkpoints (or without the WAL restarting) it would hold every page written.
  EXPECT_LT(WalBytes(), 2 * kMarkPages * detail::WalCheckpointer::kBackstopFactor * kPageBytes)
      << "checkpoints did not let the WAL restart";
}

TEST_F(WalCheckpointerTest, WritesThatNeverPauseAreBoundedByTheWritersBackstop) {
  Open(kMarkPages);
  Insert(1500, 0us);  // ~4,500 pages back to back
  EXPECT_GT(Checkpoints("writer"), 0u);
  // The commit that crosses the backstop checkpoints the whole WAL, which restarts at the next.
  EXPECT_LT(WalBytes(), (kMarkPages * detail::WalCheckpointer::kBackstopFactor + 16) * kPageBytes);
}

TEST_F(WalCheckpointerTest, ZeroLeavesCheckpointsToSqlitesAutomaticOne) {
  Open(0);
  Insert(1500, 0us);
  EXPECT_EQ(Checkpoints("background"), 0u);
  EXPECT_EQ(Checkpoints("writer"), 0u);
  EXPECT_LT(WalBytes(), 1100 * kPageBytes);  // SQLite's own mark is 1,000 pages
}

TEST(WalCheckpointerSettings, APageMarkOutOfRangeNamesTheField) {
  SqliteSettings s{.path = "/tmp/x.db", .wal_checkpoint_pages = 2000000};
  auto valid = ValidateSqliteSettings(s);
  ASSERT_FALSE(valid.ok());
  EXPECT_NE(valid.error().message().find("wal_checkpoint_pages"), std::string::npos)
      << valid.error().message();
}

}  // namespace
}  // namespace keel::data
