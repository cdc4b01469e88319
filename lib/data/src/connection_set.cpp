#include "connection_set.hpp"

#include "keel/core/check.hpp"

namespace keel::data::detail {

void ConnectionSet::Add(std::unique_ptr<SqliteConnection> conn) {
  std::lock_guard lock(mutex_);
  free_.push_back(conn.get());
  all_.push_back(std::move(conn));
}

ConnectionSet::Lease ConnectionSet::Acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [this] { return !free_.empty(); });
  SqliteConnection* conn = free_.back();
  free_.pop_back();
  return Lease(*this, conn);
}

void ConnectionSet::Return(SqliteConnection* conn) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(conn);
  }
  returned_.notify_one();
}

void ConnectionSet::Clear() {
  std::lock_guard lock(mutex_);
  KEEL_CHECK(free_.size() == all_.size());  // closing a connection in use is a bug
  free_.clear();
  all_.clear();
}

std::size_t ConnectionSet::size() const {
  std::lock_guard lock(mutex_);
  return all_.size();
}

}  // namespace keel::data::detail
