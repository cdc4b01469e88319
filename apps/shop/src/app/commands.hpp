// The one-shot subcommands of keel-shop. Each returns the process exit status:
// 0 success, 1 a database error, 2 refused (invalid options, or seed into a non-empty database
// without --force). Output: progress on stdout, errors on stderr.
#pragma once

#include "src/app/config.hpp"
#include "src/seed/generator.hpp"

namespace shop {

// `keel-shop migrate`: applies pending migrations and exits.
[[nodiscard]] int RunMigrate(const ShopSettings& settings);

// `keel-shop seed [--users N --products N --orders N --seed S] [--force]`: migrates, then seeds
// an empty database (with --force: empties it first).
[[nodiscard]] int RunSeed(const ShopSettings& settings, const seed::SeedOptions& options,
                          bool force);

}  // namespace shop
