// A real Server on a loopback port with one I/O thread, for tests that talk to it over sockets:
// register routes on router_, then Start(); the runtime stops and joins in TearDown.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "keel/core/runtime.hpp"
#include "keel/http/router.hpp"
#include "keel/http/server.hpp"

namespace keel::http {

class LoopbackServerTest : public ::testing::Test {
 protected:
  void Start(ServerSettings settings = {}) {
    settings.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(runtime_, settings, router_, admin_, nullptr, nullptr);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { runtime_.Run(); });
  }
  void TearDown() override {
    runtime_.Stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  Router router_;
  Router admin_;
  std::unique_ptr<Server> server_;
  Runtime runtime_{{.threads = 1}};  // destroyed first: coroutines go before the server
  std::thread thread_;
};

}  // namespace keel::http
