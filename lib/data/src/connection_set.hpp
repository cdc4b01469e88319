// The connections of one role (readers or the writer) and their free list.
//
// A role's pool has exactly as many worker threads as connections, so a task on a worker always
// finds a free connection; Acquire() still waits rather than failing, which also makes the
// writer safe to share with TransactionBlocking (startup) without a separate lock.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "sqlite_connection.hpp"

namespace keel::data::detail {

class ConnectionSet {
 public:
  // A checked-out connection, returned to the free list on destruction.
  class Lease {
   public:
    Lease(ConnectionSet& set, SqliteConnection* conn) noexcept : set_(set), conn_(conn) {}
    ~Lease() { set_.Return(conn_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SqliteConnection& operator*() const noexcept { return *conn_; }
    SqliteConnection* operator->() const noexcept { return conn_; }

   private:
    ConnectionSet& set_;
    SqliteConnection* conn_;
  };

  void Add(std::unique_ptr<SqliteConnection> conn);
  // Blocks until a connection is free. Only from worker threads or startup code.
  [[nodiscard]] Lease Acquire();
  // Closes every connection; none may be checked out.
  void Clear();
  [[nodiscard]] std::size_t size() const;

 private:
  void Return(SqliteConnection* conn);

  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<SqliteConnection>> all_;
  std::vector<SqliteConnection*> free_;
};

}  // namespace keel::data::detail
