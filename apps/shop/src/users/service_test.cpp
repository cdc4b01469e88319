#include "src/users/service.hpp"

#include <gtest/gtest.h>

#include "src/testing/test_db.hpp"

namespace shop::users {
namespace {

using testing::RunSync;

TEST(UserService, GetsUsersAndTheirSummaries) {
  testing::TestDb t;
  t.Exec(
      "INSERT INTO users (id, email, name, created_at) VALUES "
      "(1, 'a@example.com', 'Ada', '2023-01-01T00:00:00.000Z'), "
      "(2, 'b@example.com', 'Bob', '2023-02-01T00:00:00.000Z');"
      "INSERT INTO user_summaries (user_id, order_count, total_spent_cents, updated_at) VALUES "
      "(1, 3, 4500, '2024-03-01T00:00:00.000Z')");
  UserStore store(t.db());
  UserService service(store);

  auto user = RunSync(service.Get(1, {}));
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(
      UserJson(*user),
      R"({"id":1,"email":"a@example.com","name":"Ada","created_at":"2023-01-01T00:00:00.000Z"})");

  auto summary = RunSync(service.SummaryOf(1, {}));
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(SummaryJson(*summary), R"({"user_id":1,"order_count":3,"total_spent_cents":4500,)"
                                   R"("updated_at":"2024-03-01T00:00:00.000Z"})");

  // A user whose summary row does not exist yet has no orders.
  auto fresh = RunSync(service.SummaryOf(2, {}));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->order_count, 0);
  EXPECT_EQ(fresh->total_spent_cents, 0);
  EXPECT_EQ(fresh->updated_at, "2023-02-01T00:00:00.000Z");

  for (auto missing : {RunSync(service.Get(3, {})).ok(), RunSync(service.SummaryOf(3, {})).ok()}) {
    EXPECT_FALSE(missing);
  }
  EXPECT_EQ(RunSync(service.Get(3, {})).error().code(), keel::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace shop::users
