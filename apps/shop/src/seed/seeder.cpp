#include "src/seed/seeder.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace shop::seed {

namespace {

using keel::data::Query;
using keel::data::SqlParams;
using keel::data::Tx;
using Clock = std::chrono::steady_clock;

constexpr Query kInsertUser{"seed_user",
                            "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)"};
constexpr Query kInsertProduct{
    "seed_product",
    "INSERT INTO products (id, name, category, price_cents, stock, rating, updated_at, version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 1)"};
constexpr Query kInsertOrder{
    "seed_order",
    "INSERT INTO orders (id, user_id, status, total_cents, created_at) VALUES (?, ?, ?, ?, ?)"};
constexpr Query kInsertItem{
    "seed_order_item",
    "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
    "VALUES (?, ?, ?, ?)"};
constexpr Query kInsertSummary{
    "seed_user_summary",
    "INSERT INTO user_summaries (user_id, order_count, total_spent_cents, updated_at) "
    "VALUES (?, ?, ?, ?)"};
constexpr Query kHasData{"seed_has_data",
                         "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM products) "
                         "OR EXISTS (SELECT 1 FROM orders)"};
constexpr std::string_view kClear =
    "DELETE FROM order_items; DELETE FROM orders; DELETE FROM user_summaries; "
    "DELETE FROM products; DELETE FROM users;";

// Rows per transaction: large enough that commits are rare, small enough to report progress.
constexpr std::int64_t kChunk = 20000;

struct UserTotals {
  std::int64_t order_count = 0;
  std::int64_t total_spent_cents = 0;
  std::string last_order_at;
};

// Counts finished work units (users + products + orders) and reports each new tenth.
class Progress {
 public:
  Progress(const SeedOptions& o, const ProgressFn& fn)
      : fn_(fn), total_(o.users + o.products + o.orders), started_(Clock::now()) {}

  void Advance(std::int64_t units, const SeedReport& report) {
    done_ += units;
    const std::int64_t tenth = total_ == 0 ? 10 : done_ * 10 / total_;
    if (tenth <= reported_ || !fn_) {
      return;
    }
    reported_ = tenth;
    char line[200];
    std::snprintf(line, sizeof line,
                  "seed: %3lld%%  users %lld  products %lld  orders %lld  items %lld  (%.1f s)",
                  static_cast<long long>(tenth * 10), static_cast<long long>(report.users),
                  static_cast<long long>(report.products), static_cast<long long>(report.orders),
                  static_cast<long long>(report.order_items), Seconds());
    fn_(line);
  }
  [[nodiscard]] double Seconds() const {
    return std::chrono::duration<double>(Clock::now() - started_).count();
  }

 private:
  const ProgressFn& fn_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  std::int64_t reported_ = 0;
  Clock::time_point started_;
};

keel::Result<void> Run(Tx& tx, const Query& q, SqlParams& params) {
  auto done = tx.Execute(q, params);
  params.clear();  // keeps its capacity for the next row
  if (!done) {
    return std::move(done).error();
  }
  return {};
}

keel::Result<void> InsertUsers(Tx& tx, const Generator& gen, std::int64_t from, std::int64_t to) {
  SqlParams p;
  for (std::int64_t id = from; id < to; ++id) {
    UserRow u = gen.User(id);
    p.assign({u.id, std::move(u.email), std::move(u.name), std::move(u.created_at)});
    if (auto done = Run(tx, kInsertUser, p); !done) {
      return done;
    }
  }
  return {};
}

keel::Result<void> InsertProducts(Tx& tx, const Generator& gen, std::int64_t from, std::int64_t to,
                                  std::vector<std::int64_t>& prices) {
  SqlParams p;
  for (std::int64_t id = from; id < to; ++id) {
    ProductRow r = gen.Product(id);
    prices[static_cast<std::size_t>(id - 1)] = r.price_cents;
    p.assign({r.id, std::move(r.name), std::move(r.category), r.price_cents, r.stock, r.rating,
              std::move(r.updated_at)});
    if (auto done = Run(tx, kInsertProduct, p); !done) {
      return done;
    }
  }
  return {};
}

keel::Result<void> InsertOrders(Tx& tx, const Generator& gen, std::int64_t from, std::int64_t to,
                                const std::vector<std::int64_t>& prices,
                                std::vector<UserTotals>& totals, SeedReport& report) {
  SqlParams p;
  for (std::int64_t id = from; id < to; ++id) {
    OrderRow o = gen.Order(id, prices);
    auto& t = totals[static_cast<std::size_t>(o.user_id - 1)];
    ++t.order_count;
    t.total_spent_cents += o.total_cents;
    t.last_order_at = o.created_at;  // orders are generated oldest first
    p.assign({o.id, o.user_id, std::move(o.status), o.total_cents, std::move(o.created_at)});
    if (auto done = Run(tx, kInsertOrder, p); !done) {
      return done;
    }
    for (const auto& item : o.items) {
      p.assign({id, item.product_id, item.quantity, item.unit_price_cents});
      if (auto done = Run(tx, kInsertItem, p); !done) {
        return done;
      }
    }
    report.order_items += std::ssize(o.items);
  }
  return {};
}

keel::Result<void> InsertSummaries(Tx& tx, const Generator& gen,
                                   const std::vector<UserTotals>& totals) {
  SqlParams p;
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const auto user_id = static_cast<std::int64_t>(i + 1);
    const auto& t = totals[i];
    // A user without orders: the summary is as old as the user.
    std::string updated_at = t.order_count > 0 ? t.last_order_at : gen.User(user_id).created_at;
    p.assign({user_id, t.order_count, t.total_spent_cents, std::move(updated_at)});
    if (auto done = Run(tx, kInsertSummary, p); !done) {
      return done;
    }
  }
  return {};
}

