// The shop's schema migrations, embedded into the binary from apps/shop/migrations/*.sql.
#pragma once

#include <keel/data/migrations.hpp>
#include <span>

namespace shop {

std::span<const keel::data::Migration> Migrations();

}  // namespace shop
