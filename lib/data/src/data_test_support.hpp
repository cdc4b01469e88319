// Test helpers for keel::data: a temporary database directory and running coroutines to the end.
#pragma once

#include "keel/testing/coro.hpp"
#include "keel/testing/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace keel::data::testing {

using keel::testing::Await;
using keel::testing::RunUntil;
using keel::testing::Spawn;
using keel::testing::TempDir;

}  // namespace keel::data::testing