// Runs `insert(tx, from, to)` over [1, count] in chunks of kChunk rows, one transaction each.
template <typename Insert>
keel::Result<void> Chunked(keel::data::SqliteDatabase& db, std::int64_t count, Insert insert,
                           std::int64_t& written, Progress& progress, const SeedReport& report) {
  for (std::int64_t from = 1; from <= count; from += kChunk) {
    const std::int64_t to = std::min(count + 1, from + kChunk);
    if (auto done = db.TransactionBlocking([&](Tx& tx) { return insert(tx, from, to); }); !done) {
      return done;
    }
    written += to - from;
    progress.Advance(to - from, report);
  }
  return {};
}

}  // namespace

keel::Result<void> ValidateOptions(const SeedOptions& o) {
  if (o.users < 0 || o.products < 0 || o.orders < 0) {
    return keel::Error(keel::ErrorCode::kInvalidArgument, "counts must not be negative");
  }
  if (o.orders > 0 && (o.users == 0 || o.products == 0)) {
    return keel::Error(keel::ErrorCode::kInvalidArgument,
                       "orders need at least one user and one product");
  }
  return {};
}

keel::Result<bool> HasData(keel::data::SqliteDatabase& db) {
  bool has_data = false;
  auto done = db.TransactionBlocking([&](Tx& tx) -> keel::Result<void> {
    auto rows = tx.Query(kHasData, {});
    if (!rows) {
      return std::move(rows).error();
    }
    has_data = !rows->empty() && (*rows)[0].Int(0) != 0;
    return {};
  });
  if (!done) {
    return std::move(done).error();
  }
  return has_data;
}

keel::Result<void> Clear(keel::data::SqliteDatabase& db) {
  return db.TransactionBlocking([](Tx& tx) { return tx.ExecuteScript("seed_clear", kClear); });
}

keel::Result<SeedReport> Seed(keel::data::SqliteDatabase& db, const SeedOptions& options,
                              const ProgressFn& progress_fn) {
  if (auto valid = ValidateOptions(options); !valid) {
    return std::move(valid).error();
  }
  const Generator gen(options);
  Progress progress(options, progress_fn);
  SeedReport report;
  std::vector<std::int64_t> prices(static_cast<std::size_t>(options.products));
  std::vector<UserTotals> totals(static_cast<std::size_t>(options.users));
  auto users = [&](Tx& tx, std::int64_t from, std::int64_t to) {
    return InsertUsers(tx, gen, from, to);
  };
  auto products = [&](Tx& tx, std::int64_t from, std::int64_t to) {
    return InsertProducts(tx, gen, from, to, prices);
  };
  auto orders = [&](Tx& tx, std::int64_t from, std::int64_t to) {
    return InsertOrders(tx, gen, from, to, prices, totals, report);
  };
  keel::Result<void> done = Chunked(db, options.users, users, report.users, progress, report);
  if (done) {
    done = Chunked(db, options.products, products, report.products, progress, report);
  }
  if (done) {
    done = Chunked(db, options.orders, orders, report.orders, progress, report);
  }
  if (done) {
    done = db.TransactionBlocking([&](Tx& tx) { return InsertSummaries(tx, gen, totals); });
  }
  if (!done) {
    return std::move(done).error();
  }
  report.elapsed = std::chrono::milliseconds(static_cast<std::int64_t>(progress.Seconds() * 1000));
  return report;
}

}  // namespace shop::seed
