#include "src/users/service.hpp"

namespace shop::users {

keel::Error UserNotFound(std::int64_t id) {
  return keel::Error(keel::ErrorCode::kNotFound, "no user with id " + std::to_string(id));
}

Task<User> UserService::Get(std::int64_t id, keel::data::CallOptions options) {
  auto user = co_await store_.ById(id, options);
  if (!user) {
    co_return std::move(user).error();
  }
  if (!*user) {
    co_return UserNotFound(id);
  }
  co_return std::move(**user);
}

Task<Summary> UserService::SummaryOf(std::int64_t id, keel::data::CallOptions options) {
  auto summary = co_await store_.SummaryOf(id, options);
  if (!summary) {
    co_return std::move(summary).error();
  }
  if (!*summary) {
    co_return UserNotFound(id);
  }
  co_return std::move(**summary);
}

}  // namespace shop::users
