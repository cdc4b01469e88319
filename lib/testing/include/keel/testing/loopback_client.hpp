#pragma once

// A blocking HTTP/1.1 test client on a loopback TCP socket: sends raw bytes and reads until a
// marker arrives, with a deadline, so that a server that stalls fails the test instead of hanging.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace keel::testing {

class LoopbackClient {
 public:
  explicit LoopbackClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{.tv_sec = 0, .tv_usec = 100'000};  // recv wakes up to check the deadline
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  LoopbackClient(const LoopbackClient&) = delete;
  LoopbackClient& operator=(const LoopbackClient&) = delete;
  ~LoopbackClient() { Close(); }

  void Send(std::string_view data) {
    EXPECT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

  // Reads until `marker` is in what was received (then true) or `timeout` passes.
  bool ReadUntil(std::string_view marker,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    return ReadUntilCount(marker, 1, timeout);
  }

  // Reads until `marker` occurs `count` times in what was received (then true) or `timeout` passes.
  bool ReadUntilCount(std::string_view marker, std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Count(marker) < count) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) {
        return Count(marker) >= count;
      }
      if (n > 0) {
        received_.append(buf, static_cast<std::size_t>(n));
      }
    }
    return true;
  }

  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  std::string& received() { return received_; }

 private:
  std::size_t Count(std::string_view marker) const {
    std::size_t found = 0;
    for (auto at = received_.find(marker); at != std::string::npos;
         at = received_.find(marker, at + marker.size())) {
      ++found;
    }
    return found;
  }

  int fd_ = -1;
  std::string received_;
};

}  // namespace keel::testing
