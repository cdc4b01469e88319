// User rules: a user and their summary, kNotFound (naming the id) for unknown users.
// Thread safety: any I/O thread.
#pragma once

#include "src/users/store.hpp"

namespace shop::users {

class UserService {
 public:
  explicit UserService(UserStore& store) noexcept : store_(store) {}

  Task<User> Get(std::int64_t id, keel::data::CallOptions options);
  Task<Summary> SummaryOf(std::int64_t id, keel::data::CallOptions options);

 private:
  UserStore& store_;
};

// The error for an unknown user id (404).
[[nodiscard]] keel::Error UserNotFound(std::int64_t id);

}  // namespace shop::users
